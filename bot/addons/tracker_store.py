"""Conversations kept in SQL: a SQLite file by default, any SQLAlchemy URL from the environment.

NEWSBOT_TRACKER_DB, e.g. postgresql://user@127.0.0.1:5432/newsbot; unset, the SQLite file
NEWSBOT_TRACKER_SQLITE (default: .data/conversations.db under the project).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine.url import make_url

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = PROJECT_ROOT / ".data" / "conversations.db"


class EnvSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, event_broker: Any = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's (absent) url as host: the environment decides
        url = os.environ.get("NEWSBOT_TRACKER_DB", "").strip()
        if url:
            parsed = make_url(url)
            dialect = parsed.drivername
            settings = {
                "host": parsed.host,
                "port": parsed.port,
                "db": parsed.database,
                "username": parsed.username,
                "password": parsed.password,
            }
        else:
            sqlite_file = Path(os.environ.get("NEWSBOT_TRACKER_SQLITE", DEFAULT_SQLITE))
            sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            dialect = "sqlite"
            settings = {"db": str(sqlite_file)}
        logger.info("conversations are kept in %s (%s)", dialect, settings.get("host") or settings["db"])
        super().__init__(domain=domain, dialect=dialect, event_broker=event_broker, **settings, **kwargs)
