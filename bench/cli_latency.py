"""How long `newsbot ask "QUESTION"` takes from a cold process, and what it imports.

    .venv/bin/python bench/cli_latency.py [--runs 5]

Each run is a new process (`newsbot ask` as a reader types it), over the project's index (built
first, so that no run builds it). Prints the wall-clock median, min and max per question, and
whether the query path imported torch, transformers or sentence_transformers (it should not: the
model runs on ONNX Runtime). The issue's target: at most 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from machine import reference

from newsbot.settings import PROJECT_ROOT

NEWSBOT = Path(sys.executable).parent / "newsbot"
QUESTIONS = ("What did Labour commit to?", "where did they meet?", "what did arkush say")
HEAVY = ("torch", "transformers", "sentence_transformers")
IMPORTS = (
    "import sys; sys.argv = ['newsbot', 'ask', {question!r}];"
    "from newsbot.cli import main; main(sys.argv[1:]);"
    "print('IMPORTED', ','.join(m for m in {heavy!r} if m in sys.modules))"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    subprocess.run([str(NEWSBOT), "index", "build"], cwd=PROJECT_ROOT, check=True, capture_output=True)
    print(reference())
    for question in QUESTIONS:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run([str(NEWSBOT), "ask", question], cwd=PROJECT_ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        probe = subprocess.run(
            [sys.executable, "-c", IMPORTS.format(question=question, heavy=HEAVY)],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        imported = probe.stdout.rsplit("IMPORTED", 1)[-1].strip() or "none of " + ", ".join(HEAVY)
        print(
            f"newsbot ask {question!r:32} median {statistics.median(times):.2f} s  min {min(times):.2f} s  "
            f"max {max(times):.2f} s  ({args.runs} runs; imported: {imported})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
