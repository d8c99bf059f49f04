"""The fitted models (newsbot.retrieval.models): named signals, standardised fusion, the shipped
numbers, and the decision they make on the real seed index."""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsbot.retrieval.models import (
    EVIDENCE_SIGNALS,
    RANKING_SIGNALS,
    SENTENCE_SIGNALS,
    DeclineModel,
    Models,
    RankingModel,
    default_models,
    standardise,
)
from newsbot.retrieval.search import Searcher, decision_confidence


def test_the_shipped_models_name_only_known_signals_and_say_how_they_were_fitted() -> None:
    models = default_models()
    assert set(models.ranking.weights) <= set(RANKING_SIGNALS) and models.ranking.weights
    assert set(models.highlight.weights) <= set(SENTENCE_SIGNALS) and models.highlight.weights
    assert set(models.decline.coefficients) <= set(EVIDENCE_SIGNALS)
    assert 0 < models.decline.threshold < 1
    assert models.fitted["by"] == "bench/fit_models.py"
    assert models.fitted["cv"]["xquad_hit1"] >= 0.95  # the cross-validated figure the bench reported


def test_models_survive_their_json() -> None:
    models = default_models()
    again = Models.from_json(json.loads(json.dumps(models.to_json())))
    assert again == models


def test_standardised_signals_do_not_depend_on_their_scale() -> None:
    model = RankingModel({"bm25": 1.0, "dense": 0.5})
    matrix = np.zeros((4, len(RANKING_SIGNALS)))
    matrix[:, RANKING_SIGNALS.index("bm25")] = [1.0, 2.0, 3.0, 4.0]
    matrix[:, RANKING_SIGNALS.index("dense")] = [0.4, 0.3, 0.2, 0.1]
    scaled = matrix.copy()
    scaled[:, RANKING_SIGNALS.index("bm25")] *= 100
    assert np.allclose(model.scores(matrix), model.scores(scaled))
    assert np.allclose(standardise(np.array([5.0, 5.0])), 0.0)  # no spread: no information


def test_an_unweighted_signal_does_not_count() -> None:
    matrix = np.random.default_rng(0).random((5, len(RANKING_SIGNALS)))
    with_speaker = RankingModel({"coverage": 1.0})
    shuffled = matrix.copy()
    shuffled[:, RANKING_SIGNALS.index("speaker")] = shuffled[::-1, RANKING_SIGNALS.index("speaker")]
    assert np.allclose(with_speaker.scores(matrix), with_speaker.scores(shuffled))


def test_confidence_is_the_best_of_the_first_evidence() -> None:
    model = DeclineModel(bias=-2.0, coefficients={"maxsim": 4.0}, threshold=0.5, evidence_hits=2)
    weak, strong = {"maxsim": 0.1}, {"maxsim": 0.9}
    assert model.confidence([weak, strong]) == pytest.approx(model.probability(strong))
    assert model.confidence([weak, weak, strong]) == pytest.approx(model.probability(weak))
    assert model.confidence([]) == 0.0
    assert model.probability({"maxsim": 100.0}) <= 1.0  # no overflow


def test_search_decides_with_the_shipped_decline_model(seed_searcher: Searcher) -> None:
    question = "Who attended the meeting?"
    ((vector, asked),) = seed_searcher.encode([question])
    candidates = seed_searcher.candidates(question, vector, asked)
    scores = seed_searcher.models.ranking.scores(candidates.signals)
    result = seed_searcher.search(question, k=3)
    assert result.confidence == pytest.approx(decision_confidence(candidates, scores, seed_searcher.models), abs=1e-4)
    assert result.answerable is (result.confidence >= seed_searcher.models.decline.threshold)
