"""The app's side of Rasa's REST channel: send a user's message, get the bot's messages back
merged with their structured sources."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from devtools.rasa_client import ANSWER_TYPE, HEALTH_GREETING, WEBHOOK_PATH

logger = logging.getLogger(__name__)

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


def paragraph_url(article: str, paragraph: int) -> str:
    """Where the demo page shows a paragraph, relative to the app's address."""
    return f"/#{article}-p{paragraph}"


def _source(row: dict[str, Any]) -> dict[str, Any]:
    source = {key: row.get(key) for key in ("article", "title", "paragraph", "speaker", "text", "score")}
    if isinstance(source["article"], str) and isinstance(source["paragraph"], int):
        source["url"] = paragraph_url(source["article"], source["paragraph"])
    return source


def merge_messages(raw: object) -> list[dict[str, Any]]:
    """Rasa's messages as the API returns them: one message per bot utterance, with its buttons
    and, for an answer, its structured sources (the actions send them as a custom payload after
    the text).

    Rasa's REST channel splits a text at blank lines into several messages; consecutive texts are
    joined back (an answer's passages belong to one message), and a message ends at its buttons
    or at its answer payload."""
    if not isinstance(raw, list):
        raise BotFailed("the bot's reply is not a list of messages")
    messages: list[dict[str, Any]] = []
    open_message: dict[str, Any] | None = None
    for item in raw:
        if not isinstance(item, dict):
            continue
        custom = item.get("custom")
        if isinstance(custom, dict) and custom.get("type") == ANSWER_TYPE:
            if open_message is None:
                open_message = {"text": "", "buttons": [], "sources": [], "answerable": None}
                messages.append(open_message)
            sources = custom.get("sources")
            rows = sources if isinstance(sources, list) else []
            open_message["sources"] = [_source(row) for row in rows if isinstance(row, dict)]
            answerable = custom.get("answerable")
            open_message["answerable"] = answerable if isinstance(answerable, bool) else None
            open_message = None
            continue
        text = item.get("text")
        if not isinstance(text, str):
            continue
        buttons = [
            {"title": str(button.get("title", "")), "payload": str(button.get("payload", button.get("title", "")))}
            for button in item.get("buttons") or []
            if isinstance(button, dict)
        ]
        if open_message is not None and not open_message["buttons"]:
            open_message["text"] += "\n\n" + text
            open_message["buttons"] = buttons
        else:
            open_message = {"text": text, "buttons": buttons, "sources": [], "answerable": None}
            messages.append(open_message)
    return messages


class RasaGateway:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

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
        return merge_messages(body)

    async def reachable(self) -> bool:
        try:
            response = await self._http.get("/", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.text.startswith(HEALTH_GREETING)
