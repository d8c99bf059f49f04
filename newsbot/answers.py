"""Composing an answer from search hits: verbatim passages in article order, each cited."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsbot.attribution import NARRATOR
from newsbot.search import Hit, SearchResult

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


def select_hits(hits: list[Hit]) -> tuple[list[Hit], bool]:
    """The hits an answer shows, and whether they disagree (then each speaker's best is shown)."""
    if not hits:
        return [], False
    top = hits[0].score
    chosen = [h for h in hits if h.score >= SIDE_CUTOFF * top][:MAX_PASSAGES]
    near = [h for h in hits if h.score >= SIDE_CUTOFF * top]
    speakers = {h.passage.speaker for h in near if h.passage.speaker != NARRATOR}
    contested = len(speakers) > 1 and any(DISAGREEMENT.search(h.passage.text) for h in near)
    if contested:
        shown = {h.passage.speaker for h in chosen}
        for hit in near:
            if len({h.passage.speaker for h in chosen} - {NARRATOR}) >= MAX_SIDES:
                break
            if hit.passage.speaker not in shown and hit.passage.speaker != NARRATOR:
                chosen.append(hit)
                shown.add(hit.passage.speaker)
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
