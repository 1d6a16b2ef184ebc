"""The Redis lock store hands out each conversation's turns one at a time across Rasa instances.

Two AtomicRedisLockStore objects with their own connections stand for two Rasa
instances; they race against the real redis-server of the `redis_url` fixture.
"""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List
from urllib.parse import urlsplit

from rasa.core import lock_store as rasa_lock_store

from rasa_runtime.stores.redis_lock_store import AtomicRedisLockStore, use_atomic_redis_lock_store

THREADS = 16


def instances(redis_url: str, count: int = 2) -> List[AtomicRedisLockStore]:
    parts = urlsplit(redis_url)
    return [AtomicRedisLockStore(host=parts.hostname, port=parts.port, db=5, key_prefix="test") for _ in range(count)]


def test_tickets_issued_at_once_on_two_instances_are_all_different(redis_url: str) -> None:
    stores = instances(redis_url)
    start = threading.Barrier(THREADS)

    def take(index: int) -> int:
        start.wait(timeout=30)
        return stores[index % 2].issue_ticket("race-tickets", 60)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        tickets = list(pool.map(take, range(THREADS)))
    assert sorted(tickets) == list(range(THREADS))
    assert len(stores[0].get_lock("race-tickets").tickets) == THREADS


def test_only_one_turn_of_a_conversation_runs_at_a_time_across_instances(redis_url: str) -> None:
    stores = instances(redis_url)
    running, most_at_once, served = [0], [0], []
    guard = threading.Lock()  # guards the test's own counters, not the code under test
    start = threading.Barrier(THREADS)

    async def turn(index: int) -> None:
        async with stores[index % 2].lock("race-turns", lock_lifetime=60, wait_time_in_seconds=0.01):
            with guard:
                running[0] += 1
                most_at_once[0] = max(most_at_once[0], running[0])
            await asyncio.sleep(0.005)
            with guard:
                running[0] -= 1
                served.append(index)

    def worker(index: int) -> None:
        start.wait(timeout=30)
        asyncio.run(turn(index))

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(worker, range(THREADS)))
    assert most_at_once[0] == 1
    assert sorted(served) == list(range(THREADS))
    assert stores[0].get_lock("race-turns") is None  # the last turn removed the emptied lock


def test_endpoints_type_redis_builds_the_atomic_store(redis_url: str, monkeypatch) -> None:
    monkeypatch.setattr(rasa_lock_store, "RedisLockStore", rasa_lock_store.RedisLockStore)
    use_atomic_redis_lock_store()
    parts = urlsplit(redis_url)
    from rasa.utils.endpoints import EndpointConfig

    store = rasa_lock_store.LockStore.create(
        EndpointConfig(url=parts.hostname, type="redis", port=str(parts.port), db="5"))
    assert isinstance(store, AtomicRedisLockStore)
