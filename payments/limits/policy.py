"""Limits on what a stranger can make the assistant do: OTP requests, OTP guesses, lookups.

Every ``/auth`` texts someone an OTP and costs the merchant, so OTP requests
are limited per chat, per booking from one chat, per wallet number (eight
chats must not be able to text one stranger's phone eight times), and for the
whole merchant per minute (the SMS budget). Wrong OTPs are capped per payment
and per wallet per day, so a guesser cannot spread guesses over fresh
payments. Unknown booking references are limited per chat, so references
cannot be enumerated.

A limit shared by every chat is also a way to lock someone else out, so each
is counted per requesting identity first (issue 25; docs/security.md): the
chat's own limits come first; a booking's limit counts one chat's requests on
it, so a stranger who reaches it stops no one else; a wallet's limits and its
wrong-OTP cap count every chat but the wallet owner's own (the WhatsApp chat
of that very number, common/sender_ids.wallet_owner_chat), which only its own
chat limits bound. Strangers together still get no more than the wallet's
limits, and the owner can always ask for an OTP to their own phone.

The limits are counted where every action-server instance sees them: the
database, or Redis when configured (payments/limits/otp_requests.py).
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Tuple

from payments.settings import Settings


class LimitScope(str, enum.Enum):
    """What one limit counts requests of."""

    SENDER = "sender"  # one chat identity (tracker.sender_id)
    WALLET = "wallet"  # one O'mari wallet number, from any chat but its owner's own
    BOOKING = "booking"  # one booking, from one chat
    MERCHANT = "merchant"  # every request the merchant makes


@dataclass(frozen=True)
class RequestLimit:
    """At most ``count`` requests per ``scope`` key in any rolling ``window``."""

    count: int
    window: timedelta
    # How the window is named to a customer: "15 minutes", "day".
    description: str
    scope: LimitScope = LimitScope.SENDER


class RequestLimitReached(Exception):
    """One more request would break ``limit``; nothing was sent to O'mari.

    ``retry_after`` is how long until the oldest counted request leaves the
    window, i.e. when the same request would be admitted again.
    """

    def __init__(self, limit: RequestLimit, retry_after: timedelta | None = None) -> None:
        super().__init__(f"more than {limit.count} {limit.scope.value} requests per {limit.description}")
        self.limit = limit
        self.retry_after = retry_after if retry_after is not None else limit.window


def describe_minutes(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return "day" if days == 1 else f"{days} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "hour" if hours == 1 else f"{hours} hours"
    return "minute" if minutes == 1 else f"{minutes} minutes"


def describe_wait(wait: timedelta) -> str:
    """How long to wait, as a customer reads it: rounded up, never "0 minutes"."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    if minutes < 90:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"


def _per(count: int, minutes: int, scope: LimitScope) -> RequestLimit:
    return RequestLimit(count, timedelta(minutes=minutes), describe_minutes(minutes), scope)


def otp_request_limits(settings: Settings) -> Tuple[RequestLimit, ...]:
    """The configured OTP request limits: the requesting chat's own first (the refusal names the
    first one reached), then the shared ones; within a scope the shortest window comes first."""
    window = settings.otp_request_window_minutes
    return (
        _per(settings.otp_requests_per_window, window, LimitScope.SENDER),
        _per(settings.otp_requests_per_day, 24 * 60, LimitScope.SENDER),
        _per(settings.otp_booking_requests_per_window, window, LimitScope.BOOKING),
        _per(settings.otp_wallet_requests_per_window, window, LimitScope.WALLET),
        _per(settings.otp_wallet_requests_per_day, 24 * 60, LimitScope.WALLET),
        _per(settings.otp_merchant_requests_per_minute, 1, LimitScope.MERCHANT),
    )


def booking_lookup_limit(settings: Settings) -> RequestLimit:
    """Unknown booking references one chat may send before lookups stop for a while."""
    return _per(settings.unknown_booking_limit, settings.unknown_booking_window_minutes, LimitScope.SENDER)
