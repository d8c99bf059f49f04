"""The recorded turns and the readers' feedback: two tables of the web app's own, in the same
database as Rasa's tracker store (NEWSBOT_TRACKER_DB, else the SQLite file NEWSBOT_TRACKER_SQLITE).

- `newsbot_replies`: one row per bot message the web app served (widget or Slack): its id, the
  turn (one reader message) it belongs to, the session, the channel, the reader's message, the
  reply's kind, whether it answered, its lead, the (article, paragraph) pairs it cited, how long
  the bot took, and when (UTC).
- `newsbot_feedback`: the latest judgement of a message ("up" or "down") and its comment.

Nothing about the reader is stored but the session id: no address, no browser, no Slack user.
Deleting (retention, `forget`) also deletes Rasa's events, which sit in its table `events`.
Every method blocks: the web app calls them in its threadpool.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    create_engine,
    delete,
    event,
    inspect,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from newsbot.batching import Batched
from newsbot.settings import Settings

logger = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 500
RATINGS = ("up", "down")
# Rasa's SQLTrackerStore keeps every event of every conversation in this table.
RASA_EVENTS = "events"
SQLITE_BUSY_MS = 5000
CREATE_ATTEMPTS = 5

metadata = MetaData()

replies = Table(
    "newsbot_replies",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("turn_id", String(36), nullable=False),
    Column("session_id", String(200), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("question", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("answered", Boolean, nullable=True),
    Column("lead", Text, nullable=False),
    Column("cited", Text, nullable=False),  # JSON: [[article, paragraph], ...]
    Column("latency_ms", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    # The story the reader asked beside (the widget's data-newsbot-article); null: every article.
    Column("article", String(200), nullable=True),
)

feedback = Table(
    "newsbot_feedback",
    metadata,
    Column("message_id", String(36), primary_key=True),
    Column("session_id", String(200), nullable=False, index=True),
    Column("rating", String(4), nullable=False),
    Column("comment", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)


class StoreError(Exception):
    """The database cannot be opened or used; the message says which and why."""


@dataclass(frozen=True)
class RecordedReply:
    """One bot message as the web app served it."""

    id: str
    turn_id: str
    session_id: str
    channel: str
    question: str
    kind: str
    answered: bool | None
    lead: str
    cited: tuple[tuple[str, int], ...]
    latency_ms: int
    created_at: datetime
    article: str | None = None  # the story the reader asked beside, if the widget named one


@dataclass(frozen=True)
class Judgement:
    message_id: str
    session_id: str
    rating: str
    comment: str | None
    created_at: datetime


@dataclass(frozen=True)
class Deleted:
    replies: int
    feedback: int
    rasa_events: int

    def __str__(self) -> str:
        return f"{self.replies} recorded messages, {self.feedback} judgements, {self.rasa_events} Rasa events"


def database_url(tracker_db: str | None, tracker_sqlite: Path) -> str:
    """The SQLAlchemy URL of the tracker store's database, for psycopg 3 where it is PostgreSQL
    (SQLAlchemy's postgresql:// means psycopg2, which Rasa uses and this environment has not)."""
    if tracker_db and tracker_db.strip():
        try:
            url = make_url(tracker_db.strip())
        except ArgumentError as error:
            raise StoreError(f"NEWSBOT_TRACKER_DB is not a database URL: {error}") from None
        if url.drivername in ("postgresql", "postgresql+psycopg2", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{tracker_sqlite}"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL: the Rasa server writes its events into the same file while the app writes its own.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were stored as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class ConversationStore:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise StoreError(f"not a database URL: {error}") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as error:
            raise StoreError(f"cannot use the database {parsed.render_as_string()}: {error}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._tables_ready = False
        self._creating = threading.Lock()
        self.batched_turns = Batched(self.record_turns)  # awaited by recording.record

    @property
    def ready(self) -> bool:
        """Its tables exist (ensure_tables succeeded)."""
        return self._tables_ready

    @property
    def where(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def ensure_tables(self) -> None:
        with self._creating:
            if self._tables_ready:
                return
            try:
                self._create_tables()
            except SQLAlchemyError as error:
                reason = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
                raise StoreError(f"cannot open the conversation store {self.where}: {reason}") from error
            self._tables_ready = True

    def _create_tables(self) -> None:
        for attempt in range(CREATE_ATTEMPTS):
            try:
                metadata.create_all(self.engine)
                self._add_new_columns()
                return
            except (OperationalError, IntegrityError, ProgrammingError):
                # Another process (an app worker, `newsbot report`) is creating them: look again.
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _add_new_columns(self) -> None:
        """The columns added to the replies since a database's tables were made (`article`)."""
        present = {column["name"] for column in inspect(self.engine).get_columns(replies.name)}
        for column in replies.columns:
            if column.name not in present:
                kind = column.type.compile(self.engine.dialect)
                with self.engine.begin() as connection:
                    connection.execute(sql_text(f"ALTER TABLE {replies.name} ADD COLUMN {column.name} {kind}"))
                logger.info("added the column %s to %s in %s", column.name, replies.name, self.where)

    def close(self) -> None:
        self.engine.dispose()

    # --- writing ---

    def record(self, rows: Sequence[RecordedReply]) -> None:
        if (failure := self.record_turns([rows])[0]) is not None:
            raise failure

    def record_turns(self, turns: Sequence[Sequence[RecordedReply]]) -> list[SQLAlchemyError | None]:
        """Several turns' rows in one transaction (`recording.record` gathers the turns that end
        together: a burst of readers costs a few commits, not one each). When that transaction
        fails, each turn is tried on its own, so one turn's bad row loses no other: each turn's
        error, or None when it was kept."""
        self.ensure_tables()
        try:
            self._insert([row for turn in turns for row in turn])
            return [None] * len(turns)
        except SQLAlchemyError as error:
            if len(turns) == 1:
                return [error]
        failures: list[SQLAlchemyError | None] = []
        for turn in turns:
            try:
                self._insert(turn)
                failures.append(None)
            except SQLAlchemyError as error:
                failures.append(error)
        return failures

    def _insert(self, rows: Sequence[RecordedReply]) -> None:
        if not rows:
            return
        values = [
            {
                "id": row.id,
                "turn_id": row.turn_id,
                "session_id": row.session_id,
                "channel": row.channel,
                "question": row.question,
                "kind": row.kind,
                "answered": row.answered,
                "lead": row.lead,
                "cited": json.dumps([list(pair) for pair in row.cited]),
                "latency_ms": row.latency_ms,
                "created_at": row.created_at,
                "article": row.article,
            }
            for row in rows
        ]
        with self.engine.begin() as connection:
            connection.execute(replies.insert(), values)

    def rate(self, session_id: str, message_id: str, rating: str, comment: str | None, now: datetime) -> bool:
        """Keep the judgement of message `message_id` of session `session_id`, replacing an earlier
        one (a thumbs-down without a comment keeps the earlier thumbs-down's comment); False (nothing
        kept) when the session has no such message."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}")
        self.ensure_tables()
        values: dict[str, object] = {
            "message_id": message_id,
            "session_id": session_id,
            "rating": rating,
            "comment": comment,
            "created_at": now,
        }
        with self.engine.begin() as connection:
            known = connection.execute(
                select(replies.c.id).where(replies.c.id == message_id, replies.c.session_id == session_id)
            ).first()
            if known is None:
                return False
            insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
            statement = insert(feedback).values(values)
            changes: dict[str, ColumnElement[Any]] = {
                key: statement.excluded[key] for key in ("rating", "comment", "created_at")
            }
            # A thumbs-down without a comment on one that has a comment (pressed again, or by another
            # reader of a Slack thread) keeps that comment: nothing a reader wrote is lost by a click.
            changes["comment"] = case(
                (
                    and_(
                        statement.excluded.rating == "down",
                        statement.excluded.comment.is_(None),
                        feedback.c.rating == "down",
                    ),
                    feedback.c.comment,
                ),
                else_=statement.excluded.comment,
            )
            connection.execute(statement.on_conflict_do_update(index_elements=["message_id"], set_=changes))
        return True

    # --- reading ---

    def replies_since(self, since: datetime | None = None) -> list[RecordedReply]:
        self.ensure_tables()
        query = select(replies).order_by(replies.c.created_at)
        if since is not None:
            query = query.where(replies.c.created_at >= since)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            RecordedReply(
                id=row["id"],
                turn_id=row["turn_id"],
                session_id=row["session_id"],
                channel=row["channel"],
                question=row["question"],
                kind=row["kind"],
                answered=row["answered"],
                lead=row["lead"],
                cited=tuple((str(article), int(paragraph)) for article, paragraph in json.loads(row["cited"])),
                latency_ms=row["latency_ms"],
                created_at=utc(row["created_at"]),
                article=row["article"],
            )
            for row in rows
        ]

    def judgements(self, message_ids: Iterable[str] | None = None) -> list[Judgement]:
        self.ensure_tables()
        query = select(feedback).order_by(feedback.c.created_at)
        if message_ids is not None:
            query = query.where(feedback.c.message_id.in_(list(message_ids)))
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            Judgement(row["message_id"], row["session_id"], row["rating"], row["comment"], utc(row["created_at"]))
            for row in rows
        ]

    # --- deleting ---

    def _has_rasa_events(self) -> bool:
        return inspect(self.engine).has_table(RASA_EVENTS)

    def prune(self, days: int, now: datetime) -> Deleted:
        """Delete what is older than `days` days: recorded messages, judgements, Rasa's events."""
        self.ensure_tables()
        cutoff = now - timedelta(days=days)
        with self.engine.begin() as connection:
            gone_feedback = connection.execute(delete(feedback).where(feedback.c.created_at < cutoff)).rowcount
            gone_replies = connection.execute(delete(replies).where(replies.c.created_at < cutoff)).rowcount
            gone_events = 0
            if self._has_rasa_events():
                events = Table(RASA_EVENTS, MetaData(), autoload_with=connection)
                # Rasa stores each event's time as seconds since the epoch.
                gone_events = connection.execute(delete(events).where(events.c.timestamp < cutoff.timestamp())).rowcount
        return Deleted(gone_replies, gone_feedback, gone_events)

    def forget(self, session_id: str) -> Deleted:
        """Delete one reader's conversation: its recorded messages, judgements and Rasa's events."""
        self.ensure_tables()
        with self.engine.begin() as connection:
            gone_feedback = connection.execute(delete(feedback).where(feedback.c.session_id == session_id)).rowcount
            gone_replies = connection.execute(delete(replies).where(replies.c.session_id == session_id)).rowcount
            gone_events = 0
            if self._has_rasa_events():
                events = Table(RASA_EVENTS, MetaData(), autoload_with=connection)
                gone_events = connection.execute(delete(events).where(events.c.sender_id == session_id)).rowcount
        return Deleted(gone_replies, gone_feedback, gone_events)


def store_of(settings: Settings) -> ConversationStore:
    """The store in the tracker store's database, as the settings name it."""
    return ConversationStore(database_url(settings.tracker_db, settings.tracker_sqlite))
