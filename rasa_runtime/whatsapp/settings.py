"""The WhatsApp channel's settings, read from environment variables in one place.

The channel runs inside `rasa run`, not the action server, so it has its own
small reader instead of `payments/settings.py`. Reading the environment here
(rather than `${VAR}` in credentials.yml, which fails on an unset variable)
lets the same credentials.yml start a server with only the REST channel when
WhatsApp is not configured. docs/whatsapp.md mirrors this.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v23.0"
# Meta redelivers for days; a payment question answered hours late only confuses.
DEFAULT_MAX_MESSAGE_AGE_SECONDS = 900
DEFAULT_DEDUP_TTL_SECONDS = 86400
DEFAULT_DEDUP_MAX_ENTRIES = 50000
DEFAULT_SEND_TIMEOUT_SECONDS = 10.0
DEFAULT_SEND_RETRIES = 2

# Credential key in credentials.yml -> environment variable.
REQUIRED = {
    "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "access_token": "WHATSAPP_ACCESS_TOKEN",
    "app_secret": "WHATSAPP_APP_SECRET",
    "verify_token": "WHATSAPP_VERIFY_TOKEN",
}


@dataclass(frozen=True)
class WhatsAppSettings:
    """Resolved configuration of a switched-on WhatsApp channel."""

    phone_number_id: str
    access_token: str
    app_secret: str
    verify_token: str
    api_version: str = DEFAULT_API_VERSION
    graph_url: str = DEFAULT_GRAPH_URL
    max_message_age_seconds: int = DEFAULT_MAX_MESSAGE_AGE_SECONDS
    dedup_redis_url: str = ""
    dedup_ttl_seconds: int = DEFAULT_DEDUP_TTL_SECONDS
    dedup_max_entries: int = DEFAULT_DEDUP_MAX_ENTRIES
    send_timeout_seconds: float = DEFAULT_SEND_TIMEOUT_SECONDS
    send_retries: int = DEFAULT_SEND_RETRIES

    @property
    def messages_url(self) -> str:
        return f"{self.graph_url.rstrip('/')}/{self.api_version}/{self.phone_number_id}/messages"

    def __repr__(self) -> str:  # the token and secrets never reach a log or traceback
        return (
            f"WhatsAppSettings(phone_number_id={self.phone_number_id!r}, graph_url={self.graph_url!r}, "
            f"api_version={self.api_version!r}, dedup={'redis' if self.dedup_redis_url else 'memory'})"
        )


def _number(raw: str, name: str, kind: type, minimum: float) -> Any:
    try:
        value = kind(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a number, got {raw!r}") from error
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def load_whatsapp_settings(
    credentials: Optional[Mapping[str, Any]] = None, environ: Optional[Mapping[str, str]] = None
) -> Tuple[Optional[WhatsAppSettings], Tuple[str, ...]]:
    """The channel's settings, or None and the names of the missing variables.

    A value in credentials.yml wins over the environment variable, so a
    deployment may use either. Numbers that do not parse raise ValueError:
    a typo should stop the server, not silently change behaviour.
    """
    environ = os.environ if environ is None else environ
    credentials = credentials or {}

    def value(key: str, variable: str, default: str = "") -> str:
        given = credentials.get(key)
        if given is not None and str(given).strip():
            return str(given).strip()
        return environ.get(variable, "").strip() or default

    required: Dict[str, str] = {key: value(key, variable) for key, variable in REQUIRED.items()}
    missing = tuple(REQUIRED[key] for key, found in required.items() if not found)
    if missing:
        return None, missing
    settings = WhatsAppSettings(
        **required,
        api_version=value("api_version", "WHATSAPP_API_VERSION", DEFAULT_API_VERSION),
        graph_url=value("graph_url", "WHATSAPP_GRAPH_URL", DEFAULT_GRAPH_URL),
        max_message_age_seconds=_number(
            value("max_message_age", "WHATSAPP_MAX_MESSAGE_AGE", str(DEFAULT_MAX_MESSAGE_AGE_SECONDS)),
            "WHATSAPP_MAX_MESSAGE_AGE", int, 1,
        ),
        dedup_redis_url=value("dedup_redis_url", "WHATSAPP_DEDUP_REDIS_URL"),
        dedup_ttl_seconds=_number(
            value("dedup_ttl", "WHATSAPP_DEDUP_TTL", str(DEFAULT_DEDUP_TTL_SECONDS)), "WHATSAPP_DEDUP_TTL", int, 1
        ),
        dedup_max_entries=_number(
            value("dedup_max_entries", "WHATSAPP_DEDUP_MAX_ENTRIES", str(DEFAULT_DEDUP_MAX_ENTRIES)),
            "WHATSAPP_DEDUP_MAX_ENTRIES", int, 1,
        ),
        send_timeout_seconds=_number(
            value("send_timeout", "WHATSAPP_SEND_TIMEOUT", str(DEFAULT_SEND_TIMEOUT_SECONDS)),
            "WHATSAPP_SEND_TIMEOUT", float, 0.1,
        ),
        send_retries=_number(
            value("send_retries", "WHATSAPP_SEND_RETRIES", str(DEFAULT_SEND_RETRIES)), "WHATSAPP_SEND_RETRIES", int, 0
        ),
    )
    return settings, ()
