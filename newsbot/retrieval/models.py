"""The fitted numbers of retrieval, in one data file (data/models.json) written by
`bench/fit_models.py`, which fits them on the dev sets and prints their cross-validated figures:

- ranking: a weighted sum of a few general signals of a passage, each continuous one standardised
  over the question's candidates (named fusion, no per-question boosts);
- highlight: a weighted sum of signals of each sentence of a passage: the best sentence is the
  one that answers;
- decline: a logistic model of the evidence of the best passages and their answering sentences,
  with the threshold under which a question is declined.

No number is chosen here by hand; bench/fit_models.py says how each is fitted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

MODELS_FILE = "models.json"

# The signals, by name (newsbot.retrieval.search computes them).
RANKING_SIGNALS = (
    "bm25", "dense", "coverage", "maxsim", "answer_kind", "speaker", "acronym", "topic_voice", "topic_words"
)  # fmt: skip
# Signals standardised over the candidates before they are weighed (the others are 0 or 1, or a share).
STANDARDISED = frozenset({"bm25", "dense", "coverage", "maxsim", "topic_words"})
SENTENCE_SIGNALS = ("maxsim", "coverage", "answer_kind", "weakest", "unmatched", "dense")
SENTENCE_STANDARDISED = frozenset({"maxsim", "coverage", "weakest", "dense"})
EVIDENCE_SIGNALS = ("maxsim", "unmatched", "weakest", "coverage", "dense", "lacks_kind")


def standardise(column: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    spread = float(column.std())
    return (column - column.mean()) / spread if spread > 1e-9 else np.zeros_like(column)


def weighed(
    matrix: npt.NDArray[np.float64], names: Sequence[str], weights: Mapping[str, float], standardised: frozenset[str]
) -> npt.NDArray[np.float64]:
    """Each row's score: the weighted sum of its signals, the `standardised` ones over the rows."""
    scores = np.zeros(len(matrix), dtype=np.float64)
    for column, name in enumerate(names):
        weight = weights.get(name, 0.0)
        if weight:
            values = matrix[:, column]
            scores += weight * (standardise(values) if name in standardised else values)
    return scores


@dataclass(frozen=True)
class RankingModel:
    weights: dict[str, float]

    def scores(self, matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """One score per candidate; `matrix` holds RANKING_SIGNALS in columns. A question asking
        what an acronym stands for is answered by the passages that write out the name its
        articles give it (the `acronym` signal), whatever the weights: its answer is a name that
        none of its own words match ("what does jlc stand for": "Jewish Leadership Council" came
        eighth, after seven passages that write "JLC")."""
        scores = weighed(matrix, RANKING_SIGNALS, self.weights, STANDARDISED)
        spelled_out = matrix[:, RANKING_SIGNALS.index("acronym")] > 0
        if spelled_out.any():
            scores = np.where(spelled_out, scores + (scores.max() - scores.min() + 1.0), scores)
        return scores


@dataclass(frozen=True)
class HighlightModel:
    weights: dict[str, float]

    def scores(self, matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """One score per sentence of a passage; `matrix` holds SENTENCE_SIGNALS in columns."""
        return weighed(matrix, SENTENCE_SIGNALS, self.weights, SENTENCE_STANDARDISED)


@dataclass(frozen=True)
class DeclineModel:
    bias: float
    coefficients: dict[str, float]
    threshold: float  # a question whose confidence is below it is declined
    evidence_hits: int  # the confidence is the highest over this many best passages

    def probability(self, evidence: Mapping[str, float]) -> float:
        """Probability that the articles answer the question, from one passage's evidence."""
        logit = self.bias + sum(weight * evidence.get(name, 0.0) for name, weight in self.coefficients.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))

    def confidence(self, evidence: Sequence[Mapping[str, float]]) -> float:
        return max((self.probability(item) for item in evidence[: self.evidence_hits]), default=0.0)


@dataclass(frozen=True)
class Models:
    ranking: RankingModel
    highlight: HighlightModel
    decline: DeclineModel
    fitted: dict[str, Any] = field(default_factory=dict)  # how and on what they were fitted, and the figures

    def to_json(self) -> dict[str, Any]:
        return {
            "ranking": {"weights": self.ranking.weights},
            "highlight": {"weights": self.highlight.weights},
            "decline": {
                "bias": self.decline.bias,
                "coefficients": self.decline.coefficients,
                "threshold": self.decline.threshold,
                "evidence_hits": self.decline.evidence_hits,
            },
            "fitted": self.fitted,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Models:
        decline = data["decline"]
        return cls(
            RankingModel({str(k): float(v) for k, v in data["ranking"]["weights"].items()}),
            HighlightModel({str(k): float(v) for k, v in data["highlight"]["weights"].items()}),
            DeclineModel(
                float(decline["bias"]),
                {str(k): float(v) for k, v in decline["coefficients"].items()},
                float(decline["threshold"]),
                int(decline["evidence_hits"]),
            ),
            dict(data.get("fitted", {})),
        )


@lru_cache(maxsize=1)
def default_models() -> Models:
    """The models shipped with newsbot (data/models.json), read on first use."""
    text = resources.files("newsbot.retrieval").joinpath("data", MODELS_FILE).read_text(encoding="utf-8")
    return Models.from_json(json.loads(text))
