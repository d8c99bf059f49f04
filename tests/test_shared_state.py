"""Rate limits and Slack's delivery memory shared through Redis: on the machine's Redis under a key
prefix of each test's own, and on a private redis-server that the tests kill and start again."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from conftest import AppFactory
from faults import PrivateRedis

from newsbot.web import shared_state
from newsbot.web.shared_state import RedisDeliveryMemory, RedisStatus, redacted

SHARED_REDIS = "redis://127.0.0.1:6379/13"
QUESTION = {"q": "What did Labour commit to?"}


@pytest.fixture
def prefix() -> Iterator[str]:
    """Keys of this test only; removed afterwards."""
    name = f"newsbot-test-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(SHARED_REDIS)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def test_two_apps_share_the_per_address_limit(make_client: AppFactory, prefix: str) -> None:
    settings = {"redis_url": SHARED_REDIS, "redis_prefix": prefix, "client_rate_per_minute": 3}
    first, second = make_client(**settings), make_client(**settings)
    statuses = [client.get("/api/search", params=QUESTION).status_code for client in (first, second, first)]
    assert statuses == [200, 200, 200]
    refused = second.get("/api/search", params=QUESTION)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"
    health = first.get("/healthz").json()["redis"]
    assert health == {"configured": True, "url": SHARED_REDIS, "ok": True, "error": None}


def test_without_redis_each_app_counts_alone(make_client: AppFactory) -> None:
    first, second = make_client(client_rate_per_minute=2), make_client(client_rate_per_minute=2)
    for client in (first, second):
        assert [client.get("/api/search", params=QUESTION).status_code for _ in range(3)] == [200, 200, 429]
    assert first.get("/healthz").json()["redis"]["configured"] is False


def test_a_slack_delivery_is_first_once_across_workers(prefix: str) -> None:
    async def deliveries() -> list[bool]:
        memories = [RedisDeliveryMemory(RedisStatus(SHARED_REDIS), prefix) for _ in range(2)]
        try:
            # Ten workers at once, five deliveries each of the same event: one is first.
            same = [memories[i % 2].first_delivery("Ev123") for i in range(10)]
            firsts = await asyncio.gather(*same)
            return [*firsts, await memories[0].first_delivery("Ev456")]
        finally:
            for memory in memories:
                await memory.close()

    results = asyncio.run(deliveries())
    assert results[:10].count(True) == 1
    assert results[10] is True
    ttl = redis.Redis.from_url(SHARED_REDIS).ttl(f"{prefix}:slack:Ev123")
    assert 3500 < ttl <= 3600


def test_redis_down_falls_back_to_process_memory_and_recovers(
    make_client: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(shared_state, "RETRY_SECONDS", 0.5)
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        client = make_client(redis_url=server.url, client_rate_per_minute=100)
        assert client.get("/api/search", params=QUESTION).status_code == 200
        assert redis.Redis.from_url(server.url).keys("newsbot:limits*")  # counted in Redis
        port = server.port
        server.kill()

        caplog.set_level(logging.ERROR, logger="newsbot.web.shared_state")
        for _ in range(5):
            assert client.get("/api/search", params=QUESTION).status_code == 200
        outage_logs = [record for record in caplog.records if "does not answer" in record.getMessage()]
        assert len(outage_logs) == 1  # logged once, not per request
        health = client.get("/healthz").json()["redis"]
        assert health["configured"] is True and health["ok"] is False
        assert "Connection" in health["error"] or "connect" in health["error"].lower()

        server.port = port
        server.start()
        asyncio.run(asyncio.sleep(0.6))
        assert client.get("/api/search", params=QUESTION).status_code == 200
        assert client.get("/healthz").json()["redis"]["ok"] is True
    finally:
        server.kill()


def test_the_password_never_shows() -> None:
    assert redacted("redis://:secret@cache.example.org:6379/2") == "redis://:***@cache.example.org:6379/2"
    assert redacted("redis://user:secret@cache:6379/0") == "redis://user:***@cache:6379/0"
    assert redacted("redis://cache:6379/0") == "redis://cache:6379/0"
