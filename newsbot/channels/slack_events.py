"""What Slack sends the bot, read into what the bot does: Events API requests (url_verification,
messages and mentions) and interactivity requests (button clicks). Pure functions of a request's
headers and body; the web app's Slack connector (newsbot/web/slack_connector.py) does the I/O.

- A request is authentic when its X-Slack-Signature is the signing secret's HMAC of its timestamp
  and body, and the timestamp is at most five minutes away (slack_sdk's SignatureVerifier).
- A turn is a question to answer and the thread its answer goes in. Each thread is one
  conversation (`session_id`), whoever writes in it; a top-level message starts its own thread.
- The bot answers mentions, direct messages, and every message of the watched channel
  (SLACK_CHANNEL); never a bot's message (its own included), nor edits, joins and the like.
- `delivery` names the message however Slack delivers it (a retry, or one message as both
  `message` and `app_mention`), so that it is answered once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from newsbot.channels.slack_feedback import COMMENT_ACTION, COMMENT_BLOCK, DOWN_ACTION, MODAL_CALLBACK, UP_ACTION

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# Message subtypes that are a person writing; the others (bot_message, message_changed,
# channel_join…) are not questions.
USER_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
# Slack's markup for links in what users type: <https://example.org|label>, <mailto:a@b.org|a@b.org>.
LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")


class BadRequest(ValueError):
    """A signed request whose body is not one Slack sends."""


@dataclass(frozen=True)
class Challenge:
    """url_verification: Slack checks the Events request URL; the answer is {"challenge": value}."""

    value: str


@dataclass(frozen=True)
class SlackTurn:
    """A question to answer: what the user asked, the thread the answer goes in, and what names
    this delivery of it (Slack may deliver it more than once)."""

    channel: str
    thread_ts: str
    text: str
    delivery: str | None

    @property
    def session_id(self) -> str:
        return session_id(self.channel, self.thread_ts)


@dataclass(frozen=True)
class SlackRating:
    """A click on 👍 or 👎: the message it judges, in the thread's conversation."""

    session_id: str
    message_id: str
    rating: str
    channel: str
    thread_ts: str
    user: str | None  # for the ephemeral thank-you only; never stored
    trigger_id: str | None  # opens the comment modal after a 👎


@dataclass(frozen=True)
class SlackComment:
    """The comment modal's submission: what the reader said was wrong."""

    session_id: str
    message_id: str
    comment: str


def session_id(channel: str, thread_ts: str) -> str:
    """The conversation of a Slack thread. Its colons keep it outside /api/chat's session ids, so
    no web client can write into the conversation of a Slack thread."""
    return f"slack:{channel}:{thread_ts}"


def authentic(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """The request is signed with the signing secret, and its timestamp is within five minutes."""
    try:
        return verifier.is_valid(body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature"))
    except ValueError:  # a timestamp that is no number, a body that is not UTF-8
        return False


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


Asked = Challenge | SlackTurn | SlackRating | SlackComment | None


def read_request(body: bytes, content_type: str | None, watched_channel: str | None) -> Asked:
    """What an authentic request asks for: the url_verification challenge, a turn to answer, a
    reader's feedback (a 👍/👎 click, the comment modal's submission), or nothing (a bot's
    message, an event or a click the bot does not act on). BadRequest when the body is not JSON,
    or not a form with a JSON `payload`."""
    kind = media_type(content_type)
    try:
        if kind == JSON:
            request = json.loads(body)
        elif kind == FORM:
            request = json.loads(parse_qs(body.decode("utf-8"), strict_parsing=True)["payload"][0])
        else:
            raise BadRequest(f"Slack sends {JSON} or {FORM}, not {kind or 'no content type'}")
    except (KeyError, ValueError) as error:
        raise BadRequest(f"the body is not one Slack sends ({error})") from None
    if not isinstance(request, dict):
        raise BadRequest("the body is not a JSON object")
    if kind == FORM:
        return rating_of(request) or comment_of(request) or click_turn(request)
    if request.get("type") == "url_verification":
        return Challenge(str(request.get("challenge", "")))
    # Slack's events say "event_callback"; Rasa's test payloads have the event alone.
    if request.get("type", "event_callback") == "event_callback":
        return event_turn(request, watched_channel)
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def bot_users(request: Mapping[str, Any]) -> set[str]:
    """The app's bot users the request was delivered for (its authorizations)."""
    authorizations = request.get("authorizations")
    if not isinstance(authorizations, list):
        return set()
    return {
        str(item["user_id"])
        for item in authorizations
        if isinstance(item, dict) and item.get("is_bot") and item.get("user_id")
    }


def addressed_users(request: Mapping[str, Any]) -> set[str]:
    """Users whose mention is dropped from a question: the bot users the event was delivered to."""
    users = bot_users(request)
    authed = request.get("authed_users")
    if isinstance(authed, list):
        users |= {user for user in authed if isinstance(user, str) and user}
    return users


def from_a_person(event: Mapping[str, Any], bots: set[str]) -> bool:
    """A person wrote it: no bot's message (a classic bot's, an app's, or this app's own), and no
    edit, deletion, join or other non-message."""
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype") not in USER_SUBTYPES:
        return False
    return _text(event.get("user")) is not None and event.get("user") not in bots


def question_text(text: str, mentioned: set[str]) -> str:
    """What the user asked, as typed: the bot's mentions dropped, links as their labels, and
    Slack's escapes (&amp; &lt; &gt;) undone."""
    for user in mentioned:
        text = re.sub(rf"\s*<@{re.escape(user)}(?:\|[^>]*)?>\s*", " ", text)
    text = LINK.sub(lambda link: link.group(2) if link.group(2) is not None else link.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip()


def event_turn(request: Mapping[str, Any], watched_channel: str | None) -> SlackTurn | None:
    """The turn of an event_callback: a person's mention of the bot, direct message, or message in
    the watched channel; None for any other event."""
    event = request.get("event")
    if not isinstance(event, dict) or event.get("type") not in ("message", "app_mention"):
        return None
    channel, ts, text = _text(event.get("channel")), _text(event.get("ts")), _text(event.get("text"))
    if channel is None or ts is None or text is None or not from_a_person(event, bot_users(request)):
        return None
    if not (event["type"] == "app_mention" or event.get("channel_type") == "im" or channel == watched_channel):
        return None
    question = question_text(text, addressed_users(request))
    if not question:
        return None  # a bare mention: nothing to answer
    thread_ts = _text(event.get("thread_ts")) or ts
    return SlackTurn(channel, thread_ts, question, f"message:{channel}:{ts}")


def click_turn(payload: Mapping[str, Any]) -> SlackTurn | None:
    """The turn of a click on a suggested question's button: the question, asked in the thread of
    the message that holds the button; None for any other interaction (or a link button)."""
    if payload.get("type") != "block_actions":
        return None
    actions, channel, message, user = (
        payload.get("actions"), payload.get("channel"), payload.get("message"), payload.get("user")
    )  # fmt: skip
    if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
        return None
    if not (isinstance(channel, dict) and isinstance(message, dict)):
        return None
    action = actions[0]
    question, channel_id = _text(action.get("value")), _text(channel.get("id"))
    thread_ts = _text(message.get("thread_ts")) or _text(message.get("ts"))
    if action.get("type") != "button" or question is None or channel_id is None or thread_ts is None:
        return None
    if not question.strip():
        return None
    clicker = _text(user.get("id")) if isinstance(user, dict) else None
    action_ts = _text(action.get("action_ts"))
    delivery = f"click:{clicker}:{action_ts}" if clicker and action_ts else None
    return SlackTurn(channel_id, thread_ts, question.strip(), delivery)


def rating_of(payload: Mapping[str, Any]) -> SlackRating | None:
    """The rating of a block_actions payload whose action is a feedback button; None otherwise."""
    if payload.get("type") != "block_actions":
        return None
    actions, channel, message = payload.get("actions"), payload.get("channel"), payload.get("message")
    if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
        return None
    action = actions[0]
    rating = {UP_ACTION: "up", DOWN_ACTION: "down"}.get(str(action.get("action_id")))
    if rating is None or not (isinstance(channel, dict) and isinstance(message, dict)):
        return None
    message_id, channel_id = _text(action.get("value")), _text(channel.get("id"))
    thread_ts = _text(message.get("thread_ts")) or _text(message.get("ts"))
    if message_id is None or channel_id is None or thread_ts is None:
        return None
    user = payload.get("user")
    return SlackRating(
        session_id=session_id(channel_id, thread_ts),
        message_id=message_id,
        rating=rating,
        channel=channel_id,
        thread_ts=thread_ts,
        user=_text(user.get("id")) if isinstance(user, dict) else None,
        trigger_id=_text(payload.get("trigger_id")),
    )


def comment_of(payload: Mapping[str, Any]) -> SlackComment | None:
    """The comment of the feedback modal's view_submission; None for any other payload."""
    view = payload.get("view")
    if payload.get("type") != "view_submission" or not isinstance(view, dict):
        return None
    if view.get("callback_id") != MODAL_CALLBACK:
        return None
    try:
        metadata = json.loads(str(view.get("private_metadata") or ""))
        value = view["state"]["values"][COMMENT_BLOCK][COMMENT_ACTION].get("value")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(metadata, dict):
        return None
    session, message_id = metadata.get("session_id"), metadata.get("message_id")
    if not (_text(session) and _text(message_id)):
        return None
    return SlackComment(str(session), str(message_id), value.strip() if isinstance(value, str) else "")
