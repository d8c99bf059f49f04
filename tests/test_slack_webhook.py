"""The web app's Slack webhook through TestClient, with Slack's own payloads signed with a test
secret and the Web API stand-in (tests/slack_standin.py). Rasa is not running here: every
question gets the apology, which is what these tests count; the answers themselves, with a real
Rasa, are in test_slack_e2e.py."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import AppFactory
from fastapi.testclient import TestClient
from pydantic import ValidationError
from slack_standin import Call, SlackStandIn, running_standin, signed_headers

from newsbot.settings import PROJECT_ROOT, Settings
from newsbot.web.slack_connector import APOLOGY, OFF_MESSAGE

WEBHOOK = "/webhooks/slack/webhook"
TOKEN = "xoxb-newsbot-unit-token"
SECRET = "a-test-signing-secret"
JSON = "application/json"
_timestamps = iter(range(1, 1_000_000))


def load(name: str) -> Any:
    return json.loads((PROJECT_ROOT / "tests" / "data" / "slack" / name).read_text(encoding="utf-8"))


def mention(text: str, thread_ts: str | None = None) -> dict[str, Any]:
    payload = copy.deepcopy(load("bolt_event_callback_app_mention.json"))
    ts = f"{int(time.time())}.{next(_timestamps):06d}"
    payload["event"].update(text=f"<@W111> {text}", ts=ts, event_ts=ts, channel="CUNIT1")
    if thread_ts:
        payload["event"]["thread_ts"] = thread_ts
    return dict(payload)


def post(client: TestClient, body: bytes, content_type: str = JSON, **headers: str) -> Any:
    return client.post(WEBHOOK, content=body, headers={**signed_headers(SECRET, body, content_type), **headers})


def send(client: TestClient, payload: dict[str, Any], **headers: str) -> Any:
    response = post(client, json.dumps(payload).encode(), **headers)
    assert response.status_code == 200, response.text
    return response


def thread_of(payload: dict[str, Any]) -> str:
    return str(payload["event"].get("thread_ts") or payload["event"]["ts"])


def posts(standin: SlackStandIn, thread_ts: str, count: int) -> list[Call]:
    """The bot's posts in a thread, once there are `count`. A thread's questions are answered in the
    order they came: once the last one's answer is there, all the earlier ones' are too."""
    standin.wait_for(lambda calls: len([call for call in calls if call.thread_ts == thread_ts]) >= count, 30)
    return standin.in_thread("CUNIT1", thread_ts)


@pytest.fixture(scope="module")
def standin() -> Iterator[SlackStandIn]:
    with running_standin() as running:
        yield running


@pytest.fixture
def make_slack_client(make_client: AppFactory, standin: SlackStandIn) -> AppFactory:
    """A TestClient of an app with Slack settings (Rasa down); keyword arguments are settings."""

    def make(**overrides: Any) -> TestClient:
        slack = {"slack_bot_token": TOKEN, "slack_signing_secret": SECRET, "slack_api_url": standin.base_url}
        return make_client(**{**slack, **overrides})

    return make


@pytest.fixture
def client(make_slack_client: AppFactory) -> TestClient:
    return make_slack_client()


def test_without_a_token_and_a_secret_the_connector_is_off(
    make_slack_client: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    off = make_slack_client(slack_bot_token=None, slack_signing_secret=None)
    response = post(off, json.dumps(load("bolt_url_verification.json")).encode())
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "slack_off", "message": OFF_MESSAGE}}
    assert "SLACK_BOT_TOKEN" in OFF_MESSAGE
    with caplog.at_level(logging.ERROR, logger="newsbot.web.slack_connector"):
        half = make_slack_client(slack_signing_secret=None)
    assert "SLACK_SIGNING_SECRET is not set" in caplog.text
    assert post(half, b"{}").status_code == 404


def test_slack_settings_keep_slacks_own_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", f" {SECRET} ")
    monkeypatch.setenv("SLACK_CHANNEL", "")
    monkeypatch.setenv("SLACK_API_URL", "")
    settings = Settings()
    assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == TOKEN
    assert settings.slack_signing_secret is not None and settings.slack_signing_secret.get_secret_value() == SECRET
    assert settings.slack_channel is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.slack_channel_articles == {}
    monkeypatch.setenv("SLACK_CHANNEL_ARTICLES", " C0123=rail-strike, C0456 = apex-profit-warning ,")
    assert Settings().slack_channel_articles == {"C0123": "rail-strike", "C0456": "apex-profit-warning"}
    monkeypatch.setenv("SLACK_CHANNEL_ARTICLES", "C0123")
    with pytest.raises(ValidationError, match="is not CHANNEL=ARTICLE"):
        Settings()


def test_url_verification_and_every_request_need_a_valid_signature(client: TestClient) -> None:
    verification = load("bolt_url_verification.json")
    body = json.dumps(verification).encode()
    assert post(client, body).json() == {"challenge": verification["challenge"]}
    forged = client.post(WEBHOOK, content=body, headers=signed_headers("not-the-secret", body, JSON))
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "invalid_signature"
    stale = client.post(WEBHOOK, content=body, headers=signed_headers(SECRET, body, JSON, age=6 * 60))
    assert stale.status_code == 400
    assert client.post(WEBHOOK, content=body, headers={"Content-Type": JSON}).status_code == 400
    assert post(client, b"{not json").json()["error"]["code"] == "bad_request"


def test_with_rasa_down_a_question_gets_an_apology_in_its_thread(client: TestClient, standin: SlackStandIn) -> None:
    payload = mention("What did Labour commit to?")
    started = time.monotonic()
    send(client, payload)
    assert time.monotonic() - started < 3  # Slack's own limit: the answer comes afterwards
    (apology,) = posts(standin, thread_of(payload), 1)
    assert apology.method == "chat.postMessage"
    assert apology.headers["authorization"] == f"Bearer {TOKEN}"
    assert apology.channel == "CUNIT1"
    assert apology.text == APOLOGY


def test_a_message_delivered_again_is_taken_once(client: TestClient, standin: SlackStandIn) -> None:
    payload = mention("Who attended the meeting?")
    send(client, payload)
    for reason in ("http_timeout", "http_error"):
        again = send(client, payload, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason})
        assert again.headers["X-Slack-No-Retry"] == "1"
    send(client, mention("what can you do?", thread_ts=thread_of(payload)))  # a probe in the thread
    assert len(posts(standin, thread_of(payload), 2)) == 2  # the first delivery's and the probe's


def test_a_click_on_a_long_message_is_taken(client: TestClient, standin: SlackStandIn) -> None:
    # A click's payload holds the whole message of the button: far over the API's body cap.
    root = mention("anything")
    thread_ts = thread_of(root)
    payload = load("rasa_block_actions_form_payload.json")
    payload["channel"] = {"id": "CUNIT1"}
    payload["message"].update(thread_ts=thread_ts, blocks=[{"type": "section", "text": "x" * 2900}] * 40)
    payload["actions"] = [{"type": "button", "value": "Who attended the meeting?", "action_ts": f"{time.time()}"}]
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert len(body) > 100_000
    response = post(client, body, "application/x-www-form-urlencoded")
    assert response.status_code == 200, response.text
    (answer,) = posts(standin, thread_ts, 1)
    assert answer.text == APOLOGY


def test_slack_is_limited_per_thread_not_per_address(make_slack_client: AppFactory, standin: SlackStandIn) -> None:
    client = make_slack_client(session_rate_per_minute=2, client_rate_per_minute=1, max_message_chars=100)
    first = mention("What did Labour commit to?")
    thread_ts = thread_of(first)
    send(client, first)
    send(client, mention("x" * 101, thread_ts=thread_ts))  # over the length cap: never reaches the bot
    send(client, mention("Who attended?", thread_ts=thread_ts))
    send(client, mention("And then?", thread_ts=thread_ts))  # the third question in a minute
    replies = [call.text for call in posts(standin, thread_ts, 4)]
    assert replies[0] == APOLOGY
    assert replies[1] == "Your message is 101 characters long; I take at most 100."
    assert replies[2] == APOLOGY
    assert replies[3].startswith("Too many messages in this thread; try again in ")
    other = mention("What did Labour commit to?")
    send(client, other)  # another thread, from the same address
    assert [call.text for call in posts(standin, thread_of(other), 1)] == [APOLOGY]
