"""Attacks a stranger can try against the running assistant (README "Security").

The real Rasa server (REST and the signed WhatsApp channel), action server and
sandbox, as in every e2e test. The victim pays over signed WhatsApp webhooks;
the stranger only has what anyone has: the REST channel and the victim's
phone number.
"""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, List

import requests

from tests.e2e.conftest import MERCHANT_KEY, SANDBOX_OTP, Chat, Stack, booking_state
from tests.e2e.whatsapp_customer import WhatsAppCustomer
from tests.support import notifications as n

SLYKER = "BK-SLYKER-TECH-20251023"  # 1200.00 total, 400.00 paid
T005 = "BK-T005-20260210"


def rest(stack: Stack, sender: str, message: str, **extra: Any) -> str:
    response = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": message, **extra}, timeout=60)
    assert response.status_code == 200, response.text
    return "\n".join(r.get("text") or "" for r in response.json()).lower().replace("*", "")


def forged_senders(number: str) -> List[str]:
    """Every way a REST caller might try to name the WhatsApp customer ``number``."""
    return [number, f"whatsapp:{number}", f"+{number}", f"whatsapp:+{number}", f" {number}", f"{number} ",
            f"WhatsApp:{number}", f"rest:whatsapp:{number}", f"whatsapp:whatsapp:{number}"]


def test_a_rest_caller_cannot_reach_a_whatsapp_customers_conversation_or_payments(stack: Stack, bookings) -> None:
    victim = WhatsAppCustomer(stack)
    victim.say(f"pay 50 usd for {SLYKER} with ecocash")
    victim.tap("Use this number")
    victim.tap("Yes, go ahead")
    assert "payment received" in victim.say(SANDBOX_OTP)
    # A second payment, waiting for the OTP the victim is about to type.
    victim.say(f"pay 20 usd for {SLYKER} with ecocash")
    victim.tap("Use this number")
    assert "otp" in victim.tap("Yes, go ahead")
    [paid] = [t for t in stack.store.list_transactions(booking_reference=SLYKER) if t.status == "success"]
    before = victim.tracker()

    for forged in forged_senders(victim.sender):
        # "input_channel" in the body is what Rasa's REST channel would report.
        status = rest(stack, forged, "did my payment go through?", input_channel="whatsapp")
        assert "can't see any payment" in status, (forged, status)
        assert paid.payment_reference.lower() not in status and "us$50.00" not in status
        rest(stack, forged, "cancel", input_channel="whatsapp")
        rest(stack, forged, f"actually it's booking {T005}, make it 30", input_channel="whatsapp")
        assert "use this number" not in rest(stack, forged, f"pay 10 usd for {T005} with ecocash")

    # The victim's conversation saw none of it, and their payment is as they left it.
    after = victim.tracker()
    assert after["events"] == before["events"]
    assert (after["slots"]["booking_reference"], after["slots"]["amount"]) == (SLYKER, "20.00")
    [waiting] = [t for t in stack.store.list_transactions(booking_reference=SLYKER) if t.status == "otp_sent"]
    assert waiting.amount == Decimal("20.00") and waiting.sender_id == f"whatsapp:{victim.sender}"
    assert not any(t.sender_id.startswith("whatsapp:") for t in stack.store.list_transactions(booking_reference=T005))
    assert "payment received" in victim.say(SANDBOX_OTP)
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("470.00")
    assert "us$20.00" in victim.say("did my payment go through?")


def test_a_300_kb_message_is_refused_with_a_clear_answer_before_nlu(chat: Chat, stack: Stack) -> None:
    huge = "pay my booking please " * 14_000  # about 300 kB
    reply = chat.text(huge)
    assert "too long" in reply and "1,000 characters" in reply
    # Nothing of it reached NLU or the conversation, which carries on normally.
    assert "booking reference" in chat.text("pay")
    stored = [e.get("text") or "" for e in stack.tracker(chat.sender)["events"] if e.get("event") == "user"]
    assert stored == ["pay"]


def test_an_over_long_whatsapp_message_gets_the_same_answer(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    customer.post(n.notification([n.text(customer.sender, "x" * 4096, customer.next_id())]))
    stack.graph.wait_for(lambda: any("too long" in str(m) for m in customer.received()), 60, "the refusal")
    assert "booking reference" in customer.say("pay")


def contains(text: str, secret: str) -> bool:
    """``secret`` as a whole token: not the digits inside a longer number or a timestamp's fraction."""
    return re.search(rf"(?<![0-9.]){re.escape(secret)}(?![0-9])", text) is not None


def rows_of_every_table(sqlite_url: str) -> Iterator[str]:
    connection = sqlite3.connect(sqlite_url.split("sqlite:///", 1)[1])
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert tables
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                yield f"{table}: {row}"
    finally:
        connection.close()


def test_no_otp_at_rest_in_any_store_or_log(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    customer.say(f"pay 50 usd for {SLYKER} with ecocash")
    customer.tap("Use this number")
    customer.tap("Yes, go ahead")
    customer.say(SANDBOX_OTP[:-1] + "0")  # a wrong code first: nearly the code
    assert "payment received" in customer.say(f"the code is {SANDBOX_OTP[:3]} {SANDBOX_OTP[3:]}")
    customer.say(SANDBOX_OTP)  # sent again after the payment ended
    chat = Chat(stack)
    chat.say_and_confirm(f"pay 50 usd for {T005} with ecocash from 0772123456")
    assert "payment received" in chat.text(SANDBOX_OTP)

    forms = [SANDBOX_OTP, f"{SANDBOX_OTP[:3]} {SANDBOX_OTP[3:]}", SANDBOX_OTP[:-1] + "0"]
    stores = {"conversations": stack.env["TRACKER_STORE_URL"], "bookings": stack.database_url}
    for name, url in stores.items():
        for row in rows_of_every_table(url):
            assert not any(contains(row, form) for form in forms), f"OTP in the {name} store: {row[:300]}"
    user_texts = [e["text"] for e in customer.tracker()["events"] if e.get("event") == "user"]
    assert "the code is [OTP]" in user_texts  # the marker stands in its place
    assert customer.tracker()["slots"]["otp"] in (None, "[OTP]")

    secrets = {"OTP": SANDBOX_OTP, "merchant key": MERCHANT_KEY, "access token": n.ACCESS_TOKEN,
               "verify token": n.VERIFY_TOKEN, "app secret": n.APP_SECRET,
               "the customer's number": customer.sender, "the typed number": "263772123456"}
    for log in sorted(stack.log_dir.glob("*.log")):
        if log.name == "sandbox.log":
            continue  # the stand-in for O'mari, which is sent the OTP by design
        text = log.read_text(errors="replace")
        for what, secret in secrets.items():
            assert not contains(text, secret), f"{what} in {log.name}"


def test_the_action_server_says_it_talks_to_the_sandbox_and_receipts_say_test(chat: Chat, stack: Stack) -> None:
    assert "O'MARI SANDBOX" in Path(stack.log_dir / "actions.log").read_text(errors="replace")
    chat.say_and_confirm(f"pay 50 usd for {SLYKER} with ecocash from 0772123456")
    receipt = chat.text(SANDBOX_OTP)
    assert "test payment" in receipt and "no money moved" in receipt
    assert "test payment" in chat.text("did my payment go through?")


# -- Rasa's /intent{entities} shortcut (issue 25, point 1) ------------------------------------

UNKNOWN_REFERENCES = [f"BK-ZQ{i:02d}-2026010{i}" for i in range(1, 6)]  # five: the lookup limit
SUMMARY_MARKS = ("paid so far", "balance due", "victoria falls", "us$800.00")


def shortcut(intent: str, **entities: str) -> str:
    """Rasa's test shortcut as a stranger would type it: ``/intent{"entity": "value"}``."""
    return "/" + intent + json.dumps(entities)


def lookup_misses(stack: Stack, conversation_id: str) -> int:
    count, _ = stack.store.lookup_misses(conversation_id, datetime(2000, 1, 1))
    return count


def test_the_intent_shortcut_cannot_look_bookings_up_past_the_lookup_limit(stack: Stack, bookings) -> None:
    """Found by reproduction: ``/ask_balance{"booking_reference": …}`` skipped NLU, and the balance
    answer looked every reference up without counting misses, so anyone could enumerate bookings."""
    stranger = Chat(stack)
    whatsapp_stranger = WhatsAppCustomer(stack)
    for say, conversation_id in ((stranger.text, stranger.conversation_id),
                                 (whatsapp_stranger.say, f"whatsapp:{whatsapp_stranger.sender}")):
        for reference in UNKNOWN_REFERENCES:
            say(shortcut("ask_balance", booking_reference=reference))
        # Every lookup the shortcut caused was counted: the chat is now past its limit of unknown references.
        answer = say(shortcut("ask_balance", booking_reference=SLYKER))
        assert not any(mark in answer for mark in SUMMARY_MARKS), answer
        assert "paused looking them up" in answer, answer
        assert lookup_misses(stack, conversation_id) == len(UNKNOWN_REFERENCES)
        for words in (shortcut("inform", booking_reference=SLYKER), shortcut("make_payment", booking_reference=SLYKER),
                      f"balance of {SLYKER}", f"pay for {SLYKER}"):
            answer = say(words)
            assert not any(mark in answer for mark in SUMMARY_MARKS), (words, answer)
    # A tap whose id was never a button of ours is read as text too.
    whatsapp_stranger.send(n.button_reply(whatsapp_stranger.sender, shortcut("ask_balance", booking_reference=SLYKER),
                                          "Balance", whatsapp_stranger.next_id()))
    assert not any(mark in whatsapp_stranger.text for mark in SUMMARY_MARKS), whatsapp_stranger.text


def test_a_customer_cannot_say_the_reconcilers_internal_intent(stack: Stack, bookings) -> None:
    """EXTERNAL_payment_settled is triggered by the reconciler over Rasa's authenticated API only."""
    chat = Chat(stack)
    chat.text(shortcut("EXTERNAL_payment_settled", settled_payment="00000000-0000-0000-0000-000000000000"))
    intents = [e["parse_data"]["intent"]["name"] for e in stack.tracker(chat.sender)["events"]
               if e.get("event") == "user"]
    assert "EXTERNAL_payment_settled" not in intents, intents


def test_the_buttons_the_assistant_issues_still_work_when_tapped_or_typed(stack: Stack, bookings) -> None:
    customer = WhatsAppCustomer(stack)
    customer.say("menu")
    assert "booking reference" in customer.tap("📱 Mobile Payment")
    chat = Chat(stack)
    assert "booking reference" in chat.text(" /make_payment ")
    assert "+263" in chat.text("/human_handoff")
