"""Tests for the decline model: its evidence and its decision on the seed index."""

from __future__ import annotations

import pytest

from newsbot.retrieval.decline import EVIDENCE_HITS, DeclineModel, Evidence
from newsbot.retrieval.search import Searcher


def test_more_similarity_and_coverage_mean_more_confidence() -> None:
    model = DeclineModel()
    assert model.probability(Evidence(0.6, 0.8)) > model.probability(Evidence(0.3, 0.8))
    assert model.probability(Evidence(0.5, 0.9)) > model.probability(Evidence(0.5, 0.2))


def test_a_passage_lacking_the_kind_of_answer_asked_for_is_weaker_evidence() -> None:
    model = DeclineModel()
    assert model.lacks_answer_type_coefficient < 0
    assert model.probability(Evidence(0.5, 0.6, lacks_answer_type=True)) < model.probability(Evidence(0.5, 0.6))


def test_confidence_is_the_best_of_the_first_hits() -> None:
    model = DeclineModel()
    weak, strong = Evidence(0.1, 0.1), Evidence(0.6, 0.9)
    assert model.confidence([weak, strong]) == pytest.approx(model.probability(strong))
    assert model.confidence([weak] * EVIDENCE_HITS + [strong]) == pytest.approx(model.probability(weak))
    assert model.confidence([]) == 0.0


def test_search_confidence_follows_the_model(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("Who attended the meeting?", k=EVIDENCE_HITS)
    evidence = [Evidence(hit.dense, hit.coverage, hit.lacks_answer_type) for hit in result.hits]
    # Hits carry rounded figures; the decision uses the exact ones.
    assert result.confidence == pytest.approx(seed_searcher.decline.confidence(evidence), abs=1e-2)
    assert result.answerable


@pytest.mark.parametrize(
    "question",
    [
        "What did Mark Gardner say about Labour?",  # named in the article, never quoted
        "What is the capital of France?",
        "What did Theresa May say about the meeting?",
    ],
)
def test_questions_the_article_cannot_answer_are_declined(seed_searcher: Searcher, question: str) -> None:
    assert not seed_searcher.search(question).answerable


@pytest.mark.parametrize(
    "question",
    [
        "What did Jonathan Goldstein say after the meeting?",
        "Who attended the meeting?",
        "What does the CST stand for?",
        "How many local authorities have accepted the IHRA definition?",
    ],
)
def test_questions_the_article_answers_are_not_declined(seed_searcher: Searcher, question: str) -> None:
    assert seed_searcher.search(question).answerable
