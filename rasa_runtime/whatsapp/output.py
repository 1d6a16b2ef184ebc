"""The WhatsApp output channel: Rasa's replies, shaped and sent through the Graph API."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel

from common.sender_ids import WHATSAPP_CHANNEL, unscoped
from rasa_runtime.whatsapp import outbound
from rasa_runtime.whatsapp.graph import GraphClient
from rasa_runtime.whatsapp.typing import SlowAnswers

CHANNEL_NAME = WHATSAPP_CHANNEL


class WhatsAppOutput(OutputChannel):
    """Sends each reply as native WhatsApp messages.

    Named like the input channel, so `channel: whatsapp` response variants in
    the domain are picked. Every method accepts ``**kwargs``: Rasa passes the
    rest of the message dict. A failed send is logged by the client and never
    raised, so one refused message does not abort the turn.
    """

    def __init__(self, client: GraphClient, slow_answers: Optional[SlowAnswers] = None) -> None:
        self._client = client
        self._slow_answers = slow_answers

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if self._slow_answers is not None:
            self._slow_answers.asked(unscoped(CHANNEL_NAME, recipient_id), message.get("utter_action"))
        await super().send_response(recipient_id, message)

    async def _send_all(self, recipient_id: Text, messages: List[Dict[str, Any]]) -> None:
        # Rasa names the conversation ``whatsapp:<wa_id>`` (rasa_runtime/turns/channel_guard.py);
        # Meta addresses the customer by the wa_id alone.
        recipient_id = unscoped(CHANNEL_NAME, recipient_id)
        # Awaited one after another: Meta accepts them in this order.
        for message in messages:
            accepted = await self._client.send(outbound.addressed(recipient_id, message), recipient=recipient_id)
            if not accepted:
                self.refused(recipient_id)

    def refused(self, recipient_id: Text) -> None:
        """In an answer, a refused message is logged (by the client) and the turn goes on."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id, outbound.text_messages(text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send_all(recipient_id, outbound.messages_for_buttons(text, buttons, _list_label(kwargs)))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_all(recipient_id, [outbound.custom_message(json_message)])

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id, [outbound.image_message(image)])

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, str(attachment))

    async def mark_read(self, message_id: Text, sender_id: Text, typing: bool = False) -> None:
        """Blue ticks on the customer's message, with "typing…" when ``typing`` (one Graph call)."""
        await self._client.send(outbound.read_receipt(message_id, typing), recipient=sender_id)


class NoticeNotDelivered(RuntimeError):
    """WhatsApp refused a message Rasa pushed outside a customer's turn (after the client's retries)."""


class WhatsAppPushOutput(WhatsAppOutput):
    """The output for messages nobody is waiting on: Rasa's trigger_intent (payments/notifications/notifier.py).

    A refused message raises, so Rasa answers the notifier with an error and
    the notification is listed as failed for ops, instead of being lost in a log.
    """

    def refused(self, recipient_id: Text) -> None:
        raise NoticeNotDelivered("WhatsApp did not accept a pushed message")


def _list_label(kwargs: Dict[Text, Any]) -> str:
    """The response's label for a list's button, in the conversation's language; "Choose" without one."""
    metadata = kwargs.get("metadata")
    label = metadata.get("list_button") if isinstance(metadata, dict) else None
    return str(label) if isinstance(label, str) and label.strip() else outbound.LIST_BUTTON_LABEL
