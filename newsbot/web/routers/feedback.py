"""POST /api/feedback: a reader's judgement of one of the bot's messages (thumbs up or down, and
an optional comment), kept with the conversation; a later judgement replaces an earlier one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from newsbot.conversations.store import MAX_COMMENT_CHARS, RATINGS, StoreError
from newsbot.web.deps import Conversations, limit_client
from newsbot.web.errors import ApiError
from newsbot.web.schemas import FeedbackRequest, FeedbackResponse

router = APIRouter(prefix="/api", tags=["feedback"], dependencies=[Depends(limit_client)])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such message in this conversation"},
    422: {"description": "invalid request, a rating other than up or down, a comment over 500 characters"},
    503: {"description": "the conversation store is not available"},
}


@router.post("/feedback", response_model=FeedbackResponse, responses=ERRORS)
async def rate(request: FeedbackRequest, conversations: Conversations) -> dict[str, Any]:
    """Keep the reader's judgement of message `message_id` of conversation `session_id`."""
    if request.rating not in RATINGS:
        raise ApiError(422, "invalid_rating", 'The rating must be "up" or "down".')
    comment = (request.comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise ApiError(
            422,
            "comment_too_long",
            f"The comment is {len(comment):,} characters long; the limit is {MAX_COMMENT_CHARS}.",
        )
    try:
        kept = await run_in_threadpool(
            conversations.rate, request.session_id, request.message_id, request.rating, comment, datetime.now(UTC)
        )
    except (SQLAlchemyError, StoreError) as error:
        raise ApiError(503, "store_unavailable", "Feedback cannot be kept right now; please try again.") from error
    if not kept:
        raise ApiError(404, "unknown_message", "This conversation has no such message of the bot's.")
    return {"message_id": request.message_id, "rating": request.rating, "comment": comment}
