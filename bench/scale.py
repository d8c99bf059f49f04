"""The whole bot under load, an old commit and this one in the same run: turns per second, latency,
errors and CPU per turn, with one and two Rasa replicas.

    .venv/bin/python bench/scale.py [--old REV] [--sessions 100] [--turns 10] [--only old,1,2]
    .venv/bin/python bench/scale.py --only 1 --profile DIR   # py-spy on Rasa and the web app meanwhile
    .venv/bin/python bench/scale.py --only old,1 --think 5     # readers pausing to read each answer
    .venv/bin/python bench/scale.py --old REV --old-shared-stores --only old,1   # a recent commit, same stores

For each setup it runs `newsbot serve` on free ports, warms it up, then plays `--sessions`
conversations of `--turns` turns at once through POST /api/chat, and reports turns/s, median and
p95 latency, errors, and the CPU the serving processes spent per turn (user + system time of
`newsbot serve` and every process under it, from /proc, over the loaded part). It also gives the
p95 of the first turns alone: every session's first question arrives at the same moment (a burst
of readers). By default a session sends its next question the moment an answer arrives, so the
machine is never idle; with `--think S` each reader first pauses to read, a random 0.5 S to 1.5 S
(seeded per session, the same pauses each run), as readers do.

- old: REV (default: main) checked out in a temporary `git worktree`, linked to this checkout's
  environments, model and ONNX export, run as it is (one Rasa server, SQLite conversations).
- 1 and 2: this checkout with 1 and 2 replicas, the conversations in PostgreSQL (a database of the
  bench's own, `newsbot_bench`, on NEWSBOT_BENCH_PG, default the machine's 127.0.0.1:5432) and
  the locks and limits in Redis (NEWSBOT_BENCH_REDIS, default redis://127.0.0.1:6379/14).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
from machine import reference

from newsbot.serving.supervisor import free_port
from newsbot.settings import PROJECT_ROOT

QUESTIONS = [
    "What did Labour commit to?",
    "who said that?",
    "Who attended the meeting?",
    "where does it say that?",
    "How did the Board of Deputies describe the meeting?",
    "What did Jeremy Corbyn say?",
    "What happened to Ken Livingstone?",
    "tell me more",
    "What is the IHRA definition about?",
    "What happens next?",
]
PG = os.environ.get("NEWSBOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("NEWSBOT_BENCH_REDIS", "redis://127.0.0.1:6379/14")
DATABASE = "newsbot_bench"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    name: str
    turns: int
    errors: int
    seconds: float
    latencies: list[float]
    first_latencies: list[float]  # the sessions' first turns, sent all at once
    cpu_seconds: dict[str, float]  # by part: "rasa", "web" (the web app and the supervisor)
    client_cpu_seconds: float  # this script's, playing the sessions

    def line(self) -> str:
        ok = sorted(self.latencies) or [float("nan")]
        p95 = percentile(ok, 0.95)
        first_p95 = percentile(sorted(self.first_latencies) or [float("nan")], 0.95)
        per_turn = {part: 1000 * seconds / self.turns for part, seconds in self.cpu_seconds.items()}
        parts = ", ".join(f"{part} {ms:.1f}" for part, ms in sorted(per_turn.items()))
        return (
            f"{self.name:>10}: {self.turns / self.seconds:6.1f} turns/s, median {statistics.median(ok):.2f} s, "
            f"p95 {p95:.2f} s (first turns {first_p95:.2f} s), errors {self.errors}/{self.turns}, "
            f"CPU {sum(per_turn.values()):.1f} ms/turn "
            f"({parts}; bench client {1000 * self.client_cpu_seconds / self.turns:.1f})"
        )


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _stat(pid: int) -> list[str] | None:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def family_of(root: int) -> set[int]:
    """`root` and every process under it (those alive now)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    family = {root}
    while more := {pid for pid, parent in parents.items() if parent in family} - family:
        family |= more
    return family


def tree_cpu(root: int) -> dict[str, float]:
    """User + system seconds of `root` and every process under it: the Rasa servers', and the
    rest's (the web app and the supervisor)."""
    total = {"rasa": 0.0, "web": 0.0}
    for pid in family_of(root):
        if (fields := _stat(pid)) is not None:
            try:
                command = (Path("/proc") / str(pid) / "cmdline").read_bytes()
            except OSError:
                continue
            total["rasa" if b"rasa\0run" in command else "web"] += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def serve(checkout: Path, env: dict[str, str], logs: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`newsbot serve` on free ports, once it answers; tried again on other ports when another
    process took one of them between our choosing it and the server binding it."""
    for _ in range(3):
        try:
            return serve_on_free_ports(checkout, env, logs)
        except PortTaken as taken:
            print(f"  {taken}; trying other ports", flush=True)
    raise SystemExit(f"newsbot serve in {checkout} found no free ports; see {logs}")


class PortTaken(Exception):
    pass


def serve_on_free_ports(checkout: Path, env: dict[str, str], logs: Path) -> tuple[subprocess.Popen[bytes], str]:
    web_port, rasa_port = free_port(), free_port() + 10
    command = [
        sys.executable, "-m", "newsbot.cli", "serve", "--no-chat",
        "--port", str(web_port), "--rasa-port", str(rasa_port),
    ]  # fmt: skip
    full_env = {**os.environ, **env, "PYTHONPATH": str(checkout)}
    full_env["NEWSBOT_CLIENT_RATE_PER_MINUTE"] = "1000000"
    full_env["NEWSBOT_SESSION_RATE_PER_MINUTE"] = "1000000"
    logs.parent.mkdir(parents=True, exist_ok=True)
    with logs.open("ab") as log:
        process = subprocess.Popen(command, cwd=checkout, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{web_port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = logs.read_text(errors="replace").splitlines()[-5:]
            if taken := next((line for line in said if " is not free " in line), None):
                raise PortTaken(taken.strip())
            raise SystemExit(f"newsbot serve in {checkout} exited; see {logs}")
        try:
            health = httpx.get(f"{url}/healthz", timeout=5)
            if health.status_code == 200:
                replicas = health.json()["rasa"].get("replicas") or [{"up": True}]
                if all(replica["up"] for replica in replicas):
                    return process, url
        except httpx.HTTPError:
            pass
        time.sleep(1)
    process.send_signal(signal.SIGTERM)
    raise SystemExit(f"newsbot serve in {checkout} did not come up; see {logs}")


async def session(
    http: aiohttp.ClientSession,
    turns: int,
    think: float,
    pauses: random.Random,
    latencies: list[float],
    first_latencies: list[float],
    errors: list[str],
) -> None:
    session_id = f"bench-{uuid.uuid4().hex}"
    for turn in range(turns):
        if turn and think:
            await asyncio.sleep(think * pauses.uniform(0.5, 1.5))
        started = time.perf_counter()
        try:
            message = {"session_id": session_id, "message": QUESTIONS[turn % 10]}
            async with http.post("/api/chat", json=message) as reply:
                body = await reply.read()
            if reply.status != 200 or not json.loads(body).get("messages"):
                errors.append(f"HTTP {reply.status}: {body[:120]!r}")
                continue
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            errors.append(repr(error))
            continue
        latencies.append(time.perf_counter() - started)
        if not turn:
            first_latencies.append(latencies[-1])


async def load(
    url: str, sessions: int, turns: int, think: float = 0.0
) -> tuple[list[float], list[float], list[str], float]:
    latencies: list[float] = []
    first_latencies: list[float] = []
    errors: list[str] = []
    # aiohttp, not httpx: the client shares the 2 cores with the servers, and httpx cost it 5 to 7 ms
    # of CPU a turn. Idle connections are dropped before uvicorn's 5 s keep-alive ends: a connection
    # reused just as uvicorn closed it failed a turn now and then.
    connector = aiohttp.TCPConnector(limit=sessions, keepalive_timeout=2.0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(base_url=url, connector=connector, timeout=timeout) as http:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                session(http, turns, think, random.Random(number), latencies, first_latencies, errors)
                for number in range(sessions)
            )
        )
        return latencies, first_latencies, errors, time.perf_counter() - started


def children_named(root: int, word: str) -> list[int]:
    """Processes under `root` whose command line holds `word`."""
    found = []
    for pid in family_of(root) - {root}:
        try:
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if word in command:
            found.append(pid)
    return found


def profile(root: int, folder: Path, seconds: int) -> list[subprocess.Popen[bytes]]:
    """py-spy records the Rasa servers and the web app for `seconds` (collapsed stacks)."""
    folder.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).parent / "py-spy"
    recorders = []
    for name, word in (("rasa", "rasa run"), ("web", "uvicorn")):
        for pid in children_named(root, word):
            output = folder / f"{name}-{pid}.txt"
            command = [str(spy), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200"]
            command += ["--format", "raw", "--output", str(output), "--nonblocking"]
            if name == "rasa":  # its idle thread-pool workers would otherwise fill the samples
                command.append("--gil")
            recorders.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return recorders


def top_functions(path: Path, count: int = 25) -> list[tuple[float, str]]:
    """The functions with the largest share of the samples that include them."""
    total = 0
    inclusive: dict[str, int] = {}
    for line in path.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        total += int(samples)
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + int(samples)
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])[:count]
    return [(samples / max(total, 1), frame) for frame, samples in ranked]


def measure(
    name: str,
    checkout: Path,
    env: dict[str, str],
    logs: Path,
    sessions: int,
    turns: int,
    think: float = 0.0,
    profile_dir: Path | None = None,
) -> Figures:
    process, url = serve(checkout, env, logs)
    try:
        asyncio.run(load(url, 10, 5))  # warm-up: every code path once
        cpu_before, client_before = tree_cpu(process.pid), time.process_time()
        recorders = profile(process.pid, profile_dir, 20) if profile_dir is not None else []
        latencies, first_latencies, errors, seconds = asyncio.run(load(url, sessions, turns, think))
        client_cpu = time.process_time() - client_before
        cpu = {part: seconds - cpu_before[part] for part, seconds in tree_cpu(process.pid).items()}
        for recorder in recorders:
            recorder.wait()
        if profile_dir is not None:
            for path in sorted(profile_dir.glob("*.txt")):
                print(f"--- {path.name}: share of samples in each function (inclusive)")
                for share, frame in top_functions(path):
                    print(f"  {share:6.1%}  {frame[:150]}")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    for error in sorted(set(errors))[:5]:
        print(f"  {name} error: {error}")
    return Figures(name, sessions * turns, len(errors), seconds, latencies, first_latencies, cpu, client_cpu)


def old_checkout(revision: str, scratch: Path) -> Path:
    folder = scratch / "old"
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), revision], cwd=PROJECT_ROOT, check=True)
    for name in (".venv", ".venv-rasa", "models"):
        (folder / name).symlink_to((PROJECT_ROOT / name).resolve())
    (folder / ".data").mkdir()
    (folder / ".data" / "minilm-onnx").symlink_to((PROJECT_ROOT / ".data" / "minilm-onnx").resolve())
    return folder


def fresh_database() -> str:
    for sql in (f"drop database if exists {DATABASE}", f"create database {DATABASE}"):
        subprocess.run(["psql", PG + "/postgres", "-qc", sql], check=True, capture_output=True)
    return f"{PG}/{DATABASE}"


def shared_stores(replicas: str) -> dict[str, str]:
    """The environment of `replicas` Rasa servers on a fresh PostgreSQL database and Redis."""
    return {
        "NEWSBOT_RASA_REPLICAS": replicas,
        "NEWSBOT_TRACKER_DB": fresh_database(),
        "NEWSBOT_REDIS_URL": REDIS,
        "NEWSBOT_REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", default="main", help="the commit to compare with (default: %(default)s)")
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--only", default="old,1,2", help="which setups, comma-separated (default: %(default)s)")
    parser.add_argument(
        "--old-shared-stores",
        action="store_true",
        help="run the old commit as the 1-replica setup (PostgreSQL and Redis), for a commit that has them",
    )
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a reader pauses before the next turn")
    parser.add_argument("--profile", type=Path, help="py-spy the servers during the load; stacks in this folder")
    args = parser.parse_args()
    setups = args.only.split(",")
    scratch = Path(tempfile.mkdtemp(prefix="newsbot-scale-"))
    results: list[Figures] = []
    try:
        if "old" in setups:
            folder = old_checkout(args.old, scratch)
            env = {"NEWSBOT_INDEX_DIR": str(scratch / "old-index")}
            if args.old_shared_stores:
                env |= shared_stores("1")
            results.append(
                measure(
                    f"old {args.old}", folder, env, scratch / "logs" / "old.log", args.sessions, args.turns, args.think
                )
            )
            print(results[-1].line(), flush=True)
        for replicas in ("1", "2"):
            if replicas not in setups:
                continue
            env = shared_stores(replicas)
            log = scratch / "logs" / f"replicas-{replicas}.log"
            name = f"{replicas} replica(s)"
            results.append(measure(name, PROJECT_ROOT, env, log, args.sessions, args.turns, args.think, args.profile))
            print(results[-1].line(), flush=True)
    finally:
        if (scratch / "old").exists():
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(scratch / "old")], cwd=PROJECT_ROOT, check=False
            )
        print(f"logs in {scratch / 'logs'}")
    print()
    for figures in results:
        print(figures.line())
    print(reference())
    shutil.rmtree(scratch / "old-index", ignore_errors=True)


if __name__ == "__main__":
    main()
