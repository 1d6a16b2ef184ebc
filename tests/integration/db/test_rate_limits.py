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
from datetime import timedelta
from decimal import Decimal

import pytest

from payments.limits.policy import LimitScope, RequestLimit, RequestLimitReached
from payments.service import PaymentPolicy, PaymentService, StartOutcome
from payments.limits.otp_requests import DatabaseRequestLimiter, RedisRequestLimiter
from tests.support.payment_backend import SLYKER_KEY, PaymentBackend
from tools.local_servers import free_port

WINDOW = RequestLimit(3, timedelta(minutes=15), "15 minutes")
DAY = RequestLimit(10, timedelta(days=1), "day")


@pytest.fixture
def deployment(payment_backend: PaymentBackend) -> PaymentBackend:
    """One database and one sandbox; each action server gets its own store and limiter."""
    return payment_backend.with_policy(PaymentPolicy(request_limits=(WINDOW, DAY)))


def redis_server(deployment: PaymentBackend, redis_url: str) -> PaymentService:
    """An action server counting OTP requests in the Redis at ``redis_url``."""
    return deployment.action_server(request_limiter=RedisRequestLimiter(redis_url))


def rows(deployment: PaymentBackend, sender: str) -> int:
    return len(deployment.store.list_transactions(sender_id=sender))


@pytest.fixture
def sender() -> str:
    """A sender id no other test used: Redis outlives each test."""
    return f"2637{uuid.uuid4().int % 10**8:08d}"


def start(service: PaymentService, sender: str, amount: str = "5.00"):
    return service.start_payment(sender_id=sender, booking_lookup_key=SLYKER_KEY, amount=Decimal(amount),
                                 customer_channel="ecocash", msisdn="263772123456")


def test_the_limit_holds_across_two_action_servers_and_a_refusal_leaves_nothing(
        deployment, redis_url, sender) -> None:
    first, second = redis_server(deployment, redis_url), redis_server(deployment, redis_url)
    counter = RedisRequestLimiter(redis_url)
    for service in (first, second, first):
        assert start(service, sender).outcome is StartOutcome.OTP_SENT
    assert (counter.remaining(sender, WINDOW), counter.remaining(sender, DAY)) == (0, 7)
    refused = start(second, sender)
    # What the customer is told is exactly what the database count told them.
    assert (refused.outcome, refused.limit) == (StartOutcome.LIMIT_REACHED, WINDOW)
    assert refused.transaction is None
    assert (len(deployment.wallet()), rows(deployment, sender)) == (3, 3)  # no /auth, no row
    assert counter.remaining(sender, DAY) == 7  # and the refusal used up none of the day
    assert start(first, f"{sender}-other").outcome is StartOutcome.OTP_SENT  # other senders unaffected
    counter.close()


def test_a_refusal_by_a_later_limit_records_nothing_under_the_earlier_one(deployment, redis_url, sender) -> None:
    """Every limit is tested before any is recorded, so a refusal costs the sender nothing."""
    tight_day = RequestLimit(2, timedelta(days=1), "day")
    limiter = RedisRequestLimiter(redis_url)
    for _ in range(2):
        limiter.admit(None, {LimitScope.SENDER: sender}, (WINDOW, tight_day))  # Redis needs no session
    with pytest.raises(RequestLimitReached) as refused:
        limiter.admit(None, {LimitScope.SENDER: sender}, (WINDOW, tight_day))
    assert refused.value.limit == tight_day
    assert limiter.remaining(sender, WINDOW) == 1
    limiter.close()


def test_redis_not_the_database_decides_when_it_is_configured(deployment, redis_url, sender) -> None:
    """Rows that fell out of the database's window still count in Redis's, and the other way round."""
    service = redis_server(deployment, redis_url)
    for _ in range(3):
        assert start(service, sender).outcome is StartOutcome.OTP_SENT
    deployment.age(None, minutes=60)  # the database would now allow three more
    assert start(service, sender).outcome is StartOutcome.LIMIT_REACHED
    # A sender Redis has never seen is admitted even with 10 rows today in the database.
    fresh = f"{sender}-db-only"
    for _ in range(10):
        start(deployment.action_server(request_limiter=DatabaseRequestLimiter()), fresh)
        deployment.age(None, minutes=60)
    assert start(service, fresh).outcome is StartOutcome.OTP_SENT


def test_eight_action_servers_racing_for_one_sender_admit_three(deployment, redis_url, sender) -> None:
    services = [redis_server(deployment, redis_url) for _ in range(8)]
    barrier = threading.Barrier(8)

    def request(service: PaymentService) -> StartOutcome:
        barrier.wait()
        return start(service, sender).outcome

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(request, services))
    assert outcomes.count(StartOutcome.OTP_SENT) == 3
    assert outcomes.count(StartOutcome.LIMIT_REACHED) == 5
    assert (len(deployment.wallet()), rows(deployment, sender)) == (3, 3)


def test_with_redis_down_payments_work_and_the_database_keeps_the_limit(deployment, sender, caplog) -> None:
    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    service = redis_server(deployment, nothing_there)
    with caplog.at_level(logging.WARNING, logger="payments.limits.otp_requests"):
        outcomes = [start(service, sender).outcome for _ in range(4)]
    assert outcomes == [StartOutcome.OTP_SENT] * 3 + [StartOutcome.LIMIT_REACHED]
    assert (len(deployment.wallet()), rows(deployment, sender)) == (3, 3)
    warnings = [r.getMessage() for r in caplog.records if r.name == "payments.limits.otp_requests"]
    assert len(warnings) == 4 and all("counting this request in the database" in w for w in warnings)
    assert all("127.0.0.1" not in w for w in warnings)  # no URL (it may carry a password) in the log


def test_the_action_server_counts_in_redis_when_configured(
        payment_backend, actions_runtime, monkeypatch, redis_url, sender) -> None:
    """RATE_LIMIT_REDIS_URL is the only switch: the running service then refuses on Redis's count."""
    monkeypatch.setenv("RATE_LIMIT_REDIS_URL", redis_url)
    counter = RedisRequestLimiter(redis_url)
    try:
        for _ in range(3):  # three requests another action server made, known only to Redis
            counter.admit(None, {LimitScope.SENDER: sender}, (WINDOW, DAY))  # Redis needs no session
        assert start(actions_runtime.payment_service(), sender).outcome is StartOutcome.LIMIT_REACHED
    finally:
        counter.close()


def test_in_redis_a_bookings_limit_counts_one_chat_and_a_wallet_owner_is_counted_apart(
        payment_backend: PaymentBackend, redis_url: str, sender: str) -> None:
    """Issue 25 (griefing): the same per-identity counting as the database's, across action servers."""
    booking = RequestLimit(2, timedelta(minutes=15), "15 minutes", LimitScope.BOOKING)
    wallet = RequestLimit(2, timedelta(minutes=15), "15 minutes", LimitScope.WALLET)
    deployment = payment_backend.with_policy(PaymentPolicy(request_limits=(booking, wallet)))
    first, second = redis_server(deployment, redis_url), redis_server(deployment, redis_url)
    msisdn = sender  # a fresh wallet number: Redis outlives each test

    def ask(service: PaymentService, chat: str):
        return service.start_payment(sender_id=chat, booking_lookup_key=SLYKER_KEY, amount=Decimal("5.00"),
                                     customer_channel="ecocash", msisdn=msisdn)

    assert [ask(service, f"rest:{sender}-a").outcome for service in (first, second)] == [StartOutcome.OTP_SENT] * 2
    refused = ask(first, f"rest:{sender}-a")
    assert (refused.outcome, refused.limit) == (StartOutcome.LIMIT_REACHED, booking)
    at_wallet = ask(second, f"rest:{sender}-b")  # another chat: its own booking count, the shared wallet's
    assert (at_wallet.outcome, at_wallet.limit) == (StartOutcome.LIMIT_REACHED, wallet)
    assert ask(first, f"whatsapp:{msisdn}").outcome is StartOutcome.OTP_SENT  # the wallet's owner
