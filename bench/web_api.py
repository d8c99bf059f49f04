"""The web app through the real stack: /api/ask and /api/chat latency, then a concurrent load.

    .venv/bin/python bench/web_api.py [--turns 60] [--sessions 50] [--questions 20]

Starts the web app and Rasa on free ports (training first if the model is out of date), warms
both up, times sequential POST /api/ask and POST /api/chat, then runs `--sessions` concurrent
chat sessions of `--questions` questions each and reports errors and latency percentiles. The
per-address rate limit is raised for the run: every session comes from this one address.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from newsbot.serving.supervisor import StackConfig, free_port, running_stack

QUESTIONS = [
    "What did Labour commit to?",
    "Who attended the meeting?",
    "How did the Board of Deputies describe the meeting?",
    "What did Jeremy Corbyn say?",
    "who said that?",
    "What happened to Ken Livingstone?",
    "What is the IHRA definition about?",
    "where does it say that?",
    "What did the community leaders ask for?",
    "hello",
    "What happens next?",
    "What about the Board?",
    "tell me more",
    "What did Jonathan Goldstein say?",
    "What is the capital of France?",
    "What did the other side say?",
    "What was the demonstration about?",
    "Who is Jennie Formby?",
    "thanks",
    "What did Labour sources say about the meeting?",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def describe(name: str, values: list[float]) -> str:
    return (
        f"{name}: median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
        f"max {max(values):.1f} ms (n={len(values)})"
    )


def sequential(http: httpx.Client, turns: int) -> tuple[list[float], list[float]]:
    ask: list[float] = []
    chat: list[float] = []
    session = ""
    for turn in range(-5, turns):  # five warm-up rounds
        if turn % 10 == 0 or not session:
            session = f"bench-{uuid.uuid4().hex}"
        question = QUESTIONS[turn % 4]  # answer questions only: the API's real work
        started = time.perf_counter()
        http.post("/api/ask", json={"question": question}).raise_for_status()
        middle = time.perf_counter()
        chat_reply = http.post("/api/chat", json={"session_id": session, "message": question})
        ended = time.perf_counter()
        chat_reply.raise_for_status()
        kinds = [message["kind"] for message in chat_reply.json()["messages"]]
        if kinds != ["answer"]:  # each of these questions is answered, in one message
            raise SystemExit(f"/api/chat {question!r}: expected one answer, got {chat_reply.text[:300]}")
        if turn >= 0:
            ask.append((middle - started) * 1000)
            chat.append((ended - middle) * 1000)
    return ask, chat


async def load(base_url: str, sessions: int, questions: int) -> tuple[list[float], list[str]]:
    timings: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)

    async def session(http: httpx.AsyncClient, number: int) -> None:
        session_id = f"load-{number}-{uuid.uuid4().hex[:8]}"
        for turn in range(questions):
            question = QUESTIONS[(number + turn) % len(QUESTIONS)]
            started = time.perf_counter()
            try:
                response = await http.post("/api/chat", json={"session_id": session_id, "message": question})
                if response.status_code != 200 or not response.json()["messages"]:
                    errors.append(f"{response.status_code}: {response.text[:120]}")
            except httpx.HTTPError as error:
                errors.append(f"{type(error).__name__}: {error}")
            timings.append((time.perf_counter() - started) * 1000)

    async with httpx.AsyncClient(base_url=base_url, timeout=120.0, limits=limits) as http:
        await asyncio.gather(*(session(http, number) for number in range(sessions)))
    return timings, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=60, help="timed sequential requests of each kind")
    parser.add_argument("--sessions", type=int, default=50, help="concurrent chat sessions")
    parser.add_argument("--questions", type=int, default=20, help="questions per concurrent session")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as scratch:
        config = StackConfig(
            rasa_port=free_port(),
            web_port=free_port(),
            logs_dir=Path(scratch) / "logs",
            tracker_sqlite=Path(scratch) / "conversations.db",
            web_env=(("NEWSBOT_CLIENT_RATE_PER_MINUTE", "1000000"),),
        )
        with running_stack(config), httpx.Client(base_url=config.web_url, timeout=60.0) as http:
            ask, chat = sequential(http, args.turns)
            started = time.perf_counter()
            timings, errors = asyncio.run(load(config.web_url, args.sessions, args.questions))
            elapsed = time.perf_counter() - started
    print(describe("/api/ask (sequential)", ask))
    print(describe("/api/chat (sequential)", chat))
    print(describe(f"/api/chat under load ({args.sessions} sessions x {args.questions} questions)", timings))
    print(f"load: {len(timings)} requests in {elapsed:.1f} s ({len(timings) / elapsed:.1f}/s), {len(errors)} errors")
    for error in errors[:10]:
        print(f"  {error}")


if __name__ == "__main__":
    main()
