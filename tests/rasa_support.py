"""Scripts run in the Rasa environment (.venv-rasa, Python 3.10), for tests of the code Rasa loads
(bot/addons/) that need Rasa's own classes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from typing import Any

from newsbot.serving.supervisor import RASA, rasa_command_env
from newsbot.settings import PROJECT_ROOT

RASA_PYTHON = RASA.parent / "python"


def run_in_rasa(
    script: str, *, stdin: str | None = None, env: Mapping[str, str] | None = None, timeout: float = 300.0
) -> subprocess.CompletedProcess[str]:
    """`script` run by the Rasa environment's Python in the project folder, in the environment of
    every `rasa` command (bot/ on the path) or else `env`, with TensorFlow's logging quiet."""
    return subprocess.run(
        [str(RASA_PYTHON), "-c", script], input=stdin, cwd=PROJECT_ROOT,
        env={**(rasa_command_env() if env is None else env), "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def last_json_line(completed: subprocess.CompletedProcess[str]) -> Any:
    """What the script printed last, as JSON, once it ran without an error."""
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
