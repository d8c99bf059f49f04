"""End to end: the real Rasa server (.venv-rasa) and the real web app serving the actions, over HTTP.

The model is trained when its data changed; the servers start once for the module, on free
ports, as `newsbot serve` starts them (Rasa on loopback, with a token for its REST channel and
HTTP API that only the web app is given), with the conversations kept in a temporary SQLite file.
A reader's messages go through the web app (`POST /api/chat`); the tests of Rasa's own behaviour
(a restart, the tracker store, the channel's guards, its apology) talk to Rasa with its token.
"""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.cli import main as dev_main
from devtools.converse import load_transcripts, report
from devtools.rasa_client import RasaClient, auth_headers
from devtools.transcripts import BotTurn, play
from newsbot.channels.chat_client import ChatClient
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
# Transcripts the bot does not pass yet (the readers' ones of the dev set of commit 386e7e7): targets of the
# answering work. When one passes, the test below says to take it out of this list.
NOT_YET_PASSING = frozenset(
    {
        "reader-arkush-goldstein.yml",
        "reader-decline-then-who-said.yml",
        "reader-demo-letter.yml",
        "reader-ihra-typos.yml",
        "reader-livingstone-walker.yml",
        "reader-milne.yml",
        "reader-not-in-article.yml",
        "reader-proposals-other-side.yml",
        "reader-success-next.yml",
        "reader-tell-me-more.yml",
    }
)
TIMEOUT = 60.0
# Hang detection, not speed: a reply that has not come within this has not come at all.
HANG_SECONDS = 5.0
WEBHOOK = "/webhooks/rest/webhook"


def rasa_turn(config: StackConfig, sender: str, text: str) -> BotTurn:
    """One message straight to Rasa's REST channel, with the token."""
    with RasaClient(config.rasa_url, config.rasa_token, timeout=TIMEOUT) as client:
        return BotTurn.of(client.send(sender, text))


def web_chat(config: StackConfig, session: str, message: str) -> list[dict[str, Any]]:
    """One message through the web app, as a reader sends it."""
    with ChatClient(config.web_url, timeout=TIMEOUT) as client:
        return client.send(session, message)


def tracker(config: StackConfig, conversation: str) -> dict[str, Any]:
    """The conversation's tracker, from Rasa's HTTP API with the token."""
    response = httpx.get(
        f"{config.rasa_url}/conversations/{conversation}/tracker",
        params={"token": config.rasa_token},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def stack_config(tmp_path_factory: pytest.TempPathFactory) -> StackConfig:
    scratch = tmp_path_factory.mktemp("stack")
    return StackConfig(
        rasa_port=free_port(),
        web_port=free_port(),
        logs_dir=scratch / "logs",
        tracker_sqlite=scratch / "conversations.db",
        # Every transcript turn comes from this one address: the per-address limit is not under test here.
        web_env=(("NEWSBOT_CLIENT_RATE_PER_MINUTE", "100000"),),
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
def stack(stack_config: StackConfig, model: Path, web: subprocess.Popen[bytes]) -> Iterator[StackConfig]:
    """The web app and Rasa, both running."""
    process = start_rasa(stack_config, model)
    yield stack_config
    stop(process)


# --- the conversation, through the web app ---------------------------------------------------


def test_newsbot_dev_converse_passes_through_the_web_app(
    stack: StackConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    passing = [path for path in CONVERSATIONS if path.name not in NOT_YET_PASSING]
    assert passing, "no transcripts in tests/conversations"
    status = dev_main(["converse", *map(str, passing), "--url", stack.web_url, "--timeout", str(TIMEOUT)])
    report = capsys.readouterr().out
    assert status == 0, report
    assert f"{len(passing)} passed, 0 failed" in report


def test_every_transcript_passes_but_the_known_targets(stack: StackConfig) -> None:
    transcripts, errors = load_transcripts(CONVERSATIONS)
    assert not errors, errors
    with ChatClient(stack.web_url, timeout=TIMEOUT) as client:
        results = [play(client, transcript) for transcript in transcripts]
    failing = {result.transcript.path.name for result in results if not result.passed}
    reports = io.StringIO()
    for result in results:
        if result.transcript.path.name in failing - NOT_YET_PASSING:
            report(result, reports)
    assert failing <= NOT_YET_PASSING, reports.getvalue()
    assert failing == NOT_YET_PASSING, (
        f"these pass now; take them out of NOT_YET_PASSING: {sorted(NOT_YET_PASSING - failing)}"
    )


def test_an_answer_is_one_message_with_its_sources(stack: StackConfig) -> None:
    (answer,) = web_chat(stack, f"sources-{uuid.uuid4().hex}", "What did Labour commit to?")
    assert answer["kind"] == "answer" and answer["answerable"] is True
    assert answer["sources"], answer
    for source in answer["sources"]:
        assert set(source) >= {"article", "title", "paragraph", "speaker", "speaker_kind", "text", "score", "url"}
        # The text quotes what each passage says in answer: its highlighted sentences, verbatim.
        mark = source["highlight"]
        assert 0 <= mark["start"] < mark["end"] <= len(source["text"]), source
        assert source["text"][mark["start"] : mark["end"]].strip() in answer["text"]
        assert source["url"] == f"/#{source['article']}-p{source['paragraph']}"


def test_web_chat_follow_up_names_the_speakers(stack: StackConfig) -> None:
    session = f"web-{uuid.uuid4().hex}"
    (answer,) = web_chat(stack, session, "What did Labour commit to?")
    speakers = {source["speaker"] for source in answer["sources"]}
    (follow_up,) = web_chat(stack, session, "who said that?")
    assert follow_up["kind"] == "who_said"
    assert any(speaker in follow_up["text"] for speaker in speakers), follow_up["text"]


def test_web_chat_passes_slash_text_as_plain_text(stack: StackConfig) -> None:
    session = f"web-{uuid.uuid4().hex}"
    assert web_chat(stack, session, '/greet{"person": "x"}')
    latest = tracker(stack, session)["latest_message"]
    # Typed into Rasa's REST channel directly, this is refused (an intent trigger, below).
    # Through /api/chat it is text the NLU classifies, never intent greet at confidence 1.0.
    assert latest["text"].endswith('/greet{"person": "x"}')
    assert not (latest["intent"].get("name") == "greet" and latest["intent"].get("confidence") == 1.0)
    assert not any(entity.get("value") == "x" for entity in latest.get("entities", []))


# --- Rasa is internal: its token, its guards, its address ------------------------------------


def user_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event.get("event") == "user"]


def test_rasa_refuses_callers_without_the_token(stack: StackConfig) -> None:
    session = f"guarded-{uuid.uuid4().hex}"
    web_chat(stack, session, "What did Labour commit to?")
    before = tracker(stack, session)
    conversation = f"{stack.rasa_url}/conversations/{session}/tracker"
    forged = [{"event": "slot", "name": "last_question", "value": "forged"}, {"event": "user", "text": "forged"}]
    for token in ({}, {"token": "not-the-token"}):
        refused = [
            httpx.get(conversation, params=token, timeout=TIMEOUT),
            httpx.post(f"{conversation}/events", params=token, json=forged, timeout=TIMEOUT),
            httpx.put(f"{stack.rasa_url}/model", params=token, json={"model_file": "/tmp/x.tar.gz"}, timeout=TIMEOUT),
            httpx.post(f"{stack.rasa_url}/model/train", params=token, json={}, timeout=TIMEOUT),
        ]
        for response in refused:
            assert response.status_code in (401, 403), (response.request.method, response.request.url, response.text)
    after = tracker(stack, session)
    assert after["events"] == before["events"]
    assert after["slots"]["last_question"] != "forged"
    for headers in ({}, {"Authorization": "Bearer not-the-token"}):
        message = {"sender": session, "message": "hello"}
        response = httpx.post(f"{stack.rasa_url}{WEBHOOK}", json=message, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 401, response.text
    assert tracker(stack, session)["events"] == before["events"]


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [("x" * 1001, 413, "message_too_long"), ("/restart", 400, "intent_trigger"), ("/greet", 400, "intent_trigger")],
)
def test_rasa_refuses_oversized_messages_and_intent_triggers_before_the_nlu(
    stack: StackConfig, text: str, status: int, code: str
) -> None:
    sender = f"refused-{uuid.uuid4().hex}"
    response = httpx.post(
        f"{stack.rasa_url}{WEBHOOK}",
        json={"sender": sender, "message": text},
        headers=auth_headers(stack.rasa_token),
        timeout=TIMEOUT,
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert user_events(tracker(stack, sender)["events"]) == []  # the NLU never saw it


def test_an_oversized_message_to_rasa_does_not_hold_up_a_reader(stack: StackConfig) -> None:
    reader = f"reader-{uuid.uuid4().hex}"
    assert web_chat(stack, reader, "hello")  # warm: the bound below is for the concurrent hello

    def oversized() -> httpx.Response:
        body = {"sender": f"big-{uuid.uuid4().hex}", "message": "What did Labour commit to? " * 1926}  # 52 KB
        return httpx.post(
            f"{stack.rasa_url}{WEBHOOK}", json=body, headers=auth_headers(stack.rasa_token), timeout=TIMEOUT
        )

    def hello() -> httpx.Response:
        body = {"session_id": reader, "message": "hello"}
        return httpx.post(f"{stack.web_url}/api/chat", json=body, timeout=HANG_SECONDS)

    with ThreadPoolExecutor(max_workers=2) as pool:
        big, greeting = pool.submit(oversized), pool.submit(hello)
        refused, answered = big.result(), greeting.result()
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "message_too_long"
    assert answered.status_code == 200, answered.text
    assert BotTurn.of(answered.json()["messages"]).text


def non_loopback_address() -> str | None:
    """This machine's address on its default route, when it has one that is not loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_rasa_listens_on_loopback_only(stack: StackConfig) -> None:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address other than loopback")
    with socket.create_connection(("127.0.0.1", stack.rasa_port), timeout=HANG_SECONDS):
        pass
    with pytest.raises(OSError), socket.create_connection((address, stack.rasa_port), timeout=HANG_SECONDS):
        pass


@pytest.fixture(scope="module")
def restarted(stack: StackConfig, model: Path) -> Iterator[StackConfig]:
    """A second Rasa server on the module's tracker store, as after a restart, with the Socket.IO
    channel on (one start serves both tests that need it: a start takes most of a minute)."""
    config = StackConfig(
        rasa_port=free_port(),
        web_port=stack.web_port,
        logs_dir=stack.logs_dir,
        tracker_sqlite=stack.tracker_sqlite,
        socketio=True,
    )
    process = start_rasa(config, model)
    yield config
    stop(process)


def test_socketio_is_off_by_default_and_on_when_asked_for(stack: StackConfig, restarted: StackConfig) -> None:
    handshake = {"EIO": "4", "transport": "polling"}
    assert httpx.get(f"{stack.rasa_url}/socket.io/", params=handshake, timeout=TIMEOUT).status_code == 404
    response = httpx.get(f"{restarted.rasa_url}/socket.io/", params=handshake, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.text.startswith("0{") and '"sid"' in response.text  # Engine.IO's open packet


# --- Rasa's own: restarts, the tracker store, the apology ------------------------------------


def test_follow_up_survives_a_rasa_restart(stack: StackConfig, restarted: StackConfig) -> None:
    sender = f"restart-{uuid.uuid4()}"
    first = rasa_turn(stack, sender, "How did Labour describe the meeting?")
    assert first.sources
    follow_up = rasa_turn(restarted, sender, "who said that?")
    assert any(speaker in follow_up.text for speaker in first.speakers), follow_up.text


def test_action_server_down_gets_an_apology(stack: StackConfig, model: Path) -> None:
    lonely = StackConfig(
        rasa_port=free_port(),
        web_port=free_port(),  # nothing listens there: no actions
        logs_dir=stack.logs_dir,
        tracker_sqlite=stack.tracker_sqlite,
    )
    process = start_rasa(lonely, model)
    try:
        sender = f"down-{uuid.uuid4()}"
        reply = rasa_turn(lonely, sender, "What did Labour commit to?")
        assert "sorry" in reply.text.lower(), reply
        # The conversation goes on: a turn that needs no action server still gets its reply.
        assert rasa_turn(lonely, sender, "hello").text
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
        first = rasa_turn(config, sender, "Who attended the meeting?")
    finally:
        stop(process)
    assert first.sources
    process = start_rasa(config, model)
    try:
        follow_up = rasa_turn(config, sender, "where does it say that?")
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
