"""Retrieval shaped for each topic intent of the bot, from the articles' facts (knowledge/*.yml):
the topic's own words expand the lexical query of the ranking (the user's own words still lead;
the decision to decline rests on the question alone)."""

from __future__ import annotations

from newsbot.retrieval.search import Searcher, Shaping


def shaping_for(searcher: Searcher, intent: str | None) -> Shaping | None:
    """The shaping of a topic intent, when an article's facts describe that topic."""
    if not intent:
        return None
    index = searcher.index
    topics = {article: facts.topics[intent] for article, facts in index.facts.items() if intent in facts.topics}
    if not topics:
        return None
    words = " ".join(dict.fromkeys(topic.words for topic in topics.values() if topic.words))
    return Shaping(expansion=words) if words else None
