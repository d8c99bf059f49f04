"""Shared fixtures: the real model and real indexes, built once per test session."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from newsbot.retrieval.index import LoadedIndex, build_index, load_index
from newsbot.retrieval.search import Searcher
from newsbot.serving.supervisor import free_port
from newsbot.settings import PACKAGED_MODEL, PROJECT_ROOT, Settings
from newsbot.web.app import create_app

KNOWLEDGE = PROJECT_ROOT / "knowledge"
SEED_ARTICLE = "corbyn-jewish-leaders-talks"
SHARED = PROJECT_ROOT.parent / "shared"
# A second article with its own two sides and facts: a council and its residents.
COUNCIL_KNOWLEDGE = PROJECT_ROOT / "tests" / "data" / "council"
COUNCIL_ARTICLE = "quayside-parking-dispute"
MODEL = PACKAGED_MODEL

AppFactory = Callable[..., TestClient]


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the project's knowledge folder, built with the real model."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index(KNOWLEDGE, index_dir, MODEL, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def seed_index(seed_index_dir: Path) -> LoadedIndex:
    return load_index(seed_index_dir, MODEL, KNOWLEDGE)


@pytest.fixture(scope="session")
def seed_searcher(seed_index: LoadedIndex) -> Searcher:
    return Searcher(seed_index, MODEL)


def write_article(folder: Path, stem: str, title: str | None, paragraphs: list[str]) -> Path:
    """A knowledge file in the project's format (title None: no front matter at all)."""
    folder.mkdir(parents=True, exist_ok=True)
    front = f'---\ntitle: "{title}"\n---\n\n' if title is not None else ""
    path = folder / f"{stem}.md"
    path.write_text(front + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def council_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """A searcher over the council article alone, built with the real model."""
    index_dir = tmp_path_factory.mktemp("council-index")
    build_index(COUNCIL_KNOWLEDGE, index_dir, MODEL, progress=False)
    return Searcher(load_index(index_dir, MODEL, COUNCIL_KNOWLEDGE), MODEL)


@pytest.fixture(scope="session")
def seed_and_council_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """A searcher over the seed article and the council article indexed together, with the real model."""
    folder = tmp_path_factory.mktemp("seed-and-council")
    knowledge = folder / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    for path in COUNCIL_KNOWLEDGE.iterdir():
        shutil.copy(path, knowledge / path.name)
    build_index(knowledge, folder / "index", MODEL, progress=False)
    return Searcher(load_index(folder / "index", MODEL, knowledge), MODEL)


@pytest.fixture
def make_client(seed_index_dir: Path, tmp_path: Path) -> Iterator[AppFactory]:
    """A TestClient of the web app over the session's seed index, with Rasa down (nothing listens
    at its address), recording in a SQLite file of the test's own; keyword arguments are settings."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        values: dict[str, Any] = {
            "knowledge_dir": KNOWLEDGE,
            "index_dir": seed_index_dir,
            "model": MODEL,
            "rasa_url": f"http://127.0.0.1:{free_port()}",
            "watch_knowledge": False,
            "tracker_sqlite": tmp_path / "conversations.db",
        }
        values.update(overrides)
        client = TestClient(create_app(Settings(**values)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def action_call(text: str, sender: str = "webhook-test") -> dict[str, Any]:
    """What Rasa sends the action webhook for a first question, `text`, with a domain."""
    return {
        "next_action": "action_answer_question",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {"slots": {}, "responses": {}, "intents": [], "entities": [], "actions": [], "forms": {}},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": text, "intent": {"name": "ask_question", "confidence": 0.9}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
            "latest_input_channel": "rest",
        },
    }
