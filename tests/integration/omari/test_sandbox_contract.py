"""The sandbox honours the O'mari contract, driven with raw HTTP.

These tests pin the sandbox's behaviour independently of our client, so a
client bug cannot hide behind a matching sandbox bug.
"""
from __future__ import annotations

import re
import threading
import uuid
from decimal import Decimal
from typing import Any, Dict

import pytest
import requests

from omari_sandbox import (
    AUTH_UNAVAILABLE_MSISDN,
    CONTRADICTORY_ANSWER_MSISDN,
    INSUFFICIENT_FUNDS_MSISDN,
    MALFORMED_ANSWER_MSISDN,
    QUERY_FAILS_ONCE_MSISDN,
    SERVER_ERROR_MSISDN,
    SLOW_MSISDN,
    UNREGISTERED_MSISDN,
)

MSISDN = "263774975187"
OTHER_MSISDN = "263771234567"
TIMEOUT = (2.0, 10.0)


def new_reference() -> str:
    return str(uuid.uuid4())


def assert_error(response: requests.Response, status: int, code: str) -> Dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "responseCode"}
    assert body["error"] is True and body["responseCode"] == code
    assert re.fullmatch(r"[0-9]{3}", code) and code != "000"
    assert isinstance(body["message"], str) and body["message"]
    return body


# --- helpers outside the contract ---------------------------------------------------------

def test_health(sandbox):
    response = requests.get(f"{sandbox.root_url}/health", timeout=TIMEOUT)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_inspection_lists_transactions_without_the_otp(sandbox):
    reference = sandbox.authorised(amount=Decimal("3.5"))
    sandbox.pay(reference, sandbox.otp)
    response = requests.get(f"{sandbox.root_url}/__sandbox/transactions", timeout=TIMEOUT)
    assert sandbox.otp not in response.text
    (record,) = response.json()
    assert record["amount"] == "3.50" and record["debit_count"] == 1 and record["otp_attempts"] == 1
    assert {"reference", "msisdn", "currency", "channel", "status", "paymentReference",
            "debitReference"} <= set(record)


# --- key and validation -------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"X-Merchant-Key": "wrong"}, {"X-Merchant-Key": ""}])
@pytest.mark.parametrize("endpoint", ["auth", "request", "void", "query"])
def test_every_payment_call_needs_the_merchant_key(sandbox, endpoint, headers):
    reference = sandbox.authorised()
    if endpoint == "query":
        response = sandbox.query(reference, headers=headers)
    else:
        body = {"msisdn": MSISDN, "reference": reference, "otp": sandbox.otp}
        response = sandbox.post(endpoint, body, headers=headers)
    assert_error(response, 401, "063")
    assert sandbox.transaction(reference)["status"] == "Pending"


@pytest.mark.parametrize("raw", ["not json", "", "[1, 2]", '"text"', "null", '{"amount": NaN}'])
@pytest.mark.parametrize("endpoint", ["auth", "request", "void"])
def test_a_body_that_is_not_a_json_object_is_refused(sandbox, endpoint, raw):
    assert "body" in assert_error(sandbox.post(endpoint, raw=raw), 400, "030")["message"]


@pytest.mark.parametrize("field, value", [
    ("msisdn", "0774975187"), ("msisdn", "26377497518"), ("msisdn", "2637749751870"),
    ("msisdn", "263874975187"), ("msisdn", 263774975187), ("msisdn", "2637749751８7"), ("msisdn", None),
    ("reference", "not-a-uuid"), ("reference", 12), ("reference", None),
    ("amount", 0), ("amount", -5), ("amount", Decimal("1.234")), ("amount", "3.50"), ("amount", True),
    ("amount", None), ("amount", Decimal("1e400")),
    ("currency", "EUR"), ("currency", "usd"), ("currency", ["USD"]), ("currency", None),
    ("channel", "ECOCASH"), ("channel", "web"), ("channel", {"WEB": 1}), ("channel", None),
])
def test_auth_validation_names_the_field(sandbox, field, value):
    reference = new_reference()
    body = sandbox.auth_body(reference)
    if value is None:
        del body[field]
    else:
        body[field] = value
    error = assert_error(sandbox.post("auth", body), 400, "030")
    assert field in error["message"]
    assert sandbox.transaction(reference) is None


@pytest.mark.parametrize("field, value", [
    ("otp", "123"), ("otp", "123456789"), ("otp", "12a456"), ("otp", 482913), ("otp", None),
    ("msisdn", "0774975187"), ("reference", "nope"),
])
def test_request_validation_names_the_field(sandbox, field, value):
    reference = sandbox.authorised()
    body = {"msisdn": MSISDN, "reference": reference, "otp": sandbox.otp}
    if value is None:
        del body[field]
    else:
        body[field] = value
    error = assert_error(sandbox.post("request", body), 400, "030")
    assert field in error["message"]
    assert sandbox.transaction(reference)["debit_count"] == 0


def test_void_and_query_validate_the_reference(sandbox):
    assert "reference" in assert_error(sandbox.post("void", {"reference": "x"}), 400, "030")["message"]
    assert "reference" in assert_error(sandbox.query("not-a-uuid"), 400, "030")["message"]


def test_unknown_routes_and_methods(sandbox):
    assert_error(sandbox.post("refund", {}), 404, "030")
    wrong_method = requests.get(f"{sandbox.base_url}/auth", headers=sandbox.headers, timeout=TIMEOUT)
    assert_error(wrong_method, 405, "030")


# --- /auth --------------------------------------------------------------------------------

def test_auth_success_shape_and_pending_record(sandbox):
    reference = new_reference()
    body = sandbox.auth_body(reference, amount=Decimal("3.50"), currency="ZWG", channel="POS")
    response = sandbox.post("auth", body)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"error", "message", "responseCode", "otpReference"}
    assert body["error"] is False and body["responseCode"] == "000" and body["message"] == "Auth Success"
    assert re.fullmatch(r"[A-Z]{4}", body["otpReference"])
    record = sandbox.transaction(reference)
    assert (record["status"], record["amount"], record["currency"], record["channel"]) == (
        "Pending", "3.50", "ZWG", "POS")


def test_duplicate_reference_changes_nothing(sandbox):
    reference = sandbox.authorised()
    before = sandbox.transaction(reference)
    assert_error(sandbox.post("auth", sandbox.auth_body(reference, OTHER_MSISDN, amount=99)), 409, "026")
    assert_error(sandbox.post("auth", sandbox.auth_body(reference.upper())), 409, "026")
    assert sandbox.transaction(reference) == before


def test_unregistered_number_is_declined_and_not_kept(sandbox):
    reference = new_reference()
    assert_error(sandbox.post("auth", sandbox.auth_body(reference, UNREGISTERED_MSISDN)), 200, "014")
    assert sandbox.transaction(reference) is None


def test_unavailable_auth_records_nothing(sandbox):
    reference = new_reference()
    assert_error(sandbox.post("auth", sandbox.auth_body(reference, AUTH_UNAVAILABLE_MSISDN)), 503, "091")
    assert sandbox.transactions() == []


# --- /request -----------------------------------------------------------------------------

def test_right_otp_debits_once_with_contract_shape(sandbox):
    reference = sandbox.authorised()
    response = sandbox.pay(reference, sandbox.otp)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"error", "message", "responseCode", "paymentReference", "debitReference"}
    assert body["error"] is False and body["responseCode"] == "000" and body["message"] == "Payment Success"
    assert re.fullmatch(r"[A-Z0-9]{26}", body["paymentReference"])
    assert re.fullmatch(r"[0-9a-f]{12}", body["debitReference"])
    record = sandbox.transaction(reference)
    assert record["status"] == "Success" and record["debit_count"] == 1
    assert record["paymentReference"] == body["paymentReference"]


def test_second_request_never_debits_twice(sandbox):
    reference = sandbox.authorised()
    first = sandbox.pay(reference, sandbox.otp).json()
    assert_error(sandbox.pay(reference, sandbox.otp), 409, "026")
    record = sandbox.transaction(reference)
    assert record["debit_count"] == 1 and record["paymentReference"] == first["paymentReference"]


def test_wrong_otp_can_be_retried_on_the_same_reference(sandbox):
    reference = sandbox.authorised()
    assert_error(sandbox.pay(reference, sandbox.wrong_otp), 200, "055")
    assert sandbox.transaction(reference)["status"] == "Pending"
    assert sandbox.pay(reference, sandbox.otp).json()["responseCode"] == "000"
    record = sandbox.transaction(reference)
    assert (record["status"], record["debit_count"], record["otp_attempts"]) == ("Success", 1, 2)


def test_three_wrong_otps_fail_the_transaction(sandbox):
    reference = sandbox.authorised()
    for _ in range(3):
        assert_error(sandbox.pay(reference, sandbox.wrong_otp), 200, "055")
    assert sandbox.transaction(reference)["status"] == "Failed"
    assert_error(sandbox.pay(reference, sandbox.otp), 200, "075")
    record = sandbox.transaction(reference)
    assert record["debit_count"] == 0 and record["otp_attempts"] == 3


def test_request_for_unknown_reference_or_other_msisdn(sandbox):
    assert_error(sandbox.pay(new_reference(), sandbox.otp), 404, "025")
    reference = sandbox.authorised()
    assert_error(sandbox.pay(reference, sandbox.otp, msisdn=OTHER_MSISDN), 400, "057")
    assert sandbox.transaction(reference)["status"] == "Pending"


def test_request_on_a_voided_transaction_is_not_honoured(sandbox):
    reference = sandbox.authorised()
    assert sandbox.post("void", {"reference": reference}).status_code == 200
    assert_error(sandbox.pay(reference, sandbox.otp), 200, "005")
    assert sandbox.transaction(reference)["debit_count"] == 0


def test_insufficient_funds_fails_without_debit(sandbox):
    reference = sandbox.authorised(INSUFFICIENT_FUNDS_MSISDN)
    assert_error(sandbox.pay(reference, sandbox.otp, INSUFFICIENT_FUNDS_MSISDN), 200, "051")
    record = sandbox.transaction(reference)
    assert (record["status"], record["debit_count"]) == ("Failed", 0)
    assert_error(sandbox.pay(reference, sandbox.otp, INSUFFICIENT_FUNDS_MSISDN), 200, "005")


def test_server_error_number_answers_500_without_debit(sandbox):
    reference = sandbox.authorised(SERVER_ERROR_MSISDN)
    body = assert_error(sandbox.pay(reference, sandbox.otp, SERVER_ERROR_MSISDN), 500, "096")
    assert body["message"] == "Internal error"
    record = sandbox.transaction(reference)
    assert (record["status"], record["debit_count"]) == ("Failed", 0)


def test_malformed_answer_number_debits_then_answers_unparseable_json(sandbox):
    reference = sandbox.authorised(MALFORMED_ANSWER_MSISDN)
    response = sandbox.pay(reference, sandbox.otp, MALFORMED_ANSWER_MSISDN)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert sandbox.query(reference).json()["status"] == "Success"
    assert sandbox.transaction(reference)["debit_count"] == 1


def test_contradictory_answer_number_debits_then_says_error_false_with_code_001(sandbox):
    reference = sandbox.authorised(CONTRADICTORY_ANSWER_MSISDN)
    response = sandbox.pay(reference, sandbox.otp, CONTRADICTORY_ANSWER_MSISDN)
    assert response.status_code == 200
    assert (response.json()["error"], response.json()["responseCode"]) == (False, "001")
    assert sandbox.transaction(reference)["debit_count"] == 1


def test_query_fails_once_number_answers_500_on_the_first_query_only(sandbox):
    reference = sandbox.authorised(QUERY_FAILS_ONCE_MSISDN)
    assert sandbox.query(reference).json()["status"] == "Pending"  # before the debit: normal
    assert sandbox.pay(reference, sandbox.otp, QUERY_FAILS_ONCE_MSISDN).json()["responseCode"] == "000"
    assert_error(sandbox.query(reference), 500, "096")
    assert sandbox.query(reference).json()["status"] == "Success"
    assert sandbox.transaction(reference)["debit_count"] == 1


def test_slow_number_debits_before_the_client_gives_up(sandbox):
    reference = sandbox.authorised(SLOW_MSISDN)
    with pytest.raises(requests.ReadTimeout):
        pay_slow = {"msisdn": SLOW_MSISDN, "reference": reference, "otp": sandbox.otp}
        sandbox.post("request", pay_slow, timeout=(2.0, 0.3))
    assert sandbox.query(reference).json()["status"] == "Success"
    assert sandbox.transaction(reference)["debit_count"] == 1


def test_slow_answer_does_not_block_other_requests(held_sandbox, wait_until):
    reference = held_sandbox.authorised(SLOW_MSISDN)
    slow_answered = threading.Event()
    outcome: Dict[str, Any] = {}

    def pay_slowly() -> None:
        try:
            outcome["response"] = held_sandbox.pay(reference, held_sandbox.otp, SLOW_MSISDN)
        except Exception as error:  # noqa: BLE001 - surfaced by the assertion below
            outcome["error"] = error
        finally:
            slow_answered.set()

    caller = threading.Thread(target=pay_slowly, daemon=True)
    caller.start()
    # The debit happens before the answer is held back, so this proves the slow call is in flight.
    wait_until(lambda: held_sandbox.transaction(reference)["status"] == "Success", what="slow debit")

    assert held_sandbox.query(reference).json()["status"] == "Success"
    parallel = held_sandbox.post("auth", held_sandbox.auth_body(new_reference()))
    assert parallel.status_code == 200 and parallel.json()["responseCode"] == "000"
    assert not slow_answered.is_set(), "the slow /request answered before the parallel /auth"

    held_sandbox.stop()  # releases the held answer
    assert slow_answered.wait(timeout=10)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["response"].json()["responseCode"] == "000"


# --- /query -------------------------------------------------------------------------------

def test_query_shapes(sandbox):
    assert_error(sandbox.query(new_reference()), 404, "025")
    reference = sandbox.authorised(amount=50)
    pending = sandbox.query(reference)
    assert pending.status_code == 200
    assert '"amount": 50.00' in pending.text  # a JSON number with exactly two decimals
    body = pending.json(parse_float=Decimal)
    assert set(body) == {"error", "message", "status", "responseCode", "reference", "amount", "currency",
                         "channel", "paymentReference", "debitReference", "created"}
    assert (body["error"], body["message"], body["status"], body["responseCode"]) == (
        False, "Success", "Pending", "000")
    assert body["reference"] == reference and body["amount"] == Decimal("50.00")
    assert body["paymentReference"] is None and body["debitReference"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", body["created"])

    paid = sandbox.pay(reference, sandbox.otp).json()
    body = sandbox.query(reference).json()
    assert body["status"] == "Success"
    assert (body["paymentReference"], body["debitReference"]) == (
        paid["paymentReference"], paid["debitReference"])


# --- /void --------------------------------------------------------------------------------

def test_void_rules(sandbox):
    assert_error(sandbox.post("void", {"reference": new_reference()}), 404, "025")

    pending = sandbox.authorised()
    response = sandbox.post("void", {"reference": pending})
    assert response.status_code == 200 and response.json() == {
        "error": False, "message": "Void Success", "responseCode": "000"}
    assert sandbox.transaction(pending)["status"] == "Voided"
    assert sandbox.post("void", {"reference": pending}).json()["responseCode"] == "000"
    assert sandbox.transaction(pending)["status"] == "Voided"

    paid = sandbox.authorised()
    sandbox.pay(paid, sandbox.otp)
    assert_error(sandbox.post("void", {"reference": paid}), 409, "012")
    assert sandbox.transaction(paid)["status"] == "Success"

    failed = sandbox.authorised(INSUFFICIENT_FUNDS_MSISDN)
    sandbox.pay(failed, sandbox.otp, INSUFFICIENT_FUNDS_MSISDN)
    assert sandbox.post("void", {"reference": failed}).json()["responseCode"] == "000"
    assert sandbox.transaction(failed)["status"] == "Failed"
