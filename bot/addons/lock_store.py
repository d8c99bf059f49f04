"""Rasa's ticket locks, which keep one conversation's turns in order: in this process, or in Redis
when several Rasa servers share the conversations.

NEWSBOT_LOCK_STORE_URL (a redis:// URL; `newsbot serve` sets it to NEWSBOT_REDIS_URL when it
runs more than one replica) puts the locks in Redis; unset, they live in this process, so a single
Rasa server keeps answering when Redis is down.

Rasa's own RedisLockStore reads a lock, changes it and writes it back in three commands: two
replicas issuing tickets at once can both read the same lock and hand out the same number (and
one turn then overtakes the other). Here each change of a lock is one Redis transaction
(WATCH/MULTI/EXEC, retried when another replica changed the lock meanwhile), and the in-process
store changes a lock without awaiting in between, which the event loop makes atomic.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore

logger = logging.getLogger(__name__)

KEY_PREFIX = "newsbot:lock:"
SOCKET_TIMEOUT_SECONDS = 2.0
Result = TypeVar("Result")
# A change of a lock: what it returns, and the lock to keep (None: delete it).
Change = Callable[[TicketLock | None], tuple[Result, TicketLock | None]]


class EnvLockStore(LockStore):
    def __init__(self, endpoint_config: Any = None, **_: Any) -> None:
        url = os.environ.get("NEWSBOT_LOCK_STORE_URL", "").strip()
        self.prefix = os.environ.get("NEWSBOT_LOCK_KEY_PREFIX", KEY_PREFIX)
        self.red: redis.Redis | None = None
        self.memory: dict[str, str] = {}
        if url:
            self.red = redis.Redis.from_url(
                url, socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS
            )
            logger.info(
                "conversation locks are kept in Redis (%s)", self.red.connection_pool.connection_kwargs.get("host")
            )
        else:
            logger.info("conversation locks are kept in this process")
        super().__init__()

    # --- storage -------------------------------------------------------------------------------

    def _read(self, raw: bytes | str | None) -> TicketLock | None:
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        key = self.prefix + conversation_id
        return self._read(self.red.get(key) if self.red is not None else self.memory.get(key))

    def save_lock(self, lock: TicketLock) -> None:
        self._change(lock.conversation_id, lambda _: (None, lock))

    def delete_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda _: (None, None))

    def _change(self, conversation_id: str, change: Change[Result]) -> Result:
        """Apply `change` to the stored lock as one step, even against other Rasa servers."""
        key = self.prefix + conversation_id
        if self.red is None:
            result, lock = change(self._read(self.memory.get(key)))
            if lock is None:
                self.memory.pop(key, None)
            else:
                self.memory[key] = lock.dumps()
            return result

        def transaction(pipe: Any) -> Result:
            result, lock = change(self._read(pipe.get(key)))
            pipe.multi()
            if lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, lock.dumps())
            return result

        outcome: Result = self.red.transaction(transaction, key, value_from_callable=True)
        return outcome

    # --- the base class's read-change-write steps, each made one change -----------------------

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        def issue(lock: TicketLock | None) -> tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"the conversation locks cannot be reached: {error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock when no one else waits: in one step, so a ticket another
        server issued in between is never deleted with it."""

        def finish_and_tidy(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, lock if lock.is_someone_waiting() else None

        self._change(conversation_id, finish_and_tidy)
