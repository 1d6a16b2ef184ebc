"""A conversation's lock outlives the longest turn: a second message waits, on both of Rasa's lock stores.

Rasa's ticket expires a fixed time after it was issued (60 s), while an OTP turn
here can take two minutes at O'mari's timeouts. Each test holds one turn's lock,
moves the clock Rasa's tickets are judged by past 60 s, and sends the
conversation's next message: it must wait for the first turn, not run beside it.
"""
from __future__ import annotations

import asyncio
import time
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from rasa.core import lock as rasa_lock
from rasa.core.lock_store import InMemoryLockStore, LockStore

from rasa_runtime.stores.lock_lifetime import LockLifetimeTooShort, lock_lifetime, lock_lifetime_patch
from rasa_runtime.stores.redis_lock_store import AtomicRedisLockStore
from rasa_runtime.patching import install

LONGEST_TURN_AT_DEFAULTS = 3 * (10 + 30) + 30  # three O'mari exchanges at their timeouts, plus the margin


class Clock:
    """The time rasa.core.lock reads, moved on by the test instead of waited for."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(rasa_lock, "time", moved)
    return moved


@pytest.fixture
def patched_lock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(LockStore, "lock", LockStore.lock)  # undone after the test
    install(lock_lifetime_patch(lock_lifetime({})))
    yield


def in_memory(_: str) -> LockStore:
    return InMemoryLockStore()


def redis(redis_url: str) -> LockStore:
    parts = urlsplit(redis_url)
    return AtomicRedisLockStore(host=parts.hostname, port=parts.port, db=6, key_prefix="lifetime")


async def second_message_waits_for_a_long_first_turn(store: LockStore, clock: Clock, seconds_in_turn: float) -> None:
    served = []

    async def second_message() -> None:
        async with store.lock("long-turn", wait_time_in_seconds=0.01):
            served.append("second")

    async with store.lock("long-turn", wait_time_in_seconds=0.01):
        clock.offset += seconds_in_turn  # the first turn's O'mari calls
        waiting = asyncio.create_task(second_message())
        await asyncio.sleep(0.2)  # twenty rounds of the second message's ticket checks
        assert served == [], f"the second message ran beside a turn {seconds_in_turn} s long"
        served.append("first done")
    await asyncio.wait_for(waiting, timeout=10)
    assert served == ["first done", "second"]


@pytest.mark.parametrize("make_store", [in_memory, redis], ids=["in_memory", "redis"])
def test_a_turn_of_two_minutes_keeps_the_conversation_locked(
        make_store: Callable[[str], LockStore], clock: Clock, patched_lock: None, request: pytest.FixtureRequest
) -> None:
    redis_url = request.getfixturevalue("redis_url") if make_store is redis else ""
    asyncio.run(second_message_waits_for_a_long_first_turn(make_store(redis_url), clock, 115))


def test_a_message_that_waited_behind_a_long_turn_still_gets_a_whole_lifetime(
        clock: Clock, patched_lock: None) -> None:
    store = InMemoryLockStore()

    async def three_messages() -> None:
        async with store.lock("long-turn", wait_time_in_seconds=0.01):
            queued = asyncio.create_task(second_message_waits_for_a_long_first_turn(store, clock, 115))
            await asyncio.sleep(0.05)  # its ticket is issued now, while the first turn runs
            clock.offset += 115  # the first turn runs almost the whole lifetime
        await asyncio.wait_for(queued, timeout=10)

    # The second message's ticket was issued at the first turn's start; once served it is renewed,
    # so the third message still waits for it 115 s later (230 s after it was issued).
    asyncio.run(three_messages())


def test_the_lifetime_is_computed_from_the_omari_timeouts_and_a_shorter_one_is_refused() -> None:
    environ: dict = {}
    assert lock_lifetime(environ) == LONGEST_TURN_AT_DEFAULTS
    assert environ["TICKET_LOCK_LIFETIME"] == str(LONGEST_TURN_AT_DEFAULTS)  # what Rasa itself then reads
    assert lock_lifetime({"OMARI_CONNECT_TIMEOUT": "2", "OMARI_READ_TIMEOUT": "5"}) == 3 * 7 + 30
    assert lock_lifetime({"TICKET_LOCK_LIFETIME": "600"}) == 600
    with pytest.raises(LockLifetimeTooShort, match="at least 150"):
        lock_lifetime({"TICKET_LOCK_LIFETIME": "60"})
    with pytest.raises(ValueError, match="OMARI_READ_TIMEOUT"):
        lock_lifetime({"OMARI_READ_TIMEOUT": "soon"})
