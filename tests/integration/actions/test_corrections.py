"""Corrections and early answers in the payment form, as rasa-sdk runs the validator."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from common.sender_ids import channel_of
from actions.questions import ActionAnswerBalance
from actions.form.validator import ValidatePaymentForm
from tests.support.trackers import make_tracker, responses, run, slot_events, yes_to_the_summary

SLYKER = "BK-SLYKER-TECH-20251023"
T005 = "BK-T005-20260210"


def turn(
    earlier: Dict[str, Any],
    text: str,
    intent: str,
    candidates: Dict[str, Any],
    requested: Optional[str],
    sender_id: str = "test-sender",
) -> Tracker:
    """A tracker whose earlier answers were validated before ``text`` filled ``candidates``."""
    events: List[Dict[str, Any]] = [{"event": "slot", "name": k, "value": v} for k, v in earlier.items()]
    events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}},
                   "input_channel": channel_of(sender_id)})
    events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    slots = {**make_tracker().slots, **earlier, **candidates, "requested_slot": requested}
    return Tracker(
        sender_id=sender_id, slots=slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
        events=events, paused=False, followup_action=None, active_loop={"name": "payment_form"},
        latest_action_name="action_listen",
    )


def run_form(tracker: Tracker, domain) -> tuple:
    dispatcher = CollectingDispatcher()
    events = run(ValidatePaymentForm().run(dispatcher, tracker, domain))
    return slot_events(events), dispatcher


def test_opening_message_fills_every_slot_and_asks_nothing_of_omari_yet(store, domain) -> None:
    text = f"pay 50 usd for {T005} with ecocash from 0772123456"
    tracker = turn({}, text, "make_payment",
                   {"booking_reference": T005, "payment_channel": "ecocash", "phone_number": "0772123456"}, None)
    slots, dispatcher = run_form(tracker, domain)
    assert (slots["amount"], slots["payment_channel"], slots["phone_number"]) == ("50.00", "ecocash", "263772123456")
    # The payment is said back (action_ask_payment_confirmed) before any OTP is requested.
    assert "transaction_reference" not in slots and "utter_otp_sent" not in responses(dispatcher)
    assert store.list_transactions(booking_reference=T005) == []


def test_amount_before_the_booking_is_kept_then_checked(store, domain) -> None:
    slots, _ = run_form(turn({}, "pay 50 usd with ecocash", "make_payment", {"payment_channel": "ecocash"}, None),
                        domain)
    assert slots["amount"] is None and slots["amount_given_early"] == "pay 50 usd with ecocash"
    later = turn({"payment_channel": "ecocash", "amount_given_early": "pay 50 usd with ecocash"},
                 SLYKER, "inform", {"booking_reference": SLYKER}, "booking_reference")
    slots, _ = run_form(later, domain)
    assert slots["amount"] == "50.00" and slots["amount_given_early"] is None


def test_amount_corrected_at_another_question(store, domain) -> None:
    earlier = {"booking_reference": SLYKER, "amount": "50.00"}
    tracker = turn(earlier, "actually make it 30", "correct", {"payment_channel": "actually make it 30"},
                   "payment_channel")
    slots, dispatcher = run_form(tracker, domain)
    assert slots["amount"] == "30.00"
    assert slots["payment_channel"] is None
    # The channel question was not answered wrongly: no error, no count.
    assert "utter_invalid_payment_channel" not in responses(dispatcher)
    assert slots.get("invalid_answers", 0) == 0


def test_bad_correction_keeps_the_earlier_amount(store, domain) -> None:
    earlier = {"booking_reference": SLYKER, "amount": "50.00"}
    tracker = turn(earlier, "actually make it 5000", "correct", {}, "payment_channel")
    slots, dispatcher = run_form(tracker, domain)
    assert slots["amount"] == "50.00"
    assert responses(dispatcher)[0] == "utter_invalid_amount_above_balance"


def test_otp_question_never_reads_the_otp_as_an_amount(store, domain) -> None:
    earlier = {"booking_reference": SLYKER, "amount": "50.00", "payment_channel": "ecocash",
               "phone_number": "263772123456", "transaction_reference": "x", "otp_reference": "ABCD"}
    tracker = turn(earlier, "836066", "inform", {}, "otp")
    assert run(ValidatePaymentForm().extract_amount(CollectingDispatcher(), tracker, domain)) == {}


def test_new_number_at_the_otp_question_voids_and_restarts_the_payment(store, domain) -> None:
    answers = {"booking_reference": SLYKER, "amount": "40.00", "payment_channel": "ecocash",
               "phone_number": "263772123456"}
    started, _ = run_form(yes_to_the_summary(answers), domain)
    first = started["transaction_reference"]
    earlier = {**answers, **started}
    text = "sorry wrong number, use 0712000002"
    correction = turn(earlier, text, "correct", {"phone_number": "0712000002"}, "otp")
    slots, dispatcher = run_form(correction, domain)
    assert slots["phone_number"] == "263712000002"
    # The first OTP request is cancelled, the change said aloud, and the new details said back
    # (payment_confirmed cleared) before O'mari is asked again.
    assert responses(dispatcher) == ["utter_payment_restarted", "utter_change_confirmed"]
    assert slots["transaction_reference"] is None and slots["payment_confirmed"] is None
    statuses = {t.reference: t.status for t in store.list_transactions(booking_reference=SLYKER)}
    assert statuses == {first: "cancelled"}
    again, dispatcher = run_form(yes_to_the_summary({**answers, "phone_number": "263712000002"}), domain)
    assert responses(dispatcher) == ["utter_otp_sent"] and again["transaction_reference"] != first


def test_correction_without_a_value_says_how(store, domain) -> None:
    earlier = {"booking_reference": SLYKER, "amount": "50.00"}
    tracker = turn(earlier, "i want to change my number", "correct", {}, "payment_channel")
    slots, dispatcher = run_form(tracker, domain)
    assert responses(dispatcher) == ["utter_how_to_correct"]
    assert "amount" not in slots or slots["amount"] == "50.00"


def test_yes_to_use_this_number_takes_the_sender(store, domain) -> None:
    earlier = {"booking_reference": SLYKER, "amount": "50.00", "payment_channel": "ecocash"}
    tracker = turn(earlier, "yes", "affirm", {"phone_number": "yes"}, "phone_number", sender_id="whatsapp:263772000001")
    slots, _ = run_form(tracker, domain)
    assert slots["phone_number"] == "263772000001"


def test_balance_question_names_the_balance(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    run(ActionAnswerBalance().run(dispatcher, make_tracker(text="what's my balance on bk t005 20260210"), domain))
    [message] = dispatcher.messages
    assert message["response"] == "utter_booking_summary" and message["balance_due"] == "US$850.00"


def test_balance_question_without_a_booking_asks_for_it(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    run(ActionAnswerBalance().run(dispatcher, make_tracker(text="what's my balance"), domain))
    assert responses(dispatcher) == ["utter_balance_needs_booking"]


def test_the_balance_question_counts_unknown_references_and_pauses_like_the_form(store, domain) -> None:
    """Issue 25: the balance answer looked references up without counting misses (enumeration)."""
    def ask(text: str) -> List[str]:
        dispatcher = CollectingDispatcher()
        run(ActionAnswerBalance().run(dispatcher, make_tracker(text=text, sender_id="rest:prober"), domain))
        return responses(dispatcher)

    for n in range(1, 6):
        assert ask(f"balance of BK-ZQ{n:02d}-2026010{n}") == ["utter_balance_unknown_booking"]
    assert store.lookup_misses("rest:prober", datetime(2000, 1, 1))[0] == 5
    assert ask("what's my balance on bk t005 20260210") == ["utter_booking_lookups_paused"]


def test_correction_with_a_wrong_value_at_its_own_question_says_why(store, domain) -> None:
    tracker = turn({"booking_reference": SLYKER}, "actually make it 5000", "correct",
                   {"amount": "actually make it 5000"}, "amount")
    _, dispatcher = run_form(tracker, domain)
    assert responses(dispatcher)[0] == "utter_invalid_amount_above_balance"


def test_a_typed_number_wins_over_a_yes(store, domain) -> None:
    earlier = {"booking_reference": SLYKER, "amount": "50.00", "payment_channel": "ecocash"}
    tracker = turn(earlier, "ok 0712000002", "affirm", {"phone_number": "ok 0712000002"}, "phone_number",
                   sender_id="whatsapp:263772000001")
    slots, _ = run_form(tracker, domain)
    assert slots["phone_number"] == "263712000002"
