"""Reading Slack's requests (newsbot.channels.slack_events), the delivery memory and the order of a
thread's answers, on Slack's own payloads and signing vectors (tests/data/slack/, see its
SOURCES.tsv). Pure functions and in-process objects: no server."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import Clock, SignatureVerifier

from newsbot.channels.slack_events import (
    FORM,
    JSON,
    BadRequest,
    Challenge,
    SlackTurn,
    authentic,
    click_turn,
    event_turn,
    question_text,
    read_request,
    session_id,
)
from newsbot.domain import Reply, ReplyKind
from newsbot.settings import PROJECT_ROOT
from newsbot.web.deliveries import LocalDeliveryMemory
from newsbot.web.slack_connector import ThreadQueue, slack_fields

EVAL = PROJECT_ROOT / "tests" / "data" / "slack"
WATCHED = "CWATCHED1"


def load(name: str) -> Any:
    return json.loads((EVAL / name).read_text(encoding="utf-8"))


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self.at = now

    def now(self) -> float:
        return self.at


def headers(timestamp: str, signature: str) -> dict[str, str]:
    return {"x-slack-request-timestamp": timestamp, "x-slack-signature": signature}


# --- signatures ---------------------------------------------------------------------------


@pytest.mark.parametrize("vector", load("signing_test_vectors.json"), ids=lambda vector: vector["source"][:20])
def test_slacks_and_rasas_signing_vectors_verify_within_five_minutes_only(vector: dict[str, Any]) -> None:
    secret, timestamp, body = str(vector["signing_secret"]), str(vector["timestamp"]), str(vector["body"]).encode()
    signed = headers(timestamp, str(vector["x_slack_signature"]))
    at = int(timestamp)
    assert authentic(SignatureVerifier(secret, FixedClock(at)), body, signed)
    assert authentic(SignatureVerifier(secret, FixedClock(at + 5 * 60)), body, signed)
    assert not authentic(SignatureVerifier(secret, FixedClock(at + 5 * 60 + 1)), body, signed)
    assert not authentic(SignatureVerifier(secret, FixedClock(at - 10 * 60)), body, signed)
    assert not authentic(SignatureVerifier(secret + "x", FixedClock(at)), body, signed)
    assert not authentic(SignatureVerifier(secret, FixedClock(at)), body + b" ", signed)


def test_a_request_with_a_missing_or_malformed_header_is_not_authentic() -> None:
    rasa = next(vector for vector in load("signing_test_vectors.json") if "wrong_signing_secret" in vector)
    verifier = SignatureVerifier(str(rasa["signing_secret"]), FixedClock(int(rasa["timestamp"])))
    body = str(rasa["body"]).encode()
    signed = headers(str(rasa["timestamp"]), str(rasa["x_slack_signature"]))
    for missing in signed:
        assert not authentic(verifier, body, {name: value for name, value in signed.items() if name != missing})
    assert not authentic(verifier, body, {**signed, "x-slack-request-timestamp": "foobar"})
    assert not authentic(verifier, b"\xff\xfe", signed)  # not UTF-8
    wrong = SignatureVerifier(str(rasa["wrong_signing_secret"]), FixedClock(int(rasa["timestamp"])))
    assert not authentic(wrong, body, signed)


# --- events -------------------------------------------------------------------------------


def with_event(name: str, **fields: Any) -> dict[str, Any]:
    payload = copy.deepcopy(load(name))
    payload["event"].update(fields)
    return dict(payload)


def test_a_mention_is_a_turn_in_its_own_thread_without_the_mention() -> None:
    mention = load("bolt_event_callback_app_mention.json")
    turn = event_turn(mention, None)
    ts = mention["event"]["ts"]
    assert turn == SlackTurn("C111", ts, "Hi there!", f"message:C111:{ts}")
    assert turn.session_id == session_id("C111", ts) == f"slack:C111:{ts}"


def test_a_reply_in_a_thread_belongs_to_the_threads_conversation_whoever_writes() -> None:
    root = "1595926230.009600"
    first = event_turn(with_event("bolt_event_callback_app_mention.json", thread_ts=root, ts="1595926300.000100"), None)
    other = event_turn(
        with_event("bolt_event_callback_app_mention.json", thread_ts=root, ts="1595926400.000200", user="W333"), None
    )
    assert first is not None and other is not None
    assert first.thread_ts == other.thread_ts == root
    assert first.session_id == other.session_id
    assert first.delivery != other.delivery


def test_a_direct_message_is_a_turn_and_a_channel_message_only_in_the_watched_channel() -> None:
    direct = load("rasa_direct_message_event_im.json")
    assert event_turn(direct, None) == SlackTurn("channel1", "1579802617.000800", "hello world", direct_key(direct))
    channel = load("bolt_event_callback_message_channel.json")
    assert event_turn(channel, None) is None
    assert event_turn(channel, "COTHER1") is None
    watched = with_event("bolt_event_callback_message_channel.json", channel=WATCHED)
    turn = event_turn(watched, WATCHED)
    assert turn is not None and turn.text == "Hello World!" and turn.channel == WATCHED


def direct_key(payload: dict[str, Any]) -> str:
    return f"message:{payload['event']['channel']}:{payload['event']['ts']}"


def test_one_message_as_message_and_as_mention_has_one_delivery_key() -> None:
    text = "<@W111> Who attended the meeting?"
    as_message = with_event("bolt_event_callback_message_channel.json", channel=WATCHED, text=text, ts="1.000001")
    as_mention = with_event("bolt_event_callback_app_mention.json", channel=WATCHED, text=text, ts="1.000001")
    message_turn, mention_turn = event_turn(as_message, WATCHED), event_turn(as_mention, WATCHED)
    assert message_turn == mention_turn
    assert message_turn is not None and message_turn.text == "Who attended the meeting?"


def test_bots_messages_are_no_turns_the_apps_own_included() -> None:
    own = load("bolt_event_callback_message_from_bot_id.json")  # its user is the app's bot user
    classic = load("bolt_event_callback_message_subtype_bot_message.json")
    own_without_bot_id = copy.deepcopy(own)
    del own_without_bot_id["event"]["bot_id"], own_without_bot_id["event"]["bot_profile"]
    for payload in (own, classic, own_without_bot_id):
        payload["event"]["channel_type"] = "im"  # where a person's message would be answered
        assert event_turn(payload, None) is None, payload["event"]
    person = copy.deepcopy(own_without_bot_id)
    person["event"]["user"] = "W222"
    assert event_turn(person, None) is not None


@pytest.mark.parametrize("subtype", ["message_changed", "message_deleted", "channel_join", "bot_message"])
def test_edits_deletions_and_joins_are_no_turns(subtype: str) -> None:
    assert event_turn(with_event("rasa_direct_message_event_im.json", subtype=subtype), None) is None


@pytest.mark.parametrize("name", ["java_sdk_shape_AppMentionPayload.json", "java_sdk_shape_MessagePayload.json"])
def test_every_field_of_slacks_event_shapes_blank_is_no_turn(name: str) -> None:
    assert event_turn(load(name), "") is None


def test_other_events_and_incomplete_ones_are_no_turns() -> None:
    assert event_turn({"event": {"type": "reaction_added", "channel": "C1", "ts": "1.1", "user": "U1"}}, None) is None
    assert event_turn({"type": "event_callback"}, None) is None
    for missing in ("channel", "ts", "text", "user"):
        payload = load("rasa_direct_message_event_im.json")
        del payload["event"][missing]
        assert event_turn(payload, None) is None, missing
    bare = with_event("bolt_event_callback_app_mention.json", text="<@W111>")
    assert event_turn(bare, None) is None  # a mention and nothing to answer


def test_the_question_is_read_as_typed() -> None:
    assert question_text("<@W111> What did Labour promise &amp; commit to?", {"W111"}) == (
        "What did Labour promise & commit to?"
    )
    assert question_text("<@W111|newsbot> was it &lt;fair&gt;?", {"W111"}) == "was it <fair>?"
    assert question_text("Is <https://example.org/a?b=1&amp;c=2|this> true?", set()) == "Is this true?"
    assert question_text("See <https://example.org> and <mailto:a@b.org|a@b.org>", set()) == (
        "See https://example.org and a@b.org"
    )
    assert question_text("Ask <@W999> about it", {"W111"}) == "Ask <@W999> about it"  # only the bot's mention


# --- requests -----------------------------------------------------------------------------


def click(value: str | None = "What did Labour commit to?", **message: Any) -> dict[str, Any]:
    payload = load("rasa_block_actions_form_payload.json")
    button = {"type": "button", "action_id": "suggestion-0", "block_id": "suggestions", "action_ts": "1.5"}
    if value is not None:
        button["value"] = value
    payload["actions"] = [button]
    payload["message"].update(message)
    return dict(payload)


def form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_a_button_click_asks_its_question_in_the_thread_of_its_message() -> None:
    turn = click_turn(click(thread_ts="1579802600.000100"))
    assert turn == SlackTurn("channel1", "1579802600.000100", "What did Labour commit to?", "click:XXXXXXX:1.5")
    top_level = click_turn(click())
    assert top_level is not None and top_level.thread_ts == "1579802617.000800"
    assert click_turn(click(value=None)) is None  # a link button: nothing to ask
    assert click_turn({**click(), "type": "view_submission"}) is None


def test_read_request_tells_a_challenge_a_turn_and_nothing_apart() -> None:
    verification = load("bolt_url_verification.json")
    assert read_request(json.dumps(verification).encode(), JSON, None) == Challenge(verification["challenge"])
    mention = load("bolt_event_callback_app_mention.json")
    assert isinstance(read_request(json.dumps(mention).encode(), "application/json; charset=utf-8", None), SlackTurn)
    direct = load("rasa_direct_message_event_im.json")  # Rasa's: no "type" beside the event
    assert isinstance(read_request(json.dumps(direct).encode(), JSON, None), SlackTurn)
    assert isinstance(read_request(form(click()), FORM, None), SlackTurn)
    assert read_request(json.dumps({"type": "app_rate_limited"}).encode(), JSON, None) is None


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{not json", JSON), (b"[1, 2]", JSON), (b"payload=%7Bnot", FORM), (b"other=1", FORM), (b"x", "text/plain")],
)
def test_read_request_refuses_what_slack_never_sends(body: bytes, content_type: str) -> None:
    with pytest.raises(BadRequest):
        read_request(body, content_type, None)


# --- slack_fields: the bot's messages as Slack messages ------------------------------------


def test_a_reply_is_posted_from_its_structured_data_and_a_text_with_its_buttons() -> None:
    reply = Reply(ReplyKind.DECLINE, "The article doesn't say.", suggestions=("Who attended?",))
    api_message: dict[str, Any] = {"text": "ignored", "kind": "decline", "lead": reply.lead, "sources": []}
    api_message["buttons"] = [{"title": "Who attended?", "payload": "Who attended?"}]
    fields = slack_fields(api_message)
    assert fields["text"] == "The article doesn't say."
    assert [block["type"] for block in fields["blocks"]] == ["section", "actions"]
    greeting = {"text": "Hi & welcome", "kind": "text", "buttons": [{"title": "Ask", "payload": "What happened?"}]}
    fields = slack_fields(greeting)
    assert fields["text"] == "Hi &amp; welcome"
    (actions,) = [block for block in fields["blocks"] if block["type"] == "actions"]
    assert [(e["text"]["text"], e["value"]) for e in actions["elements"]] == [("Ask", "What happened?")]


# --- the delivery memory and the order of a thread's answers --------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_delivery_memory_says_first_once_per_key_for_its_time_span() -> None:
    clock = FakeClock()
    memory = LocalDeliveryMemory(seconds=60, clock=clock)

    async def deliveries() -> list[bool]:
        seen = [await memory.first_delivery("message:C1:1.1"), await memory.first_delivery("message:C1:1.1")]
        seen.append(await memory.first_delivery("message:C1:1.2"))
        clock.now = 59.0
        seen.append(await memory.first_delivery("message:C1:1.1"))
        clock.now = 60.0
        seen.append(await memory.first_delivery("message:C1:1.1"))
        return seen

    assert asyncio.run(deliveries()) == [True, False, True, False, True]


def test_the_delivery_memory_forgets_the_oldest_beyond_its_size() -> None:
    memory = LocalDeliveryMemory(max_keys=2)

    async def deliveries() -> list[bool]:
        for key in ("a", "b", "c"):
            await memory.first_delivery(key)
        return [await memory.first_delivery(key) for key in ("c", "b", "a")]

    assert asyncio.run(deliveries()) == [False, False, True]


def test_a_threads_turns_are_taken_in_the_order_they_came() -> None:
    queue = ThreadQueue()
    order: list[str] = []

    async def answer(thread: str, name: str, seconds: float) -> None:
        async with queue.turn(thread):
            await asyncio.sleep(seconds)
            order.append(name)

    async def run() -> None:
        # The first takes longest: the later ones of its thread wait; the other thread does not.
        tasks = [
            asyncio.create_task(answer("t1", "t1-first", 0.05)),
            asyncio.create_task(answer("t1", "t1-second", 0.0)),
            asyncio.create_task(answer("t2", "t2-only", 0.01)),
            asyncio.create_task(answer("t1", "t1-third", 0.0)),
        ]
        await asyncio.gather(*tasks)

    asyncio.run(run())
    assert order == ["t2-only", "t1-first", "t1-second", "t1-third"]
    assert len(queue) == 0
