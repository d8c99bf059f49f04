"""Request limits: body size and allowed origins, each refused with a JSON error (the rate limits:
newsbot/web/shared_state.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def _send_error(
    send: Send, status: int, code: str, message: str, headers: Iterable[tuple[str, str]] = ()
) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(name.encode(), value.encode()) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class BodySizeLimit:
    """Refuses a request body over `max_bytes` with 413, whether announced (Content-Length) or streamed.

    Paths in `exempt` (the action webhook, whose body is Rasa's whole tracker) have their own cap."""

    def __init__(self, app: ASGIApp, max_bytes: int, exempt: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.exempt.get(scope["path"], self.max_bytes)
        message = f"the request body is over the limit of {limit:,} bytes"
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_error(send, 413, "body_too_large", message)
            return
        # Read the body up to the limit before the app sees it, so a streamed body is capped too.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            incoming = await receive()
            if incoming["type"] != "http.request":
                break
            chunk = incoming.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_error(send, 413, "body_too_large", message)
                return
            chunks.append(chunk)
            more = incoming.get("more_body", False)
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def same_origin(origin: str, scope: Scope) -> bool:
    host = _header(scope, b"host")
    if not host:
        return False
    scheme = "https" if scope.get("scheme") == "https" else "http"
    return origin.rstrip("/") == f"{scheme}://{host}"


class OriginGuard:
    """Refuses browser requests to `/api/` from origins that are neither the app's own nor allowed
    (403), instead of letting CORS fail silently in the browser. Requests without an Origin
    header (other programs) pass."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = {origin.rstrip("/") for origin in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            origin = _header(scope, b"origin")
            if origin is not None and origin.rstrip("/") not in self.allowed and not same_origin(origin, scope):
                await _send_error(send, 403, "origin_not_allowed", f"requests from {origin} are not allowed")
                return
        await self.app(scope, receive, send)
