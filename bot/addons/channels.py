"""The REST channel (POST /webhooks/rest/webhook), guarded: Rasa is an internal service, and this
is the door the web app uses.

- It answers the web app only when NEWSBOT_RASA_TOKEN is set (`newsbot serve` sets it): a request
  must carry `Authorization: Bearer <token>`; others get 401.
- It refuses, before any NLU runs, a message longer than NEWSBOT_MAX_MESSAGE_CHARS (the web app's
  own cap, 1,000 by default: 413) and text that Rasa would read as an intent trigger ("/greet":
  400), so a huge paste or a forged intent costs nothing and delays no one.
- Each bot utterance comes back as one message: its text, its buttons and its custom payload
  together (Rasa's own channel splits text at blank lines and sends a payload as a message of
  its own, which the web app would have to glue back).
- A user message never meets silence: when handling it produced no reply (the action server is
  down or failed; Rasa logs it and carries on silently), the user gets a short apology.
- A turn the shared stores could not keep is refused with 503 and a code the web app passes on:
  `conversations_unavailable` when the conversations' database failed (addons.outages),
  `locks_unavailable` when the conversation locks (Redis) cannot be reached.
"""

from __future__ import annotations

import gc
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.lock_store import LockError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.outages import CONVERSATIONS_UNAVAILABLE, LOCKS_UNAVAILABLE, begin_turn

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side and I couldn't answer. Please try again in a moment."
OUTAGE_MESSAGES = {
    CONVERSATIONS_UNAVAILABLE: "The bot cannot reach its conversations' database.",
    LOCKS_UNAVAILABLE: "The bot cannot reach its conversation locks (Redis).",
}
DEFAULT_MAX_MESSAGE_CHARS = 1000
INTENT_PREFIX = "/"
MAX_SENDER_CHARS = 128
MESSAGE_PARTS = ("text", "buttons", "quick_replies", "image", "attachment", "elements", "custom")


class OneMessageOutput(CollectingOutputChannel):
    """Collects each utterance as one message, its parts together."""

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        row: dict[str, Any] = {"recipient_id": recipient_id}
        row.update({part: message[part] for part in MESSAGE_PARTS if message.get(part)})
        if len(row) > 1:
            await self._persist_message(row)


def _refusal(status: HTTPStatus, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)


async def freeze_loaded_heap(*_: Any) -> None:
    """Once the model is loaded (Rasa loads it before the server starts), its objects are left
    out of the garbage collector's full passes: under load each pass walked them all, about a
    quarter of a second every second or so, while every reader's turn waited."""
    gc.collect()
    gc.freeze()
    logger.info("%d objects of the loaded server left out of the garbage collector's passes", gc.get_freeze_count())


class GuardedRestInput(InputChannel):
    """Rasa's REST channel at its usual path, guarded as the module's docstring says."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        token = os.environ.get("NEWSBOT_RASA_TOKEN", "").strip()
        try:
            max_chars = int(os.environ.get("NEWSBOT_MAX_MESSAGE_CHARS", DEFAULT_MAX_MESSAGE_CHARS))
        except ValueError:
            logger.error("NEWSBOT_MAX_MESSAGE_CHARS is not a whole number: using %d", DEFAULT_MAX_MESSAGE_CHARS)
            max_chars = DEFAULT_MAX_MESSAGE_CHARS
        if not token:
            logger.warning("NEWSBOT_RASA_TOKEN is not set: the REST channel answers any caller on its interface")
        return cls(token, max_chars)

    def __init__(self, token: str, max_chars: int) -> None:
        self.token = token
        self.max_chars = max_chars

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("custom_webhook_GuardedRestInput", url_prefix="/webhooks/rest")
        webhook.after_server_start(freeze_loaded_heap)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                message = "This channel answers the newsbot web app only."
                return _refusal(HTTPStatus.UNAUTHORIZED, "unauthorised", message)
            try:
                body = request.json
            except Exception:  # sanic raises its own error type on a body that is not JSON
                body = None
            sender = body.get("sender") if isinstance(body, dict) else None
            text = body.get("message") if isinstance(body, dict) else None
            if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS or not isinstance(text, str):
                message = 'The body must be {"sender": ..., "message": ...}.'
                return _refusal(HTTPStatus.BAD_REQUEST, "bad_request", message)
            text = text.strip()
            if len(text) > self.max_chars:
                return _refusal(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    "message_too_long",
                    f"The message is {len(text):,} characters long; the limit is {self.max_chars:,}.",
                )
            if text.startswith(INTENT_PREFIX):
                return _refusal(HTTPStatus.BAD_REQUEST, "intent_trigger", "Messages starting with / are not taken.")
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            output = OneMessageOutput()
            problems = begin_turn()
            try:
                await on_new_message(UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata))
            except LockError as error:
                logger.error("a message of conversation %s was not handled: %s", sender, error)
                problems.add(LOCKS_UNAVAILABLE)
            except Exception:
                logger.exception("handling a message of conversation %s failed", sender)
            for problem in sorted(problems):
                logger.error("refusing a turn of conversation %s: %s", sender, OUTAGE_MESSAGES[problem])
                return _refusal(HTTPStatus.SERVICE_UNAVAILABLE, problem, OUTAGE_MESSAGES[problem])
            if not output.messages:
                logger.error("no reply to a message of conversation %s: sending an apology", sender)
                await output.send_response(sender, {"text": APOLOGY})
            return response.json(output.messages)

        return webhook
