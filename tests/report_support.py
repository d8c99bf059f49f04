"""Conversation stores for the tests: a SQLite file, and a fresh database on the machine's
PostgreSQL (127.0.0.1:5432, trust auth), created for the test and dropped after it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psycopg

from newsbot.conversations.store import ConversationStore, RecordedReply

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def postgres_database() -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database; dropped on exit."""
    name = f"newsbot_report_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A database URL as a user writes it (NEWSBOT_TRACKER_DB or --db)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'conversations.db'}"
    else:
        with postgres_database() as url:
            yield url


def reply(
    session: str,
    question: str,
    kind: str,
    at: datetime,
    cited: tuple[tuple[str, int], ...] = (),
    latency_ms: int = 100,
    lead: str = "",
    article: str | None = None,
) -> RecordedReply:
    return RecordedReply(
        id=str(uuid.uuid4()),
        turn_id=str(uuid.uuid4()),
        session_id=session,
        channel="widget",
        question=question,
        kind=kind,
        answered={"answer": True, "decline": False}.get(kind),
        lead=lead or f"the bot's {kind} to {question}",
        cited=cited,
        latency_ms=latency_ms,
        created_at=at,
        article=article,
    )


def seeded(store: ConversationStore, rows: list[RecordedReply]) -> list[RecordedReply]:
    store.record(rows)
    return rows
