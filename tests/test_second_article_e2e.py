"""End to end on a second article, with its own two sides (a council and its residents): the
real Rasa server and web app, started as `newsbot serve` starts them, over a knowledge folder that
holds only that article and its facts. "What did the other side say?" answers with the side the
reader has not heard, from the article's facts, not from anything written for the seed article."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import COUNCIL_KNOWLEDGE

from newsbot.serving.supervisor import RASA, StackConfig, free_port, running_stack

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

COUNCIL = {"the council", "Mary Price", "a council spokesman"}
RESIDENTS = {"Tom Ellis", "the association"}


@contextmanager
def stack_over(scratch: Path) -> Iterator[StackConfig]:
    """The stack as `newsbot serve` starts it, over the knowledge folder in `scratch`."""
    knowledge = scratch / "knowledge"
    config = StackConfig(
        rasa_port=free_port(),
        web_port=free_port(),
        logs_dir=scratch / "logs",
        tracker_sqlite=scratch / "conversations.db",
        web_env=(("NEWSBOT_KNOWLEDGE_DIR", str(knowledge)), ("NEWSBOT_INDEX_DIR", str(scratch / "index"))),
    )
    with running_stack(config):
        yield config


@pytest.fixture(scope="module")
def council_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    scratch = tmp_path_factory.mktemp("council-stack")
    shutil.copytree(COUNCIL_KNOWLEDGE, scratch / "knowledge")
    with stack_over(scratch) as config:
        yield config


def chat(config: StackConfig, session: str, message: str, article: str | None = None) -> dict[str, Any]:
    """The bot's reply (its one message that is no chit-chat text); `article`: asked about it only."""
    body = {"session_id": session, "message": message, **({"article": article} if article else {})}
    response = httpx.post(f"{config.web_url}/api/chat", json=body, timeout=60.0)
    assert response.status_code == 200, response.text
    (reply,) = [m for m in response.json()["messages"] if m["kind"] != "text"]
    return dict(reply)


def speakers(reply: dict[str, Any]) -> set[str]:
    return {source["speaker"] for source in reply["sources"]}


def test_the_other_side_of_the_residents_is_the_council(council_stack: StackConfig) -> None:
    session = f"council-{uuid.uuid4().hex[:12]}"
    first = chat(council_stack, session, "What did the residents say?")
    assert first["answerable"] is True
    assert {source["article"] for source in first["sources"]} == {"quayside-parking-dispute"}
    assert RESIDENTS & speakers(first)
    other = chat(council_stack, session, "what did the other side say?")
    assert other["lead"] == "What the council said:"
    assert speakers(other) and speakers(other) <= COUNCIL


def test_the_other_side_of_the_council_is_the_residents(council_stack: StackConfig) -> None:
    session = f"council-{uuid.uuid4().hex[:12]}"
    chat(council_stack, session, "what did the council say about the charges?")
    other = chat(council_stack, session, "and the other side?")
    assert other["lead"] == "What the residents said:"
    assert speakers(other) and speakers(other) <= RESIDENTS


def test_the_demo_page_shows_the_second_article(council_stack: StackConfig) -> None:
    page = httpx.get(f"{council_stack.web_url}/", timeout=10.0).text
    assert "Residents and council clash over Quayside parking charges" in page
    assert "Crunch talks" not in page
