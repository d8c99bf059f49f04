"""Slack rendering of replies (newsbot.channels.slack), on hand-made replies and on the real bot's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.answers import ActionAnswerQuestion
from newsbot.channels import slack as slack_format
from newsbot.channels.slack import (
    BLOCK_LIMIT,
    BUTTON_TEXT_LIMIT,
    BUTTON_VALUE_LIMIT,
    FALLBACK_LIMIT,
    SECTION_LIMIT,
    blocks,
    escape,
    fit,
    message,
)
from newsbot.channels.text import render_text
from newsbot.dialogue import conversation
from newsbot.dialogue.conversation import State
from newsbot.domain import NARRATOR, Highlight, Reply, ReplyKind, Source, Speaker, SpeakerKind
from newsbot.retrieval.search import Searcher

TITLE = "Crunch talks between Jeremy Corbyn and Jewish community leaders"


def source(text: str, paragraph: int = 3, speaker: str = "Jeremy Corbyn", title: str = TITLE) -> Source:
    kind = SpeakerKind.NARRATION if speaker == NARRATOR else SpeakerKind.PERSON
    return Source("corbyn-jewish-leaders-talks", title, paragraph, Speaker(speaker, kind), text, 0.9)


def answer_reply(sources: list[Source], heading: str = "Here is what the article says:") -> Reply:
    return Reply(ReplyKind.ANSWER, heading, tuple(sources), question="What did he say?")


def texts(blocks_: list[dict[str, Any]], kind: str) -> list[str]:
    found = []
    for block in blocks_:
        if block["type"] == kind == "section":
            found.append(block["text"]["text"])
        elif block["type"] == kind == "context":
            found += [element["text"] for element in block["elements"]]
    return found


def buttons_of(blocks_: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [element for block in blocks_ if block["type"] == "actions" for element in block["elements"]]


def test_escape_replaces_slacks_control_characters_only() -> None:
    assert escape("Q&A <b> x > y * _z_") == "Q&amp;A &lt;b&gt; x &gt; y * _z_"
    assert escape("&amp;") == "&amp;amp;"  # already-escaped text is text too
    assert escape("<@U123> <!channel>") == "&lt;@U123&gt; &lt;!channel&gt;"


def test_fit_keeps_short_text_and_cuts_long_text_without_breaking_an_entity() -> None:
    assert fit("a & b", 10) == "a &amp; b"
    cut = fit("&" * 100, 20)
    assert len(cut) <= 20
    assert cut.endswith("…")
    assert cut[:-1] == "&amp;" * (len(cut[:-1]) // 5)


def test_an_answer_becomes_heading_then_a_quote_and_context_per_passage() -> None:
    first = source("We will act on the cases.", 3, "Jeremy Corbyn")
    second = source("It was a missed opportunity.", 7, "the Board of Deputies")
    rendered = blocks(answer_reply([first, second]))
    assert [block["type"] for block in rendered] == ["section", "section", "context", "section", "context"]
    assert rendered[0]["text"] == {"type": "mrkdwn", "text": "Here is what the article says:"}
    assert rendered[1]["text"]["text"] == "> We will act on the cases."
    assert rendered[2]["elements"] == [{"type": "mrkdwn", "text": f"*Jeremy Corbyn* · paragraph 3 of “{TITLE}”"}]
    assert rendered[3]["text"]["text"] == "> It was a missed opportunity."
    assert "*the Board of Deputies* · paragraph 7" in rendered[4]["elements"][0]["text"]
    # The plain-text citations give way to the context blocks.
    assert not any("—" in text for text in texts(rendered, "section"))


def test_the_narrator_is_named_as_the_article_itself() -> None:
    rendered = blocks(answer_reply([source("The meeting lasted two hours.", 2, NARRATOR)]))
    assert texts(rendered, "context") == [f"*the article itself* · paragraph 2 of “{TITLE}”"]


def test_article_and_user_text_is_escaped_everywhere() -> None:
    tricky = source('Labour <script> & the <@U1> "quote" > all', 4, "A & B <x>", "Talks <&> more")
    reply = Reply(
        ReplyKind.ANSWER, "Q&A <here>:", (tricky,), suggestions=("Why <this> & that?",), question="Q&A <here>?"
    )
    rendered = message(reply)
    quote = texts(rendered["blocks"], "section")[1]
    assert quote == '> Labour &lt;script&gt; &amp; the &lt;@U1&gt; "quote" &gt; all'
    assert texts(rendered["blocks"], "section")[0] == "Q&amp;A &lt;here&gt;:"
    assert texts(rendered["blocks"], "context") == ["*A &amp; B &lt;x&gt;* · paragraph 4 of “Talks &lt;&amp;&gt; more”"]
    assert "<" not in rendered["text"] and "&amp;" in rendered["text"]
    # Buttons are plain text: their label and value are the question as typed.
    assert buttons_of(rendered["blocks"])[0]["value"] == "Why <this> & that?"
    assert buttons_of(rendered["blocks"])[0]["text"]["text"] == "Why <this> & that?"


def test_a_multi_line_passage_is_quoted_line_by_line() -> None:
    multi = source("First line.\nSecond > line.")
    quoted = slack_format.quote(multi)
    assert quoted["text"]["text"] == "> First line.\n> Second &gt; line."


def test_a_decline_offers_its_suggestions_as_buttons_that_send_the_question() -> None:
    questions = ["What did Jeremy Corbyn say?", "What did Labour sources say?", "What happened?"]
    lead = "The article doesn't say. Here are questions the article can answer:"
    reply = Reply(ReplyKind.DECLINE, lead, suggestions=tuple(questions))
    rendered = message(reply)
    assert [block["type"] for block in rendered["blocks"]] == ["section", "actions"]
    elements = buttons_of(rendered["blocks"])
    assert [element["value"] for element in elements] == questions
    assert [element["text"]["text"] for element in elements] == questions
    assert all(element["type"] == "button" for element in elements)
    assert len({element["action_id"] for element in elements}) == len(elements)  # unique within the block
    assert rendered["text"] == escape(lead)


def test_long_questions_fit_slacks_button_limits() -> None:
    long_question = "Why " + "really " * 400 + "?"
    element = buttons_of(blocks(Reply(ReplyKind.NOTICE, "Try:", suggestions=(long_question,))))[0]
    assert len(element["text"]["text"]) <= BUTTON_TEXT_LIMIT
    assert len(element["value"]) <= BUTTON_VALUE_LIMIT
    assert element["text"]["text"].endswith("…")


def test_long_passages_and_texts_fit_slacks_text_limits() -> None:
    huge = source("word & " * 1000)
    reply = answer_reply([huge], heading="H" * 5000)
    rendered = message(reply)
    for text in texts(rendered["blocks"], "section") + texts(rendered["blocks"], "context"):
        assert len(text) <= SECTION_LIMIT
    assert len(rendered["text"]) <= FALLBACK_LIMIT
    assert texts(rendered["blocks"], "section")[1].startswith("> word &amp; word")


def test_a_message_never_has_more_blocks_than_slack_allows_and_keeps_its_buttons() -> None:
    many = [source(f"Passage number {n}.", n) for n in range(1, 40)]
    reply = Reply(ReplyKind.ANSWER, "Here:", tuple(many), suggestions=("Next?",))
    rendered = blocks(reply)
    assert len(rendered) == BLOCK_LIMIT
    assert rendered[-1]["type"] == "actions"
    assert rendered[-2]["type"] == "context"


def test_who_said_lists_the_speakers_as_prose() -> None:
    sources = (source("A.", 3), source("B.", 5, NARRATOR))
    reply = Reply(ReplyKind.WHO_SAID, "Who said it:", sources)
    assert [block["type"] for block in blocks(reply)] == ["section", "section"]
    assert texts(blocks(reply), "section") == [
        "Who said it:",
        "Paragraph 3: Jeremy Corbyn.\nParagraph 5: the article itself.",
    ]


def test_an_empty_reply_still_has_a_fallback_text() -> None:
    rendered = message(Reply(ReplyKind.NOTICE, ""))
    assert rendered["text"]
    assert rendered["blocks"] == []


@pytest.fixture
def seed_actions(seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> Searcher:
    monkeypatch.setattr(answers, "get_searcher", lambda: seed_searcher)
    return seed_searcher


def test_a_real_answer_quotes_every_passage_it_cites(seed_actions: Searcher) -> None:
    reply = conversation.answer(seed_actions, State(), "What did Labour commit to?", None, None)
    assert reply.answerable and reply.passages
    rendered = blocks(reply)
    quotes = [text for text in texts(rendered, "section") if text.startswith("> ")]
    assert [quote.replace("*", "") for quote in quotes] == [f"> {escape(item.text)}" for item in reply.passages]
    assert all(quote.count("*") == 2 for quote in quotes)  # each answering sentence in bold
    contexts = texts(rendered, "context")
    for item, line in zip(reply.passages, contexts, strict=True):
        assert f"paragraph {item.paragraph} of" in line
        assert escape(item.speaker.who()) in line


def test_a_real_decline_offers_answerable_questions(seed_actions: Searcher) -> None:
    reply = conversation.answer(seed_actions, State(), "What did Theresa May say?", None, None)
    assert reply.answerable is False
    values = [element["value"] for element in buttons_of(blocks(reply))]
    assert values == list(reply.suggestions) and values


def slack_tracker(text: str, channel: str | None) -> Tracker:
    user_event: dict[str, Any] = {"event": "user", "text": text, "parse_data": {"intent": {"name": "ask_question"}}}
    if channel:
        user_event["input_channel"] = channel
    return Tracker.from_dict(
        {
            "sender_id": "C1_1.000",
            "slots": {},
            "latest_message": {"text": text, "intent": {"name": "ask_question", "confidence": 0.9}, "entities": []},
            "events": [user_event],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def test_from_any_channel_the_action_sends_one_message_with_the_reply_and_a_fallback(seed_actions: Searcher) -> None:
    for channel in ("slack", "rest", None):
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionAnswerQuestion().run(dispatcher, slack_tracker("What did Labour commit to?", channel), {}))
        (sent,) = dispatcher.messages
        reply = Reply.from_json(sent["custom"])
        assert sent["custom"]["type"] == "answer" and reply.kind is ReplyKind.ANSWER
        assert sent["text"] == render_text(reply)
        assert any(text.startswith("> ") for text in texts(blocks(reply), "section"))


def test_the_answering_sentence_is_bold_in_its_quoted_paragraph() -> None:
    text = "Labour sources said it was positive. Mr Corbyn offered a <personal> lead. The rest follows."
    start, end = text.index("Mr Corbyn"), text.index(" The rest")
    marked = Source("a", TITLE, 24, Speaker("Labour sources", SpeakerKind.ANONYMOUS), text, 0.9, Highlight(start, end))
    rendered = slack_format.quote(marked)["text"]["text"]
    assert rendered == (
        "> Labour sources said it was positive. *Mr Corbyn offered a &lt;personal&gt; lead.* The rest follows."
    )
