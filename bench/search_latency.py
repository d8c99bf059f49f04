"""Build time and search latency, for the seed knowledge and for the XQuAD dev articles.

    .venv/bin/python bench/search_latency.py --xquad ../shared/eval/xquad-dev

Builds each index from scratch into a temporary folder (the model is loaded before the clock
starts), loads it, warms up, then times `Searcher.search` (embedding the question included)
for every question of the set, one at a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path

from machine import reference

from newsbot.retrieval.embeddings import embed
from newsbot.retrieval.index import build_index, load_index
from newsbot.retrieval.search import Searcher
from newsbot.settings import PROJECT_ROOT, get_settings

WARM_UP = 10


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(name: str, knowledge: Path, questions_file: Path, scratch: Path) -> None:
    model = get_settings().model
    started = time.perf_counter()
    result = build_index(knowledge, scratch / name, model, force=True, progress=False)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    searcher = Searcher(load_index(scratch / name, model, knowledge), model)
    load_seconds = time.perf_counter() - started
    questions = [json.loads(line)["question"] for line in questions_file.read_text().splitlines() if line.strip()]
    for question in questions[:WARM_UP]:
        searcher.search(question)
    latencies = []
    for question in questions:
        started = time.perf_counter()
        searcher.search(question)
        latencies.append((time.perf_counter() - started) * 1000)
    print(
        f"{name:<6} {result.manifest['passages']:>4} passages  "
        f"build {build_seconds:5.1f} s  load {load_seconds:4.2f} s  "
        f"search over {len(latencies)} questions: median {statistics.median(latencies):5.1f} ms  "
        f"p95 {percentile(latencies, 0.95):5.1f} ms  max {max(latencies):5.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad", type=Path, required=True, help="folder with articles/ and questions.jsonl")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    embed(get_settings().model, ["load the model"])
    print(reference())
    with tempfile.TemporaryDirectory() as scratch:
        measure("seed", get_settings().knowledge_dir, PROJECT_ROOT / "eval" / "seed-dev.jsonl", Path(scratch))
        measure("xquad", args.xquad / "articles", args.xquad / "questions.jsonl", Path(scratch))


if __name__ == "__main__":
    main()
