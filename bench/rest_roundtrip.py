"""REST round trip through the real stack: a retrieval question against "hello", in one run.

    .venv/bin/python bench/rest_roundtrip.py [--turns 60]

Starts the web app (which serves the actions) and Rasa on free ports, as `newsbot serve` does (training first if
the model is out of date), warms both up, then alternates the two messages, timing each POST /webhooks/rest/webhook
straight to Rasa with its token (the web app's own hop is in bench/web_api.py). Each reply must be one message.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from devtools.rasa_client import auth_headers
from newsbot.serving.supervisor import StackConfig, free_port, running_stack

MESSAGES = {"hello": "hello", "retrieval": "What did Labour commit to?"}
TURNS_PER_CONVERSATION = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=60, help="timed turns of each kind")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as scratch:
        config = StackConfig(
            rasa_port=free_port(),
            web_port=free_port(),
            logs_dir=Path(scratch) / "logs",
            tracker_sqlite=Path(scratch) / "conversations.db",
        )
        rasa = httpx.Client(base_url=config.rasa_url, timeout=60.0, headers=auth_headers(config.rasa_token))
        with running_stack(config), rasa as http:
            timings: dict[str, list[float]] = {kind: [] for kind in MESSAGES}
            sender = ""
            for turn in range(-5, args.turns):  # five warm-up rounds
                if turn % TURNS_PER_CONVERSATION == 0 or not sender:
                    sender = f"bench-{uuid.uuid4()}"
                for kind, text in MESSAGES.items():
                    started = time.perf_counter()
                    reply = http.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
                    elapsed = (time.perf_counter() - started) * 1000
                    reply.raise_for_status()
                    if len(reply.json()) != 1:
                        raise SystemExit(f"{kind}: expected one message, got {reply.text[:300]}")
                    if turn >= 0:
                        timings[kind].append(elapsed)
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    for kind, values in timings.items():
        ordered = sorted(values)
        p95 = ordered[round(0.95 * (len(ordered) - 1))]
        print(f"{kind:<9} {len(values)} turns  median {medians[kind]:6.1f} ms  p95 {p95:6.1f} ms")
    print(f"retrieval / hello = {medians['retrieval'] / medians['hello']:.2f}")


if __name__ == "__main__":
    main()
