"""Feedback, the report and forgetting with the real bot: the web app and the Rasa server of
`newsbot serve`, sharing one SQLite conversation store; the installed `newsbot` commands read it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from newsbot.channels.chat_client import ChatClient
from newsbot.dialogue.conversation import NO_ANSWER_YET
from newsbot.serving.supervisor import StackConfig, free_port, running_stack
from newsbot.settings import PROJECT_ROOT

NEWSBOT = PROJECT_ROOT / ".venv" / "bin" / "newsbot"
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    scratch = tmp_path_factory.mktemp("feedback-stack")
    config = StackConfig(
        rasa_port=free_port(),
        web_port=free_port(),
        logs_dir=scratch / "logs",
        tracker_sqlite=scratch / "conversations.db",
        web_env=(("NEWSBOT_ADMIN_TOKEN", "e2e-admin-token"),),
    )
    with running_stack(config):
        yield config


def chat(stack: StackConfig, session: str, message: str) -> list[dict[str, Any]]:
    with ChatClient(stack.web_url, timeout=TIMEOUT) as client:
        return client.send(session, message)


def newsbot(stack: StackConfig, *arguments: str) -> subprocess.CompletedProcess[str]:
    assert stack.tracker_sqlite is not None
    env = {**os.environ, "NEWSBOT_TRACKER_SQLITE": str(stack.tracker_sqlite)}
    env.pop("NEWSBOT_TRACKER_DB", None)
    return subprocess.run([str(NEWSBOT), *arguments], capture_output=True, text=True, env=env, timeout=300, check=False)


def test_feedback_on_an_answer_reaches_the_report_and_forget_makes_rasa_forget(stack: StackConfig) -> None:
    session = f"e2e-{uuid.uuid4().hex[:12]}"
    [decline] = chat(stack, session, "What is the capital of Australia?")
    assert decline["kind"] == "decline" and decline["id"]
    [answer] = chat(stack, session, "Who attended the meeting?")
    assert answer["kind"] == "answer" and answer["id"] != decline["id"]
    rated = httpx.post(
        f"{stack.web_url}/api/feedback",
        json={"session_id": session, "message_id": answer["id"], "rating": "down", "comment": "Names missing"},
        timeout=TIMEOUT,
    )
    assert rated.status_code == 200, rated.text

    completed = newsbot(stack, "report", "--json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    [down] = report["feedback"]["thumbs_down"]
    assert (down["question"], down["comment"]) == ("Who attended the meeting?", "Names missing")
    cited = {(source["article"], source["paragraph"]) for source in answer["sources"]}
    assert {(c["article"], c["paragraph"]) for c in down["cited"]} == cited
    assert any("What is the capital of Australia?" in group["questions"] for group in report["declined"])
    page = httpx.get(f"{stack.web_url}/admin/report", auth=("editor", "e2e-admin-token"), timeout=TIMEOUT)
    assert page.status_code == 200 and "Names missing" in page.text

    # The bot remembers the answer until the conversation is forgotten.
    [where] = chat(stack, session, "where does it say that?")
    assert where["kind"] == "where", where
    forgot = newsbot(stack, "forget", session)
    assert forgot.returncode == 0, forgot.stderr
    assert "3 recorded messages, 1 judgements" in forgot.stdout
    [after] = chat(stack, session, "where does it say that?")
    assert after["lead"] == NO_ANSWER_YET, after
    left = json.loads(newsbot(stack, "report", "--json").stdout)
    assert left["feedback"]["down"] == 0 and left["questions"]["total"]["asked"] == 0


def test_a_turn_that_cannot_be_recorded_is_still_answered(stack: StackConfig) -> None:
    assert stack.tracker_sqlite is not None
    session = f"e2e-{uuid.uuid4().hex[:12]}"
    # The app records in the same file as Rasa; with its table made a view, inserts fail.
    with sqlite3.connect(stack.tracker_sqlite) as connection:
        connection.execute("ALTER TABLE newsbot_replies RENAME TO newsbot_replies_kept")
        connection.execute("CREATE VIEW newsbot_replies AS SELECT * FROM newsbot_replies_kept")
    try:
        [answer] = chat(stack, session, "Who attended the meeting?")
        assert answer["kind"] == "answer" and answer["id"]
    finally:
        with sqlite3.connect(stack.tracker_sqlite) as connection:
            connection.execute("DROP VIEW newsbot_replies")
            connection.execute("ALTER TABLE newsbot_replies_kept RENAME TO newsbot_replies")
    log = (stack.logs_dir / "web.log").read_text(encoding="utf-8")
    assert f"could not record a turn of conversation {session}" in log
