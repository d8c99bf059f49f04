"""Fit retrieval's numbers (newsbot/retrieval/data/models.json) with an honest protocol, and print
the cross-validated figures beside the in-sample ones, with plain RRF of the same retrievers as the
baseline of the same run.

    .venv/bin/python bench/fit_models.py [--xquad ../shared/eval/xquad-dev] [--write]
    .venv/bin/python bench/fit_models.py --decline-only [--write]   # the shipped ranking kept
    .venv/bin/python bench/fit_models.py --highlight-only [--write] # the shipped ranking and decline kept

Data: the seed dev set (eval/seed-dev.jsonl: answerable questions with their gold paragraphs,
on-topic and off-topic questions the article does not answer) and XQuAD dev (24 Wikipedia
articles, 632 questions with the answering paragraph and the answer's words). An XQuAD question
asked of an index without its own article is an unanswerable one (leave-article-out); asked of its
own article with the paragraphs that hold its answer left out of the decision, an on-topic
unanswerable one (leave-paragraph-out: scored, not fitted on). The seed set is asked twice: as the
bot asks it (with the intent its NLU gives, which brings a topic's words) and as plain search asks
it (`newsbot ask`, /api/ask: no intent). The numbers are fitted on the bot's path; both paths are
scored, and the ranking's elimination weighs them alike, since the bot and plain search use the
same numbers.

Folds: XQuAD by article (6 folds of 4 articles: a question is never scored by numbers fitted on
its own article's questions); the seed set in two halves by a hash of the question's id (tune and
check). Each figure marked "cv" is the mean over folds of numbers fitted on everything but the
fold; "in" is fitted and scored on everything. The shipped numbers (--write) are fitted on
everything.

What is fitted:
- ranking: weights of the named signals (newsbot.retrieval.models.RANKING_SIGNALS) by a
  conditional logit (softmax over a question's candidates, the gold paragraphs' passages as the
  answer), each continuous signal standardised over the candidates; a signal whose removal does
  not lower the cross-validated hit@1 + hit@3 (XQuAD's, plus the mean of the seed set's two
  paths) is dropped;
- highlight: weights of the sentence signals (SENTENCE_SIGNALS), the same way over the sentences
  of the gold passage, on XQuAD (where the answer's words say which sentence answers);
- decline: a logistic model of the best passages' evidence (EVIDENCE_SIGNALS), and its threshold:
  the confidence under which at most MAX_ANSWERABLE_DECLINED of the fitting set's answerable
  questions are declined (after the checks: those that need no model, and whether the best
  passages hold the kind of answer asked for). Beside each unanswerable kind's
  share declined, the bench prints how well the confidence separates it from answerable questions
  whatever the threshold (AUC).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from newsbot.retrieval.index import build_index, load_index
from newsbot.retrieval.models import (
    EVIDENCE_SIGNALS,
    RANKING_SIGNALS,
    SENTENCE_SIGNALS,
    SENTENCE_STANDARDISED,
    STANDARDISED,
    DeclineModel,
    HighlightModel,
    Models,
    RankingModel,
    default_models,
    standardise,
)
from newsbot.retrieval.search import (
    Candidates,
    Searcher,
    check_question,
    decision_confidence,
    evidence_of,
    highlight_span,
    ranked_rows,
    sentence_signals,
)
from newsbot.settings import PROJECT_ROOT, get_settings

SEED_SET = PROJECT_ROOT / "eval" / "seed-dev.jsonl"
SEED_INTENTS = PROJECT_ROOT / "eval" / "seed-dev-intents.jsonl"
MODELS_PATH = PROJECT_ROOT / "newsbot" / "retrieval" / "data" / "models.json"
XQUAD_FOLDS = 6
# Half the target (at most 5% of answerable questions declined): readers' questions are often
# terser than the dev set's.
MAX_ANSWERABLE_DECLINED = 0.025
EVIDENCE_HITS = 3
L2 = 0.01
RRF_K = 60
SOURCES = ("xquad", "seed", "plain")

Key = tuple[str, int]


@dataclass
class Record:
    """One question asked of one index, with everything the models need to be fitted and scored."""

    source: str  # "seed" (as the bot asks it), "plain" (the seed set without intents) or "xquad"
    fold: str  # the fold the question is scored in
    question: str
    answerable: bool
    kind: str  # "answerable", "on-topic", "off-topic", "leave-article-out", "leave-paragraph-out"
    gold: frozenset[Key]
    answers: tuple[str, ...]
    candidates: Candidates
    texts: list[str]  # each candidate's text
    ruled_out: bool  # declined by a check that needs no model (unknown name, unheard voice, the article itself)
    sentence_labels: list[list[bool]] = field(default_factory=list)  # per candidate, per sentence: holds an answer
    # Paragraphs left out of the decision (leave-paragraph-out: those that hold the answer).
    excluded: frozenset[Key] = frozenset()


def seed_fold(question_id: str) -> str:
    return "seed-" + str(int(hashlib.sha256(question_id.encode()).hexdigest(), 16) % 2)


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def collect(
    searcher: Searcher,
    rows: list[dict[str, Any]],
    source: str,
    fold_of: Callable[[dict[str, Any]], str],
    unanswerable: bool = False,
) -> list[Record]:
    texts = [searcher.as_searched(check_question(row["question"])) for row in rows]  # as Searcher.search takes them
    records = []
    for row, text, (vector, asked) in zip(rows, texts, searcher.encode(texts), strict=True):
        candidates = searcher.candidates(text, vector, asked, topic=row.get("intent"))
        passages = [searcher.index.passages[int(p)] for p in candidates.positions]
        answerable = bool(row.get("answerable", True)) and not unanswerable
        gold: frozenset[Key] = frozenset()
        if answerable:
            paragraphs = row.get("paragraphs", [row.get("paragraph")])
            gold = frozenset((str(row["article"]), int(p)) for p in paragraphs)
        answers = tuple(normalised(a) for a in row.get("answers", []))
        labels = [
            [any(a in normalised(p.text[s.start : s.end]) for a in answers) for s in sentences]
            for p, sentences in zip(passages, candidates.sentences, strict=True)
        ]
        kind = "leave-article-out" if unanswerable else ("answerable" if answerable else str(row.get("kind", "old")))
        ruled = bool(
            searcher.unknown_names(text)
            or searcher.unquoted_names(text)
            or searcher.about_the_article(text)
            or searcher.unrelated_request(text)
            or searcher.unnamed_source_asked(text)
        )
        records.append(
            Record(source, fold_of(row), text, answerable, kind, gold, answers, candidates,
                   [p.text for p in passages], ruled, labels)
        )  # fmt: skip
    return records


# --- the fits ---------------------------------------------------------------------------------

# The sources the numbers are fitted on; "plain" (the seed set as plain search asks it) is scored only.
FITTED_SOURCES = frozenset({"seed", "xquad"})


def design(matrix: npt.NDArray[np.float64], names: Sequence[str], chosen: Sequence[str], standardised: frozenset[str]
           ) -> npt.NDArray[np.float64]:  # fmt: skip
    columns = []
    for name in chosen:
        values = matrix[:, names.index(name)]
        columns.append(standardise(values) if name in standardised else values)
    return np.column_stack(columns) if columns else np.zeros((len(matrix), 0))


def conditional_logit(
    groups: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], float]], size: int
) -> npt.NDArray[np.float64]:
    """Weights maximising the weighted mean log probability of each group's right rows under a softmax."""
    usable = [(x, y, w) for x, y, w in groups if y.any() and not y.all() and len(x) > 1]

    def loss(weights: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        total, gradient = 0.0, np.zeros_like(weights)
        for x, y, w in usable:
            scores = x @ weights
            scores -= scores.max()
            p = np.exp(scores)
            p /= p.sum()
            right = p[y].sum()
            total -= w * np.log(right + 1e-12)
            gradient -= w * ((x[y] * p[y][:, None]).sum(0) / (right + 1e-12) - p @ x)
        n = max(1e-9, sum(w for _, _, w in usable))
        return float(total / n + L2 * weights @ weights), gradient / n + 2 * L2 * weights

    return np.asarray(minimize(loss, np.zeros(size), jac=True, method="L-BFGS-B").x)


def source_weights(records: list[Record]) -> dict[str, float]:
    """Each source's answerable questions weigh as much in all as the other's: the seed set's
    readers' questions about news are what newsbot is for, XQuAD's are many more."""
    counts = {source: sum(1 for r in records if r.source == source and r.answerable) for source in ("seed", "xquad")}
    total = sum(counts.values())
    return {source: total / (2 * count) if count else 0.0 for source, count in counts.items()}


def fit_ranking(records: list[Record], chosen: Sequence[str]) -> RankingModel:
    records = [r for r in records if r.source in FITTED_SOURCES]
    weight = source_weights(records)
    groups = [
        (
            design(r.candidates.signals, RANKING_SIGNALS, chosen, STANDARDISED),
            np.array([k in r.gold for k in r.candidates.keys]),
            weight[r.source],
        )
        for r in records
        if r.answerable
    ]
    weights = conditional_logit(groups, len(chosen))
    return RankingModel({name: round(float(w), 4) for name, w in zip(chosen, weights, strict=True)})


def fit_highlight(records: list[Record], chosen: Sequence[str]) -> HighlightModel:
    groups = []
    for r in records:
        for row, key in enumerate(r.candidates.keys):
            if key in r.gold and any(r.sentence_labels[row]):
                matrix = sentence_signals(r.candidates.sentences[row])
                x = design(matrix, SENTENCE_SIGNALS, chosen, SENTENCE_STANDARDISED)
                groups.append((x, np.array(r.sentence_labels[row]), 1.0))
    weights = conditional_logit(groups, len(chosen))
    return HighlightModel({name: round(float(w), 4) for name, w in zip(chosen, weights, strict=True)})


NO_DECLINE = DeclineModel(0.0, {}, 0.0, EVIDENCE_HITS)


def highlighted(record: Record, row: int, models: Models) -> bool:
    """Whether the candidate's highlight holds a gold answer."""
    span = highlight_span(record.candidates, row, models, record.texts[row])
    return bool(span) and any(record.sentence_labels[row][span[0] : span[1] + 1])  # type: ignore[index]


def fit_decline(
    records: list[Record], ranking: RankingModel, highlight: HighlightModel, chosen: Sequence[str]
) -> DeclineModel:
    rows_x, labels = [], []
    partial = Models(ranking, highlight, NO_DECLINE)
    # Leave-paragraph-out questions are scored, not fitted on: fitted on, they lowered the
    # cross-validated share declined of every unanswerable kind, their own included (0.234 -> 0.209).
    for r in (r for r in records if r.kind != "leave-paragraph-out"):
        scores = ranking.scores(r.candidates.signals)
        top = ranked_rows(r.candidates.keys, scores, 1, r.excluded, r.candidates.voice)
        e = evidence_of(r.candidates, top[0], partial) if top else dict.fromkeys(chosen, 0.0)
        rows_x.append([e[name] for name in chosen])
        labels.append(1.0 if r.answerable else 0.0)
    x = np.column_stack([np.array(rows_x), np.ones(len(rows_x))])
    y = np.array(labels)

    def loss(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        p = 1 / (1 + np.exp(-np.clip(x @ w, -50, 50)))
        value = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)) + L2 * w[:-1] @ w[:-1]
        gradient = x.T @ (p - y) / len(y)
        gradient[:-1] += 2 * L2 * w[:-1]
        return float(value), gradient

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    model = DeclineModel(
        round(float(w[-1]), 4), {n: round(float(v), 4) for n, v in zip(chosen, w[:-1], strict=True)}, 0.0, EVIDENCE_HITS
    )
    # The threshold is set on the seed set's answerable questions: readers' questions about news,
    # whose evidence is weaker than Wikipedia questions' (XQuAD serves the model, not the threshold).
    # A confidence of 0 is the check that the best passages hold the kind of answer asked for
    # (search.decision_confidence): like the checks that need no model, it is outside the budget.
    answerable = (r for r in records if r.answerable and not r.ruled_out and r.source == "seed")
    threshold = threshold_below([confidence(r, ranking, highlight, model) for r in answerable])
    return DeclineModel(model.bias, model.coefficients, round(threshold, 6), EVIDENCE_HITS)


def threshold_below(confidences: Sequence[float]) -> float:
    """The threshold under which at most MAX_ANSWERABLE_DECLINED of the answerable questions whose
    `confidences` these are would be declined (those at 0 are declined by a check, outside the budget)."""
    sure = sorted(value for value in confidences if value > 0.0)
    return (sure[int(MAX_ANSWERABLE_DECLINED * len(sure))] if sure else 0.5) - 1e-6


def confidence(record: Record, ranking: RankingModel, highlight: HighlightModel, decline: DeclineModel) -> float:
    scores = ranking.scores(record.candidates.signals)
    return decision_confidence(record.candidates, scores, Models(ranking, highlight, decline), record.excluded)


def leave_paragraphs_out(records: list[Record]) -> list[Record]:
    """Each answerable XQuAD question again, as an on-topic one its article does not answer: the
    paragraphs that hold its answer are left out of the decision, the rest of the article stays."""
    derived = []
    for r in records:
        if r.source != "xquad" or not r.answerable or not r.answers:
            continue
        holding = {key for key, text in zip(r.candidates.keys, r.texts, strict=True)
                   if any(a in normalised(text) for a in r.answers)}  # fmt: skip
        left_out = frozenset(r.gold | holding)
        derived.append(replace(r, answerable=False, kind="leave-paragraph-out", gold=frozenset(), excluded=left_out))
    return records + derived


# --- scoring ----------------------------------------------------------------------------------


@dataclass
class Scores:
    hit1: list[bool] = field(default_factory=list)
    hit3: list[bool] = field(default_factory=list)
    highlight: list[bool] = field(default_factory=list)  # first hit's highlight holds an answer (XQuAD)
    within: list[bool] = field(default_factory=list)  # within the gold passage, the picked sentence holds one
    declined: dict[str, list[bool]] = field(default_factory=dict)
    confidences: dict[str, list[float]] = field(default_factory=dict)  # by kind, of questions no check ruled out

    def add(self, other: Scores) -> None:
        self.hit1 += other.hit1
        self.hit3 += other.hit3
        self.highlight += other.highlight
        self.within += other.within
        for kind, values in other.declined.items():
            self.declined.setdefault(kind, []).extend(values)
        for kind, numbers in other.confidences.items():
            self.confidences.setdefault(kind, []).extend(numbers)

    def separation(self, kind: str) -> float | None:
        """How well the confidence tells the source's answerable questions from `kind`, whatever
        the threshold: the chance that an answerable one scores above an unanswerable one (AUC)."""
        source = kind.split()[0]
        answerable = np.array(self.confidences.get(f"{source} answerable", []))
        other = np.array(self.confidences.get(kind, []))
        if not len(answerable) or not len(other):
            return None
        above = (answerable[:, None] > other[None, :]).mean() + 0.5 * (answerable[:, None] == other[None, :]).mean()
        return float(above)


def score(
    records: list[Record], models: Models | None, scorer: Callable[[Record], npt.NDArray[np.float64]] | None = None
) -> Scores:
    result = Scores()
    for r in records:
        scores = scorer(r) if scorer else models.ranking.scores(r.candidates.signals)  # type: ignore[union-attr]
        top = ranked_rows(r.candidates.keys, scores, 3)
        if r.answerable and r.gold:
            result.hit1.append(bool(top) and r.candidates.keys[top[0]] in r.gold)
            result.hit3.append(any(r.candidates.keys[row] in r.gold for row in top))
            if models is not None and r.answers and top:
                result.highlight.append(highlighted(r, top[0], models))
                gold_rows = [
                    row for row, key in enumerate(r.candidates.keys) if key in r.gold and any(r.sentence_labels[row])
                ]
                if gold_rows:
                    row = max(gold_rows, key=lambda g: scores[g])
                    result.within.append(highlighted(r, row, models))
        if models is not None:
            sure = confidence(r, models.ranking, models.highlight, models.decline)
            declined = r.ruled_out or sure < models.decline.threshold
            result.declined.setdefault(f"{r.source} {r.kind}", []).append(declined)
            if not r.ruled_out:
                result.confidences.setdefault(f"{r.source} {r.kind}", []).append(sure)
    return result


def rrf(record: Record) -> npt.NDArray[np.float64]:
    """Plain reciprocal-rank fusion of BM25 and dense ranks (k=60), no fitted number."""
    total = np.zeros(len(record.candidates.keys))
    for name in ("bm25", "dense"):
        values = record.candidates.signals[:, RANKING_SIGNALS.index(name)]
        ranks = np.argsort(np.argsort(-values, kind="stable"), kind="stable")
        total += 1.0 / (RRF_K + ranks + 1)
    return total


def scorer_of(ranking: RankingModel) -> Callable[[Record], npt.NDArray[np.float64]]:
    return lambda record: ranking.scores(record.candidates.signals)


def single(name: str) -> Callable[[Record], npt.NDArray[np.float64]]:
    return lambda r: r.candidates.signals[:, RANKING_SIGNALS.index(name)]


def fit_all(
    records: list[Record], ranking_signals: Sequence[str], highlight_signals: Sequence[str] = SENTENCE_SIGNALS
) -> Models:
    records = [r for r in records if r.source in FITTED_SOURCES]
    ranking = fit_ranking(records, ranking_signals)
    highlight = fit_highlight([r for r in records if r.source == "xquad"], highlight_signals)
    decline = fit_decline(records, ranking, highlight, EVIDENCE_SIGNALS)
    return Models(ranking, highlight, decline)


def backward_elimination(
    signals: Sequence[str], merit: Callable[[Sequence[str], str], float], target: str
) -> list[str]:
    """The signals kept when, one at a time, a signal whose removal does not lower the
    cross-validated `merit` (of signals, printed under a label) is dropped."""
    chosen = list(signals)
    best = merit(chosen, "fitted, all signals")
    changed = True
    while changed and len(chosen) > 1:
        changed = False
        for name in list(chosen):
            trial = [n for n in chosen if n != name]
            value = merit(trial, f"  without {name}")
            if value >= best:
                chosen, best, changed = trial, value, True
                print(f"    -> {name} dropped: it does not raise the cross-validated {target}")
                break
    print(f"  kept: {', '.join(chosen)}")
    return chosen


def rate(values: list[bool]) -> str:
    return f"{np.mean(values):.3f} (n={len(values)})" if values else "n/a"


def print_ranking(label: str, scores: dict[str, Scores]) -> None:
    """hit@1 and hit@3 per source: XQuAD, the seed set as the bot asks it, and as plain search does."""
    parts = [f"{source} hit@1 {np.mean(scores[source].hit1):.3f} hit@3 {np.mean(scores[source].hit3):.3f}"
             for source in SOURCES if scores.get(source) and scores[source].hit1]  # fmt: skip
    print(f"  {label:<34} {'   '.join(parts)}")


def by_source(
    records: list[Record], models: Models | None, scorer: Callable[[Record], npt.NDArray[np.float64]] | None = None
) -> dict[str, Scores]:
    return {source: score([r for r in records if r.source == source], models, scorer) for source in SOURCES}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad", type=Path, default=PROJECT_ROOT.parent / "shared" / "eval" / "xquad-dev")
    parser.add_argument("--write", action="store_true", help=f"write the numbers fitted on everything to {MODELS_PATH}")
    parser.add_argument("--cache", type=Path, help="keep the collected signals in this file, and reuse them")
    parser.add_argument(
        "--decline-only",
        action="store_true",
        help="fit the decline model alone, with the shipped ranking and highlight (--write: its numbers only)",
    )
    parser.add_argument(
        "--highlight-only",
        action="store_true",
        help="fit the highlight alone (its signals chosen again), with the shipped ranking and decline model "
        "(--write: its numbers only)",
    )
    args = parser.parse_args(argv)
    if args.cache and args.cache.is_file():
        records = pickle.loads(args.cache.read_bytes())
    else:
        records = collect_all(args.xquad)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(records))
    records = leave_paragraphs_out(records)
    if args.decline_only:
        return report_decline(records, args.write)
    return report_highlight(records, args.write) if args.highlight_only else report(records, args.write)


def collect_all(xquad: Path) -> list[Record]:
    model = get_settings().model
    scratch = Path(tempfile.mkdtemp(prefix="fit-models-"))

    def searcher_of(knowledge: Path, name: str) -> Searcher:
        build_index(knowledge, scratch / name, model, progress=False)
        return Searcher(load_index(scratch / name, model, knowledge), model)

    print("collecting signals ...", file=sys.stderr)
    seed_rows = [json.loads(line) for line in SEED_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    # The bot's NLU intent of each seed question (bench/nlu_intents.py): a topic's signals count
    # where the bot would use them.
    intent_lines = SEED_INTENTS.read_text(encoding="utf-8").splitlines() if SEED_INTENTS.is_file() else []
    intents = {row["id"]: row["intent"] for row in map(json.loads, filter(None, intent_lines))}
    seed_rows = [{**row, "intent": intents.get(row["id"])} for row in seed_rows]
    seed_searcher = searcher_of(PROJECT_ROOT / "knowledge", "seed")
    records = collect(seed_searcher, seed_rows, "seed", lambda row: seed_fold(row["id"]))
    plain_rows = [{**row, "intent": None} for row in seed_rows]
    records += collect(seed_searcher, plain_rows, "plain", lambda row: seed_fold(row["id"]))
    lines = (xquad / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    xquad_rows = [json.loads(line) for line in lines if line.strip()]
    articles = sorted({row["article"] for row in xquad_rows})
    fold_of_article = {article: f"xquad-{i % XQUAD_FOLDS}" for i, article in enumerate(articles)}
    records += collect(
        searcher_of(xquad / "articles", "xquad"), xquad_rows, "xquad", lambda row: fold_of_article[row["article"]]
    )
    for fold in sorted(set(fold_of_article.values())):
        left_out = {a for a, f in fold_of_article.items() if f == fold}
        knowledge = scratch / f"knowledge-{fold}"
        knowledge.mkdir()
        for article in articles:
            if article not in left_out:
                (knowledge / f"{article}.md").write_bytes((xquad / "articles" / f"{article}.md").read_bytes())
        fold_rows = [row for row in xquad_rows if row["article"] in left_out]
        records += collect(
            searcher_of(knowledge, fold), fold_rows, "xquad", lambda row: fold_of_article[row["article"]], True
        )
    return records


def report(records: list[Record], write: bool) -> int:
    folds = sorted({r.fold for r in records})
    seed_records = [r for r in records if r.source == "seed"]
    xquad_records = [r for r in records if r.source == "xquad"]

    print("\nRanking (hit@k of answerable questions; cv: fitted without the question's fold;")
    print("seed: as the bot asks, with its NLU's intent; plain: as newsbot ask and /api/ask do, without)")
    print_ranking("BM25 alone", by_source(records, None, single("bm25")))
    print_ranking("dense alone", by_source(records, None, single("dense")))
    print_ranking("plain RRF (BM25, dense), baseline", by_source(records, None, rrf))

    def ranking_cv(signals: Sequence[str]) -> dict[str, Scores]:
        totals = {source: Scores() for source in SOURCES}
        for fold in folds:
            model_ = fit_ranking([r for r in records if r.fold != fold], signals)
            for source, part in by_source([r for r in records if r.fold == fold], None, scorer_of(model_)).items():
                totals[source].add(part)
        return totals

    # Backward elimination: drop a signal whose removal does not lower the cross-validated hit@1
    # and hit@3 (the targets): XQuAD's, plus the seed set's as the mean of its two paths (the bot's
    # and plain search's: they rank with the same numbers), so each set counts as much.
    def ranking_merit(signals: Sequence[str], label: str) -> float:
        parts = ranking_cv(signals)
        print_ranking(f"{label}, cv", parts)

        def merit(source: str) -> float:
            return float(np.mean(parts[source].hit1) + np.mean(parts[source].hit3))

        return merit("xquad") + (merit("seed") + merit("plain")) / 2

    chosen = backward_elimination(RANKING_SIGNALS, ranking_merit, "hit@1 + hit@3")

    print("\nHighlight (XQuAD: the first hit's answering sentence holds a gold answer)")
    fold_rankings = {fold: fit_ranking([r for r in records if r.fold != fold], chosen) for fold in folds}

    # Backward elimination again: a sentence signal whose removal does not lower the
    # cross-validated end-to-end highlight goes.
    sentence_chosen = choose_highlight_signals(xquad_records, fold_rankings.__getitem__)
    everything = fit_all(records, chosen, sentence_chosen)
    in_sample = score(records, everything)
    print("\nThe kept signals: fitted on everything (in-sample) and without each fold (cv)")
    print_ranking("fitted, kept signals, in-sample", by_source(records, everything))
    cv_all = Scores()
    cv_by_source = {source: Scores() for source in SOURCES}
    for fold in folds:
        fitted_without = fit_all([r for r in records if r.fold != fold], chosen, sentence_chosen)
        for source, part in by_source([r for r in records if r.fold == fold], fitted_without).items():
            cv_all.add(part)
            cv_by_source[source].add(part)
    print_ranking("fitted, kept signals, cv", cv_by_source)

    untuned = Models(everything.ranking, HighlightModel({"maxsim": 1.0, "coverage": 1.0}), everything.decline)
    print(f"  untuned (MaxSim + word overlap): end to end {rate(score(xquad_records, untuned).highlight)}, "
          f"within the gold paragraph {rate(score(xquad_records, untuned).within)}")  # fmt: skip
    print(f"  fitted, kept signals, in-sample: end to end {rate(in_sample.highlight)}, within {rate(in_sample.within)}")
    print(f"  fitted, kept signals, cv:        end to end {rate(cv_all.highlight)}, within {rate(cv_all.within)}")

    print_declines(
        f"Decline (share declined; threshold: at most {MAX_ANSWERABLE_DECLINED:.1%} of the fitting set's answerable)",
        cv_all,
        in_sample,
    )

    fitted = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "by": "bench/fit_models.py",
        "data": {"seed": len(seed_records), "xquad": len(xquad_records)},
        "cv": {
            "xquad_hit1": round(float(np.mean(cv_by_source["xquad"].hit1)), 4),
            "xquad_hit3": round(float(np.mean(cv_by_source["xquad"].hit3)), 4),
            "seed_hit1": round(float(np.mean(cv_by_source["seed"].hit1)), 4),
            "seed_hit3": round(float(np.mean(cv_by_source["seed"].hit3)), 4),
            "plain_hit1": round(float(np.mean(cv_by_source["plain"].hit1)), 4),
            "plain_hit3": round(float(np.mean(cv_by_source["plain"].hit3)), 4),
            "highlight_end_to_end": round(float(np.mean(cv_all.highlight)), 4),
            "declined": {kind: round(float(np.mean(values)), 4) for kind, values in cv_all.declined.items()},
        },
    }
    if write:
        models = Models(everything.ranking, everything.highlight, everything.decline, fitted)
        MODELS_PATH.write_text(json.dumps(models.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {MODELS_PATH}")
    return 0


def print_declines(label: str, cv: Scores, in_sample: Scores) -> None:
    print(f"\n{label}")
    for kind in sorted(in_sample.declined):
        print(f"  {kind:<30} cv {rate(cv.declined.get(kind, []))}   in-sample {rate(in_sample.declined[kind])}")
    print("  separation from the same set's answerable (AUC of the confidence, questions no check rules out):")
    for kind in sorted(k for k in in_sample.confidences if not k.endswith(" answerable")):
        cv_auc, in_auc = cv.separation(kind), in_sample.separation(kind)
        shown = f"{cv_auc:.3f}" if cv_auc is not None else "n/a"
        if in_auc is not None:
            print(f"  {kind:<30} cv {shown}   in-sample {in_auc:.3f}")


def choose_highlight_signals(xquad_records: list[Record], ranking_of: Callable[[str], RankingModel]) -> list[str]:
    """The sentence signals backward elimination keeps on XQuAD's cross-validated end-to-end
    highlight: each fold's highlight fitted without it, its questions ranked by `ranking_of(fold)`."""
    answered = [r for r in xquad_records if r.answerable]

    def merit(signals: Sequence[str], label: str) -> float:
        total = Scores()
        for fold in sorted({r.fold for r in answered}):
            highlight = fit_highlight([r for r in xquad_records if r.fold != fold], signals)
            total.add(score([r for r in answered if r.fold == fold], Models(ranking_of(fold), highlight, NO_DECLINE)))
        value = float(np.mean(total.highlight))
        print(f"  {label}, cv: end to end {value:.4f}")
        return value

    return backward_elimination(SENTENCE_SIGNALS, merit, "highlight")


def report_highlight(records: list[Record], write: bool) -> int:
    """The highlight alone refitted, with the ranking and decline model that ship: its sentence
    signals chosen again by backward elimination on XQuAD's cross-validated end-to-end figure. The
    decline model weighs the highlighted sentence's evidence, so its figures are printed with the
    refitted highlight: as shipped, and refitted with it (cross-validated by fold), to show what a
    refit of both would do; --write replaces only the highlight's numbers."""
    shipped = default_models()
    fitted_on = [r for r in records if r.source in FITTED_SOURCES]
    xquad_records = [r for r in records if r.source == "xquad"]
    answered = [r for r in xquad_records if r.answerable]
    as_shipped = score(answered, replace(shipped, decline=NO_DECLINE))
    print("Highlight with the shipped ranking (XQuAD: the first hit's answering sentence holds a gold answer)")
    print(f"  as shipped ({', '.join(shipped.highlight.weights)}): end to end {rate(as_shipped.highlight)}, "
          f"within the gold paragraph {rate(as_shipped.within)}")  # fmt: skip

    chosen = choose_highlight_signals(xquad_records, lambda fold: shipped.ranking)
    highlight = fit_highlight(xquad_records, chosen)
    cv = Scores()
    cv_both = Scores()
    for fold in sorted({r.fold for r in records}):
        fold_highlight = fit_highlight([r for r in xquad_records if r.fold != fold], chosen)
        fold_records = [r for r in records if r.fold == fold]
        cv.add(score(fold_records, replace(shipped, highlight=fold_highlight)))
        fitting = [r for r in fitted_on if r.fold != fold]
        decline = fit_decline(fitting, shipped.ranking, fold_highlight, EVIDENCE_SIGNALS)
        cv_both.add(score(fold_records, Models(shipped.ranking, fold_highlight, decline)))
    refitted = replace(shipped, highlight=highlight)
    in_sample = score(records, refitted)
    print(f"  refitted, in-sample: end to end {rate(in_sample.highlight)}, within {rate(in_sample.within)}")
    print(f"  refitted, cv:        end to end {rate(cv.highlight)}, within {rate(cv.within)}")
    print_declines("Decline as shipped, with the shipped highlight (in-sample)", Scores(), score(records, shipped))
    print_declines("Decline as shipped, with the refitted highlight (cv: the highlight fitted without the fold)", cv,
                   in_sample)  # fmt: skip
    both = Models(shipped.ranking, highlight, fit_decline(fitted_on, shipped.ranking, highlight, EVIDENCE_SIGNALS))
    print_declines("Decline refitted too (not written)", cv_both, score(records, both))
    if write:
        when = datetime.now(UTC).strftime("%Y-%m-%d")
        highlight_cv = {"highlight_end_to_end": round(float(np.mean(cv.highlight)), 4)}
        fitted = {
            **shipped.fitted,
            "highlight": {"date": when, "by": "bench/fit_models.py --highlight-only", "cv": highlight_cv},
        }
        models = replace(refitted, fitted=fitted)
        MODELS_PATH.write_text(json.dumps(models.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {MODELS_PATH} (the highlight's numbers only)")
    return 0


def report_decline(records: list[Record], write: bool) -> int:
    """The decline model alone, refitted with the ranking and highlight that ship (the passages it
    weighs are those the bot shows): the shipped model's figures, then the refitted one's,
    cross-validated by fold and in-sample; --write replaces only the decline model's numbers."""
    shipped = default_models()
    fitted_on = [r for r in records if r.source in FITTED_SOURCES]
    print(f"Decline with the shipped ranking and highlight (threshold: at most {MAX_ANSWERABLE_DECLINED:.1%} "
          "of the fitting set's answerable)")  # fmt: skip
    print_declines("as shipped (in-sample where it was fitted on these questions)", Scores(), score(records, shipped))
    cv = Scores()
    for fold in sorted({r.fold for r in records}):
        without = fit_decline(
            [r for r in fitted_on if r.fold != fold], shipped.ranking, shipped.highlight, EVIDENCE_SIGNALS
        )
        cv.add(score([r for r in records if r.fold == fold], replace(shipped, decline=without)))
    refitted = fit_decline(fitted_on, shipped.ranking, shipped.highlight, EVIDENCE_SIGNALS)
    print_declines("refitted", cv, score(records, replace(shipped, decline=refitted)))
    if write:
        declined = {kind: round(float(np.mean(values)), 4) for kind, values in cv.declined.items()}
        when = datetime.now(UTC).strftime("%Y-%m-%d")
        fitted = {
            **shipped.fitted,
            "decline": {"date": when, "by": "bench/fit_models.py --decline-only", "cv": declined},
        }
        models = replace(shipped, decline=refitted, fitted=fitted)
        MODELS_PATH.write_text(json.dumps(models.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {MODELS_PATH} (the decline model's numbers only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
