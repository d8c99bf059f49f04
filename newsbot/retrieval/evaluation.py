"""Retrieval figures for a question set: hit@k, MRR, and the decline decision's precision and recall."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsbot.retrieval.search import Mode, Searcher, SearchResult


class EvalSetError(ValueError):
    """A question file that cannot be evaluated."""


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answerable: bool
    gold: frozenset[tuple[str, int]]  # (article, paragraph) pairs that answer it
    article: str | None = None  # the article it asks about, when the line names one


def read_eval_set(path: Path) -> list[EvalQuestion]:
    questions: list[EvalQuestion] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise EvalSetError(f"cannot read {path}: {error}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row: dict[str, Any] = json.loads(line)
            answerable = bool(row.get("answerable", True))
            paragraphs = row.get("paragraphs", [row["paragraph"]] if "paragraph" in row else [])
            gold = frozenset((str(row["article"]), int(p)) for p in paragraphs) if answerable else frozenset()
            if answerable and not gold:
                raise KeyError("paragraph")
            article = str(row["article"]) if row.get("article") else None
            questions.append(EvalQuestion(str(row.get("id", number)), str(row["question"]), answerable, gold, article))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise EvalSetError(f"{path}:{number}: not a question line ({error.__class__.__name__}: {error})") from None
    if not questions:
        raise EvalSetError(f"{path}: no questions")
    return questions


@dataclass
class Figures:
    mode: str
    answerable: int = 0
    unanswerable: int = 0
    hit1: float = 0.0
    hit3: float = 0.0
    mrr: float = 0.0
    decline_precision: float | None = None
    decline_recall: float | None = None
    answerable_declined: float = 0.0
    misses: list[str] = field(default_factory=list)

    def row(self) -> str:
        def show(value: float | None) -> str:
            return "  n/a" if value is None else f"{value:5.3f}"

        return (
            f"{self.mode:<7} hit@1 {self.hit1:5.3f}  hit@3 {self.hit3:5.3f}  MRR {self.mrr:5.3f}  "
            f"decline P {show(self.decline_precision)} R {show(self.decline_recall)}  "
            f"answerable declined {self.answerable_declined:5.3f}"
        )


def score(mode: Mode, questions: list[EvalQuestion], results: list[SearchResult]) -> Figures:
    figures = Figures(mode.value)
    reciprocal_ranks: list[float] = []
    declined_right = declined_wrong = 0
    for question, result in zip(questions, results, strict=True):
        declined = not result.answerable
        if not question.answerable:
            figures.unanswerable += 1
            declined_right += declined
            continue
        figures.answerable += 1
        declined_wrong += declined
        ranks = [
            i for i, hit in enumerate(result.hits) if (hit.passage.article, hit.passage.paragraph) in question.gold
        ]
        rank = ranks[0] + 1 if ranks else None
        figures.hit1 += rank == 1
        figures.hit3 += rank is not None and rank <= 3
        reciprocal_ranks.append(1 / rank if rank else 0.0)
        if rank != 1:
            figures.misses.append(f"{question.id} (rank {rank or '>k'}): {question.question}")
    if figures.answerable:
        figures.hit1 /= figures.answerable
        figures.hit3 /= figures.answerable
        figures.mrr = sum(reciprocal_ranks) / figures.answerable
        figures.answerable_declined = declined_wrong / figures.answerable
    declined_total = declined_right + declined_wrong
    figures.decline_precision = declined_right / declined_total if declined_total else None
    figures.decline_recall = declined_right / figures.unanswerable if figures.unanswerable else None
    return figures


def evaluate(searcher: Searcher, questions: list[EvalQuestion], k: int = 10, scoped: bool = False) -> list[Figures]:
    """Each mode's figures; `scoped`: each question asked of its own article only (Searcher.scoped),
    as the widget beside a story asks, when the question names an article the searcher has."""
    groups: dict[str | None, list[int]] = {}
    for position, question in enumerate(questions):
        article = question.article if scoped and question.article in searcher.articles else None
        groups.setdefault(article, []).append(position)
    figures = []
    for mode in Mode:
        results: list[SearchResult | None] = [None] * len(questions)
        for article, positions in groups.items():
            asked = searcher if article is None else searcher.scoped(article)
            found = asked.search_many([questions[p].question for p in positions], k, mode)
            for position, result in zip(positions, found, strict=True):
                results[position] = result
        figures.append(score(mode, questions, [result for result in results if result is not None]))
    return figures
