"""A fresh OTP for a payment that closed on a spent or expired code.

After three wrong OTPs, or once an OTP expired, the payment is closed and a
*Send a fresh OTP* button is offered. Customers just as often type "send me
a new code" or "I didn't get the SMS", or type a code anyway. The closed
payment's answers are kept in the ``closed_payment`` slot (the form's own
slots are cleared when it ends), so a request in words does exactly what
the button does: the same booking, amount, channel and number, with no
questions asked again.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from parsing.evidence import backs_a_new_code

CLOSED_PAYMENT = "closed_payment"
_DETAILS = ("booking_reference", "amount", "payment_channel", "phone_number")


def payment_details(tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """The answers of the payment in the form's slots, when all four are known."""
    details = {slot: tracker.get_slot(slot) for slot in _DETAILS}
    return details if all(details.values()) else None


def closed_payment(tracker: Tracker) -> Optional[Dict[Text, Any]]:
    details = tracker.get_slot(CLOSED_PAYMENT)
    if isinstance(details, dict) and all(details.get(slot) for slot in _DETAILS):
        return details
    return None


def fresh_otp_payload(details: Optional[Dict[Text, Any]], booking: Optional[Text] = None) -> Text:
    """What the "Send a fresh OTP" button sends: the same payment, said in one message."""
    if details is None:
        return f"pay for {booking or 'my booking'}"
    return (
        f"pay {details['amount']} for {details['booking_reference']} with {details['payment_channel']}"
        f" from {details['phone_number']}"
    )


class ActionSendFreshOtp(Action):
    """A new OTP asked for in words: refill the closed payment's answers for the form."""

    def name(self) -> Text:
        return "action_send_fresh_otp"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        details = closed_payment(tracker)
        if details is None:
            # Nothing closed to resend. "send me the wifi code" taken for this
            # intent is not about an OTP at all; the form, run next, does not
            # start on this intent alone (actions/form/opening.py).
            text = str((tracker.latest_message or {}).get("text") or "")
            dispatcher.utter_message(
                response="utter_no_payment_to_resend" if backs_a_new_code(text) else "utter_out_of_scope"
            )
            return []
        # The form, activated next, validates these like answers and requests the OTP.
        # A new payment: its details are said back before O'mari is asked (actions/form/confirmation.py).
        return [SlotSet(slot, value) for slot, value in details.items()] + [SlotSet(CLOSED_PAYMENT, None)]
