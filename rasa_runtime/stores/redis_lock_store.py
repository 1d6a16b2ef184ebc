"""Rasa's Redis lock store, with every change to a conversation's lock made atomically.

Rasa 3.6's ``RedisLockStore`` issues and frees a conversation's tickets by
reading the lock from Redis, changing it in Python and writing it back. Two
Rasa instances given messages of one conversation at the same moment can both
read "no lock", both write a lock holding ticket 0, and both run their turn at
once: one turn's events then overwrite the other's in the tracker store
(`tests/scale/` lost a customer's message this way; RasaHQ/rasa#9213, and a
fix that was reverted, RasaHQ/rasa#11428). Freeing a ticket had the same
race with issuing the next one.

Here each of those read-change-write steps runs as a Redis transaction
(WATCH the lock's key, MULTI/EXEC the write, retry if another instance changed
it meanwhile), so tickets are unique and handed out in order across every
instance. ``rasa_runtime.server`` makes ``lock_store: type: redis`` use it: a
safety patch (rasa_runtime/patching.py), so a Rasa it does not fit is not started.
"""
from __future__ import annotations

import json
from typing import Callable, Optional, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from redis.exceptions import RedisError

from rasa_runtime.patching import Patch, PatchKind, PatchOutcome, install
from rasa_runtime.stores.lock_lifetime import extend
from rasa_runtime.stores.resilient_tracker_store import lock_store as lock_store_outage

T = TypeVar("T")
# (the lock as it should be stored, or None to delete it; what the caller gets back)
LockChange = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]


class AtomicRedisLockStore(RedisLockStore):
    """A ``RedisLockStore`` whose ticket changes are Redis transactions."""

    def _change_lock(self, conversation_id: str, change: LockChange[T]) -> T:
        key = self.key_prefix + conversation_id

        def transaction(pipe) -> T:  # pipe is WATCHing key: reads are immediate until multi()
            serialised = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(serialised)) if serialised else None
            new_lock, result = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())
            return result

        # redis-py re-runs the function when the watched key changed before EXEC.
        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take_next(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            ticket = self._change_lock(conversation_id, take_next)
        except Exception as error:  # Rasa's contract: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        lock_store_outage.recovered()
        return ticket

    def renew_ticket(self, conversation_id: str, ticket_number: int, lifetime: float) -> None:
        """Give a ticket being served ``lifetime`` seconds from now (rasa_runtime/stores/lock_lifetime.py)."""
        def renew(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                extend(lock, ticket_number, lifetime)
            return lock, None

        self._change_lock(conversation_id, renew)

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._change_lock(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def drop_ticket(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change_lock(conversation_id, drop_ticket)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Free ``ticket_number``; delete the lock only if no ticket is left, in the same step.

        Runs after the turn, which is saved by then: Redis gone at that moment
        must not turn a finished turn into an error (the customer would send it
        again). The ticket expires with the lock's lifetime, and a restarted
        Redis has forgotten it anyway.
        """

        def drop_ticket_and_empty_lock(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return (lock if lock and lock.is_someone_waiting() else None), None

        try:
            self._change_lock(conversation_id, drop_ticket_and_empty_lock)
        except RedisError as error:
            lock_store_outage.failed(error, "unlock", conversation_id)


_REDIS_LOCK_STORE = "rasa.core.lock_store:RedisLockStore"
# Written against Rasa 3.6.21's RedisLockStore, whose methods it overrides whole.
ATOMIC_REDIS_LOCK_STORE = Patch(
    "atomic Redis lock store", PatchKind.SAFETY, (_REDIS_LOCK_STORE,),
    lambda _: {_REDIS_LOCK_STORE: AtomicRedisLockStore},
    without_it="two Rasa instances could run one conversation's turns at once and lose one",
    replaces=(_REDIS_LOCK_STORE,))


def use_atomic_redis_lock_store() -> PatchOutcome:
    """Make ``lock_store: type: redis`` in endpoints.yml build an AtomicRedisLockStore.

    Raises PatchRefused if it cannot.
    """
    return install(ATOMIC_REDIS_LOCK_STORE)
