"""POST /api/admin/reindex: rebuild the index now (bearer token from NEWSBOT_ADMIN_TOKEN)."""

from __future__ import annotations

import base64
import binascii
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


def admin_token_set(settings: Settings) -> bool:
    return settings.admin_token is not None and bool(settings.admin_token.get_secret_value())


def presented_token(authorization: str | None, allow_basic: bool = False) -> str | None:
    """The token of an Authorization header: a Bearer token, or (allow_basic) the password of HTTP
    Basic, which lets a browser ask for it."""
    scheme, _, credentials = (authorization or "").partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if allow_basic and scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2]
    return None


def admin_token_valid(settings: Settings, presented: str | None) -> bool:
    if presented is None or settings.admin_token is None:
        return False
    return secrets.compare_digest(presented.encode(), settings.admin_token.get_secret_value().encode())


def require_token(
    settings: Annotated[Settings, Depends(get_app_settings)],
    authorization: Annotated[str | None, Header(description="Bearer <NEWSBOT_ADMIN_TOKEN>")] = None,
) -> None:
    if not admin_token_set(settings):
        raise ApiError(403, "admin_disabled", "Reindexing over HTTP is off: set NEWSBOT_ADMIN_TOKEN to turn it on.")
    if not admin_token_valid(settings, presented_token(authorization)):
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
