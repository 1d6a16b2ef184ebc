"""`make serve`'s reconciler: `python -m payments.ops reconcile` run periodically, as a real process."""
from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

from payments.store.demo_data import seed_demo_bookings
from payments.store.migrations import upgrade_to_head
from payments.omari import OmariClient
from payments.service import PaymentPolicy, PaymentService, SubmitOutcome
from payments.store.repository import BookingStore
from omari_sandbox import start_sandbox
from tools.stack import PeriodicReconciler, base_env


def test_serve_settles_a_pending_payment_on_its_own(tmp_path: Path) -> None:
    sandbox = start_sandbox(port=0, otp="123456")
    database_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    upgrade_to_head(database_url)
    store = BookingStore(database_url)
    seed_demo_bookings(store)
    service = PaymentService(store, OmariClient(sandbox.base_url, "sandbox-merchant-key", 1, 5), PaymentPolicy())
    reference = service.start_payment(sender_id="s", booking_lookup_key="BKSLYKERTECH20251023",
                                      amount=Decimal("25.00"), customer_channel="ecocash",
                                      msisdn="263770000008").transaction.reference
    # The debit happened, but /query failed: left pending for reconciliation.
    assert service.submit_otp(reference, "123456").outcome is SubmitOutcome.PENDING
    env = base_env(DATABASE_URL=database_url, OMARI_API_BASE_URL=sandbox.base_url)
    env.pop("OMARI_MERCHANT_KEY", None)
    reconciler = PeriodicReconciler(1, env, tmp_path / "logs").start()
    try:
        deadline = time.monotonic() + 120
        while store.get_transaction(reference).status == "pending" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        reconciler.stop()
        sandbox.stop()
    assert store.get_transaction(reference).status == "success"
    assert store.find_booking("BKSLYKERTECH20251023").amount_paid == Decimal("425.00")
    assert reconciler.runs >= 1
    assert "reconcile at" in (tmp_path / "logs" / "reconcile.log").read_text()
    store.dispose()
