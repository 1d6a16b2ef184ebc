"""Meta signs every webhook POST: X-Hub-Signature-256 = sha256=<HMAC of the raw body>."""
from __future__ import annotations

import hashlib
import hmac
from typing import Optional

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(app_secret: str, raw_body: bytes) -> str:
    """The header value Meta sends for ``raw_body`` (used by tests and tools)."""
    return _PREFIX + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def signature_is_valid(app_secret: str, raw_body: bytes, header: Optional[str]) -> bool:
    """True only when ``header`` is Meta's signature of exactly these bytes.

    Computed over the raw bytes (re-serialised JSON would differ) and compared
    in constant time, so the check leaks nothing about the expected value.
    """
    if not app_secret or not header or not header.startswith(_PREFIX):
        return False
    return hmac.compare_digest(sign(app_secret, raw_body).encode(), header.strip().encode())
