"""End to end: Slack's own payloads, signed, sent to the running web app's Slack webhook, which
asks the running Rasa server (through its REST channel, with the token) and posts the answers.

The bot's Web API calls go to a local stand-in (tests/slack_standin.py) that records them. The
payloads, retry headers and signing vectors are the ones Slack's SDKs and Rasa test with
(../shared/eval/slack/, see its SOURCES.tsv); each test gives its messages fresh timestamps.

Checking that something did NOT happen (an ignored or repeated message got no answer) needs no
waiting: the web app answers a thread's messages one after the other, in the order they came. So
after the message under test, a "probe" is sent in the same thread; once the probe's answer is
there, an answer to the message under test would be there too.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from conftest import SEED_ARTICLE
from slack_standin import Call, SlackStandIn, running_standin, sign, signed_headers

from newsbot.channels.chat_client import ChatClient, reply_of
from newsbot.channels.slack_events import session_id
from newsbot.channels.slack_feedback import DOWN_ACTION
from newsbot.conversations.store import ConversationStore, database_url
from newsbot.serving.supervisor import (
    RASA,
    StackConfig,
    free_port,
    running_stack,
    start_rasa,
    start_web,
    stop,
    train,
)
from newsbot.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

# A copy of ../shared/eval/slack (the team's test material; SOURCES.tsv gives each file's origin
# and licence), kept in the repo so that CI's clone has it wherever it runs.
EVAL = PROJECT_ROOT / "tests" / "data" / "slack"
SHARED_EVAL = PROJECT_ROOT.parent / "shared" / "eval" / "slack"
WEBHOOK = "/webhooks/slack/webhook"
TOKEN = "xoxb-newsbot-test-token"
WATCHED_CHANNEL = "CNEWSBOT1"  # SLACK_CHANNEL: every message there is answered
STORY_CHANNEL = "CSTORY1"  # SLACK_CHANNEL_ARTICLES: a channel about the seed story
TIMEOUT = 60.0
CAPABILITIES = "I can answer questions about"  # utter_capabilities, the probes' answer
NO_ANSWER_YET = "There's no answer of mine to refer to yet"


def load(name: str) -> Any:
    return json.loads((EVAL / name).read_text(encoding="utf-8"))


VECTORS = load("signing_test_vectors.json")
RASA_VECTOR = next(vector for vector in VECTORS if vector["source"].startswith("RasaHQ/rasa"))
SECRET = str(RASA_VECTOR["signing_secret"])  # the test secret: Rasa's own
WRONG_SECRET = str(RASA_VECTOR["wrong_signing_secret"])
RETRIES = load("retry_headers_examples.json")
MENTION = load("bolt_event_callback_app_mention.json")
BOT_USER = str(MENTION["authed_users"][0])  # the app's bot user in the mention payload: <@W111>
_timestamps = itertools.count(1)


def fresh_ts() -> str:
    """A message timestamp no other test uses (each is a new thread, so a new conversation)."""
    return f"{int(time.time())}.{next(_timestamps):06d}"


def with_event(payload: dict[str, Any], **event: Any) -> dict[str, Any]:
    """The payload with event fields replaced (and a fresh timestamp unless one is given)."""
    result = copy.deepcopy(payload)
    ts = event.pop("ts", None) or fresh_ts()
    result["event"].update(ts=ts, event_ts=ts, **event)
    result["event_id"] = f"Ev{ts.replace('.', '')}"
    return result


def mention(text: str, channel: str = "C111", thread_ts: str | None = None, user: str | None = None) -> dict[str, Any]:
    extra: dict[str, str] = {"thread_ts": thread_ts} if thread_ts else {}
    if user:
        extra["user"] = user
    return with_event(MENTION, text=f"<@{BOT_USER}> {text}", channel=channel, **extra)


def direct_message(text: str, thread_ts: str | None = None) -> dict[str, Any]:
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    return with_event(load("rasa_direct_message_event_im.json"), text=text, **extra)


@dataclass
class Slack:
    """Slack's side of the conversation: signed requests to the web app's webhook, the stand-in's
    records; and Rasa's HTTP API, to see what the bot read."""

    stack: StackConfig
    http: httpx.Client
    standin: SlackStandIn

    @property
    def webhook(self) -> str:
        return f"{self.stack.web_url}{WEBHOOK}"

    def latest_user_text(self, conversation: str) -> str:
        """What the bot read last in a conversation (Rasa's HTTP API, with the token)."""
        deadline = time.monotonic() + TIMEOUT
        url = f"{self.stack.rasa_url}/conversations/{conversation}/tracker"
        while True:
            tracker = self.http.get(url, params={"token": self.stack.rasa_token}).json()
            text = tracker["latest_message"].get("text")
            if text is not None or time.monotonic() > deadline:
                return str(text)
            time.sleep(0.1)

    def post(
        self, body: bytes, content_type: str, secret: str = SECRET, age: int = 0, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        signed = signed_headers(secret, body, content_type, age)
        return self.http.post(self.webhook, content=body, headers={**signed, **(headers or {})})

    def event(self, payload: dict[str, Any], **options: Any) -> httpx.Response:
        return self.post(json.dumps(payload).encode(), "application/json", **options)

    def action(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")

    def send(self, payload: dict[str, Any]) -> None:
        response = self.event(payload)
        assert response.status_code == 200, response.text

    def replies(self, channel: str, thread_ts: str, count: int = 1) -> list[Call]:
        """The bot's posts in a thread, once there are `count` of them."""
        self.standin.wait_for(lambda calls: len(thread_calls(calls, channel, thread_ts)) >= count)
        return self.standin.in_thread(channel, thread_ts)

    def probe(self, channel: str, thread_ts: str) -> list[Call]:
        """Ask "what can you do?" in the thread; once answered, all the bot's posts in the thread."""
        if channel == "channel1":
            self.send(direct_message("what can you do?", thread_ts))
        else:
            self.send(mention("what can you do?", channel, thread_ts))

        def answered(calls: list[Call]) -> bool:
            return any(CAPABILITIES in call.text for call in thread_calls(calls, channel, thread_ts))

        self.standin.wait_for(answered)
        return self.standin.in_thread(channel, thread_ts)


def thread_calls(calls: list[Call], channel: str, thread_ts: str) -> list[Call]:
    return [call for call in calls if call.channel == channel and call.thread_ts == thread_ts]


def quotes(call: Call) -> list[str]:
    return [
        block["text"]["text"]
        for block in call.blocks
        if block["type"] == "section" and block["text"]["text"].startswith("> ")
    ]


def contexts(call: Call) -> list[str]:
    return [element["text"] for block in call.blocks if block["type"] == "context" for element in block["elements"]]


def buttons(call: Call) -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(block.get("block_id", "")), element)
        for block in call.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def stack_config(scratch: Path) -> StackConfig:
    return StackConfig(
        rasa_port=free_port(),
        web_port=free_port(),
        logs_dir=scratch / "logs",
        tracker_sqlite=scratch / "conversations.db",
    )


SLACK_SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CHANNEL", "SLACK_CHANNEL_ARTICLES", "SLACK_API_URL")


def test_without_slack_settings_the_connector_is_off_and_the_bot_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SLACK_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    with running_stack(stack_config(tmp_path)) as running:
        off = httpx.post(f"{running.web_url}{WEBHOOK}", json=load("bolt_url_verification.json"), timeout=TIMEOUT)
        assert off.status_code == 404
        assert "SLACK_BOT_TOKEN" in off.json()["error"]["message"]
        # Rasa has no Slack channel of its own any more.
        assert httpx.post(f"{running.rasa_url}{WEBHOOK}", json={}, timeout=TIMEOUT).status_code == 404
        with ChatClient(running.web_url, timeout=TIMEOUT) as client:
            replies = [reply_of(message) for message in client.send("no-slack-session", "What did Labour commit to?")]
        assert any(reply is not None and reply.passages for reply in replies), replies


@pytest.fixture(scope="module")
def standin() -> Iterator[SlackStandIn]:
    with running_standin() as running:
        yield running


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory, standin: SlackStandIn) -> Iterator[Slack]:
    """The bot, with Slack settings in its environment (the web app inherits them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLACK_BOT_TOKEN", TOKEN)
        patch.setenv("SLACK_SIGNING_SECRET", SECRET)
        patch.setenv("SLACK_CHANNEL", WATCHED_CHANNEL)
        patch.setenv("SLACK_CHANNEL_ARTICLES", f"{STORY_CHANNEL}={SEED_ARTICLE}")
        patch.setenv("SLACK_API_URL", standin.base_url)
        with (
            running_stack(stack_config(tmp_path_factory.mktemp("slack"))) as running,
            httpx.Client(timeout=TIMEOUT) as http,
        ):
            yield Slack(running, http, standin)


def test_with_the_actions_down_a_slack_user_gets_an_apology(
    tmp_path: Path, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", standin.base_url)
    monkeypatch.delenv("SLACK_CHANNEL", raising=False)
    config = stack_config(tmp_path)
    model = train(config)
    web = start_web(config)
    try:
        # Rasa's action endpoint is a port where nothing listens: its actions are down.
        rasa = start_rasa(dataclasses.replace(config, web_port=free_port()), model)
        try:
            with httpx.Client(timeout=TIMEOUT) as http:
                slack = Slack(config, http, standin)
                question = mention("What did Labour commit to?", channel="CDOWN1")
                slack.send(question)
                thread = question["event"]["ts"]
                (apology,) = slack.replies("CDOWN1", thread)
                assert apology.text.startswith("Sorry"), apology
                # The conversation goes on: a turn that needs no action (a thank-you is answered
                # by the domain's response) still gets its reply.
                slack.send(mention("thank you", channel="CDOWN1", thread_ts=thread))
                replies = slack.replies("CDOWN1", thread, count=2)
                assert not replies[1].text.startswith("Sorry"), replies
        finally:
            stop(rasa)
    finally:
        stop(web)


def test_the_payloads_are_the_shared_test_material() -> None:
    if not SHARED_EVAL.is_dir():
        pytest.skip(f"{SHARED_EVAL} is not on this machine")
    shared = sorted(path.name for path in SHARED_EVAL.iterdir())
    assert sorted(path.name for path in EVAL.iterdir()) == shared
    for name in shared:
        assert (EVAL / name).read_bytes() == (SHARED_EVAL / name).read_bytes(), name


def test_our_signatures_match_slacks_and_rasas_vectors() -> None:
    for vector in VECTORS:
        body = str(vector["body"]).encode()
        assert sign(str(vector["signing_secret"]), str(vector["timestamp"]), body) == vector["x_slack_signature"]


def test_the_app_manifest_sends_events_and_clicks_to_the_webhook() -> None:
    manifest = yaml.safe_load((PROJECT_ROOT / "slack" / "manifest.yml").read_text(encoding="utf-8"))
    events, interactivity = manifest["settings"]["event_subscriptions"], manifest["settings"]["interactivity"]
    assert events["request_url"].endswith(WEBHOOK) and interactivity["request_url"].endswith(WEBHOOK)
    assert interactivity["is_enabled"] is True
    assert {"app_mention", "message.im"} <= set(events["bot_events"])
    assert {"app_mentions:read", "chat:write", "im:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_url_verification_answers_the_challenge_of_signed_requests_only(slack: Slack) -> None:
    verification = load("bolt_url_verification.json")
    answered = slack.event(verification)
    assert answered.status_code == 200
    assert answered.json() == {"challenge": verification["challenge"]}
    assert slack.event(verification, secret=WRONG_SECRET).status_code == 400


def test_a_mention_is_answered_in_its_thread_with_quotes_and_their_sources(slack: Slack) -> None:
    payload = mention("What did Labour commit to?")
    slack.send(payload)
    (reply,) = slack.replies("C111", payload["event"]["ts"])
    assert reply.method == "chat.postMessage"
    assert reply.headers["authorization"] == f"Bearer {TOKEN}"
    assert reply.channel == "C111"
    assert reply.thread_ts == payload["event"]["ts"]
    assert "as_user" not in reply.body
    assert reply.text.startswith("Here is what the article says") or "different accounts" in reply.text
    passages = quotes(reply)
    assert passages, reply.blocks
    # Each quote bolds the sentences that answer; the fallback text quotes those sentences too.
    for passage in passages:
        answering = re.findall(r"\*([^*]+)\*", passage)
        assert answering, passage
        assert all(unescape(sentence) in reply.text for sentence in answering), (passage, reply.text)
    assert len(contexts(reply)) == len(passages)
    assert all(" · paragraph " in line for line in contexts(reply))


def test_a_channel_about_one_story_asks_about_that_story(slack: Slack) -> None:
    """SLACK_CHANNEL_ARTICLES: the bot reads the story's name with each message of the channel,
    and the editors' report counts the turn beside that story; other channels name none."""
    in_story = mention("What did Labour commit to?", channel=STORY_CHANNEL)
    elsewhere = mention("What did Labour commit to?")
    for payload in (in_story, elsewhere):
        slack.send(payload)
    slack.replies(STORY_CHANNEL, in_story["event"]["ts"])
    slack.replies("C111", elsewhere["event"]["ts"])

    def metadata(channel: str, ts: str) -> dict[str, Any]:
        url = f"{slack.stack.rasa_url}/conversations/{session_id(channel, ts)}/tracker"
        tracker = slack.http.get(url, params={"token": slack.stack.rasa_token}).json()
        return dict(tracker["latest_message"].get("metadata") or {})

    assert metadata(STORY_CHANNEL, in_story["event"]["ts"]).get("article") == SEED_ARTICLE
    assert "article" not in metadata("C111", elsewhere["event"]["ts"])
    assert slack.stack.tracker_sqlite is not None
    store = ConversationStore(database_url(None, slack.stack.tracker_sqlite))
    try:
        recorded = {row.session_id: row.article for row in store.replies_since()}
    finally:
        store.close()
    assert recorded[session_id(STORY_CHANNEL, in_story["event"]["ts"])] == SEED_ARTICLE
    assert recorded[session_id("C111", elsewhere["event"]["ts"])] is None


def test_the_bot_reads_the_question_without_its_mention_and_unescaped(slack: Slack) -> None:
    # Slack escapes &, < and > in what users type, and puts the mention in the text.
    payload = mention("What did Labour promise &amp; commit to?")
    ts = payload["event"]["ts"]
    slack.send(payload)
    slack.replies("C111", ts)
    assert slack.latest_user_text(session_id("C111", ts)) == "What did Labour promise & commit to?"


def test_follow_ups_work_within_a_thread_and_threads_are_separate_conversations(slack: Slack) -> None:
    question = mention("How did Labour describe the meeting?")
    root = question["event"]["ts"]
    slack.send(question)
    (answer,) = slack.replies("C111", root)
    paragraphs = [line.split(" · paragraph ")[1].split()[0] for line in contexts(answer)]
    assert paragraphs

    # Someone else asks in the thread: one conversation per thread, whoever writes in it.
    slack.send(mention("who said that?", "C111", thread_ts=root, user="W333"))
    follow_up = slack.replies("C111", root, count=2)[1]
    assert follow_up.thread_ts == root
    for paragraph in paragraphs:
        assert f"Paragraph {paragraph}:" in follow_up.text, follow_up.text

    elsewhere = mention("who said that?")
    slack.send(elsewhere)
    (fresh,) = slack.replies("C111", elsewhere["event"]["ts"])
    assert NO_ANSWER_YET in fresh.text


def test_a_direct_message_is_answered_in_its_thread(slack: Slack) -> None:
    payload = direct_message("Who attended the meeting?")
    slack.send(payload)
    (reply,) = slack.replies("channel1", payload["event"]["ts"])
    assert reply.channel == "channel1"
    assert quotes(reply)


def test_a_suggested_question_is_asked_when_its_button_is_clicked(slack: Slack) -> None:
    payload = direct_message("What did Theresa May say?")
    root = payload["event"]["ts"]
    slack.send(payload)
    (decline,) = slack.replies("channel1", root)
    assert not quotes(decline)
    offered = buttons(decline)
    assert offered, decline.blocks
    block_id, button = offered[0]

    click = load("rasa_block_actions_form_payload.json")
    click["channel"] = {"id": "channel1"}
    click["message"] = decline.message()
    click["actions"] = [{**button, "block_id": block_id, "action_ts": fresh_ts()}]
    response = slack.action(click)
    assert response.status_code == 200, response.text

    answer = slack.replies("channel1", root, count=2)[1]
    assert answer.thread_ts == root
    assert quotes(answer), f"clicking {button['value']!r} gave {answer.text!r}"


def test_messages_from_bots_are_ignored_its_own_included(slack: Slack) -> None:
    own = load("bolt_event_callback_message_from_bot_id.json")  # its user is the app's bot user
    classic = load("bolt_event_callback_message_subtype_bot_message.json")
    own_without_bot_id = copy.deepcopy(own)
    del own_without_bot_id["event"]["bot_id"], own_without_bot_id["event"]["bot_profile"]
    for payload in (own, classic, own_without_bot_id):
        # In a direct message channel, where a user's message would be answered.
        message = with_event(payload, channel="channel1", channel_type="im")
        slack.send(message)
        posts = slack.probe("channel1", message["event"]["ts"])
        assert len(posts) == 1, [post.text for post in posts]


def test_channel_messages_are_answered_only_in_the_watched_channel(slack: Slack) -> None:
    elsewhere = with_event(load("bolt_event_callback_message_channel.json"), text="What did Labour commit to?")
    slack.send(elsewhere)
    assert len(slack.probe("C111", elsewhere["event"]["ts"])) == 1

    watched = with_event(elsewhere, channel=WATCHED_CHANNEL, text="What did Labour commit to?")
    slack.send(watched)
    (reply,) = slack.replies(WATCHED_CHANNEL, watched["event"]["ts"])
    assert quotes(reply)


def test_a_message_delivered_as_message_and_as_mention_is_answered_once(slack: Slack) -> None:
    ts = fresh_ts()
    as_message = with_event(load("bolt_event_callback_message_channel.json"), ts=ts, channel=WATCHED_CHANNEL)
    as_message["event"]["text"] = f"<@{BOT_USER}> Who attended the meeting?"
    as_mention = with_event(MENTION, ts=ts, channel=WATCHED_CHANNEL, text=as_message["event"]["text"])
    as_mention["event_id"] += "m"  # two events, one message
    slack.send(as_message)
    slack.send(as_mention)
    posts = slack.probe(WATCHED_CHANNEL, ts)
    assert len(posts) == 2, [post.text for post in posts]  # the answer, and the probe's


def test_requests_without_a_valid_recent_signature_are_rejected(slack: Slack) -> None:
    payload = mention("What did Labour commit to?")
    body = json.dumps(payload).encode()
    assert slack.event(payload, secret=WRONG_SECRET).status_code == 400
    assert slack.event(payload, age=10 * 60).status_code == 400  # over five minutes old
    for missing in ("X-Slack-Signature", "X-Slack-Request-Timestamp"):
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(SECRET, timestamp, body),
        }
        del headers[missing]
        assert slack.http.post(slack.webhook, content=body, headers=headers).status_code == 400
    # Rasa's vector: signed with the right secret, but its timestamp is long past.
    replayed = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(RASA_VECTOR["timestamp"]),
        "X-Slack-Signature": str(RASA_VECTOR["x_slack_signature"]),
    }
    assert (
        slack.http.post(slack.webhook, content=str(RASA_VECTOR["body"]).encode(), headers=replayed).status_code == 400
    )
    posts = slack.probe("C111", payload["event"]["ts"])
    assert len(posts) == 1, [post.text for post in posts]  # the probe's answer only


def test_a_retry_never_produces_a_second_answer(slack: Slack) -> None:
    payload = mention("What did the Jewish leaders ask for?")
    root = payload["event"]["ts"]
    slack.send(payload)
    slack.replies("C111", root)
    # Slack's retries (after a timeout, or for another reason: Slack got no answer at all, say)
    # are recognised, and Slack is told not to try again.
    other = {"X-Slack-Retry-Num": "3", "X-Slack-Retry-Reason": "http_error"}
    for headers in (RETRIES["rasa"]["headers"], RETRIES["bolt_python"]["headers"], other):
        retry = slack.event(payload, headers={name: str(value) for name, value in headers.items()})
        assert retry.status_code == 200
        assert retry.headers["X-Slack-No-Retry"] == "1"
    posts = slack.probe("C111", root)
    assert len(posts) == 2, [post.text for post in posts]  # the answer, and the probe's


def test_slack_gets_its_answer_before_the_bot_replies(slack: Slack) -> None:
    """The webhook answers while the bot's reply is still held back by the (stand-in) Web API: the
    message is handled after the webhook has answered, however long that takes."""
    payload = mention("What happens next?")
    root = payload["event"]["ts"]
    slack.standin.hold()
    try:
        slack.send(payload)  # answered although the reply cannot get through yet
        slack.standin.wait_for(lambda calls: bool(thread_calls(calls, "C111", root)))
    finally:
        slack.standin.release()
    (reply,) = slack.replies("C111", root)
    assert reply.text


def test_a_thumbs_down_on_a_real_answer_is_kept_and_the_clicker_is_not(slack: Slack) -> None:
    payload = direct_message("Who attended the meeting?")
    root = payload["event"]["ts"]
    slack.send(payload)
    (answer,) = slack.replies("channel1", root)
    [(block_id, down)] = [(block, button) for block, button in buttons(answer) if button["action_id"] == DOWN_ACTION]
    click = load("rasa_block_actions_form_payload.json")
    click.update(channel={"id": "channel1"}, message=answer.message(), trigger_id="trigger-e2e")
    click["actions"] = [{**down, "block_id": block_id, "action_ts": fresh_ts()}]
    assert slack.action(click).status_code == 200
    assert slack.stack.tracker_sqlite is not None
    store = ConversationStore(database_url(None, slack.stack.tracker_sqlite))
    try:
        [judgement] = [j for j in store.judgements() if j.session_id == session_id("channel1", root)]
        assert (judgement.message_id, judgement.rating) == (down["value"], "down")
        [recorded] = [row for row in store.replies_since() if row.id == down["value"]]
        assert (recorded.channel, recorded.question, recorded.kind) == ("slack", "Who attended the meeting?", "answer")
        assert click["user"]["id"] not in repr(store.replies_since()) + repr(store.judgements())
    finally:
        store.close()
    assert any(call.method == "views.open" and down["value"] in str(call.body) for call in slack.standin.calls)
