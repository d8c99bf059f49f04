"""Fit the decline model (newsbot/decline.py) and print its figures.

Answerable examples: seed dev questions with answers, and XQuAD dev questions against their
own articles. Unanswerable examples: seed dev questions without answers, and XQuAD dev
questions with their own article left out of the results (leave-article-out). The features of
a hit are its cosine, its coverage and whether it lacks the kind of answer asked for
(`newsbot.retrieval.decline.Evidence`). Questions declined by a name rule (a name the articles never use,
someone they never quote) are declined whatever the model says, and count as such in the figures.

Figures on 2026-11-29 (fitted = the coefficients in decline.py; unknown question words weighed by
their English frequency, `newsbot.retrieval.bm25.unknown_word_share`):

    seed dev               answerable declined 0.023 of 87; unanswerable declined 0.680 of 25
    xquad leave-article-out answerable declined 0.009 of 632; unanswerable declined 0.903 of 632

Before that weighing (every unknown word weighed as the rarest term; threshold 0.22 for 5%):

    seed dev               answerable declined 0.046 of 87; unanswerable declined 0.680 of 25
    xquad leave-article-out answerable declined 0.008 of 632; unanswerable declined 0.897 of 632

    .venv/bin/python bench/calibrate_decline.py --xquad ../shared/eval/xquad-dev
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from newsbot.retrieval.decline import EVIDENCE_HITS, DeclineModel, Evidence
from newsbot.retrieval.evaluation import read_eval_set
from newsbot.retrieval.search import Hit
from newsbot.retrieval.service import open_searcher
from newsbot.settings import PROJECT_ROOT, get_settings

# Half the target (at most 5% of answerable questions declined): the dev questions are phrased
# more fully than many users' ("when is the next meeting" holds one word of its own, "meeting").
MAX_ANSWERABLE_DECLINED = 0.025


Row = list[Evidence]  # the evidence of the best hits, best first
Data = tuple[list[Row], list[int], list[bool]]  # rows, labels (1: answerable), declined by a name rule


def evidence(hit: Hit) -> Evidence:
    return Evidence(hit.dense, hit.coverage, hit.lacks_answer_type)


def features(searcher_args: tuple[Path, Path], questions_file: Path, leave_out: bool) -> Data:
    settings = get_settings()
    searcher = open_searcher(*searcher_args, settings.model)
    questions = read_eval_set(questions_file)
    results = searcher.search_many([q.question for q in questions], k=20)
    rows: list[Row] = []
    labels: list[int] = []
    ruled: list[bool] = []
    for question, result in zip(questions, results, strict=True):
        rows.append([evidence(hit) for hit in result.hits[:EVIDENCE_HITS]])
        labels.append(int(question.answerable))
        # Names the articles never use, or people they never quote: declined whatever the evidence.
        ruled.append(bool(result.unknown_names or result.unquoted_names))
        if leave_out and question.answerable:
            gold_articles = {article for article, _ in question.gold}
            others = [hit for hit in result.hits if hit.passage.article not in gold_articles]
            rows.append([evidence(hit) for hit in others[:EVIDENCE_HITS]])
            labels.append(0)
            ruled.append(False)
    return rows, labels, ruled


def declined(model: DeclineModel, rows: list[Row], ruled: list[bool]) -> npt.NDArray[np.bool_]:
    return np.array([rule or model.confidence(row) < model.threshold for row, rule in zip(rows, ruled, strict=True)])


def declined_share(model: DeclineModel, rows: list[Row], labels: list[int], ruled: list[bool]) -> float:
    """Share of the answerable questions that are declined."""
    return float(np.mean(declined(model, rows, ruled)[np.array(labels, dtype=bool)]))


def report(name: str, model: DeclineModel, rows: list[Row], labels: list[int], ruled: list[bool]) -> None:
    answered = ~declined(model, rows, ruled)
    truth = np.array(labels, dtype=bool)
    print(
        f"{name:<22} answerable declined {np.mean(~answered[truth]):.3f} of {truth.sum()}; "
        + (f"unanswerable declined {np.mean(~answered[~truth]):.3f} of {(~truth).sum()}" if (~truth).any() else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad", type=Path, required=True, help="folder with articles/ and questions.jsonl")
    parser.add_argument("--seed-questions", type=Path, default=PROJECT_ROOT / "eval" / "seed-dev.jsonl")
    parser.add_argument("--seed-weight", type=float, default=4.0, help="weight of a seed example against an XQuAD one")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = get_settings()
    with tempfile.TemporaryDirectory() as scratch:
        seed = features((settings.knowledge_dir, Path(scratch) / "seed"), args.seed_questions, leave_out=False)
        xquad = features(
            (args.xquad / "articles", Path(scratch) / "xquad"), args.xquad / "questions.jsonl", leave_out=True
        )
    # The model is fitted on the best hit's features; the threshold applies to the confidence.
    rows = [best[0] for best in seed[0] + xquad[0]]
    labels = seed[1] + xquad[1]
    weights = [args.seed_weight] * len(seed[0]) + [1.0] * len(xquad[0])
    fit = LogisticRegression(C=10.0).fit(np.array(rows), np.array(labels), sample_weight=np.array(weights))
    coefficients = [float(c) for c in fit.coef_[0]]
    fitted = DeclineModel(float(fit.intercept_[0]), coefficients[0], coefficients[1], 0.5, coefficients[2])
    # The threshold: the highest that declines at most MAX_ANSWERABLE_DECLINED of the answerable
    # questions of either set (declining an answerable question costs the user the answer).
    threshold = 0.5
    for candidate in np.linspace(0.01, 0.9, 90):
        model = dataclasses.replace(fitted, threshold=float(candidate))
        if all(declined_share(model, *data) <= MAX_ANSWERABLE_DECLINED for data in (seed, xquad)):
            threshold = float(candidate)
    fitted = dataclasses.replace(fitted, threshold=threshold)
    print(
        f"fitted: BIAS = {fitted.bias:.3f}, DENSE_COEFFICIENT = {fitted.dense_coefficient:.3f}, "
        f"COVERAGE_COEFFICIENT = {fitted.coverage_coefficient:.3f}, "
        f"LACKS_ANSWER_TYPE_COEFFICIENT = {fitted.lacks_answer_type_coefficient:.3f}, "
        f"THRESHOLD = {fitted.threshold:.2f}"
    )
    for name, model in (("current (decline.py)", DeclineModel()), ("fitted", fitted)):
        print(f"-- {name}")
        report("seed dev", model, *seed)
        report("xquad leave-article-out", model, *xquad)


if __name__ == "__main__":
    main()
