"""`make serve`'s reconciler: `python -m payments.ops reconcile` run periodically, as a real process."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from payments.service import SubmitOutcome
from tests.support.payment_backend import OTP, SLYKER_KEY, PaymentBackend
from tests.support.waiting import wait_until
from tools.stack import PeriodicReconciler, base_env


def test_serve_settles_a_pending_payment_on_its_own(tmp_path: Path, payment_backend: PaymentBackend) -> None:
    store, service, sandbox = payment_backend.store, payment_backend.service, payment_backend.sandbox
    reference = service.start_payment(sender_id="s", booking_lookup_key=SLYKER_KEY,
                                      amount=Decimal("25.00"), customer_channel="ecocash",
                                      msisdn="263770000008").transaction.reference
    # The debit happened, but /query failed: left pending for reconciliation.
    assert service.submit_otp(reference, OTP).outcome is SubmitOutcome.PENDING
    env = base_env(DATABASE_URL=payment_backend.database_url, OMARI_API_BASE_URL=sandbox.base_url)
    env.pop("OMARI_MERCHANT_KEY", None)
    reconciler = PeriodicReconciler(1, env, tmp_path / "logs").start()
    try:
        wait_until(lambda: store.get_transaction(reference).status != "pending", 120,
                   f"the periodic reconciler to settle pending payment {reference}", interval=0.2,
                   seen=lambda: store.get_transaction(reference).status)
    finally:
        reconciler.stop()
    assert store.get_transaction(reference).status == "success"
    assert store.find_booking(SLYKER_KEY).amount_paid == Decimal("425.00")
    assert reconciler.runs >= 1
    assert "reconcile at" in (tmp_path / "logs" / "reconcile.log").read_text()
