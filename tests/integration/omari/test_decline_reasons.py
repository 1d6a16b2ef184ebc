"""The client turns O'mari's refusals into a DeclineReason, so no caller reads a code.

Against the real sandbox over HTTP: each of its refusals reads as the reason
the service and the actions decide on; an answer that is not a clear refusal
has no reason at all.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from omari_sandbox.ledger import MAX_WRONG_OTPS
from omari_sandbox import AUTH_UNAVAILABLE_MSISDN, INSUFFICIENT_FUNDS_MSISDN, UNREGISTERED_MSISDN
from payments.omari import DeclineReason, OmariClient, Outcome, reason_of_recorded_code

MSISDN = "263774975187"
AMOUNT = Decimal("50.00")


@pytest.fixture
def client(sandbox) -> OmariClient:
    return OmariClient(sandbox.base_url, sandbox.merchant_key, connect_timeout=2.0, read_timeout=5.0)


def authorised(client: OmariClient, msisdn: str = MSISDN) -> str:
    reference = str(uuid.uuid4())
    assert client.authorise(msisdn, reference, AMOUNT, "USD").outcome is Outcome.SUCCESS
    return reference


def test_an_unknown_wallet_number_is_not_registered(client):
    auth = client.authorise(UNREGISTERED_MSISDN, str(uuid.uuid4()), AMOUNT, "USD")
    assert (auth.outcome, auth.decline_reason) == (Outcome.DECLINED, DeclineReason.NOT_REGISTERED)


def test_a_wrong_otp_then_too_many(client, sandbox):
    reference = authorised(client)
    reasons = [client.request_payment(MSISDN, reference, sandbox.wrong_otp).decline_reason
               for _ in range(MAX_WRONG_OTPS)]
    assert reasons == [DeclineReason.WRONG_OTP] * MAX_WRONG_OTPS
    after = client.request_payment(MSISDN, reference, sandbox.otp)  # even the right one, now
    assert after.decline_reason is DeclineReason.OTP_ATTEMPTS_EXCEEDED


def test_insufficient_funds(client, sandbox):
    reference = authorised(client, INSUFFICIENT_FUNDS_MSISDN)
    debit = client.request_payment(INSUFFICIENT_FUNDS_MSISDN, reference, sandbox.otp)
    assert debit.decline_reason is DeclineReason.INSUFFICIENT_FUNDS


def test_a_repeated_payment_and_an_unknown_reference_read_as_such(client, sandbox):
    reference = authorised(client)
    assert client.request_payment(MSISDN, reference, sandbox.otp).decline_reason is None  # paid: no refusal
    again = client.request_payment(MSISDN, reference, sandbox.otp)
    assert (again.outcome, again.decline_reason) == (Outcome.DECLINED, DeclineReason.DUPLICATE_REFERENCE)
    missing = client.query(str(uuid.uuid4()))
    assert missing.decline_reason is DeclineReason.TRANSACTION_NOT_FOUND


def test_an_answer_that_is_not_a_refusal_has_no_reason(client):
    auth = client.authorise(AUTH_UNAVAILABLE_MSISDN, str(uuid.uuid4()), AMOUNT, "USD")
    assert (auth.outcome, auth.decline_reason) == (Outcome.UNCERTAIN, None)


def test_a_code_kept_on_a_payment_row_reads_back_as_its_reason():
    assert reason_of_recorded_code("051") is DeclineReason.INSUFFICIENT_FUNDS
    assert reason_of_recorded_code("999") is DeclineReason.OTHER
    assert reason_of_recorded_code("000") is None and reason_of_recorded_code(None) is None
