"""The payment conversation's other actions: ask, conclude, cancel, hand over."""
from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.payment.steps import (
    PAYMENT_SLOTS,
    ActionAskAmount,
    ActionAskPhoneNumber,
    ActionCancelPayment,
    ActionConcludePayment,
    ActionHumanHandoff,
)
from payments.service import PaymentService
from actions import runtime
from tests.support.payment_backend import OTP as SANDBOX_OTP
from tests.support.trackers import make_tracker, responses, run, slot_events

SLYKER = "BK-SLYKER-TECH-20251023"
T005 = "BK-T005-20260210"


def act(action, domain, **tracker_args):
    dispatcher = CollectingDispatcher()
    events = run(action.run(dispatcher, make_tracker(**tracker_args), domain))
    return events, dispatcher


def start_payment(msisdn: str = "263772123456") -> str:
    service: PaymentService = runtime.payment_service()
    start = service.start_payment(
        sender_id="test-sender",
        booking_lookup_key="BKSLYKERTECH20251023",
        amount=Decimal("50.00"),
        customer_channel="onemoney",
        msisdn=msisdn,
    )
    return start.transaction.reference


@pytest.mark.parametrize(
    "reference, response", [(T005, "utter_ask_amount_with_deposit"), (SLYKER, "utter_ask_amount")]
)
def test_deposit_is_offered_only_while_uncovered(store, domain, reference: str, response: str) -> None:
    _, dispatcher = act(ActionAskAmount(), domain, slots={"booking_reference": reference})
    assert responses(dispatcher) == [response]


@pytest.mark.parametrize(
    "sender, response",
    [
        ("whatsapp:263772000001", "utter_ask_phone_number_with_sender"),
        ("rest:b1946ac9-uuid", "utter_ask_phone_number"),
        ("whatsapp:US.13491208655302741918", "utter_ask_phone_number"),  # WhatsApp user without a visible number
        ("whatsapp:27821234567", "utter_ask_phone_number"),  # a South African WhatsApp number: no O'mari wallet
        # Strangers on unsigned channels, whatever they call themselves:
        ("rest:263772000001", "utter_ask_phone_number"),
        ("rest:whatsapp:263772000001", "utter_ask_phone_number"),
        ("twilio:whatsapp:+263772000001", "utter_ask_phone_number"),
        ("263772000001", "utter_ask_phone_number"),  # unscoped: not from a guarded Rasa
    ],
)
def test_own_number_is_offered_only_to_phone_senders(store, domain, sender: str, response: str) -> None:
    _, dispatcher = act(ActionAskPhoneNumber(), domain, sender_id=sender)
    assert responses(dispatcher) == [response]


def test_a_whatsapp_shaped_id_from_another_input_channel_is_not_trusted(store, domain) -> None:
    _, dispatcher = act(ActionAskPhoneNumber(), domain, sender_id="whatsapp:263772000001", input_channel="rest")
    assert responses(dispatcher) == ["utter_ask_phone_number"]


def test_conclude_success_sends_a_receipt_and_clears_the_form(store, domain) -> None:
    reference = start_payment()
    runtime.payment_service().submit_otp(reference, SANDBOX_OTP)
    events, dispatcher = act(
        ActionConcludePayment(),
        domain,
        slots={"transaction_reference": reference, "payment_outcome": "success", "booking_reference": SLYKER},
    )
    [receipt] = dispatcher.messages
    assert receipt["response"] == "utter_payment_receipt_sandbox"  # no merchant key: the sandbox, a test payment
    assert (receipt["amount"], receipt["channel"], receipt["balance_due"]) == ("US$50.00", "OneMoney", "US$750.00")
    assert receipt["payment_reference"] == store.get_transaction(reference).payment_reference
    cleared = slot_events(events)
    assert all(cleared[slot] is None for slot in PAYMENT_SLOTS)


def test_conclude_declined_names_insufficient_funds(store, domain) -> None:
    reference = start_payment("263770000002")
    runtime.payment_service().submit_otp(reference, SANDBOX_OTP)
    _, dispatcher = act(
        ActionConcludePayment(), domain, slots={"transaction_reference": reference, "payment_outcome": "declined"}
    )
    assert responses(dispatcher) == ["utter_payment_declined_insufficient_funds"]


@pytest.mark.parametrize(
    "slots, expected",
    [
        ({"payment_halt": "too_many_invalid_answers"}, ["utter_too_many_invalid_answers"]),
        ({"payment_halt": "omari_unavailable"}, ["utter_omari_unavailable"]),
        ({"payment_halt": "booking_closed"}, []),
        ({"payment_outcome": "pending"}, ["utter_payment_pending"]),
        ({"payment_outcome": "otp_attempts_exceeded"}, ["utter_otp_attempts_exceeded"]),
    ],
)
def test_conclude_explains_how_the_form_ended(store, domain, slots, expected) -> None:
    _, dispatcher = act(ActionConcludePayment(), domain, slots=slots)
    assert responses(dispatcher) == expected


def test_fresh_otp_button_repeats_the_same_payment_in_one_message(store, domain) -> None:
    slots = {"payment_outcome": "otp_expired", "booking_reference": "BK-T005-20260210", "amount": "50.00",
             "payment_channel": "ecocash", "phone_number": "263772123456"}
    _, dispatcher = act(ActionConcludePayment(), domain, slots=slots)
    assert responses(dispatcher) == ["utter_otp_expired"]
    assert dispatcher.messages[0]["fresh_otp_request"] == (
        "pay 50.00 for BK-T005-20260210 with ecocash from 263772123456")


def test_fresh_otp_button_without_the_whole_payment_restarts_on_the_booking(store, domain) -> None:
    slots = {"payment_outcome": "otp_attempts_exceeded", "booking_reference": "BK-T005-20260210"}
    _, dispatcher = act(ActionConcludePayment(), domain, slots=slots)
    assert dispatcher.messages[0]["fresh_otp_request"] == "pay for BK-T005-20260210"


def test_cancel_closes_the_transaction_and_voids_it(store, domain) -> None:
    reference = start_payment()
    events, dispatcher = act(ActionCancelPayment(), domain, slots={"transaction_reference": reference})
    assert responses(dispatcher) == ["utter_payment_cancelled"]
    assert store.get_transaction(reference).status == "cancelled"
    assert slot_events(events)["transaction_reference"] is None


def test_cancel_with_nothing_in_progress_says_so(store, domain) -> None:
    _, dispatcher = act(ActionCancelPayment(), domain, active_loop=None)
    assert responses(dispatcher) == ["utter_nothing_to_cancel"]


def test_handoff_gives_the_configured_contact(store, domain, monkeypatch) -> None:
    monkeypatch.setenv("SUPPORT_CONTACT", "+263 77 999 9999")
    runtime.settings.cache_clear()
    _, dispatcher = act(ActionHumanHandoff(), domain)
    assert dispatcher.messages[0]["support_contact"] == "+263 77 999 9999"
