"""Action calls with the current turn's events (bot/addons/action_call.py): Rasa's own tracker of a
two-turn conversation, its slots set by the real actions, is sent as Rasa 3.6 would send it and
as the addon does; the calls differ only in their events, and the web app's actions answer both
alike."""

from __future__ import annotations

import json

import pytest
from conftest import AppFactory, action_call
from rasa_support import last_json_line, run_in_rasa

from newsbot.serving.supervisor import RASA

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

FIRST = "wat did labour promise"
FOLLOW_UP = "and the board?"

CALLS = r"""
import json, sys
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.trackers import EventVerbosity
rasas_own = RemoteAction._action_call_format
import addons  # installs the addon, as Rasa's reading of endpoints.yml does
from addons.action_call import turn_call_format
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, Event, SessionStarted, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

assert RemoteAction._action_call_format is turn_call_format
first = json.loads(sys.stdin.read())
domain = Domain.load("bot/domain")
def user(text, intent, entities):
    return UserUttered(text, {"name": intent, "confidence": 0.9}, entities,
                       parse_data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities})
events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
          user(first["text"], "ask_question", []), ActionExecuted("action_answer_question")]
events += [BotUttered(r.get("text"), {"custom": r.get("custom")}) for r in first["responses"]]
events += [Event.from_parameters(e) for e in first["events"]]
events += [ActionExecuted("action_listen"),
           user(first["follow_up"], "followup_entity",
                [{"entity": "organisation", "value": "Board of Deputies", "start": 4, "end": 13}])]
tracker = DialogueStateTracker.from_events("call-test", events, domain.slots)
action = RemoteAction("action_about_entity", EndpointConfig("http://127.0.0.1:9/webhook",
                                                            enable_selective_domain=True))
calls = {"rasa": rasas_own(action, tracker, domain), "turn": action._action_call_format(tracker, domain)}
print(json.dumps(calls, default=str))
"""


def test_an_action_call_carries_the_turns_events_and_is_answered_alike(make_client: AppFactory) -> None:
    client = make_client(webhook_allow_remote=True)
    first = client.post("/webhook", json=action_call(FIRST, "call-test"))
    assert first.status_code == 200, first.text
    slots = [event for event in first.json()["events"] if event["event"] == "slot"]
    assert any(event["name"] == "last_question" for event in slots)
    given = {"text": FIRST, "follow_up": FOLLOW_UP, "events": slots, "responses": first.json()["responses"]}
    calls = last_json_line(run_in_rasa(CALLS, stdin=json.dumps(given)))
    rasas, turns = calls["rasa"], calls["turn"]

    # Everything but the events is what Rasa sends, the slots the first answer set among it.
    assert {key: value for key, value in turns.items() if key != "tracker"} == {
        key: value for key, value in rasas.items() if key != "tracker"
    }
    assert "domain" not in turns  # selective domain, as bot/endpoints.yml asks
    without_events = {key: value for key, value in rasas["tracker"].items() if key != "events"}
    assert {key: value for key, value in turns["tracker"].items() if key != "events"} == without_events
    assert turns["tracker"]["slots"]["last_question"] == FIRST
    # The events: the whole conversation in Rasa's call, from the latest user message on here.
    every, sent = rasas["tracker"]["events"], turns["tracker"]["events"]
    latest_user = max(i for i, event in enumerate(every) if event["event"] == "user")
    assert len(every) > len(sent) >= 1
    assert sent == every[latest_user:]
    assert sent[0]["event"] == "user" and sent[0]["text"] == FOLLOW_UP

    # The actions answer the shorter call as they answer Rasa's own.
    replies = [client.post("/webhook", json=call) for call in (rasas, turns)]
    assert all(reply.status_code == 200 for reply in replies), [reply.text for reply in replies]
    assert replies[0].json() == replies[1].json()
    payloads = [message["custom"] for message in replies[1].json()["responses"] if message.get("custom")]
    assert payloads and payloads[0]["sources"], replies[1].json()
