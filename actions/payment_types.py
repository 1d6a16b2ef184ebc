"""The vocabulary of the payment service: outcomes, results and the policy it follows.

Kept apart from :mod:`actions.payments` so the rules there stay short; the
service module re-exports everything here, so callers import from one place.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional, Tuple

from actions.abuse_limits import RequestLimit, otp_request_limits
from actions.settings import Settings
from actions.snapshots import TransactionSnapshot

WRONG_OTP_CODE = "055"
# Answers that sound final but do not prove the wallet was left alone: a
# "duplicate" may mean the first /request went through, and "not found" for a
# reference O'mari accepted at /auth is O'mari's confusion, not a refusal.
INCONCLUSIVE_CODES = {"026", "025"}
# O'mari codes we can explain to a customer; anything else is "declined".
DECLINE_REASONS = {
    "014": "not_registered",
    "051": "insufficient_funds",
    "055": "wrong_otp",
    "075": "otp_attempts_exceeded",
}
MAX_OTP_ATTEMPTS = 3
OTP_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class PaymentPolicy:
    """The tunable rules: OTP lifetime and the per-sender OTP request limits."""

    otp_lifetime: timedelta = OTP_LIFETIME
    request_limits: Tuple[RequestLimit, ...] = field(default_factory=tuple)

    @classmethod
    def from_settings(cls, settings: Settings) -> "PaymentPolicy":
        return cls(timedelta(seconds=settings.otp_lifetime_seconds), otp_request_limits(settings))


class StartOutcome(str, enum.Enum):
    OTP_SENT = "otp_sent"
    NOT_REGISTERED = "not_registered"  # O'mari does not know this number
    DECLINED = "declined"
    UNAVAILABLE = "unavailable"  # O'mari did not answer clearly; nothing was charged
    BOOKING_CLOSED = "booking_closed"
    AMOUNT_REJECTED = "amount_rejected"
    LIMIT_REACHED = "limit_reached"  # too many OTP requests from this sender; O'mari not called


@dataclass(frozen=True)
class PaymentStart:
    outcome: StartOutcome
    transaction: Optional[TransactionSnapshot] = None
    # Set with LIMIT_REACHED: the limit that refused the request.
    limit: Optional[RequestLimit] = None


class SubmitOutcome(str, enum.Enum):
    SUCCESS = "success"
    WRONG_OTP = "wrong_otp"  # may try again on the same transaction
    OTP_ATTEMPTS_EXCEEDED = "otp_attempts_exceeded"
    OTP_EXPIRED = "otp_expired"
    DECLINED = "declined"
    PENDING = "pending"  # the debit may have happened; reconciliation will settle it
    IN_PROGRESS = "in_progress"  # another message is already submitting this OTP
    CLOSED = "closed"  # cancelled or failed earlier; needs a fresh payment


@dataclass(frozen=True)
class PaymentResult:
    outcome: SubmitOutcome
    transaction: Optional[TransactionSnapshot] = None
    otp_attempts_left: int = 0


class CancelOutcome(str, enum.Enum):
    CANCELLED = "cancelled"
    NOTHING_TO_CANCEL = "nothing_to_cancel"
    TOO_LATE = "too_late"  # already submitted: the money may have moved
