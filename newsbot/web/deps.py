"""What the routes depend on; tests swap these through app.dependency_overrides.

Those that only read the app's state are coroutines: FastAPI runs a plain function dependency in
its threadpool, a thread hop each (four a chat turn), queued behind the searches under load."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from newsbot.conversations.store import ConversationStore
from newsbot.retrieval.search import Searcher
from newsbot.retrieval.service import SearcherSource
from newsbot.settings import Settings
from newsbot.web.errors import ApiError
from newsbot.web.rasa_gateway import RasaGateway
from newsbot.web.shared_state import RateLimiter, RedisStatus
from newsbot.web.slack_connector import OFF_MESSAGE, SlackConnector


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_source(request: Request) -> SearcherSource:
    source: SearcherSource = request.app.state.source
    return source


def get_searcher(request: Request) -> Searcher:
    """Sync, so FastAPI runs it in its threadpool: the first call (or one after the index
    changed) loads the index."""
    source: SearcherSource = request.app.state.source
    return source.get()


def unknown_article(article: str) -> ApiError:
    return ApiError(422, "unknown_article", f"There is no article {article!r} (GET /healthz lists the articles).")


def scoped_to(searcher: Searcher, article: str | None) -> Searcher:
    """The searcher over the article a request names (422 unknown_article when there is none),
    or over every article."""
    if article is None:
        return searcher
    try:
        return searcher.scoped(article)
    except KeyError:
        raise unknown_article(article) from None


async def get_rasa(request: Request) -> RasaGateway:
    gateway: RasaGateway = request.app.state.rasa
    return gateway


async def get_conversations(request: Request) -> ConversationStore:
    store: ConversationStore = request.app.state.conversations
    return store


Conversations = Annotated[ConversationStore, Depends(get_conversations)]


async def get_redis(request: Request) -> RedisStatus:
    status: RedisStatus = request.app.state.redis
    return status


async def get_slack(request: Request) -> SlackConnector:
    """The Slack connector; 404 when it is off (no Slack settings)."""
    connector: SlackConnector | None = request.app.state.slack
    if connector is None:
        raise ApiError(404, "slack_off", OFF_MESSAGE)
    return connector


async def get_session_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.session_limiter
    return limiter


async def get_client_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.client_limiter
    return limiter


async def limit_client(request: Request) -> None:
    """Every /api route: at most the configured requests per minute from one client address."""
    address = request.client.host if request.client else "unknown"
    limiter: RateLimiter = request.app.state.client_limiter
    wait = await limiter.check(address)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests from your address; try again in {wait} s.",
            {"Retry-After": str(wait)},
        )
