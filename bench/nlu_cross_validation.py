"""NLU cross-validation of the Rasa bot: intent and entity F1 over 5 folds.

    .venv/bin/python bench/nlu_cross_validation.py [--config config.yml] [--seed N]

Runs `rasa test nlu --cross-validation` in the Rasa environment and prints the intent report's
macro and weighted averages, the intents below an F1 of 0.9, and each entity extractor's F1 per
entity.

Rasa draws the folds from numpy's global random state, unseeded: runs differ by about ±0.015.
`--seed N` seeds it first, so that every run (and every config compared) gets the same folds;
the classifiers draw from it too, so the whole run repeats.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from newsbot.serving.supervisor import RASA, rasa_command_env
from newsbot.settings import PROJECT_ROOT

FOLDS = 5
# `rasa` itself, after seeding numpy's global random state (from which Rasa draws the folds).
SEEDED_RASA = "import sys, numpy; numpy.random.seed(int(sys.argv.pop(1))); from rasa.__main__ import main; main()"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml", help="the Rasa config (default: config.yml)")
    parser.add_argument("--seed", type=int, help="seed for the folds (default: unseeded, as `rasa test`)")
    args = parser.parse_args()
    rasa = [str(RASA)] if args.seed is None else [str(RASA.parent / "python"), "-c", SEEDED_RASA, str(args.seed)]
    with tempfile.TemporaryDirectory() as out:
        command = [
            *rasa, "test", "nlu", "--nlu", "bot/data/nlu", "--config", args.config,
            "--cross-validation", "--folds", str(FOLDS), "--out", out,
        ]  # fmt: skip
        completed = subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_command_env(), capture_output=True, text=True)
        report_file = Path(out) / "intent_report.json"
        if completed.returncode != 0 or not report_file.is_file():
            print(completed.stdout[-3000:] + completed.stderr[-3000:], file=sys.stderr)
            sys.exit(f"rasa test nlu failed (exit {completed.returncode})")
        report = json.loads(report_file.read_text())
        entity_reports = {
            path.name.removesuffix("_report.json"): json.loads(path.read_text())
            for path in sorted(Path(out).glob("*_report.json"))
            if path != report_file
        }
    macro, weighted = report["macro avg"], report["weighted avg"]
    print(
        f"{FOLDS}-fold cross-validation, intents: "
        f"macro-F1 {macro['f1-score']:.3f}, weighted F1 {weighted['f1-score']:.3f}"
    )
    weak = {name: row for name, row in report.items() if isinstance(row, dict) and row.get("f1-score", 1) < 0.9}
    for name, row in sorted(weak.items()):
        if name not in ("macro avg", "weighted avg", "micro avg"):
            print(f"  {name:<24} F1 {row['f1-score']:.3f}  (support {row['support']})")
    for extractor, rows in entity_reports.items():
        scores = ", ".join(
            f"{name} {row['f1-score']:.3f}"
            for name, row in rows.items()
            if isinstance(row, dict) and name not in ("macro avg", "weighted avg")
        )
        print(f"entities ({extractor}): {scores}")


if __name__ == "__main__":
    main()
