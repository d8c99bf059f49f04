"""Private PostgreSQL and Redis servers for fault tests: started in a temporary folder on a free
port, stopped, killed and started again by the tests, never the machine's shared ones."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from newsbot.serving.supervisor import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
STARTUP_SECONDS = 60.0


def answers(port: int, host: str = "127.0.0.1") -> bool:
    with suppress(OSError), socket.create_connection((host, port), timeout=1.0):
        return True
    return False


def wait_for(condition: object, what: str, seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} within {seconds:.0f} s")


class PrivateRedis:
    """A redis-server of the test's own, in memory only."""

    def __init__(self, folder: Path, host: str = "127.0.0.1") -> None:
        self.folder = folder
        self.host = host
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no"]
        if self.host != "127.0.0.1":  # protected mode refuses other addresses without a password
            command += ["--protected-mode", "no"]
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: answers(self.port, self.host), f"redis-server did not answer on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None


class PrivatePostgres:
    """A PostgreSQL 15 cluster of the test's own (trust authentication, user postgres, database
    `newsbot`), run as the postgres user since PostgreSQL refuses to run as root."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        # The postgres user cannot enter pytest's folders (mode 700, root's): a folder of its own.
        self.folder = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        self.data = self.folder / "data"
        self.host = host
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/newsbot"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        completed = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:2])} failed: {completed.stderr.strip()[-1000:]}")
        return completed

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.folder.chmod(0o700)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        if self.host != "127.0.0.1":  # initdb trusts loopback only
            with (self.data / "pg_hba.conf").open("a") as rules:
                rules.write(f"host all all {self.host}/32 trust\n")
        self.start()
        self._run(str(PG_BIN / "createdb"), "-h", self.host, "-p", str(self.port), "-U", "postgres", "newsbot")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={self.host} -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        with suppress(RuntimeError):
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def query(self, sql: str) -> str:
        completed = self._run(
            str(PG_BIN / "psql"), "-h", self.host, "-p", str(self.port), "-U", "postgres", "-d", "newsbot",
            "-tAc", sql,
        )  # fmt: skip
        return completed.stdout.strip()


@contextmanager
def private_redis(folder: Path, host: str = "127.0.0.1") -> Iterator[PrivateRedis]:
    server = PrivateRedis(folder, host)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextmanager
def private_postgres(host: str = "127.0.0.1") -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(host)
    server.init()
    try:
        yield server
    finally:
        server.remove()


def listening_pids(port: int) -> set[int]:
    """The processes that hold a listening socket on `port` (ss -ltnp)."""
    output = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", output)}


def parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def free_ports_in_a_row(count: int) -> int:
    """The first of `count` consecutive TCP ports nothing listens on now."""
    for _ in range(100):
        first = free_port()
        if first + count > 65535:
            continue
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as probe:
                    probe.bind(("", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} free ports in a row")
