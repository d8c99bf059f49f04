"""NEWSBOT_RETENTION_DAYS in the web app: conversations and feedback older than that are deleted
at start and every hour after."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from newsbot.conversations.store import ConversationStore, StoreError

logger = logging.getLogger(__name__)

PRUNE_INTERVAL_SECONDS = 3600.0


def prune_now(store: ConversationStore, days: int) -> None:
    deleted = store.prune(days, datetime.now(UTC))
    logger.info("retention (%d days): deleted %s", days, deleted)


async def keep_conversations(
    store: ConversationStore, retention_days: int | None, interval: float = PRUNE_INTERVAL_SECONDS
) -> None:
    """Create the store's tables, then apply the retention now and every `interval` seconds.
    A database that cannot be reached is logged and tried again at the next round."""
    while True:
        try:
            await run_in_threadpool(store.ensure_tables)
            if retention_days is not None:
                await run_in_threadpool(prune_now, store, retention_days)
        except (SQLAlchemyError, StoreError) as error:
            logger.error("the conversation store %s is not usable: %s", store.where, error)
        if retention_days is None and store.ready:
            return
        await asyncio.sleep(interval)
