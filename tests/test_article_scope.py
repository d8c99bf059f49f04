"""Answers from one article of several: the widget beside a story asks about that story
(Searcher.scoped, the message's metadata in the actions, `newsbot eval --scoped`)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import COUNCIL_ARTICLE, SEED_ARTICLE
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.answers import ActionAnswerQuestion, ActionIntroduce
from newsbot.dialogue import conversation
from newsbot.dialogue.conversation import State
from newsbot.domain import ReplyKind
from newsbot.retrieval import search
from newsbot.retrieval.evaluation import evaluate, read_eval_set
from newsbot.retrieval.search import Mode, Searcher
from newsbot.web.rasa_gateway import ARTICLE

QUESTIONS = (
    "What did Labour commit to?",
    "where did they meet?",
    "how did the meeting go",
    "what did the residents say about parking",
    "what did the council say",
)


def hits(searcher: Searcher, question: str) -> list[str]:
    return [hit.passage.id for hit in searcher.search(question, k=5).hits]


def test_a_scoped_searcher_answers_as_an_index_of_its_article_alone(
    seed_and_council_searcher: Searcher, seed_searcher: Searcher
) -> None:
    scoped = seed_and_council_searcher.scoped(SEED_ARTICLE)
    assert scoped.articles == [SEED_ARTICLE] and seed_searcher.articles == [SEED_ARTICLE]
    for question in QUESTIONS:
        alone, within = seed_searcher.search(question, k=5), scoped.search(question, k=5)
        assert [hit.passage.id for hit in within.hits] == [hit.passage.id for hit in alone.hits], question
        assert within.answerable == alone.answerable, question
        assert within.confidence == pytest.approx(alone.confidence, abs=1e-6), question
    # Unscoped, the council's passages compete: the same questions reach both articles.
    unscoped = {hit.split(":")[0] for question in QUESTIONS for hit in hits(seed_and_council_searcher, question)}
    assert unscoped == {SEED_ARTICLE, COUNCIL_ARTICLE}


def test_a_scoped_searcher_is_built_once_and_names_only_articles_it_has(
    seed_and_council_searcher: Searcher, seed_searcher: Searcher
) -> None:
    assert seed_and_council_searcher.scoped(COUNCIL_ARTICLE) is seed_and_council_searcher.scoped(COUNCIL_ARTICLE)
    assert seed_searcher.scoped(SEED_ARTICLE) is seed_searcher  # one article: it is its own scope
    with pytest.raises(KeyError):
        seed_and_council_searcher.scoped("no-such-article")


def test_a_scoped_searcher_shares_the_word_pieces_and_few_are_kept(
    seed_and_council_searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newsroom's hundreds of stories: a story's searcher copies none of the index's word pieces,
    and only the most recently asked stories' searchers are kept."""
    whole = seed_and_council_searcher.index.tokens
    scoped = seed_and_council_searcher.scoped(COUNCIL_ARTICLE).index.tokens
    assert np.shares_memory(scoped.tokens, whole.tokens)
    first = next(i for i, p in enumerate(seed_and_council_searcher.index.passages) if p.article == COUNCIL_ARTICLE)
    assert np.array_equal(scoped.passage(0).tokens, whole.passage(first).tokens)
    assert np.shares_memory(scoped.passage(0).tokens, whole.passage(first).tokens)  # widened once, for both
    monkeypatch.setattr(search, "SCOPED_SEARCHERS", 1)
    council = seed_and_council_searcher.scoped(COUNCIL_ARTICLE)
    seed_and_council_searcher.scoped(SEED_ARTICLE)  # lets the council's go
    assert seed_and_council_searcher.scoped(COUNCIL_ARTICLE) is not council


def test_the_scoped_conversation_stays_in_its_article(seed_and_council_searcher: Searcher) -> None:
    council = seed_and_council_searcher.scoped(COUNCIL_ARTICLE)
    state = State()
    reply = conversation.answer(council, state, "what did corbyn say", None, None)
    assert reply.kind is ReplyKind.DECLINE, reply.lead
    answer = conversation.answer(council, state, "what did the residents say", None, None)
    assert answer.kind is ReplyKind.ANSWER
    assert {source.article for source in answer.passages} == {COUNCIL_ARTICLE}
    more = conversation.tell_more(council, state)
    assert {source.article for source in more.passages} <= {COUNCIL_ARTICLE}
    # The greeting offers questions about its article only.
    introduction = conversation.introduce(council)
    assert "Corbyn" not in " ".join(introduction.suggestions), introduction.suggestions


def test_the_scoped_search_takes_the_encoding_handed_on_by_the_whole(seed_and_council_searcher: Searcher) -> None:
    """The web app encodes a chat message with the searcher of every article; the action's search
    in one article takes that encoding (weighed by its own article's rarities) and gets what a
    search of the text alone gets."""
    scoped = seed_and_council_searcher.scoped(COUNCIL_ARTICLE)
    question = "how much will the parking permits cost"
    expected = hits(scoped, question)
    vector = seed_and_council_searcher.question_vector(question)
    assert vector is not None
    handed_vector, _ = scoped.encode_question(scoped.as_searched(question))
    assert handed_vector is vector  # the very encoding handed on, taken once
    assert hits(scoped, question) == expected


def tracker(text: str, metadata: dict[str, Any] | None) -> Tracker:
    latest: dict[str, Any] = {"text": text, "intent": {"name": "ask_question", "confidence": 0.9}, "entities": []}
    if metadata is not None:
        latest["metadata"] = metadata
    return Tracker.from_dict(
        {
            "sender_id": "scope-test",
            "slots": {},
            "latest_message": latest,
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def run_action(action: Any, current: Tracker) -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, current, {}))
    (message,) = dispatcher.messages
    payload: dict[str, Any] = message["custom"]
    return payload


def test_the_action_answers_from_the_article_the_message_names(
    seed_and_council_searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "get_searcher", lambda: seed_and_council_searcher)
    question = "what did the council say"
    everywhere = run_action(ActionAnswerQuestion(), tracker(question, None))
    assert {source["article"] for source in everywhere["sources"]} == {COUNCIL_ARTICLE}
    in_the_talks = run_action(ActionAnswerQuestion(), tracker(question, {ARTICLE: SEED_ARTICLE}))
    assert all(source["article"] == SEED_ARTICLE for source in in_the_talks["sources"]), in_the_talks
    greeting = run_action(ActionIntroduce(), tracker("hello", {ARTICLE: COUNCIL_ARTICLE}))
    assert "Corbyn" not in json.dumps(greeting["suggestions"])


def test_the_action_answers_from_every_article_when_the_named_one_is_gone(
    seed_and_council_searcher: Searcher, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The web app checks the name; the index may change between that check and the action."""
    monkeypatch.setattr(answers, "get_searcher", lambda: seed_and_council_searcher)
    reply = run_action(ActionAnswerQuestion(), tracker("what did the residents say", {ARTICLE: "removed-story"}))
    assert reply["kind"] == "answer"
    assert "removed-story" in caplog.text


def test_eval_scoped_asks_each_question_of_its_article(seed_and_council_searcher: Searcher, tmp_path: Path) -> None:
    rows = [
        {
            "id": "1",
            "article": SEED_ARTICLE,
            "paragraphs": [1],
            "question": "what were the talks about",
            "answerable": True,
        },
        {"id": "2", "article": COUNCIL_ARTICLE, "question": "what did corbyn say", "answerable": False},
        {"id": "3", "question": "who won the world cup", "answerable": False},
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    questions = read_eval_set(path)
    assert [question.article for question in questions] == [SEED_ARTICLE, COUNCIL_ARTICLE, None]
    (scoped, *_) = evaluate(seed_and_council_searcher, questions, k=5, scoped=True)
    (unscoped, *_) = evaluate(seed_and_council_searcher, questions, k=5)
    assert scoped.mode == unscoped.mode == Mode.HYBRID.value
    # In its own article "what did corbyn say" has no answer; among every article it has.
    assert scoped.decline_recall == 1.0
    assert unscoped.decline_recall == 0.5


def test_a_conversation_stays_with_its_story_until_the_reader_changes_it(seed_and_council_searcher: Searcher) -> None:
    """With several articles, a conversation's question is asked first of the story its last
    answer quoted, when that story uses every word the question asks about; asked alone, these
    questions reach the talks."""
    for question, paragraph in (("will there be a meeting", 7), ("when?", 8), ("who leads it", 3)):
        assert conversation.ask(seed_and_council_searcher, question).passages[0].article == SEED_ARTICLE
        state = State()
        first = conversation.answer(seed_and_council_searcher, state, "what did the residents say", None, None)
        assert {source.article for source in first.passages} == {COUNCIL_ARTICLE}
        reply = conversation.answer(seed_and_council_searcher, state, question, None, None)
        assert (reply.passages[0].article, reply.passages[0].paragraph) == (COUNCIL_ARTICLE, paragraph), question
    # A word the parking story never uses: the reader changed the subject.
    for question in ("what did corbyn say", "what did the jlc ask for"):
        state = State()
        conversation.answer(seed_and_council_searcher, state, "what did the residents say", None, None)
        reply = conversation.answer(seed_and_council_searcher, state, question, None, None)
        assert reply.passages[0].article == SEED_ARTICLE, question
    # The story's own decline sends the question to every article.
    question = "where was the meeting"
    council = seed_and_council_searcher.scoped(COUNCIL_ARTICLE)
    assert council.uses_every_word(question) and conversation.ask(council, question).kind is ReplyKind.DECLINE
    state = State()
    conversation.answer(seed_and_council_searcher, state, "what did the residents say", None, None)
    reply = conversation.answer(seed_and_council_searcher, state, question, None, None)
    assert reply.kind is ReplyKind.ANSWER and reply.passages[0].article == SEED_ARTICLE


def test_a_declined_question_leaves_the_conversation_with_its_story(seed_and_council_searcher: Searcher) -> None:
    state = State()
    conversation.answer(seed_and_council_searcher, state, "what did the residents say", None, None)
    assert state.story == COUNCIL_ARTICLE
    declined = conversation.answer(seed_and_council_searcher, state, "what is the weather like", None, None)
    assert declined.kind is ReplyKind.DECLINE and state.story == COUNCIL_ARTICLE
    reply = conversation.answer(seed_and_council_searcher, state, "who leads it", None, None)
    assert (reply.passages[0].article, reply.passages[0].paragraph) == (COUNCIL_ARTICLE, 3)
    # An answer from another story moves the conversation there.
    conversation.answer(seed_and_council_searcher, state, "what did corbyn say", None, None)
    assert state.story == SEED_ARTICLE


def test_the_story_a_conversation_is_about_is_kept_in_a_slot(
    seed_and_council_searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "get_searcher", lambda: seed_and_council_searcher)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerQuestion().run(dispatcher, tracker("what did the residents say", None), {}))
    slots = {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
    assert slots["story"] == COUNCIL_ARTICLE
    # The next turn's tracker carries the slot: "who leads it" is asked of the parking story first
    # (asked alone, it reaches the talks).
    following = tracker("who leads it", None)
    following.slots["story"] = COUNCIL_ARTICLE
    reply = run_action(ActionAnswerQuestion(), following)
    assert reply["sources"][0]["article"] == COUNCIL_ARTICLE
    assert conversation.ask(seed_and_council_searcher, "who leads it").passages[0].article == SEED_ARTICLE


def test_a_voice_a_story_never_mentions_is_named_as_the_other_stories_spell_it(
    seed_and_council_searcher: Searcher,
) -> None:
    """Beside the parking story, "what did corbyn say" is declined naming Corbyn as the talks'
    report writes him, not in the reader's lower case; a voice no article mentions stays as typed."""
    council = seed_and_council_searcher.scoped(COUNCIL_ARTICLE)
    corbyn = council.search("what did corbyn say")
    assert not corbyn.answerable and corbyn.unknown_names == ("Corbyn",)
    assert conversation.ask(council, "what did corbyn say").lead.startswith("The article doesn't mention Corbyn,")
    nobody = council.search("what did the fire brigade say")
    assert not nobody.answerable and nobody.unknown_names == ("the fire brigade",)
