"""What several Rasa replicas need before they start: the conversations in one SQL database
(NEWSBOT_TRACKER_DB) and the conversation locks in Redis (NEWSBOT_REDIS_URL), both answering."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import redis

from newsbot.serving.supervisor import StackConfig, StackError
from newsbot.web.shared_state import redacted

CHECK_SECONDS = 3.0
DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "mysql": 3306, "mssql": 1433, "oracle": 1521}


def check_shared_stores(config: StackConfig) -> None:
    """StackError with a clear message when the replicas' shared stores are not set or do not answer."""
    if not config.shared_conversations:
        return
    tracker_db = os.environ.get("NEWSBOT_TRACKER_DB", "").strip()
    redis_url = os.environ.get("NEWSBOT_REDIS_URL", "").strip()
    why = f"{config.rasa_replicas} Rasa replicas" if config.role != "rasa" else "Rasa on its own machine (--role rasa)"
    missing = [
        name for name, value in (("NEWSBOT_TRACKER_DB", tracker_db), ("NEWSBOT_REDIS_URL", redis_url)) if not value
    ]
    if missing:
        raise StackError(
            f"{why} share the conversations: set {' and '.join(missing)} (for example "
            "NEWSBOT_TRACKER_DB=postgresql://postgres@127.0.0.1:5432/newsbot, "
            "NEWSBOT_REDIS_URL=redis://127.0.0.1:6379/0), or run one replica"
        )
    check_database(tracker_db)
    check_redis(redis_url)


def check_database(url: str) -> None:
    """The database's server accepts connections (the Rasa environment holds its driver)."""
    parts = urlsplit(url)
    dialect = parts.scheme.split("+")[0]
    if dialect == "sqlite":
        raise StackError(f"NEWSBOT_TRACKER_DB is SQLite ({url}): replicas need a database server such as PostgreSQL")
    host, port = parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORTS.get(dialect, 5432)
    try:
        with socket.create_connection((host, port), timeout=CHECK_SECONDS):
            pass
    except OSError as error:
        raise StackError(f"the conversations' database at {redacted(url)} does not answer ({error})") from None


def check_redis(url: str) -> None:
    try:
        client = redis.Redis.from_url(url, socket_timeout=CHECK_SECONDS, socket_connect_timeout=CHECK_SECONDS)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as error:
        raise StackError(f"Redis at {redacted(url)} does not answer ({error})") from None
