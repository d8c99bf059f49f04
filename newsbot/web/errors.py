"""Every refusal is JSON of one shape: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsbot.web.schemas import PATTERN_MEANINGS

logger = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "the request body"


def describe_validation(error: RequestValidationError) -> str:
    problems = []
    for problem in error.errors()[:3]:
        kind = problem.get("type", "")
        field = _field(tuple(problem.get("loc", ())))
        context = problem.get("ctx", {})
        if kind == "json_invalid":
            problems.append("the body is not valid JSON")
        elif kind == "missing":
            problems.append(f"{field} is missing")
        elif kind == "string_pattern_mismatch" and (meaning := PATTERN_MEANINGS.get(context.get("pattern"))):
            problems.append(f"{field} {meaning}")
        elif kind == "string_too_short" and context.get("min_length") == 1:
            problems.append(f"{field} is empty")
        else:
            problems.append(f"{field}: {problem.get('msg', 'invalid')}")
    return "; ".join(problems) or "the request is invalid"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", describe_validation(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error_response(
            error.status_code, codes.get(error.status_code, "http_error"), str(error.detail), error.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return error_response(500, "internal_error", "Something went wrong on our side; the error is logged.")
