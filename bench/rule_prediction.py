"""CPU of one dialogue prediction by turn of a conversation, with Rasa's RulePolicy reading the
whole history and with bot/addons/recent_rules.py reading the last turns.

    .venv/bin/python bench/rule_prediction.py [--turns 30] [--repeat 200]

Trains the Rasa model when needed (as `newsbot serve` does), parses a fixed series of readers'
messages with its NLU, and plays one conversation of `--turns` of them, each turn's actions the
policy's own. At turns 1, 5, 10, 20 and the last, it times the prediction after the reader's message
(`--repeat` times each way, in the Rasa environment) and prints the CPU per prediction.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from newsbot.serving.supervisor import RASA, StackConfig, rasa_command_env, train
from newsbot.settings import PROJECT_ROOT

TIMING = """
import asyncio, logging, sys, time
logging.disable(logging.WARNING)
import structlog
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
import addons
from addons import recent_rules
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

MESSAGES = ["wat did labour promise", "who said that?", "and the board?", "whos goldstein", "tell me more",
            "was it a success?", "when r they meeting again", "where does it say that", "ok", "what did corbyn say"]
model, turns, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
processor = Agent.load(model).processor
domain = processor.domain
parsed = [asyncio.run(processor.parse_message(UserMessage(text))) for text in MESSAGES]
WAYS = {"whole history": Policy._prediction_states, "last turns": recent_rules.recent_prediction_states}

def cpu_per_prediction(events, way):
    RulePolicy._prediction_states = WAYS[way]
    tracker = DialogueStateTracker.from_events("bench", events, domain.slots)
    processor._predict_next_with_tracker(tracker)  # a first prediction takes a pending follow-up action
    started = time.process_time()
    for _ in range(repeat):
        processor._predict_next_with_tracker(tracker)
    return (time.process_time() - started) * 1000 / repeat

events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
for turn in range(1, turns + 1):
    data = parsed[(turn - 1) % len(parsed)]
    events.append(UserUttered(data["text"], data["intent"], data["entities"], parse_data=data))
    if turn in (1, 5, 10, 20, turns):
        timed = {way: cpu_per_prediction(events, way) for way in WAYS}
        figures = ", ".join(f"{way} {ms:.2f} ms" for way, ms in timed.items())
        print(f"turn {turn:3d} ({len(events):3d} events): {figures}")
    RulePolicy._prediction_states = WAYS["whole history"]
    while True:
        tracker = DialogueStateTracker.from_events("bench", events, domain.slots)
        prediction = processor._predict_next_with_tracker(tracker)
        action = domain.action_names_or_texts[prediction.max_confidence_index]
        events.append(ActionExecuted(action))
        if action == "action_listen":
            break
        events += [BotUttered("an answer"), SlotSet("last_question", data["text"])]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    model = train(StackConfig())
    command = [str(RASA.parent / "python"), "-c", TIMING, str(model), str(args.turns), str(args.repeat)]
    env = {**rasa_command_env(), "TF_CPP_MIN_LOG_LEVEL": "3"}
    timed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if timed.returncode != 0:
        print(timed.stderr[-3000:], file=sys.stderr)
        sys.exit(f"timing failed (exit {timed.returncode})")
    print("\n".join(line for line in timed.stdout.splitlines() if line.startswith("turn")))


if __name__ == "__main__":
    main()
