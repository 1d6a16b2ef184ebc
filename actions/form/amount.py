"""The payment form's amount question: read the amount, check it against the booking.

Kept apart because it is where money is decided: an amount is only taken
when the booking can take it (payments/amount_rules.py), a figure with two
readings ("1.500") is asked about rather than guessed, and a currency that
is not the booking's is refused, never converted.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.form.halt import SlotValues, halt_on_service_failure
from actions.form.rejection import invalid_answers, reject
from actions.presentation import format_money
from actions.runtime import ServiceFailure, call_payments
from parsing import AmbiguousAmount, InvalidInput, booking_reference_key, parse_amount
from payments.amount_rules import (
    AmountRejected,
    refuse_other_currencies,
    resolve_amount,
)
from payments.service import PaymentService
from payments.snapshots import BookingSnapshot


async def booking_of_form(tracker: Tracker) -> Optional[BookingSnapshot]:
    """The booking the form's ``booking_reference`` names, as it is now; raises ServiceFailure.

    Through the counted lookup like every other: the slot is normally the
    reference the form already found, which counts nothing, but an entity can
    fill it from typed text before validation does.
    """
    reference = tracker.get_slot("booking_reference")
    if not reference:
        return None
    lookup = await call_payments(PaymentService.look_up_booking, tracker.sender_id, booking_reference_key(reference))
    return lookup.booking


async def booking_for_wording(tracker: Tracker) -> Optional[BookingSnapshot]:
    """:func:`booking_of_form`, or None when the service failed: for what is said, never for money."""
    try:
        return await booking_of_form(tracker)
    except ServiceFailure:
        return None


class AmountQuestion:
    """Validates the ``amount`` answer against the booking's balance and currency."""

    async def validate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> SlotValues:
        try:
            booking = await booking_of_form(tracker)
        except ServiceFailure as failure:
            return halt_on_service_failure(dispatcher, failure, "amount")
        if booking is None:
            # The amount only means something against a booking: kept until
            # the booking is known, then checked (Corrections.after_answers).
            try:
                parse_amount(str(value))
            except AmbiguousAmount:
                pass  # asked which reading once the booking's currency is known
            except InvalidInput:
                return {"amount": None}
            return {"amount": None, "amount_given_early": str(value)}
        try:
            amount = resolve_amount(booking, parse_amount(str(value)))
        except AmbiguousAmount as ambiguous:
            return self._ask_which_reading(ambiguous, booking, dispatcher, tracker)
        except (InvalidInput, AmountRejected) as error:
            return reject(
                "amount",
                dispatcher,
                tracker,
                f"utter_invalid_amount_{error.reason}",
                balance_due=format_money(booking.balance_due, booking.currency),
                currency=booking.currency,
            )
        return {"amount": str(amount), "invalid_answers": 0}

    @staticmethod
    def _ask_which_reading(
        ambiguous: AmbiguousAmount,
        booking: BookingSnapshot,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> SlotValues:
        """"1.500" is 1.50 or 1,500: name the readings the balance allows and let the customer choose.

        It is no wrong answer. A reading above the balance is never offered.
        """
        try:
            refuse_other_currencies(booking, ambiguous.currencies)
        except AmountRejected as error:
            return reject(
                "amount", dispatcher, tracker, f"utter_invalid_amount_{error.reason}", currency=booking.currency
            )
        # Never offer a reading the booking cannot take: only those up to the balance.
        readings = [reading for reading in ambiguous.readings if reading <= booking.balance_due]
        if not readings:
            return reject(
                "amount",
                dispatcher,
                tracker,
                "utter_invalid_amount_above_balance",
                balance_due=format_money(booking.balance_due, booking.currency),
            )
        if len(readings) == 1:
            dispatcher.utter_message(
                response="utter_ask_amount_one_reading",
                reading=format_money(readings[0], booking.currency),
                payload=f"{readings[0]} {booking.currency}",
            )
            return {"amount": None, "invalid_answers": invalid_answers(tracker)}
        first, second = readings
        dispatcher.utter_message(
            response="utter_ask_amount_reading",
            first_reading=format_money(first, booking.currency),
            second_reading=format_money(second, booking.currency),
            first_payload=f"{first} {booking.currency}",
            second_payload=f"{second} {booking.currency}",
        )
        return {"amount": None, "invalid_answers": invalid_answers(tracker)}
