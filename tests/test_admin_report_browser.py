"""The editors' report page (/admin/report) in a real browser: Playwright driving Debian's
Chromium against the running web app, its store filled with a week of readers' questions (the
seed dev set's, and the declined set's), judgements and comments. The editor logs in through the
browser's Basic prompt; the page loads nothing from elsewhere, runs no script, and reads well
(the screenshot is kept in artefacts/admin-report.png)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from browser_support import ARTEFACTS, NEEDS_CHROMIUM, chromium
from conftest import SEED_ARTICLE
from playwright.sync_api import Browser, ConsoleMessage, expect
from report_support import reply

from newsbot.conversations.store import ConversationStore, RecordedReply, database_url
from newsbot.serving.supervisor import StackConfig, free_port, start_web, stop
from newsbot.settings import PROJECT_ROOT

TOKEN = "browser-admin-token"

pytestmark = NEEDS_CHROMIUM


def week_of_questions(now: datetime) -> tuple[list[RecordedReply], list[tuple[RecordedReply, str, str | None]]]:
    """Readers' turns over seven days, and the judgements some of them got."""
    chooser = random.Random(17)
    answerable = [
        row
        for row in map(json.loads, (PROJECT_ROOT / "eval" / "seed-dev.jsonl").read_text().splitlines())
        if row["answerable"]
    ]
    declined = [json.loads(line)["question"] for line in (PROJECT_ROOT / "eval" / "declined-groups.jsonl").open()]
    rows: list[RecordedReply] = []
    for day in range(7):
        at = now - timedelta(days=6 - day, hours=2)
        for number in range(chooser.randint(4, 12)):
            row = chooser.choice(answerable)
            cited = tuple((SEED_ARTICLE, p) for p in row["paragraphs"][:3])
            latency = chooser.randint(180, 900)
            rows.append(reply(f"reader-{day}-{number}", row["question"], "answer", at, cited, latency))
        for number in range(chooser.randint(1, 5)):
            rows.append(reply(f"reader-{day}-d{number}", chooser.choice(declined), "decline", at, (), 250))
    answers = [row for row in rows if row.kind == "answer"]
    judged: list[tuple[RecordedReply, str, str | None]] = [(row, "up", None) for row in answers[::5]]
    comments = ["It quotes the wrong side.", None, "Doesn't say who was actually in the room.", "Too long."]
    judged += [(row, "down", comments[n % len(comments)]) for n, row in enumerate(answers[2::9])]
    return rows, judged


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    scratch = tmp_path_factory.mktemp("admin-report")
    config = StackConfig(
        web_port=free_port(),
        rasa_port=free_port(),  # no Rasa: the report needs none
        logs_dir=scratch / "logs",
        tracker_sqlite=scratch / "conversations.db",
        web_env=(("NEWSBOT_ADMIN_TOKEN", TOKEN),),
    )
    assert config.tracker_sqlite is not None
    store = ConversationStore(database_url(None, config.tracker_sqlite))
    now = datetime.now(UTC)
    rows, judged = week_of_questions(now)
    store.record(rows)
    for row, rating, comment in judged:
        store.rate(row.session_id, row.id, rating, comment, now)
    store.close()
    process = start_web(config)
    yield config
    stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_the_report_page_in_chromium(web: StackConfig, browser: Browser) -> None:
    refused = browser.new_context()
    challenge = refused.request.get(f"{web.web_url}/admin/report")
    assert challenge.status == 401 and challenge.headers["www-authenticate"].startswith("Basic ")
    refused.close()

    context = browser.new_context(
        viewport={"width": 1100, "height": 900}, http_credentials={"username": "editor", "password": TOKEN}
    )
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(message.text)

    page.on("console", on_console)
    response = page.goto(f"{web.web_url}/admin/report")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", name="What readers asked")).to_be_visible()
    expect(page.get_by_role("img", name="Questions answered and declined per day")).to_be_visible()
    expect(page.get_by_role("img", name="Citations of each paragraph of Crunch talks")).to_be_visible()
    expect(page.locator("ol.groups > li").first).to_be_visible()
    expect(page.locator(".comment", has_text="It quotes the wrong side.").first).to_be_visible()
    expect(page.locator("ul.down")).to_contain_text("Crunch talks between Jeremy Corbyn and Jewish community leaders")
    assert page.locator("svg rect.answered").count() == 7
    assert page.evaluate("document.scripts.length") == 0
    assert all(url.startswith(web.web_url) for url in requests), requests
    assert problems == []
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "admin-report.png"), full_page=True)
    context.close()
