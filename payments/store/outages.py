"""Which errors mean the booking database or Redis is down, rather than a bug.

Only the backend knows it talks to SQLAlchemy and redis-py; callers (the
actions' bridge) ask this instead of catching those libraries' exceptions.
"""
from __future__ import annotations

import redis.exceptions as redis_exc
from sqlalchemy import exc as sa_exc

# What a store being down looks like from SQLAlchemy and redis-py.
_OUTAGE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                  sa_exc.TimeoutError, redis_exc.ConnectionError, redis_exc.TimeoutError)


def is_store_outage(error: BaseException) -> bool:
    """True when ``error`` says a store did not answer, so a retry later may succeed."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _OUTAGE_ERRORS)
