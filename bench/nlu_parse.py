"""CPU per message of the Rasa NLU alone (tokenizer, featurizers, classifiers), for a config.

    .venv/bin/python bench/nlu_parse.py [--config config.yml] [--messages 300]

Trains the config's NLU on bot/data/nlu into a temporary folder (in the Rasa environment), loads
it as `rasa run` does, warms it up, then parses `--messages` of the NLU examples one at a time
(a fixed shuffle) and prints the process's CPU and wall time per message. Compare two configs in
one sitting, e.g. the DIET pipeline of an older commit: `git show REV:config.yml > /tmp/old.yml`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from newsbot.serving.supervisor import RASA, rasa_command_env
from newsbot.settings import PROJECT_ROOT

TIMING = """
import asyncio, logging, random, sys, time
logging.disable(logging.WARNING)
import structlog
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

async def main(model, count):
    agent = Agent.load(model)
    texts = [message.get("text") for message in load_data("bot/data/nlu").intent_examples]
    random.Random(0).shuffle(texts)
    texts = texts[:count]
    for text in texts[:20]:
        await agent.parse_message(text)
    cpu, wall = time.process_time(), time.perf_counter()
    for text in texts:
        await agent.parse_message(text)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    per = 1000 / len(texts)
    print(f"{len(texts)} messages: CPU {per * cpu:.2f} ms, wall {per * wall:.2f} ms a message")

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    env = rasa_command_env()
    with tempfile.TemporaryDirectory() as out:
        train = [
            str(RASA), "train", "nlu", "--config", str(args.config.resolve()), "--nlu", "bot/data/nlu",
            "--out", out, "--fixed-model-name", "nlu",
        ]  # fmt: skip
        trained = subprocess.run(train, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        if trained.returncode != 0:
            print(trained.stdout[-3000:] + trained.stderr[-3000:], file=sys.stderr)
            sys.exit(f"rasa train nlu failed (exit {trained.returncode})")
        timing = [str(RASA.parent / "python"), "-c", TIMING, str(Path(out) / "nlu.tar.gz"), str(args.messages)]
        timed = subprocess.run(timing, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        if timed.returncode != 0:
            print(timed.stderr[-3000:], file=sys.stderr)
            sys.exit(f"timing failed (exit {timed.returncode})")
    print(f"{args.config.name}: {timed.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
