"""One OmariClient shared by the action server's worker threads.

The action server runs O'mari calls on a pool of threads (actions/runtime.py)
through a single client. These tests drive it the same way, against the real
sandbox, and check what the office would notice: every payment went through,
each wallet was debited exactly once, and no answer went to the wrong payment.
"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Tuple

from payments.omari import OmariClient, Outcome
from omari_sandbox import SLOW_MSISDN

WORKERS = 16
PAYMENTS = 48  # three rounds of the pool, so threads reuse their connections


def _pay(client: OmariClient, otp: str, index: int) -> Tuple[str, str, Outcome, Outcome]:
    reference = str(uuid.uuid4())
    msisdn = f"2637720{index:05d}"
    auth = client.authorise(msisdn, reference, Decimal("12.50"), "USD")
    assert auth.outcome is Outcome.SUCCESS, auth.message
    debit = client.request_payment(msisdn, reference, otp)
    query = client.query(reference)
    assert query.payment_reference in (None, debit.payment_reference)
    return reference, msisdn, debit.outcome, query.outcome


def test_concurrent_payments_through_one_client_each_debit_once(sandbox) -> None:
    client = OmariClient(sandbox.base_url, sandbox.merchant_key, connect_timeout=2.0, read_timeout=10.0)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(lambda i: _pay(client, sandbox.otp, i), range(PAYMENTS)))

    assert all(debit is Outcome.SUCCESS and query is Outcome.SUCCESS for _, _, debit, query in results)
    held = {t["reference"]: t for t in sandbox.transactions()}
    for reference, msisdn, _, _ in results:
        assert held[reference]["debit_count"] == 1
        assert held[reference]["msisdn"] == msisdn


def test_a_slow_call_on_one_thread_does_not_hold_up_another(held_sandbox) -> None:
    """While one thread waits on the sandbox's slow number, another pays in full."""
    client = OmariClient(held_sandbox.base_url, held_sandbox.merchant_key, connect_timeout=2.0, read_timeout=30.0)
    slow_reference = str(uuid.uuid4())
    assert client.authorise(SLOW_MSISDN, slow_reference, Decimal("5.00"), "USD").outcome is Outcome.SUCCESS
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(client.request_payment, SLOW_MSISDN, slow_reference, held_sandbox.otp)
        quick = pool.submit(_pay, client, held_sandbox.otp, 1).result(timeout=60)
        assert not slow.done(), "the quick payment should finish while the slow call is still held"
        assert quick[2] is Outcome.SUCCESS
        held_sandbox.stop()  # releases the held answer so the slow thread ends
