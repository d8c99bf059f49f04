"""Code the Rasa server loads (Python 3.10, .venv-rasa): a guarded REST channel, Slack from the
environment, the tracker store, and a fix for slow action-reply validation.

It must not import the newsbot package, which lives in the other environment.
"""

from addons import action_validation

# Rasa imports this package while it reads credentials.yml and endpoints.yml, before any action
# runs: the only hook that every `rasa run` passes through. It swaps in one method (see there).
action_validation.install()
