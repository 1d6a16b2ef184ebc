"""Every setting the action server and the ops CLI read, in one place.

Settings come from environment variables so the same code runs against the
local sandbox, O'mari's UAT and production without edits. Each variable has a
default that makes a fresh clone work on one machine (SQLite, sandbox on
loopback). docs/configuration.md mirrors this module.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple
from urllib.parse import urlsplit
from common.environment import positive_seconds
from common.hosts import is_loopback
from parsing.language import Language

SANDBOX_BASE_PATH = "/vsuite/omari/api/merchant/api/payment"
SANDBOX_PORT = 8099
# The key the sandbox accepts when no real merchant key is configured. It is
# not a secret: it only opens the loopback sandbox.
SANDBOX_MERCHANT_KEY = "sandbox-merchant-key"
DEFAULT_SANDBOX_URL = f"http://127.0.0.1:{SANDBOX_PORT}{SANDBOX_BASE_PATH}"
TRUE_WORDS = ("1", "true", "yes")
# Meta's template language codes ("en", "en_US", "zu"): what WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE* may hold.
META_TEMPLATE_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2,4})?$")
# Meta has no code for Shona or Ndebele (docs/whatsapp.md): the Shona template is its own template
# name registered under English's code, the Ndebele one under Zulu's, Ndebele's close written kin.
DEFAULT_TEMPLATE_LANGUAGE = {Language.ENGLISH: "en", Language.SHONA: "en", Language.NDEBELE: "zu"}


@dataclass(frozen=True)
class WhatsAppTemplate:
    """An approved WhatsApp template: its name, the Meta language code it was approved under,
    and the language its body is written in (what its parameters must be written in)."""

    name: str
    language_code: str
    body_language: Language = Language.ENGLISH


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; build it with :func:`load_settings`."""

    omari_api_base_url: str
    omari_merchant_key: str
    # True when no real merchant key is set (or the sandbox's own key, or
    # OMARI_SANDBOX=true): the product then talks to the sandbox, where no
    # money moves; the action server warns at start and receipts say "test".
    uses_sandbox: bool
    omari_connect_timeout: float
    omari_read_timeout: float
    # O'mari's `channel` field is the merchant's integration channel (WEB or
    # POS), never the customer's wallet; see ../shared/omari-merchant-api.md.
    omari_merchant_channel: str
    database_url: str
    # How many invalid answers to one question before the assistant stops
    # looping and offers to start over or talk to a person (first try + 2).
    max_invalid_answers: int
    support_contact: str
    # How long an OTP is accepted locally, counted from when /auth was asked.
    otp_lifetime_seconds: int = 300
    # Abuse limits on /auth (each one texts the customer and costs the
    # merchant), per chat sender, counted where every action-server instance
    # sees them (payments/limits/policy.py, payments/limits/otp_requests.py).
    otp_requests_per_window: int = 3
    otp_request_window_minutes: int = 15
    otp_requests_per_day: int = 10
    # The same limits per wallet number, from every chat together: a stranger
    # opening eight chats must not text one phone eight times. The wallet
    # owner's own WhatsApp chat is left out of them (payments/limits/policy.py).
    otp_wallet_requests_per_window: int = 3
    otp_wallet_requests_per_day: int = 10
    # Per booking from one chat, in the same window as above: one chat at it
    # stops no other chat from paying the booking.
    otp_booking_requests_per_window: int = 5
    # Every OTP request of the merchant per minute: the SMS budget's ceiling.
    otp_merchant_requests_per_minute: int = 60
    # Wrong OTPs on one wallet number per rolling day, over all its payments
    # (each payment also closes after 3); the owner's own chat counts only its own.
    wrong_otps_per_wallet_per_day: int = 6
    # Unknown booking references one chat may send in the window before the
    # assistant stops looking references up (enumeration) and offers a person.
    unknown_booking_limit: int = 5
    unknown_booking_window_minutes: int = 15
    # How often `make serve` runs `python -m payments.ops reconcile`.
    reconcile_interval_seconds: int = 60
    # A payment left pending whose /request never reached O'mari (/query still answers
    # with the authorisation only) is voided at O'mari and failed after this long
    # (payments/unrequested.py).
    pending_void_after_seconds: int = 1800
    # Threads the action server runs blocking payment work on (O'mari calls,
    # database). Each may hold one O'mari call for up to the read timeout, so
    # this many customers can wait on O'mari at once before others queue; the
    # database pool is sized to match so a thread never waits for a connection.
    payment_workers: int = 16
    # Empty: count OTP requests in the database. A redis:// URL: count them in
    # Redis (payments/limits/otp_requests.py), shared by every action-server instance.
    rate_limit_redis_url: str = ""
    # Rasa's conversation store, for `ops purge-conversations` (the same
    # variable and default as endpoints.yml's), and how long it keeps them.
    tracker_store_url: str = "sqlite:///conversations.db"
    conversation_retention_days: int = 90
    # Telling customers how a payment reconcile settled ended (payments/notifications/notifier.py):
    # Rasa's HTTP API (reachable only inside the deployment) and its token.
    # Empty token: none is sent, outcomes wait in the outbox (`ops notifications`).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_api_token: str = ""
    notify_retries: int = 2
    # WhatsApp's approved UTILITY template for outcomes told after its 24-hour
    # window (docs/whatsapp.md); empty: such outcomes wait, listed.
    whatsapp_payment_template: str = ""
    whatsapp_payment_template_language: str = "en"
    whatsapp_payment_template_parameters: Tuple[str, ...] = ("booking_reference", "amount", "outcome")
    # The same template's Shona and Ndebele texts, each approved under its own name
    # (WHATSAPP_PAYMENT_TEMPLATE_SN / _ND) and Meta code (..._LANGUAGE_SN / _ND, default
    # en and zu); empty: that language's conversations get the English template.
    whatsapp_payment_template_sn: str = ""
    whatsapp_payment_template_language_sn: str = DEFAULT_TEMPLATE_LANGUAGE[Language.SHONA]
    whatsapp_payment_template_nd: str = ""
    whatsapp_payment_template_language_nd: str = DEFAULT_TEMPLATE_LANGUAGE[Language.NDEBELE]
    # The secret Rasa sends in the X-Action-Server-Token header (actions/server_auth.py);
    # required when the action server listens beyond loopback.
    action_server_token: str = ""
    # Tests only: seconds added to the clock the 24-hour window is judged by.
    clock_offset_seconds: float = 0.0
    # The money exporter's /metrics (payments/exporter.py): the database's
    # pending, held, overpaid and untold counts. Loopback unless the
    # deployment's internal network needs it (docker-compose sets 0.0.0.0).
    metrics_exporter_host: str = "127.0.0.1"
    metrics_exporter_port: int = 9465

    def whatsapp_payment_template_for(self, language: Language) -> Optional[WhatsAppTemplate]:
        """The outcome template for a conversation in ``language``: its own if configured,
        else the English one; None when neither is set (the outcome then waits for a person)."""
        own = {
            Language.SHONA: (self.whatsapp_payment_template_sn, self.whatsapp_payment_template_language_sn),
            Language.NDEBELE: (self.whatsapp_payment_template_nd, self.whatsapp_payment_template_language_nd),
        }.get(language)
        if own is not None and own[0]:
            return WhatsAppTemplate(*own, body_language=language)
        if self.whatsapp_payment_template:
            return WhatsAppTemplate(self.whatsapp_payment_template, self.whatsapp_payment_template_language)
        return None

    def __repr__(self) -> str:  # keep the merchant key out of logs and tracebacks
        return (
            f"Settings(omari_api_base_url={self.omari_api_base_url!r}, "
            f"uses_sandbox={self.uses_sandbox}, database_url={_redact_url(self.database_url)!r}, "
            f"rasa_api_token={'set' if self.rasa_api_token else 'unset'}, "
            f"action_server_token={'set' if self.action_server_token else 'unset'}, "
            f"otp_request_limits_in={'redis' if self.rate_limit_redis_url else 'database'})"
        )


def _redact_url(url: str) -> str:
    """Hide a password in a database URL such as postgresql://user:pw@host/db."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from error
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {raw!r}")
    return value


def _redis_url(environ: Mapping[str, str], name: str) -> str:
    raw = environ.get(name, "").strip()
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"{name} must be a redis://, rediss:// or unix:// URL, got {_redact_url(raw)!r}")
    return raw


# The token `make run` / `make serve` make at start-up (tools/stack.py), for an
# `ops reconcile` run by hand next to them. Relative to the working directory.
DEFAULT_RASA_API_TOKEN_FILE = "run/rasa-api-token"
TEMPLATE_FIELDS = ("booking_reference", "amount", "outcome", "payment_reference", "balance_due", "booking_status")


def _rasa_api_token(environ: Mapping[str, str]) -> str:
    token = environ.get("RASA_API_TOKEN", "").strip()
    if token:
        return token
    path = Path(environ.get("RASA_API_TOKEN_FILE", "").strip() or DEFAULT_RASA_API_TOKEN_FILE)
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _template_language(environ: Mapping[str, str], name: str, default: str) -> str:
    raw = environ.get(name, "").strip() or default
    if not META_TEMPLATE_LANGUAGE.match(raw):
        raise ValueError(f"{name} must be a language code of Meta's templates (en, en_US, zu), got {raw!r}")
    return raw


def _template_parameters(environ: Mapping[str, str]) -> Tuple[str, ...]:
    raw = environ.get("WHATSAPP_PAYMENT_TEMPLATE_PARAMETERS", "").strip()
    if not raw:
        return ("booking_reference", "amount", "outcome")
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    unknown = [name for name in names if name not in TEMPLATE_FIELDS]
    if unknown or not names:
        raise ValueError(f"WHATSAPP_PAYMENT_TEMPLATE_PARAMETERS: unknown {unknown}; use {', '.join(TEMPLATE_FIELDS)}")
    return names


class UnsafeOmariSetting(ValueError):
    """O'mari's URL and key as set would send a real merchant key where it must not go; nothing starts."""




def _omari_base_url(env: Mapping[str, str], merchant_key: str) -> str:
    """OMARI_API_BASE_URL, checked: a real key needs its URL, and travels over https only.

    A real merchant key set without a URL would go to the sandbox's default
    address; over plain http it would cross the network in clear text. Plain
    http is accepted only where no real key crosses a network: the sandbox's
    own key, or a loopback address (where only the bundled sandbox runs).
    """
    raw = env.get("OMARI_API_BASE_URL", "").strip()
    real_key = bool(merchant_key) and merchant_key != SANDBOX_MERCHANT_KEY
    if real_key and not raw:
        raise UnsafeOmariSetting("OMARI_MERCHANT_KEY is set but OMARI_API_BASE_URL is not: set O'mari's https URL "
                                 "(or unset the key to use the sandbox)")
    url = (raw or DEFAULT_SANDBOX_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeOmariSetting(f"OMARI_API_BASE_URL must be an https:// URL, got one starting {url[:8]!r}")
    if parts.scheme == "http" and real_key and not is_loopback(parts.hostname):
        raise UnsafeOmariSetting(f"OMARI_API_BASE_URL must be https:// for the merchant key to cross the network "
                                 f"(http is for the bundled sandbox only), got http://{parts.hostname}")
    return url


def _offset(environ: Mapping[str, str], name: str) -> float:
    raw = environ.get(name, "").strip()
    try:
        return float(raw) if raw else 0.0
    except ValueError as error:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from error


def load_settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Read the settings from ``environ`` (the process environment by default)."""
    env = os.environ if environ is None else environ
    merchant_key = env.get("OMARI_MERCHANT_KEY", "").strip()
    uses_sandbox = (not merchant_key or merchant_key == SANDBOX_MERCHANT_KEY
                    or env.get("OMARI_SANDBOX", "").strip().lower() in TRUE_WORDS)
    channel = env.get("OMARI_MERCHANT_CHANNEL", "WEB").strip().upper() or "WEB"
    if channel not in {"WEB", "POS"}:
        raise ValueError(f"OMARI_MERCHANT_CHANNEL must be WEB or POS, got {channel!r}")
    return Settings(
        omari_api_base_url=_omari_base_url(env, merchant_key),
        omari_merchant_key=merchant_key or SANDBOX_MERCHANT_KEY,
        uses_sandbox=uses_sandbox,
        omari_connect_timeout=positive_seconds(env, "OMARI_CONNECT_TIMEOUT", 10.0),
        omari_read_timeout=positive_seconds(env, "OMARI_READ_TIMEOUT", 30.0),
        omari_merchant_channel=channel,
        database_url=env.get("DATABASE_URL", "").strip() or "sqlite:///kali_safaris.db",
        max_invalid_answers=_int(env, "MAX_INVALID_ANSWERS", 3),
        support_contact=env.get("SUPPORT_CONTACT", "").strip() or "+263 77 200 0000",
        otp_lifetime_seconds=_int(env, "OTP_LIFETIME_SECONDS", 300),
        otp_requests_per_window=_int(env, "OTP_REQUEST_LIMIT", 3),
        otp_request_window_minutes=_int(env, "OTP_REQUEST_WINDOW_MINUTES", 15),
        otp_requests_per_day=_int(env, "OTP_REQUEST_DAILY_LIMIT", 10),
        otp_wallet_requests_per_window=_int(env, "OTP_WALLET_REQUEST_LIMIT", 3),
        otp_wallet_requests_per_day=_int(env, "OTP_WALLET_REQUEST_DAILY_LIMIT", 10),
        otp_booking_requests_per_window=_int(env, "OTP_BOOKING_REQUEST_LIMIT", 5),
        otp_merchant_requests_per_minute=_int(env, "OTP_MERCHANT_REQUESTS_PER_MINUTE", 60),
        wrong_otps_per_wallet_per_day=_int(env, "WRONG_OTP_WALLET_DAILY_LIMIT", 6),
        unknown_booking_limit=_int(env, "UNKNOWN_BOOKING_LIMIT", 5),
        unknown_booking_window_minutes=_int(env, "UNKNOWN_BOOKING_WINDOW_MINUTES", 15),
        reconcile_interval_seconds=_int(env, "RECONCILE_INTERVAL_SECONDS", 60),
        pending_void_after_seconds=_int(env, "PENDING_VOID_AFTER_SECONDS", 1800),
        payment_workers=_int(env, "PAYMENT_WORKERS", 16),
        rate_limit_redis_url=_redis_url(env, "RATE_LIMIT_REDIS_URL"),
        tracker_store_url=env.get("TRACKER_STORE_URL", "").strip() or "sqlite:///conversations.db",
        conversation_retention_days=_int(env, "CONVERSATION_RETENTION_DAYS", 90),
        rasa_url=(env.get("RASA_URL", "").strip() or "http://127.0.0.1:5005").rstrip("/"),
        rasa_api_token=_rasa_api_token(env),
        notify_retries=_int(env, "NOTIFY_RETRIES", 2),
        whatsapp_payment_template=env.get("WHATSAPP_PAYMENT_TEMPLATE", "").strip(),
        whatsapp_payment_template_language=_template_language(
            env, "WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE", DEFAULT_TEMPLATE_LANGUAGE[Language.ENGLISH]),
        whatsapp_payment_template_parameters=_template_parameters(env),
        whatsapp_payment_template_sn=env.get("WHATSAPP_PAYMENT_TEMPLATE_SN", "").strip(),
        whatsapp_payment_template_language_sn=_template_language(
            env, "WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE_SN", DEFAULT_TEMPLATE_LANGUAGE[Language.SHONA]),
        whatsapp_payment_template_nd=env.get("WHATSAPP_PAYMENT_TEMPLATE_ND", "").strip(),
        whatsapp_payment_template_language_nd=_template_language(
            env, "WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE_ND", DEFAULT_TEMPLATE_LANGUAGE[Language.NDEBELE]),
        action_server_token=env.get("ACTION_SERVER_TOKEN", "").strip(),
        clock_offset_seconds=_offset(env, "CLOCK_OFFSET_SECONDS"),
        metrics_exporter_host=env.get("METRICS_EXPORTER_HOST", "").strip() or "127.0.0.1",
        metrics_exporter_port=_int(env, "METRICS_EXPORTER_PORT", 9465),
    )
