"""A small synchronous client of a running Rasa server's REST channel.

`RasaClient(base_url, timeout).send(sender, text)` posts one user message to
``POST {base_url}/webhooks/rest/webhook`` as ``{"sender": ..., "message": ...}`` and returns
the bot's messages. Each is a JSON object with ``recipient_id`` and one or more of ``text``
(a string), ``buttons`` (``[{"title": ..., "payload": ...}]``) and ``custom`` (any object).

`BotTurn.of(messages)` summarises one reply: its texts, its buttons, and what the answer
payload says. Every article answer of newsbot's bot carries a custom message
``{"type": "answer", "question": ..., "answerable": bool, "contested": bool, "sources": [...]}``,
where each source is ``{"article", "title", "paragraph", "speaker", "text", "score"}``.

Errors: `RasaUnavailable` (cannot connect, timed out, or an HTTP status other than 200),
`BadReply` (the answer is not a REST-channel reply) and `InvalidURL`; all are `RasaError`s with a
one-line message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
DEFAULT_TIMEOUT = 30.0
HEALTH_GREETING = "Hello from Rasa"
ANSWER_TYPE = "answer"
SNIPPET_CHARS = 120


class RasaError(Exception):
    """A problem talking to the bot; its message is one line."""


class RasaUnavailable(RasaError):
    """The bot cannot be reached: no connection, no reply in time, or an HTTP error status."""


class BadReply(RasaError):
    """The bot answered with something that is not a REST-channel reply."""


class InvalidURL(RasaError):
    """The bot's address is not an http(s) URL."""


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    """`text` on one line, cut to about `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    """One message of the bot's reply, as the REST channel sends it."""

    recipient_id: str | None = None
    text: str | None = None
    buttons: tuple[Button, ...] = ()
    custom: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, value: object) -> BotMessage:
        if not isinstance(value, dict):
            raise BadReply(f"a bot message is not a JSON object: {shorten(repr(value), 80)}")
        recipient = value.get("recipient_id")
        text = value.get("text")
        if text is not None and not isinstance(text, str):
            raise BadReply(f'a bot message\'s "text" is not a string: {shorten(repr(text), 80)}')
        custom = value.get("custom")
        if custom is not None and not isinstance(custom, dict):
            raise BadReply(f'a bot message\'s "custom" is not a JSON object: {shorten(repr(custom), 80)}')
        return cls(
            recipient_id=None if recipient is None else str(recipient),
            text=text,
            buttons=_buttons(value.get("buttons")),
            custom=custom,
            raw=value,
        )


def _buttons(value: object) -> tuple[Button, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadReply(f'a bot message\'s "buttons" is not a list: {shorten(repr(value), 80)}')
    buttons = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            raise BadReply(f'a button is not {{"title": ..., "payload": ...}}: {shorten(repr(item), 80)}')
        payload = item.get("payload", "")
        buttons.append(Button(item["title"], payload if isinstance(payload, str) else str(payload)))
    return tuple(buttons)


def parse_reply(body: object) -> list[BotMessage]:
    """The bot messages of a REST-channel response body (already decoded from JSON)."""
    if not isinstance(body, list):
        raise BadReply(f"the reply is not a JSON list of messages: {shorten(repr(body), 80)}")
    return [BotMessage.from_json(item) for item in body]


@dataclass(frozen=True)
class BotTurn:
    """What one reply of the bot amounts to.

    `answerable` is None when the reply carries no answer payload (chit-chat); `declined` is true
    only when an answer payload says the articles do not answer.
    """

    messages: tuple[BotMessage, ...]
    texts: tuple[str, ...]
    buttons: tuple[Button, ...]
    sources: tuple[dict[str, Any], ...]
    answerable: bool | None
    contested: bool | None

    @property
    def declined(self) -> bool:
        return self.answerable is False

    @property
    def text(self) -> str:
        """All the reply's texts, one after another."""
        return "\n".join(self.texts)

    @property
    def paragraphs(self) -> list[int]:
        """The sources' paragraph numbers, in order."""
        return [s["paragraph"] for s in self.sources if isinstance(s.get("paragraph"), int)]

    @property
    def speakers(self) -> list[str]:
        """The sources' speakers, in order, without repeats."""
        seen: dict[str, None] = {}
        for source in self.sources:
            if isinstance(source.get("speaker"), str):
                seen.setdefault(source["speaker"], None)
        return list(seen)

    @classmethod
    def of(cls, messages: Sequence[BotMessage]) -> BotTurn:
        answers = [m.custom for m in messages if m.custom is not None and m.custom.get("type") == ANSWER_TYPE]
        sources: list[dict[str, Any]] = []
        answerable: bool | None = None
        contested: bool | None = None
        for answer in answers:
            flag = answer.get("answerable")
            if not isinstance(flag, bool):
                raise BadReply(f'the answer payload\'s "answerable" is not true or false: {shorten(repr(flag), 80)}')
            answerable = flag or bool(answerable)
            if isinstance(answer.get("contested"), bool):
                contested = answer["contested"] or bool(contested)
            listed = answer.get("sources", [])
            if not isinstance(listed, list) or not all(isinstance(s, dict) for s in listed):
                raise BadReply(f'the answer payload\'s "sources" is not a list of objects: {shorten(repr(listed), 80)}')
            sources.extend(listed)
        return cls(
            messages=tuple(messages),
            texts=tuple(m.text for m in messages if m.text),
            buttons=tuple(b for m in messages for b in m.buttons),
            sources=tuple(sources),
            answerable=answerable,
            contested=contested,
        )


def check_url(base_url: str) -> str:
    """`base_url` without a trailing slash, or InvalidURL when it is not an http(s) address."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidURL(f"not an http(s) URL: {base_url!r} (for example http://localhost:5005)")
    return base_url.strip().rstrip("/")


class RasaClient:
    """Talks to one Rasa server; use as a context manager (or call close())."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not timeout > 0:
            raise ValueError("the timeout must be more than 0 seconds")
        self.base_url = check_url(base_url)
        self.timeout = timeout
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def __enter__(self) -> RasaClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _unavailable(self, detail: str) -> RasaUnavailable:
        return RasaUnavailable(f"cannot reach the bot at {self.base_url}: {detail}")

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.TimeoutException:
            raise self._unavailable(f"no reply within {self.timeout:g} s") from None
        except httpx.ConnectError as error:
            raise self._unavailable(f"connection failed ({shorten(str(error), 80) or 'refused'})") from None
        except httpx.HTTPError as error:
            raise self._unavailable(shorten(str(error), 80) or type(error).__name__) from None
        if response.status_code != 200:
            raise self._unavailable(
                f"{method} {path} answered HTTP {response.status_code}: {shorten(response.text, 80)}"
            )
        return response

    def status(self) -> str:
        """The server's greeting (``Hello from Rasa: 3.6.21``); RasaUnavailable when it is not a Rasa server."""
        greeting = self._request("GET", "/").text.strip()
        if not greeting.startswith(HEALTH_GREETING):
            raise self._unavailable(f"GET / answered {shorten(greeting, 60)!r}, not {HEALTH_GREETING!r}")
        return greeting

    def healthy(self) -> bool:
        """Whether a Rasa server answers at the base URL."""
        try:
            self.status()
        except RasaError as error:
            logger.info("%s", error)
            return False
        return True

    def send(self, sender: str, text: str) -> list[BotMessage]:
        """Send one user message in conversation `sender`; the bot's messages in order."""
        logger.debug("%s <- %s", sender, shorten(text, 80))
        response = self._request("POST", WEBHOOK_PATH, {"sender": sender, "message": text})
        try:
            body = response.json()
        except ValueError:
            raise BadReply(
                f"the bot at {self.base_url} answered with something other than JSON: {shorten(response.text, 80)!r}"
            ) from None
        messages = parse_reply(body)
        logger.debug("%s -> %d message(s)", sender, len(messages))
        return messages
