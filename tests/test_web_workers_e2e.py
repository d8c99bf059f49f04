"""Several web workers (NEWSBOT_WEB_WORKERS=2, `newsbot serve --role web`) each serve the current
index: an article added to the knowledge folder is built and then served by every worker, with no
restart. Which worker answered a request is read off the socket (`ss -tnp`), so each worker is
seen to answer with the new build, not merely some of the requests."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import KNOWLEDGE, SEED_ARTICLE
from faults import listening_pids, parent_pid, wait_for

from newsbot.serving.supervisor import free_port
from newsbot.settings import PROJECT_ROOT

NEWSBOT = PROJECT_ROOT / ".venv" / "bin" / "newsbot"
COUNCIL = Path(__file__).parent / "data" / "council"
WORKERS = 2


@dataclass
class Answer:
    worker: int  # the pid of the worker process that answered
    index: dict[str, Any]  # /healthz's "index"


def read_response(connection: socket.socket) -> bytes:
    """The body of one HTTP/1.1 response with a Content-Length."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("the connection closed before the headers")
        received += chunk
    head, body = received.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("the connection closed in the body")
        body += chunk
    return body


def health_on_a_new_connection(port: int) -> Answer:
    """GET /healthz on a connection of its own, and the worker that accepted it."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        body = read_response(connection)
        client_port = connection.getsockname()[1]
        # Still open (kept alive): the worker holds the other end.
        sockets = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} and dport = :{client_port} )"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    [pid] = {int(found) for found in re.findall(r"pid=(\d+)", sockets)}
    return Answer(pid, json.loads(body)["index"])


@dataclass
class Workers:
    port: int
    knowledge: Path
    pids: set[int]


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for path in KNOWLEDGE.glob(f"{SEED_ARTICLE}.*"):
        shutil.copy(path, knowledge)
    port = free_port()
    env = {
        **os.environ,
        "NEWSBOT_WEB_WORKERS": str(WORKERS),
        "NEWSBOT_KNOWLEDGE_DIR": str(knowledge),
        "NEWSBOT_INDEX_DIR": str(tmp_path / "index"),
        "NEWSBOT_WATCH_INTERVAL_SECONDS": "0.5",
        "NEWSBOT_TRACKER_SQLITE": str(tmp_path / "conversations.db"),
    }
    for name in ("NEWSBOT_REDIS_URL", "NEWSBOT_TRACKER_DB", "NEWSBOT_RASA_REPLICAS"):
        env.pop(name, None)
    # Only the web app: /healthz and search need no Rasa (its address here answers nothing).
    command = [str(NEWSBOT), "serve", "--role", "web", "--port", str(port), "--no-chat"]
    command += ["--rasa-url", f"http://127.0.0.1:{free_port()}"]
    with (tmp_path / "serve.log").open("ab") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:

        def worker_pids() -> set[int]:
            # uvicorn's manager holds the listening socket too; its workers are its children.
            held = listening_pids(port)
            return {pid for pid in held if parent_pid(pid) in held}

        wait_for(lambda: len(worker_pids()) == WORKERS, f"{WORKERS} web workers did not start", 300)
        wait_for(lambda: health_on_a_new_connection(port).index["loaded"], "the index was not loaded", 300)
        yield Workers(port, knowledge, worker_pids())
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def answers_of_every_worker(workers: Workers, wanted: int, attempts: int = 400) -> dict[int, Answer]:
    """The last answer of each worker, asked on new connections until each answered `wanted` times."""
    seen: dict[int, list[Answer]] = {}
    for _ in range(attempts):
        answer = health_on_a_new_connection(workers.port)
        seen.setdefault(answer.worker, []).append(answer)
        if set(seen) == workers.pids and all(len(answers) >= wanted for answers in seen.values()):
            break
    assert set(seen) == workers.pids, f"answered by {sorted(seen)}, workers {sorted(workers.pids)}"
    return {pid: answers[-1] for pid, answers in seen.items()}


def test_each_web_worker_serves_the_index_built_after_an_article_is_added(workers: Workers) -> None:
    before = answers_of_every_worker(workers, 1)
    assert {tuple(answer.index["articles"]) for answer in before.values()} == {(SEED_ARTICLE,)}
    old_build = {answer.index["build"] for answer in before.values()}
    assert len(old_build) == 1

    for path in COUNCIL.iterdir():
        shutil.copy(path, workers.knowledge)

    def every_worker_serves_the_council() -> bool:
        latest = answers_of_every_worker(workers, 3)
        return all("quayside-parking-dispute" in answer.index["articles"] for answer in latest.values())

    wait_for(every_worker_serves_the_council, "a worker kept serving the old index", 120)
    after = answers_of_every_worker(workers, 3)
    # One build, served by every worker.
    assert len({answer.index["build"] for answer in after.values()}) == 1
    assert {answer.index["build"] for answer in after.values()} != old_build
    assert all(answer.index["fresh"] for answer in after.values())
    # A build keeps the one before it and deletes older ones: a second build of the change (one per
    # worker) would have deleted the first build.
    builds = {path.name for path in (workers.knowledge.parent / "index" / "builds").iterdir()}
    assert old_build <= builds, f"the change was built more than once: {sorted(builds)}"
