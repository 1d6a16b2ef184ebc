"""The vocabulary of the payment service: outcomes, results and the policy it follows.

Kept apart from :mod:`payments.service` so the rules there stay short; the
service module re-exports everything here, so callers import from one place.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Optional, Tuple

from payments.limits.policy import RequestLimit, booking_lookup_limit, otp_request_limits
from payments.omari import DeclineReason  # re-exported: the service's vocabulary
from payments.settings import Settings
from payments.snapshots import BookingSnapshot, TransactionSnapshot

# Refusals that sound final but do not prove the wallet was left alone: a
# "duplicate" may mean the first /request went through, and "not found" for a
# reference O'mari accepted at /auth is O'mari's confusion, not a refusal.
INCONCLUSIVE_REASONS = frozenset({DeclineReason.DUPLICATE_REFERENCE, DeclineReason.TRANSACTION_NOT_FOUND})
MAX_OTP_ATTEMPTS = 3
OTP_LIFETIME = timedelta(minutes=5)
VOID_UNREQUESTED_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class PaymentPolicy:
    """The tunable rules: OTP lifetime and the abuse limits (none unless given: tests choose theirs)."""

    otp_lifetime: timedelta = OTP_LIFETIME
    request_limits: Tuple[RequestLimit, ...] = field(default_factory=tuple)
    # Wrong OTPs on one wallet number per rolling day, over all its payments.
    wrong_otps_per_wallet_per_day: Optional[int] = None
    # Unknown booking references per chat before lookups stop for a while.
    booking_lookup_limit: Optional[RequestLimit] = None
    # How long a payment stays pending while O'mari holds only its authorisation
    # before reconcile voids it there and fails it (payments/unrequested.py).
    void_unrequested_after: timedelta = VOID_UNREQUESTED_AFTER

    @classmethod
    def from_settings(cls, settings: Settings) -> "PaymentPolicy":
        return cls(
            timedelta(seconds=settings.otp_lifetime_seconds),
            otp_request_limits(settings),
            settings.wrong_otps_per_wallet_per_day,
            booking_lookup_limit(settings),
            timedelta(seconds=settings.pending_void_after_seconds),
        )


class StartOutcome(str, enum.Enum):
    OTP_SENT = "otp_sent"
    NOT_REGISTERED = "not_registered"  # O'mari does not know this number
    DECLINED = "declined"
    UNAVAILABLE = "unavailable"  # O'mari did not answer clearly; nothing was charged
    BOOKING_CLOSED = "booking_closed"
    AMOUNT_REJECTED = "amount_rejected"
    LIMIT_REACHED = "limit_reached"  # too many OTP requests (chat, wallet, booking or merchant); O'mari not called
    # Other open payments on the booking already take (part of) the balance.
    BALANCE_IN_PROGRESS = "balance_in_progress"
    # The chat sent too many unknown references: no booking is looked up for it for a while.
    LOOKUPS_PAUSED = "lookups_paused"


@dataclass(frozen=True)
class PaymentStart:
    outcome: StartOutcome
    transaction: Optional[TransactionSnapshot] = None
    # Set with LIMIT_REACHED: the limit that refused the request, and when it admits again.
    limit: Optional[RequestLimit] = None
    retry_after: Optional[timedelta] = None
    # Set with BALANCE_IN_PROGRESS: what open payments take, and what is left for this one.
    in_progress: Optional[Decimal] = None
    available: Optional[Decimal] = None
    currency: Optional[str] = None


class SubmitOutcome(str, enum.Enum):
    SUCCESS = "success"
    WRONG_OTP = "wrong_otp"  # may try again on the same transaction
    OTP_ATTEMPTS_EXCEEDED = "otp_attempts_exceeded"
    OTP_EXPIRED = "otp_expired"
    DECLINED = "declined"
    PENDING = "pending"  # the debit may have happened; reconciliation will settle it
    IN_PROGRESS = "in_progress"  # another message is already submitting this OTP
    CLOSED = "closed"  # cancelled or failed earlier; needs a fresh payment
    # The wallet had too many wrong OTPs today, over all its payments; O'mari not called.
    WALLET_OTP_LIMIT = "wallet_otp_limit"
    # reconcile_all only: settling this payment raised; logged and left for the next run.
    SKIPPED = "skipped"
    # reconcile only: the /request never reached O'mari; voided there and failed here.
    VOIDED = "voided"


@dataclass(frozen=True)
class PaymentResult:
    outcome: SubmitOutcome
    transaction: Optional[TransactionSnapshot] = None
    otp_attempts_left: int = 0
    # Set with WALLET_OTP_LIMIT: when the wallet may try again.
    retry_after: Optional[timedelta] = None


class LookupOutcome(str, enum.Enum):
    FOUND = "found"
    UNKNOWN = "unknown"
    # Too many unknown references from this chat lately: not looked up at all.
    LOCKED_OUT = "locked_out"


@dataclass(frozen=True)
class BookingLookup:
    outcome: LookupOutcome
    booking: Optional[BookingSnapshot] = None
    retry_after: Optional[timedelta] = None


class HeldDecision(str, enum.Enum):
    """A person's decision on a payment held for review (`ops resolve-held`)."""

    CREDIT = "credit"  # O'mari confirmed our amount: credit the booking with it
    FAIL = "fail"  # not ours to credit (refunded at O'mari)


class ResolveOutcome(str, enum.Enum):
    RESOLVED = "resolved"
    NOT_HELD = "not_held"  # no such transaction, or it is not held for review
    SETTLED_MEANWHILE = "settled_meanwhile"  # someone else resolved it between the read and the update


@dataclass(frozen=True)
class HeldResolution:
    outcome: ResolveOutcome
    # With RESOLVED: the transaction as the decision left it.
    transaction: Optional[TransactionSnapshot] = None


class RefundOutcome(str, enum.Enum):
    """Marking an overpaid booking's excess refunded (the back office's ops action)."""

    REFUNDED = "refunded"
    # Not overpaid by that amount (any more): someone marked it already, or it changed meanwhile.
    NOT_OVERPAID = "not_overpaid"


class CancelOutcome(str, enum.Enum):
    CANCELLED = "cancelled"
    NOTHING_TO_CANCEL = "nothing_to_cancel"
    TOO_LATE = "too_late"  # already submitted: the money may have moved
