"""The payment conversation's custom actions, apart from form validation.

They decide what to say; the payment service decides what happens to money.
Every response text lives in ``domain.yml``, so wording changes need no code.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form.amount import booking_for_wording
from actions.form.halt import HALT_SLOT, HaltReason, halt_reason
from actions.payment.fresh_otp import CLOSED_PAYMENT, fresh_otp_payload, payment_details
from actions.identity import verified_phone_number
from parsing import CHANNEL_NAMES
from payments.service import CancelOutcome, DeclineReason, PaymentService
from actions.languages import conversation_language, describe_booking_status, say
from actions.presentation import format_money, receipt_response
from actions.runtime import ServiceFailure, apologise, call_payments, settings

logger = logging.getLogger(__name__)

# Everything one payment conversation leaves in slots; cleared when it ends.
PAYMENT_SLOTS = (
    "booking_reference",
    "amount",
    "amount_given_early",
    "payment_channel",
    "phone_number",
    "payment_confirmed",
    "otp",
    "transaction_reference",
    "otp_reference",
    "payment_outcome",
    HALT_SLOT,
    CLOSED_PAYMENT,
)

# How the form ended -> what to tell the customer. None: the validator has
# already explained it at the moment it happened.
HALT_RESPONSES: Dict[HaltReason, Optional[Text]] = {
    HaltReason.TOO_MANY_INVALID_ANSWERS: "utter_too_many_invalid_answers",
    HaltReason.OMARI_UNAVAILABLE: "utter_omari_unavailable",
    HaltReason.DECLINED: "utter_payment_declined",
    HaltReason.PAYMENT_CLOSED: "utter_payment_closed",
    HaltReason.BOOKING_CLOSED: None,
    HaltReason.CANCELLED: None,
    HaltReason.SERVICE_ERROR: None,
    HaltReason.OTP_LIMIT_REACHED: None,
    # actions/form/non_answers.py has already answered these:
    HaltReason.NOT_A_PAYMENT: None,
    HaltReason.OTP_AFTER_CLOSE: None,
    HaltReason.WALLET_OTP_LIMIT: None,
    HaltReason.LOOKUPS_PAUSED: None,
    HaltReason.BALANCE_IN_PROGRESS: None,
    HaltReason.HANDED_OVER: "utter_human_handoff",
}
# Halts that keep the closed payment's "Send a fresh OTP" offer standing.
KEEPS_FRESH_OTP_OFFER = frozenset({HaltReason.NOT_A_PAYMENT, HaltReason.OTP_AFTER_CLOSE})
# Outcomes whose message offers "Send a fresh OTP" (actions/payment/fresh_otp.py).
FRESH_OTP_OUTCOMES = frozenset({"otp_attempts_exceeded", "otp_expired"})
OUTCOME_RESPONSES: Dict[Text, Text] = {
    "otp_attempts_exceeded": "utter_otp_attempts_exceeded",
    "otp_expired": "utter_otp_expired",
    "pending": "utter_payment_pending",
    "in_progress": "utter_payment_in_progress",
    "closed": "utter_payment_closed",
}


def fresh_otp_request(tracker: Tracker) -> Text:
    """What the "Send a fresh OTP" button sends: the same payment, said in one message.

    After a spent or expired OTP the customer wants a new code, not the
    questions again; the opening-message reading fills every slot from this
    sentence and requests the OTP straight away (within the per-sender limits).
    """
    return fresh_otp_payload(payment_details(tracker), tracker.get_slot("booking_reference"))


def clear_payment_slots() -> List[EventType]:
    return [SlotSet(slot, None) for slot in PAYMENT_SLOTS] + [SlotSet("invalid_answers", 0)]


class ActionAskAmount(Action):
    """Asks for the amount, offering the deposit only while it is not yet covered."""

    def name(self) -> Text:
        return "action_ask_amount"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        booking = await booking_for_wording(tracker)
        if booking is None:
            dispatcher.utter_message(response="utter_ask_amount", balance_due=say(tracker, "your_balance"))
            return []
        offer_deposit = Decimal(0) < booking.deposit_due < booking.balance_due
        dispatcher.utter_message(
            response="utter_ask_amount_with_deposit" if offer_deposit else "utter_ask_amount",
            balance_due=format_money(booking.balance_due, booking.currency),
        )
        return []


class ActionAskPhoneNumber(Action):
    """Asks for the wallet number, offering the chat's own number when it is one."""

    def name(self) -> Text:
        return "action_ask_phone_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        has_own_number = verified_phone_number(tracker) is not None
        dispatcher.utter_message(
            response="utter_ask_phone_number_with_sender" if has_own_number else "utter_ask_phone_number"
        )
        return []


class ActionConcludePayment(Action):
    """Runs when the payment form ends: reports the outcome and clears the form."""

    def name(self) -> Text:
        return "action_conclude_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        halt = halt_reason(tracker)
        outcome = tracker.get_slot("payment_outcome")
        if halt:
            response = HALT_RESPONSES.get(halt)
            if response:
                dispatcher.utter_message(response=response, support_contact=settings().support_contact)
        elif outcome in ("success", "declined"):
            await self._report_settled(outcome, tracker, dispatcher)
        elif outcome in OUTCOME_RESPONSES:
            dispatcher.utter_message(
                response=OUTCOME_RESPONSES[outcome],
                support_contact=settings().support_contact,
                fresh_otp_request=fresh_otp_request(tracker),
            )
        return clear_payment_slots() + [SlotSet(CLOSED_PAYMENT, self._closed_payment(halt, outcome, tracker))]

    @staticmethod
    def _closed_payment(halt: Optional[HaltReason], outcome: Optional[Text], tracker: Tracker) -> Optional[Dict]:
        """What a fresh OTP asked for in words will reuse: kept while the offer stands."""
        if outcome in FRESH_OTP_OUTCOMES:
            return payment_details(tracker)
        if halt in KEEPS_FRESH_OTP_OFFER:
            return tracker.get_slot(CLOSED_PAYMENT)
        return None

    @staticmethod
    async def _report_settled(outcome: Text, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
        try:
            receipt = await call_payments(PaymentService.receipt, tracker.get_slot("transaction_reference"))
        except ServiceFailure:
            receipt = None
        if receipt is None:
            # The money is recorded either way; only the wording is lost.
            dispatcher.utter_message(
                response="utter_payment_pending" if outcome == "success" else "utter_payment_declined",
                support_contact=settings().support_contact,
            )
            return
        transaction, booking = receipt
        if outcome == "declined":
            # Declined after /request went out: the wording never claims nothing moved.
            dispatcher.utter_message(
                response="utter_payment_declined_insufficient_funds"
                if transaction.decline_reason is DeclineReason.INSUFFICIENT_FUNDS
                else "utter_payment_declined_after_request",
                support_contact=settings().support_contact,
            )
            return
        dispatcher.utter_message(
            response=receipt_response("utter_payment_receipt", settings().uses_sandbox),
            amount=format_money(transaction.amount, transaction.currency),
            channel=CHANNEL_NAMES.get(transaction.customer_channel, transaction.customer_channel),
            payment_reference=transaction.payment_reference or "-",
            booking_reference=booking.reference,
            balance_due=format_money(booking.balance_due, booking.currency),
            booking_status=describe_booking_status(conversation_language(tracker), booking.status),
        )


class ActionCancelPayment(Action):
    """Cancels the payment in progress, if any, and says what happened."""

    def name(self) -> Text:
        return "action_cancel_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        in_form = (tracker.active_loop or {}).get("name") == "payment_form"
        transaction_reference = tracker.get_slot("transaction_reference")
        try:
            outcome = await call_payments(PaymentService.cancel_payment, transaction_reference)
        except ServiceFailure as failure:
            apologise(dispatcher, failure)
            return clear_payment_slots()
        if outcome is CancelOutcome.TOO_LATE:
            dispatcher.utter_message(response="utter_cancel_too_late")
        elif outcome is CancelOutcome.CANCELLED or in_form:
            dispatcher.utter_message(response="utter_payment_cancelled")
        else:
            dispatcher.utter_message(response="utter_nothing_to_cancel")
        return clear_payment_slots()


class ActionHumanHandoff(Action):
    """Gives the office's contact; response variables keep it configurable."""

    def name(self) -> Text:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_human_handoff", support_contact=settings().support_contact)
        return []

