"""Conversations over the WhatsApp channel: signed webhooks into the real Rasa server.

The real `rasa run` (channel configured by WHATSAPP_* variables), the real
action server and the O'mari sandbox run as processes; the channel sends to a
fake Graph API on loopback that records every message and checks it against
Meta's limits. Each test is one WhatsApp customer.
"""
from __future__ import annotations

import time
from decimal import Decimal

import requests

from tests.e2e.conftest import SANDBOX_OTP, Stack, booking_state
from tests.e2e.whatsapp_customer import WhatsAppCustomer, choices, wait_until
from tests.support import notifications as n

T005 = "BK-T005-20260210"  # 850.00 total, nothing paid, USD
SLYKER = "BK-SLYKER-TECH-20251023"  # 1200.00 total, 400.00 paid


def test_a_whole_payment_by_taps_and_typing_on_whatsapp(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    customer.say("hi")
    [menu] = customer.replies
    assert menu["to"] == customer.sender and menu["interactive"]["type"] == "button"
    assert "welcome to kali safaris" in customer.text  # the question is the buttons' body
    assert customer.offered == ["📱 Mobile Payment", "🗺️ Our tours", "🙋 Talk to a person"]
    assert choices(menu)[0][0] == "/make_payment"

    assert "booking reference" in customer.tap("📱 Mobile Payment")
    summary = customer.say(T005.lower())
    assert "hwange big five safari" in summary and "us$850.00" in summary
    assert customer.offered == ["Pay full balance", "Pay 50% deposit"]
    assert "payment channel" in customer.tap("Pay full balance")
    assert customer.offered == ["Ecocash", "OneMoney", "ZimSwitch"]
    assert "mobile number" in customer.tap("OneMoney")
    assert customer.offered == ["Use this number"]  # the sender's wa_id is a Zimbabwe mobile
    said_back = customer.tap("Use this number")
    assert "us$850.00" in said_back and "shall i go ahead" in said_back
    assert customer.offered == ["Yes, go ahead", "Change something", "Cancel"]
    otp_prompt = customer.tap("Yes, go ahead")
    assert "otp" in otp_prompt and "us$850.00" in otp_prompt
    receipt = customer.say(SANDBOX_OTP)

    assert "payment received" in receipt and "us$850.00" in receipt
    state = booking_state(stack.store, T005)
    assert (state["paid"], state["status"]) == (Decimal("850.00"), "paid")
    [transaction] = state["transactions"]
    assert (transaction.status, transaction.msisdn, transaction.customer_channel) == (
        "success", customer.sender, "onemoney",
    )
    record = next(t for t in stack.sandbox_transactions() if t["reference"] == transaction.reference)
    assert record["debit_count"] == 1
    # Each of the customer's eight messages was marked as read (blue ticks).
    stack.graph.wait_for(
        lambda: len([r for r in stack.graph.read_receipts() if customer.sender in r]) == 8, 60, "8 read receipts"
    )


def test_a_redelivered_message_is_answered_once(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    message = n.text(customer.sender, "pay", customer.next_id())
    customer.send(message)
    answers = len(customer.received())
    for _ in range(2):  # Meta redelivers the same notification
        assert customer.post(n.notification([message])).status_code == 200
    assert "amount" in customer.say(SLYKER)  # the next turn runs after the redeliveries (one sender, in order)
    assert customer.user_turns(message["id"]) == 1
    assert len(customer.received()) == answers + len(customer.replies)


def test_a_batch_of_two_customers_and_a_receipt_is_answered_per_customer(stack: Stack, bookings) -> None:
    first, second = WhatsAppCustomer(stack), WhatsAppCustomer(stack)
    messages = [n.text(first.sender, "pay", first.next_id()), n.text(second.sender, "hi", second.next_id())]
    payload = n.notification(messages, statuses=[n.status("wamid.out.1", "delivered")])
    assert first.post(payload).status_code == 200
    wait_until(lambda: first.turn_done(messages[0]["id"]) and second.turn_done(messages[1]["id"]), "both turns")
    assert "booking reference" in " ".join(m.get("text", {}).get("body", "") for m in first.received()).lower()
    assert any(m["type"] == "interactive" for m in second.received())


def test_a_badly_signed_or_unsigned_post_is_refused_and_unanswered(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    payload = n.notification([n.text(customer.sender, "pay", customer.next_id())])
    assert customer.post(payload, signature=n.sign("not-the-app-secret", b"{}")).status_code == 403
    assert customer.post(payload, signature=None).status_code == 403
    assert customer.say("hi")  # a genuine message afterwards is the first thing the assistant heard
    user_texts = [e["text"] for e in customer.tracker()["events"] if e.get("event") == "user"]
    assert user_texts == ["hi"]


def test_webhook_verification_both_ways(stack: Stack) -> None:
    url = f"{stack.rasa_url}/webhooks/whatsapp/webhook"
    query = {"hub.mode": "subscribe", "hub.verify_token": n.VERIFY_TOKEN, "hub.challenge": "1158201444"}
    ok = requests.get(url, params=query, timeout=10)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = requests.get(url, params={**query, "hub.verify_token": "guess"}, timeout=10)
    assert wrong.status_code == 403 and "1158201444" not in wrong.text


def test_an_image_gets_please_type_and_an_old_message_no_answer(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    old = n.text(customer.sender, "pay", customer.next_id(), timestamp=int(time.time()) - 7200)
    image = n.other(customer.sender, "image", customer.next_id())
    assert customer.post(n.notification([old, image])).status_code == 200
    stack.graph.wait_for(lambda: len(customer.received()) >= 1, timeout=60, what="the please-type reply")
    assert "please type" in customer.received()[0]["text"]["body"].lower()
    customer.say("hi")  # runs after both (one sender, in order)
    user_texts = [e["text"] for e in customer.tracker()["events"] if e.get("event") == "user"]
    assert user_texts == ["hi"]
    assert len(customer.received()) == 1 + len(customer.replies)


def test_a_username_sender_is_answered_by_recipient_and_not_offered_use_this_number(
    stack: Stack, bookings
) -> None:
    customer = WhatsAppCustomer(stack, sender="US.1349120865530274" + str(time.time_ns())[-4:], username_only=True)
    assert "booking reference" in customer.say("pay")
    assert all(r.get("recipient") == customer.sender and "to" not in r for r in customer.replies)
    customer.say(SLYKER)
    assert "payment channel" in customer.say("$50")
    assert "mobile number" in customer.tap("Ecocash")
    assert customer.offered == []  # no "Use this number": the id is not a phone number
