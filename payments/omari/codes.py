"""O'mari's response codes and what each means for a payment: known only inside the client.

The published spec names only ``000``; the others are the ISO-8583-style codes
seen in third-party integrations and in the sandbox (shared/omari-merchant-api
notes). Callers never see a code: a declined answer carries a
:class:`DeclineReason`, and the service decides wording and policy from that.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Optional

from payments.omari.verdicts import DeclineReason

SUCCESS_CODE = "000"
NOT_FOUND_CODE = "025"

_REASON_OF_CODE: Dict[str, DeclineReason] = {
    "005": DeclineReason.DO_NOT_HONOUR,
    "014": DeclineReason.NOT_REGISTERED,
    "025": DeclineReason.TRANSACTION_NOT_FOUND,
    "026": DeclineReason.DUPLICATE_REFERENCE,
    "051": DeclineReason.INSUFFICIENT_FUNDS,
    "055": DeclineReason.WRONG_OTP,
    "075": DeclineReason.OTP_ATTEMPTS_EXCEEDED,
}

# Every code this package gives a meaning to (the source check in tests/unit reads it).
KNOWN_CODES: FrozenSet[str] = frozenset({SUCCESS_CODE, *_REASON_OF_CODE})

# /query statuses that mean the money did not move and will not.
FINAL_FAILURE_STATUSES = frozenset({"failed", "declined", "voided", "cancelled", "reversed", "expired"})
# /query statuses that mean O'mari holds the authorisation (/auth) and no /request was accepted
# for it: nothing was debited, but it still could be until the authorisation is voided.
AUTHORISED_ONLY_STATUSES = frozenset({"pending"})


def reason_of_code(response_code: Optional[str]) -> DeclineReason:
    """Why O'mari refused, from the code it refused with; codes we cannot explain are OTHER."""
    return _REASON_OF_CODE.get(response_code or "", DeclineReason.OTHER)


def reason_of_recorded_code(response_code: Optional[str]) -> Optional[DeclineReason]:
    """The reason behind a code kept on a payment's row, or None when the row records no refusal code."""
    if response_code is None or response_code == SUCCESS_CODE:
        return None
    return reason_of_code(response_code)
