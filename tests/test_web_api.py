"""The web app's API through TestClient: the real model and a real index; Rasa is not running
here (its absence is one of the cases), the chat with a real Rasa is in test_web_e2e.py."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import web
from conftest import KNOWLEDGE, MODEL, SEED_ARTICLE, AppFactory, action_call, write_article
from fastapi.testclient import TestClient

from newsbot.channels.widget import text_message_json
from newsbot.retrieval import search as search_module
from newsbot.retrieval import service
from newsbot.retrieval.index import build_index
from newsbot.retrieval.search import MAX_QUESTION_CHARS, Searcher
from newsbot.web.rasa_gateway import (
    HEALTH_GREETING,
    SHARED_VECTOR,
    WEBHOOK_PATH,
    BotFailed,
    BotUnavailable,
    RasaGateway,
    api_messages,
    as_plain_text,
    rendezvous_order,
)

QUESTION = "What did Labour commit to?"


@pytest.fixture
def client(make_client: AppFactory) -> TestClient:
    return make_client()


def error_of(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    return dict(body["error"])


# --- the demo page and the widget's files ------------------------------------------------


def test_demo_page_numbers_every_paragraph_and_loads_the_widget(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    paragraphs = (KNOWLEDGE / f"{SEED_ARTICLE}.md").read_text(encoding="utf-8").split("---", 2)[2].split("\n\n")
    count = len([p for p in paragraphs if p.strip()])
    for number in (1, count):
        assert f'id="{SEED_ARTICLE}-p{number}"' in page.text
        assert f'href="#{SEED_ARTICLE}-p{number}"' in page.text
    assert f'id="{SEED_ARTICLE}-p{count + 1}"' not in page.text
    assert '<script src="/widget.js" data-newsbot-max-chars="1000" defer></script>' in page.text


def test_demo_page_shows_article_text_as_text(tmp_path: Path, make_client: AppFactory) -> None:
    knowledge = tmp_path / "knowledge"
    write_article(knowledge, "markup", "A <b>bold</b> title", ["Text with <script>alert(1)</script> in it."])
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, MODEL, progress=False)
    page = make_client(knowledge_dir=knowledge, index_dir=index_dir).get("/")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "A &lt;b&gt;bold&lt;/b&gt; title" in page.text


def test_demo_page_shows_an_articles_headings_as_headings(tmp_path: Path, make_client: AppFactory) -> None:
    """An article's Markdown headings are headings on the page, between its numbered paragraphs,
    and are not numbered; the answer quotes the words without their marks."""
    knowledge = tmp_path / "knowledge"
    write_article(knowledge, "budget", "Budget 2026", [
        "The Chancellor unveiled her **second** budget.", "## Income tax", "> Thresholds stay frozen, Ms Moss said.",
    ])  # fmt: skip
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, MODEL, progress=False)
    client = make_client(knowledge_dir=knowledge, index_dir=index_dir)
    page = client.get("/").text
    assert page.index("budget-p1") < page.index("<h3>Income tax</h3>") < page.index("budget-p2")
    assert 'id="budget-p3"' not in page and "**" not in page and "&gt; Thresholds" not in page
    answer = client.post("/api/ask", json={"question": "will the thresholds stay frozen"}).json()
    assert answer["sources"][0]["paragraph"] == 2 and answer["sources"][0]["text"].startswith("Thresholds")


def test_demo_page_heading_counts_the_articles(tmp_path: Path, make_client: AppFactory) -> None:
    knowledge = tmp_path / "knowledge"
    write_article(knowledge, "first", "First story", ["The council met on Monday."])
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, MODEL, progress=False)
    one = make_client(knowledge_dir=knowledge, index_dir=index_dir).get("/").text
    assert "<h1>Ask the article</h1>" in one and "quotes the article," in one
    write_article(knowledge, "second", "Second story", ["The mayor resigned on Friday."])
    two = make_client(knowledge_dir=knowledge, index_dir=index_dir).get("/").text
    assert "<h1>Ask the articles</h1>" in two and "quotes the articles," in two


def two_stories(tmp_path: Path, make_client: AppFactory) -> TestClient:
    knowledge = tmp_path / "knowledge"
    write_article(
        knowledge,
        "bridge",
        "Harbour bridge reopens",
        [
            "The harbour bridge reopened on Monday after two years of repairs.",
            '"It is a great day," said engineer Tom Hadley.',
        ],
    )
    write_article(
        knowledge,
        "mayor",
        "Mayor resigns",
        [
            "The mayor, Jane Smith, resigned on Friday after a row over the budget.",
            '"I have had enough," Ms Smith said.',
        ],
    )
    build_index(knowledge, tmp_path / "index", MODEL, progress=False)
    return make_client(knowledge_dir=knowledge, index_dir=tmp_path / "index")


def test_a_storys_own_page_scopes_its_widget_to_it(tmp_path: Path, make_client: AppFactory) -> None:
    client = two_stories(tmp_path, make_client)
    home = client.get("/").text
    assert '<a href="/articles/bridge">Harbour bridge reopens</a>' in home
    assert "data-newsbot-article" not in home
    page = client.get("/articles/bridge")
    assert page.status_code == 200
    assert '<script src="/widget.js" data-newsbot-max-chars="1000" data-newsbot-article="bridge" defer>' in page.text
    assert 'id="bridge-p2"' in page.text and "Jane Smith" not in page.text
    # The story's own title heads its page, as the article spells it.
    assert "<title>Harbour bridge reopens · newsbot</title>" in page.text
    assert page.text.count("Harbour bridge reopens</h") == 1 and "<h1>Harbour bridge reopens</h1>" in page.text
    missing = client.get("/articles/no-such-story")
    assert missing.status_code == 404 and "no-such-story" in missing.text


def test_the_api_answers_from_the_article_a_request_names(tmp_path: Path, make_client: AppFactory) -> None:
    client = two_stories(tmp_path, make_client)
    question = "what did the mayor say"
    everywhere = client.post("/api/ask", json={"question": question}).json()
    assert everywhere["kind"] == "answer" and everywhere["sources"][0]["article"] == "mayor"
    beside_the_bridge = client.post("/api/ask", json={"question": question, "article": "bridge"}).json()
    assert beside_the_bridge["kind"] == "decline", beside_the_bridge
    found = client.get("/api/search", params={"q": "what happened on monday", "article": "mayor"}).json()
    assert found["passages"] and {passage["article"] for passage in found["passages"]} == {"mayor"}
    # A known article passes the check: Rasa (down here) is asked.
    chat = client.post("/api/chat", json={"session_id": "session-1", "message": "hello", "article": "bridge"})
    assert chat.status_code == 503


def test_a_request_naming_an_article_there_is_not_is_refused(client: TestClient) -> None:
    for response in (
        client.post("/api/ask", json={"question": "who met?", "article": "no-such-story"}),
        client.get("/api/search", params={"q": "who met?", "article": "no-such-story"}),
        client.post("/api/chat", json={"session_id": "session-1", "message": "who met?", "article": "no-such-story"}),
    ):
        assert response.status_code == 422
        error = error_of(response)
        assert error["code"] == "unknown_article" and "no-such-story" in error["message"]
    bad_name = client.post("/api/ask", json={"question": "who met?", "article": "../etc/passwd"})
    assert bad_name.status_code == 422 and error_of(bad_name)["code"] == "invalid_request"


@pytest.mark.parametrize(("path", "kind"), [("/widget.js", "text/javascript"), ("/widget.css", "text/css")])
def test_widget_files_are_served(client: TestClient, path: str, kind: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)
    assert len(response.content) > 500


def test_the_pages_icon_is_served(client: TestClient) -> None:
    # Browsers ask for /favicon.ico on their own: a 404 was the demo page's one console error.
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.content.startswith(b"<svg") and b"</svg>" in response.content
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/").text


# --- /api/ask and /api/search -------------------------------------------------------------


def test_ask_answers_with_cited_passages(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200
    answer = response.json()
    assert answer["answerable"] is True
    assert answer["sources"]
    for source in answer["sources"]:
        assert source["article"] == SEED_ARTICLE
        mark = source["highlight"]
        assert 0 <= mark["start"] < mark["end"] <= len(source["text"])
        assert source["text"][mark["start"] : mark["end"]].strip() in answer["text"]
        assert f"paragraph {source['paragraph']} of" in answer["text"]
        assert source["url"] == f"/#{SEED_ARTICLE}-p{source['paragraph']}"
        assert source["speaker"]


def test_ask_for_the_gist_gives_the_opening_paragraph(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "what's this article about?"})
    assert response.status_code == 200
    body = response.json()
    assert body["answerable"] is True
    assert [source["paragraph"] for source in body["sources"]] == [1]


def test_ask_declines_what_the_article_does_not_say(client: TestClient) -> None:
    answer = client.post("/api/ask", json={"question": "What is the capital of Australia?"}).json()
    assert answer["answerable"] is False
    assert answer["sources"] == []
    assert answer["kind"] == "decline"
    assert answer["lead"].startswith("The article doesn't mention Australia")
    assert len(answer["suggestions"]) == 3


def test_search_returns_k_ranked_passages(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "Who attended the meeting?", "k": 3})
    assert response.status_code == 200
    result = response.json()
    assert result["answerable"] is True
    assert len(result["passages"]) == 3
    scores = [passage["score"] for passage in result["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert {"article", "title", "paragraph", "speaker", "text", "score", "url"} <= set(result["passages"][0])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_request"),
        ({"question": ""}, "invalid_request"),
        ({"question": 42}, "invalid_request"),
        ({"question": "   "}, "invalid_question"),
        ({"question": "🙂"}, "invalid_question"),
        ({"question": "?"}, "invalid_question"),
        ({"question": "why? " * 500}, "invalid_question"),
    ],
)
def test_ask_refuses_bad_questions(client: TestClient, body: dict[str, Any], code: str) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == 422
    assert error_of(response)["code"] == code


def test_ask_refuses_a_body_that_is_not_json(client: TestClient) -> None:
    response = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "not valid JSON" in error_of(response)["message"]


@pytest.mark.parametrize("params", [{"q": "Who?", "k": 0}, {"q": "Who?", "k": 21}, {"k": 3}, {"q": ""}])
def test_search_refuses_bad_parameters(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_request"


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong = client.get("/api/chat")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"


def test_openapi_documents_the_public_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/chat", "/api/ask", "/api/search", "/healthz", "/api/admin/reindex"} <= set(paths)
    assert "/webhook" not in paths


# --- /api/chat without Rasa, and its limits -------------------------------------------------


def test_chat_with_rasa_down_is_a_503_the_widget_can_show(client: TestClient) -> None:
    response = client.post("/api/chat", json={"session_id": "session-1", "message": "hello"})
    assert response.status_code == 503
    error = error_of(response)
    assert error["code"] == "rasa_unavailable"
    assert "try again" in error["message"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"session_id": "short", "message": "hi"}, "invalid_request"),
        ({"session_id": "has spaces in it", "message": "hi"}, "invalid_request"),
        ({"session_id": "session-1"}, "invalid_request"),
        ({"session_id": "session-1", "message": ""}, "invalid_request"),
        ({"session_id": "session-1", "message": " \n\t "}, "empty_message"),
        ({"session_id": "session-1", "message": "x" * 1001}, "message_too_long"),
    ],
)
def test_chat_refuses_bad_messages(client: TestClient, body: dict[str, Any], code: str) -> None:
    response = client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert error_of(response)["code"] == code


def test_a_refusal_says_what_a_field_must_be_in_words(client: TestClient) -> None:
    short = error_of(client.post("/api/chat", json={"session_id": "short", "message": "hi"}))["message"]
    assert short == "session_id must be 8 to 64 letters, digits, '_' or '-'"
    empty = error_of(client.post("/api/chat", json={"session_id": "session-1", "message": ""}))["message"]
    assert empty == "message is empty"
    path = error_of(client.post("/api/ask", json={"question": "who met?", "article": "../etc/passwd"}))["message"]
    assert path == "article must be an article's name: 1 to 200 characters, no slash"


def test_message_cap_comes_from_the_settings(make_client: AppFactory) -> None:
    client = make_client(max_message_chars=10)
    response = client.post("/api/chat", json={"session_id": "session-1", "message": "eleven char"})
    assert response.status_code == 422
    assert "limit is 10" in error_of(response)["message"]
    # and the demo page tells the widget the same cap
    assert 'data-newsbot-max-chars="10"' in client.get("/").text


def test_body_over_the_cap_is_refused(client: TestClient) -> None:
    body = json.dumps({"question": "x" * 20_000})
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert error_of(response)["code"] == "body_too_large"


def test_streamed_body_over_the_cap_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(40):
            yield b"x" * 1000
        yield b'"}'

    response = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


def test_session_rate_limit(make_client: AppFactory) -> None:
    client = make_client(session_rate_per_minute=2)
    statuses = [client.post("/api/chat", json={"session_id": "session-1", "message": "hi"}).status_code for _ in "abc"]
    assert statuses == [503, 503, 429]
    refused = client.post("/api/chat", json={"session_id": "session-1", "message": "hi"})
    assert error_of(refused)["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # Another session is not held back by this one.
    assert client.post("/api/chat", json={"session_id": "session-2", "message": "hi"}).status_code == 503


def test_client_rate_limit_covers_every_api_route(make_client: AppFactory) -> None:
    client = make_client(client_rate_per_minute=3)
    assert client.get("/api/search", params={"q": "Who attended?"}).status_code == 200
    assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200
    assert client.post("/api/chat", json={"session_id": "session-1", "message": "hi"}).status_code == 503
    refused = client.get("/api/search", params={"q": "Who attended?"})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert client.get("/healthz").status_code == 503  # not an /api route: still answers


def test_cors_allows_configured_origins_only(make_client: AppFactory) -> None:
    client = make_client(cors_origins="https://news.example.org, https://other.example.org/")
    preflight = client.options(
        "/api/chat",
        headers={"Origin": "https://news.example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://news.example.org"
    allowed = client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": "https://other.example.org"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://other.example.org"
    refused = client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": "https://evil.example.com"})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in refused.headers
    evil_preflight = client.options(
        "/api/chat", headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}
    )
    assert evil_preflight.status_code == 403


def test_same_origin_and_non_browser_requests_pass(client: TestClient) -> None:
    assert client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": "http://testserver"}).is_success
    assert client.post("/api/ask", json={"question": QUESTION}).is_success


# --- health, reindexing, new articles ------------------------------------------------------


def test_health_reports_the_index_and_rasa(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503  # Rasa is down
    health = response.json()
    assert health["status"] == "degraded"
    assert health["index"]["loaded"] is True
    assert health["index"]["fresh"] is True
    assert health["index"]["passages"] > 20
    assert health["index"]["articles"] == [SEED_ARTICLE]
    assert health["index"]["model"] == MODEL
    assert health["rasa"]["reachable"] is False


@pytest.fixture
def own_knowledge(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the knowledge folder and an index of it, for tests that change them."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    index_dir = tmp_path / "index"
    build_index(knowledge, index_dir, MODEL, progress=False)
    return knowledge, index_dir


GLACIER = [
    "The Pasterze glacier in Austria lost forty metres of length in the summer of 2022, the "
    "surveyor Andrea Fischer reported.",
    "Fischer said the ice tongue could disappear entirely within four decades.",
]


def ask_until(client: TestClient, question: str, article: str, seconds: float = 60.0) -> dict[str, Any]:
    """Ask until an answer cites `article` (the app rebuilds and reloads in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        answer: dict[str, Any] = client.post("/api/ask", json={"question": question}).json()
        if answer["answerable"] and any(source["article"] == article for source in answer["sources"]):
            return answer
        assert time.monotonic() < deadline, f"no answer from {article} within {seconds:.0f} s: {answer}"
        time.sleep(0.25)


def test_health_reports_a_stale_index(own_knowledge: tuple[Path, Path], make_client: AppFactory) -> None:
    knowledge, index_dir = own_knowledge
    client = make_client(knowledge_dir=knowledge, index_dir=index_dir)
    write_article(knowledge, "glacier", "Glacier retreat", GLACIER)
    assert client.get("/healthz").json()["index"]["fresh"] is False


def test_an_article_added_to_knowledge_is_answerable_without_restart(
    own_knowledge: tuple[Path, Path], make_client: AppFactory
) -> None:
    knowledge, index_dir = own_knowledge
    client = make_client(knowledge_dir=knowledge, index_dir=index_dir, watch_knowledge=True, watch_interval_seconds=0.2)
    question = "How much length did the Pasterze glacier lose?"
    assert client.post("/api/ask", json={"question": question}).json()["answerable"] is False
    write_article(knowledge, "glacier", "Glacier retreat", GLACIER)
    answer = ask_until(client, question, "glacier")
    assert "forty metres" in answer["text"]
    health = client.get("/healthz").json()["index"]
    assert health["fresh"] is True and "glacier" in health["articles"]


def test_a_build_by_another_process_is_served_without_restart(
    own_knowledge: tuple[Path, Path], make_client: AppFactory
) -> None:
    knowledge, index_dir = own_knowledge
    client = make_client(knowledge_dir=knowledge, index_dir=index_dir)  # not watching knowledge
    write_article(knowledge, "glacier", "Glacier retreat", GLACIER)
    build_index(knowledge, index_dir, MODEL, progress=False)  # what `newsbot index build` does
    search = client.get("/api/search", params={"q": "Pasterze glacier length", "k": 1}).json()
    assert search["passages"][0]["article"] == "glacier"


def test_reindex_is_off_without_a_token(client: TestClient) -> None:
    response = client.post("/api/admin/reindex")
    assert response.status_code == 403
    assert error_of(response)["code"] == "admin_disabled"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic s3cret-token", "s3cret-token"])
def test_reindex_needs_the_right_token(make_client: AppFactory, header: str | None) -> None:
    client = make_client(admin_token="s3cret-token")
    response = client.post("/api/admin/reindex", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_reindex_builds_and_serves_the_new_index(own_knowledge: tuple[Path, Path], make_client: AppFactory) -> None:
    knowledge, index_dir = own_knowledge
    client = make_client(knowledge_dir=knowledge, index_dir=index_dir, admin_token="s3cret-token")
    auth = {"Authorization": "Bearer s3cret-token"}
    unchanged = client.post("/api/admin/reindex", headers=auth)
    assert unchanged.status_code == 200 and unchanged.json()["built"] is False
    write_article(knowledge, "glacier", "Glacier retreat", GLACIER)
    rebuilt = client.post("/api/admin/reindex", headers=auth)
    assert rebuilt.status_code == 200, rebuilt.text
    assert rebuilt.json()["built"] is True
    answer = client.post("/api/ask", json={"question": "How much length did the Pasterze glacier lose?"}).json()
    assert any(source["article"] == "glacier" for source in answer["sources"])


def test_reindex_with_a_bad_file_keeps_the_running_index(
    own_knowledge: tuple[Path, Path], make_client: AppFactory
) -> None:
    knowledge, index_dir = own_knowledge
    client = make_client(knowledge_dir=knowledge, index_dir=index_dir, admin_token="s3cret-token")
    (knowledge / "broken.md").write_bytes(b"no front matter here\n")
    response = client.post("/api/admin/reindex", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "bad_knowledge" and "broken.md" in error["message"]
    assert client.post("/api/ask", json={"question": QUESTION}).json()["answerable"] is True
    health = client.get("/healthz").json()["index"]
    assert health["loaded"] is True and "broken.md" in health["error"]


# --- the action webhook (rasa-sdk's executor inside the app) --------------------------------


def test_webhook_runs_the_actions_for_a_local_rasa(make_client: AppFactory) -> None:
    # TestClient's address is not loopback: allow it as a remote Rasa would be allowed.
    client = make_client(webhook_allow_remote=True)
    response = client.post("/webhook", json=action_call(QUESTION))
    assert response.status_code == 200, response.text
    result = response.json()
    texts = [message.get("text") for message in result["responses"]]
    payloads = [message.get("custom") for message in result["responses"] if message.get("custom")]
    assert any(text and "paragraph" in text for text in texts)
    assert payloads and payloads[0]["sources"]
    slots = {event["name"]: event["value"] for event in result["events"] if event["event"] == "slot"}
    assert slots["last_question"] == QUESTION


def test_the_actions_health_and_api_share_the_apps_one_searcher(
    own_knowledge: tuple[Path, Path], make_client: AppFactory
) -> None:
    knowledge, index_dir = own_knowledge
    write_article(knowledge, "glacier", "The shrinking glacier", GLACIER)
    build_index(knowledge, index_dir, MODEL, progress=False)
    client = make_client(knowledge_dir=knowledge, index_dir=index_dir, webhook_allow_remote=True)
    source = client.app.state.source  # type: ignore[attr-defined]
    assert service.get_source() is source
    # The action answers from the app's index (which has the glacier), not the configured one.
    result = client.post("/webhook", json=action_call("How much length did the Pasterze glacier lose?")).json()
    (payload,) = [message["custom"] for message in result["responses"] if message.get("custom")]
    assert {row["article"] for row in payload["sources"]} == {"glacier"}
    searcher = source.current()
    assert searcher is not None
    assert client.get("/healthz").json()["index"]["build"] == searcher.index.folder.name
    assert client.get("/api/search", params={"q": "Pasterze glacier"}).json()["passages"][0]["article"] == "glacier"
    assert source.current() is searcher  # loaded once, shared


def test_webhook_runs_an_action_sent_without_the_domain(make_client: AppFactory) -> None:
    # What Rasa 3.6 sends with enable_selective_domain (bot/endpoints.yml): no "domain" at all.
    client = make_client(webhook_allow_remote=True)
    call = action_call(QUESTION)
    del call["domain"]
    response = client.post("/webhook", json=call)
    assert response.status_code == 200, response.text
    assert any(message.get("custom") for message in response.json()["responses"])


def test_webhook_refuses_unknown_actions_and_bad_bodies(make_client: AppFactory) -> None:
    client = make_client(webhook_allow_remote=True)
    call = action_call(QUESTION) | {"next_action": "action_does_not_exist"}
    assert client.post("/webhook", json=call).status_code == 404
    assert client.post("/webhook", content=b"[1, 2]", headers={"content-type": "application/json"}).status_code == 400


def test_webhook_answers_only_the_local_rasa_by_default(client: TestClient) -> None:
    assert client.post("/webhook", json=action_call(QUESTION)).status_code == 403


# --- Rasa's REST messages as /api/chat returns them -----------------------------------------


def reply_message(paragraphs: list[int], kind: str = "answer", buttons: list[str] | None = None) -> dict[str, Any]:
    """One of Rasa's messages as the REST channel sends a newsbot reply: text, buttons and payload together."""
    sources = [
        {"article": SEED_ARTICLE, "title": "T", "paragraph": n, "speaker": "S", "speaker_kind": "person",
         "text": f"p{n}", "score": 0.5, "highlight": {"start": 0, "end": 2}}
        for n in paragraphs
    ]  # fmt: skip
    custom = {"type": "answer", "kind": kind, "lead": "The article says:", "question": "q", "sources": sources,
              "sides": [], "suggestions": buttons or []}  # fmt: skip
    return {"recipient_id": "s", "text": "fallback", "buttons": [{"title": b, "payload": b} for b in buttons or []],
            "custom": custom}  # fmt: skip


def test_a_reply_is_rendered_from_its_payload_not_from_its_text() -> None:
    (message,) = api_messages([reply_message([24, 25])])
    assert message["lead"] == "The article says:"
    assert message["kind"] == "answer" and message["answerable"] is True and message["contested"] is False
    assert (
        message["text"]
        == "The article says:\n\n> p2 …\n  — S, paragraph 24 of “T”\n\n> p2 …\n  — S, paragraph 25 of “T”"
    )
    assert [source["url"] for source in message["sources"]] == [f"/#{SEED_ARTICLE}-p24", f"/#{SEED_ARTICLE}-p25"]
    assert message["sources"][0]["speaker_kind"] == "person"
    assert message["sources"][0]["highlight"] == {"start": 0, "end": 2}


def test_a_decline_keeps_its_buttons_and_a_chit_chat_text_has_no_sources() -> None:
    buttons = ["What did Labour say?"]
    messages = api_messages([reply_message([], kind="decline", buttons=buttons), {"text": "Hi!"}])
    assert [(m["kind"], m["answerable"], m["sources"]) for m in messages] == [
        ("decline", False, []),
        ("text", None, []),
    ]
    assert messages[0]["buttons"] == [{"title": buttons[0], "payload": buttons[0]}]
    assert messages[1]["text"] == "Hi!"


def test_two_replies_in_one_turn_stay_apart() -> None:
    messages = api_messages([reply_message([1]), reply_message([2])])
    assert [[s["paragraph"] for s in m["sources"]] for m in messages] == [[1], [2]]


def test_a_malformed_reply_payload_is_a_bot_failure() -> None:
    broken = reply_message([1])
    broken["custom"]["kind"] = "nonsense"
    with pytest.raises(BotFailed):
        api_messages([broken])


@pytest.mark.parametrize("raw", [{"text": "not a list"}, "text", None])
def test_a_reply_that_is_not_a_list_is_a_bot_failure(raw: object) -> None:
    with pytest.raises(BotFailed):
        api_messages(raw)


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("/greet", "\u200b/greet"), ('  /greet{"a": 1}', '\u200b/greet{"a": 1}'), ("hello /greet", "hello /greet")],
)
def test_text_starting_with_a_slash_is_marked_as_plain_text(typed: str, sent: str) -> None:
    assert as_plain_text(typed) == sent


@asynccontextmanager
async def rasa_channel(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> AsyncIterator[str]:
    """A real HTTP server standing in for Rasa's REST channel, on a free loopback port: its URL."""

    async def greeting(request: web.Request) -> web.Response:  # what the replica probes ask for
        return web.Response(text=f"{HEALTH_GREETING}: 3.6.21")

    server = web.Application()
    server.router.add_post(WEBHOOK_PATH, handler)
    server.router.add_get("/", greeting)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


async def _error_page(request: web.Request) -> web.Response:
    return web.Response(status=500, text="Internal Server Error")


async def _not_json(request: web.Request) -> web.Response:
    return web.Response(text="<html>a proxy's page</html>")


async def _database_down(request: web.Request) -> web.Response:
    error = {"code": "conversations_unavailable", "message": "The bot cannot reach its conversations' database."}
    return web.json_response({"error": error}, status=503)


async def _too_slow(request: web.Request) -> web.Response:
    await asyncio.sleep(3)
    return web.json_response([])


async def _hangs_up(request: web.Request) -> web.Response:
    await request.read()
    assert request.transport is not None
    request.transport.close()
    await asyncio.sleep(0.2)
    return web.json_response([])


@pytest.mark.parametrize(
    ("handler", "error", "words", "down"),
    [
        (_error_page, BotFailed, "HTTP 500", False),
        (_not_json, BotFailed, "not JSON", False),
        (_database_down, BotUnavailable, "cannot reach its conversations' database", False),
        (_too_slow, BotUnavailable, "did not answer in time", False),
        (_hangs_up, BotUnavailable, "stopped while answering", True),
    ],
)
def test_what_goes_wrong_in_rasa_reaches_the_reader_as_a_clear_error(
    handler: Callable[[web.Request], Awaitable[web.Response]], error: type[Exception], words: str, down: bool
) -> None:
    """Each failure of a turn sent to a real server is the gateway's own error with its reason,
    never sent again: a turn that may have reached Rasa could be answered twice."""
    calls: list[str] = []

    async def counted(request: web.Request) -> web.Response:
        calls.append(request.path)
        return await handler(request)

    async def turn() -> None:
        async with rasa_channel(counted) as url:
            gateway = RasaGateway(f"{url},{url}/", 1.0)  # the same server twice: a resend would show
            try:
                with pytest.raises(error, match=words) as raised:
                    await gateway.send("session-1", "hello")
                if isinstance(raised.value, BotUnavailable) and "database" in words:
                    assert raised.value.code == "conversations_unavailable"
                assert any(replica.up is False for replica in gateway.replicas) is down
            finally:
                await gateway.close()

    asyncio.run(turn())
    assert calls == [WEBHOOK_PATH]


def test_a_turn_that_never_reached_a_replica_goes_to_the_next() -> None:
    """A refused connection surely never delivered the turn: the conversation's next replica answers it."""

    async def answers(request: web.Request) -> web.Response:
        return web.json_response([{"recipient_id": "s", "text": "answered"}])

    async def turn() -> None:
        async with rasa_channel(answers) as url:
            with socket.socket() as held:  # a port nothing listens on: the connection is refused
                held.bind(("127.0.0.1", 0))
                refused = f"http://127.0.0.1:{held.getsockname()[1]}"
                gateway = RasaGateway([refused, url], 5.0)
                # A conversation whose first choice is the refused replica.
                session = next(
                    name
                    for name in (f"session-{number}" for number in range(100))
                    if rendezvous_order(gateway.replicas, name)[0].url == refused
                )
                try:
                    assert await gateway.send(session, "hello") == [text_message_json("answered", [])]
                    assert [replica.up for replica in gateway.replicas] == [False, True]
                    assert "Cannot connect" in str(gateway.health()[0]["why"])
                finally:
                    await gateway.close()

    asyncio.run(turn())


def test_the_gateway_sends_rasa_the_message_vector_the_search_will_use(seed_searcher: Searcher) -> None:
    """Rasa's featurizer takes the message's sentence vector from its metadata; it is the vector
    the action's search of the same question then takes with its pieces, once."""
    bodies: list[dict[str, Any]] = []

    async def rasa(request: web.Request) -> web.Response:  # Rasa's REST channel, as far as the gateway sees it
        bodies.append(await request.json())
        return web.json_response([{"recipient_id": "s", "text": "ok"}])

    async def turns() -> None:
        async with rasa_channel(rasa) as url:
            gateway = RasaGateway(url, 5.0, sentence_vectors=seed_searcher.question_vectors)
            try:
                for message in ("  What did Labour commit to? ", "/greet", "x" * (MAX_QUESTION_CHARS + 1)):
                    assert await gateway.send("s", message) == [text_message_json("ok", [])]
            finally:
                await gateway.close()

    asyncio.run(turns())
    sent = base64.b64decode(bodies[0]["metadata"][SHARED_VECTOR])
    vector = np.frombuffer(sent, dtype="<f4")
    handed, _ = seed_searcher.encode_question("What did Labour commit to?")
    np.testing.assert_array_equal(vector, handed)
    again, _ = seed_searcher.encode_question("What did Labour commit to?")  # taken: encoded anew
    assert again is not handed
    np.testing.assert_allclose(again, handed, atol=1e-6)
    # An intent-trigger guard and a question the search refuses go without a vector: Rasa encodes them.
    assert "metadata" not in bodies[1] and bodies[1]["message"] == as_plain_text("/greet")
    assert "metadata" not in bodies[2]


def test_messages_arriving_together_are_encoded_together_each_with_its_own_vector(seed_searcher: Searcher) -> None:
    """A burst of readers: their messages are encoded in batches by the one searcher, and each
    message goes to Rasa with its own text's vector."""
    questions = [
        "What did Labour commit to?",
        "who was at the meeting",
        "wat did the board say",
        "How long did the meeting last?",
        "what happened to ken livingstone",
        "is it going to rain",
    ]
    batches: list[list[str]] = []

    def question_vectors(texts: list[str]) -> list[Any]:
        batches.append(list(texts))
        return seed_searcher.question_vectors(texts)

    bodies: list[dict[str, Any]] = []

    async def rasa(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.json_response([{"recipient_id": "s", "text": "ok"}])

    async def turns() -> None:
        async with rasa_channel(rasa) as url:
            gateway = RasaGateway(url, 5.0, sentence_vectors=question_vectors)
            try:
                await asyncio.gather(*(gateway.send(f"s{i}", q) for i, q in enumerate(questions * 3)))
            finally:
                await gateway.close()

    asyncio.run(turns())
    assert sorted(text for batch in batches for text in batch) == sorted(questions * 3)
    assert max(len(batch) for batch in batches) > 1
    assert len(bodies) == len(questions) * 3
    for body in bodies:
        sent = np.frombuffer(base64.b64decode(body["metadata"][SHARED_VECTOR]), dtype="<f4")
        ((alone, _),) = seed_searcher.encode([seed_searcher.as_searched(body["message"])])
        np.testing.assert_allclose(sent, alone, atol=1e-5)


def test_readers_sending_the_same_words_at_once_each_hand_on_their_own_encoding(
    seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A suggested question is sent by many readers at once: each message's action takes the
    encoding made for a message, not a new one, and the encodings waiting stay bounded."""
    question = "Who attended the meeting?"
    handed = [seed_searcher.question_vector(question) for _ in range(3)]
    taken = [seed_searcher.encode_question(question)[0] for _ in range(4)]
    assert all(took is gave for took, gave in zip(taken, handed, strict=False))  # the oldest first
    assert all(taken[3] is not gave for gave in handed)  # none left: encoded anew
    first = handed[0]
    assert first is not None
    assert float(np.abs(taken[3] - first).max()) < 1e-6

    monkeypatch.setattr(search_module, "HANDED_ON_QUESTIONS", 2)
    handed = [seed_searcher.question_vector(text) for text in ("hello", question, question)]
    taken = [seed_searcher.encode_question(text)[0] for text in ("hello", question, question)]
    assert taken[0] is not handed[0]  # the oldest went to keep two
    assert taken[1] is handed[1] and taken[2] is handed[2]
