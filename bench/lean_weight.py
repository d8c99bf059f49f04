"""Fit how much an elliptic question asked first leans on its article's title
(newsbot.retrieval.search.TITLE_WEIGHT), with the protocol's split: fitted on tune questions,
reported on check ones.

    .venv/bin/python bench/lean_weight.py

Only an elliptic question with no conversation before it leans on the title ("was it a success?",
"what time did it happen"), so only those are asked: the seed dev set's (in its tune and check
halves, as bench/fit_models.py splits it) and the reader articles' (eval/reader-articles, each
question asked of its own article as the widget beside a story asks it, the articles split in two
by a hash of their names). Each weight of GRID is scored on the tune part by hit@1 + hit@3 of its
answerable questions, less the share of them declined; the best (on a tie, the larger weight: the
less the title is discounted, the nearer the lean is to the conversation's) is reported on the
check part. Every weight's figures are printed for both parts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from many_articles import READER, searcher_of_folders

from newsbot.retrieval import search
from newsbot.retrieval.search import Searcher
from newsbot.retrieval.service import get_searcher
from newsbot.settings import PROJECT_ROOT

GRID = (0.125, 0.25, 0.375, 0.5, 0.75)
SEED = PROJECT_ROOT / "eval" / "seed-dev.jsonl"


def part(key: str) -> str:
    return ("tune", "check")[int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2]


@dataclass
class Figures:
    answerable: int = 0
    first: int = 0
    top3: int = 0
    answerable_declined: int = 0
    unanswerable: int = 0
    unanswerable_declined: int = 0

    def add(self, row: dict[str, Any], paragraphs: list[int], declined: bool) -> None:
        if row["answerable"]:
            self.answerable += 1
            self.answerable_declined += declined
            gold = set(row["paragraphs"])
            self.first += not declined and bool(paragraphs[:1]) and paragraphs[0] in gold
            self.top3 += not declined and bool(gold & set(paragraphs[:3]))
        else:
            self.unanswerable += 1
            self.unanswerable_declined += declined

    def share(self, count: int, whole: int) -> float:
        return count / whole if whole else 0.0

    def score(self) -> float:
        a = self.answerable
        return self.share(self.first, a) + self.share(self.top3, a) - self.share(self.answerable_declined, a)

    def row(self) -> str:
        a, u = self.answerable, self.unanswerable
        return (
            f"hit@1 {self.share(self.first, a):.3f}  hit@3 {self.share(self.top3, a):.3f}  "
            f"answerable declined {self.share(self.answerable_declined, a):.3f} (n={a})  "
            f"unanswerable declined {self.share(self.unanswerable_declined, u):.3f} (n={u})"
        )


def elliptic_questions(searcher: Searcher, path: Path, by_article: bool) -> list[tuple[str, Searcher, dict[str, Any]]]:
    """(part, the searcher to ask, row) of each elliptic question of a set."""
    chosen = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        article = row.get("article")
        asked = searcher.scoped(article) if article in searcher.articles else searcher
        if asked.elliptic(row["question"]):
            key = str(article) if by_article else row["id"]
            chosen.append((f"{'reader' if by_article else 'seed'} {part(key)}", asked, row))
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        reader = searcher_of_folders([READER / "knowledge"], Path(scratch))
        questions = elliptic_questions(get_searcher(), SEED, False)
        questions += elliptic_questions(reader, READER / "questions.jsonl", True)
        figures: dict[float, dict[str, Figures]] = {}
        for weight in GRID:
            search.TITLE_WEIGHT = weight
            parts: dict[str, Figures] = {}
            for name, asked, row in questions:
                result = asked.search(row["question"])
                paragraphs = [hit.passage.paragraph for hit in result.hits]
                for whole in (name, name.split()[1]):
                    parts.setdefault(whole, Figures()).add(row, paragraphs, not result.answerable)
            figures[weight] = parts
    names = ["seed tune", "reader tune", "tune", "seed check", "reader check", "check"]
    print("Elliptic questions asked first, leaning on their article's title, per TITLE_WEIGHT:")
    for weight, parts in figures.items():
        for name in names:
            print(f"  {weight:<6} {name:<13} {parts[name].row()}")
    best = max(GRID, key=lambda weight: (round(figures[weight]["tune"].score(), 9), weight))
    print(f"fitted on tune: TITLE_WEIGHT = {best}")
    print(f"  tune   {figures[best]['tune'].row()}")
    print(f"  check  {figures[best]['check'].row()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
