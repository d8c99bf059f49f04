"""Feedback in Slack through the web app's webhook (TestClient) and the Web API stand-in: signed
👍/👎 clicks are kept before the webhook answers, a 👍 is thanked in an ephemeral message, a 👎
opens the comment modal whose submission is kept as the comment; unsigned or stale requests are
refused; the clicker is never stored."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import AppFactory
from fastapi.testclient import TestClient
from report_support import reply
from slack_standin import SlackStandIn, running_standin, signed_headers
from sqlalchemy import text

from newsbot.channels import slack as slack_format
from newsbot.channels.slack_events import session_id
from newsbot.channels.slack_feedback import FEEDBACK_BLOCK_ID, MODAL_CALLBACK, with_feedback
from newsbot.conversations.store import ConversationStore, RecordedReply

WEBHOOK = "/webhooks/slack/webhook"
TOKEN = "xoxb-newsbot-feedback-token"
SECRET = "a-feedback-signing-secret"
FORM = "application/x-www-form-urlencoded"
CHANNEL = "CFEEDBACK1"
CLICKER = "UCLICKER42"


@pytest.fixture(scope="module")
def standin() -> Iterator[SlackStandIn]:
    with running_standin() as running:
        yield running


@pytest.fixture
def client(make_client: AppFactory, standin: SlackStandIn) -> TestClient:
    return make_client(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=standin.base_url)


def store_of(client: TestClient) -> ConversationStore:
    store: ConversationStore = client.app.state.conversations  # type: ignore[attr-defined]
    store.ensure_tables()
    return store


def slack_answer(client: TestClient) -> tuple[RecordedReply, str]:
    """A bot answer recorded in a Slack thread's conversation, and the thread's ts."""
    thread_ts = f"{int(time.time())}.{uuid.uuid4().int % 1_000_000:06d}"
    row = reply(session_id(CHANNEL, thread_ts), "Who attended?", "answer", datetime.now(UTC))
    store_of(client).record([row])
    return row, thread_ts


def click_payload(message_id: str, thread_ts: str, action: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": CLICKER, "username": "reader", "name": "reader"},
        "trigger_id": "12345.98765.abcd",
        "channel": {"id": CHANNEL},
        "message": {"type": "message", "text": "answer", "ts": f"{thread_ts}1", "thread_ts": thread_ts},
        "actions": [
            {"type": "button", "action_id": action, "block_id": FEEDBACK_BLOCK_ID, "value": message_id,
             "action_ts": f"{time.time()}"}
        ],
    }  # fmt: skip


def submission_payload(view: dict[str, Any], comment: str | None) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "user": {"id": CLICKER},
        "view": {
            "id": "V0MODAL",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {"comment": {"comment-input": {"type": "plain_text_input", "value": comment}}}},
        },
    }


def post(client: TestClient, payload: dict[str, Any], age: int = 0, signed: bool = True) -> Any:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = signed_headers(SECRET if signed else "not-the-secret", body, FORM, age=age)
    return client.post(WEBHOOK, content=body, headers=headers)


def stored_text(store: ConversationStore) -> str:
    with store.engine.connect() as connection:
        return " ".join(
            str(value)
            for table in ("newsbot_replies", "newsbot_feedback")
            for row in connection.execute(text(f"select * from {table}"))
            for value in row
        )


def test_answers_and_declines_carry_the_feedback_buttons() -> None:
    fields = slack_format.text_message("An answer")
    rated = with_feedback(fields, {"id": "m-1", "kind": "answer"})
    [block] = [block for block in rated["blocks"] if block.get("block_id") == FEEDBACK_BLOCK_ID]
    assert [element["value"] for element in block["elements"]] == ["m-1", "m-1"]
    assert [element["action_id"] for element in block["elements"]] == ["feedback-up", "feedback-down"]
    assert with_feedback(fields, {"id": "m-2", "kind": "decline"})["blocks"][-1]["block_id"] == FEEDBACK_BLOCK_ID
    assert with_feedback(fields, {"id": "m-3", "kind": "text"}) == fields  # a greeting is not judged
    assert with_feedback(fields, {"kind": "answer"}) == fields


def test_a_thumbs_down_opens_the_modal_and_its_comment_is_kept(client: TestClient, standin: SlackStandIn) -> None:
    answer, thread_ts = slack_answer(client)
    store = store_of(client)
    response = post(client, click_payload(answer.id, thread_ts, "feedback-down"))
    assert response.status_code == 200, response.text
    [judgement] = store.judgements()  # kept before the webhook answered
    assert (judgement.message_id, judgement.rating, judgement.comment) == (answer.id, "down", None)
    [opened] = [call for call in standin.calls if call.method == "views.open" and answer.id in str(call.body)]
    assert opened.body["trigger_id"] == "12345.98765.abcd"
    view = opened.body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == MODAL_CALLBACK

    too_long = post(client, submission_payload(view, "x" * 501))
    assert too_long.json()["response_action"] == "errors"
    submitted = post(client, submission_payload(view, "  The wrong people  "))
    assert submitted.status_code == 200 and submitted.content == b""
    [judgement] = store.judgements()
    assert (judgement.rating, judgement.comment) == ("down", "The wrong people")
    # Another 👎 on it (the same reader, or another in the thread) keeps the comment and shows it.
    again = post(client, click_payload(answer.id, thread_ts, "feedback-down"))
    assert again.status_code == 200, again.text
    [judgement] = store.judgements()
    assert (judgement.rating, judgement.comment) == ("down", "The wrong people")
    reopened = [call for call in standin.calls if call.method == "views.open" and answer.id in str(call.body)][-1]
    view = reopened.body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    [block] = view["blocks"]
    assert block["element"]["initial_value"] == "The wrong people"
    # A feedback click is no question: nothing was posted in the thread.
    assert standin.in_thread(CHANNEL, thread_ts) == []
    assert CLICKER not in stored_text(store)


def test_a_thumbs_up_is_kept_and_thanked_to_the_clicker_alone(client: TestClient, standin: SlackStandIn) -> None:
    answer, thread_ts = slack_answer(client)
    response = post(client, click_payload(answer.id, thread_ts, "feedback-up"))
    assert response.status_code == 200, response.text
    [judgement] = store_of(client).judgements()
    assert judgement.rating == "up"
    thanks = standin.wait_for(
        lambda calls: any(c.method == "chat.postEphemeral" and c.thread_ts == thread_ts for c in calls), 10
    )
    [ephemeral] = [call for call in thanks if call.method == "chat.postEphemeral" and call.thread_ts == thread_ts]
    assert ephemeral.body["user"] == CLICKER and ephemeral.channel == CHANNEL
    assert CLICKER not in stored_text(store_of(client))


@pytest.mark.parametrize(("age", "signed"), [(0, False), (600, True)])
def test_unsigned_or_stale_clicks_are_refused(client: TestClient, age: int, signed: bool) -> None:
    answer, thread_ts = slack_answer(client)
    response = post(client, click_payload(answer.id, thread_ts, "feedback-down"), age=age, signed=signed)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert store_of(client).judgements() == []


def test_a_click_on_an_unknown_message_keeps_nothing(client: TestClient, standin: SlackStandIn) -> None:
    _, thread_ts = slack_answer(client)
    before = len([call for call in standin.calls if call.method == "views.open"])
    response = post(client, click_payload("no-such-message", thread_ts, "feedback-down"))
    assert response.status_code == 200
    assert store_of(client).judgements() == []
    assert len([call for call in standin.calls if call.method == "views.open"]) == before
