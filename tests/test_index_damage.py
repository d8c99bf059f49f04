"""A damaged index is never loaded: garbled, truncated or missing files are found by the manifest's
checksums; the CLI and the web app rebuild or serve the last intact build, with a one-line message;
a build killed midway (a real SIGKILL) leaves `current` as it was; builders take turns."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import MODEL, write_article
from fastapi.testclient import TestClient

from newsbot.retrieval.index import (
    BUILDS,
    CURRENT,
    MANIFEST,
    PASSAGES,
    VECTORS,
    IndexDamaged,
    build_index,
    load_index,
    restore_last_good,
)
from newsbot.retrieval.service import open_searcher
from newsbot.retrieval.tokens import FILES as TOKEN_FILES
from newsbot.settings import PROJECT_ROOT, Settings
from newsbot.web.app import create_app

ENTRY_POINT = PROJECT_ROOT / ".venv" / "bin" / "newsbot"
QUESTION = "When will work on the bridge start?"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("damage-template")
    knowledge = root / "knowledge"
    write_article(
        knowledge,
        "bridge-vote",
        "Council votes on the river bridge",
        ["The city council voted on Tuesday to build a new bridge.", "Work is expected to start next spring."],
    )
    index = root / "index"
    build_index(knowledge, index, MODEL, progress=False)
    return knowledge, index


@pytest.fixture
def copy(template: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    knowledge, index = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(template[0], knowledge)
    shutil.copytree(template[1], index, symlinks=True)
    return knowledge, index


def current(index: Path) -> Path:
    return (index / CURRENT).resolve()


def garble(path: Path) -> None:
    """Same size, different bytes in the middle."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(byte ^ 0xFF for byte in data[middle : middle + 16])
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ENTRY_POINT), *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("name", "damage", "expected"),
    [
        (VECTORS, garble, "vectors.faiss is corrupt"),
        (PASSAGES, truncate, "passages.jsonl has"),
        (TOKEN_FILES[0], Path.unlink, f"{TOKEN_FILES[0]} is missing"),
    ],
)
def test_a_damaged_file_is_never_loaded(copy: tuple[Path, Path], name: str, damage: object, expected: str) -> None:
    knowledge, index = copy
    damage(current(index) / name)  # type: ignore[operator]
    with pytest.raises(IndexDamaged, match=expected):
        load_index(index, MODEL, knowledge)


def test_the_cli_rebuilds_a_garbled_index_without_a_traceback(copy: tuple[Path, Path]) -> None:
    knowledge, index = copy
    damaged = current(index)
    garble(damaged / VECTORS)
    completed = cli("search", QUESTION, "--json", "--knowledge", str(knowledge), "--index", str(index))
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "vectors.faiss is corrupt" in completed.stderr  # the warning says why it rebuilt
    result = json.loads(completed.stdout)
    assert result["passages"][0]["text"] == "Work is expected to start next spring."
    assert current(index) != damaged
    load_index(index, MODEL, knowledge)  # the new build is intact


def test_without_buildable_knowledge_the_last_intact_build_is_served(copy: tuple[Path, Path]) -> None:
    knowledge, index = copy
    first = current(index).name
    write_article(knowledge, "extra", "An extra article", ["Something new happened."])
    build_index(knowledge, index, MODEL, progress=False)
    second = current(index).name
    assert second != first
    truncate(current(index) / VECTORS)
    (knowledge / "broken.md").write_text("no front matter\n", encoding="utf-8")  # the build cannot run

    completed = cli("search", QUESTION, "--json", "--knowledge", str(knowledge), "--index", str(index))
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "serving the last intact build" in completed.stderr
    assert current(index).name == first
    assert json.loads(completed.stdout)["passages"][0]["text"] == "Work is expected to start next spring."


def test_nothing_intact_is_a_one_line_error(copy: tuple[Path, Path]) -> None:
    knowledge, index = copy
    garble(current(index) / VECTORS)
    (knowledge / "broken.md").write_text("no front matter\n", encoding="utf-8")
    assert restore_last_good(index, MODEL) is None
    completed = cli("search", QUESTION, "--knowledge", str(knowledge), "--index", str(index))
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert completed.stderr.splitlines()[-1].startswith("newsbot: the index build")
    assert "is damaged: vectors.faiss is corrupt" in completed.stderr


def test_open_searcher_rebuilds_an_index_with_a_file_missing(copy: tuple[Path, Path]) -> None:
    knowledge, index = copy
    damaged = current(index)
    (damaged / PASSAGES).unlink()
    searcher = open_searcher(knowledge, index, MODEL)
    assert searcher.index.folder != damaged
    assert searcher.search(QUESTION, 1).hits[0].passage.text == "Work is expected to start next spring."


def test_the_running_app_keeps_its_build_and_reports_a_damaged_one(copy: tuple[Path, Path]) -> None:
    knowledge, index = copy
    settings = Settings(knowledge_dir=knowledge, index_dir=index, model=MODEL, watch_knowledge=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/search", params={"q": QUESTION}).status_code == 200
        loaded = current(index).name
        build_index(knowledge, index, MODEL, force=True, progress=False)
        garble(current(index) / VECTORS)
        answer = client.get("/api/search", params={"q": QUESTION})
        assert answer.status_code == 200
        assert answer.json()["passages"][0]["text"] == "Work is expected to start next spring."
        health = client.get("/healthz").json()["index"]
        assert health["build"] == loaded
        assert "vectors.faiss is corrupt" in health["damaged"]


KILLED_BUILD = """
import os, sys, time
from pathlib import Path
import newsbot.retrieval.tokens as tokens
from newsbot.retrieval.index import build_index

real_save = tokens.TokenStore.save

def save_then_wait(self, folder):
    real_save(self, folder)
    print("writing", flush=True)
    time.sleep(120)  # the test kills the process here, halfway through writing the build

tokens.TokenStore.save = save_then_wait
build_index(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], force=True, progress=False)
"""


def test_a_build_killed_midway_leaves_current_untouched(copy: tuple[Path, Path]) -> None:
    knowledge, index = copy
    before = current(index)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_BUILD, str(knowledge), str(index), MODEL], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "writing"
        staging = [p for p in (index / BUILDS).iterdir() if p.name.startswith(".staging-")]
        assert len(staging) == 1 and (staging[0] / VECTORS).is_file() and not (staging[0] / MANIFEST).exists()
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert current(index) == before
    assert load_index(index, MODEL, knowledge).folder == before
    # The dead builder's lock went with it: the next build runs at once and clears its leftovers.
    started = time.monotonic()
    result = build_index(knowledge, index, MODEL, force=True, progress=False)
    assert result.built and time.monotonic() - started < 60
    assert not [p for p in (index / BUILDS).iterdir() if p.name.startswith(".staging-")]


def test_builders_of_one_change_take_turns_and_build_it_once(copy: tuple[Path, Path]) -> None:
    knowledge, index = copy
    write_article(knowledge, "extra", "An extra article", ["Something new happened."])
    builders = [
        subprocess.Popen(
            [str(ENTRY_POINT), "index", "build", "--knowledge", str(knowledge), "--index", str(index)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [builder.communicate(timeout=300)[0] for builder in builders]
    assert all(builder.returncode == 0 for builder in builders)
    assert sorted("up to date" in output for output in outputs) == [False, True], outputs
