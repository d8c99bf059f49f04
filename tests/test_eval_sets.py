"""Checks of the evaluation question sets in eval/."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from newsbot.ingest.knowledge import load_articles
from newsbot.retrieval.evaluation import read_eval_set
from newsbot.settings import PROJECT_ROOT

SEED_DEV = PROJECT_ROOT / "eval" / "seed-dev.jsonl"
SEED_ARTICLE = "corbyn-jewish-leaders-talks"
SEED_PARAGRAPHS = 33


def read_rows(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"{path}:{number}: blank line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            pytest.fail(f"{path}:{number}: not valid JSON ({error})")
        assert isinstance(row, dict), f"{path}:{number}: not a JSON object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def seed_rows() -> list[dict[str, Any]]:
    return read_rows(SEED_DEV)


def test_every_row_has_an_id_a_question_and_a_verdict(seed_rows: list[dict[str, Any]]) -> None:
    for row in seed_rows:
        assert isinstance(row.get("id"), str) and row["id"], row
        assert isinstance(row.get("question"), str) and row["question"].strip(), row
        assert isinstance(row.get("answerable"), bool), row


def test_answerable_questions_name_seed_paragraphs(seed_rows: list[dict[str, Any]]) -> None:
    answerable = [row for row in seed_rows if row["answerable"] is True]
    assert len(answerable) >= 60
    for row in answerable:
        assert row.get("article") == SEED_ARTICLE, row
        paragraphs = row.get("paragraphs")
        assert isinstance(paragraphs, list) and paragraphs, row
        for paragraph in paragraphs:
            assert isinstance(paragraph, int) and not isinstance(paragraph, bool), row
            assert 1 <= paragraph <= SEED_PARAGRAPHS, row


def test_the_seed_article_has_the_paragraphs_the_set_counts_on() -> None:
    body = (PROJECT_ROOT / "knowledge" / f"{SEED_ARTICLE}.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    assert len(paragraphs) == SEED_PARAGRAPHS


def test_enough_unanswerable_questions(seed_rows: list[dict[str, Any]]) -> None:
    unanswerable = [row for row in seed_rows if row["answerable"] is False]
    assert len(unanswerable) >= 15
    for row in unanswerable:
        assert not row.get("paragraphs"), row


def test_ids_are_unique(seed_rows: list[dict[str, Any]]) -> None:
    repeated = [key for key, count in Counter(row["id"] for row in seed_rows).items() if count > 1]
    assert repeated == []


def test_questions_are_unique(seed_rows: list[dict[str, Any]]) -> None:
    normalized = Counter(" ".join(row["question"].lower().split()).rstrip("?") for row in seed_rows)
    assert [question for question, count in normalized.items() if count > 1] == []


def test_the_evaluator_reads_the_set(seed_rows: list[dict[str, Any]]) -> None:
    questions = read_eval_set(SEED_DEV)
    assert len(questions) == len(seed_rows)
    assert [q.id for q in questions] == [row["id"] for row in seed_rows]
    for question, row in zip(questions, seed_rows, strict=True):
        assert question.answerable is row["answerable"]
        expected = {(SEED_ARTICLE, p) for p in row.get("paragraphs", [])} if row["answerable"] else set()
        assert question.gold == expected


@pytest.mark.parametrize(
    ("followups", "knowledge"),
    [
        (PROJECT_ROOT / "eval" / "seed-followups.jsonl", PROJECT_ROOT / "knowledge"),
        (
            PROJECT_ROOT / "eval" / "reader-articles" / "followups.jsonl",
            PROJECT_ROOT / "eval" / "reader-articles" / "knowledge",
        ),
    ],
)
def test_follow_ups_each_have_the_question_they_follow_and_a_verdict(followups: Path, knowledge: Path) -> None:
    """The follow-up sets (bench/followups.py): a question asked after `before`, about an article
    of `knowledge`, answered by some of its paragraphs or by none."""
    rows = read_rows(followups)
    assert len({row["id"] for row in rows}) == len(rows)
    assert len({(row["before"], row["question"]) for row in rows}) == len(rows)
    paragraphs = {article.stem: len(article.paragraphs) for article in load_articles(knowledge)}
    for row in rows:
        assert row.get("article") in paragraphs, row
        assert isinstance(row.get("before"), str) and row["before"].strip(), row
        assert isinstance(row.get("question"), str) and row["question"].strip(), row
        if row.get("answerable") is True:
            assert row["paragraphs"] and all(1 <= p <= paragraphs[row["article"]] for p in row["paragraphs"]), row
        else:
            assert row.get("answerable") is False and row.get("kind") == "on-topic" and "paragraphs" not in row, row
    assert any(row["answerable"] for row in rows) and any(not row["answerable"] for row in rows)
