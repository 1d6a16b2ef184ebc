"""The O'mari merchant API client: the only code that knows O'mari's wire format.

Every call returns a typed result whose :class:`Outcome` says what the caller
may rely on. The distinction that matters is DECLINED versus UNCERTAIN: a
timeout or a 5xx on /request may hide a debit, so it must never be treated as
a failure; the payments service confirms such outcomes with :meth:`query`.

The client never raises on network trouble and never puts the OTP or the
merchant key in a log line, a result message or an exception.
"""
from __future__ import annotations

import enum
import json
import logging
import threading
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Mapping, Optional
from urllib.parse import quote

import requests

if TYPE_CHECKING:  # only for the annotation; the client needs nothing else from settings
    from payments.settings import Settings

logger = logging.getLogger(__name__)

SUCCESS_CODE = "000"
NOT_FOUND_CODE = "025"
CENT = Decimal("0.01")
# /query statuses that mean the money did not move and will not.
_FINAL_FAILURE_STATUSES = {"failed", "declined", "voided", "cancelled", "reversed", "expired"}


class Outcome(enum.Enum):
    """What a call tells us about the transaction."""

    SUCCESS = "success"
    # O'mari answered clearly that it did not happen.
    DECLINED = "declined"
    # We do not know (timeout, connection error, 5xx, unreadable answer): confirm with /query.
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class AuthResult:
    """/auth's answer; ``otp_reference`` must be shown so the customer can match the SMS."""

    outcome: Outcome
    otp_reference: Optional[str]
    response_code: Optional[str]
    message: str


@dataclass(frozen=True)
class DebitResult:
    """/request's answer; even SUCCESS is confirmed with :meth:`OmariClient.query` before crediting."""

    outcome: Outcome
    payment_reference: Optional[str]
    debit_reference: Optional[str]
    response_code: Optional[str]
    message: str


@dataclass(frozen=True)
class QueryResult:
    """What O'mari says happened to a transaction; ``outcome`` reads ``status``, not the call."""

    outcome: Outcome
    status: Optional[str]
    amount: Optional[Decimal]
    currency: Optional[str]
    payment_reference: Optional[str]
    debit_reference: Optional[str]
    response_code: Optional[str]
    message: str


@dataclass(frozen=True)
class VoidResult:
    """/void's answer; O'mari's semantics for it are undocumented, so callers query first."""

    outcome: Outcome
    response_code: Optional[str]
    message: str


@dataclass(frozen=True)
class _Verdict:
    """How one HTTP exchange reads, before any endpoint-specific fields are pulled out."""

    outcome: Outcome
    response_code: Optional[str]
    message: str
    http_status: Optional[int] = None
    body: Optional[Mapping[str, Any]] = None


def mask_msisdn(msisdn: str) -> str:
    """``263774975187`` -> ``2637******87``: enough to correlate log lines, not to call."""
    if len(msisdn) < 7:
        return "***"
    return msisdn[:4] + "*" * (len(msisdn) - 6) + msisdn[-2:]


def format_amount(amount: Decimal) -> str:
    """The amount as O'mari's JSON number, e.g. ``3.50``; never rounds money silently."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise ValueError("amount must be a positive, finite Decimal")
    try:
        cents = amount.quantize(CENT)
    except InvalidOperation:
        raise ValueError("amount has too many digits") from None
    if cents != amount:
        raise ValueError("amount must have at most 2 decimal places")
    return format(cents, "f")


def _json_object(fields: Mapping[str, Any]) -> str:
    # json.dumps would need a float to write a number, which could change the
    # cents; Decimal values are written from their own (already 2-decimal) text.
    parts = (
        f"{json.dumps(key)}: {format_amount(value) if isinstance(value, Decimal) else json.dumps(value)}"
        for key, value in fields.items()
    )
    return "{" + ", ".join(parts) + "}"


def _text(body: Optional[Mapping[str, Any]], key: str) -> Optional[str]:
    value = body.get(key) if body is not None else None
    return value if isinstance(value, str) and value else None


def _decimal(value: Any) -> Optional[Decimal]:
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(value) if isinstance(value, (int, Decimal, str)) else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


def _read_verdict(http_status: int, raw: bytes) -> _Verdict:
    """Classify an HTTP answer by the contract's rule: success is error false AND code 000."""
    try:
        body = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
        body = None
    if not isinstance(body, dict):
        return _Verdict(Outcome.UNCERTAIN, None, f"unreadable response body (HTTP {http_status})",
                        http_status)
    code = body.get("responseCode")
    code = code if isinstance(code, str) else None
    error = body.get("error")
    message = _text(body, "message") or f"HTTP {http_status}"
    if not (200 <= http_status < 300 or 400 <= http_status < 500):
        # A 5xx on /request may hide a debit; a redirect is nothing the contract mentions.
        return _Verdict(Outcome.UNCERTAIN, code, f"HTTP {http_status}: {message}", http_status, body)
    if code is None and not isinstance(error, bool):
        return _Verdict(Outcome.UNCERTAIN, None, f"no error flag or responseCode (HTTP {http_status})",
                        http_status, body)
    # A 4xx that claims success is still a refusal of this request.
    if error is False and code == SUCCESS_CODE and http_status < 300:
        return _Verdict(Outcome.SUCCESS, code, message, http_status, body)
    if http_status < 300 and (error is not True or code == SUCCESS_CODE):
        # The flag and the code disagree (`error: false` with a failure code, or
        # a success code without `error: false`): on /request that may hide a
        # debit, so it is not a refusal either; /query decides.
        return _Verdict(Outcome.UNCERTAIN, code, f"contradictory answer: {message}", http_status, body)
    return _Verdict(Outcome.DECLINED, code, message, http_status, body)


class OmariClient:
    """Calls O'mari's merchant endpoints and turns each answer into a typed result."""

    def __init__(
        self,
        base_url: str,
        merchant_key: str,
        connect_timeout: float,
        read_timeout: float,
        merchant_channel: str = "WEB",
        session: Optional[requests.Session] = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = (connect_timeout, read_timeout)
        self._channel = merchant_channel
        self._headers = {
            "X-Merchant-Key": merchant_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        # requests.Session is not safe to share between threads, and the action
        # server calls O'mari from a pool of them: each worker thread gets its
        # own session (and so its own keep-alive connections) on first use.
        self._shared_session = session
        if session is not None:
            session.headers.update(self._headers)
        self._thread_sessions = threading.local()

    def __repr__(self) -> str:  # keep the merchant key out of logs and tracebacks
        return f"OmariClient(base_url={self._base_url!r}, channel={self._channel!r})"

    @classmethod
    def from_settings(cls, settings: "Settings") -> "OmariClient":
        """The client the product uses: sandbox or O'mari, chosen by the environment."""
        return cls(
            base_url=settings.omari_api_base_url,
            merchant_key=settings.omari_merchant_key,
            connect_timeout=settings.omari_connect_timeout,
            read_timeout=settings.omari_read_timeout,
            merchant_channel=settings.omari_merchant_channel,
        )

    def authorise(self, msisdn: str, reference: str, amount: Decimal, currency: str) -> AuthResult:
        """POST /auth: ask O'mari to send the customer an OTP for this amount."""
        body = _json_object({"msisdn": msisdn, "reference": reference, "amount": amount,
                             "currency": currency, "channel": self._channel})
        verdict = self._call("POST", "/auth", body, msisdn)
        otp_reference = _text(verdict.body, "otpReference") if verdict.body else None
        if verdict.outcome is Outcome.SUCCESS and otp_reference is None:
            # O'mari says yes but gives the customer nothing to match the SMS with.
            verdict = _Verdict(Outcome.UNCERTAIN, verdict.response_code, "auth success without otpReference")
        return AuthResult(verdict.outcome, otp_reference if verdict.outcome is Outcome.SUCCESS else None,
                          verdict.response_code, verdict.message)

    def request_payment(self, msisdn: str, reference: str, otp: str) -> DebitResult:
        """POST /request: debit the wallet with the customer's OTP; msisdn must be the /auth one."""
        body = _json_object({"msisdn": msisdn, "reference": reference, "otp": otp})
        verdict = self._call("POST", "/request", body, msisdn)
        succeeded = verdict.outcome is Outcome.SUCCESS and verdict.body is not None
        return DebitResult(
            verdict.outcome,
            _text(verdict.body, "paymentReference") if succeeded else None,
            _text(verdict.body, "debitReference") if succeeded else None,
            verdict.response_code,
            verdict.message,
        )

    def query(self, reference: str) -> QueryResult:
        """GET /query/{reference}: the only way to learn what really happened to the money."""
        # Quoted so a malformed reference cannot change the path or add a query string.
        verdict = self._call("GET", f"/query/{quote(reference, safe='')}", None, None)
        body = verdict.body or {}
        if verdict.outcome is not Outcome.SUCCESS:
            not_found = verdict.http_status == 404 and verdict.response_code == NOT_FOUND_CODE
            # Only "not found" speaks about the transaction; other failed calls (bad key,
            # 5xx, timeouts) tell us nothing about whether money moved.
            outcome = Outcome.DECLINED if not_found else Outcome.UNCERTAIN
            return QueryResult(outcome, None, None, None, None, None, verdict.response_code, verdict.message)
        status = _text(body, "status")
        echoed = _text(body, "reference")
        if echoed is not None and echoed.lower() != reference.lower():
            outcome, message = Outcome.UNCERTAIN, "query answered for another reference"
        elif status is not None and status.lower() == "success":
            outcome, message = Outcome.SUCCESS, verdict.message
        elif status is not None and status.lower() in _FINAL_FAILURE_STATUSES:
            outcome, message = Outcome.DECLINED, verdict.message
        else:
            outcome, message = Outcome.UNCERTAIN, f"transaction status {status or 'missing'}"
        return QueryResult(
            outcome, status, _decimal(body.get("amount")), _text(body, "currency"),
            _text(body, "paymentReference"), _text(body, "debitReference"),
            verdict.response_code, message,
        )

    def void(self, reference: str) -> VoidResult:
        """POST /void: cancel a transaction; only after /query shows it cannot have succeeded."""
        verdict = self._call("POST", "/void", _json_object({"reference": reference}), None)
        return VoidResult(verdict.outcome, verdict.response_code, verdict.message)

    def _http_session(self) -> requests.Session:
        """The calling thread's session: a given one (tests), else one per thread."""
        if self._shared_session is not None:
            return self._shared_session
        session = getattr(self._thread_sessions, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(self._headers)
            self._thread_sessions.session = session
        return session

    def _call(self, method: str, endpoint: str, body: Optional[str], msisdn: Optional[str]) -> _Verdict:
        """One HTTP exchange; network failures become UNCERTAIN verdicts, never exceptions."""
        started = time.monotonic()
        try:
            response = self._http_session().request(
                method, self._base_url + endpoint,
                data=body.encode("utf-8") if body is not None else None,
                timeout=self._timeout,
                # A redirect could replay a POST somewhere else; treat it as unexpected instead.
                allow_redirects=False,
            )
            verdict = _read_verdict(response.status_code, response.content)
        except requests.Timeout as error:
            # Only the class name: exception text can carry URLs and request details.
            verdict = _Verdict(Outcome.UNCERTAIN, None, f"timeout ({type(error).__name__})")
        except requests.RequestException as error:
            verdict = _Verdict(Outcome.UNCERTAIN, None, f"network error ({type(error).__name__})")
        elapsed_ms = int((time.monotonic() - started) * 1000)
        logger.info(
            "omari %s %s msisdn=%s outcome=%s code=%s http=%s elapsed_ms=%d",
            method, endpoint.split("/")[1], mask_msisdn(msisdn) if msisdn else "-",
            verdict.outcome.value, verdict.response_code or "-", verdict.http_status or "-", elapsed_ms,
        )
        return verdict
