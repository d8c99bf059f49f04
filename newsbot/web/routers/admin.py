"""POST /api/admin/reindex: rebuild the index now (bearer token from NEWSBOT_ADMIN_TOKEN)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from starlette.concurrency import run_in_threadpool

from newsbot.retrieval.service import SearcherSource
from newsbot.settings import Settings
from newsbot.web.deps import get_app_settings, get_source, limit_client
from newsbot.web.errors import ApiError
from newsbot.web.schemas import ReindexResponse

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(limit_client)])


def require_token(
    settings: Annotated[Settings, Depends(get_app_settings)],
    authorization: Annotated[str | None, Header(description="Bearer <NEWSBOT_ADMIN_TOKEN>")] = None,
) -> None:
    if settings.admin_token is None or not settings.admin_token.get_secret_value():
        raise ApiError(403, "admin_disabled", "Reindexing over HTTP is off: set NEWSBOT_ADMIN_TOKEN to turn it on.")
    scheme, _, token = (authorization or "").partition(" ")
    expected = settings.admin_token.get_secret_value()
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), expected.encode()):
        raise ApiError(
            401, "unauthorized", "A valid 'Authorization: Bearer <token>' header is required.",
            {"WWW-Authenticate": "Bearer"},
        )  # fmt: skip


@router.post(
    "/reindex",
    response_model=ReindexResponse,
    dependencies=[Depends(require_token)],
    responses={401: {"description": "missing or wrong token"}, 403: {"description": "no token configured"},
               422: {"description": "a knowledge file is bad: nothing changed"}},
)  # fmt: skip
async def reindex(
    source: Annotated[SearcherSource, Depends(get_source)],
    force: Annotated[bool, Query(description="rebuild even when nothing changed")] = False,
) -> dict[str, Any]:
    """Rebuild the index from knowledge/ when it changed (or with force); the app serves the new
    build at once. A bad knowledge file leaves the running index as it was (422, naming the file)."""
    outcome = await run_in_threadpool(source.rebuild, force)
    if outcome.failed:
        raise ApiError(422, "bad_knowledge", outcome.message)
    await run_in_threadpool(source.get)
    return {
        "built": outcome.built,
        "message": outcome.message,
        "passages": outcome.passages,
        "seconds": outcome.seconds,
    }
