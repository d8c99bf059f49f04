"""The report of a conversation store: reads it (after applying the retention), the articles in
knowledge/ for titles and paragraphs, and embeds with the project's model. Blocking."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path

import numpy as np

from newsbot.conversations.store import ConversationStore
from newsbot.ingest.knowledge import Article, KnowledgeError, load_articles
from newsbot.report.build import Report, build_report
from newsbot.report.grouping import Vectors
from newsbot.retrieval.embeddings import embed

logger = logging.getLogger(__name__)


def articles_of(knowledge_dir: Path) -> list[Article]:
    """The articles, for their titles and paragraphs; none (ids stand for titles) when the
    knowledge cannot be read."""
    try:
        return load_articles(knowledge_dir)
    except KnowledgeError as error:
        logger.warning("the report names articles by id: %s", error)
        return []


@lru_cache(maxsize=4096)
def paragraph_sum(model: str, paragraphs: tuple[str, ...]) -> Vectors:
    """The sum of one article's paragraph vectors, kept for the life of the process: embedding an
    article's paragraphs takes about 1.5 s (33 paragraphs), on every report otherwise."""
    vectors: Vectors = embed(model, list(paragraphs)).sum(axis=0, keepdims=True)
    return vectors


def paragraphs_mean(model: str, articles: list[Article]) -> Vectors:
    """The mean vector of the articles' paragraphs (one row), each article embedded once."""
    count = sum(len(article.paragraphs) for article in articles)
    if not count:
        return np.zeros((0, 1), dtype=np.float32)
    total = sum(
        (paragraph_sum(model, tuple(p.text for p in article.paragraphs)) for article in articles if article.paragraphs),
        start=np.zeros((1, 1), dtype=np.float32),
    )
    mean: Vectors = (total / count).astype(np.float32)
    return mean


def make_report(
    store: ConversationStore,
    knowledge_dir: Path,
    model: str,
    since: date | None = None,
    retention_days: int | None = None,
) -> Report:
    now = datetime.now(UTC)
    if retention_days is not None:
        deleted = store.prune(retention_days, now)
        logger.info("retention (%d days): deleted %s", retention_days, deleted)
    start = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    replies = store.replies_since(start)
    judgements = store.judgements([reply.id for reply in replies]) if replies else []
    articles = articles_of(knowledge_dir)

    def embed_texts(texts: list[str]) -> Vectors:
        return embed(model, texts)

    needs_vectors = any(reply.kind == "decline" for reply in replies)
    background = paragraphs_mean(model, articles) if needs_vectors else np.zeros((0, 1), dtype=np.float32)
    return build_report(replies, judgements, articles, embed_texts, background, since, now)
