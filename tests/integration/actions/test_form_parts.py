"""The payment form's parts agree with each other: halt reasons, and the booking summary."""
from __future__ import annotations

import json

from rasa_sdk.executor import CollectingDispatcher

from actions.form.halt import HALT_SLOT, HaltReason, halt, halt_reason
from actions.form.validator import ValidatePaymentForm
from actions.payment.steps import HALT_RESPONSES, ActionConcludePayment
from actions.questions import ActionAnswerBalance
from tests.support.trackers import make_tracker, responses, run

BOOKING = "BK-T005-20260210"


def test_every_way_the_form_can_halt_is_concluded() -> None:
    """A new reason with no entry would end a payment with no word of why."""
    assert set(HALT_RESPONSES) == set(HaltReason)


def test_a_halt_is_kept_as_the_plain_word_stored_trackers_hold() -> None:
    assert json.dumps(halt(HaltReason.TOO_MANY_INVALID_ANSWERS)) == '{"payment_halt": "too_many_invalid_answers"}'
    assert halt_reason(make_tracker({HALT_SLOT: "lookups_paused"})) is HaltReason.LOOKUPS_PAUSED


def test_a_halt_word_no_longer_known_ends_the_form_quietly(store, domain) -> None:
    """A tracker stored by an older version may hold a reason since removed: no crash, no wording."""
    assert halt_reason(make_tracker({HALT_SLOT: "retired_reason"})) is None
    dispatcher = CollectingDispatcher()
    run(ActionConcludePayment().run(dispatcher, make_tracker({HALT_SLOT: "retired_reason"}), domain))
    assert responses(dispatcher) == []


def test_the_form_and_the_balance_question_show_the_same_booking_summary(store) -> None:
    in_form = CollectingDispatcher()
    run(ValidatePaymentForm().validate_booking_reference(
        BOOKING, in_form, make_tracker({"booking_reference": BOOKING}), {}))
    asked = CollectingDispatcher()
    run(ActionAnswerBalance().run(asked, make_tracker(text=f"what's my balance on {BOOKING}?"), {}))
    [summary] = in_form.messages
    assert summary["response"] == "utter_booking_summary"
    assert asked.messages == [summary]
    assert summary["customer_name"].endswith("***")  # masked in both: a reference is all a stranger needs
