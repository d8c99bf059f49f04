"""Running the bot: train the Rasa model when its data changed, start the web app (which also
serves the Rasa actions) and the Rasa server as child processes, wait until both answer, stop
them together.

The Rasa server runs in .venv-rasa (Python 3.10); the web app and the actions in this environment.
Rasa is internal: it listens on loopback (NEWSBOT_RASA_HOST to change it), its channels are only
those the web app needs (the REST channel; Socket.IO when NEWSBOT_RASA_SOCKETIO is set), and both
its REST channel and its HTTP API require a token made afresh at each start (or
NEWSBOT_RASA_TOKEN), which only the web app is given.

Scaling (newsbot/serving/scaling.py): NEWSBOT_RASA_REPLICAS Rasa servers on consecutive ports
from the Rasa port, NEWSBOT_WEB_WORKERS web app processes (uvicorn's workers), each kept running
(newsbot/serving/restarts.py); `role` runs only the web app or only Rasa, for several machines.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from newsbot.serving.restarts import Kept
from newsbot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = Path(sys.executable)
MODEL_NAME = "newsbot"
STARTUP_TIMEOUT = 180.0


# Ports handed out by free_port in this process, never handed out again.
_HANDED_PORTS: set[int] = set()
LOWEST_FREE_PORT = 10000


def ephemeral_ports_start() -> int:
    """Where the kernel's range for the local ports of outgoing connections begins."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A TCP port nothing listens on now (for servers started by tests and benchmarks), below the
    kernel's ephemeral range: a port from that range, free when probed, can be taken by any
    outgoing connection before the server binds it (a test's Rasa replica once found its port
    so taken). Never the same port twice in one process."""
    low = ephemeral_ports_start()
    for _ in range(1000):
        port = secrets.randbelow(max(1, low - LOWEST_FREE_PORT)) + LOWEST_FREE_PORT
        if port in _HANDED_PORTS:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("", port))  # every address: a server on 192.0.2.2:port holds it too
            except OSError:
                continue
        _HANDED_PORTS.add(port)
        return port
    with socket.socket() as probe:  # no range below the ephemeral one: the kernel's choice
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class StackError(Exception):
    """The bot could not be trained or started; the message says why."""


def check_ports_free(config: StackConfig) -> None:
    """Stop with a clear message when a port the stack would listen on is taken (the server would
    only exit with a bind error in its log)."""
    wanted: list[tuple[str, int, str, str]] = []
    if config.role != "rasa":
        wanted.append((config.web_host, config.web_port, "web app", "--port"))
    if config.role != "web":
        for replica in range(config.rasa_replicas):
            name = "Rasa server" if config.rasa_replicas == 1 else f"Rasa replica {replica}"
            wanted.append((config.rasa_host, config.rasa_port + replica, name, "--rasa-port"))
    for host, port, name, option in wanted:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
            try:
                probe.bind((host, port))
            except OSError as error:
                raise StackError(
                    f"port {port} on {host} is not free for the {name} ({error.strerror}): stop what uses it "
                    f"(another `newsbot serve`?) or choose another port with {option}"
                ) from None


@dataclass(frozen=True)
class StackConfig:
    rasa_port: int = 5005
    web_port: int = 8000
    web_host: str = "127.0.0.1"  # where the web app listens (0.0.0.0: every interface)
    models_dir: Path = PROJECT_ROOT / "models"
    logs_dir: Path = PROJECT_ROOT / ".data" / "logs"
    tracker_sqlite: Path | None = None  # default: the tracker store's own (.data/conversations.db)
    # Extra environment of the web app (NEWSBOT_ settings such as rate limits), as name/value pairs.
    web_env: tuple[tuple[str, str], ...] = ()
    rasa_host: str = "127.0.0.1"  # where Rasa listens: loopback, the web app is its only client
    # The secret the web app shows Rasa's REST channel and HTTP API; made afresh at each start.
    rasa_token: str = field(default_factory=lambda: os.environ.get("NEWSBOT_RASA_TOKEN") or secrets.token_urlsafe(32))
    socketio: bool = False  # Rasa's Socket.IO channel, for Socket.IO chat clients (off: the widget uses /api/chat)
    rasa_replicas: int = 1  # Rasa servers on ports rasa_port, rasa_port + 1, ...
    web_workers: int = 1  # web app processes behind the one port
    role: str = "all"  # "web": the web app only; "rasa": the Rasa replicas only (several machines)
    # With role "web": the Rasa replicas' URLs on other machines (else this machine's own).
    remote_rasa_urls: tuple[str, ...] = ()
    # Where Rasa calls the actions (default: this machine's web app); a load balancer's with role "rasa".
    action_url: str | None = None

    @property
    def rasa_url(self) -> str:
        return self.rasa_urls[0]

    @property
    def rasa_urls(self) -> list[str]:
        """Every replica's URL, as the web app reaches it."""
        if self.remote_rasa_urls:
            return list(self.remote_rasa_urls)
        host = "127.0.0.1" if self.rasa_host in ("0.0.0.0", "::") else self.rasa_host
        return [f"http://{host}:{self.rasa_port + replica}" for replica in range(self.rasa_replicas)]

    @property
    def shared_conversations(self) -> bool:
        """More than one Rasa server may answer a conversation: its turns need the shared stores."""
        return self.role != "web" and (self.rasa_replicas > 1 or self.role == "rasa")

    @property
    def web_url(self) -> str:
        """The web app's address: the demo page, the API and Rasa's action webhook (/webhook)."""
        host = "127.0.0.1" if self.web_host in ("0.0.0.0", "::") else self.web_host
        return f"http://{host}:{self.web_port}"


def training_inputs() -> list[Path]:
    files = [PROJECT_ROOT / "config.yml"]
    for folder in (PROJECT_ROOT / "bot" / "domain", PROJECT_ROOT / "bot" / "data"):
        files += sorted(folder.rglob("*.yml"))
    return files


def training_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in training_inputs():
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def train(config: StackConfig, force: bool = False) -> Path:
    """The trained model; trains only when config, domain or data changed since the last training.

    Processes that train into the same folder take turns (a lock file), so the second finds the
    model the first trained instead of overwriting it."""
    config.models_dir.mkdir(parents=True, exist_ok=True)
    with (config.models_dir / ".train.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _train(config, force)


def _train(config: StackConfig, force: bool) -> Path:
    model = config.models_dir / f"{MODEL_NAME}.tar.gz"
    stamp = config.models_dir / f"{MODEL_NAME}.fingerprint"
    fingerprint = training_fingerprint()
    if not force and model.is_file() and stamp.is_file() and stamp.read_text().strip() == fingerprint:
        logger.info("the Rasa model is up to date (%s)", model)
        return model
    if not RASA.is_file():
        raise StackError(f"{RASA} not found: run scripts/setup.sh first")
    logger.warning("training the Rasa model (about 3 minutes)...")
    command = [
        str(RASA), "train",
        "--config", "config.yml", "--domain", "bot/domain", "--data", "bot/data",
        "--out", str(config.models_dir), "--fixed-model-name", MODEL_NAME,
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_env(config), capture_output=True, text=True)
    if completed.returncode != 0 or not model.is_file():
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-20:])
        raise StackError(f"rasa train failed (exit {completed.returncode}):\n{tail}")
    stamp.write_text(fingerprint + "\n")
    return model


def rasa_command_env() -> dict[str, str]:
    """The environment of every `rasa` command: bot/ on the path, for the code config.yml and
    endpoints.yml name (`addons.…`: the NLU featurizer, the channels, the tracker store)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT / "bot")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def rasa_env(config: StackConfig) -> dict[str, str]:
    env = rasa_command_env()
    env["NEWSBOT_ACTION_ENDPOINT"] = config.action_url or f"{config.web_url}/webhook"
    env["NEWSBOT_RASA_TOKEN"] = config.rasa_token
    if config.tracker_sqlite is not None:
        env["NEWSBOT_TRACKER_SQLITE"] = str(config.tracker_sqlite)
    if config.shared_conversations and os.environ.get("NEWSBOT_REDIS_URL"):
        # Conversation locks in Redis (bot/addons/lock_store.py); one server keeps its own, so it
        # answers even while Redis is down.
        env["NEWSBOT_LOCK_STORE_URL"] = os.environ["NEWSBOT_REDIS_URL"]
    return env


def write_credentials(config: StackConfig, port: int) -> Path:
    """Rasa's channels for this start: the guarded REST channel, and Socket.IO when asked for."""
    channels = ["addons.channels.GuardedRestInput:"]
    if config.socketio:
        channels += ["socketio:", "  user_message_evt: user_uttered", "  bot_message_evt: bot_uttered"]
        channels += ["  session_persistence: true"]
    path = config.logs_dir.parent / f"credentials-{port}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by newsbot serve (newsbot/serving/supervisor.py) at each start.\n" + "\n".join(channels) + "\n"
    )
    return path


def wait_until(
    url: str, process: subprocess.Popen[bytes], name: str, log: Path, answers: tuple[int, ...] = (200,)
) -> None:
    """Wait until `url` answers with one of the `answers` statuses."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"the {name} exited with status {process.returncode}; see {log}")
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code in answers:
                return
        time.sleep(0.5)
    raise StackError(f"the {name} did not answer at {url} within {STARTUP_TIMEOUT:.0f} s; see {log}")


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def launch_web(config: StackConfig) -> subprocess.Popen[bytes]:
    """The web app (demo page, widget, API, and the actions' webhook), started; see `web_ready`."""
    command = [
        str(APP_PYTHON), "-m", "uvicorn", "newsbot.web.app:create_app", "--factory",
        "--host", config.web_host, "--port", str(config.web_port), "--no-access-log",
    ]  # fmt: skip
    if config.web_workers > 1:
        command += ["--workers", str(config.web_workers)]  # uvicorn starts again a worker that dies
    # One thread for torch: the question's embedding is tiny, and the Rasa server shares the cores.
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    env["NEWSBOT_RASA_URL"] = ",".join(config.rasa_urls)
    env["NEWSBOT_RASA_TOKEN"] = config.rasa_token
    if config.tracker_sqlite is not None:  # the app records its turns in the tracker store's database
        env["NEWSBOT_TRACKER_SQLITE"] = str(config.tracker_sqlite)
    env.update(dict(config.web_env))
    return _start(command, env, config.logs_dir / "web.log")


def web_ready(config: StackConfig, process: subprocess.Popen[bytes]) -> None:
    # 503 is an answer too: the app is up and says Rasa is not (yet).
    wait_until(f"{config.web_url}/healthz", process, "web app", config.logs_dir / "web.log", answers=(200, 503))


def start_web(config: StackConfig) -> subprocess.Popen[bytes]:
    """The web app; returns once its index is loaded."""
    process = launch_web(config)
    try:
        web_ready(config, process)
    except BaseException:
        stop(process)
        raise
    return process


def rasa_log(config: StackConfig, replica: int) -> Path:
    return config.logs_dir / ("rasa.log" if replica == 0 else f"rasa-{replica}.log")


def launch_rasa(config: StackConfig, model: Path, replica: int = 0) -> subprocess.Popen[bytes]:
    """Rasa replica `replica` (port rasa_port + replica), started; see `rasa_ready`."""
    port = config.rasa_port + replica
    command = [
        str(RASA), "run", "--model", str(model), "--interface", config.rasa_host, "--port", str(port),
        # One argument: a token starting with "-" (token_urlsafe makes one in 64) is no option.
        "--enable-api", f"--auth-token={config.rasa_token}",
        "--endpoints", "bot/endpoints.yml", "--credentials", str(write_credentials(config, port)),
    ]  # fmt: skip
    env = rasa_env(config)
    # One thread each for TensorFlow (which Rasa loads) and ONNX Runtime: a turn's tensors are tiny,
    # and idle pool threads spinning for work cost CPU that the other replicas and the web app need.
    for name in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(name, "1")
    return _start(command, env, rasa_log(config, replica))


def rasa_ready(config: StackConfig, process: subprocess.Popen[bytes], replica: int = 0) -> None:
    # /status answers 200 once the model is loaded (and only with the token).
    url = f"{config.rasa_urls[replica]}/status?token={config.rasa_token}"
    wait_until(url, process, "Rasa server", rasa_log(config, replica))


def start_rasa(config: StackConfig, model: Path, replica: int = 0) -> subprocess.Popen[bytes]:
    process = launch_rasa(config, model, replica)
    try:
        rasa_ready(config, process, replica)
    except BaseException:
        stop(process)
        raise
    return process


@contextmanager
def running_stack(config: StackConfig) -> Iterator[StackConfig]:
    """Train if needed, start the web app and the Rasa replicas (each as its role asks), keep them
    running (one that dies is started again), and stop them all on exit, even mid-start."""
    from newsbot.serving.scaling import check_shared_stores

    check_shared_stores(config)
    check_ports_free(config)
    model = train(config) if config.role != "web" else None
    kept: list[Kept] = []
    if config.role != "rasa":
        kept.append(Kept("web app", lambda: launch_web(config), lambda process: web_ready(config, process), stop))
    if model is not None:
        for replica in range(config.rasa_replicas):
            kept.append(
                Kept(
                    f"Rasa replica {replica} ({config.rasa_urls[replica]})",
                    lambda replica=replica: launch_rasa(config, model, replica),  # type: ignore[misc]
                    lambda process, replica=replica: rasa_ready(config, process, replica),  # type: ignore[misc]
                    stop,
                )
            )
    try:
        for child in kept:  # all start at once; then each is waited for
            child.launch()
        for child in kept:
            child.ready()
        yield config
    finally:
        for child in reversed(kept):
            child.stop()
