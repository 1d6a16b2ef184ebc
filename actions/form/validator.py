"""Validation of the payment form: read each answer, accept it or say why not.

Each ``validate_<slot>`` is thin: a pure parser reads the text, the payment
service checks it against the booking, and the result is either the
normalised slot value or a specific reason followed by the question again.

Answers may come before their question and be changed later: the opening
message can fill several slots at once, and "actually make it 30" at any
question replaces the amount. ``actions/form/turn.py`` tells an answer from a
correction; a changed answer after the OTP was sent voids that payment and
starts a new one (:meth:`get_validation_events`).

Two things end the form early, through :meth:`required_slots` returning
nothing once a slot records why:
- ``payment_halt``: the form cannot go on (too many invalid answers, a
  closed booking, O'mari unavailable, a cancel typed at a question);
- ``payment_outcome``: the OTP was submitted and the payment has an outcome.
``action_conclude_payment`` then reports and clears the form.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from parsing import (
    InvalidInput,
    asks_for_sender_number,
    booking_reference_key,
    normalise_msisdn,
    parse_channel,
)
from actions.form.amount import AmountQuestion
from actions.form.corrections import AnswerCorrections
from actions.form.non_answers import NonAnswers
from actions.form.otp import OtpQuestion
from actions.form.turn import (
    PAYMENT_INPUTS,
    gave_another_answer,
    inputs_given_this_turn,
    latest_intent,
    value_before_this_turn,
)
from payments.limits.policy import describe_wait
from actions.identity import verified_phone_number
from payments.service import LookupOutcome, PaymentStart, StartOutcome
from actions.presentation import format_money, mask_customer_name, mask_phone_for_customer
from actions.runtime import ServiceFailure, StoreUnavailable, call_payments, settings
from payments.snapshots import BookingSnapshot

logger = logging.getLogger(__name__)

Halt = Dict[Text, Any]
# Rejections meaning "there was no value in the reply" rather than "wrong value".
_UNREADABLE = frozenset({
    "utter_invalid_booking_reference",
    "utter_invalid_amount_not_a_number",
    "utter_invalid_payment_channel",
    "utter_invalid_phone_number_not_a_phone_number",
})


class ValidatePaymentForm(NonAnswers, AmountQuestion, OtpQuestion, AnswerCorrections, FormValidationAction):
    """Validates ``payment_form``: booking, amount, channel, phone, OTP."""

    def name(self) -> Text:
        return "validate_payment_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot("payment_halt") or tracker.get_slot("payment_outcome"):
            return []
        return domain_slots

    # -- booking reference ----------------------------------------------------

    async def validate_booking_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        try:
            lookup_key = booking_reference_key(str(value))
        except InvalidInput:
            return self._reject("booking_reference", dispatcher, tracker, "utter_invalid_booking_reference")
        try:
            lookup = await call_payments("look_up_booking", tracker.sender_id, lookup_key)
        except ServiceFailure as failure:
            return self._halt_on_service_failure(dispatcher, failure, "booking_reference")
        if lookup.outcome is LookupOutcome.LOCKED_OUT:
            halt = self._halt_on_limit(dispatcher, "utter_booking_lookups_paused", lookup.retry_after, "lookups_paused")
            return {"booking_reference": None, **halt}
        booking = lookup.booking
        if booking is None:
            return self._reject(
                "booking_reference", dispatcher, tracker, "utter_unknown_booking", booking_reference=lookup_key
            )
        if booking.balance_due <= 0:
            dispatcher.utter_message(
                response="utter_booking_fully_paid",
                booking_reference=booking.reference,
                tour_name=booking.tour_name,
            )
            return {"booking_reference": None, "payment_halt": "booking_closed"}
        if not booking.accepts_payment:
            dispatcher.utter_message(
                response="utter_booking_cancelled", booking_reference=booking.reference, status=booking.status
            )
            return {"booking_reference": None, "payment_halt": "booking_closed"}
        dispatcher.utter_message(
            response="utter_booking_summary",
            booking_reference=booking.reference,
            customer_name=mask_customer_name(booking.customer_name),
            tour_name=booking.tour_name,
            total=format_money(booking.total, booking.currency),
            amount_paid=format_money(booking.amount_paid, booking.currency),
            balance_due=format_money(booking.balance_due, booking.currency),
        )
        return {"booking_reference": booking.reference, "invalid_answers": 0}

    # -- channel ------------------------------------------------------------------

    async def validate_payment_channel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        try:
            channel = parse_channel(str(value))
        except InvalidInput:
            return self._reject("payment_channel", dispatcher, tracker, "utter_invalid_payment_channel")
        return {"payment_channel": channel, "invalid_answers": 0}

    # -- phone number -------------------------------------------------------------

    async def validate_phone_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value)
        # "yes" answers the "Use this number" offer; a typed number always wins.
        said_yes = latest_intent(tracker) == "affirm" and not any(char.isdigit() for char in text)
        if asks_for_sender_number(text) or said_yes:
            msisdn = verified_phone_number(tracker)
            if msisdn is None:
                return self._reject(
                    "phone_number", dispatcher, tracker, "utter_invalid_phone_number_no_sender_number"
                )
        else:
            try:
                msisdn = normalise_msisdn(text)
            except InvalidInput as error:
                return self._reject(
                    "phone_number", dispatcher, tracker, f"utter_invalid_phone_number_{error.reason}"
                )
        return {"phone_number": msisdn, "invalid_answers": 0}

    # -- starting the payment (POST /auth) once everything it needs is known ------

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Validate this turn's answers, then start the payment if it is now ready.

        Starting here rather than inside ``validate_phone_number`` means the
        OTP is requested the moment booking, amount, channel and number are all
        known, whichever order the customer gave them in.
        """
        non_answer = await self._non_answer_events(dispatcher, tracker)
        if non_answer is not None:
            return non_answer
        before = {slot: value_before_this_turn(tracker, slot) for slot in PAYMENT_INPUTS}
        given = set(inputs_given_this_turn(tracker))
        events = await super().get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        follow_up = await self._after_answers(before, given, dispatcher, tracker, domain)
        tracker.add_slots(follow_up)
        events.extend(follow_up)
        if self._ready_to_start_payment(tracker):
            started = await self._start_payment(tracker.get_slot("phone_number"), dispatcher, tracker)
            tracker.slots.update(started)
            events.extend(SlotSet(slot, value) for slot, value in started.items())
        return events

    @staticmethod
    def _ready_to_start_payment(tracker: Tracker) -> bool:
        needed = ("booking_reference", "amount", "payment_channel", "phone_number")
        blockers = ("transaction_reference", "payment_halt", "payment_outcome")
        return all(tracker.get_slot(slot) for slot in needed) and not any(
            tracker.get_slot(slot) for slot in blockers
        )

    async def _start_payment(
        self, msisdn: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        try:
            start = await call_payments(
                "start_payment",
                sender_id=tracker.sender_id,
                booking_lookup_key=booking_reference_key(tracker.get_slot("booking_reference")),
                amount=Decimal(tracker.get_slot("amount")),
                customer_channel=tracker.get_slot("payment_channel"),
                msisdn=msisdn,
            )
        except ServiceFailure as failure:
            return self._halt_on_service_failure(dispatcher, failure, "phone_number")
        if start.outcome is StartOutcome.OTP_SENT:
            transaction = start.transaction
            dispatcher.utter_message(
                response="utter_otp_sent",
                masked_phone=mask_phone_for_customer(msisdn),
                amount=format_money(transaction.amount, transaction.currency),
                otp_reference=transaction.otp_reference,
            )
            return {
                "phone_number": msisdn,
                "transaction_reference": transaction.reference,
                "otp_reference": transaction.otp_reference,
                "invalid_answers": 0,
            }
        if start.outcome is StartOutcome.LIMIT_REACHED:
            halt = self._halt_on_limit(
                dispatcher,
                f"utter_otp_limit_reached_{start.limit.scope.value}",
                start.retry_after,
                "otp_limit_reached",
                limit=start.limit.count,
                window=start.limit.description,
            )
            return {"phone_number": msisdn, **halt}
        if start.outcome is StartOutcome.BALANCE_IN_PROGRESS:
            return self._balance_in_progress(start, dispatcher, tracker)
        if start.outcome is StartOutcome.NOT_REGISTERED:
            return self._reject(
                "phone_number",
                dispatcher,
                tracker,
                "utter_phone_not_registered",
                masked_phone=mask_phone_for_customer(msisdn),
            )
        reason = {
            StartOutcome.UNAVAILABLE: "omari_unavailable",
            StartOutcome.DECLINED: "declined",
            StartOutcome.BOOKING_CLOSED: "declined",
            StartOutcome.AMOUNT_REJECTED: "declined",
        }[start.outcome]
        return {"phone_number": msisdn, "payment_halt": reason}

    def _balance_in_progress(
        self, start: PaymentStart, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        """Another payment holds the balance: say how much, and ask again for what is left, if anything."""
        # The service sets all three with BALANCE_IN_PROGRESS.
        assert start.in_progress is not None and start.available is not None and start.currency is not None
        booking_reference = tracker.get_slot("booking_reference")
        in_progress = format_money(start.in_progress, start.currency)
        if start.available <= 0:
            dispatcher.utter_message(
                response="utter_balance_in_progress_nothing_left",
                in_progress=in_progress,
                booking_reference=booking_reference,
                support_contact=settings().support_contact,
            )
            return {"payment_halt": "balance_in_progress"}
        dispatcher.utter_message(
            response="utter_balance_in_progress_some_left",
            in_progress=in_progress,
            booking_reference=booking_reference,
            available=format_money(start.available, start.currency),
        )
        return {"amount": None}

    # -- shared -------------------------------------------------------------------

    async def _current_booking(self, tracker: Tracker) -> BookingSnapshot | None:
        reference = tracker.get_slot("booking_reference")
        if not reference:
            return None
        return await call_payments("find_booking", booking_reference_key(reference))

    def _reject(
        self,
        slot: Text,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        response: Text,
        **response_variables: Any,
    ) -> Dict[Text, Any]:
        """Explain why an answer was not accepted; stop looping after too many.

        The form asks its question again after this message. Counting lives in
        a slot because rasa-sdk forms have no retry limit of their own.
        """
        requested = tracker.get_slot("requested_slot")
        previous = value_before_this_turn(tracker, slot)
        if slot == requested and gave_another_answer(tracker, slot):
            # "sorry wrong number, use 0712000002" at the channel question: the
            # message answered something else, not this question badly.
            return {slot: previous}
        if latest_intent(tracker) == "correct" and slot == requested and response in _UNREADABLE:
            # "I want to change my number": no value to check, so say how.
            dispatcher.utter_message(response="utter_how_to_correct")
            return {slot: None}
        dispatcher.utter_message(response=response, **response_variables)
        if slot != requested and previous:
            # A bad correction keeps the answer it was meant to replace.
            return {slot: previous, "invalid_answers": int(tracker.get_slot("invalid_answers") or 0)}
        invalid_answers = int(tracker.get_slot("invalid_answers") or 0) + 1
        rejection: Dict[Text, Any] = {slot: None, "invalid_answers": invalid_answers}
        if invalid_answers >= settings().max_invalid_answers:
            rejection["payment_halt"] = "too_many_invalid_answers"
        return rejection

    @staticmethod
    def _halt_on_limit(
        dispatcher: CollectingDispatcher, response: Text, retry_after: Any, halt: Text, **variables: Any
    ) -> Halt:
        """A limit refused this (nothing went to O'mari): say which, and when to try again."""
        dispatcher.utter_message(
            response=response,
            retry_in=describe_wait(retry_after),
            support_contact=settings().support_contact,
            **variables,
        )
        return {"payment_halt": halt}

    @staticmethod
    def _halt_on_service_failure(
        dispatcher: CollectingDispatcher, failure: Optional[ServiceFailure] = None, slot: Optional[Text] = None
    ) -> Halt:
        if slot and isinstance(failure, StoreUnavailable):
            # An outage decided nothing: the question stays open, and the same
            # answer sent again carries on. No word about money: an OTP may be at O'mari.
            dispatcher.utter_message(response="utter_store_unavailable")
            return {slot: None}
        dispatcher.utter_message(response="utter_service_error", support_contact=settings().support_contact)
        return {"payment_halt": "service_error"}

