"""Composing a reply from search hits: verbatim passages, the best first, each cited, and each
side's voice where the sides disagree. Pure functions of the hits and the articles' facts."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from newsbot.domain import Reply, ReplyKind, Side, Source, Speaker, SpeakerKind
from newsbot.ingest.facts import ArticleFacts
from newsbot.retrieval.bm25 import tokenize
from newsbot.retrieval.search import Hit, SearchResult, reported_in_answer, source_of, speaker_terms
from newsbot.retrieval.wordlists import word_list

# An answer leads with its best passage; at most MAX_MORE more follow, and only when they add
# something: the other side of a dispute, or another fact.
MAX_MORE = 2
# Another fact is a passage at least half as likely to answer as the lead, by the ranking's
# probabilities (the difference of their scores, which are log-odds): ln 2.
ANOTHER_FACT_WITHIN = math.log(2)
# A passage whose answering sentence shares this share of its words with one already shown adds nothing.
REPEAT_OVERLAP = 0.5


@lru_cache(maxsize=1)
def disagreement() -> re.Pattern[str]:
    """Words by which a voice disputes another ("rejected", "disappointing"): any word that starts
    with one of data/disagreement.txt's beginnings."""
    beginnings = "|".join(sorted(word_list("disagreement"), key=len, reverse=True))
    return re.compile(rf"\b(?:{beginnings})\w*", re.IGNORECASE)


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
    # (article, name words, members): a side is one article's ("a council spokeswoman" of two
    # stories speaks for two councils).
    groups: list[tuple[str, set[str], list[tuple[str, Speaker]]]] = []
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
        joined = [group for group in groups if group[0] == article and group[1] & terms]
        merged_terms = terms.union(*(group[1] for group in joined))
        members = [member for group in joined for member in group[2]] + [(article, speaker)]
        groups = [group for group in groups if group not in joined] + [(article, merged_terms, members)]
    for _, _, members in groups:
        first = min(members, key=lambda member: speakers.index(member))
        for member in members:
            named[member] = first[1].label
    return named


def _answering_words(hit: Hit) -> set[str]:
    return set(tokenize(hit.passage.text[hit.highlight.start : hit.highlight.end]))


def _repeats(hit: Hit, shown: Sequence[Hit]) -> bool:
    words = _answering_words(hit)
    return any(
        len(words & (other := _answering_words(previous))) >= REPEAT_OVERLAP * max(1, min(len(words), len(other)))
        for previous in shown
    )


def _disputes(hit: Hit) -> bool:
    """Whether the hit's answering sentences hold a word of disagreement."""
    return bool(disagreement().search(hit.passage.text[hit.highlight.start : hit.highlight.end]))


def select_hits(
    hits: list[Hit],
    facts: Mapping[str, ArticleFacts],
    factual: bool = False,
    subject_sides: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[list[Hit], tuple[Side, ...]]:
    """The hits an answer shows, and the sides when they disagree. The best hit leads. Then, of
    the hits that answer on their own (Hit.answers), at most MAX_MORE that add something: the best
    of each side when the sides' best answers differ, and another fact nearly as likely as the
    lead (ANOTHER_FACT_WITHIN) that does not repeat what is shown.

    Sides of the lead's story (two stories' voices are no dispute) answer the same question when
    each one's best hit is nearly as likely as the lead (ANOTHER_FACT_WITHIN); their answers
    differ when the answering sentences of one side's best hit hold a word of disagreement (the
    narration's or an anonymous source's "disappointing" is no side disagreeing; nor is a word
    elsewhere in the paragraph, nor in a side's weaker hits: the lede's "disappointing" would
    otherwise head every answer it ranks in). A `factual` question (one that asks for a time, a
    number, a place, a person) is answered by facts, never by accounts. Under the sides'
    accounts, no voice of neither side follows: shown after them, its words read as the last
    side's.

    A question that asks about a side as its subject ("What did Labour commit to?": `subject_sides`,
    as (article, side) pairs) and is led by another voice also shows the side's best account: a
    hit where one of its voices speaks, or where the narration reports one in the answering
    sentences."""
    if not hits:
        return [], ()
    lead = hits[0]
    answering = [hit for hit in hits[1:] if hit.answers]
    voices = list(dict.fromkeys((hit.passage.article, hit.speaker) for hit in [lead, *answering]))
    side_of = side_names(voices, facts)

    def side(hit: Hit) -> str | None:
        return side_of.get((hit.passage.article, hit.speaker))

    def lead_story_side(hit: Hit) -> str | None:
        """The hit's side when it is of the lead's story: two stories' voices are no dispute."""
        return side(hit) if hit.passage.article == lead.passage.article else None

    chosen = [lead]
    best_of_side: dict[str, Hit] = {}
    for hit in [lead, *answering]:
        name = lead_story_side(hit)
        # A side answers the same question when its best answer is nearly as likely as the lead.
        if name is not None and lead.score - hit.score <= ANOTHER_FACT_WITHIN:
            best_of_side.setdefault(name, hit)
    disputed = not factual and len(best_of_side) > 1 and any(map(_disputes, best_of_side.values()))
    if disputed:
        for hit in best_of_side.values():
            if len(chosen) > MAX_MORE:
                break
            if hit not in chosen and not _repeats(hit, chosen):
                chosen.append(hit)

    def voices_side(hit: Hit, article: str, name: str) -> bool:
        """Whether the hit gives the side's account: a voice of the side speaks, or the narration
        reports one in the answering sentences ("Ms Formby also committed to ...")."""
        if hit.passage.article != article:
            return False
        if side(hit) == name:
            return True
        article_facts = facts.get(article, NO_FACTS)
        return any(
            article_facts.side_of(Speaker(voice, SpeakerKind.PERSON)) == name for voice in reported_in_answer(hit)
        )

    for article, name in sorted(subject_sides):
        if len(chosen) > MAX_MORE or any(voices_side(hit, article, name) for hit in chosen):
            continue
        named = (hit for hit in answering if voices_side(hit, article, name))
        if (best := next(named, None)) is not None and not _repeats(best, chosen):
            chosen.append(best)
    for hit in answering:
        if len(chosen) > MAX_MORE:
            break
        if disputed and lead_story_side(hit) is None:
            continue  # under the sides' accounts, a voice of neither side reads as the last side's
        if hit not in chosen and lead.score - hit.score <= ANOTHER_FACT_WITHIN and not _repeats(hit, chosen):
            chosen.append(hit)
    # The best first: the lead, then the others as likely as they are (article order put a weaker
    # earlier paragraph first: the first passage shown held a gold paragraph for 0.72 of the seed
    # set's answered questions, against 0.76 best first, and rose in both of its halves).
    # Windows of one paragraph stay together, in their text's order.
    best_of_paragraph: dict[tuple[str, int], float] = {}
    for hit in chosen:
        key = (hit.passage.article, hit.passage.paragraph)
        best_of_paragraph[key] = max(best_of_paragraph.get(key, hit.score), hit.score)
    chosen.sort(key=lambda hit: (-best_of_paragraph[(hit.passage.article, hit.passage.paragraph)], hit.passage.start))
    shown_sides: dict[str, list[str]] = {}
    for hit in chosen:
        name = lead_story_side(hit)
        if name is not None and hit.speaker.label not in shown_sides.setdefault(name, []):
            shown_sides[name].append(hit.speaker.label)
    contested = disputed and len(shown_sides) > 1
    sides = tuple(Side(name, tuple(speakers)) for name, speakers in shown_sides.items()) if contested else ()
    return chosen, sides


def answer_lead(sources: Sequence[Source], contested: bool) -> str:
    one = len({source.article for source in sources}) == 1
    if contested:
        return "The article gives different accounts:" if one else "The articles give different accounts:"
    return "Here is what the article says:" if one else "Here is what the articles say:"


# What a decline says the articles never give, by the kind of answer asked for (answer_types).
UNHELD_KIND_WORDS = {
    "duration": "for how long",
    "number": "how many or how much",
    "amount": "how much",
    "age": "how old",
    "time": "when",
    "date": "when",
    "day": "on which day",
    "weekday": "on which day of the week",
    "daytime": "at what time",
    "place": "where",
    "person": "who",
}


def decline_lead(result: SearchResult, article_count: int) -> str:
    """Why the articles do not answer, in words that fit one article or many."""
    one = article_count == 1
    where, it = ("The article", "it") if one else ("The articles", "them")
    does_not = "doesn't" if one else "don't"
    if result.unrelated_request:
        request = re.sub(r"\b(?:me|us)\b", "you", result.unrelated_request, count=1, flags=re.I)
        own = "its" if one else "their"
        return f"I only answer questions about {where.lower()}, in {own} own words, so I can't {request}."
    if result.unknown_names:
        names = " ".join(result.unknown_names)
        return f"{where} {does_not} mention {names}, so I can't answer that from {it}."
    if result.voices_elsewhere:
        names = " and ".join(result.voices_elsewhere)
        return (
            f"The articles don't say that about {names}: where they mention {names}, I found nothing that answers it."
        )
    if result.unnamed_source:
        return f"{where} {does_not} name {result.unnamed_source}, so I can't answer that from {it}."
    if result.unquoted_names:
        names = " ".join(result.unquoted_names)
        mentions, quotes = ("mentions", "quotes") if one else ("mention", "quote")
        return f"{where} {mentions} {names} but never {quotes} them, so I can't answer that from {it}."
    if result.unheld_kind in UNHELD_KIND_WORDS:
        return f"{where} {does_not} say {UNHELD_KIND_WORDS[result.unheld_kind]}, so I can't answer that from {it}."
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
    hits, sides = select_hits(result.hits, facts, result.asks_for is not None, result.subject_sides)
    sources = tuple(source_of(hit) for hit in hits)
    return Reply(ReplyKind.ANSWER, answer_lead(sources, len(sides) > 1), sources, sides, question=result.question)
