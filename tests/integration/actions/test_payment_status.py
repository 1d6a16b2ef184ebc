""""Did my payment go through?", the OTP request limit and masked names, action by action."""
from __future__ import annotations

import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.form.validator import ValidatePaymentForm
from actions.payment.status import ActionPaymentStatus
from actions.presentation import mask_customer_name
from actions import runtime
from tests.support.payment_backend import OTP as SANDBOX_OTP
from tests.support.trackers import make_tracker, responses, run, slot_events, yes_to_the_summary
from tests.integration.actions.test_payment_actions import start_payment

SLYKER = "BK-SLYKER-TECH-20251023"


def ask_status(domain, sender: str = "test-sender") -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    run(ActionPaymentStatus().run(dispatcher, make_tracker(sender_id=sender, active_loop=None, intent="payment_status",
                                                           text="did my payment go through?"), domain))
    return dispatcher


def test_no_payment_yet(store, domain) -> None:
    assert responses(ask_status(domain)) == ["utter_payment_status_none"]


@pytest.mark.parametrize(
    "msisdn, otp, response",
    [
        (None, None, "utter_payment_status_awaiting_otp"),
        ("263772123456", SANDBOX_OTP, "utter_payment_status_success_sandbox"),  # on the sandbox: a test payment
        ("263770000002", SANDBOX_OTP, "utter_payment_status_failed"),
        ("263770000008", SANDBOX_OTP, "utter_payment_status_pending"),  # /query failed after the debit
    ],
)
def test_states_the_latest_payment_in_plain_words(store, domain, msisdn, otp, response) -> None:
    reference = start_payment(msisdn or "263772123456")
    if otp:
        runtime.payment_service().submit_otp(reference, otp)
    dispatcher = ask_status(domain)
    assert responses(dispatcher) == [response]
    message = dispatcher.messages[0]
    assert message["amount"] == "US$50.00" and message["booking_reference"] == SLYKER
    # Another sender sees nothing of it.
    assert responses(ask_status(domain, sender="someone-else")) == ["utter_payment_status_none"]


def test_a_cancelled_payment_says_so(store, domain) -> None:
    runtime.payment_service().cancel_payment(start_payment())
    assert responses(ask_status(domain)) == ["utter_payment_status_cancelled"]


def test_every_status_response_exists_and_names_only_known_variables(domain) -> None:
    variables = {"amount", "booking_reference", "payment_reference", "balance_due", "otp_reference",
                 "support_contact"}
    for name, texts in domain["responses"].items():
        if name.startswith("utter_payment_status_"):
            assert set(re.findall(r"{(\w+)}", texts[0]["text"])) <= variables


def test_fourth_otp_request_in_the_window_is_refused_politely_without_omari(store, domain) -> None:
    slots = {"booking_reference": SLYKER, "amount": "10.00", "payment_channel": "ecocash",
             "phone_number": "263772123456", "requested_slot": "phone_number"}
    for _ in range(3):
        start_payment()
    dispatcher = CollectingDispatcher()
    events = run(ValidatePaymentForm().run(dispatcher, yes_to_the_summary(slots), domain))
    assert responses(dispatcher) == ["utter_otp_limit_reached_sender"]
    assert dispatcher.messages[0]["limit"] == 3 and dispatcher.messages[0]["window"] == "15 minutes"
    assert slot_events(events)["payment_halt"] == "otp_limit_reached"
    assert len(store.list_transactions()) == 3


@pytest.mark.parametrize(
    "name, masked",
    [("Tariro Moyo", "T*** M***"), ("rudo", "R***"), ("  Nyasha   Banda Moyo ", "N*** B*** M***"), ("", "***")],
)
def test_customer_names_are_masked(name, masked) -> None:
    assert mask_customer_name(name) == masked


def test_booking_summary_shows_only_the_masked_name(store, domain) -> None:
    dispatcher = CollectingDispatcher()
    run(ValidatePaymentForm().run(
        dispatcher,
        make_tracker(slots={"booking_reference": SLYKER, "requested_slot": "booking_reference"}, text=SLYKER),
        domain,
    ))
    summary = next(m for m in dispatcher.messages if m["response"] == "utter_booking_summary")
    assert summary["customer_name"] == "T*** M***"
    assert "Tariro" not in str(dispatcher.messages)


def test_a_held_payment_is_being_checked_by_the_team(store, domain) -> None:
    reference = start_payment()
    store.move_transaction(reference, from_statuses=["otp_sent"], to_status="held")
    dispatcher = ask_status(domain)
    assert responses(dispatcher) == ["utter_payment_status_held"]


def test_a_success_reads_as_a_test_payment_only_on_the_sandbox() -> None:
    from actions.payment.status import status_response_for

    assert status_response_for("success", False, uses_sandbox=False) == "utter_payment_status_success"
    assert status_response_for("success", False, uses_sandbox=True) == "utter_payment_status_success_sandbox"
    assert status_response_for("pending", False, uses_sandbox=True) == "utter_payment_status_pending"
