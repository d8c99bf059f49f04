"""The bot's NLU intent of every seed dev question, as the running model parses it, for fitting
the bot's topic signals (bench/fit_models.py reads eval/seed-dev-intents.jsonl).

    .venv/bin/python bench/nlu_intents.py [--questions eval/seed-dev.jsonl] [--out eval/seed-dev-intents.jsonl]

Trains the Rasa model when its data changed, starts a Rasa server on a free port as `newsbot
serve` does, and asks its `/model/parse` (with the token) for each question.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx

from newsbot.serving.supervisor import StackConfig, free_port, start_rasa, stop, train
from newsbot.settings import PROJECT_ROOT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=PROJECT_ROOT / "eval" / "seed-dev.jsonl")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "eval" / "seed-dev-intents.jsonl")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="nlu-intents-"))
    config = StackConfig(rasa_port=free_port(), web_port=free_port(), logs_dir=scratch / "logs")
    process = start_rasa(config, train(config))
    try:
        with httpx.Client(base_url=config.rasa_url, timeout=30.0) as client:
            lines = []
            for row in rows:
                response = client.post(
                    "/model/parse", params={"token": config.rasa_token}, json={"text": row["question"]}
                )
                response.raise_for_status()
                intent = response.json().get("intent") or {}
                lines.append(
                    json.dumps({"id": row["id"], "intent": intent.get("name"), "confidence": intent.get("confidence")})
                )
    finally:
        stop(process)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} intents to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
