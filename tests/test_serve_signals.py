"""`newsbot serve` stopped by SIGTERM while it is still starting: every process it started goes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from faults import answers, free_ports_in_a_row, listening_pids, wait_for

from newsbot.serving.supervisor import RASA, free_port
from newsbot.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

NEWSBOT = PROJECT_ROOT / ".venv" / "bin" / "newsbot"


def descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    family = {root}
    while more := {pid for pid, parent in parents.items() if parent in family} - family:
        family |= more
    return family - {root}


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_of(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return f"{pid} (gone)"


def test_sigterm_during_startup_stops_every_child(tmp_path: Path) -> None:
    web_port, rasa_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    serve = subprocess.Popen(
        [str(NEWSBOT), "serve", "--no-chat", "--port", str(web_port), "--rasa-port", str(rasa_port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Children start (the web app and Rasa each in a session of its own), nothing answers yet.
        wait_for(lambda: len(descendants(serve.pid)) >= 2, "newsbot serve started no children", 120)
        children = descendants(serve.pid)
        assert not answers(rasa_port)
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        try:
            wait_for(lambda: not any(alive(pid) for pid in children), "children left running", 30)
        except TimeoutError as error:  # name them: a run under load once left one, unnamed
            raise AssertionError(f"{error}: {[command_of(pid) for pid in children if alive(pid)]}") from None
        assert not listening_pids(web_port) and not listening_pids(rasa_port)
    finally:
        if serve.poll() is None:
            serve.kill()


@pytest.mark.parametrize("taken", ["web", "second replica"])
def test_serve_stops_at_once_with_a_clear_message_when_a_port_is_taken(taken: str, tmp_path: Path) -> None:
    # The second replica's port is the first's plus one: both free, then the second held.
    web_port, rasa_port = free_port(), free_ports_in_a_row(2)
    port = web_port if taken == "web" else rasa_port + 1
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", port))
        holder.listen()
        completed = subprocess.run(
            [str(NEWSBOT), "serve", "--port", str(web_port), "--rasa-port", str(rasa_port)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "NEWSBOT_TRACKER_DB": "postgresql://postgres@127.0.0.1:5432/postgres",
                 "NEWSBOT_REDIS_URL": "redis://127.0.0.1:6379/15", "NEWSBOT_RASA_REPLICAS": "2"},
        )  # fmt: skip
    assert completed.returncode != 0
    assert f"port {port} on 127.0.0.1 is not free" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
