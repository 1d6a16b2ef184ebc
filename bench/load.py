"""Simulated customers for `make bench`: each pays one booking end to end over REST.

A customer is a thread with its own HTTP session typing the six messages a real
customer types (pay, reference, amount, channel, number, OTP). Every turn is
timed from request to reply, and checked: a turn whose reply is not the next
step of the payment counts as an error, as does any HTTP failure.
"""
from __future__ import annotations

import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple, Union

import requests

from payments.store.models import Booking
from parsing import booking_reference_key
from payments.store.repository import BookingStore

PAYMENT_AMOUNT = Decimal("50.00")
BOOKING_TOTAL = Decimal("1000.00")
SLOW_MSISDN = "263770000003"  # the sandbox holds /request's answer past the client's timeout
# A load run is the merchant's own traffic, not an attack: the merchant-wide
# OTP limit per minute and the per-wallet limit (the slow-call runs reuse one
# wallet) are raised for it; the per-chat limits stay as configured.
LOAD_TEST_LIMITS = {"OTP_MERCHANT_REQUESTS_PER_MINUTE": "100000", "OTP_WALLET_REQUEST_LIMIT": "1000",
                    "OTP_WALLET_REQUEST_DAILY_LIMIT": "1000", "OTP_BOOKING_REQUEST_LIMIT": "1000"}


@dataclass(frozen=True)
class Customer:
    """One simulated customer and the booking only they pay."""

    sender: str
    booking_reference: str
    msisdn: str


def bench_customers(count: int, prefix: str, first: int = 1) -> List[Customer]:
    """``count`` customers, each with a distinct booking, wallet and sender id."""
    return [
        Customer(f"bench-{prefix}-{n}", f"BK-B{n:04d}-20270115", f"2637721{n:05d}")
        for n in range(first, first + count)
    ]


def seed_bookings(store: BookingStore, customers: Sequence[Customer]) -> None:
    """One unpaid USD booking per customer (the tables must exist: payments.store.migrations.upgrade_to_head)."""
    for customer in customers:
        store.add_booking(Booking(
            reference=customer.booking_reference, lookup_key=booking_reference_key(customer.booking_reference),
            customer_name="Bench Customer", customer_phone=customer.msisdn, tour_name="Bench Safari",
            total=BOOKING_TOTAL, amount_paid=Decimal("0.00"), currency="USD", status="pending",
        ))


def payment_script(customer: Customer, otp: str) -> List[Tuple[str, str]]:
    """(message, text the reply must contain) for one whole payment."""
    return [
        ("pay", "booking reference"),
        (customer.booking_reference, "amount"),
        (str(PAYMENT_AMOUNT), "payment channel"),
        ("ecocash", "mobile number"),
        (customer.msisdn, "shall i go ahead"),  # the payment said back before any OTP
        ("yes", "otp"),
        (otp, "payment received"),
    ]


@dataclass
class TurnLog:
    """Latencies (seconds) of every turn, and what went wrong."""

    latencies: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)


def say(http: requests.Session, rasa_url: str, sender: str, message: str, timeout: float = 120) -> Tuple[float, str]:
    """One turn over the REST channel: (seconds, every reply's text lower-cased)."""
    started = time.perf_counter()
    response = http.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                         timeout=timeout)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    text = "\n".join(reply.get("text") or "" for reply in response.json()).lower().replace("*", "")
    return elapsed, text


RasaUrls = Union[str, Sequence[str]]
# Seconds a customer takes to read a reply and type the next message: (shortest, longest).
Pause = Tuple[float, float]
# Quicker than people are: reading a reply, typing a booking reference or
# waiting for the OTP's SMS each take longer than 3 s.
HUMAN_PAUSE_SECONDS: Pause = (1.0, 3.0)


def pay(rasa_urls: RasaUrls, customer: Customer, otp: str, script: Optional[List[Tuple[str, str]]] = None,
        pause: Optional[Pause] = None) -> TurnLog:
    """Run one customer's whole payment (or ``script``); never raises.

    With several Rasa URLs the turns go to each in turn, as a load balancer
    may send them (tests/scale/ proves any instance can take any turn).
    With ``pause`` the customer waits a random time in that range before every
    message, as a person opening the chat, reading and typing does, so
    customers told to start together do not all send their first message in
    the same millisecond (the same times on every run: the random generator is
    seeded with the sender id).
    """
    urls = [rasa_urls] if isinstance(rasa_urls, str) else list(rasa_urls)
    log = TurnLog()
    pauses = random.Random(customer.sender)
    with requests.Session() as http:
        for turn, (message, expected) in enumerate(script or payment_script(customer, otp)):
            if pause:
                time.sleep(pauses.uniform(*pause))
            try:
                elapsed, text = say(http, urls[turn % len(urls)], customer.sender, message)
            except requests.RequestException as error:
                log.errors.append(f"{customer.sender}: {type(error).__name__} on {message!r}")
                return log
            log.latencies.append(elapsed)
            if expected not in text:
                log.errors.append(f"{customer.sender}: after {message!r} expected {expected!r}, got {text[:120]!r}")
                return log
    return log


@dataclass
class LoadResult:
    customers: int
    turns: int
    seconds: float
    latencies: List[float]
    errors: List[str]

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0


def pay_concurrently(rasa_urls: RasaUrls, customers: Sequence[Customer], otp: str,
                     pause: Optional[Pause] = None) -> LoadResult:
    """All ``customers`` pay at once, one thread each; wall time covers the slowest.

    Without ``pause`` each customer sends the next message the moment the
    reply arrives: the assistant is saturated and the turns queue.
    """
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(customers)) as pool:
        logs = list(pool.map(lambda customer: pay(rasa_urls, customer, otp, pause=pause), customers))
    seconds = time.perf_counter() - started
    latencies = [latency for log in logs for latency in log.latencies]
    return LoadResult(len(customers), len(latencies), seconds, latencies,
                      [error for log in logs for error in log.errors])


def percentiles_ms(samples: Sequence[float]) -> Dict[str, Optional[float]]:
    """p50/p95/p99 in milliseconds (None without enough samples to say)."""
    if len(samples) < 2:
        only = round(samples[0] * 1000, 1) if samples else None
        return {"p50": only, "p95": only, "p99": only, "n": len(samples)}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49] * 1000, 1), "p95": round(cuts[94] * 1000, 1),
            "p99": round(cuts[98] * 1000, 1), "n": len(samples)}


def parse_latencies(rasa_url: str, messages: Sequence[str]) -> List[float]:
    """Bare NLU: the same messages through /model/parse (no tracker, no actions)."""
    latencies = []
    with requests.Session() as http:
        for message in messages:
            started = time.perf_counter()
            http.post(f"{rasa_url}/model/parse", json={"text": message}, timeout=60).raise_for_status()
            latencies.append(time.perf_counter() - started)
    return latencies


def credited_exactly_once(store: BookingStore, sandbox_transactions: List[dict],
                          customers: Sequence[Customer]) -> List[str]:
    """Problems found (empty when every booking got one credit and one debit)."""
    debits = {t["reference"]: t["debit_count"] for t in sandbox_transactions}
    problems = []
    for customer in customers:
        booking = store.find_booking_by_reference(customer.booking_reference)
        transactions = store.list_transactions(booking_reference=customer.booking_reference)
        succeeded = [t for t in transactions if t.status == "success"]
        if booking is None or booking.amount_paid != PAYMENT_AMOUNT or len(succeeded) != 1:
            problems.append(f"{customer.booking_reference}: paid {booking.amount_paid if booking else '?'}, "
                            f"{len(succeeded)} successful transactions")
            continue
        if debits.get(succeeded[0].reference) != 1:
            problems.append(f"{customer.booking_reference}: sandbox debit count "
                            f"{debits.get(succeeded[0].reference)}")
    return problems
