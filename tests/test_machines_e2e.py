"""Beyond one machine, here: a Rasa "machine" (`newsbot serve --role rasa`, two replicas) and two
web "machines" (`newsbot serve --role web`) behind a small load balancer (tests/balancer.py), every
component addressed by URL on this host's non-loopback address, with PostgreSQL and Redis (private
ones, tests/faults.py) by URL too. Nothing is assumed local: Rasa calls the actions through the
load balancer, and the web apps reach Rasa, PostgreSQL and Redis by address."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from faults import free_ports_in_a_row, private_postgres, private_redis, wait_for

from devtools.transcripts import BotTurn
from newsbot.conversations.store import ConversationStore, database_url
from newsbot.serving.supervisor import RASA, StackConfig, free_port, train
from newsbot.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

NEWSBOT = PROJECT_ROOT / ".venv" / "bin" / "newsbot"
TIMEOUT = 60.0
SERVE_LOGS = PROJECT_ROOT / ".data" / "logs"  # where `newsbot serve` writes Rasa's and the web app's logs


def host_address() -> str | None:
    """This host's address on its network (not loopback), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


HOST = host_address()


class Machines:
    def __init__(self, balancer_url: str, redis_url: str, database_url: str) -> None:
        self.url = balancer_url
        self.redis_url = redis_url
        self.database_url = database_url

    def chat(self, session: str, message: str) -> httpx.Response:
        # A new client each time: a new connection, which the balancer sends to the next web machine.
        return httpx.post(f"{self.url}/api/chat", json={"session_id": session, "message": message}, timeout=TIMEOUT)


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def log_tails(folder: Path, lines: int = 30) -> str:
    """The last lines of each machine's log, for a failure that happened in another process."""
    tails = []
    for log in sorted(folder.glob("*.log")):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        tails.append(f"--- {log.name}\n" + "\n".join(tail))
    return "\n".join(tails)


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machines]:
    if HOST is None:
        pytest.skip("this host has no non-loopback address")
    scratch = tmp_path_factory.mktemp("machines")
    train(StackConfig())  # before the clock below starts: a first training takes minutes
    processes: list[subprocess.Popen[bytes]] = []
    with private_postgres(HOST) as postgres, private_redis(scratch / "redis", HOST) as cache:
        common = {
            **os.environ,
            "NEWSBOT_RASA_TOKEN": secrets.token_urlsafe(32),
            "NEWSBOT_REDIS_URL": cache.url,
            # Rasa's conversations, and the web apps' record of each turn and of readers' feedback.
            "NEWSBOT_TRACKER_DB": postgres.url,
        }
        for name in ("NEWSBOT_RASA_URL", "NEWSBOT_RASA_REPLICAS", "NEWSBOT_WEB_WORKERS"):
            common.pop(name, None)
        rasa_port, balancer_port = free_ports_in_a_row(2), free_port()
        web_ports = [free_port(), free_port()]
        balancer = f"http://{HOST}:{balancer_port}"
        rasa_env = {**common, "NEWSBOT_RASA_REPLICAS": "2"}
        try:
            processes.append(
                start(
                    [
                        str(NEWSBOT),
                        "serve",
                        "--role",
                        "rasa",
                        "--rasa-host",
                        HOST,
                        "--rasa-port",
                        str(rasa_port),
                        "--action-url",
                        f"{balancer}/webhook",
                    ],
                    rasa_env,
                    scratch / "rasa-machine.log",
                )
            )
            rasa_urls = [f"http://{HOST}:{rasa_port + replica}" for replica in range(2)]
            web_env = {**common, "NEWSBOT_WEBHOOK_ALLOW_REMOTE": "true", "NEWSBOT_CLIENT_RATE_PER_MINUTE": "100000"}
            web_env["NEWSBOT_SESSION_RATE_PER_MINUTE"] = "5"
            for number, port in enumerate(web_ports):
                command = [str(NEWSBOT), "serve", "--role", "web", "--host", HOST, "--port", str(port), "--no-chat"]
                for url in rasa_urls:
                    command += ["--rasa-url", url]
                processes.append(start(command, web_env, scratch / f"web-machine-{number}.log"))
            backends = [f"{HOST}:{port}" for port in web_ports]
            processes.append(
                start(
                    [sys.executable, str(PROJECT_ROOT / "tests" / "balancer.py"), f"{HOST}:{balancer_port}", *backends],
                    common,
                    scratch / "balancer.log",
                )
            )

            last_seen: dict[int, str] = {}

            def all_up() -> bool:
                for port in web_ports:
                    try:
                        health = httpx.get(f"http://{HOST}:{port}/healthz", timeout=5).json()
                    except (httpx.HTTPError, ValueError) as error:
                        last_seen[port] = repr(error)
                        return False
                    last_seen[port] = str(health["rasa"])
                    if not all(replica["up"] for replica in health["rasa"]["replicas"]):
                        return False
                return True

            try:
                wait_for(all_up, "the machines did not come up", 400)
            except TimeoutError as error:
                logs = f"{log_tails(scratch)}\n{log_tails(SERVE_LOGS)}"
                raise TimeoutError(f"{error}; last /healthz: {last_seen}\n{logs}") from None
            yield Machines(balancer, cache.url, postgres.url)
        finally:
            for process in reversed(processes):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
                    try:
                        process.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)


def test_nothing_listens_on_loopback_for_rasa(machines: Machines) -> None:
    health = httpx.get(f"{machines.url}/healthz", timeout=TIMEOUT).json()
    urls = [replica["url"] for replica in health["rasa"]["replicas"]]
    assert len(urls) == 2 and all(url.startswith(f"http://{HOST}:") for url in urls)
    for url in urls:
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass


def test_a_conversation_through_the_balancer_keeps_its_follow_ups(machines: Machines) -> None:
    session = f"machines-{uuid.uuid4()}"
    first = machines.chat(session, "How did Labour describe the meeting?")
    assert first.status_code == 200, first.text
    first_turn = BotTurn.of(first.json()["messages"])
    assert first_turn.sources
    # The next connection goes to the other web machine; the conversation is the same.
    follow_up = machines.chat(session, "who said that?")
    assert follow_up.status_code == 200, follow_up.text
    text = BotTurn.of(follow_up.json()["messages"]).text
    assert any(speaker in text for speaker in first_turn.speakers), text


def test_feedback_reaches_the_shared_store_through_either_web_machine(machines: Machines) -> None:
    session = f"feedback-{uuid.uuid4()}"
    answer = machines.chat(session, "How did Labour describe the meeting?")
    assert answer.status_code == 200, answer.text
    message_id = answer.json()["messages"][0]["id"]
    # Two new connections: the balancer sends them to the two web machines in turn.
    for rating in ("down", "up"):
        judged = httpx.post(
            f"{machines.url}/api/feedback",
            json={"session_id": session, "message_id": message_id, "rating": rating},
            timeout=TIMEOUT,
        )
        assert judged.status_code == 200, judged.text
    # Kept in the one database of every machine, not in a web machine's own file.
    store = ConversationStore(database_url(machines.database_url, Path("/nonexistent")))
    try:
        assert [reply.session_id for reply in store.replies_since() if reply.id == message_id] == [session]
        assert [judgement.rating for judgement in store.judgements([message_id])] == ["up"]
    finally:
        store.close()


def test_the_web_machines_share_the_session_limit(machines: Machines) -> None:
    session = f"limit-{uuid.uuid4()}"
    statuses = [machines.chat(session, "hello").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2, statuses
