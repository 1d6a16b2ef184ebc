"""Answer each WhatsApp message once, however often Meta redelivers it.

Meta retries a notification that did not get a 200 and says duplicates happen
anyway, so every message id is claimed before the turn runs. One Rasa process
keeps the claims in a bounded in-memory map (TTL and a size cap, oldest out
first); several processes behind a load balancer share them in Redis with
``SET key 1 NX EX ttl``, which only one caller can win.
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Callable, Optional, Protocol, Union

logger = logging.getLogger(__name__)

REDIS_KEY_PREFIX = "whatsapp:seen:"


class MemoryDeduplicator:
    """Claims held in this process: bounded by ``max_entries`` and ``ttl_seconds``."""

    def __init__(self, ttl_seconds: int, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._seen: "OrderedDict[str, float]" = OrderedDict()  # message id -> expiry, oldest first

    def __len__(self) -> int:
        return len(self._seen)

    async def claim(self, message_id: str) -> bool:
        """True the first time ``message_id`` is seen (within the TTL), False after."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) <= now:
            self._seen.popitem(last=False)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now + self._ttl
        while len(self._seen) > self._max_entries:
            self._seen.popitem(last=False)
        return True

    async def close(self) -> None:
        return None


class RedisDeduplicator:
    """Claims shared by every Rasa instance through Redis (the lock store's, typically)."""

    def __init__(self, url: str, ttl_seconds: int) -> None:
        import redis.asyncio as redis_asyncio  # rasa depends on redis; imported only when used

        self._redis = redis_asyncio.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._ttl = ttl_seconds

    async def claim(self, message_id: str) -> bool:
        """True for the one caller whose SET NX succeeded.

        When Redis cannot be reached the message is answered (logged): a rare
        double answer beats a customer who is never answered.
        """
        try:
            return bool(await self._redis.set(REDIS_KEY_PREFIX + message_id, b"1", nx=True, ex=self._ttl))
        except Exception as error:  # noqa: BLE001 - any Redis failure must not drop the message
            logger.error(
                "WhatsApp dedup: Redis unavailable (%s); answering without deduplication", type(error).__name__
            )
            return True

    async def close(self) -> None:
        await self._redis.close()


class Deduplicator(Protocol):
    async def claim(self, message_id: str) -> bool: ...

    async def close(self) -> None: ...


def make_deduplicator(
    redis_url: Optional[str], ttl_seconds: int, max_entries: int
) -> Union[MemoryDeduplicator, RedisDeduplicator]:
    """Redis when a URL is configured, else the in-memory map."""
    if redis_url:
        return RedisDeduplicator(redis_url, ttl_seconds)
    return MemoryDeduplicator(ttl_seconds, max_entries)
