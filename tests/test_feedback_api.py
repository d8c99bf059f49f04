"""POST /api/feedback and the admin report (/admin/report, /admin/report.json) through TestClient,
with the real model and the real store: a SQLite file, and a fresh PostgreSQL database."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_ARTICLE, AppFactory
from fastapi.testclient import TestClient
from report_support import database, reply, seeded
from sqlalchemy import text

from newsbot.conversations.store import ConversationStore

NOW = datetime.now(UTC)
TOKEN = "editor-secret-token"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def client(make_client: AppFactory, store_url: str) -> TestClient:
    return make_client(tracker_db=store_url, admin_token=TOKEN)


def store_of(client: TestClient) -> ConversationStore:
    store: ConversationStore = client.app.state.conversations  # type: ignore[attr-defined]
    store.ensure_tables()
    return store


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def test_feedback_is_kept_and_a_later_judgement_replaces_it(client: TestClient) -> None:
    store = store_of(client)
    [answer] = seeded(store, [reply("reader-api-1", "Who attended?", "answer", NOW)])
    body = {"session_id": "reader-api-1", "message_id": answer.id, "rating": "down", "comment": " Wrong names "}
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"message_id": answer.id, "rating": "down", "comment": "Wrong names"}
    again = client.post("/api/feedback", json={"session_id": "reader-api-1", "message_id": answer.id, "rating": "up"})
    assert again.status_code == 200
    [kept] = store.judgements()
    assert (kept.rating, kept.comment) == ("up", None)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"message_id": "no-such-message"}, 404, "unknown_message"),
        ({"session_id": "another-reader"}, 404, "unknown_message"),
        ({"rating": "meh"}, 422, "invalid_rating"),
        ({"comment": "x" * 501}, 422, "comment_too_long"),
        ({"session_id": "bad id!"}, 422, "invalid_request"),
        ({"message_id": ""}, 422, "invalid_request"),
    ],
)
def test_feedback_refuses_clearly(client: TestClient, change: dict[str, Any], status: int, code: str) -> None:
    [answer] = seeded(store_of(client), [reply("reader-api-2", "Who attended?", "answer", NOW)])
    body = {"session_id": "reader-api-2", "message_id": answer.id, "rating": "down", **change}
    response = client.post("/api/feedback", json=body)
    assert response.status_code == status, response.text
    assert error_code(response) == code
    assert response.json()["error"]["message"]


def test_a_comment_of_500_characters_is_kept(client: TestClient) -> None:
    [answer] = seeded(store_of(client), [reply("reader-api-3", "Who attended?", "answer", NOW)])
    body = {"session_id": "reader-api-3", "message_id": answer.id, "rating": "down", "comment": "y" * 500}
    assert client.post("/api/feedback", json=body).status_code == 200


def test_no_address_or_browser_is_stored_with_feedback(client: TestClient) -> None:
    store = store_of(client)
    [answer] = seeded(store, [reply("reader-api-4", "Who attended?", "answer", NOW)])
    body = {"session_id": "reader-api-4", "message_id": answer.id, "rating": "down", "comment": "no"}
    headers = {"User-Agent": "PrivacyProbe/1.0", "X-Forwarded-For": "203.0.113.7"}
    assert client.post("/api/feedback", json=body, headers=headers).status_code == 200
    with store.engine.connect() as connection:
        stored = [
            " ".join(str(value) for value in row)
            for table in ("newsbot_replies", "newsbot_feedback")
            for row in connection.execute(text(f"select * from {table}"))
        ]
    assert stored
    for row in stored:
        assert "testclient" not in row and "203.0.113.7" not in row and "PrivacyProbe" not in row


def test_the_app_applies_the_retention_at_start(make_client: AppFactory, store_url: str) -> None:
    writer = make_client(tracker_db=store_url)
    seeded(
        store_of(writer),
        [reply("old-reader-9", "old", "answer", NOW - timedelta(days=9)), reply("new-reader-9", "new", "answer", NOW)],
    )
    kept = make_client(tracker_db=store_url, retention_days=3)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        sessions = {row.session_id for row in store_of(kept).replies_since()}
        if sessions == {"new-reader-9"}:
            break
        time.sleep(0.1)
    assert sessions == {"new-reader-9"}


# --- the admin report ---------------------------------------------------------------------------


def basic(password: str, user: str = "editor") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_the_report_is_off_without_a_token(make_client: AppFactory) -> None:
    client = make_client()
    for path in ("/admin/report", "/admin/report.json"):
        response = client.get(path, headers={"Authorization": "Bearer anything"})
        assert response.status_code == 404 and error_code(response) == "report_off"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        basic("wrong"),
        {"Authorization": "Basic !!notbase64"},
        {"Authorization": TOKEN},
    ],
)
def test_the_report_asks_for_the_token(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/admin/report", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert error_code(response) == "unauthorized"


def test_the_report_page_and_json_with_the_token(client: TestClient) -> None:
    store = store_of(client)
    rows = seeded(
        store,
        [
            reply("reader-adm-1", "Who <b>attended</b>?", "answer", NOW, ((SEED_ARTICLE, 3),), lead="They <i>met</i>"),
            reply("reader-adm-2", "will they meet again", "decline", NOW),
        ],
    )
    store.rate("reader-adm-1", rows[0].id, "down", "<script>alert(1)</script>", NOW)
    page = client.get("/admin/report", headers=basic(TOKEN))
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "Who &lt;b&gt;attended&lt;/b&gt;?" in page.text
    assert "paragraph 3 of “Crunch talks between Jeremy Corbyn" in page.text
    assert "will they meet again" in page.text and "<svg" in page.text
    as_json = client.get("/admin/report.json", headers={"Authorization": f"Bearer {TOKEN}"})
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["feedback"]["down"] == 1 and body["questions"]["total"]["asked"] == 2
    assert as_json.headers["cache-control"] == "no-store"
    since = client.get("/admin/report.json", params={"since": "not-a-date"}, headers=basic(TOKEN))
    assert since.status_code == 422
