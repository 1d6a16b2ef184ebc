"""Customers hear how an unconfirmed payment settled (issue 16), through the real servers.

The sandbox's 263770000008 debits, then the first /query fails: the customer
is told the payment is being confirmed. `python -m payments.ops reconcile`
(real processes, racing ones too) settles it and tells the customer through
Rasa's trigger_intent: on WhatsApp a normal message within 24 hours of their
last message, an approved template after that, and on REST the outcome is kept
and given before the next answer. Messages go in as signed webhooks and out
through the fake Graph API, which records them in order.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any, Dict, List

import pytest

from actions.presentation import receipt_response
from common.catalogue import PLACEHOLDER, Phrases, load_all
from payments.settings import load_settings
from tests.e2e.conftest import REPO, SANDBOX_OTP, Chat, Stack
from tests.e2e.test_payment_conversations import reach_otp
from tests.e2e.whatsapp_customer import WhatsAppCustomer, shown_text
from tests.support import notifications as n

T005 = "BK-T005-20260210"  # 850.00 total, nothing paid, USD
QUERY_FAILS_ONCE = "0770 000 008"
TEMPLATE = "kali_payment_update"
OVER_A_DAY = str(25 * 60 * 60)


def ops(stack: Stack, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "payments.ops", *arguments], cwd=REPO, env=stack.env,
                          capture_output=True, text=True, timeout=180, check=True)


def notifications(stack: Stack, *arguments: str) -> List[Dict[str, Any]]:
    return json.loads(ops(stack, "notifications", "--json", *arguments).stdout)


def pay_into_pending(customer: WhatsAppCustomer) -> str:
    """A WhatsApp payment of US$50.00 on T005 that O'mari debits but cannot confirm at once.

    Returns the id of the customer's OTP message.
    """
    assert "booking reference" in customer.say("pay")
    assert "amount" in customer.say(T005)
    assert "payment channel" in customer.say("50")
    assert "mobile number" in customer.tap("Ecocash")
    assert "shall i go ahead" in customer.say(QUERY_FAILS_ONCE)
    assert "otp" in customer.tap("Yes, go ahead")
    otp_message = n.text(customer.sender, SANDBOX_OTP, customer.next_id())
    customer.send(otp_message)
    assert "being confirmed" in customer.text
    return otp_message["id"]


def reconcile_at_once(stack: Stack, runs: int) -> None:
    """``runs`` reconcilers started together, as cron on several machines would."""
    processes = [subprocess.Popen([sys.executable, "-m", "payments.ops", "reconcile"], cwd=REPO, env=stack.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(runs)]
    for process in processes:
        _, errors = process.communicate(timeout=180)
        assert process.returncode == 0, errors


def test_racing_reconcilers_tell_a_whatsapp_customer_once_and_typing_precedes_the_otp_reply(
    stack: Stack, bookings
) -> None:
    customer = WhatsAppCustomer(stack)
    otp_message_id = pay_into_pending(customer)

    # "typing…" went out with the read receipt of the OTP, before any reply to it.
    calls = [r["body"] for r in stack.graph.received]
    typing = [i for i, body in enumerate(calls)
              if body.get("message_id") == otp_message_id and body.get("typing_indicator") == {"type": "text"}]
    assert len(typing) == 1, calls
    first_reply = next(i for i, body in enumerate(calls)
                       if body.get("to") == customer.sender and "being confirmed" in shown_text(body).lower())
    assert typing[0] < first_reply
    # Only the two answers that wait on O'mari (the number: /auth; the OTP: /request) showed "typing…";
    # "pay", the booking, the amount and the channel got the plain read receipt.
    typed = [b["message_id"] for b in calls if b.get("typing_indicator") and customer.sender in b["message_id"]]
    assert len(typed) == 2 and typed[-1] == otp_message_id, typed

    before = len(customer.received())
    reconcile_at_once(stack, 3)
    told = customer.received()[before:]
    assert len(told) == 1, told
    text = shown_text(told[0]).lower().replace("*", "")
    assert "confirmed" in text and "us$50.00" in text and "balance now us$800.00" in text
    assert "o'mari reference" in text and "balance outstanding" in text

    ops(stack, "reconcile")
    assert len(customer.received()) == before + 1  # a second reconcile tells nothing
    assert notifications(stack) == []
    [row] = notifications(stack, "--state", "told")
    assert (row["sender"], row["told_by"], row["payment_status"]) == (f"whatsapp:{customer.sender}", "message",
                                                                      "success")
    # The conversation's record shows the external event and the notice.
    events = customer.tracker()["events"]
    assert any(e.get("event") == "user" and e.get("parse_data", {}).get("intent", {}).get("name")
               == "EXTERNAL_payment_settled" for e in events)
    assert any(e.get("event") == "bot" and "us$50.00" in (e.get("text") or "").lower() for e in events)


@pytest.fixture
def a_day_later(stack: Stack):
    """The action server judging WhatsApp's window 25 hours ahead, with the template configured."""
    original = dict(stack.env)
    stack.env.update(CLOCK_OFFSET_SECONDS=OVER_A_DAY, WHATSAPP_PAYMENT_TEMPLATE=TEMPLATE,
                     WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE="en_US")
    stack.restart_actions()
    yield
    stack.env.clear()
    stack.env.update(original)
    stack.restart_actions()


def test_after_24_hours_the_outcome_goes_as_the_configured_template(stack: Stack, bookings, a_day_later) -> None:
    customer = WhatsAppCustomer(stack)
    pay_into_pending(customer)
    before = len(customer.received())
    ops(stack, "reconcile")
    [told] = customer.received()[before:]
    assert told["type"] == "template", told
    assert told["template"]["name"] == TEMPLATE and told["template"]["language"] == {"code": "en_US"}
    [body] = told["template"]["components"]
    assert [p["text"] for p in body["parameters"]] == [T005, "US$50.00", "received and added to your booking"]
    assert notifications(stack, "--state", "told")[0]["told_by"] == "template"


def test_a_refused_notification_is_listed_for_ops_and_never_sent_twice(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    pay_into_pending(customer)
    before = len(customer.received())
    stack.graph.fail_next(500, 500, 500)  # every attempt the channel makes (1 + WHATSAPP_SEND_RETRIES)
    ops(stack, "reconcile")
    [row] = notifications(stack)
    assert row["state"] == "failed" and "sending failed" in row["last_error"]
    ops(stack, "reconcile")
    assert len(customer.received()) == before  # nothing accepted, and no second try
    assert [r["status"] for r in stack.graph.received if r["body"].get("to") == customer.sender][-3:] == [500] * 3


def test_a_rest_customer_is_told_before_the_answer_to_their_next_message(stack: Stack, bookings) -> None:
    chat = Chat(stack)
    reach_otp(chat, T005, "50", "ecocash", "0770000008")
    assert "being confirmed" in chat.text(SANDBOX_OTP)
    ops(stack, "reconcile")
    replies = [r.get("text") or "" for r in chat.say("hi")]
    assert "confirmed" in replies[0].lower() and "US$50.00" in replies[0], replies
    assert "welcome to kali safaris" in " ".join(replies[1:]).lower()
    assert all("us$50.00" not in (r.get("text") or "").lower() for r in chat.say("menu"))  # told once
    assert notifications(stack, "--state", "told")[0]["told_by"] == "kept"


def catalogue_text(language: str, response: str, **values: str) -> "re.Pattern[str]":
    """``response``'s text in ``language``'s catalogue, its placeholders filled with ``values``;
    a placeholder not given matches any text (an O'mari reference the test cannot know)."""
    text = load_all()[language].texts[response].text
    pattern, position = "", 0
    for found in PLACEHOLDER.finditer(text):
        pattern += re.escape(text[position:found.start()])
        name = found.group(1)
        pattern += re.escape(values[name]) if name in values else ".+?"
        position = found.end()
    return re.compile(pattern + re.escape(text[position:]), re.DOTALL)


def test_a_customer_who_writes_shona_is_told_the_late_outcome_in_shona(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    customer.say("ndinoda kubhadhara booking yangu")
    slots = customer.tracker()["slots"]
    assert (slots["language"], slots["requested_slot"]) == ("sn", "booking_reference"), slots
    customer.say(T005)
    customer.say("50")
    customer.tap_payload("Ecocash")
    customer.say(QUERY_FAILS_ONCE)
    assert customer.tracker()["slots"]["requested_slot"] == "payment_confirmed"
    customer.tap_payload("yes")
    customer.send(n.text(customer.sender, SANDBOX_OTP, customer.next_id()))
    [payment] = json.loads(ops(stack, "transactions", "--sender", f"whatsapp:{customer.sender}", "--json").stdout)
    assert (payment["status"], payment["language"]) == ("pending", "sn")  # the payment remembers its language

    before = len(customer.received())
    ops(stack, "reconcile")
    [told] = customer.received()[before:]
    response = receipt_response("utter_payment_settled_success", load_settings(stack.env).uses_sandbox)
    values = {"amount": "US$50.00", "booking_reference": T005, "balance_due": "US$800.00"}
    shona = catalogue_text("sn", response, **values,
                           booking_status=Phrases(load_all()).say("booking_status_pending", "sn"))
    english = catalogue_text("en", response, **values,
                             booking_status=Phrases(load_all()).say("booking_status_pending", "en"))
    assert shona.fullmatch(shown_text(told)), (shona.pattern, shown_text(told))
    assert not english.fullmatch(shown_text(told))
