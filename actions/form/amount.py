"""The payment form's amount question: read the amount, check it against the booking.

Kept apart because it is where money is decided: an amount is only taken
when the booking can take it (payments/amount_rules.py), a figure with two
readings ("1.500") is asked about rather than guessed, and a currency that
is not the booking's is refused, never converted.
"""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from payments.amount_rules import AmountRejected, refuse_other_currencies, resolve_amount
from parsing import AmbiguousAmount, InvalidInput, parse_amount
from actions.presentation import format_money
from actions.runtime import ServiceFailure
from payments.snapshots import BookingSnapshot


class AmountQuestion:
    """Mixed into ValidatePaymentForm, which provides _current_booking, _reject and the halts."""

    async def validate_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        try:
            booking = await self._current_booking(tracker)
        except ServiceFailure as failure:
            return self._halt_on_service_failure(dispatcher, failure, "amount")
        if booking is None:
            # The amount only means something against a booking: kept until
            # the booking is known, then checked (get_validation_events).
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
            return self._reject(
                "amount",
                dispatcher,
                tracker,
                f"utter_invalid_amount_{error.reason}",
                balance_due=format_money(booking.balance_due, booking.currency),
                currency=booking.currency,
            )
        return {"amount": str(amount), "invalid_answers": 0}

    def _ask_which_reading(
        self,
        ambiguous: AmbiguousAmount,
        booking: BookingSnapshot,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> Dict[Text, Any]:
        """"1.500" is 1.50 or 1,500: name both and let the customer choose; it is no wrong answer."""
        try:
            refuse_other_currencies(booking, ambiguous.currencies)
        except AmountRejected as error:
            return self._reject(
                "amount", dispatcher, tracker, f"utter_invalid_amount_{error.reason}", currency=booking.currency
            )
        first, second = ambiguous.readings
        dispatcher.utter_message(
            response="utter_ask_amount_reading",
            first_reading=format_money(first, booking.currency),
            second_reading=format_money(second, booking.currency),
            first_payload=f"{first} {booking.currency}",
            second_payload=f"{second} {booking.currency}",
        )
        return {"amount": None, "invalid_answers": int(tracker.get_slot("invalid_answers") or 0)}
