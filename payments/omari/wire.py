"""O'mari's wire format: the JSON we send, and how an HTTP answer reads as a verdict.

The contract's one rule for success (``error`` false AND ``responseCode``
"000") and every defensive reading around it live here, so the client's
endpoints only pull out their own fields.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional

from payments.omari.codes import SUCCESS_CODE
from payments.omari.verdicts import Outcome

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Verdict:
    """How one HTTP exchange reads, before any endpoint-specific fields are pulled out."""

    outcome: Outcome
    response_code: Optional[str]
    message: str
    http_status: Optional[int] = None
    body: Optional[Mapping[str, Any]] = None


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


def json_object(fields: Mapping[str, Any]) -> str:
    # json.dumps would need a float to write a number, which could change the
    # cents; Decimal values are written from their own (already 2-decimal) text.
    parts = (
        f"{json.dumps(key)}: {format_amount(value) if isinstance(value, Decimal) else json.dumps(value)}"
        for key, value in fields.items()
    )
    return "{" + ", ".join(parts) + "}"


def text(body: Mapping[str, Any], key: str) -> Optional[str]:
    value = body.get(key)
    return value if isinstance(value, str) and value else None


def decimal_or_none(value: Any) -> Optional[Decimal]:
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(value) if isinstance(value, (int, Decimal, str)) else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


def read_verdict(http_status: int, raw: bytes) -> Verdict:
    """Classify an HTTP answer by the contract's rule: success is error false AND code 000."""
    try:
        body = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
        body = None
    if not isinstance(body, dict):
        return Verdict(Outcome.UNCERTAIN, None, f"unreadable response body (HTTP {http_status})",
                        http_status)
    code = body.get("responseCode")
    code = code if isinstance(code, str) else None
    error = body.get("error")
    message = text(body, "message") or f"HTTP {http_status}"
    if not (200 <= http_status < 300 or 400 <= http_status < 500):
        # A 5xx on /request may hide a debit; a redirect is nothing the contract mentions.
        return Verdict(Outcome.UNCERTAIN, code, f"HTTP {http_status}: {message}", http_status, body)
    if code is None and not isinstance(error, bool):
        return Verdict(Outcome.UNCERTAIN, None, f"no error flag or responseCode (HTTP {http_status})",
                        http_status, body)
    # A 4xx that claims success is still a refusal of this request.
    if error is False and code == SUCCESS_CODE and http_status < 300:
        return Verdict(Outcome.SUCCESS, code, message, http_status, body)
    if http_status < 300 and (error is not True or code == SUCCESS_CODE):
        # The flag and the code disagree (`error: false` with a failure code, or
        # a success code without `error: false`): on /request that may hide a
        # debit, so it is not a refusal either; /query decides.
        return Verdict(Outcome.UNCERTAIN, code, f"contradictory answer: {message}", http_status, body)
    return Verdict(Outcome.DECLINED, code, message, http_status, body)
