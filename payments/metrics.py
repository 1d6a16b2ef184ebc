"""The payment backend's Prometheus metrics: payments, O'mari calls and the abuse limits.

Counted where they happen, in whichever process runs the backend: the action
server exposes them on its ``GET /metrics`` (actions/metrics.py). The stuck
money (pending, held, overpaid, untold) is not counted here but read from the
database when scraped (payments/store_gauges.py, served by payments/exporter.py),
so it is right whichever process changed it.

Every label value goes through one of the ``*_label`` functions below, which
map anything unexpected to ``other``: no label can carry a phone number, a
booking reference or a sender id, and the number of series stays fixed however
many customers pay (tests/unit/test_metrics_labels.py).
"""
from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import FrozenSet

from prometheus_client import Counter, Histogram, disable_created_metrics

from payments.limits.policy import LimitScope

# No `_created` series: twice the lines per scrape, and nothing here reads them.
disable_created_metrics()

OTHER = "other"
CHANNELS: FrozenSet[str] = frozenset({"ecocash", "onemoney", "zimswitch"})
CURRENCIES: FrozenSet[str] = frozenset({"USD", "ZWG"})  # the currencies bookings are in
OMARI_ENDPOINTS: FrozenSet[str] = frozenset({"auth", "request", "query", "void"})
VERDICTS: FrozenSet[str] = frozenset({"success", "declined", "uncertain"})
# How a payment can end; `held` is not final (a person settles it) but is where money waits.
# (TransactionStatus values; not imported, so the O'mari client can count its calls without the store.)
FINISHED_OUTCOMES: FrozenSet[str] = frozenset({"success", "failed", "cancelled", "held"})
# Which limit refused: OTP requests per scope, wrong OTPs per wallet, unknown booking references.
LIMIT_KINDS: FrozenSet[str] = frozenset(
    {f"otp_requests_{scope.value}" for scope in LimitScope} | {"wrong_otps_wallet", "booking_lookups"}
)
# The client's read timeout is 30 s by default: the last buckets tell a slow O'mari from a dead one.
OMARI_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 45.0)


def _bounded(value: object, allowed: FrozenSet[str], normalise=str.lower) -> str:
    text = normalise(str(value or "").strip())
    return text if text in allowed else OTHER


def channel_label(customer_channel: object) -> str:
    return _bounded(customer_channel, CHANNELS)


def currency_label(currency: object) -> str:
    return _bounded(currency, CURRENCIES, str.upper)


def endpoint_label(endpoint: object) -> str:
    """``/query/<reference>`` -> ``query``: the reference never reaches the label."""
    return _bounded(str(endpoint or "").strip("/").split("/")[0], OMARI_ENDPOINTS)


PAYMENTS_STARTED = Counter(
    "payments_started_total", "Payments started: a transaction written and O'mari asked for an OTP.", ["channel"])
PAYMENTS_FINISHED = Counter(
    "payments_finished_total",
    "Payments moved into a final state (or held for review) by this process, by outcome and channel.",
    ["outcome", "channel"])
CREDITED_AMOUNT = Counter(
    "payments_credited_amount_total", "Money credited to bookings by this process, in the booking's currency.",
    ["currency"])
OMARI_REQUESTS = Counter(
    "omari_requests_total", "Calls to O'mari's merchant API, by endpoint and verdict.", ["endpoint", "verdict"])
OMARI_DURATION = Histogram(
    "omari_request_duration_seconds", "How long O'mari's merchant API took to answer (or time out).",
    ["endpoint"], buckets=OMARI_LATENCY_BUCKETS)
LIMIT_REFUSALS = Counter(
    "payments_limit_refusals_total", "Requests an abuse limit refused (O'mari not called), by kind.", ["kind"])


def payment_started(customer_channel: str) -> None:
    PAYMENTS_STARTED.labels(channel_label(customer_channel)).inc()


def payment_finished(status: Enum, customer_channel: str) -> None:
    """``status`` is the TransactionStatus the payment was moved into."""
    PAYMENTS_FINISHED.labels(_bounded(status.value, FINISHED_OUTCOMES), channel_label(customer_channel)).inc()


def payment_credited(amount: Decimal, currency: str) -> None:
    # A float is fine for a monitoring total; the booking database holds the exact cents.
    CREDITED_AMOUNT.labels(currency_label(currency)).inc(float(amount))


def omari_called(endpoint: str, verdict: str, seconds: float) -> None:
    endpoint_name = endpoint_label(endpoint)
    OMARI_REQUESTS.labels(endpoint_name, _bounded(verdict, VERDICTS)).inc()
    OMARI_DURATION.labels(endpoint_name).observe(seconds)


def limit_refused(kind: str) -> None:
    LIMIT_REFUSALS.labels(_bounded(kind, LIMIT_KINDS)).inc()


def otp_request_limit_refused(scope: LimitScope) -> None:
    limit_refused(f"otp_requests_{scope.value}")


def _initialise() -> None:
    """Every series at zero from the start, so rates and ratios exist before the first event."""
    for channel in CHANNELS:
        PAYMENTS_STARTED.labels(channel)
        for outcome in FINISHED_OUTCOMES:
            PAYMENTS_FINISHED.labels(outcome, channel)
    for currency in CURRENCIES:
        CREDITED_AMOUNT.labels(currency)
    for endpoint in OMARI_ENDPOINTS:
        OMARI_DURATION.labels(endpoint)
        for verdict in VERDICTS:
            OMARI_REQUESTS.labels(endpoint, verdict)
    for kind in LIMIT_KINDS:
        LIMIT_REFUSALS.labels(kind)


_initialise()
