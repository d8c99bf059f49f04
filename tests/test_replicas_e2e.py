"""End to end, with faults: two Rasa replicas and two web workers started as `newsbot serve` starts
them, on a PRIVATE PostgreSQL cluster and a PRIVATE redis-server (tests/faults.py) that these tests
stop, kill and start again. A replica is SIGKILLed mid-conversation, two turns of one conversation
reach two replicas at once, PostgreSQL restarts, Redis goes away, a web worker dies."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from faults import (
    PrivatePostgres,
    PrivateRedis,
    answers,
    free_ports_in_a_row,
    listening_pids,
    parent_pid,
    private_postgres,
    private_redis,
    wait_for,
)

from devtools.transcripts import BotTurn
from newsbot.serving.supervisor import RASA, StackConfig, StackError, free_port, running_stack
from newsbot.web.rasa_gateway import Replica, rendezvous_order

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

TIMEOUT = 60.0
SESSION_LIMIT = 8


class Fleet:
    def __init__(self, config: StackConfig, postgres: PrivatePostgres, cache: PrivateRedis) -> None:
        self.config = config
        self.postgres = postgres
        self.redis = cache

    def chat(self, session: str, message: str) -> httpx.Response:
        return httpx.post(
            f"{self.config.web_url}/api/chat", json={"session_id": session, "message": message}, timeout=TIMEOUT
        )

    def turn(self, session: str, message: str) -> BotTurn:
        response = self.chat(session, message)
        assert response.status_code == 200, response.text
        return BotTurn.of(response.json()["messages"])

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{self.config.web_url}/healthz", timeout=TIMEOUT).json()
        return body

    def replicas_up(self) -> list[bool]:
        return [replica["up"] for replica in self.health()["rasa"]["replicas"]]

    def events(self, session: str) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.config.rasa_urls[0]}/conversations/{session}/tracker",
            params={"token": self.config.rasa_token},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()["events"]
        return events

    def stored_events(self, session: str) -> int:
        return int(self.postgres.query(f"select count(*) from events where sender_id = '{session}'"))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    scratch = tmp_path_factory.mktemp("replicas")
    with (
        private_postgres() as postgres,
        private_redis(scratch / "redis") as cache,
        pytest.MonkeyPatch.context() as environment,
    ):
        environment.setenv("NEWSBOT_TRACKER_DB", postgres.url)
        environment.setenv("NEWSBOT_REDIS_URL", cache.url)
        config = StackConfig(
            rasa_port=free_ports_in_a_row(2),
            web_port=free_port(),
            logs_dir=scratch / "logs",
            rasa_replicas=2,
            web_workers=2,
            web_env=(
                ("NEWSBOT_CLIENT_RATE_PER_MINUTE", "100000"),
                ("NEWSBOT_SESSION_RATE_PER_MINUTE", str(SESSION_LIMIT)),
            ),
        )
        with running_stack(config):
            yield Fleet(config, postgres, cache)


def test_replicas_need_the_shared_stores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NEWSBOT_TRACKER_DB", raising=False)
    monkeypatch.delenv("NEWSBOT_REDIS_URL", raising=False)
    config = StackConfig(rasa_port=free_ports_in_a_row(2), web_port=free_port(), logs_dir=tmp_path, rasa_replicas=2)
    with pytest.raises(StackError, match="set NEWSBOT_TRACKER_DB and NEWSBOT_REDIS_URL"), running_stack(config):
        pass
    monkeypatch.setenv("NEWSBOT_TRACKER_DB", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("NEWSBOT_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StackError, match=r"Redis at redis://127\.0\.0\.1:\d+/0 does not answer"), running_stack(config):
        pass


def test_health_lists_the_replicas_and_redis(fleet: Fleet) -> None:
    health = fleet.health()
    assert [replica["url"] for replica in health["rasa"]["replicas"]] == fleet.config.rasa_urls
    assert fleet.replicas_up() == [True, True]
    assert health["redis"]["ok"] is True


def test_a_killed_replica_hands_its_conversations_to_another(fleet: Fleet) -> None:
    sessions = [f"kill-{uuid.uuid4()}" for _ in range(6)]
    firsts = {session: fleet.turn(session, "How did Labour describe the meeting?") for session in sessions}
    assert all(turn.sources for turn in firsts.values())
    victim_url = rendezvous_order([Replica(url) for url in fleet.config.rasa_urls], sessions[0])[0].url
    victim_port = int(victim_url.rsplit(":", 1)[1])
    (victim,) = listening_pids(victim_port)
    os.kill(victim, signal.SIGKILL)
    # Gone, not dying: a process being killed may still take a connection into its backlog, and
    # the gateway must not resend a turn that may have reached it.
    wait_for(lambda: not answers(victim_port), "the replica did not die", 30)

    for session in sessions:  # every conversation goes on, its follow-up included
        follow_up = fleet.turn(session, "who said that?")
        assert any(speaker in follow_up.text for speaker in firsts[session].speakers), follow_up.text
    # The supervisor starts the killed replica again.
    wait_for(lambda: listening_pids(victim_port) and all(fleet.replicas_up()), "the replica did not come back", 240)


def test_two_turns_at_once_on_two_replicas_are_answered_in_order(fleet: Fleet) -> None:
    session = f"together-{uuid.uuid4()}"
    fleet.turn(session, "hello")
    headers = {"Authorization": f"Bearer {fleet.config.rasa_token}"}

    def send(url: str, message: str) -> httpx.Response:
        return httpx.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": session, "message": message},
            headers=headers,
            timeout=TIMEOUT,
        )

    questions = ["Who attended the meeting?", "What did Labour commit to?"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(send, fleet.config.rasa_urls, questions))
    assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
    assert all(answer.json() for answer in answers)

    events = fleet.events(session)
    users = [event["text"] for event in events if event["event"] == "user"]
    assert sorted(users) == sorted(["hello", *questions])
    # In order: each user message is handled to its action_listen before the next one starts.
    kinds = [event["event"] if event["event"] != "action" else event["name"] for event in events]
    user_positions = [index for index, kind in enumerate(kinds) if kind == "user"]
    for start, end in zip(user_positions, [*user_positions[1:], len(kinds)], strict=True):
        assert "action_listen" in kinds[start:end] and "bot" in kinds[start:end], kinds
    assert fleet.stored_events(session) == len(events)  # nothing lost on the way to the database


def test_the_web_workers_share_the_session_limit(fleet: Fleet) -> None:
    session = f"limits-{uuid.uuid4()}"
    statuses = []
    for _ in range(SESSION_LIMIT + 4):
        statuses.append(fleet.chat(session, "hello").status_code)
    # Counted per worker, two workers would let up to twice the limit through.
    assert statuses.count(200) == SESSION_LIMIT and statuses.count(429) == 4, statuses
    assert redis.Redis.from_url(fleet.redis.url).keys("newsbot:limits*")


def test_a_killed_web_worker_is_started_again(fleet: Fleet) -> None:
    pids = listening_pids(fleet.config.web_port)
    workers = sorted(pid for pid in pids if parent_pid(pid) in pids)
    assert len(pids) == 3 and len(workers) == 2  # uvicorn's manager and its two workers
    os.kill(workers[0], signal.SIGKILL)
    wait_for(lambda: len(listening_pids(fleet.config.web_port) - {workers[0]}) == 3, "no new worker", 180)
    assert httpx.post(f"{fleet.config.web_url}/api/ask", json={"question": "Who attended?"}, timeout=TIMEOUT).is_success


def test_a_database_restart_is_a_503_meanwhile_loses_nothing_and_is_over_when_it_is_back(fleet: Fleet) -> None:
    session = f"pg-{uuid.uuid4()}"
    first = fleet.turn(session, "Who attended the meeting?")
    stored = fleet.stored_events(session)
    fleet.postgres.stop()
    try:
        refused = fleet.chat(session, "where does it say that?")
        assert refused.status_code == 503, refused.text
        error = refused.json()["error"]
        assert error["code"] == "conversations_unavailable"
        assert "cannot reach its conversations' database" in error["message"]
        ask = httpx.post(f"{fleet.config.web_url}/api/ask", json={"question": "Who attended?"}, timeout=TIMEOUT)
        assert ask.status_code == 200 and ask.json()["sources"]
    finally:
        fleet.postgres.start()
    assert fleet.stored_events(session) == stored  # the refused turn left nothing half-stored

    # Back up, every replica answers its very next turn, though the connections it pooled before
    # the restart are dead: the read that meets one is tried again on a new connection.
    headers = {"Authorization": f"Bearer {fleet.config.rasa_token}"}
    for url in fleet.config.rasa_urls:
        response = httpx.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": f"probe-{uuid.uuid4()}", "message": "hello"},
            headers=headers,
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, (url, response.text)
    follow_up = fleet.turn(session, "where does it say that?")
    assert any(f"paragraph {paragraph}" in follow_up.text for paragraph in first.paragraphs), follow_up.text


def test_redis_down_is_a_clear_503_with_several_replicas(fleet: Fleet) -> None:
    port = fleet.redis.port
    fleet.redis.kill()
    try:
        refused = fleet.chat(f"redis-{uuid.uuid4()}", "hello")
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "locks_unavailable"
        assert "conversation locks (Redis)" in refused.json()["error"]["message"]
        assert fleet.health()["redis"]["ok"] is False
    finally:
        fleet.redis.port = port
        fleet.redis.start()
    wait_for(lambda: fleet.chat(f"back-{uuid.uuid4()}", "hello").status_code == 200, "no recovery after Redis", 60)


def test_one_replica_keeps_answering_without_redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with private_redis(tmp_path / "redis") as cache:
        monkeypatch.setenv("NEWSBOT_REDIS_URL", cache.url)
        monkeypatch.delenv("NEWSBOT_TRACKER_DB", raising=False)
        config = StackConfig(
            rasa_port=free_port(),
            web_port=free_port(),
            logs_dir=tmp_path / "logs",
            tracker_sqlite=tmp_path / "conversations.db",
        )
        with running_stack(config):
            cache.kill()
            reply = httpx.post(
                f"{config.web_url}/api/chat",
                json={"session_id": "alone-without-redis", "message": "Who attended?"},
                timeout=TIMEOUT,
            )
            assert reply.status_code == 200, reply.text
            assert BotTurn.of(reply.json()["messages"]).sources
            health = httpx.get(f"{config.web_url}/healthz", timeout=TIMEOUT).json()
            assert health["redis"]["ok"] is False and health["redis"]["error"]
