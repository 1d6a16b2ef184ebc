"""Where the per-sender OTP request limits are counted: the database, or Redis.

Both back-ends implement :class:`OtpRequestLimiter`. The store calls
``admit`` inside the database transaction that writes the new request's
transaction row, after the row is flushed and before anything is sent to
O'mari; ``admit`` either returns (the request counts) or raises
:class:`RequestLimitReached`, and the store rolls the row back, so a refused
request leaves nothing behind and O'mari is never called.

* :class:`DatabaseRequestLimiter` (the default) counts the sender's rows in
  the window. On SQLite the insert already holds the database's one write
  lock, so racing requests are counted one after the other. PostgreSQL runs
  READ COMMITTED, where two racing transactions could each miss the other's
  uncommitted row and both pass; a transaction-scoped advisory lock keyed on
  the sender makes them take turns (other senders are not held up).
* :class:`RedisRequestLimiter` (RATE_LIMIT_REDIS_URL set) counts with the
  ``limits`` library's moving window in Redis, shared by every action server.
  Under a short per-sender Redis lock it first tests every limit and only
  then records the request in each, so a refusal records nothing.

If Redis cannot be reached, the Redis limiter falls back to the database count
for that request and logs a warning. The database holds a row for every
request either back-end admitted, so the fallback enforces the same limit;
payments keep working and the limit still holds while Redis is away. (Refusing
everyone would stop all payments; admitting everyone would open the door the
limit exists to close.)
"""
from __future__ import annotations

import hashlib
import logging
from typing import Protocol, Sequence

import redis
from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from actions.abuse_limits import RequestLimit, RequestLimitReached
from actions.models import PaymentTransaction, utc_now

logger = logging.getLogger(__name__)

_NAMESPACE = "kali-safaris-otp-requests"
# A Redis that does not answer must not hold a customer's turn (nor SQLite's
# write lock, held while admit runs) for long before the fallback kicks in.
_REDIS_CONNECT_TIMEOUT_SECONDS = 1.0
_REDIS_TIMEOUT_SECONDS = 2.0
# The per-sender lock lives at most this long if its holder dies mid-way.
_LOCK_SECONDS = 10.0


class OtpRequestLimiter(Protocol):
    def admit(self, session: Session, sender_id: str, limits: Sequence[RequestLimit]) -> None:
        """Count one more OTP request from ``sender_id``, or raise RequestLimitReached."""


def sender_lock_key(sender_id: str) -> int:
    """A stable signed 64-bit number for the sender (Python's hash() changes per process)."""
    digest = hashlib.blake2b(sender_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class DatabaseRequestLimiter:
    """Counts the sender's transaction rows; the new row is already in ``session``."""

    def admit(self, session: Session, sender_id: str, limits: Sequence[RequestLimit]) -> None:
        if not limits:
            return
        if session.get_bind().dialect.name == "postgresql":
            # Released when the transaction ends: committed row or rolled-back refusal.
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": sender_lock_key(sender_id)})
        for limit in limits:
            recent = session.execute(
                select(func.count())
                .select_from(PaymentTransaction)
                .where(
                    PaymentTransaction.sender_id == sender_id,
                    PaymentTransaction.created_at >= utc_now() - limit.window,
                )
            ).scalar_one()
            if recent > limit.count:  # the count includes the new row
                raise RequestLimitReached(limit)


class RedisRequestLimiter:
    """Moving-window counts in Redis, shared by every action-server instance."""

    def __init__(self, redis_url: str, fallback: OtpRequestLimiter | None = None) -> None:
        self._redis = redis.Redis.from_url(
            redis_url,
            socket_connect_timeout=_REDIS_CONNECT_TIMEOUT_SECONDS,
            socket_timeout=_REDIS_TIMEOUT_SECONDS,
        )
        # The limiter keeps only a weak reference to its storage: hold it here.
        self._storage = RedisStorage(redis_url, connection_pool=self._redis.connection_pool)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._fallback = fallback if fallback is not None else DatabaseRequestLimiter()

    def admit(self, session: Session, sender_id: str, limits: Sequence[RequestLimit]) -> None:
        if not limits:
            return
        try:
            self._admit(sender_id, limits)
        except (redis.RedisError, OSError) as error:
            logger.warning(
                "Redis unreachable for OTP request limits (%s); counting this request in the database",
                type(error).__name__,
            )
            self._fallback.admit(session, sender_id, limits)

    def _admit(self, sender_id: str, limits: Sequence[RequestLimit]) -> None:
        items = [(limit, _item(limit)) for limit in limits]
        lock = self._redis.lock(
            f"{_NAMESPACE}:lock:{sender_id}", timeout=_LOCK_SECONDS, blocking_timeout=_LOCK_SECONDS
        )
        if not lock.acquire():
            raise redis.exceptions.LockError("per-sender OTP request lock not acquired in time")
        try:
            for limit, item in items:
                if not self._limiter.test(item, _NAMESPACE, sender_id):
                    raise RequestLimitReached(limit)
            for limit, item in items:
                # Cannot fail: every instance records under this sender's lock.
                if not self._limiter.hit(item, _NAMESPACE, sender_id):
                    raise RequestLimitReached(limit)
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:  # expired meanwhile; nothing left to release
                pass

    def remaining(self, sender_id: str, limit: RequestLimit) -> int:
        """Requests the sender has left under ``limit`` now (for tests and ops)."""
        return self._limiter.get_window_stats(_item(limit), _NAMESPACE, sender_id)[1]

    def close(self) -> None:
        self._redis.close()
        self._redis.connection_pool.disconnect()


def _item(limit: RequestLimit) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(limit.count, int(limit.window.total_seconds()))


def request_limiter(redis_url: str) -> OtpRequestLimiter:
    """The limiter RATE_LIMIT_REDIS_URL asks for: Redis when set, else the database."""
    return RedisRequestLimiter(redis_url) if redis_url else DatabaseRequestLimiter()
