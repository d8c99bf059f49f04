"""GET /admin/report (a page) and /admin/report.json: the editors' report of the recorded
conversations, behind NEWSBOT_ADMIN_TOKEN, as `Authorization: Bearer <token>` or as the password
of HTTP Basic (a browser asks for it). 404 while no token is set: the report is off."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from newsbot.conversations.store import StoreError
from newsbot.report.build import Report
from newsbot.report.page import CONTENT_SECURITY_POLICY, render_page
from newsbot.report.service import make_report
from newsbot.settings import Settings
from newsbot.web.deps import Conversations, get_app_settings, limit_client
from newsbot.web.errors import ApiError
from newsbot.web.routers.admin import admin_token_set, admin_token_valid, presented_token

REALM = 'Basic realm="newsbot report", charset="UTF-8"'
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def require_report_access(
    settings: Annotated[Settings, Depends(get_app_settings)],
    authorization: Annotated[str | None, Header(description="Bearer <NEWSBOT_ADMIN_TOKEN>, or Basic")] = None,
) -> None:
    if not admin_token_set(settings):
        raise ApiError(404, "report_off", "The report is off: set NEWSBOT_ADMIN_TOKEN to turn it on.")
    if not admin_token_valid(settings, presented_token(authorization, allow_basic=True)):
        raise ApiError(
            401,
            "unauthorized",
            "The admin token is required: 'Authorization: Bearer <token>', or as the password when the browser asks.",
            {"WWW-Authenticate": REALM, "Cache-Control": "no-store"},
        )


router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(limit_client), Depends(require_report_access)],
    responses={401: {"description": "missing or wrong token"}, 404: {"description": "no token configured"}},
)

Since = Annotated[date | None, Query(description="from this day on (UTC), YYYY-MM-DD")]


async def report_of(conversations: Conversations, settings: Settings, since: date | None) -> Report:
    try:
        return await run_in_threadpool(
            make_report, conversations, settings.knowledge_dir, settings.model, since, settings.retention_days
        )
    except (SQLAlchemyError, StoreError) as error:
        raise ApiError(503, "store_unavailable", "The conversation store cannot be read right now.") from error


@router.get("/report", response_class=HTMLResponse)
async def report_page(
    conversations: Conversations, settings: Annotated[Settings, Depends(get_app_settings)], since: Since = None
) -> HTMLResponse:
    """The report as a page: charts, the grouped declined questions, the thumbs-down list."""
    report = await report_of(conversations, settings, since)
    headers = {**PRIVATE_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
    return HTMLResponse(render_page(report), headers=headers)


@router.get("/report.json")
async def report_json(
    conversations: Conversations, settings: Annotated[Settings, Depends(get_app_settings)], since: Since = None
) -> JSONResponse:
    """The report as `newsbot report --json` prints it."""
    report = await report_of(conversations, settings, since)
    body: dict[str, Any] = report.to_json()
    return JSONResponse(body, headers=PRIVATE_HEADERS)
