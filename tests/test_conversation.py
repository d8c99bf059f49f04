"""The dialogue's follow-ups on a second article with its own sides (a council and its residents,
tests/data/council), with the real model and a real index: nothing of the seed article applies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import COUNCIL_ARTICLE, COUNCIL_KNOWLEDGE, KNOWLEDGE, MODEL

from newsbot.dialogue import conversation
from newsbot.dialogue.conversation import State
from newsbot.domain import Reply, ReplyKind
from newsbot.retrieval.index import build_index, load_index
from newsbot.retrieval.search import Searcher

COUNCIL = {"the council", "Mary Price", "a council spokesman"}
RESIDENTS = {"Tom Ellis", "the association"}


def speakers(reply: Reply) -> set[str]:
    return {source.speaker.label for source in reply.passages}


def test_the_other_side_of_the_residents_is_the_council(council_searcher: Searcher) -> None:
    state = State()
    first = conversation.answer(council_searcher, state, "What did the residents say?", None, None)
    assert first.kind is ReplyKind.ANSWER
    assert RESIDENTS & speakers(first)
    other = conversation.other_side(council_searcher, state)
    assert other.kind is ReplyKind.MORE
    assert other.lead == "What the council said:"
    assert speakers(other) and speakers(other) <= COUNCIL


def test_the_other_side_of_the_council_is_the_residents(council_searcher: Searcher) -> None:
    state = State()
    conversation.answer(council_searcher, state, "what did the council say about the charges?", None, None)
    other = conversation.other_side(council_searcher, state)
    assert other.lead == "What the residents said:"
    assert speakers(other) and speakers(other) <= RESIDENTS


def test_without_a_side_named_the_other_side_is_the_one_not_leading_the_answer(council_searcher: Searcher) -> None:
    state = State()
    first = conversation.answer(council_searcher, state, "how much will parking cost?", None, None)
    assert first.passages
    other = conversation.other_side(council_searcher, state)
    assert other.kind is ReplyKind.MORE
    assert other.lead in ("What the residents said:", "What the council said:")
    assert not {source.key for source in other.passages} & {source.key for source in first.passages}


def test_a_question_naming_a_side_leads_with_that_sides_voice(council_searcher: Searcher) -> None:
    result = council_searcher.search("what did the residents association say", k=3)
    assert result.hits[0].passage.speaker.label in RESIDENTS


def test_sides_stay_with_their_article_when_articles_are_indexed_together(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    for path in COUNCIL_KNOWLEDGE.iterdir():
        shutil.copy(path, knowledge / path.name)
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, MODEL, progress=False)
    searcher = Searcher(load_index(index_dir, MODEL, knowledge), MODEL)
    state = State()
    conversation.answer(searcher, state, "What did Tom Ellis say about the parking charges?", None, None)
    other = conversation.other_side(searcher, state)
    assert other.lead == "What the council said:"
    assert {source.article for source in other.passages} == {COUNCIL_ARTICLE}
    assert speakers(other) <= COUNCIL


@pytest.mark.parametrize(
    ("question", "side"),
    [("What did Labour sources say?", "Labour"), ("What did Jonathan Goldstein say?", "the Board and the JLC")],
)
def test_the_seed_articles_sides_come_from_its_facts(seed_searcher: Searcher, question: str, side: str) -> None:
    state = State()
    conversation.answer(seed_searcher, state, question, None, None)
    other = conversation.other_side(seed_searcher, state)
    assert other.kind is ReplyKind.MORE
    facts = seed_searcher.index.facts["corbyn-jewish-leaders-talks"]
    sides = {facts.side_of(source.speaker) for source in other.passages}
    assert sides and side not in sides and None not in sides
