"""A conversation store that is down is not an empty conversation, and a failed save is not dropped.

Rasa 3.6 wraps every tracker store in ``FailSafeTrackerStore``, which answers
any error of ``retrieve`` with "no conversation yet" (Rasa then starts a new
conversation over the customer's live one, and its save buries the payment)
and saves a tracker it could not store into an in-memory store that nothing
reads again (that turn's events are lost). In a 5-second PostgreSQL outage
half of 30 paying customers lost their payment that way (issue 17).

A safety patch (rasa_runtime/patching.py), installed by rasa_runtime.server
for the exact Rasa version it was written against; Rasa is not started
without it:

- the store's reads and saves are retried for ``TRACKER_STORE_RETRY_SECONDS``
  (3 s by default, pauses doubling from 0.2 s, never blocking the event loop
  while waiting), then raise ``ConversationStoreUnavailable``: no fallback;
- a message whose turn raised that, or whose conversation lock could not be
  taken (Redis down), is answered ``utter_store_unavailable`` ("please send
  that again in a minute") and nothing of it is kept: the next message
  carries on from the last saved state. Replies the turn had already
  collected are withdrawn, since the turn is to be sent again; what an action
  did to money is in the booking database, whose conditional updates make
  the re-sent turn settle it once;
- each outage is logged once per burst (common/outages.py), and ``GET
  /health`` says ``degraded`` while a store is failing.

``FailSafeTrackerStore.save`` and ``Agent.handle_message`` are replaced here,
not wrapped, so the OTP redaction and the sender rate limit, which wrap them,
are installed afterwards (rasa_runtime.server does); installing this over
them is refused.
"""
from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Iterator, Mapping, Optional, TypeVar

from common.outages import OutageBurst, StoreHealth
from rasa_runtime.domain_replies import response_text
from rasa_runtime.patching import Originals, Patch, PatchKind, PatchOutcome, install

logger = logging.getLogger(__name__)

APOLOGY_RESPONSE = "utter_store_unavailable"
# Used only if the loaded domain lacks the response (an older model).
APOLOGY_FALLBACK = "Sorry, we're having a problem on our side right now. Please send that again in a minute."
DEFAULT_RETRY_SECONDS = 3.0
T = TypeVar("T")

conversation_store = OutageBurst("conversation store", logger)
lock_store = OutageBurst("lock store", logger)


class ConversationStoreUnavailable(RuntimeError):
    """The conversation store did not answer within the retry budget; the cause is chained."""


@dataclass(frozen=True)
class RetryBudget:
    """How long one read or save keeps trying: a customer waits this long for the apology."""

    total_seconds: float = DEFAULT_RETRY_SECONDS
    first_pause: float = 0.2

    def pauses(self) -> Iterator[float]:
        """The waits between attempts, doubling, adding up to at most ``total_seconds``."""
        waited, pause = 0.0, self.first_pause
        while waited + pause <= self.total_seconds:
            yield pause
            waited += pause
            pause *= 2
        if waited < self.total_seconds:
            yield self.total_seconds - waited


def retry_budget(environ: Optional[Mapping[str, str]] = None) -> RetryBudget:
    """``TRACKER_STORE_RETRY_SECONDS``: 3 by default, 0 for a single attempt."""
    raw = (os.environ if environ is None else environ).get("TRACKER_STORE_RETRY_SECONDS", "").strip()
    try:
        seconds = float(raw) if raw else DEFAULT_RETRY_SECONDS
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 30:
        raise ValueError(f"TRACKER_STORE_RETRY_SECONDS must be a number of seconds from 0 to 30, got {raw!r}")
    return RetryBudget(total_seconds=seconds)


async def with_retries(call: Callable[[], Awaitable[T]], budget: RetryBudget, operation: str,
                       conversation: Optional[str] = None) -> T:
    """``call()``, tried again after each pause of ``budget``; raises ConversationStoreUnavailable at the end."""
    pauses = budget.pauses()
    while True:
        try:
            result = await call()
        except Exception as error:  # any failure of the store is an outage to retry
            pause = next(pauses, None)
            if pause is None:
                conversation_store.failed(error, operation, conversation)
                raise ConversationStoreUnavailable(f"conversation store {operation} failed") from error
            await asyncio.sleep(pause)
            continue
        conversation_store.recovered()
        return result


async def retrieve_once(tracker_store: Any, sender_id: str) -> Any:
    """One read of ``sender_id``'s conversation, past the retries; raises ConversationStoreUnavailable.

    For a read that precedes the turn (the kept notices): the turn's own read
    retries anyway, so retrying here too would keep the customer waiting two
    budgets for the apology, and hide an outage the turn should answer.
    """
    inner = getattr(tracker_store, "_tracker_store", tracker_store)
    return await with_retries(lambda: inner.retrieve(sender_id), RetryBudget(total_seconds=0), "read", sender_id)


def apology_text(agent: Any, message_text: Optional[str] = None) -> str:
    """The domain's ``utter_store_unavailable``, in the language the message decides (English otherwise)."""
    return response_text(agent, APOLOGY_RESPONSE, message_text) or APOLOGY_FALLBACK


async def apologise(agent: Any, message: Any) -> None:
    """Tell the customer to send the message again, instead of anything this turn collected."""
    from rasa.core.channels.channel import CollectingOutputChannel

    channel = message.output_channel
    if isinstance(channel, CollectingOutputChannel):
        channel.messages.clear()
    await channel.send_text_message(message.sender_id, apology_text(agent, getattr(message, "text", None)))


_FAIL_SAFE = "rasa.core.tracker_store:FailSafeTrackerStore."
_STORE_CALLS = tuple(_FAIL_SAFE + name for name in ("retrieve", "retrieve_full_tracker", "save", "keys"))
_HANDLE_MESSAGE = "rasa.core.agent:Agent.handle_message"
_CONFIGURE_APP = "rasa.core.run:configure_app"


def _retried_store_calls(budget: RetryBudget) -> Dict[str, Any]:
    async def retrieve(self: Any, sender_id: str) -> Any:
        return await with_retries(lambda: self._tracker_store.retrieve(sender_id), budget, "read", sender_id)

    async def retrieve_full_tracker(self: Any, sender_id: str) -> Any:
        return await with_retries(lambda: self._tracker_store.retrieve_full_tracker(sender_id), budget, "read",
                                  sender_id)

    async def save(self: Any, tracker: Any) -> None:
        await with_retries(lambda: self._tracker_store.save(tracker), budget, "save", tracker.sender_id)

    async def keys(self: Any) -> Any:
        return await with_retries(self._tracker_store.keys, budget, "list")

    return dict(zip(_STORE_CALLS, (retrieve, retrieve_full_tracker, save, keys), strict=True))


def _outage_answered_with_an_apology() -> Any:
    """Agent.handle_message as Rasa 3.6.21 has it, with a store outage answered instead of raised."""
    from rasa.core.lock_store import LockError
    from redis.exceptions import RedisError

    async def handle_message(self: Any, message: Any) -> Any:
        if not self.is_ready():
            logger.info("Ignoring message as there is no agent to handle it.")
            return None
        try:
            async with self.lock_store.lock(message.sender_id):
                return await self.processor.handle_message(message)
        except ConversationStoreUnavailable:
            pass  # logged by the burst
        except (LockError, RedisError) as error:
            # Taking the lock failed (its release never raises), so no part of the turn ran.
            lock_store.failed(error, "lock", message.sender_id)
        await apologise(self, message)
        return None

    return handle_message


def _with_health_route(original: Callable[..., Any]) -> Callable[..., Any]:
    """Rasa's configure_app, adding ``GET /health``: ok, or degraded while a store is failing."""
    from sanic import response

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)

        @app.get("/health")
        async def health(_: Any) -> Any:
            stores = {burst.store: burst.health.value for burst in (conversation_store, lock_store)}
            degraded = StoreHealth.DEGRADED.value in stores.values()
            status = StoreHealth.DEGRADED if degraded else StoreHealth.OK
            return response.json({"status": status.value, "stores": stores})

        return app

    return configure_app


def resilient_tracker_store_patch(budget: RetryBudget) -> Patch:
    """The safety patch: reads and saves retried within ``budget``, an outage answered, ``/health``."""

    def build(originals: Originals) -> Dict[str, Any]:
        return {**_retried_store_calls(budget), _HANDLE_MESSAGE: _outage_answered_with_an_apology(),
                _CONFIGURE_APP: _with_health_route(originals[_CONFIGURE_APP])}

    return Patch(
        "resilient tracker store", PatchKind.SAFETY, (*_STORE_CALLS, _HANDLE_MESSAGE, _CONFIGURE_APP), build,
        without_it="Rasa's FailSafeTrackerStore would take an outage for an empty conversation and lose it",
        # None calls Rasa's code: the OTP redaction and the rate limit wrap them, so they go first.
        replaces=(*_STORE_CALLS, _HANDLE_MESSAGE))


def install_resilient_tracker_store(environ: Optional[Mapping[str, str]] = None) -> PatchOutcome:
    """Install the patch above; raises PatchRefused when it does not fit (ValueError on a bad setting)."""
    return install(resilient_tracker_store_patch(retry_budget(environ)))
