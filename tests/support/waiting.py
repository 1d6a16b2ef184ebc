"""Waiting on a condition with a deadline: the one polling loop of the suite.

A loop that stops at its deadline and carries on lets the test go on to
assert something else, or nothing, and fail far from the cause (or pass).
``wait_until`` fails at the deadline instead, naming what it waited for and
what it last saw.
"""
from __future__ import annotations

import time
from typing import Callable, Optional, TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], deadline: float, what: str, interval: float = 0.1,
               seen: Optional[Callable[[], object]] = None) -> T:
    """Call ``predicate`` until it returns something truthy, and return that.

    ``deadline`` is in seconds from now; past it the test fails with "timed out
    after <deadline> s waiting for <what>", followed by ``seen()`` when given
    (e.g. the state that never changed).
    """
    give_up = time.monotonic() + deadline
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > give_up:
            detail = f"; last seen: {seen()!r}" if seen is not None else ""
            raise AssertionError(f"timed out after {deadline:g} s waiting for {what}{detail}")
        time.sleep(interval)
