"""Retrieval shaped for each topic intent of the bot, from the articles' facts (knowledge/*.yml):
the topic's own words expand the lexical query (the user's own words still lead), and its
preferred voices (sides, names, or the narration) are favoured."""

from __future__ import annotations

from newsbot.retrieval.search import Searcher, Shaping


def shaping_for(searcher: Searcher, intent: str | None) -> Shaping | None:
    """The shaping of a topic intent, when an article's facts describe that topic; its words vouch
    for the topic (see Shaping.vouches)."""
    if not intent:
        return None
    index = searcher.index
    topics = {article: facts.topics[intent] for article, facts in index.facts.items() if intent in facts.topics}
    if not topics:
        return None
    words = " ".join(dict.fromkeys(topic.words for topic in topics.values() if topic.words))
    preferred = frozenset(
        passage.speaker
        for passage in index.passages
        if passage.article in topics
        and index.facts[passage.article].preferred(topics[passage.article], passage.speaker)
    )
    return Shaping(expansion=words, prefer_speakers=preferred, vouches=True)
