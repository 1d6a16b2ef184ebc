"""The validator and actions for issue 14, one at a time: two readings, other currencies,
reactions, and the closed payment a fresh OTP asked for in words reuses."""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.form.validator import ValidatePaymentForm
from actions.payment.fresh_otp import ActionSendFreshOtp
from actions.payment.steps import ActionConcludePayment
from tests.support.trackers import make_tracker, responses, run, slot_events

T005 = "BK-T005-20260210"
ZWG_BOOKING = "BK-T010-20260301"  # balance ZWG 4,800.00
CLOSED = {"booking_reference": T005, "amount": "50.00", "payment_channel": "ecocash", "phone_number": "263772123456"}


def validate_amount(text: str, invalid_answers: int = 1, booking: str = T005):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"booking_reference": booking, "amount": text, "invalid_answers": invalid_answers, "requested_slot": "amount"},
        text=text, set_this_turn=["amount"],
    )
    return run(ValidatePaymentForm().validate_amount(text, dispatcher, tracker, {})), dispatcher


def test_two_readings_are_both_offered_and_the_answer_is_not_counted(store) -> None:
    result, dispatcher = validate_amount("1.500", booking=ZWG_BOOKING)  # balance ZWG 4,800.00
    assert result == {"amount": None, "invalid_answers": 1}
    [question] = dispatcher.messages
    assert question["response"] == "utter_ask_amount_reading"
    assert (question["first_reading"], question["second_reading"]) == ("ZWG 1.50", "ZWG 1,500.00")
    assert (question["first_payload"], question["second_payload"]) == ("1.50 ZWG", "1500.00 ZWG")


def test_a_reading_above_the_balance_is_never_offered(store) -> None:
    result, dispatcher = validate_amount("1.500")  # T005's balance is US$850.00
    assert result == {"amount": None, "invalid_answers": 1}
    [question] = dispatcher.messages
    assert question["response"] == "utter_ask_amount_one_reading"
    assert (question["reading"], question["payload"]) == ("US$1.50", "1.50 USD")


def test_euros_are_refused_naming_the_bookings_currency(store) -> None:
    result, dispatcher = validate_amount("50 euros")
    assert result["amount"] is None and result["invalid_answers"] == 2
    assert responses(dispatcher) == ["utter_invalid_amount_wrong_currency"]
    assert dispatcher.messages[0]["currency"] == "USD"


def test_a_reaction_mid_payment_undoes_its_answer_and_keeps_the_count(store) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"booking_reference": T005, "amount": "👍", "invalid_answers": 2,
                            "requested_slot": "amount"}, text="👍", intent="nlu_fallback", set_this_turn=["amount"])
    events = run(ValidatePaymentForm().get_validation_events(dispatcher, tracker, {}))
    assert slot_events(events) == {"amount": None, "invalid_answers": 2}
    assert dispatcher.messages == []


def test_an_amount_in_words_the_classifier_took_for_a_reaction_is_an_answer(store, domain) -> None:
    """The classifier's "react" yields to the parser: a message that names an amount answers the question."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"booking_reference": T005, "amount": "ninety nine dollars", "invalid_answers": 0,
                            "requested_slot": "amount"},
                           text="ninety nine dollars", intent="react", set_this_turn=["amount"])
    events = run(ValidatePaymentForm().get_validation_events(dispatcher, tracker, domain))
    assert slot_events(events)["amount"] == "99.00"


def test_a_reaction_as_the_first_message_starts_no_payment(store) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="👍", intent="inform", active_loop=None)
    events = run(ValidatePaymentForm().get_validation_events(dispatcher, tracker, {}))
    assert slot_events(events) == {"payment_halt": "not_a_payment"}
    assert responses(dispatcher) == ["utter_reaction"]


def test_a_code_after_the_payment_closed_offers_the_fresh_otp_again(store) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"closed_payment": CLOSED}, text="123456", active_loop=None, set_this_turn=[])
    events = run(ValidatePaymentForm().get_validation_events(dispatcher, tracker, {}))
    assert slot_events(events) == {"payment_halt": "closed_payment_code"}
    assert responses(dispatcher) == ["utter_otp_for_closed_payment"]
    assert dispatcher.messages[0]["fresh_otp_request"] == (
        "pay 50.00 for BK-T005-20260210 with ecocash from 263772123456")


def test_conclude_keeps_the_closed_payment_while_a_fresh_otp_is_offered(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"payment_outcome": "otp_attempts_exceeded", **CLOSED})
    events = run(ActionConcludePayment().run(dispatcher, tracker, domain))
    assert slot_events(events)["closed_payment"] == CLOSED
    assert slot_events(events)["booking_reference"] is None


def test_conclude_forgets_the_closed_payment_after_a_receipt(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"payment_halt": "cancelled", "closed_payment": CLOSED})
    assert slot_events(run(ActionConcludePayment().run(dispatcher, tracker, domain)))["closed_payment"] is None


def test_a_new_code_in_words_refills_the_closed_payment(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"closed_payment": CLOSED}, text="send me a new code", intent="request_new_otp",
                           active_loop=None)
    events = run(ActionSendFreshOtp().run(dispatcher, tracker, domain))
    assert slot_events(events) == {**CLOSED, "closed_payment": None}
    assert dispatcher.messages == []


def test_a_new_code_with_nothing_closed_says_none_is_waiting(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="resend", intent="request_new_otp", active_loop=None)
    assert run(ActionSendFreshOtp().run(dispatcher, tracker, domain)) == []
    assert responses(dispatcher) == ["utter_no_payment_to_resend"]
