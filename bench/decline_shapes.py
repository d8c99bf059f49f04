"""Whether a model of another shape tells unanswerable questions from answerable ones better than
the decline model that ships (a logistic model of the best passages' evidence), from the same
evidence, with bench/fit_models.py's protocol and folds.

    .venv/bin/python bench/decline_shapes.py [--xquad ../shared/eval/xquad-dev] [--cache F]

The ranking and highlight that ship choose the passages; every shape is fitted on the same
questions as the shipped one (the seed set as the bot asks it, XQuAD, and XQuAD's
leave-article-out questions; "+ leave-paragraph-out" fits on XQuAD's on-topic unanswerable
questions too), its threshold set the same way (at most fit_models.MAX_ANSWERABLE_DECLINED of the
fitting seed set's answerable questions declined), and it is scored on the folds it was not fitted
on ("cv"), then on everything ("in"). The shapes:

- logistic: the shipped model, fitted by fit_models.fit_decline;
- products: a logistic model of the standardised evidence and every product of two of its signals;
- trees: gradient-boosted trees of depth 3 (scikit-learn's HistGradientBoostingClassifier);
- evidence + probe: a logistic model of the evidence and of a linear probe of MiniLM's sentence
  vectors (of the question and of each weighed passage's answering sentence: their product and
  their distance), the probe fitted on the fitting questions' answering sentences against the
  best sentences of on-topic unanswerable ones (the seed set's and leave-paragraph-out).

Beside the share declined of each kind, the AUC says how well each shape's confidence separates the
seed set's on-topic unanswerable questions from its answerable ones, whatever the threshold.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import fit_models as fm
import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from newsbot.retrieval.embeddings import embed
from newsbot.retrieval.models import EVIDENCE_SIGNALS, Models, default_models
from newsbot.retrieval.search import best_sentence, decision_rows, evidence_of, ranked_rows, unheld_kind
from newsbot.settings import PROJECT_ROOT, get_settings

KINDS = (
    "seed answerable", "seed on-topic", "seed old", "xquad answerable", "xquad leave-article-out",
    "xquad leave-paragraph-out",
)  # fmt: skip


@dataclass(frozen=True)
class Asked:
    """A question with the evidence its decision weighs."""

    record: fm.Record
    evidence: npt.NDArray[np.float64]  # one row per passage the decision weighs, EVIDENCE_SIGNALS in columns
    best: npt.NDArray[np.float64]  # the best passage's evidence: what a model is fitted on
    unheld: bool  # no passage weighed holds the kind of answer asked for: declined whatever the model
    # Each weighed passage's answering sentence, and the first of them that answers (of a gold
    # paragraph; in XQuAD, holding a gold answer).
    sentences: tuple[str, ...] = ()
    answering: int | None = None
    # Per weighed passage: MiniLM's vectors of the question and of its answering sentence as the
    # probe reads them (their product and their distance); and the best passage's.
    pairs: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    best_pair: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


# A fitted shape: each question's confidence, and the threshold under which it is declined.
Fitted = tuple[Callable[[Asked], float], float]


def asked(record: fm.Record, models: Models) -> Asked:
    scores = models.ranking.scores(record.candidates.signals)
    rows = decision_rows(record.candidates, scores, models, record.excluded)
    top = ranked_rows(record.candidates.keys, scores, 1, record.excluded, record.candidates.voice)

    def vector(row: int) -> list[float]:
        evidence = evidence_of(record.candidates, row, models)
        return [evidence[name] for name in EVIDENCE_SIGNALS]

    evidence = np.array([vector(row) for row in rows]) if rows else np.zeros((0, len(EVIDENCE_SIGNALS)))
    best = np.array(vector(top[0])) if top else np.zeros(len(EVIDENCE_SIGNALS))
    sentences: list[str] = []
    answering = None
    for row in rows:
        sentence = best_sentence(record.candidates, row, models)
        start, end = (sentence.start, sentence.end) if sentence else (0, len(record.texts[row]))
        sentences.append(record.texts[row][start:end])
        labels = record.sentence_labels[row] if record.sentence_labels else []
        holds = sentence is not None and bool(labels) and labels[record.candidates.sentences[row].index(sentence)]
        if answering is None and record.candidates.keys[row] in record.gold and (holds or record.source != "xquad"):
            answering = len(sentences) - 1
    unheld = bool(unheld_kind(record.candidates, rows)) or not rows
    return Asked(record, evidence, best, unheld, tuple(sentences), answering)


def with_pairs(questions: Sequence[Asked], model: str) -> list[Asked]:
    """The questions with their probe's pairs: MiniLM's sentence vectors of each question and of
    its weighed passages' answering sentences, as their product and their distance."""
    texts = sorted({a.record.question for a in questions} | {text for a in questions for text in a.sentences})
    vectors = dict(zip(texts, embed(model, texts, progress=True), strict=True))
    width = 2 * len(next(iter(vectors.values())))

    def pair(question: str, sentence: str) -> npt.NDArray[np.float64]:
        q, s = vectors[question].astype(np.float64), vectors[sentence].astype(np.float64)
        return np.concatenate([q * s, np.abs(q - s)])

    result = []
    for a in questions:
        pairs = np.array([pair(a.record.question, text) for text in a.sentences]).reshape(-1, width)
        result.append(replace(a, pairs=pairs, best_pair=pairs[0] if len(pairs) else np.zeros(width)))
    return result


def threshold_of(fitting: Sequence[Asked], confidence: Callable[[Asked], float]) -> float:
    """As fit_models.fit_decline sets it: on the fitting seed set's answerable questions."""
    answerable = [a for a in fitting if a.record.answerable and not a.record.ruled_out and a.record.source == "seed"]
    return fm.threshold_below([confidence(a) for a in answerable])


def products(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    pairs = [x[:, i] * x[:, j] for i in range(x.shape[1]) for j in range(i + 1, x.shape[1])]
    return np.column_stack([x, *pairs]) if pairs else x


def fitted_on(fitting: Sequence[Asked], paragraphs_out: bool) -> list[Asked]:
    return [a for a in fitting if a.record.source in fm.FITTED_SOURCES
            and (paragraphs_out or a.record.kind != "leave-paragraph-out")]  # fmt: skip


# A question's evidence as a shape weighs it: of each weighed passage, and of the best passage.
Columns = Callable[[Asked], tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]


def evidence_only(a: Asked) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    return a.evidence, a.best


def learned(
    fitting: Sequence[Asked],
    paragraphs_out: bool,
    model: Callable[[], object],
    expand: bool,
    columns: Columns = evidence_only,
) -> Fitted:
    rows = fitted_on(fitting, paragraphs_out)
    x = np.array([columns(a)[1] for a in rows])
    y = np.array([a.record.answerable for a in rows], dtype=int)
    scaler = StandardScaler().fit(x)

    def features(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        scaled = scaler.transform(values)
        return products(scaled) if expand else scaled

    estimator = model()
    estimator.fit(features(x), y)  # type: ignore[attr-defined]

    def confidence(a: Asked) -> float:
        if a.unheld:
            return 0.0
        return float(estimator.predict_proba(features(columns(a)[0]))[:, 1].max())  # type: ignore[attr-defined]

    return confidence, threshold_of(fitting, confidence)


def logistic(fitting: Sequence[Asked], paragraphs_out: bool, models: Models) -> Fitted:
    """The shipped shape, fitted by fit_models itself."""
    if paragraphs_out:  # fit_decline leaves these out; here they are relabelled as another kind it fits on
        records = [a.record for a in fitted_on(fitting, True)]
        records = [replace(r, kind="leave-paragraph-out fitted") if r.kind == "leave-paragraph-out" else r
                   for r in records]  # fmt: skip
    else:
        records = [a.record for a in fitted_on(fitting, False)]
    decline = fm.fit_decline(records, models.ranking, models.highlight, EVIDENCE_SIGNALS)

    def confidence(a: Asked) -> float:
        return fm.confidence(a.record, models.ranking, models.highlight, decline)

    return confidence, decline.threshold


def probed(fitting: Sequence[Asked], paragraphs_out: bool, _: Models) -> Fitted:
    """The evidence and a linear probe of MiniLM's vectors in one logistic model; the probe is
    fitted on the fitting questions' hard pairs: an answerable question and its answering
    sentence, an on-topic unanswerable one and its best sentence."""
    x, y = [], []
    for a in fitted_on(fitting, True):
        if a.record.answerable and a.answering is not None:
            x.append(a.pairs[a.answering])
            y.append(1)
        elif not a.record.answerable and a.record.kind not in ("off-topic", "leave-article-out") and len(a.pairs):
            x.append(a.pairs[0])
            y.append(0)
    probe = LogisticRegression(C=0.1, max_iter=3000).fit(np.array(x), np.array(y))

    def columns(a: Asked) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        rows = probe.predict_proba(a.pairs)[:, 1] if len(a.pairs) else np.zeros(0)
        best = probe.predict_proba(a.best_pair[None, :])[0, 1]
        return np.column_stack([a.evidence, rows]), np.append(a.best, best)

    return learned(fitting, paragraphs_out, lambda: LogisticRegression(max_iter=2000), False, columns)


SHAPES: dict[str, Callable[[Sequence[Asked], bool, Models], Fitted]] = {
    "logistic": logistic,
    "products": lambda fitting, out, _: learned(fitting, out, lambda: LogisticRegression(max_iter=2000), True),
    "trees": lambda fitting, out, _: learned(
        fitting,
        out,
        lambda: HistGradientBoostingClassifier(
            max_depth=3, learning_rate=0.05, max_iter=200, min_samples_leaf=20, l2_regularization=1.0, random_state=0
        ),
        False,
    ),
    "evidence + probe": probed,
}


def scored(questions: Sequence[Asked], fit: Fitted) -> tuple[dict[str, list[bool]], dict[str, list[float]]]:
    confidence, threshold = fit
    declined: dict[str, list[bool]] = {}
    confidences: dict[str, list[float]] = {}
    for a in questions:
        kind = f"{a.record.source} {a.record.kind}"
        sure = confidence(a)
        declined.setdefault(kind, []).append(a.record.ruled_out or sure < threshold)
        if not a.record.ruled_out:
            confidences.setdefault(kind, []).append(sure)
    return declined, confidences


def separation(confidences: dict[str, list[float]], kind: str) -> float:
    answerable = np.array(confidences["seed answerable"])
    other = np.array(confidences[kind])
    return float((answerable[:, None] > other[None, :]).mean() + 0.5 * (answerable[:, None] == other[None, :]).mean())


def line(label: str, declined: dict[str, list[bool]], confidences: dict[str, list[float]]) -> str:
    shares = "  ".join(f"{np.mean(declined[kind]):.3f}" for kind in KINDS)
    return f"  {label:<5} {shares}   AUC {separation(confidences, 'seed on-topic'):.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad", type=Path, default=PROJECT_ROOT.parent / "shared" / "eval" / "xquad-dev")
    parser.add_argument("--cache", type=Path, help="bench/fit_models.py's cache of the collected signals")
    args = parser.parse_args(argv)
    if args.cache and args.cache.is_file():
        # fit_models.py, run as a script, pickles its records as __main__.Record
        sys.modules["__main__"].Record = fm.Record  # type: ignore[attr-defined]
        records = pickle.loads(args.cache.read_bytes())
    else:
        records = fm.collect_all(args.xquad)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(records))
    models = default_models()
    questions = with_pairs([asked(r, models) for r in fm.leave_paragraphs_out(records)], get_settings().model)
    folds = sorted({a.record.fold for a in questions})
    print("share declined: " + " | ".join(KINDS) + ";  AUC: seed on-topic against seed answerable")
    for name, shape in SHAPES.items():
        for paragraphs_out in (False, True):
            print(f"{name}{' + leave-paragraph-out' if paragraphs_out else ''}")
            declined: dict[str, list[bool]] = {}
            confidences: dict[str, list[float]] = {}
            for fold in folds:
                fit = shape([a for a in questions if a.record.fold != fold], paragraphs_out, models)
                fold_declined, fold_confidences = scored([a for a in questions if a.record.fold == fold], fit)
                for kind, values in fold_declined.items():
                    declined.setdefault(kind, []).extend(values)
                for kind, numbers in fold_confidences.items():
                    confidences.setdefault(kind, []).extend(numbers)
            print(line("cv", declined, confidences))
            print(line("in", *scored(questions, shape(questions, paragraphs_out, models))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
