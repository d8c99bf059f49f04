"""What the web app's workers share through Redis (NEWSBOT_REDIS_URL): the rate limits and Slack's
delivery memory. Without Redis, or while it does not answer, each process keeps them itself.

The limits are the `limits` library's moving windows (its Redis storage runs one Lua script per
hit, so workers never count past a limit together); the delivery memory is one `SET NX EX`.
A Redis failure is logged once, reported in /healthz, and the process falls back to its own
memory until Redis answers again (tried again every RETRY_SECONDS).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import redis.asyncio as redis
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError

from newsbot.web.deliveries import DEFAULT_SECONDS, LocalDeliveryMemory

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
TIMEOUT_SECONDS = 1.0  # a Redis that does not answer within this is taken for down


def redacted(url: str) -> str:
    """The URL without its password, for logs and /healthz."""
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + ':***' if ':' in credentials else credentials}@{host}"


@dataclass
class RedisStatus:
    """Whether Redis answered this process the last time it was asked."""

    url: str | None
    error: str | None = None
    failed_at: float | None = None  # monotonic time of the failure that began the current outage

    @property
    def configured(self) -> bool:
        return self.url is not None

    def usable(self) -> bool:
        """Try Redis: it is configured and either answers or was last tried long enough ago."""
        if self.url is None:
            return False
        return self.failed_at is None or time.monotonic() - self.failed_at >= RETRY_SECONDS

    def failed(self, error: BaseException) -> None:
        if self.error is None:
            logger.error(
                "Redis at %s does not answer (%s): limits and Slack's delivery memory are kept in this "
                "process until it does",
                redacted(self.url or ""),
                error,
            )
        self.error = f"{type(error).__name__}: {error}"
        self.failed_at = time.monotonic()

    def answered(self) -> None:
        if self.error is not None:
            logger.warning("Redis at %s answers again: limits are shared again", redacted(self.url or ""))
        self.error = None
        self.failed_at = None

    def health(self) -> dict[str, object]:
        return {
            "configured": self.configured,
            "url": redacted(self.url) if self.url else None,
            "ok": self.configured and self.error is None,
            "error": self.error,
        }


def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)


class RateLimiter:
    """At most `per_minute` hits per key in any minute; `check` says how many seconds to wait
    (0: the request may go, and was counted)."""

    def __init__(self, name: str, per_minute: int, status: RedisStatus, prefix: str = "newsbot") -> None:
        self.name = name
        self.item = RateLimitItemPerMinute(per_minute)
        self.status = status
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if status.url is not None:
            storage: Storage = RedisStorage(
                status.url,
                implementation="redispy",
                key_prefix=f"{prefix}:limits",
                wrap_exceptions=True,
                socket_timeout=TIMEOUT_SECONDS,
                socket_connect_timeout=TIMEOUT_SECONDS,
            )
            self._shared = MovingWindowRateLimiter(storage)

    async def check(self, key: str) -> int:
        if self._shared is not None and self.status.usable():
            try:
                wait = await self._check(self._shared, key)
            except (StorageError, RedisError, OSError) as error:
                self.status.failed(error)
            else:
                self.status.answered()
                return wait
        return await self._check(self._local, key)

    async def _check(self, limiter: MovingWindowRateLimiter, key: str) -> int:
        if await limiter.hit(self.item, self.name, key):
            return 0
        stats = await limiter.get_window_stats(self.item, self.name, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


class RedisDeliveryMemory:
    """Slack's deliveries taken by any worker: `SET <prefix>:slack:<key> 1 NX EX <seconds>` is true
    for the first caller only. While Redis does not answer, this process's own memory."""

    def __init__(self, status: RedisStatus, prefix: str = "newsbot", seconds: int = DEFAULT_SECONDS) -> None:
        if status.url is None:
            raise ValueError("RedisDeliveryMemory needs a Redis URL")
        self.status = status
        self.prefix = prefix
        self.seconds = seconds
        self._client = _redis_client(status.url)
        self._local = LocalDeliveryMemory(seconds=seconds)

    async def first_delivery(self, key: str) -> bool:
        if self.status.usable():
            try:
                first = await self._client.set(f"{self.prefix}:slack:{key}", 1, nx=True, ex=self.seconds)
            except (RedisError, OSError) as error:
                self.status.failed(error)
            else:
                self.status.answered()
                return bool(first)
        return await self._local.first_delivery(key)

    async def close(self) -> None:
        await self._client.aclose()
