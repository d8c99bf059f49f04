"""The conversations' SQL store (bot/addons/tracker_store.py, run in .venv-rasa) reads a
conversation as Rasa's own SQLTrackerStore does: the latest session's events, or every session's,
in the order stored, and saves the rows Rasa's own save writes. Real Rasa, a real SQLite file and
a real PostgreSQL database."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from rasa_support import last_json_line, run_in_rasa

from newsbot.serving.supervisor import RASA, rasa_command_env

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

POSTGRES = "postgresql://postgres@127.0.0.1:5432"

READS = """
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from addons.tracker_store import EnvSQLTrackerStore

async def main():
    domain = Domain.load("bot/domain")
    store = EnvSQLTrackerStore(domain)
    def session(start, words):
        return [ActionExecuted("action_session_start", timestamp=start), SessionStarted(timestamp=start),
                ActionExecuted("action_listen", timestamp=start), UserUttered(words, timestamp=start + 1),
                SlotSet("last_question", words, timestamp=start + 2),
                ActionExecuted("action_listen", timestamp=start + 3)]
    for sender, starts in (("two-sessions", (100, 200)), ("one-session", (300,)), ("no-start", ())):
        events = [event for start in starts for event in session(start, f"{sender} at {start}")]
        if not starts:
            events = [ActionExecuted("action_listen", timestamp=5), UserUttered("hi", timestamp=6)]
        await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))
    result = {}
    for sender in ("two-sessions", "one-session", "no-start", "unknown"):
        reads = []
        for every in (False, True):
            for retrieve in (store._retrieve, lambda s, e: SQLTrackerStore._retrieve(store, s, e)):
                tracker = await retrieve(sender, every)
                reads.append(None if tracker is None else [e.as_dict() for e in tracker.events])
        result[sender] = reads
    async def conversation(number):
        sender = f"reader-{number}"
        tracker = await store.get_or_create_tracker(sender)
        created = len(tracker.events)
        for turn in range(3):
            tracker.update(UserUttered(f"question {turn}", timestamp=1000 + turn))
            tracker.update(ActionExecuted("action_listen", timestamp=1000 + turn))
            await store.save(tracker)
            tracker = await store.retrieve(sender)
        return len(tracker.events) - created

    # A turn's rows as Rasa's own save writes them.
    turn = [ActionExecuted("action_listen", timestamp=7), UserUttered("what did Labour commit to?",
            {"name": "ask_question", "confidence": 0.8}, [{"entity": "side", "value": "Labour"}], timestamp=8),
            SlotSet("last_question", "what did Labour commit to?", timestamp=9),
            ActionExecuted("action_answer_question", policy="RulePolicy", confidence=1.0, timestamp=10),
            BotUttered("Labour sources said…", {"custom": {"kind": "answer"}}, timestamp=11)]
    await store.save(DialogueStateTracker.from_events("ours", turn, domain.slots))
    await SQLTrackerStore.save(store, DialogueStateTracker.from_events("rasa's", turn, domain.slots))
    with store.session_scope() as session:
        table = store.SQLEvent.__table__
        columns = [column for column in table.c if column.name not in ("id", "sender_id")]
        result["rows"] = [[list(row) for row in session.execute(sa.select(*columns).where(
            table.c.sender_id == sender).order_by(table.c.id))] for sender in ("ours", "rasa's")]

    # A tracker not read here, saved again with more events: only the new ones are stored.
    grown = [ActionExecuted("action_listen", timestamp=20), UserUttered("first", timestamp=21)]
    for sender in ("ours grown", "rasa's grown"):
        save = store.save if sender == "ours grown" else lambda t: SQLTrackerStore.save(store, t)
        await save(DialogueStateTracker.from_events(sender, grown, domain.slots))
        await save(DialogueStateTracker.from_events(sender, grown + turn, domain.slots))
    with store.session_scope() as session:
        result["grown"] = [session.execute(sa.select(sa.func.count()).where(
            store.SQLEvent.__table__.c.sender_id == sender)).scalar_one() for sender in ("ours grown", "rasa's grown")]

    # Many conversations at once.
    result["at once"] = await asyncio.gather(*(conversation(number) for number in range(20)))
    print(json.dumps(result))

asyncio.run(main())
"""


def reads(env: dict[str, str]) -> dict[str, list[Any]]:
    result: dict[str, list[Any]] = last_json_line(run_in_rasa(READS, env={**rasa_command_env(), **env}))
    return result


def check(result: dict[str, list[Any]]) -> None:
    for sender, (ours_latest, rasa_latest, ours_all, rasa_all) in (
        (sender, reads) for sender, reads in result.items() if sender not in ("at once", "rows", "grown")
    ):
        assert ours_latest == rasa_latest, sender
        assert ours_all == rasa_all, sender
    latest, _, every, _ = result["two-sessions"]
    assert [e["text"] for e in every if e["event"] == "user"] == ["two-sessions at 100", "two-sessions at 200"]
    assert [e["text"] for e in latest if e["event"] == "user"] == ["two-sessions at 200"]
    assert len(result["one-session"][0]) == len(result["one-session"][2]) > 0
    assert [e["event"] for e in result["no-start"][0]] == ["action", "user"]  # no session start: every event
    assert result.pop("unknown") == [None, None, None, None]
    ours, rasas = result.pop("rows")
    assert ours == rasas and len(ours) == 5
    assert [row[2:4] for row in ours][:4] == [[None, "action_listen"], ["ask_question", None], [None, "last_question"],
                                              [None, "action_answer_question"]]  # fmt: skip
    assert result.pop("grown") == [7, 7]  # 2 events, then the 5 of a turn
    assert result.pop("at once") == [6] * 20  # every turn's two events, in each conversation


def test_a_conversation_reads_as_rasa_reads_it_from_sqlite(tmp_path: Path) -> None:
    check(reads({"NEWSBOT_TRACKER_SQLITE": str(tmp_path / "conversations.db"), "NEWSBOT_TRACKER_DB": ""}))


def test_a_conversation_reads_as_rasa_reads_it_from_postgresql() -> None:
    name = f"newsbot_reads_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        check(reads({"NEWSBOT_TRACKER_DB": f"{POSTGRES}/{name}"}))
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


WAITS = """
import asyncio, json, os, sqlite3, threading, time
import psycopg2
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from addons.tracker_store import EnvSQLTrackerStore

async def main():
    domain = Domain.load("bot/domain")
    store = EnvSQLTrackerStore(domain)
    def tracker(sender):
        return DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen", timestamp=1),
                                                         UserUttered(f"{sender} asks", timestamp=2)], domain.slots)
    await store.save(tracker("first"))  # the table exists
    # Another client holds the events table while a reader's turn reads and another saves.
    if os.environ.get("NEWSBOT_TRACKER_DB"):
        holder = psycopg2.connect(os.environ["NEWSBOT_TRACKER_DB"])
        holder.cursor().execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
    else:
        holder = sqlite3.connect(os.environ["NEWSBOT_TRACKER_SQLITE"], isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")
    def release():
        holder.commit()
        holder.close()
    threading.Timer(0.8, release).start()  # from a thread of its own: a blocked server still ends
    held = time.monotonic()
    waiting = [asyncio.create_task(store.save(tracker("second"))), asyncio.create_task(store.retrieve("first"))]
    ticks = 0
    while time.monotonic() - held < 0.5:  # the server's other work: it goes on meanwhile
        await asyncio.sleep(0.01)
        ticks += 1
    pending = sum(not task.done() for task in waiting)
    saved, first = await asyncio.gather(*waiting)
    second = await store.retrieve("second")
    print(json.dumps({"ticks": ticks, "pending": pending, "first": len(first.events),
                      "second": [e.as_dict().get("text") for e in second.events]}))

asyncio.run(main())
"""


def check_waits(env: dict[str, str]) -> None:
    result = last_json_line(run_in_rasa(WAITS, env={**rasa_command_env(), **env}))
    assert result["pending"] == 2  # both were waiting for the database...
    assert result["ticks"] >= 20  # ...while the server went on (blocked, it would tick once)
    assert result["first"] == 2
    assert result["second"] == [None, "second asks"]  # and the held save was stored after


def test_a_turn_waiting_for_the_database_holds_no_other_sqlite(tmp_path: Path) -> None:
    check_waits({"NEWSBOT_TRACKER_SQLITE": str(tmp_path / "conversations.db"), "NEWSBOT_TRACKER_DB": ""})


def test_a_turn_waiting_for_the_database_holds_no_other_postgresql() -> None:
    name = f"newsbot_waits_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        check_waits({"NEWSBOT_TRACKER_DB": f"{POSTGRES}/{name}"})
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
