"""Slack's side of the tests: a stand-in for Slack's Web API, run in the test process, which
records every call it gets and answers chat.postMessage as Slack does ({"ok": true, "channel",
"ts", "message"}), and chat.postEphemeral and views.open with {"ok": true}; and Slack's request
signatures (`signed_headers`).

The bot under test is pointed at it with SLACK_API_URL = `base_url`. `hold()` makes it keep its
answers back until `release()`: the bot's Web API calls then wait, as they would on a slow Slack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from newsbot.serving.supervisor import free_port

API_PREFIX = "/api/"
BOT_ID = "B0STANDIN"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(secret: str, body: bytes, content_type: str, age: int = 0) -> dict[str, str]:
    """The headers Slack sends with `body`, signed `age` seconds ago."""
    timestamp = str(int(time.time()) - age)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(secret, timestamp, body),
    }


@dataclass(frozen=True)
class Call:
    """One Web API request: the method (from the path), headers and body as the bot sent them,
    and the timestamp the stand-in gave the message it posted."""

    method: str
    headers: dict[str, str]
    body: dict[str, Any]
    ts: str

    @property
    def channel(self) -> str | None:
        value = self.body.get("channel")
        return str(value) if value is not None else None

    @property
    def thread_ts(self) -> str | None:
        value = self.body.get("thread_ts")
        return str(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.body.get("blocks") or []
        # Form-encoded calls carry blocks as a JSON string; JSON calls as a list.
        parsed = json.loads(blocks) if isinstance(blocks, str) else blocks
        return list(parsed)

    def message(self) -> dict[str, Any]:
        """The message as Slack would show it in an event or interaction payload."""
        message: dict[str, Any] = {"type": "message", "bot_id": BOT_ID, "text": self.text, "ts": self.ts}
        if self.blocks:
            message["blocks"] = self.blocks
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        return message


class SlackStandIn:
    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._open = threading.Event()
        self._open.set()
        self._count = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-standin", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{API_PREFIX}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    @property
    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def in_thread(self, channel: str, thread_ts: str) -> list[Call]:
        return [call for call in self.calls if call.channel == channel and call.thread_ts == thread_ts]

    def wait_for(self, condition: Callable[[list[Call]], bool], timeout: float = 90.0) -> list[Call]:
        """The calls, once `condition` holds for them; an AssertionError listing them if it never does."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self._calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    summary = [(c.method, c.channel, c.thread_ts, c.text[:80]) for c in self._calls]
                    raise AssertionError(f"the bot's Web API calls never met the condition: {summary}")
                self._changed.wait(left)
            return list(self._calls)

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def _record(self, method: str, headers: dict[str, str], body: dict[str, Any]) -> Call:
        with self._changed:
            self._count += 1
            call = Call(method, headers, body, f"{int(time.time())}.{900000 + self._count:06d}")
            self._calls.append(call)
            self._changed.notify_all()
        return call

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                content_type = self.headers.get("Content-Type", "")
                body: dict[str, Any] = json.loads(raw) if "json" in content_type else dict(parse_qsl(raw))
                method = self.path.split("?")[0].removeprefix(API_PREFIX)
                call = standin._record(method, {k.lower(): v for k, v in self.headers.items()}, body)
                standin._open.wait()
                if method == "chat.postMessage":
                    answer = {"ok": True, "channel": call.channel, "ts": call.ts, "message": call.message()}
                elif method in ("chat.postEphemeral", "views.open"):
                    answer = {"ok": True}
                else:
                    answer = {"ok": False, "error": "unknown_method"}
                encoded = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the calls are recorded; the test output stays clean

        return Handler


@contextmanager
def running_standin() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()
