"""How long the editors' report takes to make (`newsbot report`, `/admin/report`): a store in a
temporary SQLite file holding `--turns` recorded turns (a quarter of them declines, the ones the
report groups by meaning), the report made `--runs` times in one process, as the web app makes it
on each page load.

    .venv/bin/python bench/report_latency.py [--turns 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsbot.conversations.store import ConversationStore, RecordedReply, database_url
from newsbot.report.service import make_report
from newsbot.settings import get_settings

DECLINED = ("will they meet again", "who wrote this", "what's the weather", "did corbyn apologise", "brexit?")
ANSWERED = ("what did labour commit to", "who was at the meeting", "how did the board describe it")


def recorded(count: int, now: datetime) -> list[RecordedReply]:
    rows = []
    for number in range(count):
        declined = number % 4 == 0
        pool = DECLINED if declined else ANSWERED
        rows.append(
            RecordedReply(
                id=str(uuid.uuid4()),
                turn_id=str(uuid.uuid4()),
                session_id=f"bench-{number % 300}",
                channel="widget",
                question=f"{pool[number % len(pool)]} {number % 7}",
                kind="decline" if declined else "answer",
                answered=not declined,
                lead="",
                cited=(),
                latency_ms=50 + number % 400,
                created_at=now - timedelta(minutes=number),
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    settings = get_settings()
    with tempfile.TemporaryDirectory() as folder:
        store = ConversationStore(database_url(f"sqlite:///{Path(folder) / 'report.db'}", Path(folder)))
        store.record(recorded(args.turns, datetime.now(UTC)))
        seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            make_report(store, settings.knowledge_dir, settings.model)
            seconds.append(time.perf_counter() - started)
        store.close()
    print(f"{args.turns} turns, {settings.knowledge_dir}: report made {args.runs} times in one process")
    print(f"  first {seconds[0] * 1000:.0f} ms; later ones median {statistics.median(seconds[1:]) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
