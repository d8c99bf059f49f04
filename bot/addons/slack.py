"""Rasa's Slack connector (/webhooks/slack/webhook), configured from the environment.

SLACK_BOT_TOKEN (xoxb-…) and SLACK_SIGNING_SECRET switch it on; SLACK_CHANNEL (optional) names a
channel where the bot answers every message, not only mentions; SLACK_API_URL (optional) is the
Web API's base address, Slack's own by default (tests point it at a local stand-in). Without a
token and a signing secret the connector is off: its webhook answers 404 with a message saying
so, and the rest of Rasa runs as usual.

On top of Rasa's SlackInput (signature and timestamp checks, mentions and direct messages, button
clicks, the message handled in a background task so that Slack gets its answer at once):
- replies go in the thread of the question, and each thread is one conversation, whoever writes
  in it, so that follow-ups ("who said that?") work inside a thread;
- a message Slack delivers twice (a retry, or the same message as both `message` and
  `app_mention`) is answered once;
- messages from bots, this one included, are ignored;
- url_verification is answered with Slack's documented {"challenge": …}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from addons.channels import APOLOGY

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
OFF_MESSAGE = "The Slack connector is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to switch it on."
# Message subtypes that are a person writing; the others (bot_message, message_changed,
# channel_join…) are not questions.
USER_SUBTYPES = {None, "thread_broadcast", "file_share"}
REMEMBERED_DELIVERIES = 10_000  # Slack retries within minutes: far more than enough


class EnvSlackBot(SlackBot):
    """Rasa's Slack output channel, posting to the configured Web API address."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)
        self.posts = 0  # messages this turn tried to post: none means the user met silence

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        # Rasa adds `as_user` (a legacy argument of classic apps) and `type` (no argument of
        # chat.postMessage): a bot token needs neither.
        kwargs.pop("as_user", None)
        kwargs.pop("type", None)
        self.posts += 1
        # A message Slack refuses or cannot take is logged; the conversation goes on.
        try:
            await super()._post_message(channel, **kwargs)
        except SlackApiError as error:
            logger.error("Slack refused a message to %s: %s", channel, error.response.get("error", error))
        # Python 3.10 (Rasa's): asyncio.TimeoutError is not yet the builtin TimeoutError.
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:  # noqa: UP041
            logger.error("could not reach Slack's Web API at %s: %r", self.client.base_url, error)


class EnvSlackInput(SlackInput):
    """Rasa's Slack input channel, from the environment; see the module's docstring."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        token = os.environ.get("SLACK_BOT_TOKEN", "").strip()
        secret = os.environ.get("SLACK_SIGNING_SECRET", "").strip()
        if not token or not secret:
            if token or secret:
                missing = "SLACK_SIGNING_SECRET" if token else "SLACK_BOT_TOKEN"
                logger.error("%s is not set: the Slack connector is off", missing)
            else:
                logger.info("no Slack settings: the Slack connector is off")
            return SlackOff()
        api_url = os.environ.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        channel = os.environ.get("SLACK_CHANNEL", "").strip() or None
        logger.info("the Slack connector is on (Web API %s)", api_url)
        return cls(token, secret, channel, api_url)

    def __init__(self, token: str, signing_secret: str, channel: str | None, api_url: str) -> None:
        super().__init__(
            token,
            slack_channel=channel,
            # Rasa's from_credentials passes these defaults, its constructor does not.
            slack_retry_reason_header="x-slack-retry-reason",
            slack_retry_number_header="x-slack-retry-num",
            use_threads=True,
            slack_signing_secret=signing_secret,
            conversation_granularity="thread",
        )
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self._deliveries: OrderedDict[tuple[str, ...], None] = OrderedDict()

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return EnvSlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)

    def _get_conversation_id(self, sender_id: str | None, channel_id: str | None, thread_id: str | None) -> str | None:
        """One conversation per thread (a top-level message starts a thread of its own)."""
        if channel_id and thread_id:
            return f"{channel_id}_{thread_id}"
        return sender_id

    @staticmethod
    def _is_user_message(slack_event: dict[str, Any]) -> bool:
        if not SlackInput._is_user_message(slack_event):
            return False
        event = slack_event["event"]
        if event.get("bot_profile") or event.get("subtype") not in USER_SUBTYPES:
            return False
        bots = {item.get("user_id") for item in slack_event.get("authorizations") or [] if item.get("is_bot")}
        return event.get("user") not in bots

    @staticmethod
    def _sanitize_user_message(text: str, uids_to_remove: list[str] | None) -> str:
        # Slack sends &, < and > escaped (&amp; &lt; &gt;): the bot reads what the user typed.
        text = SlackInput._sanitize_user_message(text, uids_to_remove)
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    def _first_delivery(self, key: tuple[str, ...]) -> bool:
        if key in self._deliveries:
            return False
        self._deliveries[key] = None
        while len(self._deliveries) > REMEMBERED_DELIVERIES:
            self._deliveries.popitem(last=False)
        return True

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict[str, Any] | None,
    ) -> Any:
        retry_reason = request.headers.get(self.retry_reason_header)
        ignored_retry = request.headers.get(self.retry_num_header) and retry_reason in self.errors_ignore_retry
        key = delivery_key(request)
        if not ignored_retry and key is not None and not self._first_delivery(key):
            logger.info("Slack delivered %s again (retry reason: %s): already handled", key, retry_reason)
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        return await super().process_message(request, on_new_message, text, sender_id, metadata)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def guarded(message: UserMessage) -> None:
            # As on the REST channel (addons/channels.py): when handling the message posted
            # nothing (the actions are down or failed; Rasa logs it and goes on silently), the
            # user gets a short apology in the thread.
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("handling a Slack message of conversation %s failed", message.sender_id)
            output = message.output_channel
            if isinstance(output, EnvSlackBot) and output.posts == 0:
                logger.error("no reply to a Slack message of conversation %s: sending an apology", message.sender_id)
                await output.send_text_message(message.sender_id or "", APOLOGY)

        slack_webhook = super().blueprint(guarded)

        @slack_webhook.middleware("request")
        async def url_verification(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or request.headers.get("content-type") != "application/json":
                return None
            body = request.json
            if not isinstance(body, dict) or body.get("type") != "url_verification":
                return None
            if not self.is_request_from_slack_authentic(request):
                return None  # Rasa's webhook rejects it
            return response.json({"challenge": body.get("challenge")})

        return slack_webhook


def delivery_key(request: Request) -> tuple[str, ...] | None:
    """What identifies a message whatever way Slack delivers it: its channel and timestamp; for a
    button click, the action's timestamp."""
    content_type = request.headers.get("content-type")
    if content_type == "application/json":
        event = (request.json or {}).get("event") or {}
        if event.get("channel") and event.get("ts"):
            return ("message", str(event["channel"]), str(event["ts"]))
    elif content_type == "application/x-www-form-urlencoded":
        try:
            payload = json.loads(request.form["payload"][0])
            action = payload["actions"][0]
            return ("action", str(payload["user"]["id"]), str(action["action_ts"]))
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return None


class SlackOff(InputChannel):
    """The Slack connector when it has no settings: its webhook says so, nothing else happens."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "off", "error": OFF_MESSAGE}, status=HTTPStatus.NOT_FOUND)

        @slack_webhook.route("/webhook", methods=["GET", "POST"])
        async def webhook(_: Request) -> HTTPResponse:
            return response.json({"error": OFF_MESSAGE}, status=HTTPStatus.NOT_FOUND)

        return slack_webhook
