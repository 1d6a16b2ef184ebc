"""Per-sender limits on OTP requests (O'mari's ``/auth``).

Every ``/auth`` texts a customer an OTP and costs the merchant, so one chat
must not be able to fire them without end. The limits are counted from the
transaction rows in the database, not in process memory, so they hold across
restarts and across every action-server instance sharing the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Tuple

from actions.settings import Settings


@dataclass(frozen=True)
class RequestLimit:
    """At most ``count`` OTP requests per sender in any rolling ``window``."""

    count: int
    window: timedelta
    # How the window is named to a customer: "15 minutes", "day".
    description: str


class RequestLimitReached(Exception):
    """One more OTP request would break ``limit``; nothing was sent to O'mari."""

    def __init__(self, limit: RequestLimit) -> None:
        super().__init__(f"more than {limit.count} OTP requests per {limit.description}")
        self.limit = limit


def describe_minutes(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return "day" if days == 1 else f"{days} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "hour" if hours == 1 else f"{hours} hours"
    return "minute" if minutes == 1 else f"{minutes} minutes"


def otp_request_limits(settings: Settings) -> Tuple[RequestLimit, ...]:
    """The configured limits, shortest window first (its message is the more useful)."""
    return (
        RequestLimit(
            settings.otp_requests_per_window,
            timedelta(minutes=settings.otp_request_window_minutes),
            describe_minutes(settings.otp_request_window_minutes),
        ),
        RequestLimit(settings.otp_requests_per_day, timedelta(days=1), "day"),
    )
