"""The app's side of Rasa's REST channel: send a user's message, get the bot's messages back,
each rendered for the API from the typed reply it carries.

With several Rasa replicas (NEWSBOT_RASA_URL lists them, comma-separated), each conversation goes
to one replica chosen by rendezvous hashing of its session id among those that answer, so its turns
meet the same server while it is up and move to the next one in its own order when it is not.
Every PROBE_SECONDS each replica is asked `GET /` in the background: one that does not answer is
skipped until it does (a restarting Rasa may accept connections long before it serves). A
turn is resent to another replica only when it surely never reached the first (the connection
was refused); a timeout or a connection lost after sending is a 503, never a second answer. Each
turn opens a new connection: a kept-alive socket to a replica that was killed fails only once
written to, when the turn can no longer be resent safely. The client is aiohttp's, a session per
request (so any event loop can send): httpx spent about 1 ms more CPU a request (bench/scale.py).

Given `sentence_vectors` (the app's searcher), the gateway encodes the message before sending it
(the messages that arrive together in one run of the model: newsbot/batching.py) and passes
its MiniLM sentence vector along in the message's metadata (SHARED_VECTOR, float32 little-endian,
base64): Rasa's featurizer takes it instead of running the same model on the same text again
(bot/addons/minilm_featurizer.py), and the action that searches the question takes its encoding
(Searcher.question_vectors hands it on, once). A turn runs the model once, not twice.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import aiohttp
import numpy as np
import numpy.typing as npt

from newsbot.batching import Batched
from newsbot.channels.widget import message_json, text_message_json
from newsbot.domain import Reply

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
HEALTH_GREETING = "Hello from Rasa"
ANSWER_TYPE = "answer"  # the custom payload's type of a newsbot reply (actions/answers.py)

# Rasa reads a message that starts with "/" as an intent trigger ("/greet{...}"), after stripping
# whitespace. A zero-width space in front makes it plain text; the actions drop it again.
PLAIN_TEXT_MARK = "\u200b"
# The metadata key of the article a message asks about (actions/answers.py reads it).
ARTICLE = "article"
# The metadata key of the message's sentence vector (bot/addons/minilm_featurizer.py reads it).
SHARED_VECTOR = "newsbot_sentence_vector"
# Texts' sentence vectors, in order (None for a text the searcher refuses): Searcher.question_vectors.
SentenceVectors = Callable[[list[str]], "Sequence[npt.NDArray[np.float32] | None]"]


PROBE_SECONDS = 2.0
CONNECT_SECONDS = 2.0  # a replica whose host does not even accept the connection by then is skipped
PROBE_TIMEOUT = aiohttp.ClientTimeout(total=2.0)
# Rasa's REST channel refuses a turn its shared stores could not keep with these codes (bot/addons/channels.py).
OUTAGE_CODES = ("conversations_unavailable", "locks_unavailable")


def vector_metadata(vector: npt.NDArray[np.float32]) -> str:
    """A sentence vector as the metadata carries it: float32 little-endian, base64."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


class BotUnavailable(Exception):
    """Rasa cannot be reached or did not answer in time; `code` is the API's error code."""

    def __init__(self, message: str, code: str = "rasa_unavailable") -> None:
        super().__init__(message)
        self.code = code


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


@dataclass
class Replica:
    url: str
    up: bool | None = None  # None: not tried yet
    since: float | None = None  # wall time of the last change of `up`
    why: str | None = None  # why it is down

    def mark(self, up: bool, why: str | None = None) -> None:
        if up != self.up:
            self.since = time.time()
            if up:
                logger.info("Rasa replica %s answers", self.url)
            else:
                logger.warning("Rasa replica %s does not answer: %s", self.url, why)
        self.up, self.why = up, (None if up else why)

    def health(self) -> dict[str, Any]:
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.since)) if self.since else None
        return {"url": self.url, "up": bool(self.up), "since": since, "why": self.why}


def rendezvous_order(replicas: list[Replica], session_id: str) -> list[Replica]:
    """The replicas in this conversation's own order of preference (highest random weight)."""

    def weight(replica: Replica) -> bytes:
        return hashlib.sha256(f"{replica.url}\0{session_id}".encode()).digest()

    return sorted(replicas, key=weight, reverse=True)


class RasaGateway:
    """The web app's client of Rasa's REST channel on one or more replicas; `token` is the one
    `newsbot serve` gave them all."""

    def __init__(
        self,
        base_urls: str | list[str],
        timeout: float,
        token: str | None = None,
        sentence_vectors: SentenceVectors | None = None,
    ) -> None:
        urls = base_urls.split(",") if isinstance(base_urls, str) else base_urls
        self.replicas = [Replica(url.strip().rstrip("/")) for url in urls if url.strip()]
        if not self.replicas:
            raise ValueError("no Rasa URL given")
        self.base_url = self.replicas[0].url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=CONNECT_SECONDS)
        self._prober: asyncio.Task[None] | None = None
        self._sentence_vector = None if sentence_vectors is None else Batched(sentence_vectors)

    async def close(self) -> None:
        if self._prober is not None:
            self._prober.cancel()
            with suppress(asyncio.CancelledError):
                await self._prober
            self._prober = None

    def _session(self, timeout: aiohttp.ClientTimeout | None = None) -> aiohttp.ClientSession:
        """A session for one request; no kept-alive connections (see the module's docstring)."""
        connector = aiohttp.TCPConnector(force_close=True)
        return aiohttp.ClientSession(connector=connector, headers=self._headers, timeout=timeout or self._timeout)

    def _keep_probing(self) -> None:
        """Start the background probes (on the first turn: the event loop is running by then)."""
        if self._prober is None and len(self.replicas) > 1:
            self._prober = asyncio.create_task(self._probe_forever(), name="Rasa replica probes")

    async def _probe_forever(self) -> None:
        while True:
            await self.reachable()
            await asyncio.sleep(PROBE_SECONDS)

    async def send(self, session_id: str, message: str, article: str | None = None) -> list[dict[str, Any]]:
        """The bot's replies to the message; `article` (the metadata's ARTICLE) scopes the
        answers to that article."""
        body: dict[str, Any] = {"sender": session_id, "message": as_plain_text(message)}
        metadata: dict[str, str] = {}
        if (shared := await self._shared_vector(body["message"])) is not None:
            metadata[SHARED_VECTOR] = shared
        if article is not None:
            metadata[ARTICLE] = article
        if metadata:
            body["metadata"] = metadata
        self._keep_probing()
        ordered = rendezvous_order(self.replicas, session_id)
        candidates = [replica for replica in ordered if replica.up is not False] or ordered
        for replica in candidates:
            try:
                async with self._session() as http, http.post(replica.url + WEBHOOK_PATH, json=body) as response:
                    status, content = response.status, await response.read()
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
                replica.mark(False, f"connection failed: {error}")
                continue  # the turn never reached it: the next replica may take it
            except TimeoutError:  # aiohttp's own timeouts are TimeoutErrors too
                raise BotUnavailable("the bot did not answer in time") from None
            except aiohttp.ClientError as error:
                replica.mark(False, f"connection lost: {described(error)}")
                logger.warning("lost Rasa at %s during a turn of %s: %s", replica.url, session_id, described(error))
                raise BotUnavailable("the bot stopped while answering") from None
            replica.mark(True)
            return self._messages(status, content)
        logger.warning("no Rasa replica answers (%s)", ", ".join(replica.url for replica in self.replicas))
        raise BotUnavailable("the bot is not reachable")

    async def _shared_vector(self, text: str) -> str | None:
        """The text's sentence vector for Rasa's featurizer, or None (no encoder, or text the
        action will not search as Rasa reads it: an intent-trigger guard)."""
        if self._sentence_vector is None or text.startswith(PLAIN_TEXT_MARK):
            return None
        try:
            vector = await self._sentence_vector(text)
        except Exception as error:  # the index may be unavailable: Rasa then encodes the text itself
            logger.warning("could not encode a message for Rasa's NLU: %s", error)
            return None
        return None if vector is None else vector_metadata(vector)

    def _messages(self, status: int, content: bytes) -> list[dict[str, Any]]:
        if status == 503:
            error = _error_of(content)
            if error is not None and error[0] in OUTAGE_CODES:
                message = error[1].rstrip(".")
                raise BotUnavailable(message[:1].lower() + message[1:], error[0])
        if status != 200:
            logger.error("Rasa answered HTTP %d: %s", status, content[:200].decode(errors="replace"))
            raise BotFailed(f"the bot answered with an error (HTTP {status})")
        try:
            body = json.loads(content)
        except ValueError:
            raise BotFailed("the bot's reply is not JSON") from None
        return api_messages(body)

    async def _probe(self, replica: Replica) -> bool:
        try:
            async with self._session(PROBE_TIMEOUT) as http, http.get(replica.url + "/") as response:
                status, text = response.status, (await response.read()).decode(errors="replace")
        except (aiohttp.ClientError, TimeoutError) as error:
            replica.mark(False, f"connection failed: {described(error)}")
            return False
        up = status == 200 and text.startswith(HEALTH_GREETING)
        replica.mark(up, None if up else f"answered HTTP {status}")
        return up

    async def reachable(self) -> bool:
        """Whether any replica answers (each is asked, and its state updated)."""
        answers = await asyncio.gather(*(self._probe(replica) for replica in self.replicas))
        return any(answers)

    def health(self) -> list[dict[str, Any]]:
        return [replica.health() for replica in self.replicas]


def described(error: Exception) -> str:
    """An error for a log line or /healthz: its message, or its kind when it has none (a timeout)."""
    return str(error) or type(error).__name__


def _error_of(content: bytes) -> tuple[str, str] | None:
    try:
        error = json.loads(content).get("error")
        return str(error["code"]), str(error["message"])
    except (ValueError, AttributeError, KeyError, TypeError):
        return None
