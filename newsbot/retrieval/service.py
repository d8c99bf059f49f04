"""Opening the index for searching: build it when missing or stale, load it once, and swap in a
new build as soon as `newsbot index build` (or the app's own rebuild) switches `index/current`."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from newsbot.ingest.knowledge import KnowledgeError, knowledge_files, knowledge_hash
from newsbot.retrieval.index import (
    CURRENT,
    BuildResult,
    IndexDamaged,
    IndexUnusable,
    build_index,
    load_index,
    restore_last_good,
)
from newsbot.retrieval.search import Searcher
from newsbot.settings import get_settings

logger = logging.getLogger(__name__)


def open_searcher(knowledge_dir: Path, index_dir: Path, model: str, progress: bool = False) -> Searcher:
    """A searcher over an up-to-date index; builds it first when knowledge or model changed.

    When the knowledge cannot be built (a bad file), the previous index is used and reported stale;
    when that one is damaged too, the newest intact build.
    """
    try:
        result = build_index(knowledge_dir, index_dir, model, progress=progress)
        if result.built:
            logger.info("built the index (%s) in %.1f s", result.reason, result.seconds)
    except KnowledgeError as error:
        logger.error("%s", error)
        logger.warning("using the previous index in %s", index_dir)
    try:
        return Searcher(load_index(index_dir, model, knowledge_dir), model)
    except IndexDamaged as error:
        restored = restore_last_good(index_dir, model)
        if restored is None:
            raise
        logger.error("%s; serving the last intact build, %s", error, restored)
        return Searcher(load_index(index_dir, model, knowledge_dir), model)


def current_build(index_dir: Path) -> str | None:
    """The name of the build `index/current` points to (a cheap readlink), or None."""
    try:
        return os.readlink(index_dir / CURRENT)
    except OSError:
        return None


def knowledge_signature(knowledge_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the article files: cheap to take every second."""
    signature = []
    for path in knowledge_files(knowledge_dir) if knowledge_dir.is_dir() else []:
        try:
            status = path.stat()
        except OSError:
            continue
        signature.append((path.name, status.st_size, status.st_mtime_ns))
    return tuple(signature)


@dataclass(frozen=True)
class RebuildOutcome:
    built: bool
    message: str
    passages: int | None = None
    seconds: float | None = None
    failed: bool = False  # a bad knowledge file: the previous index stays


class SearcherSource:
    """One process's searcher over the configured knowledge and index.

    The index is opened on first use (built when missing or stale). After that, every `get()`
    checks where `index/current` points and loads a new build when it changed, so a running
    process serves a new index within a request of the switch, with no restart.
    """

    def __init__(self, knowledge_dir: Path, index_dir: Path, model: str) -> None:
        self.knowledge_dir = knowledge_dir
        self.index_dir = index_dir
        self.model = model
        self._searcher: Searcher | None = None
        self._build: str | None = None
        self._load_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self.last_error: str | None = None  # why the last rebuild failed, until one succeeds
        self.damaged: str | None = None  # why the build `current` points at was not loaded, if it was not

    @property
    def loaded(self) -> bool:
        return self._searcher is not None

    def current(self) -> Searcher | None:
        """The loaded searcher, without loading anything."""
        return self._searcher

    def stale(self) -> bool:
        """Whether knowledge changed since the loaded index was built."""
        searcher = self._searcher
        if searcher is None or not self.knowledge_dir.is_dir():
            return False
        return knowledge_hash(self.knowledge_dir) != searcher.index.manifest.get("knowledge_hash")

    def get(self) -> Searcher:
        searcher = self._searcher
        if searcher is not None and current_build(self.index_dir) == self._build:
            return searcher
        with self._load_lock:
            if self._searcher is None:
                self._searcher = open_searcher(self.knowledge_dir, self.index_dir, self.model)
                self._build = current_build(self.index_dir)
            elif current_build(self.index_dir) != self._build:
                build = current_build(self.index_dir)
                try:
                    self._searcher = Searcher(load_index(self.index_dir, self.model, self.knowledge_dir), self.model)
                    self.damaged = None
                    logger.info("serving the new index build %s", build)
                except IndexUnusable as error:
                    self.damaged = str(error) if isinstance(error, IndexDamaged) else None
                    logger.error("keeping the index loaded before: the new build %s is unusable: %s", build, error)
                self._build = build
            return self._searcher

    def rebuild(self, force: bool = False) -> RebuildOutcome:
        """Build the index when knowledge or model changed (or `force`); the next get() serves it.

        A bad knowledge file leaves the previous index in place and is reported, never raised."""
        with self._build_lock:
            try:
                result: BuildResult = build_index(self.knowledge_dir, self.index_dir, self.model, force, progress=False)
            except KnowledgeError as error:
                self.last_error = str(error)
                logger.error("the index was not rebuilt: %s", error)
                return RebuildOutcome(False, str(error), failed=True)
            self.last_error = None
            if result.built:
                logger.info("rebuilt the index (%s) in %.1f s", result.reason, result.seconds)
            return RebuildOutcome(
                result.built, result.reason, int(result.manifest.get("passages", 0)), round(result.seconds, 3)
            )


_source: SearcherSource | None = None
_source_lock = threading.Lock()


def get_source() -> SearcherSource:
    """The process's one SearcherSource: the one the web app installed, or else one over the
    configured knowledge and index (nothing loads until used)."""
    global _source
    with _source_lock:
        if _source is None:
            settings = get_settings()
            _source = SearcherSource(settings.knowledge_dir, settings.index_dir, settings.model)
        return _source


def install_source(source: SearcherSource) -> None:
    """Make `source` the process's one source: the web app's, which its API, its health report and
    the bot's actions (hosted in it) then share."""
    global _source
    with _source_lock:
        _source = source


def get_searcher() -> Searcher:
    """The process's searcher, opened on first use and refreshed when a new index build appears."""
    return get_source().get()
