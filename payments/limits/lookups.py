"""Unknown booking references per chat: where they are counted, to stop enumeration.

Anyone who can chat can type references until one is a real booking (and see
its tour, balance and initials). After ``limit.count`` unknown references in
the limit's window, a chat's lookups are refused until the oldest miss leaves
the window; the assistant offers a person meanwhile.

* :class:`DatabaseLookupLimiter` (the default) keeps one row per miss in
  ``booking_lookup_misses`` (who and when, not the reference typed).
* :class:`RedisLookupLimiter` (RATE_LIMIT_REDIS_URL set) counts in a Redis
  moving window shared by every action server; when Redis cannot be reached
  it counts in the database for that call and logs a warning, as the OTP
  request limits do.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

import redis

from payments.limits.policy import RequestLimit, RequestLimitReached
from payments.store.models import utc_now
from payments.limits.otp_requests import RedisWindows
from payments.store.repository import BookingStore

logger = logging.getLogger(__name__)

_NAMESPACE = "kali-safaris-booking-lookups"


class BookingLookupLimiter(Protocol):
    def refuse_if_locked_out(self, sender_id: str, limit: RequestLimit) -> None:
        """Raise RequestLimitReached while ``sender_id`` has used up ``limit``'s unknown references."""

    def record_miss(self, sender_id: str, limit: RequestLimit) -> None:
        """Count one unknown reference from ``sender_id``."""


class DatabaseLookupLimiter:
    def __init__(self, store: BookingStore) -> None:
        self._store = store

    def refuse_if_locked_out(self, sender_id: str, limit: RequestLimit) -> None:
        now = utc_now()
        count, oldest = self._store.lookup_misses(sender_id, now - limit.window)
        if count >= limit.count and oldest is not None:
            raise RequestLimitReached(limit, max(oldest + limit.window - now, timedelta(0)))

    def record_miss(self, sender_id: str, limit: RequestLimit) -> None:
        self._store.record_lookup_miss(sender_id)


class RedisLookupLimiter:
    def __init__(self, redis_url: str, fallback: BookingLookupLimiter) -> None:
        self._windows = RedisWindows(redis_url, _NAMESPACE)
        self._fallback = fallback

    def refuse_if_locked_out(self, sender_id: str, limit: RequestLimit) -> None:
        try:
            self._windows.refuse_if_full(limit, sender_id)
        except (redis.RedisError, OSError) as error:
            _warn(error)
            self._fallback.refuse_if_locked_out(sender_id, limit)

    def record_miss(self, sender_id: str, limit: RequestLimit) -> None:
        try:
            self._windows.record(limit, sender_id)
        except RequestLimitReached:
            pass  # already locked out: nothing more to count
        except (redis.RedisError, OSError) as error:
            _warn(error)
            self._fallback.record_miss(sender_id, limit)

    def close(self) -> None:
        self._windows.close()


def _warn(error: Exception) -> None:
    logger.warning(
        "Redis unreachable for booking lookup limits (%s); counting in the database", type(error).__name__
    )


def lookup_limiter(redis_url: str, store: BookingStore) -> BookingLookupLimiter:
    """The limiter RATE_LIMIT_REDIS_URL asks for: Redis when set, else the database."""
    database = DatabaseLookupLimiter(store)
    return RedisLookupLimiter(redis_url, database) if redis_url else database
