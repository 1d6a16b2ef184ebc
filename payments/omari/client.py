"""The O'mari merchant API client: the only code that knows O'mari's wire format.

Every call returns a typed result whose :class:`Outcome` says what the caller
may rely on. The distinction that matters is DECLINED versus UNCERTAIN: a
timeout or a 5xx on /request may hide a debit, so it must never be treated as
a failure; the payments service confirms such outcomes with :meth:`query`.

The client never raises on network trouble and never puts the OTP or the
merchant key in a log line, a result message or an exception.
"""
from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Optional
from urllib.parse import quote

import requests

from payments import metrics
from payments.omari.codes import AUTHORISED_ONLY_STATUSES, FINAL_FAILURE_STATUSES, NOT_FOUND_CODE
from payments.omari.results import AuthResult, DebitResult, QueryResult, VoidResult
from payments.omari.verdicts import Outcome
from payments.omari.wire import Verdict, decimal_or_none, json_object, read_verdict, text

if TYPE_CHECKING:  # only for the annotation; the client needs nothing else from settings
    from payments.settings import Settings

logger = logging.getLogger(__name__)


def mask_msisdn(msisdn: str) -> str:
    """``263774975187`` -> ``2637******87``: enough to correlate log lines, not to call."""
    if len(msisdn) < 7:
        return "***"
    return msisdn[:4] + "*" * (len(msisdn) - 6) + msisdn[-2:]


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
        body = json_object({"msisdn": msisdn, "reference": reference, "amount": amount,
                             "currency": currency, "channel": self._channel})
        verdict = self._call("POST", "/auth", body, msisdn)
        otp_reference = text(verdict.body, "otpReference") if verdict.body else None
        if verdict.outcome is Outcome.SUCCESS and otp_reference is None:
            # O'mari says yes but gives the customer nothing to match the SMS with.
            verdict = Verdict(Outcome.UNCERTAIN, verdict.response_code, "auth success without otpReference")
        return AuthResult(verdict.outcome, otp_reference if verdict.outcome is Outcome.SUCCESS else None,
                          verdict.response_code, verdict.message)

    def request_payment(self, msisdn: str, reference: str, otp: str) -> DebitResult:
        """POST /request: debit the wallet with the customer's OTP; msisdn must be the /auth one."""
        body = json_object({"msisdn": msisdn, "reference": reference, "otp": otp})
        verdict = self._call("POST", "/request", body, msisdn)
        paid = verdict.body if verdict.outcome is Outcome.SUCCESS else None
        return DebitResult(
            verdict.outcome,
            text(paid, "paymentReference") if paid is not None else None,
            text(paid, "debitReference") if paid is not None else None,
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
        status = text(body, "status")
        echoed = text(body, "reference")
        if echoed is not None and echoed.lower() != reference.lower():
            outcome, message = Outcome.UNCERTAIN, "query answered for another reference"
        elif status is not None and status.lower() == "success":
            outcome, message = Outcome.SUCCESS, verdict.message
        elif status is not None and status.lower() in FINAL_FAILURE_STATUSES:
            outcome, message = Outcome.DECLINED, verdict.message
        else:
            outcome, message = Outcome.UNCERTAIN, f"transaction status {status or 'missing'}"
        # Only a clear answer about our own reference says that no /request was accepted.
        authorised_only = (outcome is Outcome.UNCERTAIN and echoed is not None and status is not None
                           and status.lower() in AUTHORISED_ONLY_STATUSES)
        return QueryResult(
            outcome, status, decimal_or_none(body.get("amount")), text(body, "currency"),
            text(body, "paymentReference"), text(body, "debitReference"),
            verdict.response_code, message, authorised_only,
        )

    def void(self, reference: str) -> VoidResult:
        """POST /void: cancel a transaction; only after /query shows it cannot have succeeded."""
        verdict = self._call("POST", "/void", json_object({"reference": reference}), None)
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

    def _call(self, method: str, endpoint: str, body: Optional[str], msisdn: Optional[str]) -> Verdict:
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
            verdict = read_verdict(response.status_code, response.content)
        except requests.Timeout as error:
            # Only the class name: exception text can carry URLs and request details.
            verdict = Verdict(Outcome.UNCERTAIN, None, f"timeout ({type(error).__name__})")
        except requests.RequestException as error:
            verdict = Verdict(Outcome.UNCERTAIN, None, f"network error ({type(error).__name__})")
        elapsed = time.monotonic() - started
        metrics.omari_called(endpoint, verdict.outcome.value, elapsed)
        elapsed_ms = int(elapsed * 1000)
        logger.info(
            "omari %s %s msisdn=%s outcome=%s code=%s http=%s elapsed_ms=%d",
            method, endpoint.split("/")[1], mask_msisdn(msisdn) if msisdn else "-",
            verdict.outcome.value, verdict.response_code or "-", verdict.http_status or "-", elapsed_ms,
        )
        return verdict
