"""How well the report groups declined questions by meaning, for a few distance thresholds: the
pairwise F1 of the grouping (a pair of questions is positive when both are in one group) against
eval/declined-groups.jsonl, questions written as readers type them, in labelled groups.

    .venv/bin/python bench/decline_grouping.py [--set eval/declined-groups.jsonl]

The set is split in two halves (every other question of each group); the threshold is chosen on
one half and reported on the other, both ways, with and without taking the articles' mean
paragraph embedding off the questions' vectors.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import numpy as np

from newsbot.ingest.knowledge import load_articles
from newsbot.report.grouping import centred, complete_linkage
from newsbot.retrieval.embeddings import embed
from newsbot.settings import PROJECT_ROOT, get_settings

THRESHOLDS = (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def pairwise_f1(labels: Sequence[str], clusters: list[list[int]]) -> float:
    found = {pair for cluster in clusters for pair in combinations(sorted(cluster), 2)}
    truth = {(a, b) for a, b in combinations(range(len(labels)), 2) if labels[a] == labels[b]}
    hits = len(found & truth)
    if not hits:
        return 0.0
    precision, recall = hits / len(found), hits / len(truth)
    return 2 * precision * recall / (precision + recall)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=PROJECT_ROOT / "eval" / "declined-groups.jsonl")
    parser.add_argument("--knowledge", type=Path, default=PROJECT_ROOT / "knowledge")
    args = parser.parse_args(argv)
    model = get_settings().model
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    paragraphs = [p.text for article in load_articles(args.knowledge) for p in article.paragraphs]
    background = embed(model, paragraphs)
    raw = embed(model, [row["question"] for row in rows])
    seen: dict[str, int] = {}
    halves: tuple[list[int], list[int]] = ([], [])
    for number, row in enumerate(rows):
        position = seen.get(row["group"], 0)
        seen[row["group"]] = position + 1
        halves[position % 2].append(number)
    print(f"{len(rows)} questions in {len(seen)} groups; halves of {len(halves[0])} and {len(halves[1])}")
    for name, vectors in (("centred", centred(raw, background)), ("raw", centred(raw, None))):
        scores = []
        for half in halves:
            labels = [rows[n]["group"] for n in half]
            part = np.ascontiguousarray(vectors[half])
            scores.append({t: pairwise_f1(labels, complete_linkage(part, t)) for t in THRESHOLDS})
        print(f"\n{name} vectors: pairwise F1 by threshold (cosine distance)")
        print("threshold  " + "  ".join(f"{t:>5}" for t in THRESHOLDS))
        for index, figures in enumerate(scores):
            print(f"half {index + 1}     " + "  ".join(f"{figures[t]:5.3f}" for t in THRESHOLDS))
        for fit, check in ((0, 1), (1, 0)):
            best = max(THRESHOLDS, key=lambda t: scores[fit][t])
            print(f"fit on half {fit + 1}: threshold {best}, F1 on half {check + 1}: {scores[check][best]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
