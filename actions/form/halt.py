"""Why the payment form ended early, and the replies that end it.

The reason is kept in the ``payment_halt`` slot (its plain string value, so
trackers stored before this enum read the same), and ``action_conclude_payment``
(actions/payment/steps.py) decides from it what, if anything, is still to say.
"""
from __future__ import annotations

import enum
from datetime import timedelta
from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import metrics
from actions.languages import say_wait
from actions.runtime import ServiceFailure, StoreUnavailable, settings

HALT_SLOT = "payment_halt"
# What a question's validation returns: slot name -> new value.
SlotValues = Dict[Text, Any]


class HaltReason(str, enum.Enum):
    """Why the form cannot go on; a value of the ``payment_halt`` slot."""

    TOO_MANY_INVALID_ANSWERS = "too_many_invalid_answers"
    OMARI_UNAVAILABLE = "omari_unavailable"
    DECLINED = "declined"
    PAYMENT_CLOSED = "payment_closed"  # an OTP typed with no payment open
    BOOKING_CLOSED = "booking_closed"  # fully paid or cancelled
    CANCELLED = "cancelled"
    SERVICE_ERROR = "service_error"
    OTP_LIMIT_REACHED = "otp_limit_reached"
    WALLET_OTP_LIMIT = "wallet_otp_limit"
    LOOKUPS_PAUSED = "lookups_paused"
    BALANCE_IN_PROGRESS = "balance_in_progress"
    HANDED_OVER = "handed_over"  # "talk to a person" at a question
    # Messages that answer nothing (actions/form/non_answers.py):
    NOT_A_PAYMENT = "not_a_payment"
    OTP_AFTER_CLOSE = "closed_payment_code"


metrics.initialise_halt_reasons(HaltReason)


def halt(reason: HaltReason) -> SlotValues:
    """The slot values that end the form for ``reason`` (counted: payment_form_halts_total)."""
    metrics.form_halted(reason)
    return {HALT_SLOT: reason.value}


def halt_reason(tracker: Tracker) -> Optional[HaltReason]:
    """Why the form in ``tracker`` ended early, or None if it did not (or for a reason no longer known)."""
    value = tracker.get_slot(HALT_SLOT)
    try:
        return HaltReason(value) if value else None
    except ValueError:
        return None


def halt_on_limit(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    response: Text,
    retry_after: Optional[timedelta],
    reason: HaltReason,
    **variables: Any,
) -> SlotValues:
    """A limit refused this (nothing went to O'mari): say which, and when to try again."""
    dispatcher.utter_message(
        response=response,
        # Always set with a limit outcome; an unset one reads as the shortest wait.
        retry_in=say_wait(tracker, retry_after or timedelta()),
        support_contact=settings().support_contact,
        **variables,
    )
    return halt(reason)


def halt_on_service_failure(
    dispatcher: CollectingDispatcher, failure: Optional[ServiceFailure] = None, slot: Optional[Text] = None
) -> SlotValues:
    """The payment service failed while ``slot``'s answer was checked.

    An outage decided nothing: the question stays open, and the same answer
    sent again carries on. No word about money: an OTP may be at O'mari.
    Any other failure ends the form with the general apology.
    """
    if slot and isinstance(failure, StoreUnavailable):
        dispatcher.utter_message(response="utter_store_unavailable")
        return {slot: None}
    dispatcher.utter_message(response="utter_service_error", support_contact=settings().support_contact)
    return halt(HaltReason.SERVICE_ERROR)
