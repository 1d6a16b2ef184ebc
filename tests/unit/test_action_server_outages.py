"""The action server's side of an outage: what counts as one, one log line per burst, /health."""
from __future__ import annotations

import asyncio
import json
import logging
from types import SimpleNamespace

import pytest
import redis
from sqlalchemy import exc as sa_exc

from actions import health, runtime
from common.outages import OutageBurst, describe_error


def operational_error() -> sa_exc.OperationalError:
    return sa_exc.OperationalError("SELECT bookings.reference FROM bookings WHERE ...", {"reference": "BK-1"},
                                   ConnectionRefusedError("connection to server at 127.0.0.1 refused"))


@pytest.mark.parametrize("error, outage", [
    (operational_error(), True),
    (redis.exceptions.ConnectionError("Connection refused"), True),
    (sa_exc.IntegrityError("INSERT", {}, ValueError("duplicate")), False),
    (KeyError("a bug"), False),
])
def test_an_outage_is_told_from_a_bug(error: BaseException, outage: bool) -> None:
    assert runtime.is_store_outage(error) is outage


def test_the_error_is_described_without_its_statement_or_values() -> None:
    described = describe_error(operational_error())
    assert described.startswith("ConnectionRefusedError: connection to server")
    assert "SELECT" not in described and "BK-1" not in described


def test_a_burst_is_logged_once_and_its_end_once(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    burst = OutageBurst("booking database", logging.getLogger("test"), clock=lambda: now[0])
    caplog.set_level(logging.WARNING)
    for sender in ("a", "b", "a", "c"):
        burst.failed(operational_error(), "look_up_booking", sender)
    assert burst.degraded
    now[0] = 105.5
    burst.recovered()
    burst.recovered()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "booking database unreachable" in messages[0]
    assert "after 5.5 s" in messages[1] and "4 look_up_booking" in messages[1] and "3 conversations" in messages[1]
    assert not burst.degraded


def test_the_action_servers_health_says_degraded_during_an_outage() -> None:
    async def answer(path: str) -> dict:
        reply = await health.report_store_health(SimpleNamespace(path=path), None)
        return json.loads(reply.body) if reply is not None else {}

    runtime.database_outage.failed(operational_error(), "find_booking")
    try:
        assert asyncio.run(answer("/health"))["status"] == "degraded"
        assert asyncio.run(answer("/webhook")) == {}
    finally:
        runtime.database_outage.recovered()
    assert asyncio.run(answer("/health"))["status"] == "ok"
