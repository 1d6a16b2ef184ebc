"""Telling the customer how a payment reconcile settled ended (the Rasa side).

Run by the rule for ``EXTERNAL_payment_settled``, which the notifier
(payments/notifications/notifier.py) triggers in the payment's own conversation. The action
claims the outbox row before it says anything, so the customer hears each
outcome once however often the intent is triggered. How it is told depends
on the conversation's channel, which the scoped sender id names:

- WhatsApp within 24 hours of the customer's last message: the normal response;
- WhatsApp after that: the approved template from settings, the one of the
  conversation's language (English's when that language has none), or, with
  none configured, nothing (the row waits as ``needs_template`` for a person);
- a channel that cannot push (REST, the terminal chat): the response is kept
  in the conversation and replayed before the answer to the next message
  (rasa_runtime/turns/channel_guard.py).
"""
from __future__ import annotations

import enum
import logging
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from payments.settings import WhatsAppTemplate
from payments.store.models import NotificationState, TransactionStatus
from payments.notifications.outbox import NotificationOutbox
from payments.notifications.notifier import REFERENCE_ENTITY
from parsing import CHANNEL_NAMES
from parsing.language import Language
from actions.languages import conversation_language, describe_booking_status, describe_outcome
from actions.presentation import format_money, receipt_response
from actions.runtime import notification_outbox, run_blocking, settings
from common.sender_ids import WHATSAPP_CHANNEL, channel_of

logger = logging.getLogger(__name__)

WHATSAPP_WINDOW_SECONDS = 24 * 60 * 60
# What the customer reads for each outcome.
RESPONSE_OF_STATUS = {
    TransactionStatus.SUCCESS.value: "utter_payment_settled_success",
    TransactionStatus.FAILED.value: "utter_payment_settled_failed",
    TransactionStatus.HELD.value: "utter_payment_settled_held",
}


class Delivery(str, enum.Enum):
    MESSAGE = "message"  # a normal message, inside WhatsApp's 24 hours
    TEMPLATE = "template"  # an approved template, after them
    KEPT = "kept"  # for the next answer: the channel cannot push
    NEEDS_TEMPLATE = "needs_template"  # after the 24 hours with no template configured: not sent


def choose_delivery(
    sender_id: str, last_message_at: Optional[float], now: float, has_template: bool
) -> Delivery:
    """How to tell this conversation, from its channel and the customer's last message."""
    if channel_of(sender_id) != WHATSAPP_CHANNEL:
        return Delivery.KEPT
    if last_message_at is not None and now - last_message_at < WHATSAPP_WINDOW_SECONDS:
        return Delivery.MESSAGE
    return Delivery.TEMPLATE if has_template else Delivery.NEEDS_TEMPLATE


def last_customer_message_at(events: List[Dict[str, Any]]) -> Optional[float]:
    """When the customer last wrote: external events (like this one) are not the customer."""
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        if (event.get("metadata") or {}).get("is_external") or str(event.get("text") or "").startswith("EXTERNAL:"):
            continue
        return event.get("timestamp")
    return None


def template_message(name: str, language: str, parameters: List[str]) -> Dict[str, Any]:
    """The WhatsApp template message object; the channel sends a ``custom`` response as given."""
    return {"type": "template", "template": {
        "name": name, "language": {"code": language},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}],
    }}


def template_parameters(template: WhatsAppTemplate, conversation: Language, fields: Mapping[str, str],
                        names: Sequence[str], transaction_status: str, booking_status: str) -> List[str]:
    """The template's ``{{1}}``, ``{{2}}`` … in the language of its body.

    ``fields`` hold the words in the conversation's language; a conversation
    whose language has no template of its own gets the English one, and then
    English words in it, never a Shona clause inside an English sentence.
    """
    if template.body_language is not conversation:
        fields = {**fields,
                  "outcome": describe_outcome(template.body_language, transaction_status),
                  "booking_status": describe_booking_status(template.body_language, booking_status)}
    return [fields[name] for name in names]


class ActionTellPaymentOutcome(Action):
    """Says, once, how a payment the customer was told was unconfirmed ended."""

    def name(self) -> Text:
        return "action_tell_payment_outcome"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        reference = next(tracker.get_latest_entity_values(REFERENCE_ENTITY), None)
        if not reference:
            return []
        try:
            await run_blocking(self._tell, reference, tracker, dispatcher)
        except Exception:  # the row stays `sending`; the notifier reports it
            logger.exception("telling the outcome of %s failed", reference)
        return []

    @staticmethod
    def _tell(reference: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
        config = settings()
        outbox: NotificationOutbox = notification_outbox()
        notification = outbox.get(reference)
        if notification is None or notification.sender_id != tracker.sender_id:
            logger.warning("no outcome of %s to tell in this conversation", reference)
            return
        receipt = outbox.receipt(reference)
        if receipt is None:
            return
        transaction, booking = receipt
        response = RESPONSE_OF_STATUS.get(transaction.status)
        if response is None:  # not an outcome (cannot happen for a row reconcile wrote): the notifier lists it
            logger.error("the payment %s is %s: no outcome to tell", reference, transaction.status)
            return
        fields = {
            "amount": format_money(transaction.amount, transaction.currency),
            "channel": CHANNEL_NAMES.get(transaction.customer_channel, transaction.customer_channel),
            "payment_reference": transaction.payment_reference or "-",
            "booking_reference": booking.reference,
            "balance_due": format_money(booking.balance_due, booking.currency),
            "booking_status": describe_booking_status(conversation_language(tracker), booking.status),
            "outcome": describe_outcome(conversation_language(tracker), transaction.status),
            "support_contact": config.support_contact,
        }
        language = conversation_language(tracker)
        template = config.whatsapp_payment_template_for(language)
        delivery = choose_delivery(tracker.sender_id, last_customer_message_at(tracker.events),
                                   time.time() + config.clock_offset_seconds, template is not None)
        if delivery is Delivery.NEEDS_TEMPLATE:
            if outbox.move(reference, [NotificationState.SENDING], NotificationState.NEEDS_TEMPLATE,
                           error="WhatsApp's 24 hours are over and WHATSAPP_PAYMENT_TEMPLATE is not set"):
                logger.error("NOT TOLD %s: outside WhatsApp's 24 hours and no template configured; "
                             "see `python -m payments.ops notifications`", reference)
            return
        # Claimed before saying anything: a second trigger says nothing.
        if not outbox.move(reference, [NotificationState.SENDING], NotificationState.TOLD, told_by=delivery.value):
            return
        if delivery is Delivery.TEMPLATE:
            assert template is not None  # TEMPLATE is chosen only with one
            parameters = template_parameters(template, language, fields, config.whatsapp_payment_template_parameters,
                                             transaction.status, booking.status)
            dispatcher.utter_message(json_message=template_message(template.name, template.language_code, parameters))
            return
        if transaction.status == TransactionStatus.SUCCESS.value:
            response = receipt_response(response, config.uses_sandbox)
        dispatcher.utter_message(response=response, **fields)
