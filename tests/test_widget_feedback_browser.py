"""The widget's thumbs up and down in a real browser (Playwright, Debian's Chromium) against the
running stack, by keyboard alone: the judgement reaches the store, a thumbs-down takes an optional
comment (Enter sends, Escape leaves, the focus goes back to the button), and a reload keeps it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import ARTEFACTS, NEEDS_CHROMIUM, chromium
from playwright.sync_api import Browser, Locator, Page, expect

from newsbot.conversations.store import ConversationStore, database_url
from newsbot.serving.supervisor import RASA, StackConfig, free_port, running_stack

REPLY_TIMEOUT_MS = 90_000
QUESTION = "Who attended the meeting?"
OFF_TOPIC = "What is the capital of France?"

pytestmark = [
    NEEDS_CHROMIUM,
    pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment (.venv-rasa) is not set up"),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    scratch = tmp_path_factory.mktemp("widget-feedback")
    config = StackConfig(
        web_port=free_port(), rasa_port=free_port(), logs_dir=scratch / "logs", tracker_sqlite=scratch / "c.db"
    )
    with running_stack(config) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def judgements(stack: StackConfig) -> list[tuple[str, str | None]]:
    assert stack.tracker_sqlite is not None
    store = ConversationStore(database_url(None, stack.tracker_sqlite))
    try:
        return [(judgement.rating, judgement.comment) for judgement in store.judgements()]
    finally:
        store.close()


def focused(locator: Locator) -> bool:
    return bool(locator.evaluate("node => node === document.activeElement"))


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if focused(target):
            return
    pytest.fail(f"{limit} presses of {key} did not reach {target}")


def ask_by_keyboard(page: Page, text: str) -> Locator:
    """Type the question in the focused input and press Enter; the bot's message once it came."""
    bot = page.locator(".newsbot-log > .newsbot-bot")
    before = bot.count()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    expect(bot).to_have_count(before + 1, timeout=REPLY_TIMEOUT_MS)
    return bot.nth(before)


def test_thumbs_and_a_comment_by_keyboard(stack: StackConfig, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(stack.web_url)
    launcher = page.get_by_role("button", name="Chat about the article")
    tab_to(page, launcher)
    page.keyboard.press("Enter")

    answer = ask_by_keyboard(page, QUESTION)
    helpful = answer.get_by_role("button", name="Helpful", exact=True)
    not_helpful = answer.get_by_role("button", name="Not helpful")
    expect(helpful).to_have_attribute("aria-pressed", "false")
    tab_to(page, not_helpful, key="Shift+Tab")
    page.keyboard.press("Enter")
    comment = answer.get_by_role("textbox", name="What was wrong? (optional)")
    expect(comment).to_be_focused()
    expect(not_helpful).to_have_attribute("aria-pressed", "true")
    page.keyboard.type("It left out the Board's own people")
    page.keyboard.press("Enter")
    expect(comment).to_have_count(0)
    expect(not_helpful).to_be_focused()
    expect(answer.get_by_role("status")).to_have_text("Thanks, your comment was sent.")
    assert judgements(stack) == [("down", "It left out the Board's own people")]

    page.keyboard.press("Shift+Tab")  # to Helpful, and change one's mind
    expect(helpful).to_be_focused()
    page.keyboard.press("Space")
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(not_helpful).to_have_attribute("aria-pressed", "false")
    expect(answer.get_by_role("status")).to_have_text("Thanks for your feedback.")
    assert judgements(stack) == [("up", None)]

    # A decline has them too; Escape leaves its comment without sending one, and keeps the chat open.
    page.get_by_role("textbox", name="Your question").focus()
    decline = ask_by_keyboard(page, OFF_TOPIC)
    declined_button = decline.get_by_role("button", name="Not helpful")
    declined_button.focus()
    page.keyboard.press("Enter")
    expect(decline.get_by_role("textbox", name="What was wrong? (optional)")).to_be_focused()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "widget-feedback.png"))
    page.keyboard.press("Escape")
    expect(decline.get_by_role("textbox")).to_have_count(0)
    expect(declined_button).to_be_focused()
    expect(page.get_by_role("dialog", name="Ask the article")).to_be_visible()
    assert sorted(judgements(stack)) == [("down", None), ("up", None)]

    # Pressed again, it opens the comment again, and what was sent before is kept, not replaced.
    page.keyboard.press("Enter")
    comment = decline.get_by_role("textbox", name="What was wrong? (optional)")
    expect(comment).to_be_focused()
    page.keyboard.type("Not about the article")
    page.keyboard.press("Enter")
    expect(decline.get_by_role("status")).to_have_text("Thanks, your comment was sent.")
    expect(declined_button).to_be_focused()
    page.keyboard.press("Enter")
    expect(comment).to_have_value("Not about the article")
    decline.get_by_role("button", name="Skip").click()
    expect(decline.get_by_role("textbox")).to_have_count(0)
    expect(declined_button).to_be_focused()
    expect(declined_button).to_have_attribute("aria-pressed", "true")
    assert sorted(judgements(stack)) == [("down", "Not about the article"), ("up", None)]

    page.reload()
    expect(launcher).to_be_visible()
    if launcher.get_attribute("aria-expanded") != "true":
        launcher.click()
    expect(page.get_by_role("dialog", name="Ask the article")).to_be_visible()
    restored = page.locator(".newsbot-log > .newsbot-bot")
    expect(restored.nth(0).get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(restored.nth(1).get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    assert errors == []
    context.close()
