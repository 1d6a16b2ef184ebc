"""One log line per outage of a store, not one per message, and whether it is down now.

Both servers use it: the Rasa server for its conversation and lock stores
(rasa_runtime/stores/resilient_tracker_store.py), the action server for the booking
database and Redis (actions/runtime.py). During an outage every customer's
message fails the same way; logging each would bury the one line ops needs
(what broke, since when) under thousands, and a traceback per message could
carry the statement that failed. So the first failure of a burst is logged at
ERROR with the error's kind, later ones are only counted, and the first success
logs WARNING with how long it lasted and what it affected. ``degraded`` is what
the health endpoints report meanwhile. No framework is imported here.
"""
from __future__ import annotations

import enum
import logging
import threading
import time
from collections import Counter
from typing import Callable, Dict, Optional, Set

_ERROR_TEXT_CHARS = 200


class StoreHealth(str, enum.Enum):
    OK = "ok"
    DEGRADED = "degraded"


def describe_error(error: BaseException) -> str:
    """The error's kind and first line, without SQLAlchemy's statement or its link to the docs."""
    original = getattr(error, "orig", None) or error
    first_line = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first_line[:_ERROR_TEXT_CHARS]}"


class OutageBurst:
    """The state of one store: up, or down since when and with what affected."""

    def __init__(self, store: str, logger: logging.Logger, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._logger = logger
        self._clock = clock
        self._lock = threading.Lock()
        self._since: Optional[float] = None
        # Bursts since the process started: what a metrics counter reads.
        self.outages = 0
        self._operations: Counter = Counter()
        self._conversations: Set[str] = set()

    @property
    def degraded(self) -> bool:
        return self._since is not None

    @property
    def health(self) -> StoreHealth:
        return StoreHealth.DEGRADED if self.degraded else StoreHealth.OK

    def failed(self, error: BaseException, operation: str, conversation: Optional[str] = None) -> None:
        """Count a failure; log it only if it starts a burst."""
        with self._lock:
            starts_burst = self._since is None
            if starts_burst:
                self._since = self._clock()
                self.outages += 1
            self._operations[operation] += 1
            if conversation:
                self._conversations.add(conversation)
        if starts_burst:
            self._logger.error("%s unreachable (%s, on %s): customers are asked to send their message again "
                               "until it answers", self.store, describe_error(error), operation)

    def recovered(self) -> None:
        """The store answered: close the burst, if one was open, with one line saying what it cost."""
        if self._since is None:  # the usual case, without taking the lock
            return
        with self._lock:
            if self._since is None:
                return
            lasted = self._clock() - self._since
            operations: Dict[str, int] = dict(self._operations)
            conversations = len(self._conversations)
            self._since, self._operations, self._conversations = None, Counter(), set()
        summary = ", ".join(f"{count} {operation}" for operation, count in sorted(operations.items()))
        self._logger.warning("%s answering again after %.1f s; failed meanwhile: %s (%d conversations)",
                             self.store, lasted, summary, conversations)
