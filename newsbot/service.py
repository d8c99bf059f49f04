"""Opening the index for searching: build it when missing or stale, load it once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from newsbot.index import build_index, load_index
from newsbot.knowledge import KnowledgeError
from newsbot.search import Searcher
from newsbot.settings import get_settings

logger = logging.getLogger(__name__)

_searcher: Searcher | None = None
_lock = threading.Lock()


def open_searcher(knowledge_dir: Path, index_dir: Path, model: str, progress: bool = False) -> Searcher:
    """A searcher over an up-to-date index; builds it first when knowledge or model changed.

    When the knowledge cannot be built (a bad file), the previous index is used and reported stale.
    """
    try:
        result = build_index(knowledge_dir, index_dir, model, progress=progress)
        if result.built:
            logger.info("built the index (%s) in %.1f s", result.reason, result.seconds)
    except KnowledgeError as error:
        logger.error("%s", error)
        logger.warning("using the previous index in %s", index_dir)
    return Searcher(load_index(index_dir, model, knowledge_dir), model)


def get_searcher() -> Searcher:
    """The process's searcher over the configured knowledge and index, opened on first use."""
    global _searcher
    with _lock:
        if _searcher is None:
            settings = get_settings()
            _searcher = open_searcher(settings.knowledge_dir, settings.index_dir, settings.model)
        return _searcher
