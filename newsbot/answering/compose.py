"""Composing a reply from search hits: verbatim passages in article order, each cited, and each
side's voice where the sides disagree. Pure functions of the hits and the articles' facts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from newsbot.domain import Reply, ReplyKind, Side, Source, Speaker
from newsbot.ingest.facts import ArticleFacts
from newsbot.retrieval.search import Hit, SearchResult, speaker_terms

MAX_PASSAGES = 3
MAX_SIDES = 4
# Hits scoring at least this share of the best fused score can join the answer: the best
# MAX_PASSAGES of them, and on a contested point the best of each other side among them.
SIDE_CUTOFF = 0.55
DISAGREEMENT = re.compile(
    r"\b(reject\w*|den(y|ied|ies)|disput\w*|dismiss\w*|contradict\w*|counter\w*|disagree\w*|"
    r"refus\w*|disappoint\w*|criticis\w*|criticiz\w*|attack\w*|however)\b",
    re.IGNORECASE,
)
NO_FACTS = ArticleFacts()


def side_names(
    speakers: Sequence[tuple[str, Speaker]], facts: Mapping[str, ArticleFacts]
) -> dict[tuple[str, Speaker], str]:
    """The side each (article, speaker) speaks for. An article's facts name its sides; where they
    do not, voices whose names share a word speak for one side ("the Board of Deputies and JLC
    (joint statement)" and "a JLC and Board representative"; "Labour sources" and "a Labour
    spokesman"), named after its first voice. The narration and sources that name no one ("a
    source") speak for no side."""
    named: dict[tuple[str, Speaker], str] = {}
    groups: list[tuple[set[str], list[tuple[str, Speaker]]]] = []  # (name words, members)
    for article, speaker in speakers:
        article_facts = facts.get(article, NO_FACTS)
        if article_facts.sides:
            side = article_facts.side_of(speaker)
            if side is not None:
                named[(article, speaker)] = side
            continue
        terms = set(speaker_terms(speaker))  # none for the narration and for "a source"
        if not terms:
            continue
        joined = [group for group in groups if group[0] & terms]
        merged_terms = terms.union(*(group[0] for group in joined))
        members = [member for group in joined for member in group[1]] + [(article, speaker)]
        groups = [group for group in groups if group not in joined] + [(merged_terms, members)]
    for _, members in groups:
        first = min(members, key=lambda member: speakers.index(member))
        for member in members:
            named[member] = first[1].label
    return named


def select_hits(hits: list[Hit], facts: Mapping[str, ArticleFacts]) -> tuple[list[Hit], tuple[Side, ...]]:
    """The hits an answer shows, and the sides when they disagree: near the top, voices of more
    than one side, one of them with a word of disagreement (the narration's or an anonymous
    source's "disappointing" is no side disagreeing). Then each side's best passage is shown too."""
    if not hits:
        return [], ()
    top = hits[0].score
    near = [hit for hit in hits if hit.score >= SIDE_CUTOFF * top]
    chosen = near[:MAX_PASSAGES]
    voices = list(dict.fromkeys((hit.passage.article, hit.passage.speaker) for hit in near))
    side_of = side_names(voices, facts)
    near_sides = set(side_of.values())
    contested = len(near_sides) > 1 and any(
        (hit.passage.article, hit.passage.speaker) in side_of and DISAGREEMENT.search(hit.passage.text) for hit in near
    )
    if not contested:
        chosen.sort(key=_in_article_order)
        return chosen, ()
    shown = {side_of.get((hit.passage.article, hit.passage.speaker)) for hit in chosen} - {None}
    for hit in near:
        if len(shown) >= MAX_SIDES:
            break
        side = side_of.get((hit.passage.article, hit.passage.speaker))
        if side is not None and side not in shown:
            chosen.append(hit)
            shown.add(side)
    chosen.sort(key=_in_article_order)
    sides: dict[str, list[str]] = {}
    for hit in chosen:
        side = side_of.get((hit.passage.article, hit.passage.speaker))
        if side is not None and hit.passage.speaker.label not in sides.setdefault(side, []):
            sides[side].append(hit.passage.speaker.label)
    return chosen, tuple(Side(name, tuple(speakers)) for name, speakers in sides.items())


def _in_article_order(hit: Hit) -> tuple[str, int, int]:
    return (hit.passage.article, hit.passage.paragraph, hit.passage.start)


def answer_lead(sources: Sequence[Source], contested: bool) -> str:
    one = len({source.article for source in sources}) == 1
    if contested:
        return "The article gives different accounts:" if one else "The articles give different accounts:"
    return "Here is what the article says:" if one else "Here is what the articles say:"


def decline_lead(result: SearchResult, article_count: int) -> str:
    """Why the articles do not answer, in words that fit one article or many."""
    one = article_count == 1
    where, it = ("The article", "it") if one else ("The articles", "them")
    does_not = "doesn't" if one else "don't"
    if result.unknown_names:
        names = " ".join(result.unknown_names)
        return f"{where} {does_not} mention {names}, so I can't answer that from {it}."
    if result.unquoted_names:
        names = " ".join(result.unquoted_names)
        mentions, quotes = ("mentions", "quotes") if one else ("mention", "quote")
        return f"{where} {mentions} {names} but never {quotes} them, so I can't answer that from {it}."
    return f"{where} {does_not} say. I found nothing that answers this question."


def compose_answer(result: SearchResult, facts: Mapping[str, ArticleFacts], suggestions: Sequence[str] = ()) -> Reply:
    """The reply to a search: the passages that answer, or a decline with questions to ask instead.
    `facts` holds every article's facts (one entry per article of the knowledge)."""
    if not result.answerable:
        return Reply(
            ReplyKind.DECLINE,
            decline_lead(result, max(1, len(facts))),
            suggestions=tuple(suggestions),
            question=result.question,
        )
    hits, sides = select_hits(result.hits, facts)
    sources = tuple(Source.of(hit.passage, hit.score) for hit in hits)
    return Reply(ReplyKind.ANSWER, answer_lead(sources, len(sides) > 1), sources, sides, question=result.question)
