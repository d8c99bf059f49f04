"""The "not in the articles" decision: a logistic model of the best hits' scores.

Features of a hit: the cosine similarity of the question and the passage, and the share of the
question's IDF mass the passage contains. The confidence is the highest probability among the
first EVIDENCE_HITS hits (the best-ranked passage need not be the best evidence). The coefficients were fitted by
`bench/calibrate_decline.py` on the seed dev set (answerable and unanswerable questions) and
on XQuAD dev questions asked both of their own articles (answerable) and of an index without
their article (unanswerable); that script prints the figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BIAS = -8.201
DENSE_COEFFICIENT = 13.415
COVERAGE_COEFFICIENT = 7.930
THRESHOLD = 0.20
EVIDENCE_HITS = 3


@dataclass(frozen=True)
class DeclineModel:
    bias: float = BIAS
    dense_coefficient: float = DENSE_COEFFICIENT
    coverage_coefficient: float = COVERAGE_COEFFICIENT
    threshold: float = THRESHOLD

    def probability(self, dense: float, coverage: float) -> float:
        """Probability that the articles answer the question."""
        logit = self.bias + self.dense_coefficient * dense + self.coverage_coefficient * coverage
        return 1.0 / (1.0 + math.exp(-logit))

    def confidence(self, evidence: Sequence[tuple[float, float]]) -> float:
        """Probability that the articles answer the question, from (dense, coverage) of the best hits."""
        return max((self.probability(d, c) for d, c in evidence[:EVIDENCE_HITS]), default=0.0)
