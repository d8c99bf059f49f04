"""End to end: the real Rasa server (.venv-rasa) and the real web app serving the actions, over HTTP.

The model is trained when its data changed; the servers start once for the module, on free
ports, with the conversations kept in a temporary SQLite file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.rasa_client import BotTurn, RasaClient
from newsbot.cli import main
from newsbot.serving.supervisor import (
    RASA,
    StackConfig,
    free_port,
    rasa_command_env,
    start_rasa,
    start_web,
    stop,
    train,
)
from newsbot.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

CONVERSATIONS = sorted((PROJECT_ROOT / "tests" / "conversations").glob("*.yml"))
TIMEOUT = 60.0


def turn(url: str, sender: str, text: str) -> BotTurn:
    with RasaClient(url, timeout=TIMEOUT) as client:
        return BotTurn.of(client.send(sender, text))


@pytest.fixture(scope="module")
def stack_config(tmp_path_factory: pytest.TempPathFactory) -> StackConfig:
    scratch = tmp_path_factory.mktemp("stack")
    return StackConfig(
        rasa_port=free_port(),
        web_port=free_port(),
        logs_dir=scratch / "logs",
        tracker_sqlite=scratch / "conversations.db",
    )


@pytest.fixture(scope="module")
def model(stack_config: StackConfig) -> Path:
    return train(stack_config)


@pytest.fixture(scope="module")
def web(stack_config: StackConfig) -> Iterator[subprocess.Popen[bytes]]:
    process = start_web(stack_config)
    yield process
    stop(process)


@pytest.fixture(scope="module")
def rasa_url(stack_config: StackConfig, model: Path, web: subprocess.Popen[bytes]) -> Iterator[str]:
    process = start_rasa(stack_config, model)
    yield stack_config.rasa_url
    stop(process)


def test_transcripts_pass_against_the_running_bot(rasa_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert CONVERSATIONS, "no transcripts in tests/conversations"
    status = main(["converse", *map(str, CONVERSATIONS), "--url", rasa_url, "--timeout", str(TIMEOUT)])
    report = capsys.readouterr().out
    assert status == 0, report
    assert f"{len(CONVERSATIONS)} passed, 0 failed" in report


def test_answer_carries_structured_sources(rasa_url: str) -> None:
    reply = turn(rasa_url, f"sources-{uuid.uuid4()}", "What did Labour commit to?")
    assert reply.answerable is True
    assert reply.sources, reply
    for source in reply.sources:
        assert set(source) >= {"article", "title", "paragraph", "speaker", "text", "score"}
        assert source["text"] in reply.text


def web_chat(config: StackConfig, session: str, message: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{config.web_url}/api/chat", json={"session_id": session, "message": message}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def test_web_chat_answers_with_sources_and_follow_ups(stack_config: StackConfig, rasa_url: str) -> None:
    session = f"web-{uuid.uuid4().hex}"
    messages = web_chat(stack_config, session, "What did Labour commit to?")
    answers = [message for message in messages if message["sources"]]
    assert len(answers) == 1, messages
    answer = answers[0]
    assert answer["answerable"] is True
    for source in answer["sources"]:
        assert source["text"] in answer["text"]
        assert source["url"] == f"/#{source['article']}-p{source['paragraph']}"
    speakers = {source["speaker"] for source in answer["sources"]}
    follow_up = " ".join(message["text"] for message in web_chat(stack_config, session, "who said that?"))
    assert any(speaker in follow_up for speaker in speakers), follow_up


def test_web_chat_passes_slash_text_as_plain_text(stack_config: StackConfig, rasa_url: str) -> None:
    session = f"web-{uuid.uuid4().hex}"
    assert web_chat(stack_config, session, '/greet{"person": "x"}')
    tracker = httpx.get(f"{rasa_url}/conversations/{session}/tracker", timeout=TIMEOUT).json()
    latest = tracker["latest_message"]
    # Typed into Rasa's REST channel directly, this is an intent trigger: intent greet at
    # confidence 1.0, entity person=x. Through /api/chat it is text the NLU classifies.
    assert latest["text"].endswith('/greet{"person": "x"}')
    assert not (latest["intent"].get("name") == "greet" and latest["intent"].get("confidence") == 1.0)
    assert not any(entity.get("value") == "x" for entity in latest.get("entities", []))


def test_follow_up_survives_a_rasa_restart(stack_config: StackConfig, model: Path, rasa_url: str) -> None:
    sender = f"restart-{uuid.uuid4()}"
    first = turn(rasa_url, sender, "How did Labour describe the meeting?")
    assert first.sources
    restarted = StackConfig(
        rasa_port=free_port(),
        web_port=stack_config.web_port,
        logs_dir=stack_config.logs_dir,
        tracker_sqlite=stack_config.tracker_sqlite,
    )
    process = start_rasa(restarted, model)
    try:
        follow_up = turn(restarted.rasa_url, sender, "who said that?")
    finally:
        stop(process)
    assert any(speaker in follow_up.text for speaker in first.speakers), follow_up.text


def test_action_server_down_gets_an_apology(stack_config: StackConfig, model: Path, rasa_url: str) -> None:
    lonely = StackConfig(
        rasa_port=free_port(),
        web_port=free_port(),  # nothing listens there: no actions
        logs_dir=stack_config.logs_dir,
        tracker_sqlite=stack_config.tracker_sqlite,
    )
    process = start_rasa(lonely, model)
    try:
        sender = f"down-{uuid.uuid4()}"
        reply = turn(lonely.rasa_url, sender, "What did Labour commit to?")
        assert "sorry" in reply.text.lower(), reply
        # The conversation goes on: a turn that needs no action server still gets its reply.
        assert turn(lonely.rasa_url, sender, "hello").text
    finally:
        stop(process)


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_postgresql_tracker_store_keeps_the_conversation(
    stack_config: StackConfig, model: Path, web: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_TRACKER_DB", "postgresql://postgres@127.0.0.1:5432/test")
    sender = f"pg-{uuid.uuid4()}"
    config = StackConfig(rasa_port=free_port(), web_port=stack_config.web_port, logs_dir=stack_config.logs_dir)
    process = start_rasa(config, model)
    try:
        first = turn(config.rasa_url, sender, "Who attended the meeting?")
    finally:
        stop(process)
    assert first.sources
    process = start_rasa(config, model)
    try:
        follow_up = turn(config.rasa_url, sender, "where does it say that?")
    finally:
        stop(process)
    assert any(f"paragraph {paragraph}" in follow_up.text for paragraph in first.paragraphs), follow_up.text
    rows = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-tAc",
         f"select count(*) from events where sender_id = '{sender}'"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert int(rows.stdout.strip()) > 0


def rasa_command(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RASA), *arguments], cwd=PROJECT_ROOT, env=rasa_command_env(), capture_output=True, text=True,
        timeout=900, check=False,
    )  # fmt: skip


def test_rasa_data_validates() -> None:
    completed = rasa_command(
        "data",
        "validate",
        "--domain",
        "bot/domain",
        "--data",
        "bot/data",
        "--config",
        "config.yml",
        "--fail-on-warnings",
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]


def test_story_tests_pass_without_prediction_errors(model: Path, tmp_path: Path) -> None:
    completed = rasa_command(
        "test", "core", "--model", str(model), "--stories", "tests/stories",
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    stories = list((PROJECT_ROOT / "tests" / "stories").glob("*.yml"))
    count = sum(path.read_text(encoding="utf-8").count("- story:") for path in stories)
    assert count >= 30, f"only {count} test stories"


VALIDATION_CHECK = """
import addons
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from addons.action_validation import validate_action_result
assert RemoteAction._validate_action_result is validate_action_result
action = RemoteAction.__new__(RemoteAction)
good = {"events": [{"event": "slot", "name": "last_question", "value": "q"}], "responses": [{"text": "hi"}]}
assert action._validate_action_result(good) is True
for bad in ({"events": [{"event": "no-such-event"}]}, {"responses": "not a list"}, {"events": [{"event": "slot"}]}):
    try:
        action._validate_action_result(bad)
    except ValidationError as error:
        assert "Failed to validate Action server response" in error.message
    else:
        raise AssertionError(f"accepted {bad}")
print("ok")
"""


def test_rasa_validates_action_replies_with_the_faster_validator() -> None:
    completed = subprocess.run(
        [str(RASA.parent / "python"), "-c", VALIDATION_CHECK],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "bot"), "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0 and completed.stdout.strip().endswith("ok"), completed.stderr[-2000:]
