"""Every setting of the back office, read once from the environment (docs/configuration.md).

The booking database, O'mari, the conversation store and Redis are the
backend's own settings (payments/settings.py), so the back office sees the
data the assistant writes.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from payments.settings import Settings, load_settings
from common.hosts import is_loopback

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8060
TRUE_WORDS = ("1", "true", "yes")
FALSE_WORDS = ("0", "false", "no")


@dataclass(frozen=True)
class BackofficeSettings:
    host: str
    port: int
    # Signs the session cookie. Unset: a random key per start, so sessions end with the process.
    secret_key: str = field(repr=False)
    # Secure cookies (HTTPS only). Defaults to on, except when listening on loopback over plain
    # HTTP (make run / make serve), where a browser would otherwise never send the cookie back.
    secure_cookies: bool
    session_minutes: int
    # Wrong passwords before a login is refused outright, per account and per address, in the window.
    login_failures_per_account: int
    login_failures_per_address: int
    login_window_minutes: int
    # A payment still pending after this many minutes is in the "pending too long" queue.
    pending_alert_minutes: int
    # The checkout nlu-compare runs in, and where accepted inbox examples are written.
    nlu_repo: Path
    accepted_examples: Path
    comparison_base: str
    # Inbox: messages from the last N days, confidence below the threshold.
    inbox_days: float
    inbox_threshold: float
    backend: Settings
    # How many reverse proxies (nginx) stand in front and set X-Forwarded-For; 0 on one machine.
    proxies: int = 0


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value <= 0:
        raise ValueError(f"{name} must be a positive whole number, got {raw!r}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def load_backoffice_settings(environ: Optional[Mapping[str, str]] = None) -> BackofficeSettings:
    env = os.environ if environ is None else environ
    host = env.get("BACKOFFICE_HOST", "").strip() or DEFAULT_HOST
    secure_raw = env.get("BACKOFFICE_SECURE_COOKIES", "").strip().lower()
    if secure_raw in TRUE_WORDS:
        secure = True
    elif secure_raw in FALSE_WORDS:
        if not is_loopback(host):
            raise ValueError("BACKOFFICE_SECURE_COOKIES=false is allowed only on a loopback BACKOFFICE_HOST")
        secure = False
    else:
        secure = not is_loopback(host)
    repo = Path(env.get("BACKOFFICE_NLU_REPO", "").strip() or ".").resolve()
    accepted = env.get("BACKOFFICE_ACCEPTED_EXAMPLES", "").strip()
    return BackofficeSettings(
        host=host,
        port=_int(env, "BACKOFFICE_PORT", DEFAULT_PORT),
        secret_key=env.get("BACKOFFICE_SECRET_KEY", "").strip() or secrets.token_hex(32),
        secure_cookies=secure,
        session_minutes=_int(env, "BACKOFFICE_SESSION_MINUTES", 480),
        login_failures_per_account=_int(env, "BACKOFFICE_LOGIN_FAILURES_PER_ACCOUNT", 10),
        login_failures_per_address=_int(env, "BACKOFFICE_LOGIN_FAILURES_PER_ADDRESS", 30),
        login_window_minutes=_int(env, "BACKOFFICE_LOGIN_WINDOW_MINUTES", 15),
        pending_alert_minutes=_int(env, "BACKOFFICE_PENDING_ALERT_MINUTES", 10),
        nlu_repo=repo,
        accepted_examples=Path(accepted) if accepted else repo / "results" / "nlu-accepted.yml",
        comparison_base=env.get("BACKOFFICE_COMPARISON_BASE", "").strip() or "HEAD",
        inbox_days=_float(env, "BACKOFFICE_INBOX_DAYS", 30.0),
        inbox_threshold=_float(env, "BACKOFFICE_INBOX_THRESHOLD", 0.7),
        backend=load_settings(env),
        proxies=int(env.get("BACKOFFICE_PROXIES", "").strip() or 0),
    )
