"""The two words the backend reads from every O'mari answer: its outcome and, if refused, why."""
from __future__ import annotations

import enum


class Outcome(enum.Enum):
    """What a call tells us about the transaction."""

    SUCCESS = "success"
    # O'mari answered clearly that it did not happen.
    DECLINED = "declined"
    # We do not know (timeout, connection error, 5xx, unreadable answer): confirm with /query.
    UNCERTAIN = "uncertain"


class DeclineReason(str, enum.Enum):
    """Why O'mari refused a call; the service and the actions choose policy and wording from it."""

    NOT_REGISTERED = "not_registered"  # O'mari does not know the wallet number
    INSUFFICIENT_FUNDS = "insufficient_funds"
    WRONG_OTP = "wrong_otp"
    OTP_ATTEMPTS_EXCEEDED = "otp_attempts_exceeded"
    DO_NOT_HONOUR = "do_not_honour"
    # O'mari has seen this reference before (whether the money moved then, it does not say).
    DUPLICATE_REFERENCE = "duplicate_reference"
    # O'mari has no transaction under this reference.
    TRANSACTION_NOT_FOUND = "transaction_not_found"
    OTHER = "other"  # a refusal O'mari gave no code for that we can explain
