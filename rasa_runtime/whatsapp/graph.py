"""Send messages to the WhatsApp Cloud API (Meta's Graph API) without blocking.

aiohttp (already part of Rasa) keeps the event loop free while Meta answers.
Each send has a timeout and a bounded retry on 429 and 5xx (and on network
errors); anything else is logged with Meta's error code and given up on,
because repeating a malformed message only repeats the refusal.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Optional

import aiohttp

from rasa_runtime import metrics
from rasa_runtime.whatsapp.settings import WhatsAppSettings

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 4.0


def masked(recipient: str) -> str:
    """``2637******01``: enough to trace a conversation, not enough to dial."""
    return recipient if len(recipient) < 7 else recipient[:4] + "*" * (len(recipient) - 6) + recipient[-2:]


def meta_error(body: Any) -> str:
    """Meta's error code, subcode and message from a Graph error body, for the log."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "no Graph error body"
    return (
        f"Meta error {error.get('code')} (subcode {error.get('error_subcode')}, "
        f"type {error.get('type')}): {error.get('message')} [fbtrace_id {error.get('fbtrace_id')}]"
    )


def _retry_after(response: aiohttp.ClientResponse, attempt: int) -> float:
    header = response.headers.get("Retry-After", "")
    try:
        return min(float(header), MAX_BACKOFF_SECONDS)
    except ValueError:
        return min(0.5 * 2**attempt, MAX_BACKOFF_SECONDS)


class GraphClient:
    """POSTs message objects to ``/<version>/<phone-number-id>/messages``."""

    def __init__(self, settings: WhatsAppSettings) -> None:
        self._settings = settings
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use, inside the server's running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._settings.send_timeout_seconds),
                headers={"Authorization": f"Bearer {self._settings.access_token}"},
            )
        return self._session

    async def send(self, message: Dict[str, Any], recipient: str = "") -> bool:
        """True when Meta accepted ``message`` (accepted, not yet delivered)."""
        attempts = 1 + self._settings.send_retries
        for attempt in range(attempts):
            retry_in: Optional[float] = None
            try:
                async with self._client().post(self._settings.messages_url, json=message) as response:
                    if response.status < 300:
                        metrics.graph_send("accepted")
                        return True
                    try:
                        body = await response.json(content_type=None)
                    except (ValueError, aiohttp.ClientError):
                        body = None
                    detail = f"HTTP {response.status}, {meta_error(body)}"
                    result = metrics.graph_failure_result(response.status)
                    if response.status == 429 or response.status >= 500:
                        retry_in = _retry_after(response, attempt)
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                detail = f"{type(error).__name__} reaching the Graph API"
                result = "unreachable"
                retry_in = min(0.5 * 2**attempt, MAX_BACKOFF_SECONDS)
            if retry_in is None or attempt == attempts - 1:
                logger.error(
                    "WhatsApp send to %s failed after %d attempt(s): %s", masked(recipient), attempt + 1, detail
                )
                metrics.graph_send(result)
                return False
            logger.warning("WhatsApp send to %s: %s; retrying in %.1fs", masked(recipient), detail, retry_in)
            await asyncio.sleep(retry_in)
        return False

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
