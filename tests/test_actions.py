"""The rasa-sdk actions, run as Rasa runs them: a Tracker from a dict, a CollectingDispatcher."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.answers import (
    APOLOGY,
    ActionAboutEntity,
    ActionAnswerQuestion,
    ActionAnswerTopic,
    ActionIntroduce,
    ActionOtherSide,
    ActionRepeat,
    ActionShowSource,
    ActionTellMore,
    ActionWhoSaid,
    NewsbotAction,
)
from newsbot.dialogue import conversation
from newsbot.domain import Reply, Speaker, SpeakerKind
from newsbot.retrieval.search import Searcher

SOURCE_KEYS = {"article", "title", "paragraph", "speaker", "speaker_kind", "text", "score", "highlight", "reports"}


@pytest.fixture(autouse=True)
def seed_index_for_actions(seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """The actions search the session's real seed index (not the project's index/ folder)."""
    monkeypatch.setattr(answers, "get_searcher", lambda: seed_searcher)


def tracker(
    text: str,
    intent: str = "ask_question",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test-conversation",
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.95},
                "entities": entities or [],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def run(action: NewsbotAction, current: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, current, {}))
    return dispatcher.messages, events


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def answer_payload(messages: list[dict[str, Any]]) -> dict[str, Any]:
    payloads = [m["custom"] for m in messages if m.get("custom")]
    assert len(payloads) == 1, messages
    payload: dict[str, Any] = payloads[0]
    return payload


def answered(text: str, intent: str = "ask_question") -> dict[str, Any]:
    """The slots after the bot answered `text`: what a follow-up finds in the tracker."""
    _, events = run(ActionAnswerTopic() if intent != "ask_question" else ActionAnswerQuestion(), tracker(text, intent))
    return slots_of(events)


def test_topic_answer_sends_cited_passages_and_structured_sources() -> None:
    messages, events = run(ActionAnswerTopic(), tracker("What did Labour commit to?", "ask_commitments"))
    payload = answer_payload(messages)
    assert payload["type"] == "answer" and payload["answerable"] is True
    sources = payload["sources"]
    assert sources and all(set(source) == SOURCE_KEYS for source in sources)
    assert {24, 25, 28, 31} & {source["paragraph"] for source in sources}  # Labour's voices
    text = messages[0]["text"]
    for source in sources:
        mark = source["highlight"]
        assert source["text"][mark["start"] : mark["end"]].strip() in text
        assert f"paragraph {source['paragraph']}" in text
    slots = slots_of(events)
    assert slots["last_question"] == "What did Labour commit to?"
    assert slots["last_topic"] == "ask_commitments"
    assert [row["paragraph"] for row in slots["last_passages"]] == [s["paragraph"] for s in sources]


def test_unanswerable_question_declines_with_three_question_buttons() -> None:
    messages, events = run(ActionAnswerQuestion(), tracker("how do i make chicken soup"))
    payload = answer_payload(messages)
    assert payload["answerable"] is False and payload["sources"] == []
    buttons = messages[0]["buttons"]
    assert len(buttons) == 3
    assert all(button["payload"] == button["title"] and button["title"].endswith("?") for button in buttons)
    assert "doesn't say" in messages[0]["text"]
    assert slots_of(events)["last_passages"] == []


def test_an_acknowledgement_invites_the_next_question_and_keeps_the_last_answer() -> None:
    slots = answered("when are they meeting again")
    messages, events = run(ActionAnswerQuestion(), tracker("ok", "acknowledge", slots=slots))
    payload = answer_payload(messages)
    assert payload["kind"] == "notice" and payload["sources"] == []
    assert messages[0]["text"].startswith("Anything else") and len(messages[0]["buttons"]) == 3
    kept = slots_of(events)
    assert kept["last_question"] == slots["last_question"] and kept["last_passages"] == slots["last_passages"]


def test_say_that_again_quotes_the_last_answer_again() -> None:
    slots = answered("when are they meeting again")
    messages, events = run(ActionRepeat(), tracker("say that again", "followup_repeat", slots=slots))
    payload = answer_payload(messages)
    assert messages[0]["text"].startswith(conversation.AGAIN)
    shown = [row["paragraph"] for row in slots["last_passages"]]
    assert [source["paragraph"] for source in payload["sources"]] == shown
    assert "July" in messages[0]["text"]  # the words themselves, not only where they are
    assert slots_of(events)["last_passages"] == slots["last_passages"]
    before, _ = run(ActionRepeat(), tracker("say that again", "followup_repeat"))
    assert before[0]["text"].startswith("There's no answer of mine to refer to yet")


def test_suggested_questions_are_answerable(seed_searcher: Searcher) -> None:
    for question in conversation.suggestions(seed_searcher):
        assert seed_searcher.search(question).answerable, question


def test_who_said_names_the_speakers_of_the_last_answer() -> None:
    slots = answered("How did Labour describe the meeting?")
    messages, _ = run(ActionWhoSaid(), tracker("who said that?", "followup_who_said", slots=slots))
    for row in slots["last_passages"]:
        who = "the article itself" if row["speaker"] == "the article" else row["speaker"]
        assert f"Paragraph {row['paragraph']}: {who}" in messages[0]["text"]


def test_a_doubt_taken_for_another_intent_is_still_told_the_bot_cannot_check() -> None:
    # The NLU took "is that true?" for "who said that?" (and "huh?" may go anywhere).
    slots = answered("How did Labour describe the meeting?")
    messages, events = run(ActionWhoSaid(), tracker("is that true?", "followup_who_said", slots=slots))
    assert messages[0]["text"].startswith(conversation.CANNOT_CHECK)
    payload = answer_payload(messages)
    assert payload["kind"] == "who_said"
    assert [s["paragraph"] for s in payload["sources"]] == [row["paragraph"] for row in slots["last_passages"]]
    assert slots_of(events)["last_passages"] == slots["last_passages"]
    messages, _ = run(ActionTellMore(), tracker("no thats not what i asked", "followup_more", slots=slots))
    assert messages[0]["text"].startswith(conversation.MISSED)


def test_starting_afresh_taken_for_another_intent_clears_every_slot_of_the_conversation() -> None:
    # The NLU may take "start again" for "say that again".
    slots = answered("When will the cases against Livingstone and Walker be dealt with?")
    assert slots["last_question"] and slots["last_passages"] and slots["story"]
    messages, events = run(ActionRepeat(), tracker("start again", "followup_repeat", slots=slots))
    assert messages[0]["text"].startswith(conversation.STARTED_AFRESH)
    assert answer_payload(messages)["kind"] == "notice" and len(messages[0]["buttons"]) == 3
    assert slots_of(events) == {
        "last_question": None,
        "last_topic": None,
        "last_passages": [],
        "shown_paragraphs": [],
        "other_sides_shown": [],
        "story": None,
        "offered_questions": [
            button["title"] for button in messages[0]["buttons"]
        ],  # the fresh start's own suggestions
    }


def test_a_number_typed_after_suggestions_asks_that_suggestion() -> None:
    messages, events = run(ActionAnswerQuestion(), tracker("What is the capital of France?"))
    offered = [button["title"] for button in messages[0]["buttons"]]
    slots = slots_of(events)
    assert slots["offered_questions"] == offered and len(offered) == 3
    messages, events = run(ActionAnswerQuestion(), tracker("3", "nlu_fallback", slots=slots))
    assert messages[0]["text"].startswith(f"You picked “{offered[2]}” Here is what the article says:")
    assert answer_payload(messages)["kind"] == "answer"
    assert slots_of(events)["last_question"] == offered[2]
    assert slots_of(events)["offered_questions"] == offered  # the answer offered none: they stay


def test_source_lists_paragraphs_and_article() -> None:
    slots = answered("Who attended the meeting?", "ask_attendees")
    messages, _ = run(ActionShowSource(), tracker("where does it say that?", "followup_source", slots=slots))
    text = messages[0]["text"]
    for row in slots["last_passages"]:
        assert f"paragraph {row['paragraph']} of “{row['title']}”" in text


def test_follow_up_before_any_answer_offers_questions() -> None:
    messages, events = run(ActionWhoSaid(), tracker("who said that?", "followup_who_said"))
    assert messages[0]["text"].startswith("There's no answer of mine to refer to yet")
    assert len(messages[0]["buttons"]) == 3
    payload = answer_payload(messages)
    assert payload["kind"] == "notice" and payload["answerable"] is None and payload["sources"] == []
    assert slots_of(events)["last_passages"] == []


def test_tell_more_shows_new_paragraphs_only() -> None:
    slots = answered("What did Labour commit to?", "ask_commitments")
    first = {row["paragraph"] for row in slots["last_passages"]}
    messages, events = run(ActionTellMore(), tracker("tell me more", "followup_more", slots=slots))
    more = {source["paragraph"] for source in answer_payload(messages)["sources"]}
    assert more and not more & first
    assert {tuple(key) for key in slots_of(events)["shown_paragraphs"]} >= {
        ("corbyn-jewish-leaders-talks", paragraph) for paragraph in first | more
    }


def test_what_else_someone_said_taken_for_tell_me_more_is_more_of_their_words() -> None:
    """ "what else did he say" after a question about Corbyn: the NLU takes it for "tell me more",
    which showed more passages of the last question, none of them his (paragraphs 5, 11, 14)."""
    slots = answered("what did corbyn say about antisemitism")
    first = {row["paragraph"] for row in slots["last_passages"]}
    messages, _ = run(ActionTellMore(), tracker("what else did he say", "followup_more", slots=slots))
    sources = answer_payload(messages)["sources"]
    assert sources and {source["speaker"] for source in sources} == {"Jeremy Corbyn"}
    assert not {source["paragraph"] for source in sources} & first


def test_other_side_brings_speakers_not_heard_yet() -> None:
    slots = answered("How did Labour describe the meeting?")
    heard = {row["speaker"] for row in slots["last_passages"]}
    messages, _ = run(ActionOtherSide(), tracker("what did the other side say?", "followup_other_side", slots=slots))
    speakers = {source["speaker"] for source in answer_payload(messages)["sources"]}
    assert speakers and not speakers & heard
    assert "the article" not in speakers


def test_the_other_side_asked_again_goes_back_to_the_first_side(seed_searcher: Searcher) -> None:
    facts = seed_searcher.index.facts["corbyn-jewish-leaders-talks"]
    slots = answered("What did Labour sources say about the meeting?")
    sides = []
    for _ in range(2):
        messages, events = run(ActionOtherSide(), tracker("and the other side?", "followup_other_side", slots=slots))
        sources = answer_payload(messages)["sources"]
        sides.append({facts.side_of(Speaker(row["speaker"], SpeakerKind(row["speaker_kind"]))) for row in sources})
        slots = {**slots, **slots_of(events)}
    assert sides == [{"the Board and the JLC"}, {"Labour"}]
    assert slots["other_sides_shown"] == [["corbyn-jewish-leaders-talks", "Labour"]]


def test_entity_follow_up_asks_the_last_question_about_them() -> None:
    slots = answered("What did Labour commit to?", "ask_commitments")
    entity = [{"entity": "person", "value": "Jennie Formby", "start": 4, "end": 10}]
    messages, events = run(ActionAboutEntity(), tracker("and Formby?", "followup_entity", entity, slots))
    texts = " ".join(source["text"] for source in answer_payload(messages)["sources"])
    assert "Formby" in texts
    assert slots_of(events)["last_question"] == "What did Jennie Formby commit to?"


def test_about_entity_intent_prefers_their_own_words() -> None:
    entity = [{"entity": "person", "value": "Jonathan Goldstein", "start": 9, "end": 18}]
    messages, _ = run(ActionAnswerTopic(), tracker("what did goldstein say", "ask_about_entity", entity))
    assert answer_payload(messages)["sources"][0]["speaker"] == "Jonathan Goldstein"


def test_malformed_slots_are_ignored() -> None:
    slots = {"last_passages": [{"no": "fields"}], "shown_paragraphs": "nonsense", "last_question": "hi"}
    messages, _ = run(ActionWhoSaid(), tracker("who said that?", "followup_who_said", slots=slots))
    assert messages[0]["text"].startswith("The article didn't answer your last question, “hi”")


def test_a_failing_action_apologises_and_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> Reply:
        raise RuntimeError("index unreadable")

    monkeypatch.setattr(conversation, "answer", broken)
    with caplog.at_level(logging.ERROR, logger="actions.answers"):
        messages, events = run(ActionAnswerQuestion(), tracker("What did Labour commit to?"))
    assert messages == [{**messages[0], "text": APOLOGY}]
    assert events == []
    assert "action_answer_question failed" in caplog.text and "index unreadable" in caplog.text


def test_greeting_and_capabilities_name_the_article_and_offer_questions() -> None:
    for intent in ("greet", "capabilities"):
        messages, _ = run(ActionIntroduce(), tracker("hi", intent))
        assert "Crunch talks between Jeremy Corbyn" in messages[0]["text"]
        assert len(messages[0]["buttons"]) == 3


def test_a_question_the_nlu_calls_out_of_scope_is_still_decided_by_the_articles() -> None:
    # The rules send out_of_scope to action_answer_question: the articles, not the NLU, decide.
    messages, _ = run(ActionAnswerQuestion(), tracker("who said it was good humoured", "out_of_scope"))
    assert answer_payload(messages)["answerable"] is True
    messages, _ = run(ActionAnswerQuestion(), tracker("what's the weather in Paris", "out_of_scope"))
    assert answer_payload(messages)["answerable"] is False
