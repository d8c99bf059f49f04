"""The conversation locks (bot/addons/lock_store.py) in the Rasa environment, on a private
redis-server: four stores (four replicas) issuing 200 tickets of one conversation at once hand out
200 different numbers, and a lock is removed only when no one waits on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from faults import private_redis
from rasa_support import last_json_line, run_in_rasa

from newsbot.serving.supervisor import RASA, rasa_command_env

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

TICKETS = """
import json, sys, threading
from addons.lock_store import EnvLockStore

stores = [EnvLockStore() for _ in range(4)]
tickets = []
def issue(store):
    for _ in range(50):
        tickets.append(store.issue_ticket("conversation", 600))
threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
for thread in threads: thread.start()
for thread in threads: thread.join()

# Each finishes its turn in order; the lock goes with the last one.
waiting = []
for number in sorted(tickets):
    stores[number % 4].cleanup("conversation", number)
    waiting.append(stores[0].get_lock("conversation") is not None)
print(json.dumps({"tickets": tickets, "waiting": waiting}))
"""


def run(script: str, env: dict[str, str]) -> dict[str, list[int]]:
    result: dict[str, list[int]] = last_json_line(run_in_rasa(script, env=env))
    return result


def test_four_replicas_issue_200_distinct_tickets(tmp_path: Path) -> None:
    with private_redis(tmp_path / "redis") as cache:
        env = {**rasa_command_env(), "NEWSBOT_LOCK_STORE_URL": cache.url}
        result = run(TICKETS, env)
    assert sorted(result["tickets"]) == list(range(200))
    assert result["waiting"] == [True] * 199 + [False]


def test_without_a_url_the_locks_stay_in_the_process(tmp_path: Path) -> None:
    env = rasa_command_env()
    env.pop("NEWSBOT_LOCK_STORE_URL", None)
    result = run(TICKETS, env)
    # Four stores in one process, each its own memory: each counts from 0, none sees the others.
    assert sorted(result["tickets"]) == sorted(list(range(50)) * 4)
