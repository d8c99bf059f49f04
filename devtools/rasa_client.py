"""A small synchronous client of a running Rasa server's REST channel, for the tests and benchmarks
that talk to Rasa itself (a restart, the tracker store, the channel's own apology); everything a
reader does goes through the web app (newsbot.channels.chat_client).

`RasaClient(base_url, token).send(sender, text)` posts ``{"sender": ..., "message": ...}`` to
``POST {base_url}/webhooks/rest/webhook`` with the token `newsbot serve` gave Rasa
(`StackConfig.rasa_token`), and returns the bot's messages as the web app's /api/chat shows them
(`newsbot.web.rasa_gateway.api_messages`), so `devtools.transcripts.BotTurn.of` summarises either.
`RasaUnavailable` (one line) when Rasa cannot be reached, refuses or fails.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

import httpx

from newsbot.channels.text import shorten
from newsbot.web.rasa_gateway import WEBHOOK_PATH, BotFailed, api_messages

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0


class RasaUnavailable(Exception):
    """Rasa cannot be reached, did not answer in time, or answered with an error or not a reply."""


def auth_headers(token: str) -> dict[str, str]:
    """What Rasa's REST channel and HTTP API ask of their caller."""
    return {"Authorization": f"Bearer {token}"}


class RasaClient:
    """Talks to one Rasa server; use as a context manager (or call close())."""

    def __init__(self, base_url: str, token: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=auth_headers(token))

    def __enter__(self) -> RasaClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        """Send one user message in conversation `sender`; the bot's messages in order."""
        try:
            response = self._http.post(WEBHOOK_PATH, json={"sender": sender, "message": text})
        except httpx.HTTPError as error:
            detail = shorten(str(error), 80) or type(error).__name__
            raise RasaUnavailable(f"cannot reach Rasa at {self.base_url}: {detail}") from None
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered HTTP {response.status_code}: {shorten(response.text, 80)}")
        try:
            return api_messages(response.json())
        except (ValueError, BotFailed) as error:
            raise RasaUnavailable(f"Rasa's reply is not a list of messages: {error}") from None
