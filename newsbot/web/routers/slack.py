"""POST /webhooks/slack/webhook: Slack's Events API and interactivity (the app manifest,
slack/manifest.yml, sends both here). Every request must be signed (400 otherwise); the answer
is immediate, and the question is answered in the thread afterwards (newsbot/web/slack_connector.py).
404 while the connector is off."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from newsbot.channels.slack_events import BadRequest, Challenge, SlackComment, SlackRating, SlackTurn
from newsbot.channels.slack_feedback import COMMENT_BLOCK
from newsbot.web.deps import get_slack
from newsbot.web.errors import ApiError
from newsbot.web.slack_connector import SlackConnector

logger = logging.getLogger(__name__)

PREFIX = "/webhooks/slack"
WEBHOOK_PATH = f"{PREFIX}/webhook"

router = APIRouter(prefix=PREFIX, tags=["slack"])


@router.post("/webhook", include_in_schema=False)
async def webhook(request: Request, slack: Annotated[SlackConnector, Depends(get_slack)]) -> Response:
    body = await request.body()
    if not slack.authentic(body, request.headers):
        raise ApiError(
            400,
            "invalid_signature",
            "The request must carry a valid X-Slack-Signature and an X-Slack-Request-Timestamp "
            "less than five minutes old.",
        )
    try:
        asked = slack.read(body, request.headers.get("content-type"))
    except BadRequest as error:
        raise ApiError(400, "bad_request", str(error)) from None
    if isinstance(asked, Challenge):
        return JSONResponse({"challenge": asked.value})
    if isinstance(asked, SlackRating):
        await slack.rate(asked)
        return Response()
    if isinstance(asked, SlackComment):
        problem = await slack.comment(asked)
        if problem:
            return JSONResponse({"response_action": "errors", "errors": {COMMENT_BLOCK: problem}})
        return Response()  # an empty answer closes the modal
    if isinstance(asked, SlackTurn) and not await slack.take(asked):
        logger.info(
            "Slack delivered %s again (retry %s, reason %s): already taken",
            asked.delivery,
            request.headers.get("x-slack-retry-num", "none"),
            request.headers.get("x-slack-retry-reason", "none"),
        )
        return Response(headers={"X-Slack-No-Retry": "1"})
    return Response()
