"""Wrong passwords counted per account and per address; past either limit a login is refused unchecked.

Counted with the ``limits`` library (already pinned for the OTP limits): in
this process's memory, or in Redis when RATE_LIMIT_REDIS_URL is set, so
several back-office processes share the count. Only failures count; a
correct password inside the limit logs in and does not reset the count
(an attacker who knows one password must not earn more guesses on others).
"""
from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class LoginLimits:
    failures_per_account: int
    failures_per_address: int
    window_minutes: int


class LoginLimiter:
    def __init__(self, limits: LoginLimits, redis_url: str = "") -> None:
        self._storage = storage_from_string(redis_url or "memory://")
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._account = RateLimitItemPerMinute(limits.failures_per_account, limits.window_minutes)
        self._address = RateLimitItemPerMinute(limits.failures_per_address, limits.window_minutes)

    def allowed(self, username: str, address: str) -> bool:
        """False once the account or the address used up its wrong passwords in the window."""
        return self._limiter.test(self._account, "backoffice-login-account", username) and self._limiter.test(
            self._address, "backoffice-login-address", address
        )

    def record_failure(self, username: str, address: str) -> None:
        self._limiter.hit(self._account, "backoffice-login-account", username)
        self._limiter.hit(self._address, "backoffice-login-address", address)
