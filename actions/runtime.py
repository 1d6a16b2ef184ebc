"""What the Rasa actions share at run time: the payment service and a thread pool.

rasa-sdk runs actions on one asyncio event loop. The payment service is
blocking (``requests`` and SQLAlchemy), so every call into it goes through
:func:`run_blocking`, which hands it to a bounded thread pool: one customer's
30-second O'mari call then never stalls another customer's turn.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

from actions.migrations import SchemaNotCurrent, require_current_schema
from actions.notification_outbox import NotificationOutbox
from actions.omari import OmariClient
from actions.lookup_limits import lookup_limiter
from actions.payments import PaymentPolicy, PaymentService
from actions.rate_limits import request_limiter
from actions.settings import Settings, load_settings
from actions.store import BookingStore

logger = logging.getLogger(__name__)

T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@functools.lru_cache(maxsize=1)
def _executor() -> ThreadPoolExecutor:
    """Bounded (PAYMENT_WORKERS) so a burst of slow O'mari calls cannot exhaust the database pool."""
    return ThreadPoolExecutor(max_workers=settings().payment_workers, thread_name_prefix="payments")


@functools.lru_cache(maxsize=1)
def payment_service() -> PaymentService:
    """Built on first use, not at import, so importing actions never touches the DB.

    The action server never migrates the database (several instances starting
    together would race): on an old schema this raises SchemaNotCurrent, and
    since a failed call is not cached, the next turn checks again, so the
    server works as soon as someone has run `python -m actions.ops migrate`.
    """
    config = settings()
    require_current_schema(config.database_url)
    store = BookingStore(
        config.database_url,
        pool_size=config.payment_workers,
        request_limiter=request_limiter(config.rate_limit_redis_url),
    )
    logger.info("payment service ready: %r", config)
    return PaymentService(
        store,
        OmariClient.from_settings(config),
        PaymentPolicy.from_settings(config),
        lookup_limiter(config.rate_limit_redis_url, store),
    )


@functools.lru_cache(maxsize=1)
def notification_outbox() -> NotificationOutbox:
    """The outbox the notice action claims rows in; a small pool of its own (one call per notice)."""
    config = settings()
    require_current_schema(config.database_url)
    return NotificationOutbox(BookingStore(config.database_url, pool_size=2))


async def run_blocking(function: Callable[..., T], *args, **kwargs) -> T:
    """Run a blocking call in the worker pool and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(function, *args, **kwargs))


class ServiceFailure(Exception):
    """The payment service raised; the details are in the action server's log.

    Actions turn this into a short apology: a customer never sees an
    exception's text, which may carry URLs or SQL.
    """


def _call_service(method: str, *args, **kwargs):
    """Build the service if needed and call ``method`` on it, in one worker-thread hop."""
    return getattr(payment_service(), method)(*args, **kwargs)


async def call_payments(method: str, *args, **kwargs):
    """Call a PaymentService method off the loop, raising only ServiceFailure."""
    try:
        # One hand-off to the pool per call: the service is built (once) on the
        # same worker thread that then runs the method.
        return await run_blocking(_call_service, method, *args, **kwargs)
    except SchemaNotCurrent as error:
        # An operator's mistake, not a bug: one clear line, no traceback.
        logger.error("payment service unavailable: %s", error)
        raise ServiceFailure(method) from error
    except Exception as error:  # noqa: BLE001 - anything at all must become a polite reply
        logger.exception("payment service call %s failed", method)
        raise ServiceFailure(method) from error
