"""How the backend is put together from the settings, in one place.

The action server and the ops CLI both need a payment service over the
booking store and the O'mari client; building it here keeps them from
importing the client or the repository's internals themselves (the layering
contract in ``.importlinter``).
"""
from __future__ import annotations

import logging
from typing import Optional

from payments.limits.lookups import BookingLookupLimiter, lookup_limiter
from payments.limits.otp_requests import request_limiter
from payments.notifications.outbox import NotificationOutbox
from payments.omari import OmariClient
from payments.outcomes import PaymentPolicy
from payments.service import PaymentService
from payments.settings import Settings
from payments.store.migrations import require_current_schema
from payments.store.repository import BookingStore

logger = logging.getLogger(__name__)


def payment_service(
    store: BookingStore, settings: Settings, lookups: Optional[BookingLookupLimiter] = None
) -> PaymentService:
    """The service over ``store``, talking to the O'mari the settings name, with their policy."""
    return PaymentService(store, OmariClient.from_settings(settings), PaymentPolicy.from_settings(settings), lookups)


def action_server_payment_service(settings: Settings) -> PaymentService:
    """The action server's service: a pool sized to its workers, and the limiters the settings ask for.

    The action server never migrates the database (several instances starting
    together would race): on an old schema this raises SchemaNotCurrent.
    """
    require_current_schema(settings.database_url)
    store = BookingStore(
        settings.database_url,
        pool_size=settings.payment_workers,
        request_limiter=request_limiter(settings.rate_limit_redis_url),
    )
    logger.info("payment service ready: %r", settings)
    return payment_service(store, settings, lookup_limiter(settings.rate_limit_redis_url, store))


def action_server_outbox(settings: Settings) -> NotificationOutbox:
    """The outbox the notice action claims rows in; a small pool of its own (one call per notice)."""
    require_current_schema(settings.database_url)
    return NotificationOutbox(BookingStore(settings.database_url, pool_size=2))
