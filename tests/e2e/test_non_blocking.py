"""One customer's slow O'mari call must not hold up anyone else's turn.

This module runs its own stack (tools.loopback) whose O'mari timeout is long
(READ_TIMEOUT seconds) and whose sandbox holds the slow number's answer longer
still, so "the slow payment is still waiting" stays true for the whole time
another customer pays. If the action server ran O'mari or database work on
its event loop, the second customer's turns would queue behind the slow call
and could only finish after it.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Iterator, List

import pytest

from payments.store.demo_data import seed_demo_bookings
from payments.store.migrations import upgrade_to_head
from payments.store.repository import BookingStore
from tests.e2e.conftest import REPO, Chat, Stack, booking_state
from tests.support.waiting import wait_until
from tools.loopback import loopback_stack

READ_TIMEOUT = "25"
SLOW_SECONDS = "120"  # released early when the sandbox stops
OTP = "615204"
SLOW_CUSTOMER_BOOKING = "BK-T005-20260210"
QUICK_CUSTOMER_BOOKING = "BK-SLYKER-TECH-20251023"


@pytest.fixture(scope="module")
def slow_omari_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not any((REPO / "models").glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does it)")
    workdir: Path = tmp_path_factory.mktemp("non-blocking")
    overrides = {"OMARI_READ_TIMEOUT": READ_TIMEOUT, "OMARI_CONNECT_TIMEOUT": "2",
                 "SANDBOX_SLOW_SECONDS": SLOW_SECONDS, "SANDBOX_OTP": OTP}
    with loopback_stack(workdir, str(REPO / "models"), overrides) as running:
        upgrade_to_head(running.database_url)
        store = BookingStore(running.database_url)
        seed_demo_bookings(store)
        actions = running.services["actions"]
        yield Stack(running.rasa_url, running.sandbox_url, running.database_url, store, running.log_dir,
                    actions=actions, action_port=running.action_port, env=running.env)
        assert actions.process.poll() is None, actions.log_tail()
        store.dispose()


def _walk_to_otp(chat: Chat, reference: str, phone: str) -> None:
    assert "booking reference" in chat.text("pay")
    assert "amount" in chat.text(reference)
    assert "payment channel" in chat.text("50")
    assert "mobile number" in chat.text("ecocash")
    assert "shall i go ahead" in chat.text(phone)
    assert "otp" in chat.confirm()


def _slow_debit_in_flight(stack: Stack) -> bool:
    """The sandbox has debited the slow number's wallet and is holding its answer back."""
    return any(t["msisdn"] == "263770000003" and t["debit_count"] == 1 for t in stack.sandbox_transactions())


def test_a_customer_pays_in_full_while_another_waits_on_a_slow_omari(slow_omari_stack: Stack) -> None:
    stack = slow_omari_stack
    slow, quick = Chat(stack), Chat(stack)
    _walk_to_otp(slow, SLOW_CUSTOMER_BOOKING, "0770 000 003")

    finished: List[str] = []

    def send_slow_otp() -> str:
        reply = slow.text(OTP)
        finished.append("slow")
        return reply

    with ThreadPoolExecutor(max_workers=1) as pool:
        slow_reply = pool.submit(send_slow_otp)
        wait_until(lambda: _slow_debit_in_flight(stack), 30, "the slow customer's debit to reach the sandbox")

        # The other customer's whole payment, every turn of it, while O'mari holds the first.
        _walk_to_otp(quick, QUICK_CUSTOMER_BOOKING, "0772 123 456")
        quick_receipt = quick.text(OTP)
        finished.append("quick")
        assert "payment received" in quick_receipt
        assert not slow_reply.done(), "the slow customer's OTP turn should still be waiting on O'mari"

        # The slow payment still ends well: /query confirms the debit after the timeout.
        assert "payment received" in slow_reply.result(timeout=120)

    assert finished == ["quick", "slow"]
    assert booking_state(stack.store, QUICK_CUSTOMER_BOOKING)["paid"] == Decimal("450.00")
    assert booking_state(stack.store, SLOW_CUSTOMER_BOOKING)["paid"] == Decimal("50.00")
    debits = {t["msisdn"]: t["debit_count"] for t in stack.sandbox_transactions()}
    assert debits == {"263770000003": 1, "263772123456": 1}
