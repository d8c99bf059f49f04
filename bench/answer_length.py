"""How long the answers to the seed dev set's answerable questions are, as plain search (`newsbot
ask`, /api/ask) and the bot compose them: the words a reader is given as the answer (the
answering sentences, highlighted in their paragraphs) and the words of the whole paragraphs
quoted, and how many passages an answer shows; per half of the seed set, how many answers are
headed "different accounts", how many cite a gold paragraph and how many lead with one.

    .venv/bin/python bench/answer_length.py [--questions eval/seed-dev.jsonl]

The issue's target: a median answer of at most 60 words.

With --side-accounts it also compares each answer with and without the side-account rule of
`compose.select_hits` (a question asking about a side as its subject, led by another voice, also
shows that side's best account), per half of the seed set (bench/fit_models.py's halves): answers
changed, gold paragraphs the rule added or pushed out, answers citing a gold paragraph, words quoted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from fit_models import seed_fold

from newsbot.answering.compose import compose_answer
from newsbot.dialogue import conversation
from newsbot.domain import Reply
from newsbot.retrieval.index import build_index, load_index
from newsbot.retrieval.search import Searcher
from newsbot.settings import PROJECT_ROOT, get_settings


def words(text: str) -> int:
    return len(text.split())


def quoted_words(reply: Reply) -> int:
    return sum(words(s.text[s.highlight.start : s.highlight.end] if s.highlight else s.text) for s in reply.passages)


def side_account_figures(searcher: Searcher, rows: list[dict[str, object]]) -> None:
    """The answers with and without the side-account rule, per seed half (see the docstring)."""
    totals: dict[str, Counter[str]] = {}
    for row in rows:
        if not row.get("answerable", True):
            continue
        result = searcher.search(str(row["question"]), k=conversation.ANSWER_CANDIDATES)
        if not result.answerable:
            continue
        gold = set(row["paragraphs"])  # type: ignore[call-overload]
        with_rule = compose_answer(result, searcher.index.facts)
        without = compose_answer(replace(result, subject_sides=frozenset()), searcher.index.facts)
        shown, before = {s.paragraph for s in with_rule.passages}, {s.paragraph for s in without.passages}
        figures = totals.setdefault(seed_fold(str(row["id"])), Counter())
        figures["answers"] += 1
        figures["changed"] += shown != before
        figures["gold added"] += len((shown - before) & gold)
        figures["gold pushed out"] += len((before - shown) & gold)
        figures["gold cited, with"] += bool(shown & gold)
        figures["gold cited, without"] += bool(before & gold)
        figures["words, with"] += quoted_words(with_rule)
        figures["words, without"] += quoted_words(without)
        if shown != before:
            print(f"  {row['id']} {row['question']!r}: {sorted(before)} -> {sorted(shown)}, gold {sorted(gold)}")
    halves = sorted(totals)
    print(f"{'side-account rule':<22}" + "".join(f"{half:>10}" for half in halves))
    for name in totals[halves[0]]:
        print(f"{name:<22}" + "".join(f"{totals[half][name]:>10}" for half in halves))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=PROJECT_ROOT / "eval" / "seed-dev.jsonl")
    parser.add_argument("--knowledge", type=Path, default=PROJECT_ROOT / "knowledge")
    parser.add_argument("--side-accounts", action="store_true", help="also compare answers with and without the rule")
    args = parser.parse_args(argv)
    model = get_settings().model
    index_dir = Path(tempfile.mkdtemp(prefix="answer-length-"))
    build_index(args.knowledge, index_dir, model, progress=False)
    searcher = Searcher(load_index(index_dir, model, args.knowledge), model)
    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    answered = highlighted = paragraphs = 0
    highlight_words: list[int] = []
    paragraph_words: list[int] = []
    passages: list[int] = []
    contested: Counter[str] = Counter()
    gold_cited: Counter[str] = Counter()
    gold_led: Counter[str] = Counter()
    for row in rows:
        if not row.get("answerable", True):
            continue
        reply = conversation.ask(searcher, row["question"])
        if not reply.passages:
            continue
        answered += 1
        half = seed_fold(row["id"])
        contested[half] += reply.contested
        gold_cited[half] += bool({s.paragraph for s in reply.passages} & set(row["paragraphs"]))
        gold_led[half] += reply.passages[0].paragraph in row["paragraphs"]
        marks = [s.text[s.highlight.start : s.highlight.end] if s.highlight else s.text for s in reply.passages]
        highlighted += sum(1 for s in reply.passages if s.highlight)
        paragraphs += len(reply.passages)
        highlight_words.append(words(reply.lead) + sum(words(mark) for mark in marks))
        paragraph_words.append(words(reply.lead) + sum(words(s.text) for s in reply.passages))
        passages.append(len(reply.passages))
    print(f"{args.questions}: {answered} answered questions ({highlighted} of {paragraphs} passages highlighted)")
    print(
        f"answer (lead and answering sentences): median {statistics.median(highlight_words):.0f} words, "
        f"p90 {sorted(highlight_words)[int(0.9 * len(highlight_words))]}"
    )
    print(f"whole paragraphs quoted:               median {statistics.median(paragraph_words):.0f} words")
    counts = {n: passages.count(n) for n in sorted(set(passages))}
    print(f"passages per answer: median {statistics.median(passages):.0f}; {counts}")
    halves = sorted(gold_cited)
    print("headed 'different accounts', per half: " + ", ".join(f"{half} {contested[half]}" for half in halves))
    print("citing a gold paragraph, per half:       " + ", ".join(f"{half} {gold_cited[half]}" for half in halves))
    print("led by a gold paragraph, per half:       " + ", ".join(f"{half} {gold_led[half]}" for half in halves))
    if args.side_accounts:
        side_account_figures(searcher, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
