"""Composing an answer from search hits: verbatim passages in article order, each cited."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsbot.attribution.rules import NARRATOR
from newsbot.retrieval.search import Hit, SearchResult, speaker_terms

MAX_PASSAGES = 3
MAX_SIDES = 4
# Hits scoring at least this share of the best fused score can join the answer: the best
# MAX_PASSAGES of them, and on a contested point the best of each other speaker among them.
SIDE_CUTOFF = 0.55
DISAGREEMENT = re.compile(
    r"\b(reject\w*|den(y|ied|ies)|disput\w*|dismiss\w*|contradict\w*|counter\w*|disagree\w*|"
    r"refus\w*|disappoint\w*|criticis\w*|criticiz\w*|attack\w*|however)\b",
    re.IGNORECASE,
)
DECLINE_TEXT = "The articles don't say. I found nothing that answers this question."


@dataclass(frozen=True)
class Citation:
    speaker: str
    article: str
    title: str
    paragraph: int

    def __str__(self) -> str:
        who = "the article" if self.speaker == NARRATOR else self.speaker
        return f"{who}, paragraph {self.paragraph} of “{self.title}”"


@dataclass(frozen=True)
class AnswerPassage:
    text: str
    citation: Citation
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    answerable: bool
    contested: bool
    passages: list[AnswerPassage]
    text: str


def _cited(hit: Hit) -> AnswerPassage:
    passage = hit.passage
    return AnswerPassage(
        passage.text, Citation(passage.speaker, passage.article, passage.title, passage.paragraph), hit.score
    )


def sides(speakers: set[str]) -> list[frozenset[str]]:
    """The sides the named voices among `speakers` speak for: voices whose names share a word
    speak for one side ("the Board of Deputies and JLC (joint statement)" and "a JLC and Board
    representative"; "Labour sources" and "a Labour spokesman"). The narration and anonymous
    sources ("a source") name no one and speak for no side."""
    groups: list[tuple[set[str], set[str]]] = []  # (name words, speakers)
    for speaker in sorted(speakers):
        terms = set(speaker_terms(speaker)) if speaker != NARRATOR else set()
        if not terms:
            continue
        joined = [group for group in groups if group[0] & terms]
        merged = (terms.union(*(g[0] for g in joined)), {speaker}.union(*(g[1] for g in joined)))
        groups = [group for group in groups if group not in joined] + [merged]
    return [frozenset(members) for _, members in groups]


def select_hits(hits: list[Hit]) -> tuple[list[Hit], bool]:
    """The hits an answer shows, and whether they disagree: near the top, named voices of more
    than one side, one of them with a word of disagreement (the narration's or an anonymous
    source's "disappointing" is no side disagreeing). Then each side's best passage is shown too."""
    if not hits:
        return [], False
    top = hits[0].score
    near = [h for h in hits if h.score >= SIDE_CUTOFF * top]
    chosen = near[:MAX_PASSAGES]
    near_sides = sides({h.passage.speaker for h in near})
    side_of = {speaker: side for side in near_sides for speaker in side}
    contested = len(near_sides) > 1 and any(
        h.passage.speaker in side_of and DISAGREEMENT.search(h.passage.text) for h in near
    )
    if contested:
        shown = {side_of.get(h.passage.speaker) for h in chosen} - {None}
        for hit in near:
            if len(shown) >= MAX_SIDES:
                break
            side = side_of.get(hit.passage.speaker)
            if side is not None and side not in shown:
                chosen.append(hit)
                shown.add(side)
    chosen.sort(key=lambda h: (h.passage.article, h.passage.paragraph, h.passage.start))
    return chosen, contested


def render_text(passages: list[AnswerPassage], contested: bool) -> str:
    lines = ["The article gives different accounts:" if contested else "Here is what the article says:"]
    for item in passages:
        lines.append("")
        lines.append(f"> {item.text}")
        lines.append(f"  — {item.citation}")
    return "\n".join(lines)


def decline_text(result: SearchResult) -> str:
    if result.unknown_names:
        names = " ".join(result.unknown_names)
        return f"The articles don't mention {names}, so I can't answer that from them."
    if result.unquoted_names:
        names = " ".join(result.unquoted_names)
        return f"The articles mention {names} but never quote them, so I can't answer that from them."
    return DECLINE_TEXT


def compose_answer(result: SearchResult) -> Answer:
    if not result.answerable:
        return Answer(result.question, False, False, [], decline_text(result))
    hits, contested = select_hits(result.hits)
    passages = [_cited(hit) for hit in hits]
    return Answer(result.question, True, contested, passages, render_text(passages, contested))
