"""The report of a conversation store: reads it (after applying the retention), the articles in
knowledge/ for titles and paragraphs, and embeds with the project's model. Blocking."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
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

    paragraphs = [paragraph.text for article in articles for paragraph in article.paragraphs]
    needs_vectors = any(reply.kind == "decline" for reply in replies)
    background = embed_texts(paragraphs) if paragraphs and needs_vectors else np.zeros((0, 1), dtype=np.float32)
    return build_report(replies, judgements, articles, embed_texts, background, since, now)
