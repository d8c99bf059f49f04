"""Code the Rasa server loads (Python 3.10, .venv-rasa): a guarded REST channel (the web app's
door to Rasa; Slack, too, comes in through the web app), the tracker store, action calls that
carry the current turn's events, rule predictions from the last turns, fixes for slow action-reply
validation, event-class lookup and graph runs, and the NLU pipeline's all-MiniLM-L6-v2 featurizer
(minilm_featurizer.py: the model's ONNX export on ONNX Runtime).
Every `rasa` command needs bot/ on PYTHONPATH (newsbot.serving.supervisor.rasa_command_env).

It must not import the newsbot package, which lives in the other environment.
"""

from addons import action_call, action_validation, event_types, graph_runner, recent_rules

# Rasa imports this package while it reads credentials.yml and endpoints.yml, before any action
# runs and before the model is loaded: the only hook that every `rasa run` passes through. It
# swaps in four methods and the prediction graph's runner (see each module).
action_call.install()
action_validation.install()
event_types.install()
graph_runner.install()
recent_rules.install()
