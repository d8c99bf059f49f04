"""The widget beside a story answers from that story: the real stack (web app, Rasa, actions)
over two articles, through /api/chat and in Chromium on a story's own page."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from browser_support import CHROMIUM_ARGS, NEEDS_CHROMIUM
from conftest import COUNCIL_ARTICLE, COUNCIL_KNOWLEDGE, KNOWLEDGE, SEED_ARTICLE
from playwright.sync_api import Page, Request, expect, sync_playwright
from test_second_article_e2e import chat, stack_over

from newsbot.conversations.store import ConversationStore, database_url
from newsbot.serving.supervisor import RASA, StackConfig

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

REPLY_TIMEOUT_MS = 90_000
CHROMIUM = "/usr/bin/chromium"
ENTRIES = ".newsbot-log > .newsbot-msg:not(.newsbot-welcome):not(.newsbot-typing)"


@pytest.fixture(scope="module")
def two_article_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    scratch = tmp_path_factory.mktemp("scope-stack")
    knowledge = scratch / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    for path in COUNCIL_KNOWLEDGE.iterdir():
        shutil.copy(path, knowledge / path.name)
    with stack_over(scratch) as config:
        yield config


def articles(reply: dict[str, Any]) -> set[str]:
    return {source["article"] for source in reply["sources"]}


def test_a_chat_naming_an_article_is_answered_from_it(two_article_stack: StackConfig) -> None:
    question = "what did the council say"
    everywhere = chat(two_article_stack, f"scope-{uuid.uuid4().hex[:12]}", question, None)
    assert articles(everywhere) == {COUNCIL_ARTICLE}
    session = f"scope-{uuid.uuid4().hex[:12]}"
    in_the_talks = chat(two_article_stack, session, question, SEED_ARTICLE)
    assert articles(in_the_talks) <= {SEED_ARTICLE}, in_the_talks
    # A follow-up of the same conversation stays in its article.
    more = chat(two_article_stack, session, "tell me more", SEED_ARTICLE)
    assert articles(more) <= {SEED_ARTICLE}, more
    refused = httpx.post(
        f"{two_article_stack.web_url}/api/chat",
        json={"session_id": session, "message": "hello", "article": "no-such-story"},
        timeout=60.0,
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_article"
    # The editors' report counts the turns beside the story they were asked by.
    assert two_article_stack.tracker_sqlite is not None
    store = ConversationStore(database_url(None, two_article_stack.tracker_sqlite))
    try:
        recorded = {(row.session_id, row.question, row.article) for row in store.replies_since()}
    finally:
        store.close()
    assert (session, question, SEED_ARTICLE) in recorded and (session, "tell me more", SEED_ARTICLE) in recorded
    assert any(row[1] == question and row[2] is None for row in recorded)


def ask(page: Page, text: str) -> None:
    before = page.locator(ENTRIES).count()
    page.get_by_role("textbox", name="Your question").fill(text)
    page.get_by_role("button", name="Send").click()
    page.wait_for_function(
        f"n => document.querySelectorAll({ENTRIES!r}).length > n + 1 && !document.querySelector('.newsbot-typing')",
        arg=before,
        timeout=REPLY_TIMEOUT_MS,
    )


@NEEDS_CHROMIUM
def test_the_widget_on_a_storys_page_answers_from_that_story(two_article_stack: StackConfig) -> None:
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            sent: list[str] = []

            def record_chat(request: Request) -> None:
                if "/api/chat" in request.url:
                    sent.append(request.post_data or "")

            page.on("request", record_chat)
            page.goto(f"{two_article_stack.web_url}/articles/{COUNCIL_ARTICLE}")
            page.get_by_role("button", name="Chat about the article").click()
            ask(page, "what did corbyn say")
            declined = page.locator(ENTRIES).last
            expect(declined).to_contain_text(re.compile(r"doesn't|does not|never", re.I))
            ask(page, "what did the residents say")
            answer = page.locator(ENTRIES).last
            link = answer.get_by_role("link", name=re.compile(r"^paragraph \d+$")).first
            href = link.get_attribute("href") or ""
            # The cited paragraph is on this page: the link stays here.
            assert re.search(rf"/articles/{COUNCIL_ARTICLE}#{COUNCIL_ARTICLE}-p\d+$", href), href
            link.click()
            expect(page).to_have_url(re.compile(rf"/articles/{COUNCIL_ARTICLE}#{COUNCIL_ARTICLE}-p\d+$"))
            assert sent and all(f'"article":"{COUNCIL_ARTICLE}"' in body for body in sent), sent
            # The page of every article keeps a conversation of its own.
            page.goto(two_article_stack.web_url)
            page.get_by_role("button", name="Chat about the article").click()
            expect(page.get_by_role("textbox", name="Your question")).to_be_visible()
            assert page.locator(ENTRIES).count() == 0
        finally:
            browser.close()
    assert not errors, errors


def test_a_conversation_over_both_articles_stays_with_its_story(two_article_stack: StackConfig) -> None:
    """No article named: the conversation's story is kept in Rasa's slots, past a decline."""
    session = f"story-{uuid.uuid4().hex[:12]}"
    assert articles(chat(two_article_stack, session, "what did the residents say", None)) == {COUNCIL_ARTICLE}
    declined = chat(two_article_stack, session, "what is the weather like", None)
    assert declined["answerable"] is False, declined
    follow_up = chat(two_article_stack, session, "who leads it", None)
    assert follow_up["sources"][0]["article"] == COUNCIL_ARTICLE, follow_up
    alone = chat(two_article_stack, f"story-{uuid.uuid4().hex[:12]}", "who leads it", None)
    assert alone["sources"][0]["article"] == SEED_ARTICLE, alone
