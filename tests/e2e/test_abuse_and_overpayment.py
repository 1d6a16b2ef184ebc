"""Strangers' attacks on money, through the live REST channel (issue 13: 3, 4, 8, 9).

Real processes (Rasa, action server, sandbox) and a real database, as in
test_payment_conversations.py. Each test performs the attack a stranger
would, then checks what the sandbox's ledger and the booking show.
"""
from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal
from typing import Callable

from tests.e2e.conftest import REPO, SANDBOX_OTP, Chat, Stack, booking_state
from tests.e2e.test_payment_conversations import SLYKER, reach_otp
from tests.e2e.whatsapp_customer import WhatsAppCustomer

STRANGERS_WALLET = "263772555001"


def test_eight_chats_flooding_one_wallet_send_three_otps(stack: Stack, bookings) -> None:
    """Eight REST senders, each asking an OTP for the same stranger's number: three SMS, not eight."""
    message = f"pay 5 usd for {SLYKER} with ecocash from 0772 555 001"
    replies = [Chat(stack, f"flood-{n}").say_and_confirm(message) for n in range(8)]
    sent = [reply for reply in replies if "o'mari has sent a one-time pin" in reply]
    refused = [reply for reply in replies if "to one wallet number" in reply]
    assert (len(sent), len(refused)) == (3, 5), replies
    for reply in refused:
        assert "only send 3 otps per 15 minutes" in reply and "try again in about 15 minutes" in reply
        assert "nothing was charged" in reply
    # The sandbox's ledger has one record per /auth: three went out for the wallet.
    assert len([t for t in stack.sandbox_transactions() if t["msisdn"] == STRANGERS_WALLET]) == 3
    assert len(stack.store.list_transactions(booking_reference=SLYKER)) == 3


def test_a_second_chat_cannot_pay_a_balance_a_pending_debit_holds(stack: Stack, bookings) -> None:
    """The issue's overpayment: 263770000008 debits, /query fails, then another chat pays it all again."""
    first = Chat(stack, "overlap-first")
    reach_otp(first, SLYKER, "pay full balance", "ecocash", "0770000008")
    assert "being confirmed" in first.text(SANDBOX_OTP)

    second = Chat(stack, "overlap-second")
    reach_otp_refused = [second.text("pay"), second.text(SLYKER), second.text("the full balance"),
                         second.text("ecocash"), second.text("0772555002"), second.confirm()]
    refusal = reach_otp_refused[-1]
    assert "a payment of us$800.00 on booking bk-slyker-tech-20251023 is already in progress" in refusal
    assert "nothing left to pay" in refusal
    assert "one-time pin" not in refusal

    stack.reconcile()
    assert [t["msisdn"] for t in stack.sandbox_transactions() if t["debit_count"]] == ["263770000008"]
    assert sum(t["debit_count"] for t in stack.sandbox_transactions()) == 1
    state = booking_state(stack.store, SLYKER)
    assert (state["paid"], state["status"]) == (Decimal("1200.00"), "paid")
    assert [t.status for t in state["transactions"]] == ["success"]
    assert "already fully paid" in Chat(stack, "overlap-third").text(f"pay for {SLYKER}")


def test_a_second_chat_is_offered_what_is_left(stack: Stack, bookings) -> None:
    first = Chat(stack, "partial-first")
    reach_otp(first, SLYKER, "500", "ecocash", "0772555001")
    second = Chat(stack, "partial-second")
    refusal = second.say_and_confirm(f"pay 800 usd for {SLYKER} with ecocash from 0772555002")
    assert "a payment of us$500.00" in refusal and "us$300.00 is left to pay" in refusal
    assert "what amount" in refusal  # asked again, for what is left
    assert "shall i go ahead" in second.text("300")  # the new amount is said back first
    assert "one-time pin" in second.confirm()
    assert [t.amount for t in stack.store.list_transactions(booking_reference=SLYKER)] == [
        Decimal("500.00"), Decimal("300.00")]


def test_reconcile_skips_a_poisoned_payment_and_settles_the_others(stack: Stack, bookings) -> None:
    """263770000009's debit carries an 80-character paymentReference: that payment alone is left."""
    pending = {}
    for name, phone in (("poison-a", "0770000008"), ("poison-b", "0770000009"), ("poison-c", "0770000008")):
        chat = Chat(stack, name)
        reach_otp(chat, SLYKER, "10", "ecocash", phone)
        reply = chat.text(SANDBOX_OTP)
        # The debit may have happened: never "nothing was charged", never an error's text.
        assert "being confirmed" in reply and "nothing was charged" not in reply, reply
        [transaction] = stack.store.list_transactions(sender_id=chat.conversation_id)
        pending[name] = transaction.reference
    run = subprocess.run([sys.executable, "-m", "payments.ops", "reconcile"], cwd=REPO, env=stack.env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert pending["poison-b"] in run.stderr and "could not be settled" in run.stderr
    statuses = {name: stack.store.get_transaction(reference).status for name, reference in pending.items()}
    assert statuses == {"poison-a": "success", "poison-b": "pending", "poison-c": "success"}
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("420.00")
    audit = subprocess.run([sys.executable, "-m", "payments.ops", "audit"], cwd=REPO, env=stack.env,
                           capture_output=True, text=True, timeout=60)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_unknown_references_pause_lookups_and_offer_a_person(stack: Stack, bookings) -> None:
    prober = Chat(stack, "enumerator")
    prober.text("pay")
    for n in range(5):
        if n == 3:  # three unusable answers end the form; the prober simply starts again
            prober.text("pay")
        assert "couldn't find a booking" in prober.text(f"BK-T9{n:02d}-20260101")
    paused = prober.text(SLYKER)  # a real booking, and still not looked up
    assert "paused looking them up for about 15 minutes" in paused
    assert "victoria falls" not in paused and "balance due" not in paused
    assert any(b["payload"] == "/human_handoff" for b in prober.buttons)
    assert "victoria falls" in Chat(stack, "honest-customer").text(f"pay for {SLYKER}")


# -- griefing a wallet or a booking (issue 25, point 2) ----------------------------------------

def ask_otp(say: Callable[[str], str], amount: str, phone: str = "") -> str:
    """The conversation up to the OTP: one message, then yes to the payment said back.

    Without a phone (WhatsApp, "use this number") the caller taps on from the number question.
    """
    said_back = say(f"pay {amount} usd for {SLYKER} with ecocash" + (f" from {phone}" if phone else ""))
    if not phone:
        return said_back
    assert "shall i go ahead" in said_back, said_back
    return say("yes")


def test_strangers_cannot_lock_a_wallets_owner_out_of_paying(stack: Stack, bookings) -> None:
    """Strangers spend the wallet's OTP requests and its wrong OTPs from their own chats; the owner,
    on their own WhatsApp number, can still ask for an OTP and pay."""
    owner = WhatsAppCustomer(stack, sender="2637725" + str(uuid.uuid4().int)[:5])
    local = "0" + owner.sender[3:]
    for n in range(2):  # two chats, each spending three wrong OTPs: the wallet's six a day
        griefer = Chat(stack, f"griefer-{n}-{uuid.uuid4().hex[:6]}")
        assert "one-time pin" in ask_otp(griefer.text, "5", local)
        for code in ("111111", "222222", "333333"):
            griefer.text(code)
    third = Chat(stack, f"griefer-2-{uuid.uuid4().hex[:6]}")
    assert "one-time pin" in ask_otp(third.text, "5", local)  # the third OTP request in 15 minutes
    assert "to one wallet number" in ask_otp(Chat(stack).text, "5", local)  # strangers are stopped

    ask_otp(owner.say, "50")
    assert "shall i go ahead" in owner.tap("Use this number")
    reply = owner.tap("Yes, go ahead")
    assert "one-time pin" in reply and "reached" not in reply, reply
    assert "payment received" in owner.say(SANDBOX_OTP)
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("450.00")
    # The strangers' last payment, waiting on its OTP, cannot be guessed any further today.
    assert "too many wrong otps today" in third.text("444444")


def test_strangers_at_a_bookings_limit_do_not_stop_another_chat_from_paying(stack: Stack, bookings) -> None:
    """Five OTP requests on one booking (the booking's limit) from two strangers' chats, each to
    a wallet of their own; the booking's owner, in a third chat, still gets an OTP and pays."""
    wallets = iter(f"0772 556 {n:03d}" for n in range(5))
    for name, requests_made in (("a", 3), ("b", 2)):
        griefer = Chat(stack, f"booking-griefer-{name}-{uuid.uuid4().hex[:6]}")
        for _ in range(requests_made):
            assert "one-time pin" in ask_otp(griefer.text, "5", next(wallets))
    payer = Chat(stack)
    reply = ask_otp(payer.text, "500", "0772 555 099")
    assert "one-time pin" in reply and "this booking has reached it" not in reply, reply
    assert "payment received" in payer.text(SANDBOX_OTP)
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("900.00")
