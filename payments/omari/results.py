"""What the O'mari client hands back for each endpoint, with its outcome and, for a refusal, its reason.

The client fills these in (payments/omari/client.py); the rest of the
backend reads ``outcome`` and ``decline_reason``, never the code behind them.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from payments.omari.codes import reason_of_code
from payments.omari.verdicts import DeclineReason, Outcome


class _Answer:
    """The reason behind a DECLINED outcome, read from the code the client kept."""

    outcome: Outcome
    response_code: Optional[str]

    @property
    def decline_reason(self) -> Optional[DeclineReason]:
        """Why O'mari refused, or None when it did not (clearly) refuse."""
        if self.outcome is not Outcome.DECLINED:
            return None
        return reason_of_code(self.response_code)


@dataclass(frozen=True)
class AuthResult(_Answer):
    """/auth's answer; ``otp_reference`` must be shown so the customer can match the SMS."""

    outcome: Outcome
    otp_reference: Optional[str]
    response_code: Optional[str]
    message: str


@dataclass(frozen=True)
class DebitResult(_Answer):
    """/request's answer; even SUCCESS is confirmed with :meth:`OmariClient.query` before crediting."""

    outcome: Outcome
    payment_reference: Optional[str]
    debit_reference: Optional[str]
    response_code: Optional[str]
    message: str


@dataclass(frozen=True)
class QueryResult(_Answer):
    """What O'mari says happened to a transaction; ``outcome`` reads ``status``, not the call."""

    outcome: Outcome
    status: Optional[str]
    amount: Optional[Decimal]
    currency: Optional[str]
    payment_reference: Optional[str]
    debit_reference: Optional[str]
    response_code: Optional[str]
    message: str
    # O'mari answered clearly, about our reference, that it holds only the authorisation:
    # no /request was accepted, nothing debited (yet). Outcome stays UNCERTAIN.
    authorised_only: bool = False


@dataclass(frozen=True)
class VoidResult(_Answer):
    """/void's answer; O'mari's semantics for it are undocumented, so callers query first."""

    outcome: Outcome
    response_code: Optional[str]
    message: str
