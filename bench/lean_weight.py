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
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from followups import Answered, Tally, half
from many_articles import READER, searcher_of_folders

from newsbot.retrieval import search
from newsbot.retrieval.search import Searcher
from newsbot.retrieval.service import get_searcher
from newsbot.settings import PROJECT_ROOT

GRID = (0.125, 0.25, 0.375, 0.5, 0.75)
SEED = PROJECT_ROOT / "eval" / "seed-dev.jsonl"
TOP = 3  # the passages an answer may show: hit@3


def merit(tally: Tally) -> float:
    """hit@1 + hit@3 of the answerable questions, less the share of them declined."""
    whole = tally.answerable or 1
    return (tally.first + tally.any - tally.declined) / whole


def elliptic_questions(searcher: Searcher, path: Path, by_article: bool) -> list[tuple[str, Searcher, dict[str, Any]]]:
    """(part, the searcher to ask, row) of each elliptic question of a set."""
    chosen = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        article = row.get("article")
        asked = searcher.scoped(article) if article in searcher.articles else searcher
        if asked.elliptic(row["question"]):
            key = str(article) if by_article else row["id"]
            chosen.append((f"{'reader' if by_article else 'seed'} {half(key)}", asked, row))
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        reader = searcher_of_folders([READER / "knowledge"], Path(scratch))
        questions = elliptic_questions(get_searcher(), SEED, False)
        questions += elliptic_questions(reader, READER / "questions.jsonl", True)
        tallies: dict[float, dict[str, Tally]] = {}
        for weight in GRID:
            search.TITLE_WEIGHT = weight
            parts: dict[str, Tally] = {}
            for name, asked, row in questions:
                result = asked.search(row["question"])
                shown = [] if not result.answerable else result.hits[:TOP]
                reply = Answered([(hit.passage.article, hit.passage.paragraph) for hit in shown], not result.answerable)
                for whole in (name, name.split()[1]):
                    parts.setdefault(whole, Tally()).add(row, reply)
            tallies[weight] = parts
    names = ["seed tune", "reader tune", "tune", "seed check", "reader check", "check"]
    print("Elliptic questions asked first, leaning on their article's title, per TITLE_WEIGHT:")
    for weight, parts in tallies.items():
        for name in names:
            print(f"  {weight:<6} {parts[name].row(name)}")
    best = max(GRID, key=lambda weight: (round(merit(tallies[weight]["tune"]), 9), weight))
    print(f"fitted on tune: TITLE_WEIGHT = {best}")
    print(f"  {tallies[best]['tune'].row('tune')}")
    print(f"  {tallies[best]['check'].row('check')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
