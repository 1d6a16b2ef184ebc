"""A loopback O'mari merchant API for tests and local runs.

Run it with ``python -m omari_sandbox`` or, in tests, ``start_sandbox(port=0)``.
It never imports the assistant's code: it stands in for O'mari, not for us.
"""
from omari_sandbox.ledger import (
    AUTH_UNAVAILABLE_MSISDN,
    CONTRADICTORY_ANSWER_MSISDN,
    INSUFFICIENT_FUNDS_MSISDN,
    MALFORMED_ANSWER_MSISDN,
    QUERY_FAILS_ONCE_MSISDN,
    SERVER_ERROR_MSISDN,
    SLOW_MSISDN,
    UNREGISTERED_MSISDN,
)
from omari_sandbox.server import BASE_PATH, RunningSandbox, start_sandbox

__all__ = [
    "AUTH_UNAVAILABLE_MSISDN",
    "BASE_PATH",
    "CONTRADICTORY_ANSWER_MSISDN",
    "INSUFFICIENT_FUNDS_MSISDN",
    "MALFORMED_ANSWER_MSISDN",
    "QUERY_FAILS_ONCE_MSISDN",
    "RunningSandbox",
    "SERVER_ERROR_MSISDN",
    "SLOW_MSISDN",
    "UNREGISTERED_MSISDN",
    "start_sandbox",
]
