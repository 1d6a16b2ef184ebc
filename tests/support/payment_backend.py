"""The payment backend as the action server has it: the O'mari sandbox, a migrated store, the service.

Tests of the money rules below Rasa each need the same three parts: the real
sandbox on a free loopback port (its ledger is the wallet's side of the
truth), a brand-new booking database at the newest schema with the demo
bookings in it, and a PaymentService over both. ``payment_backend`` gives all
three on SQLite; a test parametrised with ``on_every_backend`` gets it on
PostgreSQL too. Loaded for every test by tests/conftest.py (``pytest_plugins``).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import requests
from sqlalchemy import update

from omari_sandbox import RunningSandbox, start_sandbox
from parsing.language import Language
from payments import ops
from payments.limits.lookups import BookingLookupLimiter
from payments.limits.otp_requests import OtpRequestLimiter
from payments.omari import OmariClient
from payments.service import PaymentPolicy, PaymentService, PaymentStart
from payments.store.demo_data import seed_demo_bookings
from payments.store.models import PaymentTransaction
from payments.store.repository import BookingStore
from tests.support.databases import BACKENDS, migrated_database_url

OTP = "123456"
MERCHANT_KEY = "sandbox-merchant-key"
# The demo booking most tests pay on: 1200.00, of which the office took 400.00.
SLYKER_KEY = "BKSLYKERTECH20251023"
SLYKER_OPENING_PAID = Decimal("400.00")
# The slow number is held back longer than ``service``'s 0.5 s read timeout, so
# it times out there, and shorter than an action server's 5 s, so it answers there.
SLOW_SECONDS = 1.5
SERVICE_READ_TIMEOUT = 0.5
ACTION_SERVER_READ_TIMEOUT = 5.0

LookupLimiterFor = Callable[[BookingStore], BookingLookupLimiter]

on_every_backend = pytest.mark.parametrize("payment_backend", BACKENDS, indirect=True)


class PaymentBackend:
    """The sandbox, the database and the service, with the checks money tests make on them."""

    def __init__(self, database_url: str, policy: Optional[PaymentPolicy] = None) -> None:
        self.database_url = database_url
        self.sandbox: RunningSandbox = start_sandbox(port=0, otp=OTP, merchant_key=MERCHANT_KEY,
                                                     slow_seconds=SLOW_SECONDS)
        self.store = BookingStore(database_url)
        self._opened: List[Any] = []
        try:
            seed_demo_bookings(self.store)
        except BaseException:
            self.close()
            raise
        self.with_policy(policy or PaymentPolicy())

    def with_policy(self, policy: PaymentPolicy) -> "PaymentBackend":
        """Rules for ``service`` and every later ``new_service`` (the default has no abuse limits)."""
        self.policy = policy
        self.service = self.new_service()
        return self

    def client(self, base_url: str = "", read_timeout: float = SERVICE_READ_TIMEOUT) -> OmariClient:
        return OmariClient(base_url or self.sandbox.base_url, MERCHANT_KEY, connect_timeout=1,
                           read_timeout=read_timeout)

    def new_service(self, base_url: str = "", store: Optional[BookingStore] = None,
                    read_timeout: float = SERVICE_READ_TIMEOUT) -> PaymentService:
        """Another service on the same store, e.g. with O'mari at another ``base_url``."""
        return PaymentService(store or self.store, self.client(base_url, read_timeout), self.policy)

    def action_server(self, policy: Optional[PaymentPolicy] = None, pool_size: int = 5,
                      request_limiter: Optional[OtpRequestLimiter] = None,
                      lookup_limiter_for: Optional[LookupLimiterFor] = None) -> PaymentService:
        """A service with its own store (own engine and pool), as a separate action server has."""
        store = self.action_server_stores(1, pool_size, request_limiter)[0]
        if request_limiter is not None:
            self._opened.append(request_limiter)
        lookups = lookup_limiter_for(store) if lookup_limiter_for else None
        client = self.client(read_timeout=ACTION_SERVER_READ_TIMEOUT)
        return PaymentService(store, client, self.policy if policy is None else policy, lookups)

    def action_server_stores(self, count: int, pool_size: int = 5,
                             request_limiter: Optional[OtpRequestLimiter] = None) -> List[BookingStore]:
        """``count`` stores on this database, disposed with the backend."""
        stores = [BookingStore(self.database_url, pool_size=pool_size, request_limiter=request_limiter)
                  for _ in range(count)]
        self._opened += stores
        return stores

    # -- the demo booking and the wallet's side ---------------------------------------------

    def start(self, msisdn: str = "263772123456", sender: str = "s1", amount: str = "50.00",
              service: Optional[PaymentService] = None, language: Optional[Language] = None) -> PaymentStart:
        """Start paying ``amount`` on the Slyker booking by EcoCash, from a conversation in ``language``."""
        return (service or self.service).start_payment(
            sender_id=sender, booking_lookup_key=SLYKER_KEY, amount=Decimal(amount),
            customer_channel="ecocash", msisdn=msisdn, language=language,
        )

    def paid(self) -> Decimal:
        booking = self.store.find_booking(SLYKER_KEY)
        assert booking is not None, "the demo bookings were seeded"
        return booking.amount_paid

    def wallet(self) -> List[Dict[str, Any]]:
        """The sandbox's ledger: one entry per /auth that reached it."""
        response = requests.get(f"{self.sandbox.root_url}/__sandbox/transactions", timeout=5)
        response.raise_for_status()
        return response.json()

    def debits(self) -> int:
        return sum(t["debit_count"] for t in self.wallet())

    def debited_total(self) -> Decimal:
        return sum((Decimal(t["amount"]) * t["debit_count"] for t in self.wallet()), Decimal("0.00"))

    def assert_booking_matches_wallet(self) -> None:
        """What the booking gained is exactly what left the wallet, once (and `ops audit` agrees)."""
        assert self.paid() == SLYKER_OPENING_PAID + self.debited_total()
        assert ops.main(["audit"]) == 0

    def age(self, reference: Optional[str], minutes: int) -> None:
        """Move one transaction (every one when ``reference`` is None) back in time by ``minutes``."""
        statement = update(PaymentTransaction)
        if reference is not None:
            statement = statement.where(PaymentTransaction.reference == reference)
        with self.store._session() as session:  # the tests rewrite history on purpose
            then = datetime.utcnow() - timedelta(minutes=minutes)
            session.execute(statement.values(created_at=then, updated_at=then)
                            .execution_options(synchronize_session=False))

    def close(self) -> None:
        for opened in self._opened + [self.store]:
            if isinstance(opened, BookingStore):
                opened.dispose()
            elif hasattr(opened, "close"):
                opened.close()
        self.sandbox.stop()


@pytest.fixture
def payment_backend(request: pytest.FixtureRequest, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[PaymentBackend]:
    """SQLite unless parametrised (``on_every_backend``); `payments.ops` run in-process sees the same parts."""
    backend_name = getattr(request, "param", "sqlite")
    backend = PaymentBackend(migrated_database_url(request, backend_name, tmp_path))
    monkeypatch.setenv("DATABASE_URL", backend.database_url)
    monkeypatch.setenv("OMARI_API_BASE_URL", backend.sandbox.base_url)
    monkeypatch.delenv("OMARI_MERCHANT_KEY", raising=False)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def actions_runtime() -> Iterator[Any]:
    """The actions' bridge to the service, reading its settings afresh from this test's environment.

    ``actions.runtime`` caches its settings and service for the life of the
    action server; a test sets its environment first and then calls the actions.
    """
    from actions import runtime

    runtime.settings.cache_clear()
    runtime.payment_service.cache_clear()
    try:
        yield runtime
    finally:
        runtime.payment_service.cache_clear()
        runtime.settings.cache_clear()
