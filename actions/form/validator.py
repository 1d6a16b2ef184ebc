"""Validation of the payment form: read each answer, accept it or say why not.

Each ``validate_<slot>`` is thin: a pure parser reads the text, the payment
service checks it against the booking, and the result is either the
normalised slot value or a specific reason followed by the question again
(``rejection.reject``). rasa-sdk finds ``validate_<slot>`` and ``extract_<slot>``
by name on this class; the amount and OTP questions, the corrections, the
messages that answer nothing and the payment start are collaborators it owns
(``amount_question``, ``otp_question``, ``corrections``, ``non_answers``,
``payment_start``), each called through public methods.

Answers may come before their question and be changed later: the opening
message can fill several slots at once, and "actually make it 30" at any
question replaces the amount. ``actions/form/turn.py`` tells an answer from a
correction; a changed answer after the OTP was sent voids that payment and
starts a new one (:meth:`get_validation_events`).

Two things end the form early, through :meth:`required_slots` returning
nothing once a slot records why:
- ``payment_halt``: the form cannot go on (a ``halt.HaltReason``: too many
  invalid answers, a closed booking, O'mari unavailable, a cancel typed at a question);
- ``payment_outcome``: the OTP was submitted and the payment has an outcome.
``action_conclude_payment`` then reports and clears the form.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.form.amount import AmountQuestion
from actions.form.confirmation import say_change_aloud, stale_confirmation
from actions.form.corrections import Corrections
from actions.form.halt import (
    HALT_SLOT,
    HaltReason,
    SlotValues,
    halt,
    halt_on_limit,
    halt_on_service_failure,
)
from actions.form.non_answers import NonAnswers
from actions.form.opening import OpeningMessage
from actions.form.otp import OtpQuestion
from actions.form.reader import QuestionReader
from actions.form.reading import CONFIRMATION_SLOT, ReadingKind
from actions.form.rejection import reject
from actions.form.start import PaymentStarter
from actions.form.turn import (
    PAYMENT_INPUTS,
    inputs_given_this_turn,
    latest_intent,
    value_before_this_turn,
)
from actions.identity import verified_phone_number
from actions.presentation import tell_booking_summary
from actions.runtime import ServiceFailure, call_payments
from actions.languages import conversation_language, describe_booking_status
from parsing import (
    InvalidInput,
    asks_for_sender_number,
    booking_reference_key,
    normalise_msisdn,
    parse_channel,
)
from payments.service import LookupOutcome, PaymentService


class ValidatePaymentForm(FormValidationAction):
    """Validates ``payment_form``: booking, amount, channel, phone, OTP."""

    def __init__(self) -> None:
        # rasa-sdk builds each action once, at start: the collaborators hold no
        # conversation state (that is all in the tracker), only each other.
        self.amount_question = AmountQuestion()
        self.otp_question = OtpQuestion()
        self.payment_start = PaymentStarter()
        self.corrections = Corrections(self.amount_question)
        self.non_answers = NonAnswers(self.payment_start)
        self.opening = OpeningMessage()
        self.reader = QuestionReader(self.non_answers)

    def name(self) -> Text:
        return "validate_payment_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot(HALT_SLOT) or tracker.get_slot("payment_outcome"):
            return []
        return domain_slots

    # -- booking reference ----------------------------------------------------

    async def validate_booking_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        try:
            lookup_key = booking_reference_key(str(value))
        except InvalidInput:
            return reject("booking_reference", dispatcher, tracker, "utter_invalid_booking_reference")
        try:
            lookup = await call_payments(PaymentService.look_up_booking, tracker.sender_id, lookup_key)
        except ServiceFailure as failure:
            return halt_on_service_failure(dispatcher, failure, "booking_reference")
        if lookup.outcome is LookupOutcome.LOCKED_OUT:
            paused = halt_on_limit(
                dispatcher, tracker, "utter_booking_lookups_paused", lookup.retry_after, HaltReason.LOOKUPS_PAUSED
            )
            return {"booking_reference": None, **paused}
        booking = lookup.booking
        if booking is None:
            return reject(
                "booking_reference", dispatcher, tracker, "utter_unknown_booking", booking_reference=lookup_key
            )
        if booking.balance_due <= 0:
            dispatcher.utter_message(
                response="utter_booking_fully_paid",
                booking_reference=booking.reference,
                tour_name=booking.tour_name,
            )
            return {"booking_reference": None, **halt(HaltReason.BOOKING_CLOSED)}
        if not booking.accepts_payment:
            dispatcher.utter_message(
                response="utter_booking_cancelled",
                booking_reference=booking.reference,
                status=describe_booking_status(conversation_language(tracker), booking.status),
            )
            return {"booking_reference": None, **halt(HaltReason.BOOKING_CLOSED)}
        tell_booking_summary(dispatcher, booking)
        return {"booking_reference": booking.reference, "invalid_answers": 0}

    # -- amount (actions/form/amount.py, and named in other answers: corrections.py) --

    async def extract_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self.corrections.amount_in_message(tracker)

    async def validate_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return await self.amount_question.validate(value, dispatcher, tracker)

    # -- channel ------------------------------------------------------------------

    async def validate_payment_channel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        try:
            channel = parse_channel(str(value))
        except InvalidInput:
            return reject("payment_channel", dispatcher, tracker, "utter_invalid_payment_channel")
        return {"payment_channel": channel, "invalid_answers": 0}

    # -- phone number -------------------------------------------------------------

    async def validate_phone_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        text = str(value)
        # "yes" answers the "Use this number" offer; a typed number always wins.
        said_yes = latest_intent(tracker) == "affirm" and not any(char.isdigit() for char in text)
        if asks_for_sender_number(text) or said_yes:
            msisdn = verified_phone_number(tracker)
            if msisdn is None:
                return reject("phone_number", dispatcher, tracker, "utter_invalid_phone_number_no_sender_number")
        else:
            try:
                msisdn = normalise_msisdn(text)
            except InvalidInput as error:
                return reject("phone_number", dispatcher, tracker, f"utter_invalid_phone_number_{error.reason}")
        return {"phone_number": msisdn, "invalid_answers": 0}

    # -- OTP (actions/form/otp.py) --------------------------------------------------

    async def validate_otp(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return await self.otp_question.validate(value, dispatcher, tracker)

    # -- the turn as a whole ----------------------------------------------------------

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Read this turn, validate its answers, then start the payment if it is now ready.

        The opening message must carry two signals (``opening``); every later
        message is read at the question asked (``reader``: cancel, answer,
        change, new code, question, reaction, nothing, in that order), and only
        the answers it finds reach the ``validate_<slot>`` methods. Starting
        here rather than inside a question means the OTP is requested the
        moment the customer says yes to the payment said back, whichever order
        the answers came in.
        """
        starting = tracker.get_slot("requested_slot") is None
        prelude: List[EventType] = []
        if starting:
            non_answer = await self.non_answers.events_for(dispatcher, tracker)
            if non_answer is not None:
                return non_answer
            refused = self.opening.refusal(dispatcher, tracker)
            if refused is not None:
                return refused
            self.reader.add_named_answers(tracker)
        else:
            reading = self.reader.read(tracker)
            prelude = self.reader.keep_only_answers(reading, tracker)
            settled = await self.reader.settle(reading, dispatcher, tracker)
            if settled is not None:
                tracker.add_slots(settled)
                return prelude + settled
            if reading.kind is ReadingKind.CONFIRM:
                yes = tracker.get_slot(CONFIRMATION_SLOT)  # set by the reader: the details said back
                prelude += [SlotSet(CONFIRMATION_SLOT, yes), SlotSet("invalid_answers", 0)]
        before: Dict[Text, Any] = {slot: value_before_this_turn(tracker, slot) for slot in PAYMENT_INPUTS}
        given = set(inputs_given_this_turn(tracker))
        events = prelude + await super().get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        follow_up = await self.corrections.after_answers(before, given, dispatcher, tracker)
        tracker.add_slots(follow_up)
        events.extend(follow_up)
        if not starting and self.corrections.changed(before, tracker) and not tracker.get_slot(HALT_SLOT):
            await say_change_aloud(dispatcher, tracker)
        if stale_confirmation(tracker):
            # The yes was for other details: say the new ones back before any OTP.
            tracker.slots[CONFIRMATION_SLOT] = None
            events.append(SlotSet(CONFIRMATION_SLOT, None))
        if self.payment_start.is_ready(tracker):
            started = await self.payment_start.start(tracker.get_slot("phone_number"), dispatcher, tracker)
            tracker.slots.update(started)
            events.extend(SlotSet(slot, value) for slot, value in started.items())
        return events
