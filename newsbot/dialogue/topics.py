"""Retrieval shaped for each topic intent of the bot, from the articles' facts (knowledge/*.yml):
the share of the topic's words a passage holds and whether the topic prefers its voice are two
signals of the ranking, fitted like the others on the seed set's questions with the intents the
bot's NLU gives them (bench/nlu_intents.py); the decision to decline rests on the question alone."""

from __future__ import annotations

from newsbot.retrieval.search import Searcher, Shaping


def shaping_for(searcher: Searcher, intent: str | None) -> Shaping | None:
    """The shaping of a topic intent, when an article's facts describe that topic: its words and
    voices become ranking signals (newsbot.retrieval.models: topic_words, topic_voice)."""
    if not intent or not any(intent in facts.topics for facts in searcher.index.facts.values()):
        return None
    return Shaping(topic=intent)
