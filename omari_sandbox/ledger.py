"""The sandbox's wallet: transaction state and the rules of O'mari's contract.

No HTTP here: ``server`` turns requests into calls on :class:`Ledger` and its
:class:`Reply` into responses, so the rules can be read in one place.

The contract defines only response code 000; the rest follow the ISO-8583
style codes third-party ports use. Business declines (the payment cannot go
ahead) answer HTTP 200 with ``error: true``, as O'mari's own error flag
suggests; requests that are malformed or impossible answer 4xx.

====  ====  ===============================================================
code  HTTP  meaning
====  ====  ===============================================================
000   200   success
005   200   do not honour: /request on a Failed or Voided transaction
012   409   /void of a Success transaction (completed payments are not voided here)
014   200   msisdn not registered with O'mari
025   404   reference unknown
026   409   duplicate: /auth reusing a reference, /request on a Success transaction
030   400   format error: body or the named field invalid (also unknown route / method)
051   200   insufficient funds
055   200   invalid OTP; the transaction stays Pending and may be retried
057   400   msisdn differs from the one /auth was sent for
063   401   missing or wrong X-Merchant-Key
075   200   OTP tries exhausted: the 3rd wrong OTP failed the transaction
091   503   service unavailable
096   500   internal error
====  ====  ===============================================================
"""
from __future__ import annotations

import hmac
import re
import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, FrozenSet, List, Optional

UNREGISTERED_MSISDN = "263770000001"
INSUFFICIENT_FUNDS_MSISDN = "263770000002"
SLOW_MSISDN = "263770000003"
SERVER_ERROR_MSISDN = "263770000004"
AUTH_UNAVAILABLE_MSISDN = "263770000005"
# Fault modes for tests: each debits like any other number, then answers badly.
MALFORMED_ANSWER_MSISDN = "263770000006"  # /request answers 200 with a body that is not JSON
CONTRADICTORY_ANSWER_MSISDN = "263770000007"  # /request answers error:false with code 001
QUERY_FAILS_ONCE_MSISDN = "263770000008"  # the first /query after the debit answers HTTP 500
# The debit's paymentReference is 80 characters, longer than any column should take.
OVERLONG_REFERENCE_MSISDN = "263770000009"
# /request never reaches O'mari: the gateway in front of it answers 502 with an HTML page,
# and the ledger never sees the call, so /query keeps answering Pending.
REQUEST_NEVER_ARRIVES_MSISDN = "263770000010"
GATEWAY_ERROR_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
_OVERLONG_REFERENCE_LENGTH = 80
MAX_WRONG_OTPS = 3

PENDING, SUCCESS, FAILED, VOIDED = "Pending", "Success", "Failed", "Voided"
CENT = Decimal("0.01")
CURRENCIES = frozenset({"USD", "ZWG"})
# The merchant's integration channel, never the customer's wallet.
CHANNELS = frozenset({"WEB", "POS"})
# [0-9] rather than \d: \d also matches non-ASCII digits such as "٢".
OTP_PATTERN = re.compile(r"[0-9]{4,8}")
_MSISDN = re.compile(r"2637[0-9]{8}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_ALPHANUMERIC = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Reply:
    """What to answer: an HTTP status, a JSON body, and how long to hold it back."""

    status: int
    body: Any
    delay_seconds: float = 0.0
    # Sent as-is instead of ``body`` when set: a fault mode's broken answer.
    raw: Optional[bytes] = None


def error_reply(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": True, "message": message, "responseCode": code})


class InvalidRequest(Exception):
    """A request the contract would drop; always answered 400 with code 030."""


@dataclass
class Transaction:
    """One merchant reference and everything that happened to its money."""

    reference: str
    msisdn: str
    amount: Decimal
    currency: str
    channel: str
    otp_reference: str
    created: str
    status: str = PENDING
    payment_reference: Optional[str] = None
    debit_reference: Optional[str] = None
    debit_count: int = 0
    otp_attempts: int = 0
    wrong_otps: int = 0
    # QUERY_FAILS_ONCE_MSISDN: the next /query answers 500 once.
    fail_next_query: bool = False

    def debit(self) -> None:
        self.status = SUCCESS
        self.debit_count += 1
        length = _OVERLONG_REFERENCE_LENGTH if self.msisdn == OVERLONG_REFERENCE_MSISDN else 26
        self.payment_reference = "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))
        self.debit_reference = secrets.token_hex(6)

    def as_inspection(self) -> Dict[str, Any]:
        """The test-only view; it deliberately has no OTP in it."""
        return {
            "reference": self.reference, "msisdn": self.msisdn, "amount": format(self.amount, "f"),
            "currency": self.currency, "channel": self.channel, "status": self.status,
            "otpReference": self.otp_reference, "paymentReference": self.payment_reference,
            "debitReference": self.debit_reference, "debit_count": self.debit_count,
            "otp_attempts": self.otp_attempts, "created": self.created,
        }


def _text_field(payload: Dict[str, Any], name: str, pattern: re.Pattern) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidRequest(f"Invalid {name}")
    return value


def _reference(value: Any) -> str:
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise InvalidRequest("Invalid reference")
    # One UUID is one transaction whatever its letter case.
    return value.lower()


def _amount(value: Any) -> Decimal:
    # bool is an int subclass; `true` is not an amount.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidRequest("Invalid amount")
    try:
        amount = Decimal(value)
        places = amount.normalize().as_tuple().exponent  # a letter, not a number, for NaN and infinity
        if not amount.is_finite() or amount <= 0 or isinstance(places, str) or places < -2:
            raise InvalidRequest("Invalid amount")
        return amount.quantize(CENT)
    except InvalidOperation as error:  # too many digits to hold in cents
        raise InvalidRequest("Invalid amount") from error


def _choice(payload: Dict[str, Any], name: str, allowed: FrozenSet[str]) -> str:
    value = payload.get(name)
    # The type check first: a list or object is unhashable and would crash the `in`.
    if not isinstance(value, str) or value not in allowed:
        raise InvalidRequest(f"Invalid {name}")
    return value


class Ledger:
    """The sandbox's wallet: transaction state and the contract's rules, behind one lock."""

    def __init__(self, otp: str, slow_seconds: float) -> None:
        self._otp = otp
        self._slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self._transactions: Dict[str, Transaction] = {}

    def authorise(self, payload: Dict[str, Any]) -> Reply:
        msisdn = _text_field(payload, "msisdn", _MSISDN)
        reference = _reference(payload.get("reference"))
        amount = _amount(payload.get("amount"))
        currency = _choice(payload, "currency", CURRENCIES)
        channel = _choice(payload, "channel", CHANNELS)
        if msisdn == AUTH_UNAVAILABLE_MSISDN:
            return error_reply(503, "091", "Service unavailable")
        with self._lock:
            if reference in self._transactions:
                return error_reply(409, "026", "Duplicate reference")
            if msisdn == UNREGISTERED_MSISDN:
                return error_reply(200, "014", "Customer not registered")
            otp_reference = "".join(secrets.choice(string.ascii_uppercase) for _ in range(4))
            created = datetime.now().replace(microsecond=0).isoformat()
            self._transactions[reference] = Transaction(
                reference, msisdn, amount, currency, channel, otp_reference, created)
        return Reply(200, {"error": False, "message": "Auth Success", "responseCode": "000",
                           "otpReference": otp_reference})

    def request_payment(self, payload: Dict[str, Any]) -> Reply:
        msisdn = _text_field(payload, "msisdn", _MSISDN)
        reference = _reference(payload.get("reference"))
        otp = _text_field(payload, "otp", OTP_PATTERN)
        if msisdn == REQUEST_NEVER_ARRIVES_MSISDN:
            return Reply(502, None, raw=GATEWAY_ERROR_PAGE)  # the ledger never hears of it
        with self._lock:
            transaction = self._transactions.get(reference)
            if transaction is None:
                return error_reply(404, "025", "Transaction not found")
            if msisdn != transaction.msisdn:
                return error_reply(400, "057", "msisdn does not match the authorised transaction")
            if transaction.status == SUCCESS:
                return error_reply(409, "026", "Duplicate: transaction already paid")
            if transaction.status == FAILED and transaction.wrong_otps >= MAX_WRONG_OTPS:
                return error_reply(200, "075", "OTP tries exceeded")
            if transaction.status != PENDING:
                return error_reply(200, "005", "Do not honour")
            transaction.otp_attempts += 1
            if not hmac.compare_digest(otp, self._otp):
                transaction.wrong_otps += 1
                if transaction.wrong_otps >= MAX_WRONG_OTPS:
                    transaction.status = FAILED
                return error_reply(200, "055", "Invalid OTP")
            if msisdn == INSUFFICIENT_FUNDS_MSISDN:
                transaction.status = FAILED
                return error_reply(200, "051", "Insufficient funds")
            if msisdn == SERVER_ERROR_MSISDN:
                transaction.status = FAILED
                return error_reply(500, "096", "Internal error")
            transaction.debit()
            body = {"error": False, "message": "Payment Success", "responseCode": "000",
                    "paymentReference": transaction.payment_reference,
                    "debitReference": transaction.debit_reference}
            if msisdn == QUERY_FAILS_ONCE_MSISDN:
                transaction.fail_next_query = True
        if msisdn == MALFORMED_ANSWER_MSISDN:
            return Reply(200, None, raw=b'{"error": false, "responseCode": "000", "paymentRef')
        if msisdn == CONTRADICTORY_ANSWER_MSISDN:
            return Reply(200, {"error": False, "message": "Accepted for processing", "responseCode": "001"})
        # The debit is already visible to /query while this answer is held back.
        delay = self._slow_seconds if msisdn == SLOW_MSISDN else 0.0
        return Reply(200, body, delay)

    def query(self, raw_reference: str) -> Reply:
        reference = _reference(raw_reference)
        with self._lock:
            transaction = self._transactions.get(reference)
            if transaction is None:
                return error_reply(404, "025", "Transaction not found")
            if transaction.fail_next_query:
                transaction.fail_next_query = False
                return error_reply(500, "096", "Internal error")
            return Reply(200, {
                "error": False, "message": "Success", "status": transaction.status,
                "responseCode": "000", "reference": transaction.reference,
                "amount": transaction.amount, "currency": transaction.currency,
                "channel": transaction.channel, "paymentReference": transaction.payment_reference,
                "debitReference": transaction.debit_reference, "created": transaction.created,
            })

    def void(self, payload: Dict[str, Any]) -> Reply:
        reference = _reference(payload.get("reference"))
        with self._lock:
            transaction = self._transactions.get(reference)
            if transaction is None:
                return error_reply(404, "025", "Transaction not found")
            if transaction.status == SUCCESS:
                return error_reply(409, "012", "Completed payment cannot be voided")
            if transaction.status == PENDING:
                transaction.status = VOIDED
        # Failed and Voided stay as they are: voiding twice is not an error.
        return Reply(200, {"error": False, "message": "Void Success", "responseCode": "000"})

    def inspection(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [transaction.as_inspection() for transaction in self._transactions.values()]


