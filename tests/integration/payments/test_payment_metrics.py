"""What the payment service counts, and what the money exporter reads from the database.

Against the sandbox over HTTP and a real SQLite database (PostgreSQL too, for
the exporter's queries): a payment counts once however many callers race to
settle it; a pending, a held and an overpaid payment and an untold customer
show in the gauges; and many customers paying add no series.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Dict

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import update

from payments.exporter import MoneyCollector
from payments.omari import OmariClient
from payments.service import StartOutcome, SubmitOutcome
from payments.store.models import Booking, PaymentTransaction, utc_now
from payments.store.repository import BookingStore
from tests.support.metric_samples import Deltas, project_series
from tests.support.payment_backend import MERCHANT_KEY, OTP, PaymentBackend, on_every_backend


def gauges(store: BookingStore) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(MoneyCollector(store))
    return registry


def test_a_payment_is_counted_once_though_reconcilers_race_to_settle_it(payment_backend: PaymentBackend) -> None:
    deltas = Deltas()
    started = payment_backend.start()
    assert started.outcome is StartOutcome.OTP_SENT and started.transaction is not None
    assert payment_backend.service.submit_otp(started.transaction.reference, OTP).outcome is SubmitOutcome.SUCCESS
    with ThreadPoolExecutor(max_workers=4) as pool:  # every later settle finds it settled
        list(pool.map(lambda _: payment_backend.service.reconcile(started.transaction.reference), range(4)))
    assert deltas.of("payments_started_total", channel="ecocash") == 1
    assert deltas.of("payments_finished_total", outcome="success", channel="ecocash") == 1
    assert deltas.of("payments_credited_amount_total", currency="USD") == 50.0
    assert deltas.of("omari_requests_total", endpoint="auth", verdict="success") == 1
    assert deltas.of("omari_requests_total", endpoint="request", verdict="success") == 1
    assert deltas.of("omari_request_duration_seconds_count", endpoint="query") >= 1


def test_a_timed_out_debit_is_uncertain_and_pending_not_finished(payment_backend: PaymentBackend) -> None:
    deltas = Deltas()
    started = payment_backend.start(msisdn="263770000003", sender="slow")  # debits after the 0.5 s timeout
    assert started.transaction is not None
    assert payment_backend.service.submit_otp(started.transaction.reference, OTP).outcome in (
        SubmitOutcome.PENDING, SubmitOutcome.SUCCESS)
    assert deltas.of("omari_requests_total", endpoint="request", verdict="uncertain") == 1
    assert deltas.of("omari_request_duration_seconds_bucket", endpoint="request", le="0.25") == 0


def test_a_refused_otp_request_counts_the_limit_that_refused_it(payment_backend: PaymentBackend) -> None:
    from payments.service import PaymentPolicy
    from payments.limits.policy import LimitScope, RequestLimit

    payment_backend.with_policy(PaymentPolicy(request_limits=(
        RequestLimit(1, timedelta(minutes=15), "15 minutes", LimitScope.WALLET),)))
    deltas = Deltas()
    assert payment_backend.start(sender="a").outcome is StartOutcome.OTP_SENT
    assert payment_backend.start(sender="b").outcome is StartOutcome.LIMIT_REACHED
    assert deltas.of("payments_limit_refusals_total", kind="otp_requests_wallet") == 1
    # The first sender's payment was never replaced or closed: nothing finished.
    assert deltas.of("payments_finished_total", outcome="cancelled", channel="ecocash") == 0


def test_fifty_customers_paying_add_no_series(payment_backend: PaymentBackend) -> None:
    payment_backend.start(sender="warm-up", msisdn="263772000000")
    before = project_series()
    for n in range(50):
        started = payment_backend.start(sender=f"whatsapp:26377{n:07d}", msisdn=f"26377{n:07d}", amount="1.00")
        assert started.transaction is not None
        payment_backend.service.cancel_payment(started.transaction.reference)
    assert project_series() == before


def held_payment(world: PaymentBackend, reference: str) -> None:
    """A local record of 50.00 for a wallet debit of 60.00 under the same reference, settled into held."""
    world.store.create_transaction(reference=reference, booking_reference="BK-SLYKER-TECH-20251023",
                                   sender_id="s-held", msisdn="263772123456", amount=Decimal("50.00"),
                                   currency="USD", customer_channel="ecocash")
    client = OmariClient(world.sandbox.base_url, MERCHANT_KEY, 1, 5)
    client.authorise("263772123456", reference, Decimal("60.00"), "USD")
    client.request_payment("263772123456", reference, OTP)
    world.store.move_transaction(reference, from_statuses=["initiated"], to_status="pending")
    world.service.reconcile(reference)


def read(registry: CollectorRegistry) -> Dict[str, float]:
    return {sample.name + "".join(f"{{{v}}}" for v in sample.labels.values()): sample.value
            for family in registry.collect() for sample in family.samples}


@on_every_backend
def test_the_exporter_reads_pending_held_overpaid_and_untold_money(payment_backend: PaymentBackend) -> None:
    registry = gauges(payment_backend.store)
    assert read(registry) == {
        "payments_store_up": 1, "payments_pending": 0, "payments_pending_oldest_age_seconds": 0,
        "payments_held": 0, "payments_held_oldest_age_seconds": 0, "bookings_overpaid": 0,
        "payment_notifications_untold{due}": 0, "payment_notifications_untold{sending}": 0,
        "payment_notifications_untold{needs_template}": 0, "payment_notifications_untold{failed}": 0,
    }
    deltas = Deltas()
    held_payment(payment_backend, "1f0e1c36-0f1e-4b9a-9c1e-2f7c7a0e8b22")
    assert deltas.of("payments_finished_total", outcome="held", channel="ecocash") == 1
    pending = payment_backend.start(msisdn="263770000008", sender="s-pending")
    assert pending.transaction is not None
    assert payment_backend.service.submit_otp(pending.transaction.reference, OTP).outcome is SubmitOutcome.PENDING
    with payment_backend.store.session() as session:  # it has waited 20 minutes; a booking was overpaid
        session.execute(update(PaymentTransaction).where(PaymentTransaction.reference == pending.transaction.reference)
                        .values(updated_at=utc_now() - timedelta(minutes=20)))
        session.execute(update(Booking).where(Booking.reference == "BK-T005-20260210")
                        .values(overpaid_amount=Decimal("10.00")))

    now = read(registry)
    assert now["payments_pending"] == 1 and 20 * 60 <= now["payments_pending_oldest_age_seconds"] < 25 * 60
    assert now["payments_held"] == 1 and now["payments_held_oldest_age_seconds"] < 60
    assert now["bookings_overpaid"] == 1
    # reconcile held the first one, which its customer is still to be told.
    assert now["payment_notifications_untold{due}"] == 1
    text = generate_latest(registry).decode()
    for private in ("263770000008", "s-pending", pending.transaction.reference, "BK-T005"):
        assert private not in text


def test_a_database_that_does_not_answer_reads_as_down_not_as_no_money(tmp_path) -> None:
    store = BookingStore(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    try:
        found = read(gauges(store))
    finally:
        store.dispose()
    assert found == {"payments_store_up": 0}
