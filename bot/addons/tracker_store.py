"""Conversations kept in SQL: a SQLite file by default, any SQLAlchemy URL from the environment.

NEWSBOT_TRACKER_DB, e.g. postgresql://user@127.0.0.1:5432/newsbot; unset, the SQLite file
NEWSBOT_TRACKER_SQLITE (default: .data/conversations.db under the project).

A database error is reported to the turn (addons.outages) before Rasa's FailSafeTrackerStore
swallows it, so the REST channel answers 503 rather than from an empty conversation. After a
database restart, the pool's connections are dead: the read that opens a turn meets one,
SQLAlchemy marks the error as a lost connection and drops the whole pool, and the read is tried
once more on a new connection, so the turn is answered (a ping before every use would cost a
round trip a query: 7% of a turn's CPU in a profile). Only reads are tried again: a save that
lost its connection may have been committed, and its turn has read on a new connection anyway.

Saving a turn stores the events the tracker gained since it was read. Rasa counts the stored
events with a query each time (6% of a turn's CPU); a tracker read here remembers how many it
was read with, and the conversation lock keeps others from writing in between, so the count
query runs only for a tracker that was not read here: a new conversation's. That query is built
once too (Rasa's ORM query spent about a sixth of Rasa's CPU building its cache key in a burst of
new readers, bench/scale.py --turns 1 --profile).

Reading a conversation selects only the events' JSON, with a statement built once (Rasa builds an
ORM query and makes an object of every row on each read: 8% of Rasa's CPU in a profile). Saving
inserts the new events' rows with one statement built once (Rasa's ORM objects and unit of work
were about 10% of Rasa's CPU in a profile); the rows are the ones Rasa's save writes. Both run on
a plain connection, not an ORM session, which cost about 0.1 ms of CPU more a statement (of 0.2
to 0.3), and the events' JSON is read with ujson.

Rasa's store talks to the database synchronously inside its coroutines, so every reader's turn
waited while one turn's query or commit was in the database (a third of the Rasa server's samples
under `bench/scale.py --profile` were in those calls), and a table held by another client stopped
every conversation. Reads and saves run in a worker thread here, and the server goes on with other
conversations meanwhile; one conversation's turns stay in order, as the conversation lock is held
until its save is done.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import ujson
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DBAPIError

from addons.outages import CONVERSATIONS_UNAVAILABLE, report

logger = logging.getLogger(__name__)

STORED = "_newsbot_stored_events"  # on a tracker: how many of its events the database holds

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
        self._all_sessions, self._latest_session = event_statements(self.SQLEvent.__table__)
        self._latest_session_size = sa.select(sa.func.count()).select_from(self._latest_session.subquery())
        self._insert = sa.insert(self.SQLEvent.__table__)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """As Rasa's, with the statements built once and only the events' JSON selected."""
        statement = self._all_sessions if fetch_events_from_all_sessions else self._latest_session
        rows = await asyncio.to_thread(self._stored_events, statement, sender_id)
        if not self.domain or not rows:
            return None
        return DialogueStateTracker.from_dict(sender_id, [event_data(row) for row in rows], self.domain.slots)

    def _stored_events(self, statement: sa.sql.Select, sender_id: str) -> list[str]:
        """The events' JSON, in a worker thread (a connection stays in one thread)."""
        with self.engine.connect() as connection:
            return list(connection.execute(statement, {"sender_id": sender_id}).scalars().all())

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        with reported_to_the_turn():
            tracker = await once_more_on_a_new_connection(lambda: super(EnvSQLTrackerStore, self).retrieve(sender_id))
        if tracker is not None:
            setattr(tracker, STORED, len(tracker.events))
        return tracker

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        with reported_to_the_turn():
            return await once_more_on_a_new_connection(
                lambda: super(EnvSQLTrackerStore, self).retrieve_full_tracker(conversation_id)
            )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """As Rasa's, with the new events inserted by one statement built once (Rasa makes an ORM
        object of each and flushes them through the unit of work)."""
        with reported_to_the_turn():
            await self.stream_events(tracker)
            await asyncio.to_thread(self._insert_new_events, tracker)
        setattr(tracker, STORED, len(tracker.events))

    def _insert_new_events(self, tracker: DialogueStateTracker) -> None:
        """In a worker thread; the tracker is this turn's alone while its conversation is locked."""
        with self.engine.begin() as connection:
            rows = [event_row(tracker.sender_id, event) for event in self._additional_events(connection, tracker)]
            if rows:
                connection.execute(self._insert, rows)

    def _additional_events(self, connection: sa.engine.Connection, tracker: DialogueStateTracker) -> Iterator[Any]:
        stored = getattr(tracker, STORED, None)
        if stored is None:  # not read here (a new conversation's first save is counted too)
            stored = connection.execute(self._latest_session_size, {"sender_id": tracker.sender_id}).scalar_one()
        return itertools.islice(tracker.events, stored, len(tracker.events))


def event_data(stored: str) -> dict[str, Any]:
    """A stored event's JSON read back: with ujson (Rasa's own dependency), about half the CPU of
    the standard library's, and the same values (every stored event of a bench database compared);
    json reads whatever ujson refuses."""
    try:
        data: dict[str, Any] = ujson.loads(stored)
    except ValueError:
        data = json.loads(stored)
    return data


def event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """An event as Rasa's SQLTrackerStore stores it: a row of the columns it queries by, and its JSON."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def event_statements(events: sa.Table) -> tuple[sa.sql.Select, sa.sql.Select]:
    """A sender's events in the order stored: all of them, and those of its latest session (from
    its last `session_started` event on, as Rasa's `_event_query` selects them)."""
    sender = events.c.sender_id == sa.bindparam("sender_id")
    starts = events.alias("session_starts")  # its own name: not correlated with the outer rows
    started = (
        sa.select(sa.func.max(starts.c.timestamp))
        .where(starts.c.sender_id == sa.bindparam("sender_id"), starts.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    every = sa.select(events.c.data).where(sender).order_by(events.c.id)
    latest = every.where(sa.or_(events.c.timestamp >= started, started.is_(None)))
    return every, latest


async def once_more_on_a_new_connection(
    read: Callable[[], Awaitable[DialogueStateTracker | None]],
) -> DialogueStateTracker | None:
    """The read, tried once more when its pooled connection turns out to be lost (the database
    restarted since it was opened); SQLAlchemy has then dropped the pool's connections."""
    try:
        return await read()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        logger.warning("the conversations' database connection was lost (a restart?): reading again on a new one")
        return await read()


@contextmanager
def reported_to_the_turn() -> Iterator[None]:
    """A database error, reported to the turn (Rasa's FailSafeTrackerStore swallows it after)."""
    try:
        yield
    except Exception:
        report(CONVERSATIONS_UNAVAILABLE)
        raise
