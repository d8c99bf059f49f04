"""How search copes with readers' typing slips, with and without the speller
(`newsbot.retrieval.spelling`): each dev question is asked as written, then with one slip in its
rarest word (a letter changed for a neighbour on the keyboard, dropped, doubled, or two swapped;
names are what readers misspell most, and the rarest word is most often one).

    .venv/bin/python bench/typos.py [--xquad ../shared/eval/xquad-dev] [--seed-rng 0]

Per set (seed dev, its two halves as bench/fit_models.py splits them, and xquad-dev), as written
and with slips: hit@1 and hit@3 of the answerable questions, the share of them declined, and the
share of on-topic unanswerable ones declined. Nothing is fitted here: the speller's two
thresholds are general word frequencies (see its docstring), and the shipped models rank.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fit_models import seed_fold

from newsbot.retrieval.bm25 import TOKEN, fold
from newsbot.retrieval.index import build_index, load_index
from newsbot.retrieval.search import Searcher, SearchResult
from newsbot.retrieval.wordlists import question_words, spelled_out, stopwords
from newsbot.settings import PROJECT_ROOT, get_settings

KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
SHORTEST_SLIPPED = 5


class Unspelled(Searcher):
    """The searcher without the speller: chat shorthand spelled out, words as typed."""

    def as_searched(self, question: str) -> str:
        return spelled_out(question)


def neighbours(letter: str) -> str:
    for row_number, row in enumerate(KEYBOARD_ROWS):
        column = row.find(letter)
        if column >= 0:
            near = row[max(0, column - 1) : column] + row[column + 1 : column + 2]
            for other in (row_number - 1, row_number + 1):
                if 0 <= other < len(KEYBOARD_ROWS):
                    near += KEYBOARD_ROWS[other][max(0, column - 1) : column + 1]
            return near
    return ""


def slipped(word: str, rng: random.Random) -> str:
    """The word with one slip; never its first letter (readers rarely get that wrong)."""
    position = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("change", "drop", "double", "swap"))
    if kind == "change" and neighbours(word[position]):
        return word[:position] + rng.choice(neighbours(word[position])) + word[position + 1 :]
    if kind == "drop":
        return word[:position] + word[position + 1 :]
    if kind == "double":
        return word[:position] + word[position] + word[position:]
    return word[:position] + word[position + 1] + word[position] + word[position + 2 :]


def with_slip(question: str, searcher: Searcher, rng: random.Random) -> str:
    """The question with its rarest content word (by the articles' IDF) slipped."""
    bm25 = searcher.index.bm25
    content = [
        word
        for word in TOKEN.findall(question)
        if word.isalpha() and len(word) >= SHORTEST_SLIPPED and fold(word) not in stopwords() | question_words()
    ]
    if not content:
        return question

    def rarity(word: str) -> float:
        terms = bm25.question_terms(word)
        return bm25.idf(terms[0][1]) if terms else 0.0

    rarest = max(content, key=rarity)
    return question.replace(rarest, slipped(rarest, rng), 1)


def figures(rows: list[dict[str, Any]], results: list[SearchResult]) -> str:
    answerable = [(row, result) for row, result in zip(rows, results, strict=True) if row["answerable"]]
    on_topic = [result for row, result in zip(rows, results, strict=True) if row.get("kind") == "on-topic"]

    def rank_hit(row: dict[str, Any], result: SearchResult, k: int) -> bool:
        return any((h.passage.article, h.passage.paragraph) in row["gold"] for h in result.hits[:k])

    n = len(answerable) or 1
    line = (
        f"hit@1 {sum(rank_hit(r, s, 1) for r, s in answerable) / n:.3f} "
        f"hit@3 {sum(rank_hit(r, s, 3) for r, s in answerable) / n:.3f} "
        f"answerable declined {sum(not s.answerable for _, s in answerable) / n:.3f} (n={len(answerable)})"
    )
    if on_topic:
        line += f"  on-topic declined {sum(not s.answerable for s in on_topic) / len(on_topic):.3f} (n={len(on_topic)})"
    return line


def rows_of(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        row["answerable"] = bool(row.get("answerable", True))
        paragraphs = row.get("paragraphs", [row.get("paragraph")]) if row["answerable"] else []
        row["gold"] = {(str(row["article"]), int(p)) for p in paragraphs}
    return rows


def add_slips(rows: list[dict[str, Any]], searcher: Searcher, rng_seed: int) -> list[dict[str, Any]]:
    rng = random.Random(rng_seed)
    return [{**row, "slipped": with_slip(row["question"], searcher, rng)} for row in rows]


def report(label: str, searchers: dict[str, Searcher], rows: list[dict[str, Any]]) -> None:
    with_slips = [row["slipped"] for row in rows]
    changed = sum(a != b for a, b in zip(with_slips, (r["question"] for r in rows), strict=True))
    print(f"\n{label}: {len(rows)} questions, {changed} with a slip")
    for name, searcher in searchers.items():
        written = searcher.search_many([row["question"] for row in rows], k=3)
        typed = searcher.search_many(with_slips, k=3)
        print(f"  {name:<10} as written  {figures(rows, written)}")
        print(f"  {name:<10} with slips  {figures(rows, typed)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad", type=Path, default=PROJECT_ROOT.parent / "shared" / "eval" / "xquad-dev")
    parser.add_argument("--seed-rng", type=int, default=0, help="the slips' random seed")
    args = parser.parse_args(argv)
    model = get_settings().model
    scratch = Path(tempfile.mkdtemp(prefix="bench-typos-"))

    def searchers_of(knowledge: Path, name: str) -> dict[str, Searcher]:
        build_index(knowledge, scratch / name, model, progress=False)
        index = load_index(scratch / name, model, knowledge)
        return {"speller": Searcher(index, model), "no speller": Unspelled(index, model)}

    print("building indexes ...", file=sys.stderr)
    seed = searchers_of(PROJECT_ROOT / "knowledge", "seed")
    seed_rows = add_slips(rows_of(PROJECT_ROOT / "eval" / "seed-dev.jsonl"), seed["speller"], args.seed_rng)
    report("seed dev", seed, seed_rows)
    for half in ("seed-0", "seed-1"):
        report(f"seed dev, half {half}", seed, [r for r in seed_rows if seed_fold(r["id"]) == half])
    if (args.xquad / "questions.jsonl").is_file():
        xquad = searchers_of(args.xquad / "articles", "xquad")
        report("xquad-dev", xquad, add_slips(rows_of(args.xquad / "questions.jsonl"), xquad["speller"], args.seed_rng))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
