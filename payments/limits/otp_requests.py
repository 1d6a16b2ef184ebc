"""Where the abuse limits are counted: the database, or Redis.

Both OTP request back-ends implement :class:`OtpRequestLimiter`. The store
calls ``admit`` inside the database transaction that writes the new request's
transaction row, after the row is flushed and before anything is sent to
O'mari; ``admit`` either returns (the request counts) or raises
:class:`RequestLimitReached`, and the store rolls the row back, so a refused
request leaves nothing behind and O'mari is never called. Each limit counts
the requests of one key in its scope (payments/limits/policy.LimitScope): the
chat, the wallet number, the booking, or the whole merchant.

* :class:`DatabaseRequestLimiter` (the default) counts the key's rows in the
  window. On SQLite the insert already holds the database's one write lock,
  so racing requests are counted one after the other. PostgreSQL runs READ
  COMMITTED, where two racing transactions could each miss the other's
  uncommitted row and both pass; transaction-scoped advisory locks keyed on
  each counted key, taken in one order, make them take turns.
* :class:`RedisRequestLimiter` (RATE_LIMIT_REDIS_URL set) counts with the
  ``limits`` library's moving window in Redis, shared by every action server.
  Under short per-key Redis locks it first tests every limit and only then
  records the request in each, so a refusal records nothing.

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
import time
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from typing import Iterator, Mapping, Protocol, Sequence

import redis
from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from common.sender_ids import wallet_owner_chat
from payments.limits.policy import LimitScope, RequestLimit, RequestLimitReached
from payments.store.models import Booking, PaymentTransaction, utc_now

logger = logging.getLogger(__name__)

_NAMESPACE = "kali-safaris-otp-requests"
# A Redis that does not answer must not hold a customer's turn (nor SQLite's
# write lock, held while admit runs) for long before the fallback kicks in.
_REDIS_CONNECT_TIMEOUT_SECONDS = 1.0
_REDIS_TIMEOUT_SECONDS = 2.0
# A per-key lock lives at most this long if its holder dies mid-way.
_LOCK_SECONDS = 10.0
# The merchant scope has one key: every request counts against it.
MERCHANT_KEY = "all"

# What each scope's limit is counted against, one value per scope.
LimitKeys = Mapping[LimitScope, str]


class OtpRequestLimiter(Protocol):
    def admit(self, session: Session, keys: LimitKeys, limits: Sequence[RequestLimit]) -> None:
        """Count one more OTP request for ``keys``, or raise RequestLimitReached."""


def sender_lock_key(sender_id: str) -> int:
    """A stable signed 64-bit number for a key (Python's hash() changes per process)."""
    digest = hashlib.blake2b(sender_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _counted_keys(keys: LimitKeys, limits: Sequence[RequestLimit]) -> list[str]:
    """``scope:key`` of every limit that applies, sorted: locks are always taken in this order."""
    return sorted({_key(limit, keys) for limit in limits if limit.scope in keys})


def _applicable(keys: LimitKeys, limits: Sequence[RequestLimit]) -> list[RequestLimit]:
    return [limit for limit in limits if limit.scope in keys]


def _scope_filter(scope: LimitScope, keys: LimitKeys):
    """The rows one limit counts. A booking's limit counts one chat's requests on it (a stranger
    at that limit stops no one else); a wallet's counts every chat but the wallet owner's own,
    which the store leaves out of the wallet's limits altogether (payments/limits/policy.py)."""
    if scope is LimitScope.SENDER:
        return PaymentTransaction.sender_id == keys[LimitScope.SENDER]
    if scope is LimitScope.WALLET:
        msisdn = keys[LimitScope.WALLET]
        return and_(PaymentTransaction.msisdn == msisdn, PaymentTransaction.sender_id != wallet_owner_chat(msisdn))
    if scope is LimitScope.BOOKING:
        booking = select(Booking.id).where(Booking.reference == keys[LimitScope.BOOKING]).scalar_subquery()
        return and_(PaymentTransaction.booking_id == booking, PaymentTransaction.sender_id == keys[LimitScope.SENDER])
    return PaymentTransaction.id.isnot(None)


class DatabaseRequestLimiter:
    """Counts the transaction rows of each key; the new row is already in ``session``."""

    def admit(self, session: Session, keys: LimitKeys, limits: Sequence[RequestLimit]) -> None:
        applicable = _applicable(keys, limits)
        if not applicable:
            return
        if session.get_bind().dialect.name == "postgresql":
            # Released when the transaction ends: committed row or rolled-back refusal.
            for counted in _counted_keys(keys, applicable):
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": sender_lock_key(counted)})
        now = utc_now()
        for limit in applicable:
            recent, oldest = session.execute(
                select(func.count(), func.min(PaymentTransaction.created_at)).where(
                    _scope_filter(limit.scope, keys),
                    PaymentTransaction.created_at >= now - limit.window,
                )
            ).one()
            if recent > limit.count:  # the count includes the new row
                raise RequestLimitReached(limit, oldest + limit.window - now)


class RedisWindows:
    """Moving-window counters in Redis under one namespace, shared by every action server."""

    def __init__(self, redis_url: str, namespace: str) -> None:
        self._redis = redis.Redis.from_url(
            redis_url,
            socket_connect_timeout=_REDIS_CONNECT_TIMEOUT_SECONDS,
            socket_timeout=_REDIS_TIMEOUT_SECONDS,
        )
        # The limiter keeps only a weak reference to its storage: hold it here.
        self._storage = RedisStorage(redis_url, connection_pool=self._redis.connection_pool)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._namespace = namespace

    @contextmanager
    def locked(self, counted_keys: Sequence[str]) -> Iterator[None]:
        """Hold a short Redis lock on every key, taken in the given (sorted) order."""
        with ExitStack() as held:
            for counted in counted_keys:
                lock = self._redis.lock(
                    f"{self._namespace}:lock:{counted}", timeout=_LOCK_SECONDS, blocking_timeout=_LOCK_SECONDS
                )
                if not lock.acquire():
                    raise redis.exceptions.LockError("limit lock not acquired in time")
                held.callback(_release, lock)
            yield

    def refuse_if_full(self, limit: RequestLimit, key: str) -> None:
        """Raise RequestLimitReached if ``key`` has no request left under ``limit``."""
        item = _item(limit)
        if not self._limiter.test(item, self._namespace, key):
            reset_at, _ = self._limiter.get_window_stats(item, self._namespace, key)
            raise RequestLimitReached(limit, timedelta(seconds=max(0.0, reset_at - time.time())))

    def record(self, limit: RequestLimit, key: str) -> None:
        if not self._limiter.hit(_item(limit), self._namespace, key):
            self.refuse_if_full(limit, key)

    def remaining(self, limit: RequestLimit, key: str) -> int:
        return self._limiter.get_window_stats(_item(limit), self._namespace, key)[1]

    def close(self) -> None:
        self._redis.close()
        self._redis.connection_pool.disconnect()


def _release(lock: redis.lock.Lock) -> None:
    try:
        lock.release()
    except redis.exceptions.LockError:  # expired meanwhile; nothing left to release
        pass


class RedisRequestLimiter:
    """OTP request counts in Redis, shared by every action-server instance."""

    def __init__(self, redis_url: str, fallback: OtpRequestLimiter | None = None) -> None:
        self._windows = RedisWindows(redis_url, _NAMESPACE)
        self._fallback = fallback if fallback is not None else DatabaseRequestLimiter()

    def admit(self, session: Session, keys: LimitKeys, limits: Sequence[RequestLimit]) -> None:
        applicable = _applicable(keys, limits)
        if not applicable:
            return
        try:
            with self._windows.locked(_counted_keys(keys, applicable)):
                for limit in applicable:
                    self._windows.refuse_if_full(limit, _key(limit, keys))
                for limit in applicable:
                    # Cannot fail: every instance records under these keys' locks.
                    self._windows.record(limit, _key(limit, keys))
        except (redis.RedisError, OSError) as error:
            logger.warning(
                "Redis unreachable for OTP request limits (%s); counting this request in the database",
                type(error).__name__,
            )
            self._fallback.admit(session, keys, limits)

    def remaining(self, key: str, limit: RequestLimit) -> int:
        """Requests ``key`` (of the limit's scope) has left under ``limit`` now (for tests and ops)."""
        return self._windows.remaining(limit, f"{limit.scope.value}:{key}")

    def close(self) -> None:
        self._windows.close()


def _key(limit: RequestLimit, keys: LimitKeys) -> str:
    """Where one limit is counted; a booking's per chat, as in _scope_filter."""
    if limit.scope is LimitScope.BOOKING:
        return f"{limit.scope.value}:{keys[LimitScope.BOOKING]}:{keys[LimitScope.SENDER]}"
    return f"{limit.scope.value}:{keys[limit.scope]}"


def _item(limit: RequestLimit) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(limit.count, int(limit.window.total_seconds()))


def request_limiter(redis_url: str) -> OtpRequestLimiter:
    """The limiter RATE_LIMIT_REDIS_URL asks for: Redis when set, else the database."""
    return RedisRequestLimiter(redis_url) if redis_url else DatabaseRequestLimiter()
