"""The chat widget in a real browser: Playwright driving Debian's Chromium (headless) against the
running stack (the web app, Rasa and the actions), used as a reader would: with the mouse, by
keyboard alone, on a phone-sized screen, with markup typed in, and embedded on another site.

Screenshots of the answered widget are kept in artefacts/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, ViewportSize, expect, sync_playwright

from newsbot.serving.supervisor import RASA, StackConfig, free_port, running_stack, start_web, stop
from newsbot.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = PROJECT_ROOT / "artefacts"

QUESTION = "What did Labour commit to?"
CONTESTED = "were the jewish leaders' requests turned down"  # the Board: not agreed; Labour sources: not rejected
CAP = 1000  # NEWSBOT_MAX_MESSAGE_CHARS's default: the stack runs with it
OFF_TOPIC = "What is the capital of France?"
MARKUP = "<img src=x onerror=alert(1)>"

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# A reply goes through Rasa and the actions on a machine the other tests share: wait generously.
REPLY_TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"{CHROMIUM} not found: run scripts/install-browser.sh"),
    pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment (.venv-rasa) is not set up"),
]

# The widget's transcript entries (user and bot messages, notices): not the welcome line, not the
# typing indicator.
ENTRIES = ".newsbot-log > .newsbot-msg:not(.newsbot-welcome):not(.newsbot-typing)"
IDLE_AFTER = f"""count => document.querySelectorAll({json.dumps(ENTRIES)}).length > count + 1
    && !document.querySelector('.newsbot-typing')"""
# Records whether the typing indicator was ever shown (it may be gone before a poll could see it).
WATCH_TYPING = """() => {
    window.__newsbotSawTyping = false;
    new MutationObserver(() => {
        if (document.querySelector('.newsbot-typing')) window.__newsbotSawTyping = true;
    }).observe(document.body, {childList: true, subtree: true});
}"""


def flat(text: str) -> str:
    return " ".join(text.split())


# --- the servers and the browser ------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    scratch = tmp_path_factory.mktemp("widget-stack")
    config = StackConfig(
        web_port=free_port(),
        rasa_port=free_port(),
        logs_dir=scratch / "logs",
        tracker_sqlite=scratch / "conversations.db",
    )
    with running_stack(config) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page in its own browser context (own localStorage), with what went wrong on it."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def open_tab(browser: Browser) -> Iterator[Callable[..., Tab]]:
    contexts = []
    tabs: list[Tab] = []

    def open_(viewport: ViewportSize = DESKTOP, phone: bool = False) -> Tab:
        context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        contexts.append(context)
        tab = Tab(context.new_page())

        def on_dialog(dialog: Dialog) -> None:
            tab.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        tab.page.on("dialog", on_dialog)
        tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
        tab.page.on("request", lambda request: tab.requests.append(request.url))
        tabs.append(tab)
        return tab

    yield open_
    for context in contexts:
        context.close()
    for tab in tabs:
        assert not tab.errors, f"JavaScript errors on the page: {tab.errors}"


# --- the widget, as a reader finds it (by role and accessible name) -------------------------------


def launcher(page: Page) -> Locator:
    return page.get_by_role("button", name="Chat about the article")


def panel(page: Page) -> Locator:
    return page.get_by_role("dialog", name="Ask the article")


def message_input(page: Page) -> Locator:
    return panel(page).get_by_role("textbox", name="Your question")


def entries(page: Page) -> Locator:
    return page.locator(ENTRIES)


def ask(page: Page, text: str, keyboard: bool = False) -> Locator:
    """Send `text` from the input (typed and Enter, or filled and Send); the bot's first reply message."""
    before = entries(page).count()
    if keyboard:
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    else:
        message_input(page).fill(text)
        panel(page).get_by_role("button", name="Send").click()
    return reply_after(page, before)


def reply_after(page: Page, before: int) -> Locator:
    """The first bot message after the first `before` entries and the user's, once the widget is idle."""
    page.wait_for_function(IDLE_AFTER, arg=before, timeout=REPLY_TIMEOUT_MS)
    expect(entries(page).nth(before)).to_have_class(re.compile(r"\bnewsbot-user\b"))
    return entries(page).nth(before + 1)


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("node => node === document.activeElement"))


def press_until(page: Page, key: str, focused: Callable[[], bool], limit: int = 300) -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if focused():
            return
    pytest.fail(f"{limit} presses of {key} did not reach the element")


def log_scroll(page: Page) -> int:
    return int(page.get_by_role("log").evaluate("node => node.scrollTop"))


def cited_paragraph(link: Locator) -> str:
    href = link.get_attribute("href") or ""
    match = re.fullmatch(r"[^#]*#([\w-]+-p\d+)", href)
    assert match, f"the citation link {href!r} does not point at a paragraph"
    return match.group(1)


def readable_text(node: Locator) -> str:
    """What a screen reader reads of `node`: all its text (folded away from the eye or not), not
    what is aria-hidden (the "…" of a folded passage)."""
    return flat(
        node.evaluate(
            """node => {
                const copy = node.cloneNode(true);
                copy.querySelectorAll('[aria-hidden="true"]').forEach(hidden => hidden.remove());
                return copy.textContent;
            }"""
        )
    )


def check_answer(reply: Locator) -> tuple[Locator, str]:
    """An answer shows its passages once, each quoted with its speaker and a link to its paragraph;
    its first citation link, and the id of the paragraph it cites."""
    passages = reply.locator(".newsbot-passage")
    expect(passages.first).to_be_visible()
    for index in range(passages.count()):
        passage = passages.nth(index)
        expect(passage.locator(".newsbot-speaker")).to_have_text(re.compile(r"\w"))
        expect(passage.get_by_role("link", name=re.compile(r"^paragraph \d+$"))).to_have_count(1)
        quote = readable_text(passage.locator("blockquote"))
        assert quote, "an empty passage"
        assert readable_text(reply).count(quote) == 1, f"the passage is shown more than once: {quote!r}"
    first = passages.first
    link = first.get_by_role("link", name=re.compile(r"^paragraph \d+$"))
    return link, cited_paragraph(link)


def check_target(page: Page, paragraph_id: str, quote: str) -> None:
    """The page went to the cited paragraph, which holds the quoted passage."""
    expect(page).to_have_url(re.compile(re.escape(f"#{paragraph_id}") + "$"))
    paragraph = page.locator(f"[id='{paragraph_id}']")
    expect(paragraph).to_be_in_viewport()
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == paragraph_id
    assert quote in flat(paragraph.inner_text()), f"paragraph {paragraph_id} does not hold {quote!r}"


# --- the tests ------------------------------------------------------------------------------------


def test_answer_cites_its_paragraph_and_survives_a_reload(stack: StackConfig, open_tab: Callable[..., Tab]) -> None:
    page = open_tab().page
    page.goto(stack.web_url)
    expect(launcher(page)).to_be_visible()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    expect(panel(page)).to_be_hidden()

    launcher(page).click()
    expect(panel(page)).to_be_visible()
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    # Under the open panel, the launcher keeps to the right (a margin reset once pushed it left).
    button, window = launcher(page).bounding_box(), panel(page).bounding_box()
    assert button and window and abs(button["x"] + button["width"] - window["x"] - window["width"]) < 1
    expect(message_input(page)).to_be_focused()
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")

    page.evaluate(WATCH_TYPING)
    reply = ask(page, QUESTION)
    assert page.evaluate("window.__newsbotSawTyping") is True, "no typing indicator while waiting"
    link, paragraph_id = check_answer(reply)
    quote = readable_text(reply.locator(".newsbot-passage").first.locator("blockquote"))
    cited = {int(label.split()[-1]) for label in reply.locator("a.newsbot-cite").all_inner_texts()}
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / "widget-answer.png")

    # Following the citation: the page goes to the paragraph, which takes the focus from the closed
    # panel; reopening comes back to the link, the conversation scrolled as it was.
    scrolled = log_scroll(page)
    link.click()
    check_target(page, paragraph_id, quote)
    expect(panel(page)).to_be_hidden()
    expect(page.locator(f"[id='{paragraph_id}']")).to_be_focused()
    launcher(page).click()
    expect(link).to_be_focused()
    assert log_scroll(page) == scrolled

    page.reload()
    expect(panel(page)).to_be_visible()  # it was open: it opens again
    expect(entries(page)).to_have_count(2)
    expect(entries(page).first).to_contain_text(QUESTION)
    _, same_paragraph = check_answer(entries(page).nth(1))
    assert same_paragraph == paragraph_id
    stored = page.evaluate(
        """() => Object.keys(localStorage).filter(k => k.startsWith('newsbot-widget:'))
            .map(k => JSON.parse(localStorage.getItem(k)))"""
    )
    assert len(stored) == 1 and stored[0]["entries"][0] == {"from": "user", "text": QUESTION}

    # Same session on the bot's side: the follow-up is about the answer given before the reload.
    follow_up = ask(page, "Who said that?")
    for number in cited:  # the widget lists each speaker with a link to the paragraph
        expect(follow_up).to_contain_text(re.compile(rf"paragraph {number}(?!\d)"))


def test_keyboard_alone(stack: StackConfig, open_tab: Callable[..., Tab]) -> None:
    page = open_tab().page
    page.goto(stack.web_url)
    press_until(page, "Tab", lambda: is_focused(launcher(page)))
    page.keyboard.press("Enter")
    expect(panel(page)).to_be_visible()
    expect(message_input(page)).to_be_focused()

    page.keyboard.press("Enter")  # nothing typed: nothing sent
    expect(entries(page)).to_have_count(0)
    reply = ask(page, QUESTION, keyboard=True)
    expect(message_input(page)).to_be_focused()
    check_answer(reply)

    # Back from the input into the answer, to its last citation link.
    last_link = reply.locator("a.newsbot-cite").last
    press_until(page, "Shift+Tab", lambda: is_focused(last_link), limit=20)
    paragraph_id = cited_paragraph(last_link)
    quote = readable_text(last_link.locator("xpath=ancestor::figure").locator("blockquote"))
    scrolled = log_scroll(page)
    page.keyboard.press("Enter")
    check_target(page, paragraph_id, quote)
    expect(panel(page)).to_be_hidden()
    expect(page.locator(f"[id='{paragraph_id}']")).to_be_focused()

    # Back to the launcher (early in the page's Tab order) and in: to the link followed.
    press_until(page, "Shift+Tab", lambda: is_focused(launcher(page)))
    page.keyboard.press("Enter")
    expect(last_link).to_be_focused()
    assert log_scroll(page) == scrolled
    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    expect(launcher(page)).to_be_focused()

    page.reload()
    expect(panel(page)).to_be_hidden()  # closed before the reload: stays closed
    press_until(page, "Tab", lambda: is_focused(launcher(page)))
    page.keyboard.press("Space")
    expect(panel(page)).to_be_visible()
    expect(message_input(page)).to_be_focused()
    expect(entries(page).first).to_contain_text(QUESTION)
    check_answer(entries(page).nth(1))
    page.keyboard.press("Escape")
    expect(launcher(page)).to_be_focused()


def test_suggested_question_buttons_send_their_question(stack: StackConfig, open_tab: Callable[..., Tab]) -> None:
    page = open_tab().page
    page.goto(stack.web_url)
    launcher(page).click()
    decline = ask(page, OFF_TOPIC)
    expect(decline.locator(".newsbot-passage")).to_have_count(0)
    suggestions = decline.get_by_role("group", name="Suggested questions").get_by_role("button")
    expect(suggestions).to_have_count(3)

    question = suggestions.first.inner_text()
    before = entries(page).count()
    suggestions.first.click()
    reply = reply_after(page, before)
    expect(entries(page).nth(before)).to_contain_text(question)
    check_answer(reply)


def test_markup_is_shown_as_text(stack: StackConfig, open_tab: Callable[..., Tab]) -> None:
    tab = open_tab()
    page = tab.page
    page.goto(stack.web_url)
    launcher(page).click()
    ask(page, MARKUP)
    expect(page.locator(".newsbot-user .newsbot-text")).to_have_text(MARKUP)
    assert panel(page).locator("img").count() == 0
    assert page.locator("img").count() == 0
    assert tab.dialogs == []
    assert not [url for url in tab.requests if url.rstrip("/").endswith("/x")]

    page.reload()  # and from the stored transcript too
    expect(page.locator(".newsbot-user .newsbot-text")).to_have_text(MARKUP)
    assert page.locator("img").count() == 0
    assert tab.dialogs == []


def test_phone_sized_screen(stack: StackConfig, open_tab: Callable[..., Tab]) -> None:
    page = open_tab(PHONE, phone=True).page
    page.goto(stack.web_url)
    launcher(page).tap()
    expect(panel(page)).to_be_visible()
    assert panel(page).bounding_box() == {"x": 0, "y": 0, **PHONE}, "the panel does not fill the screen"
    expect(launcher(page)).to_be_hidden()

    reply = ask(page, QUESTION)
    link, paragraph_id = check_answer(reply)
    quote = readable_text(reply.locator(".newsbot-passage").first.locator("blockquote"))
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / "widget-phone-open.png")

    link.tap()  # the full-screen panel steps aside for the paragraph
    expect(panel(page)).to_be_hidden()
    check_target(page, paragraph_id, quote)
    expect(page.locator(f"[id='{paragraph_id}']")).to_be_focused()
    expect(launcher(page)).to_be_visible()
    launcher(page).tap()
    expect(link).to_be_focused()


# --- the answer's sentences highlighted, sides, folds ---------------------------------------------


def ask_capturing(page: Page, text: str) -> tuple[Locator, dict[str, Any]]:
    """Ask `text`; the bot's first reply message as shown, and as /api/chat sent it."""
    before = entries(page).count()
    with page.expect_response(lambda response: response.url.endswith("/api/chat")) as sent:
        message_input(page).fill(text)
        page.keyboard.press("Enter")
    body = sent.value.json()
    return reply_after(page, before), body["messages"][0]


def check_highlights(reply: Locator, message: dict[str, Any]) -> int:
    """Each passage marks exactly its source's highlight (code point offsets into its text), the rest
    of the paragraph quieter but readable; how many passages had a highlight."""
    passages = reply.locator(".newsbot-passage")
    expect(passages).to_have_count(len(message["sources"]))
    marked = 0
    for index, source in enumerate(message["sources"]):
        quote = passages.nth(index).locator("blockquote")
        assert readable_text(quote) == flat(source["text"])
        highlight = source["highlight"]
        if not highlight:
            expect(quote.locator("mark")).to_have_count(0)
            continue
        marked += 1
        expect(quote.locator("mark")).to_have_count(1)
        assert quote.locator("mark").text_content() == source["text"][highlight["start"] : highlight["end"]]
        for context in quote.locator(".newsbot-context").all():
            assert contrast_on_white(context.evaluate("node => getComputedStyle(node).color")) >= 4.5
    return marked


def check_reported_voices(reply: Locator, message: dict[str, Any]) -> int:
    """Each passage where the article itself speaks names the voices it reports (the source's
    `reports`); how many passages did."""
    passages = reply.locator(".newsbot-passage")
    named = 0
    for index, source in enumerate(message["sources"]):
        if source["speaker_kind"] == "narration" and source["reports"]:
            named += 1
            reporting = f"the article itself, reporting {' and '.join(source['reports'])}"
            expect(passages.nth(index).locator(".newsbot-speaker")).to_have_text(reporting)
    return named


def contrast_on_white(color: str) -> float:
    """WCAG contrast of an opaque `rgb(r, g, b)` against white."""
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", color)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return 1.05 / (luminance + 0.05)


def test_answer_marks_its_answering_sentences(stack: StackConfig, open_tab: Callable[..., Tab]) -> None:
    page = open_tab().page
    page.goto(stack.web_url)
    launcher(page).click()
    reply, message = ask_capturing(page, QUESTION)
    assert check_highlights(reply, message) >= 1, "no passage of the answer has its sentence highlighted"
    # Labour's account is the article reporting Ms Formby's commitment: the caption says so.
    assert check_reported_voices(reply, message) >= 1, message["sources"]
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / "widget-highlight.png")

    # A Ctrl/Cmd-click opens the paragraph elsewhere: the panel stays as it is.
    with page.context.expect_page() as elsewhere:
        reply.locator("a.newsbot-cite").first.click(modifiers=["ControlOrMeta"])
    elsewhere.value.close()
    expect(panel(page)).to_be_visible()

    page.reload()  # the stored conversation keeps the highlights and the reported voices
    check_highlights(entries(page).nth(1), message)
    check_reported_voices(entries(page).nth(1), message)


def test_contested_answer_names_each_side_and_folds_long_paragraphs(
    stack: StackConfig, open_tab: Callable[..., Tab]
) -> None:
    page = open_tab().page
    page.goto(stack.web_url)
    launcher(page).click()
    reply, message = ask_capturing(page, CONTESTED)
    assert message["contested"], f"{CONTESTED!r} is not answered as contested"
    check_highlights(reply, message)
    passages = reply.locator(".newsbot-passage")
    for index, source in enumerate(message["sources"]):
        sides = [side["name"] for side in message["sides"] if source["speaker"] in side["speakers"]]
        label = passages.nth(index).locator(".newsbot-side")
        if sides:
            expect(label).to_have_text(f"Side: {sides[0]}")
        else:  # a voice of neither side (the article's own): no label
            expect(label).to_have_count(0)

    # Located by id: unfolded, the quote no longer matches .newsbot-folded.
    quote_id = reply.locator("blockquote.newsbot-folded").first.get_attribute("id")
    quote = page.locator(f"[id='{quote_id}']")
    whole = readable_text(quote)
    toggle = page.locator(f"[aria-controls='{quote_id}']")
    expect(toggle).to_have_accessible_name("Show the whole paragraph")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # Folded to the eye: the "…" and the answer show, the rest does not ...
    expect(quote.locator(".newsbot-ellipsis").first).to_be_visible()
    assert quote.locator(".newsbot-context").first.bounding_box()["width"] <= 1  # type: ignore[index]
    # ... but a screen reader gets the whole paragraph, in order, and no "…".
    snapshot = quote.aria_snapshot()
    assert "\u2026" not in snapshot
    assert flat(" ".join(re.findall(r": (.*)$", snapshot, re.MULTILINE)).replace('"', "")) == whole.replace('"', "")
    toggle.scroll_into_view_if_needed()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / "widget-contested.png")

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_accessible_name("Show only the answer")
    expect(quote.locator(".newsbot-ellipsis").first).to_be_hidden()
    assert quote.locator(".newsbot-context").first.bounding_box()["width"] > 1  # type: ignore[index]
    assert flat(quote.inner_text()) == whole
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_accessible_name("Show the whole paragraph")

    page.reload()  # the stored conversation keeps the sides and the fold
    stored = entries(page).nth(1)
    expect(stored.locator(".newsbot-side")).to_have_count(len(message["sources"]))
    expect(stored.get_by_role("button", name="Show the whole paragraph").first).to_be_visible()


def test_stored_messages_show_with_their_highlights_and_without(
    stack: StackConfig, open_tab: Callable[..., Tab]
) -> None:
    page = open_tab().page
    page.goto(stack.web_url)
    # Emoji before the answer: offsets in code points, which UTF-16 indexing would shift.
    emoji = "\U0001f600 Emoji first. The answer is here. \U0001f389 After."
    start = emoji.index("The answer")
    highlight = {"start": start, "end": start + len("The answer is here.")}
    stored = {
        "sessionId": "w" + "0" * 32,
        "open": True,
        "entries": [
            {"from": "user", "text": QUESTION},
            {
                "from": "bot",
                "text": "Labour said:",
                "kind": "answer",
                "lead": "Labour said:",
                "buttons": [],
                "sources": [  # stored before highlights, sides and contested were
                    {"article": "a", "title": "T", "paragraph": 24, "speaker": "Labour", "text": "An old passage."}
                ],
                "answerable": True,
            },
            {"from": "user", "text": QUESTION},
            {
                "from": "bot",
                "text": "Labour said:",
                "kind": "answer",
                "lead": "Labour said:",
                "sources": [
                    {
                        "article": "a",
                        "title": "T",
                        "paragraph": 2,
                        "speaker": "Labour",
                        "text": emoji,
                        "highlight": highlight,
                    }
                ],
                "sides": [{"name": "Labour", "speakers": ["Labour"]}, {"name": "the Board", "speakers": ["Board"]}],
                "contested": True,
            },
        ],
    }
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [f"newsbot-widget:{stack.web_url.rstrip('/')}", json.dumps(stored)],
    )
    page.reload()
    old = entries(page).nth(1)
    expect(old.locator("blockquote")).to_have_text("An old passage.")
    expect(old.locator("mark")).to_have_count(0)
    expect(old.locator(".newsbot-side")).to_have_count(0)
    new = entries(page).nth(3)
    expect(new.locator("mark")).to_have_text("The answer is here.")
    expect(new.locator("blockquote")).to_have_text(emoji)
    expect(new.locator(".newsbot-side")).to_have_text("Side: Labour")


# --- the message's length ------------------------------------------------------------------------


def test_message_length_is_counted_capped_and_a_long_paste_is_cut_aloud(
    stack: StackConfig, open_tab: Callable[..., Tab]
) -> None:
    tab = open_tab()
    page = tab.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.web_url.rstrip("/"))
    page.goto(stack.web_url)
    launcher(page).click()
    box = message_input(page)
    count = panel(page).locator(".newsbot-count")
    status = panel(page).locator("form").get_by_role("status")
    expect(count).to_have_text(f"0 / {CAP} characters")
    expect(box).to_have_attribute("maxlength", str(CAP))
    expect(box).to_have_accessible_description(f"0 / {CAP} characters")

    long_text = (QUESTION + " ") * (5000 // len(QUESTION) + 1)
    long_text = long_text[:5000]
    box.focus()
    page.keyboard.type(long_text)
    expect(box).to_have_value(long_text[:CAP])
    expect(count).to_have_text(f"{CAP} / {CAP} characters")
    expect(status).to_contain_text(f"limit: {CAP} characters")

    box.fill("")
    expect(count).to_have_text(f"0 / {CAP} characters")
    expect(status).to_have_text("")
    page.evaluate("text => navigator.clipboard.writeText(text)", long_text)
    box.focus()
    page.keyboard.press("ControlOrMeta+V")
    expect(box).to_have_value(long_text[:CAP])
    expect(status).to_contain_text("cut")
    expect(status).to_contain_text("5000")
    expect(count).to_have_text(f"{CAP} / {CAP} characters")
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / "widget-paste-cut.png")

    # Exactly at the cap: sent, and answered.
    before = entries(page).count()
    page.keyboard.press("Enter")
    reply = reply_after(page, before)
    expect(reply).to_have_class(re.compile(r"\bnewsbot-bot\b"))
    expect(count).to_have_text(f"0 / {CAP} characters")


# --- the keyboard: the launcher early, the dialog keeps the focus --------------------------------


def tab_stop_key(page: Page) -> str:
    """Which panel control has the focus (its place among the panel's elements), or why none."""
    return str(
        page.evaluate(
            """() => {
                const active = document.activeElement;
                const panel = document.querySelector('.newsbot-panel');
                if (!panel.contains(active)) return 'outside: ' + (active ? active.outerHTML.slice(0, 80) : 'none');
                return String([...panel.querySelectorAll('*')].indexOf(active));
            }"""
        )
    )


def test_tab_stays_in_the_open_panel(stack: StackConfig, open_tab: Callable[..., Tab]) -> None:
    page = open_tab().page
    page.goto(stack.web_url)
    for _ in range(3):
        page.keyboard.press("Tab")
        if is_focused(launcher(page)):
            break
    else:
        pytest.fail("the launcher is not among the page's first 3 Tab stops")
    page.keyboard.press("Enter")
    reply = ask(page, QUESTION, keyboard=True)
    check_answer(reply)

    controls = int(
        panel(page).evaluate(
            """panel => [...panel.querySelectorAll('a[href], button, input')]
                .filter(node => !node.disabled && node.getClientRects().length).length"""
        )
    )
    assert controls >= 6  # New chat, close, citation links, fold toggle or suggestions, input, Send
    start = tab_stop_key(page)
    forward = [start]
    for _ in range(controls):
        page.keyboard.press("Tab")
        forward.append(tab_stop_key(page))
    assert not [key for key in forward if key.startswith("outside")], forward
    assert forward[-1] == start and len(set(forward[:-1])) == controls, forward
    backward = [start]
    for _ in range(controls):
        page.keyboard.press("Shift+Tab")
        backward.append(tab_stop_key(page))
    assert backward == forward[::-1], (forward, backward)

    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    expect(launcher(page)).to_be_focused()


# --- a phone: the launcher never covers the article ------------------------------------------------

COVERED_TEXT = """() => {
    const launcher = document.querySelector('.newsbot-launcher').getBoundingClientRect();
    const covered = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim() || node.parentElement.closest('.newsbot-root')) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const box of range.getClientRects()) {
            if (box.width && box.height && box.left < launcher.right && launcher.left < box.right
                && box.top < launcher.bottom && launcher.top < box.bottom) {
                covered.push(node.textContent.trim().slice(0, 40));
            }
        }
    }
    return covered;
}"""


def test_phone_launcher_covers_no_text(stack: StackConfig, open_tab: Callable[..., Tab]) -> None:
    page = open_tab(PHONE, phone=True).page
    page.goto(stack.web_url)
    expect(launcher(page)).to_be_in_viewport()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / "widget-phone-closed.png")
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    for top in (0, 200, 844, height // 2, height - 844, height):
        page.evaluate("top => window.scrollTo(0, top)", top)
        assert page.evaluate(COVERED_TEXT) == [], f"the launcher covers text scrolled to {top}"


# --- embedded on another site, with the bot down -------------------------------------------------


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another site</title></head>
<body><h1>Another site</h1><p>Its own page, with the widget embedded (twice, by mistake).</p>
<script src="{app}/widget.js" defer></script>
<script src="{app}/widget.js" defer></script>
</body></html>
"""


@dataclass(frozen=True)
class Embedding:
    host_url: str
    app_url: str


def host_server(page: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)


@pytest.fixture(scope="module")
def embedding(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedding]:
    """The web app alone, its Rasa address pointing at nothing, embedded on a page of another origin."""
    web_port = free_port()
    server = host_server(HOST_PAGE.format(app=f"http://127.0.0.1:{web_port}").encode())
    host_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = StackConfig(
        web_port=web_port,
        rasa_port=free_port(),  # no Rasa is started there
        logs_dir=tmp_path_factory.mktemp("lone-app"),
        web_env=(("NEWSBOT_CORS_ORIGINS", host_url), ("NEWSBOT_WATCH_KNOWLEDGE", "false")),
    )
    try:
        app = start_web(config)
        try:
            yield Embedding(host_url, config.web_url)
        finally:
            stop(app)
    finally:
        server.shutdown()
        server.server_close()


def test_embedded_on_another_site_shows_the_bot_down_notice(embedding: Embedding, open_tab: Callable[..., Tab]) -> None:
    page = open_tab().page
    page.goto(embedding.host_url)
    expect(launcher(page)).to_have_count(1)  # two script tags, one widget
    expect(launcher(page)).to_be_visible()
    # Styled from the app's widget.css, which the script loaded by itself.
    assert page.locator(".newsbot-root").evaluate("node => getComputedStyle(node).position") == "fixed"

    launcher(page).click()
    before = entries(page).count()
    message_input(page).fill(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_function(IDLE_AFTER, arg=before, timeout=REPLY_TIMEOUT_MS)
    notice = entries(page).nth(before + 1)
    expect(notice).to_have_class(re.compile(r"\bnewsbot-notice\b"))
    expect(notice).to_have_attribute("role", "status")
    expect(notice).to_contain_text("try again")
    expect(message_input(page)).to_have_value(QUESTION)  # kept, to send again
    expect(panel(page).get_by_role("button", name="Send")).to_be_enabled()
