"""A small synchronous client of the web app's chat API (POST /api/chat), for the terminal's chat
and for conversation testing: the bot is reached through the one public door, as a reader does.

`ChatClient(base_url).send(session_id, text)` returns the bot's messages as the API gives them
(`text`, `kind`, `lead`, `buttons`, `sources`, `sides`, `answerable`, `contested`); a refusal
(a message over the length cap, too many messages) comes back as one message of kind "refused"
with the API's own explanation, as a reader would see it. `ChatUnavailable` when the app cannot
be reached, does not answer in time, or fails (5xx).
"""

from __future__ import annotations

import logging
import uuid
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from newsbot.domain import Reply, ReplyKind, Side, Source

logger = logging.getLogger(__name__)

CHAT_PATH = "/api/chat"
HEALTH_PATH = "/healthz"
DEFAULT_TIMEOUT = 30.0
REFUSED = "refused"
TEXT = "text"


class ChatError(Exception):
    """A problem talking to the web app; its message is one line."""


class ChatUnavailable(ChatError):
    """The web app cannot be reached, did not answer in time, or failed."""


class InvalidURL(ChatError):
    """The address is not an http(s) URL."""


def check_url(base_url: str) -> str:
    """`base_url` without a trailing slash, or InvalidURL when it is not an http(s) address."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidURL(f"not an http(s) URL: {base_url!r} (for example http://127.0.0.1:8000)")
    return base_url.strip().rstrip("/")


def new_session_id() -> str:
    return f"cli-{uuid.uuid4().hex}"


def _snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def reply_of(message: dict[str, Any]) -> Reply | None:
    """The typed reply an API message carries (None for a plain text message or a refusal)."""
    kind = message.get("kind")
    if kind not in {item.value for item in ReplyKind}:
        return None
    try:
        return Reply(
            kind=ReplyKind(kind),
            lead=str(message.get("lead") or ""),
            passages=tuple(Source.from_json(source) for source in message.get("sources") or []),
            sides=tuple(Side(str(s["name"]), tuple(map(str, s["speakers"]))) for s in message.get("sides") or []),
            suggestions=tuple(str(button["payload"]) for button in message.get("buttons") or []),
        )
    except (KeyError, TypeError, ValueError):
        return None


class ChatClient:
    """Talks to one web app; use as a context manager (or call close())."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not timeout > 0:
            raise ValueError("the timeout must be more than 0 seconds")
        self.base_url = check_url(base_url)
        self.timeout = timeout
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        try:
            return self._http.request(method, path, json=body)
        except httpx.TimeoutException:
            raise ChatUnavailable(f"the bot at {self.base_url} did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as error:
            detail = _snippet(str(error), 80) or type(error).__name__
            raise ChatUnavailable(f"cannot reach the bot at {self.base_url}: {detail}") from None

    def health(self) -> dict[str, Any]:
        """The app's /healthz body; ChatUnavailable when no newsbot web app answers there."""
        response = self._request("GET", HEALTH_PATH)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "status" not in body:
            raise ChatUnavailable(
                f"{self.base_url} is not a newsbot web app (GET {HEALTH_PATH}: {response.status_code})"
            )
        return body

    def send(self, session_id: str, text: str, article: str | None = None) -> list[dict[str, Any]]:
        """Send one message in conversation `session_id` (`article`: asked about that article only,
        as the widget beside a story asks); the bot's messages in order."""
        sent = {"session_id": session_id, "message": text, **({"article": article} if article else {})}
        response = self._request("POST", CHAT_PATH, sent)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and isinstance(body.get("messages"), list):
            return [message for message in body["messages"] if isinstance(message, dict)]
        error = body.get("error") if isinstance(body, dict) else None
        explanation = error.get("message") if isinstance(error, dict) else None
        if 400 <= response.status_code < 500 and isinstance(explanation, str):
            return [{"text": explanation, "kind": REFUSED, "lead": explanation, "buttons": [], "sources": []}]
        detail = explanation if isinstance(explanation, str) else _snippet(response.text, 80)
        raise ChatUnavailable(f"the bot at {self.base_url} answered HTTP {response.status_code}: {detail}")
