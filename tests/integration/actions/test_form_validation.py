"""The payment form's validator, slot by slot and as rasa-sdk runs it whole."""
from __future__ import annotations

import os
from decimal import Decimal

import pytest
from sqlalchemy import text
from rasa_sdk.executor import CollectingDispatcher

from actions.form.validator import ValidatePaymentForm
from parsing.language import Language
from tests.support.payment_backend import OTP as SANDBOX_OTP, SLYKER_KEY, PaymentBackend
from tests.support.trackers import make_tracker, responses, run, slot_events, yes_to_the_summary

SLYKER = "BK-SLYKER-TECH-20251023"
T005 = "BK-T005-20260210"
READY_TO_PAY = {"booking_reference": SLYKER, "amount": "50.00", "payment_channel": "ecocash"}
ANSWERED = {**READY_TO_PAY, "phone_number": "263772123456"}  # all four, said back next


def validate(slot: str, value, tracker=None, **tracker_args):
    dispatcher = CollectingDispatcher()
    tracker = tracker or make_tracker(**tracker_args)
    method = getattr(ValidatePaymentForm(), f"validate_{slot}")
    return run(method(value, dispatcher, tracker, {})), dispatcher


# -- booking reference ------------------------------------------------------------


def test_reference_in_free_form_is_found_and_summarised(store) -> None:
    result, dispatcher = validate("booking_reference", "bk slyker tech 20251023")
    assert result == {"booking_reference": SLYKER, "invalid_answers": 0}
    [summary] = dispatcher.messages
    assert summary["response"] == "utter_booking_summary"
    assert (summary["balance_due"], summary["amount_paid"]) == ("US$800.00", "US$400.00")


@pytest.mark.parametrize(
    "text, response",
    [("BK-NOPE-20990101", "utter_unknown_booking"), ("hello", "utter_invalid_booking_reference")],
)
def test_bad_reference_is_refused_with_its_reason(store, text: str, response: str) -> None:
    result, dispatcher = validate("booking_reference", text)
    assert result == {"booking_reference": None, "invalid_answers": 1}
    assert responses(dispatcher) == [response]


@pytest.mark.parametrize(
    "reference, response", [("BK48213977", "utter_booking_fully_paid"), ("BK-T002-20251225", "utter_booking_cancelled")]
)
def test_closed_booking_ends_the_form(store, reference: str, response: str) -> None:
    result, dispatcher = validate("booking_reference", reference)
    assert result == {"booking_reference": None, "payment_halt": "booking_closed"}
    assert responses(dispatcher) == [response]


def test_third_invalid_answer_stops_the_loop(store) -> None:
    result, _ = validate("booking_reference", "nonsense", slots={"invalid_answers": 2})
    assert result["payment_halt"] == "too_many_invalid_answers"


def test_database_failure_becomes_an_apology(store, monkeypatch) -> None:
    from actions import runtime

    reachable = os.environ["DATABASE_URL"]
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent-folder/x/bookings.db")
    runtime.settings.cache_clear()
    runtime.payment_service.cache_clear()
    result, dispatcher = validate("booking_reference", SLYKER)
    # A database that cannot be reached is an outage: the question stays open,
    # nothing is claimed about money, and the same answer later carries on.
    assert result == {"booking_reference": None}
    assert responses(dispatcher) == ["utter_store_unavailable"]
    monkeypatch.setenv("DATABASE_URL", reachable)  # the database is back
    runtime.settings.cache_clear()
    runtime.payment_service.cache_clear()
    result, _ = validate("booking_reference", SLYKER)
    assert result["booking_reference"] == SLYKER


def test_a_failure_that_is_not_an_outage_closes_the_payment_with_the_general_apology(
        payment_backend: PaymentBackend, store) -> None:
    # A booking row the service cannot read (its amount paid is not a number of cents): a bug or a bad
    # hand edit in the real database, not a store that did not answer, so waiting and re-sending cannot help.
    with payment_backend.store.session() as session:
        session.execute(text("UPDATE bookings SET amount_paid = 'not cents' WHERE lookup_key = :key"),
                        {"key": SLYKER_KEY})
    result, dispatcher = validate("booking_reference", SLYKER)
    assert result == {"payment_halt": "service_error"}
    assert responses(dispatcher) == ["utter_service_error"]
    assert payment_backend.store.list_transactions(booking_reference=SLYKER) == []  # nothing was started


# -- amount -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("50", "50.00"), ("$50", "50.00"), ("USD 50", "50.00"), ("50 dollars", "50.00"), ("full balance", "800.00")],
)
def test_amount_is_normalised_to_cents(store, text: str, expected: str) -> None:
    result, _ = validate("amount", text, slots={"booking_reference": SLYKER})
    assert result == {"amount": expected, "invalid_answers": 0}


def test_deposit_is_what_remains_of_half_the_total(store) -> None:
    result, _ = validate("amount", "the deposit", slots={"booking_reference": T005})
    assert result["amount"] == "425.00"


@pytest.mark.parametrize(
    "text, response",
    [
        ("0", "utter_invalid_amount_not_positive"),
        ("-5", "utter_invalid_amount_not_positive"),
        ("801", "utter_invalid_amount_above_balance"),
        ("abc", "utter_invalid_amount_not_a_number"),
        ("50.123", "utter_invalid_amount_too_many_decimals"),
        ("ZWG 50", "utter_invalid_amount_wrong_currency"),
        ("deposit", "utter_invalid_amount_deposit_already_paid"),
    ],
)
def test_bad_amount_is_refused_with_its_reason(store, text: str, response: str) -> None:
    result, dispatcher = validate("amount", text, slots={"booking_reference": SLYKER})
    assert result["amount"] is None
    assert responses(dispatcher) == [response]


# -- channel and phone ------------------------------------------------------------------


@pytest.mark.parametrize("text, expected",
                         [("eco cash", "ecocash"), ("netone", "onemoney"), ("ZimSwitch", "zimswitch")])
def test_channel_is_normalised(store, text: str, expected: str) -> None:
    result, _ = validate("payment_channel", text)
    assert result == {"payment_channel": expected, "invalid_answers": 0}


def test_unknown_channel_is_refused(store) -> None:
    result, dispatcher = validate("payment_channel", "paypal")
    assert result["payment_channel"] is None
    assert responses(dispatcher) == ["utter_invalid_payment_channel"]


@pytest.mark.parametrize("text", ["0772 123 456", "+263 77 212 3456", "772123456", "00263772123456"])
def test_phone_is_normalised(store, text: str) -> None:
    result, _ = validate("phone_number", text)
    assert result["phone_number"].startswith("2637") and len(result["phone_number"]) == 12


def test_use_this_number_takes_a_zimbabwean_sender(store) -> None:
    result, _ = validate("phone_number", "use this number", sender_id="whatsapp:263772000001")
    assert result["phone_number"] == "263772000001"


@pytest.mark.parametrize("sender", ["rest:3f2a-uuid-like", "rest:263772000001", "rest:whatsapp:263772000001"])
def test_use_this_number_without_a_signed_whatsapp_sender_is_refused(store, sender: str) -> None:
    result, dispatcher = validate("phone_number", "use this number", sender_id=sender)
    assert result["phone_number"] is None
    assert responses(dispatcher) == ["utter_invalid_phone_number_no_sender_number"]


# -- the whole validator, as rasa-sdk calls it ----------------------------------------------


def test_accepting_the_phone_number_says_the_payment_back_and_requests_nothing(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={**READY_TO_PAY, "phone_number": "0772123456", "requested_slot": "phone_number"},
        text="0772123456", set_this_turn=["phone_number"],
    )
    slots = slot_events(run(ValidatePaymentForm().run(dispatcher, tracker, domain)))
    assert slots["phone_number"] == "263772123456"  # Rasa says the payment back next (payment_confirmed)
    assert not dispatcher.messages
    assert store.list_transactions(booking_reference=SLYKER) == [] and "transaction_reference" not in slots


def test_yes_to_the_payment_said_back_sends_the_otp(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    events = run(ValidatePaymentForm().run(dispatcher, yes_to_the_summary(ANSWERED), domain))
    slots = slot_events(events)
    [transaction] = store.list_transactions(booking_reference=SLYKER)
    assert transaction.status == "otp_sent" and transaction.amount == Decimal("50.00")
    assert slots["transaction_reference"] == transaction.reference
    assert slots["otp_reference"] == transaction.otp_reference
    assert responses(dispatcher) == ["utter_otp_sent"]


@pytest.mark.parametrize("language, stored", [("sn", Language.SHONA), ("nd", Language.NDEBELE),
                                              (None, Language.ENGLISH)])
def test_the_payment_remembers_the_conversations_language(store, domain, language, stored) -> None:
    tracker = yes_to_the_summary({**ANSWERED, "language": language}, text="hongu")
    run(ValidatePaymentForm().run(CollectingDispatcher(), tracker, domain))
    [transaction] = store.list_transactions(booking_reference=SLYKER)
    assert transaction.language is stored


def test_unregistered_number_is_asked_again(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = yes_to_the_summary({**ANSWERED, "phone_number": "263770000001"})
    slots = slot_events(run(ValidatePaymentForm().run(dispatcher, tracker, domain)))
    assert slots["phone_number"] is None and "transaction_reference" not in slots
    assert slots["payment_confirmed"] is None  # the next number is said back before a new OTP
    assert responses(dispatcher) == ["utter_phone_not_registered"]


def test_halted_form_requests_nothing_more(store, domain) -> None:
    tracker = make_tracker(slots={"booking_reference": "BK48213977"}, text="pay BK48213977", intent="make_payment")
    slots = slot_events(run(ValidatePaymentForm().run(CollectingDispatcher(), tracker, domain)))
    assert slots["payment_halt"] == "booking_closed"
    assert slots["requested_slot"] is None  # the form ends


def _otp_sent(store, domain) -> dict:
    return slot_events(run(ValidatePaymentForm().run(CollectingDispatcher(), yes_to_the_summary(ANSWERED), domain)))


def test_right_otp_pays_and_clears_the_otp(store, domain) -> None:
    started = _otp_sent(store, domain)
    result, _ = validate("otp", f"code is {SANDBOX_OTP}", slots=started, set_this_turn=["otp"])
    assert result == {"otp": None, "payment_outcome": "success"}
    assert store.find_booking_by_reference(SLYKER).amount_paid == Decimal("450.00")


def test_wrong_otp_keeps_the_payment_open(store, domain) -> None:
    started = _otp_sent(store, domain)
    result, dispatcher = validate("otp", "999999", slots=started, set_this_turn=["otp"])
    assert result == {"otp": None}
    assert dispatcher.messages[0]["attempts_left"] == 2
    assert store.list_transactions(booking_reference=SLYKER)[0].status == "otp_sent"


@pytest.mark.parametrize("text", ["cancel", "Cancel please"])
def test_cancel_typed_at_the_otp_question_is_never_sent_as_an_otp(store, domain, text: str) -> None:
    started = _otp_sent(store, domain)
    result, dispatcher = validate("otp", text, slots=started, set_this_turn=["otp"])
    assert result == {"otp": None, "payment_halt": "cancelled"}
    assert store.list_transactions(booking_reference=SLYKER)[0].status == "cancelled"
    assert responses(dispatcher) == ["utter_payment_cancelled"]


def test_malformed_otp_is_refused(store, domain) -> None:
    started = _otp_sent(store, domain)
    result, dispatcher = validate("otp", "12", slots=started, set_this_turn=["otp"])
    assert result["otp"] is None and result["invalid_answers"] == 1
    assert responses(dispatcher) == ["utter_invalid_otp"]
