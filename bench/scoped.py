"""What answering from one story of many costs (Searcher.scoped, the widget beside a story): the
seed article, the reader articles and XQuAD dev's 24 in one index; each story's searcher made once
(time and memory, traced), then the reader articles' questions searched of every article and of
their own article.

    .venv/bin/python bench/scoped.py [--xquad ../shared/eval/xquad-dev]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from machine import reference
from many_articles import READER, searcher_of_folders

from newsbot.retrieval.search import Searcher
from newsbot.settings import PROJECT_ROOT


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed_searches(searchers: list[tuple[Searcher, str]]) -> list[float]:
    latencies = []
    for searcher, question in searchers:
        started = time.perf_counter()
        searcher.search(question)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad", type=Path, default=PROJECT_ROOT.parent / "shared" / "eval" / "xquad-dev")
    args = parser.parse_args()
    print(reference())
    with tempfile.TemporaryDirectory() as scratch:
        searcher = searcher_of_folders(
            (PROJECT_ROOT / "knowledge", READER / "knowledge", args.xquad / "articles"), Path(scratch)
        )
        index = searcher.index
        print(f"{len(searcher.articles)} articles, {len(index.passages)} passages in one index")

        tracemalloc.start()
        made = []
        for article in searcher.articles:
            started = time.perf_counter()
            searcher.scoped(article)
            made.append((time.perf_counter() - started) * 1000)
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"each story's searcher, made once: median {statistics.median(made):.0f} ms, max {max(made):.0f} ms; "
            f"all {len(made)} held: {held / 1e6:.1f} MB "
            f"(the index's word pieces alone: {index.tokens.tokens.nbytes / 1e6:.1f} MB)"
        )

        rows = [json.loads(line) for line in (READER / "questions.jsonl").read_text().splitlines() if line.strip()]
        asked = [(row["question"], row.get("article")) for row in rows if row.get("article") in searcher.articles]
        for question, _ in asked[:10]:
            searcher.search(question)
        whole = timed_searches([(searcher, question) for question, _ in asked])
        scoped = timed_searches([(searcher.scoped(article), question) for question, article in asked])
        for name, latencies in (("of every article", whole), ("of its own article", scoped)):
            print(
                f"{len(latencies)} reader questions searched {name:<18}: median {statistics.median(latencies):5.1f} ms"
                f"  p95 {percentile(latencies, 0.95):5.1f} ms"
            )


if __name__ == "__main__":
    main()
