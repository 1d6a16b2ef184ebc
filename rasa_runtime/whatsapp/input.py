"""The WhatsApp Cloud API input channel, mounted at /webhooks/whatsapp/webhook.

GET answers Meta's verification handshake. POST checks the signature over the
raw body, answers 200 at once and runs each message's turn in the background:
Meta redelivers anything that is slow or fails, so nothing that goes wrong
while a turn runs may turn into a non-200. Redelivered and very old messages
are not answered; messages the assistant cannot read get a polite request to
type. Configured from WHATSAPP_* variables (rasa_runtime/whatsapp/settings.py);
without them only a status route is mounted and the server runs without it.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_runtime import metrics
from rasa_runtime.whatsapp.dedup import Deduplicator, make_deduplicator
from rasa_runtime.whatsapp.graph import GraphClient, masked
from rasa_runtime.whatsapp.inbound import InboundMessage, inbound_messages, is_too_old
from rasa_runtime.whatsapp.ordering import SenderOrder
from rasa_runtime.whatsapp.output import CHANNEL_NAME, WhatsAppOutput, WhatsAppPushOutput
from rasa_runtime.whatsapp.typing import SlowAnswers
from rasa_runtime.whatsapp.settings import WhatsAppSettings, load_whatsapp_settings
from rasa_runtime.whatsapp.signature import SIGNATURE_HEADER, signature_is_valid

logger = logging.getLogger(__name__)

PLEASE_TYPE = (
    "Sorry, I can only read typed messages here. Please type your answer "
    "(or tap one of the buttons)."
)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# Meta batches up to ~3 MB of updates; nginx's public listener lets 4 MB through
# (deploy/nginx/), and so does the channel, for a Rasa reached without nginx.
MAX_WEBHOOK_BYTES = 4 * 1024 * 1024


class WhatsAppInput(InputChannel):
    """Receives WhatsApp Cloud API notifications and hands each message to Rasa once."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WhatsAppInput":
        settings, missing = load_whatsapp_settings(credentials)
        if settings is None:
            logger.info("WhatsApp channel is off: %s not set.", ", ".join(missing))
        else:
            logger.info("WhatsApp channel is on: %r", settings)
        return cls(settings)

    def __init__(
        self,
        settings: Optional[WhatsAppSettings],
        deduplicator: Optional[Deduplicator] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._client = GraphClient(settings) if settings else None
        self._dedup = deduplicator
        if settings is not None and deduplicator is None:
            self._dedup = make_deduplicator(
                settings.dedup_redis_url, settings.dedup_ttl_seconds, settings.dedup_max_entries
            )
        self._order = SenderOrder()
        self._slow_answers = SlowAnswers()
        self._tasks: Set["asyncio.Task[None]"] = set()  # kept so running turns are not garbage-collected

    @property
    def is_on(self) -> bool:
        return self.settings is not None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Rasa uses this only to push outside a turn (trigger_intent with output_channel=latest)."""
        return WhatsAppPushOutput(self._client) if self._client else None

    # -- the webhook -----------------------------------------------------------

    def verify(self, args: Dict[str, Any]) -> Optional[str]:
        """The challenge to echo when Meta's verification request is genuine, else None."""
        assert self.settings is not None
        mode, token, challenge = (args.get(k) for k in ("hub.mode", "hub.verify_token", "hub.challenge"))
        if mode == "subscribe" and token and challenge and hmac.compare_digest(
            str(token).encode(), self.settings.verify_token.encode()
        ):
            return str(challenge)
        return None

    def accept(self, raw_body: bytes, signature: Optional[str], on_new_message: OnNewMessage) -> int:
        """The HTTP status for a notification; its messages are scheduled to run after it."""
        assert self.settings is not None
        if len(raw_body) > MAX_WEBHOOK_BYTES:
            logger.warning("WhatsApp webhook: refused a %d-byte POST (limit %d)", len(raw_body), MAX_WEBHOOK_BYTES)
            metrics.webhook_received("too_big")
            return 413
        if not signature_is_valid(self.settings.app_secret, raw_body, signature):
            logger.warning("WhatsApp webhook: refused a POST with a missing or wrong %s", SIGNATURE_HEADER)
            metrics.webhook_received("bad_signature")
            return 403
        try:
            notification = json.loads(raw_body)
        except ValueError:
            logger.warning("WhatsApp webhook: a signed POST whose body is not JSON")
            metrics.webhook_received("not_json")
            return 400
        metrics.webhook_received("signed")
        for message in inbound_messages(notification, self.settings.phone_number_id):
            self._schedule(message, on_new_message)
        return 200

    def _schedule(self, message: InboundMessage, on_new_message: OnNewMessage) -> None:
        turn = self._order.reserve(message.sender_id)  # taken now: arrival order
        self._in_background(self._run_turn(message, turn, on_new_message))

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_turn(self, message: InboundMessage, turn: asyncio.Lock, on_new_message: OnNewMessage) -> None:
        try:
            async with turn:
                await self._answer(message, on_new_message)
        except Exception:  # logged; Meta already has its 200
            logger.exception("WhatsApp: the turn for message from %s failed", masked(message.sender_id))
        finally:
            self._order.release(message.sender_id)

    async def _answer(self, message: InboundMessage, on_new_message: OnNewMessage) -> None:
        assert self.settings is not None and self._client is not None and self._dedup is not None
        if is_too_old(message, self._clock(), self.settings.max_message_age_seconds):
            logger.info("WhatsApp: not answering a message from %s sent too long ago", masked(message.sender_id))
            metrics.whatsapp_message("too_old")
            return
        if not await self._dedup.claim(message.message_id):
            logger.info("WhatsApp: message %s was already answered (redelivery)", message.message_id)
            metrics.whatsapp_message("duplicate")
            return
        output = WhatsAppOutput(self._client, self._slow_answers)
        if message.is_readable and self._slow_answers.next_answer_is_slow(message.sender_id):
            # O'mari will take a while: "typing…" now, before the turn starts, so it precedes the reply.
            await output.mark_read(message.message_id, message.sender_id, typing=True)
        else:
            # Blue ticks need not delay the answer.
            self._in_background(output.mark_read(message.message_id, message.sender_id))
        if not message.is_readable:
            metrics.whatsapp_message("not_text")
            await output.send_text_message(message.sender_id, PLEASE_TYPE)
            return
        metrics.whatsapp_message("answered")
        await on_new_message(
            UserMessage(
                message.text,
                output,
                message.sender_id,
                input_channel=self.name(),
                message_id=message.message_id,
                metadata={"whatsapp": {"type": message.message_type, "timestamp": message.timestamp}},
            )
        )

    async def close(self) -> None:
        """Wait for running turns, then release the HTTP session and Redis connection."""
        while self._tasks:  # a turn may start more work (read receipts) while we wait
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._client is not None:
            await self._client.close()
        if self._dedup is not None:
            await self._dedup.close()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        whatsapp = Blueprint("whatsapp_webhook", __name__)

        @whatsapp.route("/", methods=["GET"])
        async def status(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.is_on else "off"})

        if not self.is_on:
            return whatsapp

        @whatsapp.route("/webhook", methods=["GET"])
        async def verification(request: Request) -> HTTPResponse:
            challenge = self.verify({k: request.args.get(k) for k in request.args})
            if challenge is None:
                logger.warning("WhatsApp webhook: refused a verification request (wrong mode or token)")
                return response.text("verification failed", status=403)
            return response.text(challenge)

        @whatsapp.route("/webhook", methods=["POST"])
        async def notification(request: Request) -> HTTPResponse:
            try:
                status_code = self.accept(request.body, request.headers.get(SIGNATURE_HEADER), on_new_message)
            except Exception:  # a bug here must not start a redelivery storm
                logger.exception("WhatsApp webhook: could not read a notification")
                status_code = 200
            return response.json({"status": "ok" if status_code == 200 else "refused"}, status=status_code)

        @whatsapp.listener("after_server_stop")
        async def close_connections(*_: Any) -> None:
            await self.close()

        return whatsapp
