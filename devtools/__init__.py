"""Development tooling, apart from the runtime: the transcript harness, `newsbot-dev converse`, the
Rasa REST client the tests and benchmarks use."""
