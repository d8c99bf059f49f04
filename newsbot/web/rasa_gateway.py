"""The app's side of Rasa's REST channel: send a user's message, get the bot's messages back,
each rendered for the API from the typed reply it carries."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from newsbot.channels.widget import message_json, text_message_json
from newsbot.domain import Reply

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
HEALTH_GREETING = "Hello from Rasa"
ANSWER_TYPE = "answer"  # the custom payload's type of a newsbot reply (actions/answers.py)

# Rasa reads a message that starts with "/" as an intent trigger ("/greet{...}"), after stripping
# whitespace. A zero-width space in front makes it plain text; the actions drop it again.
PLAIN_TEXT_MARK = "\u200b"


class BotUnavailable(Exception):
    """Rasa cannot be reached or did not answer in time."""


class BotFailed(Exception):
    """Rasa answered with an error or with something that is not a list of messages."""


def as_plain_text(message: str) -> str:
    text = message.strip()
    return PLAIN_TEXT_MARK + text if text.startswith("/") else text


def _buttons(item: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"title": str(button.get("title", "")), "payload": str(button.get("payload", button.get("title", "")))}
        for button in item.get("buttons") or []
        if isinstance(button, dict)
    ]


def api_messages(raw: object) -> list[dict[str, Any]]:
    """Rasa's messages as the API returns them. Each of the bot's utterances is one message (the
    REST channel keeps its parts together); one carrying a newsbot reply as its custom payload is
    rendered from that reply, any other (a greeting, Rasa's own responses) from its text."""
    if not isinstance(raw, list):
        raise BotFailed("the bot's reply is not a list of messages")
    messages: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        custom = item.get("custom")
        if isinstance(custom, dict) and custom.get("type") == ANSWER_TYPE:
            try:
                reply = Reply.from_json(custom)
            except (KeyError, TypeError, ValueError) as error:
                logger.error("the bot sent a malformed reply (%s): %.200r", error, custom)
                raise BotFailed("the bot's reply is malformed") from None
            messages.append(message_json(reply))
        elif isinstance(item.get("text"), str):
            messages.append(text_message_json(item["text"], _buttons(item)))
    return messages


class RasaGateway:
    """The web app's client of Rasa's REST channel; `token` is the one `newsbot serve` gave both."""

    def __init__(self, base_url: str, timeout: float, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, headers=headers)

    async def close(self) -> None:
        await self._http.aclose()

    async def send(self, session_id: str, message: str) -> list[dict[str, Any]]:
        try:
            response = await self._http.post(
                WEBHOOK_PATH, json={"sender": session_id, "message": as_plain_text(message)}
            )
        except httpx.TimeoutException:
            raise BotUnavailable("the bot did not answer in time") from None
        except httpx.HTTPError as error:
            logger.warning("cannot reach Rasa at %s: %s", self.base_url, error)
            raise BotUnavailable("the bot is not reachable") from None
        if response.status_code != 200:
            logger.error("Rasa answered HTTP %d: %s", response.status_code, response.text[:200])
            raise BotFailed(f"the bot answered with an error (HTTP {response.status_code})")
        try:
            body = response.json()
        except ValueError:
            raise BotFailed("the bot's reply is not JSON") from None
        return api_messages(body)

    async def reachable(self) -> bool:
        try:
            response = await self._http.get("/", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.text.startswith(HEALTH_GREETING)
