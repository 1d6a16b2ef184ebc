"""What the Rasa actions share at run time: the payment service and a thread pool.

rasa-sdk runs actions on one asyncio event loop. The payment service is
blocking (``requests`` and SQLAlchemy), so every call into it goes through
:func:`run_blocking`, which hands it to a bounded thread pool: one customer's
30-second O'mari call then never stalls another customer's turn.

Actions name the service method itself, ``await call_payments(PaymentService.look_up_booking, tracker.sender_id, key)``,
never its name as a string: the type checker then sees every call's arguments
and result, and a misspelt method fails a test instead of becoming an apology.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Concatenate, ParamSpec, TypeVar

from common.outages import OutageBurst
from payments.assembly import action_server_outbox, action_server_payment_service
from payments.notifications.outbox import NotificationOutbox
from payments.service import PaymentService
from payments.settings import Settings, load_settings
from payments.store.migrations import SchemaNotCurrent
from payments.store.outages import is_store_outage

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")


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
    server works as soon as someone has run `python -m payments.ops migrate`.
    """
    return action_server_payment_service(settings())


@functools.lru_cache(maxsize=1)
def notification_outbox() -> NotificationOutbox:
    """The outbox the notice action claims rows in; a small pool of its own (one call per notice)."""
    return action_server_outbox(settings())


async def run_blocking(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking call in the worker pool and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(function, *args, **kwargs))


class ServiceFailure(Exception):
    """The payment service raised; the details are in the action server's log.

    Actions turn this into a short apology: a customer never sees an
    exception's text, which may carry URLs or SQL.
    """


class StoreUnavailable(ServiceFailure):
    """The booking database or Redis did not answer: an outage, not a bug.

    Nothing about the payment was decided by this call, so the form asks the
    customer to send the same message again rather than closing the payment;
    whatever did happen to money is in the database, and the re-sent message
    finds it there. The engine's pre-ping replaces dead connections once the
    database is back.
    """


def apologise(dispatcher: Any, failure: ServiceFailure) -> None:
    """Tell the customer a service call failed, outside the form.

    An outage gets the same apology as in the form, which says nothing about
    money: "did my payment go through?" or "cancel" may be asked while a debit
    is being confirmed. Any other failure gets the general apology.
    """
    if isinstance(failure, StoreUnavailable):
        dispatcher.utter_message(response="utter_store_unavailable")
    else:
        dispatcher.utter_message(response="utter_service_error", support_contact=settings().support_contact)


database_outage = OutageBurst("booking database or Redis", logger)


async def call_payments(
    method: Callable[Concatenate[PaymentService, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Call a PaymentService method (``PaymentService.look_up_booking``) off the loop, raising only ServiceFailure.

    The method is passed unbound because the service is built on the worker
    thread: building it checks the database schema, which must not block the loop.
    """
    name = method.__name__

    def on_worker() -> T:
        return method(payment_service(), *args, **kwargs)

    try:
        # One hand-off to the pool per call: the service is built (once) on the
        # same worker thread that then runs the method.
        result = await run_blocking(on_worker)
    except SchemaNotCurrent as error:
        # An operator's mistake, not a bug: one clear line, no traceback.
        logger.error("payment service unavailable: %s", error)
        raise ServiceFailure(name) from error
    except Exception as error:  # anything at all must become a polite reply
        if is_store_outage(error):
            database_outage.failed(error, name)  # one line per outage, not one traceback per message
            raise StoreUnavailable(name) from error
        logger.exception("payment service call %s failed", name)
        raise ServiceFailure(name) from error
    database_outage.recovered()
    return result
