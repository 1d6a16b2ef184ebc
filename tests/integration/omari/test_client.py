"""OmariClient against the real sandbox over HTTP, and against servers that misbehave.

The sandbox covers what O'mari is documented to do; the canned server below
covers what a real network may do anyway (garbage bodies, inconsistent flags).
"""
from __future__ import annotations

import json
import logging
import socket
import uuid
from decimal import Decimal
from typing import Any, List

import pytest

from payments.omari import OmariClient, Outcome
from payments.settings import SANDBOX_BASE_PATH, SANDBOX_MERCHANT_KEY, load_settings
from omari_sandbox import (
    AUTH_UNAVAILABLE_MSISDN,
    INSUFFICIENT_FUNDS_MSISDN,
    SERVER_ERROR_MSISDN,
    SLOW_MSISDN,
    UNREGISTERED_MSISDN,
)

MSISDN = "263774975187"
AMOUNT = Decimal("50.00")


def new_reference() -> str:
    return str(uuid.uuid4())


def client_for(base_url: str, merchant_key: str, read_timeout: float = 5.0) -> OmariClient:
    return OmariClient(base_url, merchant_key, connect_timeout=2.0, read_timeout=read_timeout)


@pytest.fixture
def client(sandbox) -> OmariClient:
    return client_for(sandbox.base_url, sandbox.merchant_key)


def authorised(client: OmariClient, msisdn: str = MSISDN) -> str:
    reference = new_reference()
    assert client.authorise(msisdn, reference, AMOUNT, "USD").outcome is Outcome.SUCCESS
    return reference


# --- the documented flow ------------------------------------------------------------------

def test_happy_path(client, sandbox):
    reference = new_reference()
    auth = client.authorise(MSISDN, reference, AMOUNT, "USD")
    assert auth.outcome is Outcome.SUCCESS and auth.response_code == "000"
    assert auth.otp_reference and len(auth.otp_reference) == 4

    debit = client.request_payment(MSISDN, reference, sandbox.otp)
    assert debit.outcome is Outcome.SUCCESS and debit.response_code == "000"
    assert debit.payment_reference and debit.debit_reference

    confirmed = client.query(reference)
    assert confirmed.outcome is Outcome.SUCCESS and confirmed.status == "Success"
    assert isinstance(confirmed.amount, Decimal) and confirmed.amount == AMOUNT
    assert confirmed.currency == "USD"
    assert (confirmed.payment_reference, confirmed.debit_reference) == (
        debit.payment_reference, debit.debit_reference)
    assert sandbox.transaction(reference)["debit_count"] == 1


def test_from_settings_reaches_the_sandbox(sandbox):
    assert sandbox.base_url.endswith(SANDBOX_BASE_PATH)
    settings = load_settings({"OMARI_API_BASE_URL": sandbox.base_url,
                              "OMARI_MERCHANT_KEY": sandbox.merchant_key,
                              "OMARI_MERCHANT_CHANNEL": "POS"})
    client = OmariClient.from_settings(settings)
    reference = new_reference()
    assert client.authorise(MSISDN, reference, Decimal("3.5"), "ZWG").outcome is Outcome.SUCCESS
    record = sandbox.transaction(reference)
    assert (record["amount"], record["currency"], record["channel"]) == ("3.50", "ZWG", "POS")


def test_amount_with_more_than_two_decimals_is_refused_before_any_call(client, sandbox):
    with pytest.raises(ValueError):
        client.authorise(MSISDN, new_reference(), Decimal("1.005"), "USD")
    assert sandbox.transactions() == []


def test_wrong_otp_is_declined_then_right_otp_succeeds(client, sandbox):
    reference = authorised(client)
    wrong = client.request_payment(MSISDN, reference, sandbox.wrong_otp)
    assert (wrong.outcome, wrong.response_code, wrong.payment_reference) == (Outcome.DECLINED, "055", None)
    assert client.request_payment(MSISDN, reference, sandbox.otp).outcome is Outcome.SUCCESS


def test_pending_query_is_uncertain_and_unknown_reference_is_declined(client):
    reference = authorised(client)
    pending = client.query(reference)
    assert (pending.outcome, pending.status, pending.amount) == (Outcome.UNCERTAIN, "Pending", AMOUNT)
    missing = client.query(new_reference())
    assert (missing.outcome, missing.response_code) == (Outcome.DECLINED, "025")


def test_void(client, sandbox):
    pending = authorised(client)
    assert client.void(pending).outcome is Outcome.SUCCESS
    voided = client.query(pending)
    assert (voided.outcome, voided.status) == (Outcome.DECLINED, "Voided")

    paid = authorised(client)
    client.request_payment(MSISDN, paid, sandbox.otp)
    refused = client.void(paid)
    assert (refused.outcome, refused.response_code) == (Outcome.DECLINED, "012")


# --- the sandbox's test numbers -------------------------------------------------------------

def test_unregistered_number_is_declined(client):
    auth = client.authorise(UNREGISTERED_MSISDN, new_reference(), AMOUNT, "USD")
    assert (auth.outcome, auth.response_code, auth.otp_reference) == (Outcome.DECLINED, "014", None)


def test_auth_unavailable_is_uncertain(client):
    auth = client.authorise(AUTH_UNAVAILABLE_MSISDN, new_reference(), AMOUNT, "USD")
    assert (auth.outcome, auth.response_code, auth.otp_reference) == (Outcome.UNCERTAIN, "091", None)


def test_insufficient_funds_is_declined_and_query_confirms(client, sandbox):
    reference = authorised(client, INSUFFICIENT_FUNDS_MSISDN)
    debit = client.request_payment(INSUFFICIENT_FUNDS_MSISDN, reference, sandbox.otp)
    assert (debit.outcome, debit.response_code) == (Outcome.DECLINED, "051")
    assert client.query(reference).outcome is Outcome.DECLINED


def test_server_error_is_uncertain_until_queried(client, sandbox):
    reference = authorised(client, SERVER_ERROR_MSISDN)
    debit = client.request_payment(SERVER_ERROR_MSISDN, reference, sandbox.otp)
    assert (debit.outcome, debit.response_code) == (Outcome.UNCERTAIN, "096")
    confirmed = client.query(reference)
    assert (confirmed.outcome, confirmed.status) == (Outcome.DECLINED, "Failed")


def test_read_timeout_is_uncertain_and_query_finds_the_debit(sandbox):
    impatient = client_for(sandbox.base_url, sandbox.merchant_key, read_timeout=0.5)
    reference = authorised(impatient, SLOW_MSISDN)
    debit = impatient.request_payment(SLOW_MSISDN, reference, sandbox.otp)
    assert (debit.outcome, debit.response_code) == (Outcome.UNCERTAIN, None)
    confirmed = impatient.query(reference)
    assert (confirmed.outcome, confirmed.amount) == (Outcome.SUCCESS, AMOUNT)
    assert sandbox.transaction(reference)["debit_count"] == 1


# --- transport and key failures -------------------------------------------------------------

def test_wrong_key_is_declined_but_says_nothing_about_a_transaction(sandbox, client):
    reference = authorised(client)
    outsider = client_for(sandbox.base_url, "not-the-key")
    auth = outsider.authorise(MSISDN, new_reference(), AMOUNT, "USD")
    assert (auth.outcome, auth.response_code) == (Outcome.DECLINED, "063")
    assert outsider.query(reference).outcome is Outcome.UNCERTAIN


def test_nothing_listening_is_uncertain():
    # Bound but never listening: connections are refused and no other process can take the port.
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
        offline = client_for(f"http://127.0.0.1:{port}{SANDBOX_BASE_PATH}", SANDBOX_MERCHANT_KEY)
        reference = new_reference()
        auth = offline.authorise(MSISDN, reference, AMOUNT, "USD")
        assert (auth.outcome, auth.response_code) == (Outcome.UNCERTAIN, None)
        assert offline.request_payment(MSISDN, reference, "123456").outcome is Outcome.UNCERTAIN
        assert offline.query(reference).outcome is Outcome.UNCERTAIN
        assert offline.void(reference).outcome is Outcome.UNCERTAIN


def test_wire_format(canned):
    canned.answer(200, {"error": False, "message": "Auth Success", "responseCode": "000",
                        "otpReference": "ETDC"})
    client = client_for(canned.base_url, "wire-key")
    reference = new_reference()
    assert client.authorise(MSISDN, reference, Decimal("3.5"), "USD").outcome is Outcome.SUCCESS
    method, path, headers, body = canned.received[0]
    assert (method, path) == ("POST", "/api/auth")
    assert headers["X-Merchant-Key"] == "wire-key"
    assert headers["Content-Type"] == headers["Accept"] == "application/json"
    assert b'"amount": 3.50' in body  # a JSON number with two decimals, not "3.5" nor a string
    assert json.loads(body) == {"msisdn": MSISDN, "reference": reference, "amount": 3.5,
                                "currency": "USD", "channel": "WEB"}


@pytest.mark.parametrize("status, body", [
    (200, b"<html>gateway</html>"), (200, b"[1, 2]"), (200, b""), (200, b"\xff\xfe"),
    (502, b"Bad gateway"), (503, {"error": True, "message": "down", "responseCode": "091"}),
    (200, {"message": "no flags at all"}), (302, b""),
])
def test_unreadable_or_server_side_answers_are_uncertain(canned, status, body):
    canned.answer(status, body)
    client = client_for(canned.base_url, "key")
    reference = new_reference()
    assert client.authorise(MSISDN, reference, AMOUNT, "USD").outcome is Outcome.UNCERTAIN
    assert client.request_payment(MSISDN, reference, "123456").outcome is Outcome.UNCERTAIN
    assert client.query(reference).outcome is Outcome.UNCERTAIN
    assert client.void(reference).outcome is Outcome.UNCERTAIN


@pytest.mark.parametrize("error, code", [(False, "091"), (False, "001"), (True, "000"), (None, "000")])
def test_flag_and_code_that_disagree_are_uncertain_never_success_nor_refusal(canned, error, code):
    # `error: false` with a failure code may hide a debit: neither credit nor fail on it.
    body = {"message": "Timeout", "responseCode": code, "otpReference": "ABCD",
            "paymentReference": "X" * 26, "debitReference": "ab" * 6}
    if error is not None:
        body["error"] = error
    canned.answer(200, body)
    client = client_for(canned.base_url, "key")
    auth = client.authorise(MSISDN, new_reference(), AMOUNT, "USD")
    assert (auth.outcome, auth.response_code, auth.otp_reference) == (Outcome.UNCERTAIN, code, None)
    debit = client.request_payment(MSISDN, new_reference(), "123456")
    assert (debit.outcome, debit.payment_reference) == (Outcome.UNCERTAIN, None)


def test_auth_success_without_otp_reference_is_not_success(canned):
    canned.answer(200, {"error": False, "message": "Auth Success", "responseCode": "000"})
    auth = client_for(canned.base_url, "key").authorise(MSISDN, new_reference(), AMOUNT, "USD")
    assert auth.outcome is Outcome.UNCERTAIN and auth.otp_reference is None


@pytest.mark.parametrize("status, outcome", [
    ("SUCCESS", Outcome.SUCCESS), ("success", Outcome.SUCCESS), ("Reversed", Outcome.DECLINED),
    ("EXPIRED", Outcome.DECLINED), ("cancelled", Outcome.DECLINED), ("In Progress", Outcome.UNCERTAIN),
    ("Pending", Outcome.UNCERTAIN), ("Mystery", Outcome.UNCERTAIN), (None, Outcome.UNCERTAIN),
])
def test_query_status_mapping(canned, status, outcome):
    reference = new_reference()
    canned.answer(200, {"error": False, "message": "Success", "responseCode": "000", "status": status,
                        "reference": reference, "amount": 3.5, "currency": "USD"})
    result = client_for(canned.base_url, "key").query(reference)
    assert result.outcome is outcome and result.status == status
    assert result.amount == Decimal("3.5")


def test_query_answer_for_another_reference_is_uncertain(canned):
    canned.answer(200, {"error": False, "message": "Success", "responseCode": "000", "status": "Success",
                        "reference": new_reference(), "amount": 3.5, "currency": "USD"})
    assert client_for(canned.base_url, "key").query(new_reference()).outcome is Outcome.UNCERTAIN


# --- secrets stay out of logs -----------------------------------------------------------------

def test_otp_and_merchant_key_never_logged(caplog, sandbox):
    caplog.set_level(logging.DEBUG)  # every logger, every level, urllib3 included
    client = client_for(sandbox.base_url, sandbox.merchant_key)
    impatient = client_for(sandbox.base_url, sandbox.merchant_key, read_timeout=0.5)
    outsider = client_for(sandbox.base_url, "wrong-" + sandbox.merchant_key[::-1])
    results: List[Any] = [repr(client)]

    reference = new_reference()
    results.append(client.authorise(MSISDN, reference, AMOUNT, "USD"))
    results.append(client.request_payment(MSISDN, reference, sandbox.wrong_otp))
    results.append(client.request_payment(MSISDN, reference, sandbox.otp))
    results.append(client.request_payment(MSISDN, reference, sandbox.otp))  # duplicate
    results.append(client.query(reference))
    results.append(client.void(reference))
    slow = new_reference()
    results.append(impatient.authorise(SLOW_MSISDN, slow, AMOUNT, "USD"))
    results.append(impatient.request_payment(SLOW_MSISDN, slow, sandbox.otp))
    results.append(outsider.request_payment(MSISDN, reference, sandbox.otp))

    assert caplog.records, "the client should log one line per call"
    assert any("omari POST request" in record.getMessage() for record in caplog.records)
    secrets = [sandbox.otp, sandbox.wrong_otp, sandbox.merchant_key]
    for record in caplog.records:
        text = " ".join([record.getMessage(), str(record.args), record.exc_text or ""])
        for secret in secrets:
            assert secret not in text, f"secret leaked in {record.name} log record"
    assert MSISDN not in caplog.text  # msisdns are masked
    for result in results:
        for secret in secrets:
            assert secret not in repr(result)
