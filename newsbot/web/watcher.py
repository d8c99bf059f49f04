"""Keeps the running app's index current: rebuilds when knowledge/ changes, and loads a new
build as soon as `index/current` switches (whoever built it)."""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from newsbot.retrieval.service import SearcherSource, current_build, knowledge_signature

logger = logging.getLogger(__name__)


async def watch_index(source: SearcherSource, interval: float, rebuild_on_change: bool) -> None:
    """Runs until cancelled; every `interval` seconds looks at knowledge/ and index/current."""
    signature = knowledge_signature(source.knowledge_dir)
    build = current_build(source.index_dir)
    while True:
        await asyncio.sleep(interval)
        try:
            now = knowledge_signature(source.knowledge_dir)
            if rebuild_on_change and now != signature:
                signature = now
                logger.info("knowledge changed: rebuilding the index")
                await run_in_threadpool(source.rebuild)
            if current_build(source.index_dir) != build:
                await run_in_threadpool(source.get)  # load the new build now, not on the next question
                build = current_build(source.index_dir)
        except Exception:
            logger.exception("watching the index failed; trying again in %.0f s", interval)
