"""The FastAPI app: `uvicorn newsbot.web.app:create_app --factory` (what `newsbot serve` runs)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from newsbot import __version__
from newsbot.conversations.retention import keep_conversations
from newsbot.conversations.store import store_of
from newsbot.retrieval.service import SearcherSource, install_source
from newsbot.settings import Settings, get_settings
from newsbot.web.errors import install_error_handlers
from newsbot.web.limits import BodySizeLimit, OriginGuard
from newsbot.web.rasa_gateway import RasaGateway
from newsbot.web.routers import actions, admin, answers, chat, feedback, health, pages, report, slack
from newsbot.web.shared_state import RateLimiter, RedisDeliveryMemory, RedisStatus
from newsbot.web.slack_connector import SlackConnector
from newsbot.web.watcher import watch_index

logger = logging.getLogger(__name__)

# Rasa posts the whole conversation tracker to the action webhook: it grows with the conversation.
WEBHOOK_MAX_BYTES = 20_000_000
# A button click's payload carries the whole message that holds the button (up to 50 blocks of up
# to 3,000 characters), form-encoded.
SLACK_WEBHOOK_MAX_BYTES = 1_000_000

DESCRIPTION = """Answers questions about news articles in the articles' own words.

* `POST /api/chat`: a conversation with the bot (through Rasa), for the chat widget.
* `POST /api/feedback`: a reader's thumbs up or down (and comment) on one of the bot's messages.
* `POST /api/ask` and `GET /api/search`: answers and retrieval without the bot, for other programs.
* `GET /healthz`: the index and the bot's state.
* `POST /webhooks/slack/webhook`: Slack's Events API and interactivity (when Slack is configured).

Errors are JSON: `{"error": {"code": ..., "message": ...}}`.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    source: SearcherSource = app.state.source
    install_source(source)  # the actions hosted here search the same index, loaded once
    await run_in_threadpool(source.get)  # load the model and the index before the first question
    # What is loaded stays: the garbage collector's full passes leave it out. Under load each pass
    # walked it all, about 0.13 s every second or so, while every request waited.
    gc.collect()
    gc.freeze()
    watcher = asyncio.create_task(
        watch_index(source, settings.watch_interval_seconds, settings.watch_knowledge), name="index watcher"
    )
    keeper = asyncio.create_task(
        keep_conversations(app.state.conversations, settings.retention_days), name="conversation keeper"
    )
    try:
        yield
    finally:
        for task in (watcher, keeper):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        app.state.conversations.close()
        if app.state.slack is not None:
            await app.state.slack.close()
        await app.state.rasa.close()


def create_app(settings: Settings | None = None, source: SearcherSource | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="newsbot", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.source = source or SearcherSource(settings.knowledge_dir, settings.index_dir, settings.model)
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    searchers: SearcherSource = app.state.source
    app.state.rasa = RasaGateway(
        settings.rasa_url,
        settings.rasa_timeout_seconds,
        token,
        sentence_vectors=lambda texts: searchers.get().question_vectors(texts),
    )
    app.state.conversations = store_of(settings)
    redis = app.state.redis = RedisStatus(settings.redis_url)
    app.state.session_limiter = RateLimiter("session", settings.session_rate_per_minute, redis, settings.redis_prefix)
    app.state.client_limiter = RateLimiter("client", settings.client_rate_per_minute, redis, settings.redis_prefix)
    # A Slack thread is a chat session: the same limit per conversation. There is no limit per
    # client address, since every Slack request comes from Slack's own.
    deliveries = RedisDeliveryMemory(redis, settings.redis_prefix) if redis.configured else None
    app.state.slack = SlackConnector.from_settings(
        settings, app.state.rasa, app.state.session_limiter, app.state.conversations, deliveries
    )
    app.state.executor = actions.action_executor()
    install_error_handlers(app)
    routers = (pages.router, chat.router, answers.router, health.router, admin.router, actions.router, slack.router)
    for router in routers:
        app.include_router(router)
    app.include_router(feedback.router)
    app.include_router(report.router)
    # Starlette runs the middleware added last first: origin check, then CORS, then the body cap.
    own_caps = {"/webhook": WEBHOOK_MAX_BYTES, slack.WEBHOOK_PATH: SLACK_WEBHOOK_MAX_BYTES}
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, exempt=own_caps)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Authorization"],
        max_age=600,
    )
    app.add_middleware(OriginGuard, allowed=settings.cors_origins)
    return app
