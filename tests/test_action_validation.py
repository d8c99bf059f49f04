"""Rasa's check of the action server's replies (bot/addons/action_validation.py), run in the
Rasa environment: the shortcut (each event against its own definition) accepts and refuses
exactly what Rasa's whole schema does, and a refused reply raises the error Rasa's own
`jsonschema.validate` would."""

from __future__ import annotations

import pytest
from rasa_support import run_in_rasa

from newsbot.serving.supervisor import RASA

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

CHECK = r"""
import copy, itertools, json
import addons
import jsonschema
from rasa.core.actions.action import RemoteAction
from addons.action_validation import is_valid_reply, reply_validators, validate_action_result

assert RemoteAction._validate_action_result is validate_action_result
schema = RemoteAction.action_response_format_spec()
validators = reply_validators()
names = sorted(validators.by_event)
assert len(names) == len(schema["properties"]["events"]["items"]["oneOf"]) >= 20

user = {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 0.9},
        "entities": [{"entity": "person", "value": "Corbyn", "start": 0, "end": 6}]}}
events = [{"event": name} for name in names] + [
    user,
    {"event": "slot", "name": "last_answer", "value": {"passages": [{"paragraph": 24}]}, "timestamp": None},
    {"event": "bot", "text": "x", "data": {"custom": {"kind": "answer"}}, "timestamp": 1.5},
    {"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0},
    {"event": "entities", "entities": [{"entity": "person", "value": "Corbyn"}]},
]
broken = [
    {"event": "slot"},  # no name, no value
    {"event": "slot", "name": 3, "value": 1},
    {"event": "no_such_event"},
    {"event": 7},
    {"text": "no event name"},
    {"event": "user", "parse_data": "not an object"},
    {"event": "user", "parse_data": {"entities": [{"entity": "person"}]}},  # no value
    {"event": "bot", "timestamp": "yesterday"},
    {"event": "action", "confidence": "high"},
    {"event": "entities", "entities": "Corbyn"},
    "not an object",
]
replies = [{}, {"events": []}, {"responses": [{"text": "hi"}]}, {"responses": "not a list"},
           {"responses": ["not an object"]}, {"events": "not a list"}, [], "text", None]
for first, second in itertools.product(events + broken, repeat=2):
    replies.append({"events": [first, second], "responses": [{"text": "hi", "custom": {"kind": "answer"}}]})
replies += [{"events": [event]} for event in events + broken]

accepted = refused = 0
action = RemoteAction.__new__(RemoteAction)
for reply in replies:
    expected = validators.whole.is_valid(reply)
    assert is_valid_reply(validators, reply) == expected, reply
    if expected:
        assert action._validate_action_result(copy.deepcopy(reply)) is True
        accepted += 1
        continue
    try:
        jsonschema.validate(reply, schema)
    except jsonschema.ValidationError as rasa_error:
        wanted = rasa_error.message
    try:
        action._validate_action_result(reply)
    except jsonschema.ValidationError as error:
        assert error.message.startswith(wanted + ". Failed to validate Action server response"), (error.message, wanted)
    else:
        raise AssertionError(f"accepted {reply}")
    refused += 1

twice = copy.deepcopy(schema)
twice["properties"]["events"]["items"]["oneOf"].append({"properties": {"event": {"const": "slot"}}})
try:
    reply_validators(twice)
except ValueError as error:
    assert "twice" in str(error)
else:
    raise AssertionError("a schema naming an event twice was taken")
print(json.dumps({"accepted": accepted, "refused": refused}))
"""


def test_the_shortcut_accepts_and_refuses_exactly_what_rasas_schema_does() -> None:
    completed = run_in_rasa(CHECK)
    assert completed.returncode == 0, completed.stderr[-3000:]
    counts = completed.stdout.strip().splitlines()[-1]
    assert '"accepted": ' in counts and '"refused": ' in counts
    accepted_refused = [int(part.split(":")[1].strip(" }")) for part in counts.split(",")]
    assert min(accepted_refused) >= 100, counts  # both verdicts were put to the test
