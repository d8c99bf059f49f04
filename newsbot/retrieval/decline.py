"""The "not in the articles" decision: a logistic model of the best hits' evidence.

Evidence of a hit: the cosine similarity of the question and the passage, the share of the
question's IDF mass the passage contains, and whether the passage lacks the kind of answer the
question asks for (no time for a "when", no number for a "how many"; see `answer_types`). The
confidence is the highest probability among the first EVIDENCE_HITS hits (the best-ranked passage
need not be the best evidence). The coefficients were fitted by `bench/calibrate_decline.py` on
the seed dev set (answerable and unanswerable questions) and on XQuAD dev questions asked both of
their own articles (answerable) and of an index without their article (unanswerable); that script
prints the figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

BIAS = -8.672
DENSE_COEFFICIENT = 13.832
COVERAGE_COEFFICIENT = 8.621
LACKS_ANSWER_TYPE_COEFFICIENT = -3.663
THRESHOLD = 0.19
EVIDENCE_HITS = 3


class Evidence(NamedTuple):
    dense: float  # cosine similarity of question and passage
    coverage: float  # share of the question's IDF mass the passage holds
    lacks_answer_type: bool = False  # the question asks for a kind of answer the passage does not hold


@dataclass(frozen=True)
class DeclineModel:
    bias: float = BIAS
    dense_coefficient: float = DENSE_COEFFICIENT
    coverage_coefficient: float = COVERAGE_COEFFICIENT
    threshold: float = THRESHOLD
    lacks_answer_type_coefficient: float = LACKS_ANSWER_TYPE_COEFFICIENT

    def probability(self, evidence: Evidence) -> float:
        """Probability that the articles answer the question, from one hit's evidence."""
        logit = (
            self.bias
            + self.dense_coefficient * evidence.dense
            + self.coverage_coefficient * evidence.coverage
            + self.lacks_answer_type_coefficient * evidence.lacks_answer_type
        )
        return 1.0 / (1.0 + math.exp(-logit))

    def confidence(self, evidence: Sequence[Evidence]) -> float:
        """Probability that the articles answer the question, from the evidence of the best hits."""
        return max((self.probability(e) for e in evidence[:EVIDENCE_HITS]), default=0.0)
