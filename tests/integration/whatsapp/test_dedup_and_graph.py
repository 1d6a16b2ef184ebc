"""Deduplication (in memory and in a real Redis) and the Graph API client against a real HTTP fake."""
from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest

from rasa_runtime.whatsapp.dedup import MemoryDeduplicator, RedisDeduplicator
from rasa_runtime.whatsapp.graph import GraphClient
from rasa_runtime.whatsapp.settings import WhatsAppSettings
from tests.support.fake_graph import FakeGraph
from tests.support import notifications as n


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_message_id_is_claimed_once() -> None:
    dedup = MemoryDeduplicator(ttl_seconds=60, max_entries=10)

    async def claims() -> list:
        return [await dedup.claim("wamid.1"), await dedup.claim("wamid.1"), await dedup.claim("wamid.2")]

    assert asyncio.run(claims()) == [True, False, True]


def test_memory_stays_bounded_by_size_and_by_age() -> None:
    clock = Clock()
    dedup = MemoryDeduplicator(ttl_seconds=60, max_entries=100, clock=clock)

    async def scenario() -> None:
        for i in range(1000):
            assert await dedup.claim(f"wamid.{i}")
        assert len(dedup) == 100
        assert not await dedup.claim("wamid.999")  # the newest are kept
        clock.now += 61
        assert await dedup.claim("wamid.999")  # expired, so claimable again
        assert len(dedup) == 1

    asyncio.run(scenario())


def test_redis_lets_only_one_of_several_instances_claim_a_message(redis_url: str) -> None:
    async def scenario() -> list:
        instances = [RedisDeduplicator(redis_url, ttl_seconds=60) for _ in range(3)]
        try:
            results = await asyncio.gather(*(d.claim("wamid.shared") for d in instances for _ in range(3)))
            results.append(await instances[0].claim("wamid.other"))
            return results
        finally:
            for dedup in instances:
                await dedup.close()

    results = asyncio.run(scenario())
    assert results[:-1].count(True) == 1 and results[-1] is True


def test_an_unreachable_redis_answers_rather_than_drops(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> bool:
        dedup = RedisDeduplicator("redis://127.0.0.1:9/0", ttl_seconds=60)
        try:
            return await dedup.claim("wamid.1")
        finally:
            await dedup.close()

    with caplog.at_level(logging.ERROR):
        assert asyncio.run(scenario()) is True
    assert "Redis unavailable" in caplog.text


def settings_for(graph: FakeGraph, retries: int = 2) -> WhatsAppSettings:
    return WhatsAppSettings(
        phone_number_id=n.PHONE_NUMBER_ID, access_token=n.ACCESS_TOKEN, app_secret=n.APP_SECRET,
        verify_token=n.VERIFY_TOKEN, graph_url=graph.url, api_version="v23.0", send_retries=retries,
        send_timeout_seconds=5,
    )


def _send(settings: WhatsAppSettings, message: dict) -> bool:
    async def scenario() -> bool:
        client = GraphClient(settings)
        try:
            return await client.send(message, recipient="263772000001")
        finally:
            await client.close()

    return asyncio.run(scenario())


MESSAGE = {"messaging_product": "whatsapp", "to": "263772000001", "type": "text", "text": {"body": "hi"}}


def test_a_message_is_posted_with_the_token_to_the_phone_numbers_endpoint(graph: FakeGraph) -> None:
    assert _send(settings_for(graph), MESSAGE)
    [request] = graph.received
    assert request["path"] == f"/v23.0/{n.PHONE_NUMBER_ID}/messages"
    assert request["authorization"] == f"Bearer {n.ACCESS_TOKEN}" and request["body"] == MESSAGE


def test_5xx_and_429_are_retried_a_bounded_number_of_times(graph: FakeGraph) -> None:
    graph.fail_next(500, 429)
    assert _send(settings_for(graph, retries=2), MESSAGE)
    assert [r["status"] for r in graph.received] == [500, 429, 200]


def test_a_send_that_keeps_failing_is_logged_with_metas_error_code(
    graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    graph.fail_next(503, 503, 503, 503)
    with caplog.at_level(logging.WARNING):
        assert not _send(settings_for(graph, retries=1), MESSAGE)
    assert len(graph.received) == 2
    assert "Meta error 131503" in caplog.text and "2637******01" in caplog.text
    assert n.ACCESS_TOKEN not in caplog.text and "263772000001" not in caplog.text


def test_a_refused_message_is_not_retried(graph: FakeGraph, caplog: pytest.LogCaptureFixture) -> None:
    graph.fail_next(400)
    with caplog.at_level(logging.ERROR):
        assert not _send(settings_for(graph), MESSAGE)
    assert len(graph.received) == 1 and "Meta error 131400" in caplog.text


def test_an_unreachable_graph_api_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    settings = WhatsAppSettings(
        phone_number_id="1", access_token=n.ACCESS_TOKEN, app_secret="s", verify_token="v",
        graph_url="http://127.0.0.1:9", send_retries=1, send_timeout_seconds=2,
    )
    with caplog.at_level(logging.ERROR):
        assert not _send(settings, MESSAGE)
    assert "reaching the Graph API" in caplog.text


def test_a_send_that_timed_out_after_meta_took_it_is_not_sent_twice(
    graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    graph.answer_late_next(1.5)  # Meta accepts it, its answer comes after the client's 0.5 s
    settings = settings_for(graph, retries=2)
    with caplog.at_level(logging.ERROR):
        assert not _send(dataclasses.replace(settings, send_timeout_seconds=0.5), MESSAGE)
    assert len(graph.messages("263772000001")) == 1  # the customer got it once
    assert "may still be delivered" in caplog.text


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_that_gave_up_waiting_for_meta_is_not_retried(graph: FakeGraph, status: int) -> None:
    graph.fail_next(status)
    assert not _send(settings_for(graph, retries=2), MESSAGE)
    assert len(graph.received) == 1


def test_sender_locks_are_forgotten_once_no_message_waits() -> None:
    from rasa_runtime.whatsapp.ordering import SenderOrder

    order = SenderOrder()
    first, second = order.reserve("263772000001"), order.reserve("263772000001")
    assert first is second and order.reserve("263772000002") is not first
    for sender in ("263772000001", "263772000001", "263772000002"):
        order.release(sender)
    assert len(order) == 0
