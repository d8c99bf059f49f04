"""The conversation store, the grouping of declined questions and the report, on SQLite and on a
fresh PostgreSQL database each, with the real model; and the installed `newsbot report`,
`forget` and `prune` commands."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from conftest import KNOWLEDGE, MODEL, SEED_ARTICLE
from report_support import database, reply, seeded
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, event, func, select

from newsbot.conversations.recording import record
from newsbot.conversations.retention import keep_conversations
from newsbot.conversations.store import ConversationStore, RecordedReply, database_url, feedback, replies
from newsbot.ingest.knowledge import load_articles
from newsbot.report.build import nearest_rank
from newsbot.report.grouping import group_questions
from newsbot.report.page import render_page
from newsbot.report.service import make_report, paragraph_sum, paragraphs_mean
from newsbot.report.text import render_report
from newsbot.retrieval.embeddings import embed
from newsbot.settings import PROJECT_ROOT

NEWSBOT = PROJECT_ROOT / ".venv" / "bin" / "newsbot"
NOW = datetime.now(UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[ConversationStore]:
    opened = ConversationStore(database_url(store_url, Path("unused")))
    opened.ensure_tables()
    yield opened
    opened.close()


def rasa_events(store: ConversationStore) -> Table:
    """Rasa's SQLTrackerStore's table of events (the columns deleting uses, as Rasa names them)."""
    table = Table(
        "events",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255), nullable=False),
        Column("type_name", String(255), nullable=False),
        Column("timestamp", Float),
        Column("data", String),
    )
    table.create(store.engine)
    return table


def count(store: ConversationStore, table: Table) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


# --- the store ------------------------------------------------------------------------------


def test_a_judgement_needs_the_message_in_its_session_and_a_later_one_replaces_it(store: ConversationStore) -> None:
    [answer] = seeded(store, [reply("reader-0001", "Who attended?", "answer", NOW)])
    assert store.rate("reader-0001", answer.id, "down", "wrong people", NOW)
    assert not store.rate("reader-0002", answer.id, "up", None, NOW)  # another session's message
    assert not store.rate("reader-0001", "no-such-message", "up", None, NOW)
    assert store.rate("reader-0001", answer.id, "up", None, NOW + timedelta(seconds=1))
    [kept] = store.judgements()
    assert (kept.message_id, kept.rating, kept.comment) == (answer.id, "up", None)


def test_a_thumbs_down_without_a_comment_keeps_the_earlier_comment(store: ConversationStore) -> None:
    [answer] = seeded(store, [reply("reader-0003", "Who attended?", "answer", NOW)])

    def kept() -> tuple[str, str | None]:
        [judgement] = store.judgements()
        return judgement.rating, judgement.comment

    assert store.rate("reader-0003", answer.id, "down", "wrong people", NOW)
    assert store.rate("reader-0003", answer.id, "down", None, NOW)  # pressed again
    assert kept() == ("down", "wrong people")
    assert store.rate("reader-0003", answer.id, "down", "the Board's people missing", NOW)
    assert kept() == ("down", "the Board's people missing")
    assert store.rate("reader-0003", answer.id, "up", None, NOW)  # a change of mind drops it
    assert kept() == ("up", None)
    assert store.rate("reader-0003", answer.id, "down", None, NOW)
    assert kept() == ("down", None)


def test_turns_ending_together_are_kept_in_few_commits_and_a_bad_one_loses_no_other(
    store: ConversationStore, caplog: pytest.LogCaptureFixture
) -> None:
    commits: list[int] = []
    event.listen(store.engine, "commit", lambda connection: commits.append(1))
    turns = [[reply(f"burst-{n:02}", "Who attended?", "answer", NOW)] for n in range(30)]

    async def burst(turns: list[list[RecordedReply]]) -> None:
        await asyncio.gather(*(record(store, turn) for turn in turns))

    asyncio.run(burst(turns))
    assert count(store, replies) == 30
    assert 1 <= len(commits) < 10  # the first turn alone, then the rest in batches

    # A turn whose row is already kept (a duplicate id) fails alone: the turns with it are kept.
    again = [[reply(f"later-{n:02}", "Who attended?", "answer", NOW)] for n in range(5)]
    asyncio.run(burst([*again[:2], turns[0], *again[2:]]))
    assert count(store, replies) == 35
    failed = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert len(failed) == 1 and "burst-00" in failed[0], failed


def test_prune_deletes_what_is_older_than_the_retention_with_rasas_events(store: ConversationStore) -> None:
    events = rasa_events(store)
    old, new = NOW - timedelta(days=10), NOW - timedelta(hours=1)
    [stale, fresh] = seeded(store, [reply("old-reader", "q1", "answer", old), reply("new-reader", "q2", "answer", new)])
    store.rate("old-reader", stale.id, "down", None, old)
    store.rate("new-reader", fresh.id, "up", None, new)
    with store.engine.begin() as connection:
        connection.execute(
            events.insert(),
            [
                {"sender_id": "old-reader", "type_name": "user", "timestamp": old.timestamp()},
                {"sender_id": "new-reader", "type_name": "user", "timestamp": new.timestamp()},
            ],
        )
    deleted = store.prune(7, NOW)
    assert (deleted.replies, deleted.feedback, deleted.rasa_events) == (1, 1, 1)
    assert [row.session_id for row in store.replies_since()] == ["new-reader"]
    assert [row.message_id for row in store.judgements()] == [fresh.id]
    assert count(store, events) == 1


def test_the_web_apps_keeper_applies_the_retention_again_each_round(store: ConversationStore) -> None:
    """The web app runs `keep_conversations` hourly; here every 50 ms: a conversation that ages past
    the retention after the first round is deleted by a later one."""

    async def sessions_left() -> set[str]:
        keeper = asyncio.create_task(keep_conversations(store, 3, interval=0.05))
        await asyncio.sleep(0.3)  # the first round has run on an empty store
        seeded(
            store,
            [reply("aged-reader", "old", "answer", NOW - timedelta(days=4)), reply("recent", "new", "answer", NOW)],
        )
        left: set[str] = set()
        for _ in range(100):
            left = {row.session_id for row in store.replies_since()}
            if left == {"recent"}:
                break
            await asyncio.sleep(0.05)
        assert not keeper.done()  # still keeping: it runs until the app stops
        keeper.cancel()
        return left

    assert asyncio.run(sessions_left()) == {"recent"}


def test_forget_deletes_one_readers_conversation_and_nothing_else(store: ConversationStore) -> None:
    events = rasa_events(store)
    [mine, theirs] = seeded(store, [reply("forget-me-1", "q", "answer", NOW), reply("keep-me-01", "q", "answer", NOW)])
    store.rate("forget-me-1", mine.id, "down", "meh", NOW)
    store.rate("keep-me-01", theirs.id, "up", None, NOW)
    with store.engine.begin() as connection:
        rows = [
            {"sender_id": s, "type_name": "user", "timestamp": NOW.timestamp()} for s in ("forget-me-1", "keep-me-01")
        ]
        connection.execute(events.insert(), rows)
    deleted = store.forget("forget-me-1")
    assert (deleted.replies, deleted.feedback, deleted.rasa_events) == (1, 1, 1)
    assert {row.session_id for row in store.replies_since()} == {"keep-me-01"}
    assert {row.session_id for row in store.judgements()} == {"keep-me-01"}
    assert count(store, events) == 1


def test_the_tables_hold_nothing_about_the_reader_but_the_session(store: ConversationStore) -> None:
    assert {column.name for column in replies.columns} == {
        "id", "turn_id", "session_id", "channel", "question", "kind", "answered", "lead", "cited", "latency_ms",
        "created_at", "article",
    }  # fmt: skip
    assert {column.name for column in feedback.columns} == {
        "message_id",
        "session_id",
        "rating",
        "comment",
        "created_at",
    }


def test_a_database_made_before_the_article_column_gains_it(store_url: str) -> None:
    """A database an older newsbot made has no `article` column: opening it adds one, and its old
    rows read as asked of every article."""
    old_replies = Table(
        replies.name,
        MetaData(),
        *(Column(column.name, column.type, primary_key=column.primary_key) for column in replies.columns
          if column.name != "article"),
    )  # fmt: skip
    engine = ConversationStore(database_url(store_url, Path("unused"))).engine
    old_replies.create(engine)
    older = reply("reader-0001", "who met?", "answer", NOW - timedelta(hours=1))
    with engine.begin() as connection:
        connection.execute(
            old_replies.insert(),
            [{**{c.name: getattr(older, c.name) for c in old_replies.columns if c.name != "cited"}, "cited": "[]"}],
        )
    engine.dispose()
    opened = ConversationStore(database_url(store_url, Path("unused")))
    try:
        opened.ensure_tables()
        opened.record([reply("reader-0002", "when?", "decline", NOW, article=SEED_ARTICLE)])
        assert [(row.question, row.article) for row in opened.replies_since()] == [
            ("who met?", None),
            ("when?", SEED_ARTICLE),
        ]
    finally:
        opened.close()


# --- grouping and the report ------------------------------------------------------------------


def test_declined_questions_are_grouped_by_meaning_with_the_real_model() -> None:
    questions = [
        "will they meet again",
        "is there going to be another meeting?",
        "Will they meet again?",
        "what's the weather in london today",
        "will it rain tomorrow",
        "who wrote this article",
        "which journalist reported this",
    ]
    paragraphs = [line for line in (KNOWLEDGE / f"{SEED_ARTICLE}.md").read_text().split("\n\n")[1:] if line.strip()]
    groups = group_questions(questions, lambda texts: embed(MODEL, texts), embed(MODEL, paragraphs))
    where = {question: number for number, group in enumerate(groups) for question in group.questions}
    assert groups[0].count == 3  # the repeated question counts twice, shown once
    assert where["will they meet again"] == where["is there going to be another meeting?"]
    assert where["what's the weather in london today"] == where["will it rain tomorrow"]
    assert where["who wrote this article"] == where["which journalist reported this"]
    assert len({where["will they meet again"], where["will it rain tomorrow"], where["who wrote this article"]}) == 3


def test_the_paragraphs_mean_is_every_paragraphs_mean_and_each_article_is_embedded_once(tmp_path: Path) -> None:
    council = PROJECT_ROOT / "tests" / "data" / "council"
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for path in [*KNOWLEDGE.glob(f"{SEED_ARTICLE}.*"), *council.iterdir()]:
        (knowledge / path.name).write_bytes(path.read_bytes())
    articles = load_articles(knowledge)
    every_paragraph = [paragraph.text for article in articles for paragraph in article.paragraphs]
    expected = embed(MODEL, every_paragraph).mean(axis=0)
    paragraph_sum.cache_clear()
    first = paragraphs_mean(MODEL, articles)
    again = paragraphs_mean(MODEL, articles)
    assert first.shape == (1, expected.shape[0])
    np.testing.assert_allclose(first[0], expected, atol=1e-6)
    np.testing.assert_array_equal(first, again)
    assert paragraph_sum.cache_info().misses == len(articles) == 2  # the second report embedded nothing


def test_nearest_rank_percentiles() -> None:
    values = list(range(1, 101))
    assert [nearest_rank(values, p) for p in (50, 90, 95, 99)] == [50, 90, 95, 99]
    assert nearest_rank([300], 99) == 300
    assert nearest_rank([10, 20, 30, 40], 50) == 20


def test_the_report_counts_days_groups_declines_and_lists_thumbs_down(store: ConversationStore) -> None:
    yesterday, today = NOW - timedelta(days=1), NOW
    rows = seeded(
        store,
        [
            reply("reader-0001", "What did Labour commit to?", "answer", yesterday, ((SEED_ARTICLE, 19),), 200),
            reply("reader-0001", "tell me more", "more", yesterday, ((SEED_ARTICLE, 20),), 300),
            reply("reader-0002", "will they meet again", "decline", today, (), 400),
            reply("reader-0003", "is there going to be another meeting?", "decline", today, (), 500),
            reply("reader-0003", "Who attended?", "answer", today, ((SEED_ARTICLE, 3), (SEED_ARTICLE, 19)), 600),
        ],
    )
    store.rate("reader-0001", rows[0].id, "down", "It left out the timetable", today)
    store.rate("reader-0003", rows[4].id, "up", None, today)
    report = make_report(store, KNOWLEDGE, MODEL).to_json()
    assert report["questions"]["total"] == {"asked": 4, "answered": 2, "declined": 2, "follow_ups": 1}
    assert [day["date"] for day in report["questions"]["per_day"]] == [
        yesterday.date().isoformat(),
        today.date().isoformat(),
    ]
    [group] = report["declined"]
    assert group["count"] == 2
    assert report["feedback"]["up"] == 1 and report["feedback"]["down"] == 1
    [down] = report["feedback"]["thumbs_down"]
    assert down["question"] == "What did Labour commit to?"
    assert down["comment"] == "It left out the timetable"
    assert down["cited"] == [
        {
            "article": SEED_ARTICLE,
            "title": "Crunch talks between Jeremy Corbyn and Jewish community leaders",
            "paragraph": 19,
        }
    ]
    assert report["feedback"]["comments"] == [down]
    cited = report["paragraphs"][SEED_ARTICLE]
    assert cited["citations"][18] == 2 and cited["top"][0]["paragraph"] == 19
    assert report["latency_ms"] == {"count": 5, "p50": 400, "p90": 600, "p95": 600, "p99": 600, "max": 600}
    since_today = make_report(store, KNOWLEDGE, MODEL, since=today.date()).to_json()
    assert since_today["questions"]["total"]["asked"] == 3
    assert report["stories"] == {}  # no turn was asked beside a story


def test_the_report_names_a_cited_article_that_left_the_knowledge_folder(store: ConversationStore) -> None:
    seeded(store, [reply("reader-0001", "who died", "answer", NOW, (("guest-house-fire", 4),), 200)])
    made = make_report(store, KNOWLEDGE, MODEL)
    gone = made.to_json()["paragraphs"]["guest-house-fire"]
    assert gone["in_knowledge"] is False and gone["citations"] == [0, 0, 0, 1]
    assert made.to_json()["paragraphs"][SEED_ARTICLE]["in_knowledge"] is True
    text = render_report(made)
    assert "guest-house-fire (no longer in knowledge/, 1 citation)\n  ¶4      1×\n" in text


def test_the_report_gives_what_was_asked_beside_each_story(store: ConversationStore) -> None:
    seeded(
        store,
        [
            reply("reader-0001", "who met?", "answer", NOW, ((SEED_ARTICLE, 3),), article=SEED_ARTICLE),
            reply("reader-0001", "Did Corbyn apologise?", "decline", NOW, article=SEED_ARTICLE),
            reply("reader-0002", "did corbyn  apologise?", "decline", NOW, article=SEED_ARTICLE),
            reply("reader-0002", "tell me more", "more", NOW, ((SEED_ARTICLE, 4),), article=SEED_ARTICLE),
            reply("reader-0003", "what is the weather", "decline", NOW, article="a-removed-story"),
            reply("reader-0004", "who met?", "answer", NOW, ((SEED_ARTICLE, 3),)),  # the page of every article
        ],
    )
    report = make_report(store, KNOWLEDGE, MODEL)
    assert list(report.to_json()["stories"].items()) == [
        (
            SEED_ARTICLE,
            {
                "title": "Crunch talks between Jeremy Corbyn and Jewish community leaders",
                "asked": 3,
                "answered": 1,
                "declined": 2,
                "declined_questions": [{"question": "Did Corbyn apologise?", "count": 2}],
            },
        ),
        (
            "a-removed-story",
            {
                "title": "a-removed-story",
                "asked": 1,
                "answered": 0,
                "declined": 1,
                "declined_questions": [{"question": "what is the weather", "count": 1}],
            },
        ),
    ]
    text = render_report(report)
    assert "ASKED BESIDE EACH STORY" in text
    assert "“Crunch talks between Jeremy Corbyn and Jewish community leaders”: 3 asked, 1 answered, 2 declined" in text
    assert "declined 2 × Did Corbyn apologise?" in text
    page = render_page(report)
    assert "<h2>Asked beside each story</h2>" in page and '<span class="count">2×</span> Did Corbyn apologise?' in page


# --- the installed commands ---------------------------------------------------------------------


def newsbot(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NEWSBOT), *arguments], capture_output=True, text=True, timeout=300, check=False, env=env)


def test_newsbot_report_forget_and_prune_commands(store: ConversationStore, store_url: str) -> None:
    old = NOW - timedelta(days=40)
    rows = seeded(
        store,
        [
            reply("reader-cli-1", "what day was the meeting", "decline", NOW, latency_ms=250),
            reply("reader-cli-2", "Who attended?", "answer", NOW, ((SEED_ARTICLE, 3),), 150),
            reply("reader-cli-3", "how long did the meeting last", "decline", old),
        ],
    )
    store.rate("reader-cli-2", rows[1].id, "down", "Missing names", NOW)
    completed = newsbot("report", "--db", store_url, "--json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert {"questions", "declined", "feedback", "paragraphs"} <= set(report)
    assert report["questions"]["total"]["asked"] == 3
    assert {"up", "down", "comments"} <= set(report["feedback"])
    text = newsbot("report", "--db", store_url, "--since", NOW.date().isoformat())
    assert text.returncode == 0, text.stderr
    assert "what day was the meeting" in text.stdout and "how long did the meeting last" not in text.stdout
    assert "Missing names" in text.stdout and "paragraph 3 of “Crunch talks" in text.stdout

    forgot = newsbot("forget", "reader-cli-2", "--db", store_url)
    assert forgot.returncode == 0, forgot.stderr
    assert "1 recorded messages, 1 judgements" in forgot.stdout
    assert {row.session_id for row in store.replies_since()} == {"reader-cli-1", "reader-cli-3"}

    pruned = newsbot("prune", "--days", "30", "--db", store_url)
    assert pruned.returncode == 0, pruned.stderr
    assert {row.session_id for row in store.replies_since()} == {"reader-cli-1"}


def test_the_commands_refuse_bad_input_with_one_line(tmp_path: Path) -> None:
    bad_date = newsbot("report", "--since", "yesterday", "--db", f"sqlite:///{tmp_path / 'c.db'}")
    assert bad_date.returncode == 2 and "is not a date" in bad_date.stderr
    bad_url = newsbot("report", "--db", "not a url")
    assert bad_url.returncode == 1
    assert bad_url.stderr.startswith("newsbot: ") and "Traceback" not in bad_url.stderr
    unreachable = newsbot("forget", "someone", "--db", "postgresql://postgres@127.0.0.1:1/nothing")
    assert unreachable.returncode == 1
    assert len(unreachable.stderr.strip().splitlines()) == 1 and "Traceback" not in unreachable.stderr
    no_days = newsbot("prune", "--db", f"sqlite:///{tmp_path / 'c.db'}", env={"PATH": "/usr/bin:/bin"})
    assert no_days.returncode == 2 and "--days" in no_days.stderr


def test_newsbot_report_applies_the_retention_first(store: ConversationStore, store_url: str) -> None:
    seeded(store, [reply("old-reader-1", "an old question", "answer", NOW - timedelta(days=5))])
    env = {"PATH": "/usr/bin:/bin", "NEWSBOT_RETENTION_DAYS": "2", "HOME": str(Path.home())}
    completed = newsbot("report", "--db", store_url, "--json", env=env)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["questions"]["total"]["asked"] == 0
    assert store.replies_since() == []
