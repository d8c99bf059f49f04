"""Rule predictions from the conversation's last turns (bot/addons/recent_rules.py): with the real
trained model, conversations of readers' messages (parsed by the model's NLU, the next action the
policy's own, the slots the actions set) are predicted alike with the addon and with Rasa's whole
history, after every event, including conversations that undo or restart turns."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_support import last_json_line, run_in_rasa

from newsbot.serving.supervisor import RASA, StackConfig, train

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

COMPARE = r"""
import asyncio, json, random, sys
import addons
from addons import recent_rules
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.events import (ActionExecuted, BotUttered, Restarted, SessionStarted, SlotSet,
                                     UserUttered, UserUtteranceReverted)
from rasa.shared.core.trackers import DialogueStateTracker

assert RulePolicy._prediction_states is recent_rules.recent_prediction_states  # what Rasa predicts with
agent = Agent.load(sys.stdin.read().strip())
processor, domain = agent.processor, agent.processor.domain
MESSAGES = ["hiya", "wat did labour promise", "who said that?", "and the board?", "whos goldstein",
            "was it a success?", "when r they meeting again", "whats the capital of france", "thanks!",
            "tell me more", "are you a bot", "ok", "what did the other side say?", "say that again",
            "is that true?", "bye"]
cut = recent_rules.recent_events
shortened = []  # per prediction with the addon: whether it used the last turns only

def counted_cut(events, exact_states):
    recent = cut(events, exact_states)
    shortened.append(recent is not None)
    return recent

recent_rules.recent_events = counted_cut

def predict(events, recent):
    RulePolicy._prediction_states = recent_rules.recent_prediction_states if recent else Policy._prediction_states
    prediction = processor._predict_next_with_tracker(DialogueStateTracker.from_events("compare", events, domain.slots))
    return [prediction.max_confidence_index, prediction.max_confidence, prediction.policy_name,
            prediction.hide_rule_turn,
            [{k: v for k, v in event.as_dict().items() if k != "timestamp"} for event in prediction.events]]

parsed = {text: asyncio.run(processor.parse_message(UserMessage(text))) for text in MESSAGES}
chooser = random.Random(7)
compared = differing = 0
for conversation in range(6):
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for turn in range(24):
        data = parsed[chooser.choice(MESSAGES)]
        events.append(UserUttered(data["text"], data["intent"], data["entities"], parse_data=data))
        for _ in range(2):
            ours, rasas = predict(events, True), predict(events, False)
            compared += 1
            differing += ours != rasas
            action = domain.action_names_or_texts[rasas[0]]
            events.append(ActionExecuted(action))
            if action == "action_listen":
                break
            events += [BotUttered("an answer"), SlotSet("last_question", data["text"])]
        if conversation % 2 and chooser.random() < 0.15:  # turns undone or restarted now and then
            events.append(chooser.choice([UserUtteranceReverted(), Restarted(), SessionStarted()]))
intents = {data["intent"]["name"] for data in parsed.values()}
print(json.dumps({"compared": compared, "differing": differing, "intents": len(intents),
                  "shortened": sum(shortened), "whole": len(shortened) - sum(shortened)}))
"""


@pytest.fixture(scope="module")
def model() -> Path:
    return train(StackConfig())


def test_rules_predict_alike_from_the_last_turns_and_from_the_whole_history(model: Path) -> None:
    result = last_json_line(run_in_rasa(COMPARE, stdin=str(model)))
    assert result["compared"] >= 200 and result["intents"] >= 6, result
    assert result["differing"] == 0, result
    # Both ways were taken: from the last turns, and from the whole history (a short conversation,
    # or one whose last turns undo or restart).
    assert result["shortened"] >= 100 and result["whole"] >= 20, result
