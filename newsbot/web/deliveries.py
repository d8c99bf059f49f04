"""Which deliveries were already taken: Slack delivers a message again when it thinks it was not
received (a retry), and one message can come both as `message` and as `app_mention`.

`DeliveryMemory` is the interface the Slack connector uses. `LocalDeliveryMemory` keeps it in this
process, which is enough for one web worker; several workers share one in Redis
(`newsbot.web.shared_state.RedisDeliveryMemory`: `SET <prefix>:slack:<key> 1 NX EX <seconds>`, true
only for the first caller), which falls back to this one while Redis does not answer.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

# Slack retries three times within about five minutes: an hour is far more than enough.
DEFAULT_SECONDS = 3600
DEFAULT_MAX_KEYS = 100_000


class DeliveryMemory(Protocol):
    async def first_delivery(self, key: str) -> bool:
        """True the first time `key` is given (within the memory's time span), False after; the
        check and the remembering are one step, so two concurrent deliveries cannot both be first."""
        ...


class LocalDeliveryMemory:
    """In this process: each key for `seconds`, at most `max_keys` (the oldest forgotten first)."""

    def __init__(
        self,
        seconds: float = DEFAULT_SECONDS,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.max_keys = max_keys
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()  # oldest first

    async def first_delivery(self, key: str) -> bool:
        # No await in here: on the event loop, the check and the remembering cannot interleave.
        now = self._clock()
        while self._expiry and next(iter(self._expiry.values())) <= now:
            self._expiry.popitem(last=False)
        if key in self._expiry:
            return False
        self._expiry[key] = now + self.seconds
        while len(self._expiry) > self.max_keys:
            self._expiry.popitem(last=False)
        return True
