"""Development tooling, apart from the runtime: the transcript harness and `newsbot-dev converse`
(through the web app's chat API), and the Rasa REST client of the tests and benchmarks that talk to
Rasa itself."""
