"""Keeping child processes running: a process that dies is started again after a pause that
doubles from 1 s up to 30 s while it keeps dying, and is reset once it has run for a minute."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
STABLE_SECONDS = 60.0
POLL_SECONDS = 0.5

Launch = Callable[[], subprocess.Popen[bytes]]  # starts the process, returns at once
Ready = Callable[[subprocess.Popen[bytes]], None]  # returns once it answers; raises when it will not
Stop = Callable[[subprocess.Popen[bytes]], None]


class Kept:
    """One child process, started again whenever it dies, until `stop()`."""

    def __init__(self, name: str, launch: Launch, ready: Ready, stop: Stop) -> None:
        self.name = name
        self._launch = launch
        self._ready = ready
        self._stop = stop
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def launch(self) -> None:
        """Start the process; `ready()` waits until it answers."""
        self._set(self._launch())

    def ready(self) -> None:
        """Wait until it answers, then keep it running in the background."""
        if self.process is None:
            raise RuntimeError(f"the {self.name} was not launched")
        self._ready(self.process)
        self._thread = threading.Thread(target=self._keep, name=f"keep {self.name}", daemon=True)
        self._thread.start()

    def _set(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self.process = process
            stopping = self._stopping.is_set()
        if stopping:  # stopped while it was being launched
            self._stop(process)

    def _keep(self) -> None:
        pause = FIRST_PAUSE
        started = time.monotonic()
        while not self._stopping.wait(POLL_SECONDS):
            process = self.process
            if process is None or process.poll() is None:
                if time.monotonic() - started >= STABLE_SECONDS:
                    pause = FIRST_PAUSE
                continue
            logger.error("the %s exited (status %s): starting it again in %.0f s", self.name, process.returncode, pause)
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, LONGEST_PAUSE)
            try:
                self._set(self._launch())
                self._ready(self.process)  # type: ignore[arg-type]  # just set
            except Exception as error:  # it did not come up: the next round tries again, after a longer pause
                logger.error("the %s did not start again: %s", self.name, error)
                continue
            self.restarts += 1
            started = time.monotonic()
            logger.warning("the %s runs again", self.name)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is not None:
            self._stop(process)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
