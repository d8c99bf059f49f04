"""Slack rendering of replies (newsbot.channels.slack), on hand-made replies and on the real bot's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.answers import ActionAnswerQuestion, send
from newsbot.attribution.rules import NARRATOR
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
    segments,
)
from newsbot.dialogue import conversation
from newsbot.dialogue.conversation import Reply, Source, State
from newsbot.retrieval.search import Searcher

TITLE = "Crunch talks between Jeremy Corbyn and Jewish community leaders"


def source(text: str, paragraph: int = 3, speaker: str = "Jeremy Corbyn", title: str = TITLE) -> Source:
    return Source("corbyn-jewish-leaders-talks", title, paragraph, speaker, text, 0.9)


def answer_reply(sources: list[Source], heading: str = "Here is what the article says:") -> Reply:
    """A reply shaped as newsbot.answering.compose renders an answer: heading, then each quote and citation."""
    lines = [heading]
    for item in sources:
        lines += ["", f"> {item.text}", f"  — {conversation.citation(item)}"]
    return Reply("\n".join(lines), sources, [], True, False, "What did he say?")


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
        "Q&A <here>:\n\n" + f"> {tricky.text}\n  — citation",
        [tricky],
        ["Why <this> & that?"],
        True,
        question="Q&A <here>?",
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
    reply = Reply("The articles don't say. Here are questions the article can answer:", [], questions, False)
    rendered = message(reply)
    assert [block["type"] for block in rendered["blocks"]] == ["section", "actions"]
    elements = buttons_of(rendered["blocks"])
    assert [element["value"] for element in elements] == questions
    assert [element["text"]["text"] for element in elements] == questions
    assert all(element["type"] == "button" for element in elements)
    assert len({element["action_id"] for element in elements}) == len(elements)  # unique within the block
    assert rendered["text"] == reply.text


def test_long_questions_fit_slacks_button_limits() -> None:
    long_question = "Why " + "really " * 400 + "?"
    element = buttons_of(blocks(Reply("Try:", [], [long_question], None)))[0]
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
    reply = answer_reply(many)
    reply = Reply(reply.text, reply.sources, ["Next?"], True)
    rendered = blocks(reply)
    assert len(rendered) == BLOCK_LIMIT
    assert rendered[-1]["type"] == "actions"
    assert rendered[-2]["type"] == "context"


def test_follow_up_texts_without_quotes_are_prose() -> None:
    sources = [source("A.", 3), source("B.", 5, NARRATOR)]
    reply = Reply("Who said it:\nParagraph 3: Jeremy Corbyn.\nParagraph 5: the article itself.", sources, [], True)
    assert segments(reply) == [reply.text]
    assert [block["type"] for block in blocks(reply)] == ["section"]


def test_an_empty_reply_still_has_a_fallback_text() -> None:
    rendered = message(Reply("", [], [], None))
    assert rendered["text"]
    assert rendered["blocks"] == []


@pytest.fixture
def seed_actions(seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> Searcher:
    monkeypatch.setattr(answers, "get_searcher", lambda: seed_searcher)
    return seed_searcher


def test_a_real_answer_quotes_every_passage_it_cites(seed_actions: Searcher) -> None:
    reply = conversation.answer(seed_actions, State(), "What did Labour commit to?", None, None)
    assert reply.answerable and reply.sources
    rendered = blocks(reply)
    quotes = [text for text in texts(rendered, "section") if text.startswith("> ")]
    assert quotes == [f"> {escape(item.text)}" for item in reply.sources]
    contexts = texts(rendered, "context")
    for item, line in zip(reply.sources, contexts, strict=True):
        assert f"paragraph {item.paragraph} of" in line
        assert escape(item.who()) in line


def test_a_real_decline_offers_answerable_questions(seed_actions: Searcher) -> None:
    reply = conversation.answer(seed_actions, State(), "What did Theresa May say?", None, None)
    assert reply.answerable is False
    values = [element["value"] for element in buttons_of(blocks(reply))]
    assert values == reply.suggestions and values


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


def test_from_slack_the_action_sends_one_message_of_blocks(seed_actions: Searcher) -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerQuestion().run(dispatcher, slack_tracker("What did Labour commit to?", "slack"), {}))
    assert len(dispatcher.messages) == 1, dispatcher.messages
    custom = dispatcher.messages[0]["custom"]
    assert set(custom) == {"text", "blocks"}
    assert any(text.startswith("> ") for text in texts(custom["blocks"], "section"))
    assert not dispatcher.messages[0].get("text")


def test_from_other_channels_the_action_sends_text_and_the_sources_payload(seed_actions: Searcher) -> None:
    for channel in ("rest", None):
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionAnswerQuestion().run(dispatcher, slack_tracker("What did Labour commit to?", channel), {}))
        assert [bool(m.get("text")) for m in dispatcher.messages] == [True, False]
        assert dispatcher.messages[1]["custom"]["type"] == "answer"


def test_send_to_slack_without_sources_still_posts_the_text_and_buttons() -> None:
    dispatcher = CollectingDispatcher()
    send(dispatcher, Reply("I haven't answered anything yet.", [], ["What happened?"]), "slack")
    (sent,) = dispatcher.messages
    assert sent["custom"]["text"] == "I haven't answered anything yet."
    assert buttons_of(sent["custom"]["blocks"])[0]["value"] == "What happened?"
