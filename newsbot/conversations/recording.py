"""Recording what the web app serves: each bot message gets an id (the one feedback names), and a
row in the conversation store. A turn that cannot be recorded is still answered: the failure is
logged, never shown to the reader."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from newsbot.conversations.store import ConversationStore, RecordedReply, StoreError

logger = logging.getLogger(__name__)

WIDGET = "widget"
SLACK = "slack"


def cited_pairs(message: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    pairs: list[tuple[str, int]] = []
    for source in message.get("sources") or []:
        pair = (str(source.get("article", "")), int(source.get("paragraph", 0)))
        if pair not in pairs:
            pairs.append(pair)
    return tuple(pairs)


def stamp(
    messages: Sequence[dict[str, Any]],
    session_id: str,
    channel: str,
    question: str,
    latency_ms: int,
    article: str | None = None,
) -> list[RecordedReply]:
    """Give each of the bot's messages of one turn an `id` (in place), and describe them for the
    store; `article`: the story the reader asked beside."""
    turn_id, now = str(uuid.uuid4()), datetime.now(UTC)
    rows = []
    for message in messages:
        message["id"] = str(uuid.uuid4())
        rows.append(
            RecordedReply(
                id=message["id"],
                turn_id=turn_id,
                session_id=session_id,
                channel=channel,
                question=question,
                kind=str(message.get("kind", "text")),
                answered=message.get("answerable"),
                lead=str(message.get("lead", "")),
                cited=cited_pairs(message),
                latency_ms=latency_ms,
                created_at=now,
                article=article,
            )
        )
    return rows


async def record(store: ConversationStore, rows: Sequence[RecordedReply]) -> None:
    """Keep the rows; log (and swallow) a failure, so that the reader gets the answer anyway."""
    try:
        if (failure := await store.batched_turns(rows)) is not None:
            raise failure
    except (SQLAlchemyError, StoreError) as error:
        session = rows[0].session_id if rows else "?"
        logger.error("could not record a turn of conversation %s in %s: %s", session, store.where, error)
