"""Conversations kept in SQL: a SQLite file by default, any SQLAlchemy URL from the environment.

NEWSBOT_TRACKER_DB, e.g. postgresql://user@127.0.0.1:5432/newsbot; unset, the SQLite file
NEWSBOT_TRACKER_SQLITE (default: .data/conversations.db under the project).

A database error is reported to the turn (addons.outages) before Rasa's FailSafeTrackerStore
swallows it, so the REST channel answers 503 rather than from an empty conversation. Connections
are checked before use (pool_pre_ping): after a database restart the next turn reconnects.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import sessionmaker

from addons.outages import CONVERSATIONS_UNAVAILABLE, report

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = PROJECT_ROOT / ".data" / "conversations.db"


class EnvSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, event_broker: Any = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's (absent) url as host: the environment decides
        url = os.environ.get("NEWSBOT_TRACKER_DB", "").strip()
        if url:
            parsed = make_url(url)
            dialect = parsed.drivername
            settings = {
                "host": parsed.host,
                "port": parsed.port,
                "db": parsed.database,
                "username": parsed.username,
                "password": parsed.password,
            }
        else:
            sqlite_file = Path(os.environ.get("NEWSBOT_TRACKER_SQLITE", DEFAULT_SQLITE))
            sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            dialect = "sqlite"
            settings = {"db": str(sqlite_file)}
        logger.info("conversations are kept in %s (%s)", dialect, settings.get("host") or settings["db"])
        super().__init__(domain=domain, dialect=dialect, event_broker=event_broker, **settings, **kwargs)
        if dialect != "sqlite":
            # Rasa's engine keeps pooled connections that a database restart breaks: ping them first.
            url_object = self.engine.url
            self.engine.dispose()
            self.engine = sqlalchemy.create_engine(url_object, pool_pre_ping=True, **create_engine_kwargs(url_object))
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        with reported_to_the_turn():
            return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        with reported_to_the_turn():
            return await super().retrieve_full_tracker(conversation_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        with reported_to_the_turn():
            await super().save(tracker)


@contextmanager
def reported_to_the_turn() -> Iterator[None]:
    """A database error, reported to the turn (Rasa's FailSafeTrackerStore swallows it after)."""
    try:
        yield
    except Exception:
        report(CONVERSATIONS_UNAVAILABLE)
        raise
