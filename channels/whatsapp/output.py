"""The WhatsApp output channel: Rasa's replies, shaped and sent through the Graph API."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.core.channels.channel import OutputChannel

from actions.sender_ids import WHATSAPP_CHANNEL, unscoped
from channels.whatsapp import outbound
from channels.whatsapp.graph import GraphClient

CHANNEL_NAME = WHATSAPP_CHANNEL


class WhatsAppOutput(OutputChannel):
    """Sends each reply as native WhatsApp messages.

    Named like the input channel, so `channel: whatsapp` response variants in
    the domain are picked. Every method accepts ``**kwargs``: Rasa passes the
    rest of the message dict. A failed send is logged by the client and never
    raised, so one refused message does not abort the turn.
    """

    def __init__(self, client: GraphClient) -> None:
        self._client = client

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def _send_all(self, recipient_id: Text, messages: List[Dict[str, Any]]) -> None:
        # Rasa names the conversation ``whatsapp:<wa_id>`` (tools/channel_guard.py);
        # Meta addresses the customer by the wa_id alone.
        recipient_id = unscoped(CHANNEL_NAME, recipient_id)
        # Awaited one after another: Meta accepts them in this order.
        for message in messages:
            await self._client.send(outbound.addressed(recipient_id, message), recipient=recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_all(recipient_id, outbound.text_messages(text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send_all(recipient_id, outbound.messages_for_buttons(text, buttons))

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

    async def mark_read(self, message_id: Text, sender_id: Text) -> None:
        """Blue ticks on the customer's message (``sender_id`` only names it in the log)."""
        await self._client.send(outbound.read_receipt(message_id), recipient=sender_id)
