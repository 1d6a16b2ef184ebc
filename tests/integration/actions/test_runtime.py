"""How the actions reach the payment service: one worker-thread hand-off per call."""
from __future__ import annotations

import asyncio
import threading
from typing import List

import pytest

from actions import runtime
from payments.service import PaymentService
from payments.store.repository import BookingStore


def test_a_call_builds_the_service_and_runs_the_method_in_one_hand_off(
    store: BookingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each hand-off to the pool wakes a thread and the event loop; one per call is enough."""
    handed_off: List[str] = []
    pool = runtime._executor()  # counting what reaches the real pool
    submit = pool.submit

    def counting_submit(function, *args, **kwargs):
        handed_off.append(threading.current_thread().name)
        return submit(function, *args, **kwargs)

    monkeypatch.setattr(pool, "submit", counting_submit)
    lookup = asyncio.run(runtime.call_payments(PaymentService.look_up_booking, "rest:t", "BKT00520260210"))
    assert lookup.booking is not None and lookup.booking.reference == "BK-T005-20260210"
    assert len(handed_off) == 1
    # The service is built once and kept: the next call is one hand-off too.
    asyncio.run(runtime.call_payments(PaymentService.look_up_booking, "rest:t", "BKT00520260210"))
    assert len(handed_off) == 2
    assert runtime.payment_service.cache_info().currsize == 1


def test_a_failing_method_still_becomes_a_service_failure(store: BookingStore) -> None:
    def failing(service: PaymentService) -> None:
        raise RuntimeError("a bug in the service")

    with pytest.raises(runtime.ServiceFailure):
        asyncio.run(runtime.call_payments(failing))


def test_a_misspelt_method_fails_where_it_is_written_not_as_an_apology() -> None:
    """Methods are named, not spelt as strings: a typo is an AttributeError (and a mypy error), never a reply."""
    with pytest.raises(AttributeError):
        asyncio.run(runtime.call_payments(PaymentService.find_bookng, "BKT00520260210"))  # type: ignore[attr-defined]
