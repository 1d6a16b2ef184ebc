"""``action_payment_status``: "did my payment go through?" answered from the database.

The answer is the state of the latest payment this chat sender started, read
from the transaction table (the record of what happened to money), in plain
words. It never calls O'mari: reconciliation keeps pending payments moving,
and asking about a payment must not be a way to hammer the wallet provider.
"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form.turn import latest_text
from parsing.evidence import backs_a_status
from payments.service import PaymentService
from payments.store.models import TransactionStatus
from actions.presentation import format_money, receipt_response
from actions.runtime import ServiceFailure, apologise, call_payments, settings

# Transaction state -> what the customer is told.
STATUS_RESPONSES = {
    TransactionStatus.SUCCESS.value: "utter_payment_status_success",
    TransactionStatus.PENDING.value: "utter_payment_status_pending",
    # Being sent to O'mari right now: to the customer, that is "being confirmed".
    TransactionStatus.INITIATED.value: "utter_payment_status_pending",
    TransactionStatus.HELD.value: "utter_payment_status_held",
    TransactionStatus.OTP_SENT.value: "utter_payment_status_awaiting_otp",
    TransactionStatus.FAILED.value: "utter_payment_status_failed",
    TransactionStatus.CANCELLED.value: "utter_payment_status_cancelled",
}


def status_response(status: str, otp_expired: bool) -> Text:
    """The response for a transaction in ``status``; an expired OTP means it is closed."""
    if status == TransactionStatus.OTP_SENT.value and otp_expired:
        return "utter_payment_status_failed"
    return STATUS_RESPONSES.get(status, "utter_payment_status_pending")


def status_response_for(status: str, otp_expired: bool, uses_sandbox: bool) -> Text:
    """:func:`status_response`, saying "test payment" for a success on the sandbox."""
    response = status_response(status, otp_expired)
    return receipt_response(response, uses_sandbox) if status == TransactionStatus.SUCCESS.value else response


class ActionPaymentStatus(Action):
    """States what happened to the sender's latest payment."""

    def name(self) -> Text:
        return "action_payment_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        in_payment = (tracker.active_loop or {}).get("name") == "payment_form"
        if not in_payment and not backs_a_status(latest_text(tracker)):
            # "did my parcel arrive?" taken for this intent: not ours to answer
            # with a payment's state (the classifier alone is never enough).
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        await tell_payment_status(dispatcher, tracker)
        return []


async def tell_payment_status(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Say what happened to the chat's latest payment (also from inside the form)."""
    try:
        latest = await call_payments(PaymentService.latest_payment, tracker.sender_id)
        expired = latest is not None and await call_payments(PaymentService.otp_expired, latest[0])
    except ServiceFailure as failure:
        apologise(dispatcher, failure)
        return
    if latest is None:
        dispatcher.utter_message(response="utter_payment_status_none")
        return
    transaction, booking = latest
    dispatcher.utter_message(
        response=status_response_for(transaction.status, expired, settings().uses_sandbox),
        amount=format_money(transaction.amount, transaction.currency),
        booking_reference=booking.reference,
        payment_reference=transaction.payment_reference or "-",
        balance_due=format_money(booking.balance_due, booking.currency),
        otp_reference=transaction.otp_reference or "-",
        support_contact=settings().support_contact,
    )
