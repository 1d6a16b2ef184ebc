"""A conversation's lock outlives the longest turn, counted from when the turn starts running.

Rasa 3.6 gives every message of a conversation a ticket in its lock store and
runs them one at a time, but a ticket expires ``TICKET_LOCK_LIFETIME`` seconds
(60 by default) after it was *issued*. A turn that runs longer loses the lock
and the conversation's next message runs beside it. An OTP turn here can take
several O'mari exchanges at their timeouts (a corrected payment: /query and
/void of the replaced one, then /auth; an OTP: /request then /query), about
2 minutes at the defaults, so a second message could start a second /auth, a
second SMS and a second reservation while the first turn still runs.

So, before Rasa starts (``rasa_runtime.server``):

- the longest turn is computed from the action server's O'mari timeouts
  (``OMARI_CONNECT_TIMEOUT``, ``OMARI_READ_TIMEOUT``: the same variables and
  defaults as payments/settings.py, given to both processes), times the
  O'mari exchanges one turn can make, plus a margin for Rasa, the action
  server and the database;
- ``TICKET_LOCK_LIFETIME`` left unset becomes that; set below it, Rasa is not
  started (the operator chose a lifetime that lets turns overlap);
- Rasa's ``LockStore.lock`` is replaced (a safety patch) by the same ticket
  dance that uses that lifetime and, the moment a ticket is served, renews it
  for a whole lifetime: a message that waited behind a long turn still gets
  the whole lifetime for its own turn. A ticket that expires while *waiting*
  is never served (Rasa's ticket order), so expiry can no longer mean two
  turns at once.
"""
from __future__ import annotations

import math
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Mapping, MutableMapping, Optional

from rasa.core import lock as rasa_lock
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore

from common.environment import positive_seconds
from rasa_runtime.patching import Patch, PatchKind, PatchOutcome, install

# payments/settings.py's defaults for the same variables (tests/unit/test_lock_lifetime.py keeps them equal).
DEFAULT_OMARI_CONNECT_TIMEOUT = 10.0
DEFAULT_OMARI_READ_TIMEOUT = 30.0
# The most O'mari exchanges one turn makes, one after another (a corrected payment: /query and
# /void of the payment it replaces, then /auth for the new one).
OMARI_EXCHANGES_PER_TURN = 3
# Rasa's own work, the action server's queue and the database within one turn.
TURN_MARGIN_SECONDS = 30.0
LIFETIME_VARIABLE = "TICKET_LOCK_LIFETIME"


class LockLifetimeTooShort(ValueError):
    """TICKET_LOCK_LIFETIME is set below the longest turn: two turns of one chat could run at once."""


def longest_turn_seconds(environ: Mapping[str, str]) -> float:
    """How long one turn can take when every O'mari exchange runs to its timeouts."""
    per_exchange = (positive_seconds(environ, "OMARI_CONNECT_TIMEOUT", DEFAULT_OMARI_CONNECT_TIMEOUT)
                    + positive_seconds(environ, "OMARI_READ_TIMEOUT", DEFAULT_OMARI_READ_TIMEOUT))
    return OMARI_EXCHANGES_PER_TURN * per_exchange + TURN_MARGIN_SECONDS


def lock_lifetime(environ: MutableMapping[str, str]) -> int:
    """The ticket lifetime to run with, written back to ``TICKET_LOCK_LIFETIME``.

    Raises LockLifetimeTooShort when the variable is set below the longest turn,
    ValueError when a variable is not a number.
    """
    longest = math.ceil(longest_turn_seconds(environ))
    raw = environ.get(LIFETIME_VARIABLE, "").strip()
    if not raw:
        environ[LIFETIME_VARIABLE] = str(longest)
        return longest
    if not raw.isdigit():
        raise ValueError(f"{LIFETIME_VARIABLE} must be a whole number of seconds, got {raw!r}")
    if int(raw) < longest:
        raise LockLifetimeTooShort(
            f"{LIFETIME_VARIABLE}={raw} is shorter than the longest turn, {longest} s "
            f"({OMARI_EXCHANGES_PER_TURN} O'mari exchanges at OMARI_CONNECT_TIMEOUT + OMARI_READ_TIMEOUT, "
            f"plus {TURN_MARGIN_SECONDS:.0f} s): two turns of one conversation could run at once. "
            f"Leave it unset, or set it to at least {longest}")
    return int(raw)


def renew_ticket(store: LockStore, conversation_id: str, ticket_number: int, lifetime: float) -> None:
    """Give a ticket being served a whole ``lifetime`` from now.

    The atomic Redis store does it in one Redis transaction; the in-memory
    store's lock lives in this process and no other coroutine runs between the
    read and the write.
    """
    renew = getattr(store, "renew_ticket", None)
    if renew is not None:
        renew(conversation_id, ticket_number, lifetime)
        return
    lock = store.get_lock(conversation_id)
    if lock is not None and extend(lock, ticket_number, lifetime):
        store.save_lock(lock)


def extend(lock: TicketLock, ticket_number: int, lifetime: float) -> bool:
    """Set ticket ``ticket_number``'s expiry ``lifetime`` from now; False when it is not in ``lock``."""
    for ticket in lock.tickets:
        if ticket.number == ticket_number:
            ticket.expires = rasa_lock.time.time() + lifetime  # the clock Rasa judges tickets by
            return True
    return False


def _lock_with_lifetime(lifetime: int) -> Any:
    @asynccontextmanager
    async def lock(self: LockStore, conversation_id: str, lock_lifetime: Optional[float] = None,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ``LockStore.lock``, with this deployment's lifetime, renewed once the ticket is served."""
        chosen = lifetime if lock_lifetime is None else lock_lifetime
        ticket = self.issue_ticket(conversation_id, chosen)
        try:
            acquired = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
            renew_ticket(self, conversation_id, ticket, chosen)
            yield acquired
        finally:
            self.cleanup(conversation_id, ticket)

    return lock


_LOCK = "rasa.core.lock_store:LockStore.lock"


def lock_lifetime_patch(lifetime: int) -> Patch:
    """Rasa's conversation lock with ``lifetime`` (from :func:`lock_lifetime`), renewed when served."""
    # Written against Rasa 3.6.21's LockStore.lock: issue_ticket, _acquire_lock, cleanup.
    return Patch(
        "conversation lock outlives the longest turn", PatchKind.SAFETY, (_LOCK,),
        lambda _: {_LOCK: _lock_with_lifetime(lifetime)},
        without_it="a turn longer than the lock's lifetime would let the conversation's next message "
                   "run beside it (a second /auth, a second SMS)",
        replaces=(_LOCK,))


def use_lock_lifetime(lifetime: int) -> PatchOutcome:
    return install(lock_lifetime_patch(lifetime))
