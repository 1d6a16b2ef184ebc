"""OTP request limits counted in Redis (RATE_LIMIT_REDIS_URL), shared by every action server.

Each "action server" here is its own BookingStore, RedisRequestLimiter and
PaymentService; they share one database, one real Redis and the O'mari
sandbox, whose ledger shows every /auth that went out.
"""
from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
import requests
from sqlalchemy import update

from actions import runtime
from payments.limits.policy import LimitScope, RequestLimit, RequestLimitReached
from payments.store.demo_data import seed_demo_bookings
from payments.store.models import PaymentTransaction
from payments.omari import OmariClient
from payments.service import PaymentPolicy, PaymentService, StartOutcome
from payments.limits.otp_requests import DatabaseRequestLimiter, OtpRequestLimiter, RedisRequestLimiter
from payments.store.repository import BookingStore
from omari_sandbox import start_sandbox
from tests.support.databases import migrated_database_url
from tools.local_servers import free_port

WINDOW = RequestLimit(3, timedelta(minutes=15), "15 minutes")
DAY = RequestLimit(10, timedelta(days=1), "day")
SLYKER_KEY = "BKSLYKERTECH20251023"


class Deployment:
    """One database and one sandbox; action servers are added with :meth:`action_server`."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.sandbox = start_sandbox(port=0, otp="123456")
        self.store = BookingStore(database_url)
        seed_demo_bookings(self.store)
        self._opened: List[object] = [self.store]

    def action_server(self, limiter: OtpRequestLimiter) -> PaymentService:
        store = BookingStore(self.database_url, pool_size=5, request_limiter=limiter)
        self._opened += [store, limiter]
        client = OmariClient(self.sandbox.base_url, "sandbox-merchant-key", connect_timeout=1, read_timeout=5)
        return PaymentService(store, client, PaymentPolicy(request_limits=(WINDOW, DAY)))

    def redis_server(self, redis_url: str) -> PaymentService:
        return self.action_server(RedisRequestLimiter(redis_url))

    def auth_calls(self) -> int:
        response = requests.get(f"{self.sandbox.root_url}/__sandbox/transactions", timeout=5)
        response.raise_for_status()
        return len(response.json())

    def rows(self, sender: str) -> int:
        return len(self.store.list_transactions(sender_id=sender))

    def age_all(self, minutes: int) -> None:
        """Move every transaction back in time, as if made ``minutes`` ago."""
        with self.store._session() as session:
            session.execute(update(PaymentTransaction)
                            .values(created_at=datetime.utcnow() - timedelta(minutes=minutes))
                            .execution_options(synchronize_session=False))

    def close(self) -> None:
        for opened in self._opened:
            (opened.dispose if isinstance(opened, BookingStore) else getattr(opened, "close", lambda: None))()
        self.sandbox.stop()


@pytest.fixture
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    built = Deployment(migrated_database_url(request, getattr(request, "param", "sqlite"), tmp_path))
    yield built
    built.close()


@pytest.fixture
def sender() -> str:
    """A sender id no other test used: Redis outlives each test."""
    return f"2637{uuid.uuid4().int % 10**8:08d}"


def start(service: PaymentService, sender: str, amount: str = "5.00"):
    return service.start_payment(sender_id=sender, booking_lookup_key=SLYKER_KEY, amount=Decimal(amount),
                                 customer_channel="ecocash", msisdn="263772123456")


def test_the_limit_holds_across_two_action_servers_and_a_refusal_leaves_nothing(
        deployment, redis_url, sender) -> None:
    first, second = deployment.redis_server(redis_url), deployment.redis_server(redis_url)
    counter = RedisRequestLimiter(redis_url)
    for service in (first, second, first):
        assert start(service, sender).outcome is StartOutcome.OTP_SENT
    assert (counter.remaining(sender, WINDOW), counter.remaining(sender, DAY)) == (0, 7)
    refused = start(second, sender)
    # What the customer is told is exactly what the database count told them.
    assert (refused.outcome, refused.limit) == (StartOutcome.LIMIT_REACHED, WINDOW)
    assert refused.transaction is None
    assert (deployment.auth_calls(), deployment.rows(sender)) == (3, 3)  # no /auth, no row
    assert counter.remaining(sender, DAY) == 7  # and the refusal used up none of the day
    assert start(first, f"{sender}-other").outcome is StartOutcome.OTP_SENT  # other senders unaffected
    counter.close()


def test_a_refusal_by_a_later_limit_records_nothing_under_the_earlier_one(deployment, redis_url, sender) -> None:
    """Every limit is tested before any is recorded, so a refusal costs the sender nothing."""
    tight_day = RequestLimit(2, timedelta(days=1), "day")
    limiter = RedisRequestLimiter(redis_url)
    for _ in range(2):
        limiter.admit(None, {LimitScope.SENDER: sender}, (WINDOW, tight_day))  # type: ignore[arg-type] - Redis needs no session
    with pytest.raises(RequestLimitReached) as refused:
        limiter.admit(None, {LimitScope.SENDER: sender}, (WINDOW, tight_day))  # type: ignore[arg-type]
    assert refused.value.limit == tight_day
    assert limiter.remaining(sender, WINDOW) == 1
    limiter.close()


def test_redis_not_the_database_decides_when_it_is_configured(deployment, redis_url, sender) -> None:
    """Rows that fell out of the database's window still count in Redis's, and the other way round."""
    service = deployment.redis_server(redis_url)
    for _ in range(3):
        assert start(service, sender).outcome is StartOutcome.OTP_SENT
    deployment.age_all(minutes=60)  # the database would now allow three more
    assert start(service, sender).outcome is StartOutcome.LIMIT_REACHED
    # A sender Redis has never seen is admitted even with 10 rows today in the database.
    fresh = f"{sender}-db-only"
    for _ in range(10):
        start(deployment.action_server(DatabaseRequestLimiter()), fresh)
        deployment.age_all(minutes=60)
    assert start(service, fresh).outcome is StartOutcome.OTP_SENT


def test_eight_action_servers_racing_for_one_sender_admit_three(deployment, redis_url, sender) -> None:
    services = [deployment.redis_server(redis_url) for _ in range(8)]
    barrier = threading.Barrier(8)

    def request(service: PaymentService) -> StartOutcome:
        barrier.wait()
        return start(service, sender).outcome

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(request, services))
    assert outcomes.count(StartOutcome.OTP_SENT) == 3
    assert outcomes.count(StartOutcome.LIMIT_REACHED) == 5
    assert (deployment.auth_calls(), deployment.rows(sender)) == (3, 3)


def test_with_redis_down_payments_work_and_the_database_keeps_the_limit(deployment, sender, caplog) -> None:
    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    service = deployment.redis_server(nothing_there)
    with caplog.at_level(logging.WARNING, logger="payments.limits.otp_requests"):
        outcomes = [start(service, sender).outcome for _ in range(4)]
    assert outcomes == [StartOutcome.OTP_SENT] * 3 + [StartOutcome.LIMIT_REACHED]
    assert (deployment.auth_calls(), deployment.rows(sender)) == (3, 3)
    warnings = [r.getMessage() for r in caplog.records if r.name == "payments.limits.otp_requests"]
    assert len(warnings) == 4 and all("counting this request in the database" in w for w in warnings)
    assert all("127.0.0.1" not in w for w in warnings)  # no URL (it may carry a password) in the log


def test_the_action_server_counts_in_redis_when_configured(
        tmp_path, monkeypatch, request, redis_url, sender) -> None:
    """RATE_LIMIT_REDIS_URL is the only switch: the running service then refuses on Redis's count."""
    database_url = migrated_database_url(request, "sqlite", tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RATE_LIMIT_REDIS_URL", redis_url)
    sandbox = start_sandbox(port=0, otp="123456")
    monkeypatch.setenv("OMARI_API_BASE_URL", sandbox.base_url)
    monkeypatch.delenv("OMARI_MERCHANT_KEY", raising=False)
    runtime.settings.cache_clear()
    runtime.payment_service.cache_clear()
    counter: Optional[RedisRequestLimiter] = None
    try:
        store = BookingStore(database_url)
        seed_demo_bookings(store)
        store.dispose()
        counter = RedisRequestLimiter(redis_url)
        for _ in range(3):  # three requests another action server made, known only to Redis
            counter.admit(None, {LimitScope.SENDER: sender}, (WINDOW, DAY))  # type: ignore[arg-type] - Redis needs no session
        assert start(runtime.payment_service(), sender).outcome is StartOutcome.LIMIT_REACHED
    finally:
        if counter:
            counter.close()
        runtime.payment_service.cache_clear()
        runtime.settings.cache_clear()
        sandbox.stop()
