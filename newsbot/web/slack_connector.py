"""The web app's Slack connector: Slack's requests come in at POST /webhooks/slack/webhook
(routers/slack.py, read by newsbot.channels.slack_events); each question goes to Rasa through the
same gateway as /api/chat, as the conversation of its Slack thread; the bot's messages go back to
the thread through Slack's Web API (chat.postMessage, with slack_sdk's AsyncWebClient).

Slack wants its answer within three seconds, so a question is answered in a background task,
after the webhook has answered. A thread's questions are answered one after the other, in the
order they came, so that its answers come in that order too. A delivery Slack makes again is
recognised by the delivery memory (newsbot/web/deliveries.py) and not answered twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from newsbot.channels import slack as slack_format
from newsbot.channels.chat_client import reply_of
from newsbot.channels.slack_events import Asked, SlackComment, SlackRating, SlackTurn, authentic, read_request
from newsbot.channels.slack_feedback import MAX_COMMENT_CHARS, THANKS, comment_modal, with_feedback
from newsbot.conversations.recording import SLACK, record, stamp
from newsbot.conversations.store import ConversationStore, StoreError
from newsbot.settings import Settings
from newsbot.web.deliveries import DeliveryMemory, LocalDeliveryMemory
from newsbot.web.rasa_gateway import BotFailed, BotUnavailable, RasaGateway
from newsbot.web.shared_state import RateLimiter

logger = logging.getLogger(__name__)

OFF_MESSAGE = "The Slack connector is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to switch it on."
APOLOGY = "Sorry, something went wrong on my side and I couldn't answer. Please try again in a moment."
# At shutdown, answers under way get this long to be posted before they are cancelled.
SHUTDOWN_GRACE_SECONDS = 10.0

Fields = dict[str, Any]  # the text and blocks of a chat.postMessage call


def slack_fields(message: Mapping[str, Any]) -> Fields:
    """One of the bot's messages (as RasaGateway gives it) as a Slack message: a reply from its
    structured data, any other message (a greeting, an apology) from its text and buttons."""
    reply = reply_of(dict(message))
    if reply is not None:
        return slack_format.message(reply)
    choices = [
        (str(button.get("title", "")), str(button.get("payload", "")))
        for button in message.get("buttons") or []
        if isinstance(button, dict)
    ]
    return slack_format.text_message(str(message.get("text", "")), choices)


@dataclass
class _Turns:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0  # tasks holding or waiting for the lock


class ThreadQueue:
    """One lock per conversation, kept while a task holds or waits for it. asyncio's locks are
    fair, and the tasks are started in the order the messages came, so they take turns in it."""

    def __init__(self) -> None:
        self._threads: dict[str, _Turns] = {}

    def __len__(self) -> int:
        return len(self._threads)

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        turns = self._threads.setdefault(key, _Turns())
        turns.holders += 1
        try:
            async with turns.lock:
                yield
        finally:
            turns.holders -= 1
            if turns.holders == 0:
                del self._threads[key]


class SlackConnector:
    def __init__(
        self,
        *,
        bot_token: str,
        signing_secret: str,
        api_url: str,
        watched_channel: str | None,
        rasa: RasaGateway,
        deliveries: DeliveryMemory,
        thread_limiter: RateLimiter,
        max_message_chars: int,
        conversations: ConversationStore | None = None,
        channel_articles: Mapping[str, str] | None = None,
    ) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        # Channels each about one story (SLACK_CHANNEL_ARTICLES): answered from that article only.
        self.channel_articles = dict(channel_articles or {})
        self.web = AsyncWebClient(
            token=bot_token,
            base_url=api_url,
            retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        self.watched_channel = watched_channel
        self.rasa = rasa
        self.deliveries = deliveries
        self.thread_limiter = thread_limiter
        self.max_message_chars = max_message_chars
        self.conversations = conversations  # where the turns and the readers' feedback are kept
        self._threads = ThreadQueue()
        self._tasks: set[asyncio.Task[None]] = set()  # referenced until done, or the loop may drop them

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        rasa: RasaGateway,
        thread_limiter: RateLimiter,
        conversations: ConversationStore | None = None,
        deliveries: DeliveryMemory | None = None,
    ) -> SlackConnector | None:
        """The connector, or None (off) without both a bot token and a signing secret; `deliveries`
        shared between workers, or else this process's own."""
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        if not token or not secret:
            if token or secret:
                missing = "SLACK_SIGNING_SECRET" if token else "SLACK_BOT_TOKEN"
                logger.error("%s is not set: the Slack connector is off", missing)
            else:
                logger.info("no Slack settings: the Slack connector is off")
            return None
        logger.info("the Slack connector is on (Web API %s)", settings.slack_api_url)
        return cls(
            bot_token=token,
            signing_secret=secret,
            api_url=settings.slack_api_url,
            watched_channel=settings.slack_channel,
            channel_articles=settings.slack_channel_articles,
            rasa=rasa,
            deliveries=deliveries or LocalDeliveryMemory(),
            thread_limiter=thread_limiter,
            max_message_chars=settings.max_message_chars,
            conversations=conversations,
        )

    def authentic(self, body: bytes, headers: Mapping[str, str]) -> bool:
        return authentic(self.verifier, body, headers)

    def read(self, body: bytes, content_type: str | None) -> Asked:
        return read_request(body, content_type, self.watched_channel)

    @property
    def pending(self) -> int:
        """Questions taken and not answered yet."""
        return len(self._tasks)

    async def take(self, turn: SlackTurn) -> bool:
        """Start answering `turn` in the background; False (and nothing done) when Slack delivered
        it before."""
        if turn.delivery is not None and not await self.deliveries.first_delivery(turn.delivery):
            return False
        task = asyncio.create_task(self.answer(turn), name=f"slack answer {turn.session_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def answer(self, turn: SlackTurn) -> None:
        """Ask the bot, and post its messages in the thread; an apology when that fails."""
        async with self._threads.turn(turn.session_id):
            try:
                messages = await self._bot_messages(turn)
            except Exception:
                logger.exception("answering a Slack message of conversation %s failed", turn.session_id)
                messages = [slack_format.text_message(APOLOGY)]
            for fields in messages:
                await self.post(turn, fields)

    async def _bot_messages(self, turn: SlackTurn) -> list[Fields]:
        if len(turn.text) > self.max_message_chars:
            notice = f"Your message is {len(turn.text):,} characters long; I take at most {self.max_message_chars:,}."
            return [slack_format.text_message(notice)]
        wait = await self.thread_limiter.check(turn.session_id)
        if wait:
            logger.warning("too many Slack messages in conversation %s", turn.session_id)
            return [slack_format.text_message(f"Too many messages in this thread; try again in {wait} s.")]
        started = time.perf_counter()
        article = self.channel_articles.get(turn.channel)
        try:
            messages = await self.rasa.send(turn.session_id, turn.text, article)
        except (BotUnavailable, BotFailed) as error:
            logger.error("no answer to a Slack message of conversation %s: %s", turn.session_id, error)
            return [slack_format.text_message(APOLOGY)]
        if self.conversations is not None:
            latency_ms = round((time.perf_counter() - started) * 1000)
            await record(self.conversations, stamp(messages, turn.session_id, SLACK, turn.text, latency_ms, article))
        fields = [with_feedback(slack_fields(message), message) for message in messages]
        return fields or [slack_format.text_message(APOLOGY)]

    async def _keep(self, session: str, message_id: str, rating: str, comment: str | None) -> bool:
        if self.conversations is None:
            return False
        try:
            return await run_in_threadpool(
                self.conversations.rate, session, message_id, rating, comment, datetime.now(UTC)
            )
        except (SQLAlchemyError, StoreError) as error:
            logger.error("could not keep feedback on a Slack message of conversation %s: %s", session, error)
            return False

    async def _comment_of(self, message_id: str) -> str | None:
        """The comment kept with a message's judgement (a 👎 keeps an earlier 👎's comment)."""
        if self.conversations is None:
            return None
        try:
            judged = await run_in_threadpool(self.conversations.judgements, [message_id])
        except (SQLAlchemyError, StoreError) as error:
            logger.error("could not read the feedback on Slack message %s: %s", message_id, error)
            return None
        return judged[0].comment if judged else None

    async def rate(self, click: SlackRating) -> bool:
        """Keep a 👍/👎 (before the webhook answers); then thank for a 👍, or ask what was wrong
        after a 👎 (a modal, opened with the click's trigger_id). The clicker is not kept."""
        kept = await self._keep(click.session_id, click.message_id, click.rating, None)
        if not kept:
            logger.warning("feedback on an unknown Slack message of conversation %s", click.session_id)
            return False
        try:
            if click.rating == "down" and click.trigger_id:
                kept_comment = await self._comment_of(click.message_id)
                await self.web.views_open(
                    trigger_id=click.trigger_id,
                    view=comment_modal(click.session_id, click.message_id, kept_comment),
                )
            elif click.rating == "up" and click.user:
                await self.web.chat_postEphemeral(
                    channel=click.channel, user=click.user, thread_ts=click.thread_ts, text=THANKS
                )
        except SlackApiError as error:
            logger.error("Slack refused the feedback follow-up: %s", error.response.get("error", error))
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.error("could not reach Slack's Web API at %s: %r", self.web.base_url, error)
        return True

    async def comment(self, submission: SlackComment) -> str | None:
        """Keep the comment modal's text with the 👎; an error to show in the modal, or None."""
        if len(submission.comment) > MAX_COMMENT_CHARS:
            return f"At most {MAX_COMMENT_CHARS} characters, please."
        comment = submission.comment or None
        if not await self._keep(submission.session_id, submission.message_id, "down", comment):
            return "Sorry, your comment could not be kept."
        return None

    async def post(self, turn: SlackTurn, fields: Fields) -> None:
        """Post a message in the turn's thread; a message Slack refuses or cannot take is logged."""
        try:
            await self.web.chat_postMessage(
                channel=turn.channel, thread_ts=turn.thread_ts, text=fields["text"], blocks=fields["blocks"]
            )
        except SlackApiError as error:
            logger.error("Slack refused a message to %s: %s", turn.channel, error.response.get("error", error))
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.error("could not reach Slack's Web API at %s: %r", self.web.base_url, error)

    async def close(self) -> None:
        """Give the answers under way a few seconds to be posted, then cancel the rest."""
        if not self._tasks:
            return
        _, unfinished = await asyncio.wait(set(self._tasks), timeout=SHUTDOWN_GRACE_SECONDS)
        for task in unfinished:
            task.cancel()
        if unfinished:
            logger.warning("cancelled %d Slack answers at shutdown", len(unfinished))
            await asyncio.gather(*unfinished, return_exceptions=True)
