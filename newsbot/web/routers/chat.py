"""POST /api/chat: a conversation with the bot, through Rasa's REST channel."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from newsbot.conversations.recording import WIDGET, record, stamp
from newsbot.retrieval.service import SearcherSource
from newsbot.settings import Settings
from newsbot.web.deps import (
    Conversations,
    get_app_settings,
    get_rasa,
    get_session_limiter,
    get_source,
    limit_client,
    unknown_article,
)
from newsbot.web.errors import ApiError
from newsbot.web.rasa_gateway import BotFailed, BotUnavailable, RasaGateway
from newsbot.web.schemas import ChatRequest, ChatResponse
from newsbot.web.shared_state import RateLimiter

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[Depends(limit_client)])

ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "invalid request, empty or too long message, unknown article"},
    429: {"description": "too many messages in this session or from this address (see Retry-After)"},
    502: {"description": "the bot answered with an error"},
    503: {"description": "the bot is not available"},
}


@router.post("/chat", response_model=ChatResponse, responses=ERRORS)
async def chat(
    request: ChatRequest,
    settings: Annotated[Settings, Depends(get_app_settings)],
    rasa: Annotated[RasaGateway, Depends(get_rasa)],
    session_limiter: Annotated[RateLimiter, Depends(get_session_limiter)],
    conversations: Conversations,
    source: Annotated[SearcherSource, Depends(get_source)],
) -> dict[str, Any]:
    """Send the user's message in conversation `session_id`; the bot's replies with their sources,
    each with the `id` that feedback on it names (POST /api/feedback)."""
    message = request.message.strip()
    if not message:
        raise ApiError(422, "empty_message", "The message is empty.")
    if len(message) > settings.max_message_chars:
        raise ApiError(
            422,
            "message_too_long",
            f"The message is {len(message):,} characters long; the limit is {settings.max_message_chars:,}.",
        )
    if request.article is not None:
        searcher = source.current()
        if searcher is None:  # the first request: load the index off the event loop
            searcher = await asyncio.to_thread(source.get)
        if request.article not in searcher.articles:
            raise unknown_article(request.article)
    wait = await session_limiter.check(request.session_id)
    if wait:
        raise ApiError(429, "rate_limited", f"Too many messages; try again in {wait} s.", {"Retry-After": str(wait)})
    started = time.perf_counter()
    try:
        messages = await rasa.send(request.session_id, message, request.article)
    except BotUnavailable as error:
        raise ApiError(503, error.code, f"Sorry, {error}. Please try again in a moment.") from None
    except BotFailed as error:
        raise ApiError(502, "rasa_failed", f"Sorry, {error}. Please try again in a moment.") from None
    latency_ms = round((time.perf_counter() - started) * 1000)
    await record(conversations, stamp(messages, request.session_id, WIDGET, message, latency_ms, request.article))
    return {"session_id": request.session_id, "messages": messages}
