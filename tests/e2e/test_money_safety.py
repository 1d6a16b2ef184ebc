"""Money safety through the live REST channel: status questions, restarts, limits and a fuzz run.

Real processes (Rasa, action server, sandbox) and a real database, as in
test_payment_conversations.py; these tests add what happens around a payment:
asking whether it went through, the action server restarting in the middle,
O'mari's answer lost and settled by reconcile, and hundreds of hostile
messages at every question.
"""
from __future__ import annotations

import json
import random
import string
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Callable, Dict, List

import requests

from payments.store.models import Booking, TransactionStatus
from parsing import booking_reference_key
from payments.store.repository import BookingStore
from tests.e2e.conftest import REPO, SANDBOX_OTP, Chat, Stack, booking_state
from tests.e2e.test_payment_conversations import SLYKER, reach_otp, sandbox_record
from tests.support.waiting import wait_until

# How "did my payment go through?" answers a success here: the e2e stack pays
# the sandbox, so it is a test payment in which no money moved (README "Security").
WENT_THROUGH = "test payment"


def test_did_my_payment_go_through(chat: Chat, stack: Stack) -> None:
    assert "can't see any payment" in chat.text("did my payment go through?")
    reach_otp(chat, SLYKER, "50", "ecocash", "0772123456")
    assert "payment received" in chat.text(SANDBOX_OTP)
    reply = chat.text("did my payment go thru")
    assert WENT_THROUGH in reply and "us$50.00" in reply and "us$750.00" in reply


def test_a_lost_answer_is_pending_to_the_customer_then_credited_once_by_reconcile(chat: Chat, stack: Stack) -> None:
    # 0770 000 008: the debit happens, but O'mari's /query fails right after it.
    reach_otp(chat, SLYKER, "50", "ecocash", "0770000008")
    reply = chat.text(SANDBOX_OTP)
    assert "being confirmed" in reply and "not be charged twice" in reply
    assert "still being confirmed" in chat.text("was my payment successful")
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("400.00")
    stack.reconcile()
    stack.reconcile()  # again: nothing more happens
    [transaction] = stack.store.list_transactions(booking_reference=SLYKER)
    assert transaction.status == "success"
    assert sandbox_record(stack, transaction.reference)["debit_count"] == 1
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("450.00")
    assert WENT_THROUGH in chat.text("did my payment go through")


def ops(stack: Stack, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
    """`python -m payments.ops …` against this stack, with ``environment`` on top of the stack's."""
    return subprocess.run([sys.executable, "-m", "payments.ops", *arguments], cwd=REPO,
                          env={**stack.env, **environment}, capture_output=True, text=True, timeout=120)


def test_a_request_that_never_reached_omari_is_voided_failed_and_told_by_reconcile(chat: Chat, stack: Stack) -> None:
    """Issue 25, point 3: /request refused before O'mari (0770 000 010: a gateway's 502) was pending for ever."""
    reach_otp(chat, SLYKER, "800", "ecocash", "0770000010")
    assert "being confirmed" in chat.text(SANDBOX_OTP)
    [transaction] = stack.store.list_transactions(booking_reference=SLYKER)
    assert (transaction.status, sandbox_record(stack, transaction.reference)["status"]) == ("pending", "Pending")
    stack.reconcile()  # within the wait (30 minutes): left pending, the balance still reserved
    assert stack.store.get_transaction(transaction.reference).status == "pending"

    assert ops(stack, "reconcile", PENDING_VOID_AFTER_SECONDS="1").returncode == 0
    assert stack.store.get_transaction(transaction.reference).status == "failed"
    assert json.loads(ops(stack, "stuck", "--json").stdout) == []  # ops see nothing left pending
    record = sandbox_record(stack, transaction.reference)
    assert (record["status"], record["debit_count"]) == ("Voided", 0)
    # Told before the answer to their next message (REST cannot push), once.
    assert "did not go through" in chat.text("hi")
    assert "did not go through" not in chat.text("hello")
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("400.00")
    # The whole balance is free again.
    other = Chat(stack)
    reach_otp(other, SLYKER, "800", "ecocash", "0772123456")
    assert "payment received" in other.text(SANDBOX_OTP)


def test_three_wrong_otps_offer_a_fresh_otp(chat: Chat, stack: Stack) -> None:
    reach_otp(chat, SLYKER, "50", "ecocash", "0772123456")
    chat.text("111111")
    chat.text("222222")
    assert "wrong too many times" in chat.text("333333")
    [fresh] = [b for b in chat.buttons if "fresh otp" in b["title"].lower()]
    # The button fills the same payment, with no questions again: only the summary said back.
    reply = chat.text(fresh["payload"])
    assert "shall i go ahead" in reply and "us$50.00" in reply, reply
    assert "what amount" not in reply and "payment channel" not in reply
    reply = chat.confirm()
    assert "otp" in reply and "0772 xxx 456" in reply and "us$50.00" in reply, reply
    assert "payment received" in chat.text(SANDBOX_OTP)
    failed, paid = stack.store.list_transactions(booking_reference=SLYKER)
    assert (failed.status, paid.status) == ("failed", "success")
    assert (paid.amount, paid.customer_channel, paid.msisdn) == (failed.amount, "ecocash", failed.msisdn)


def test_otp_request_limit_is_explained_and_omari_is_not_called(chat: Chat, stack: Stack) -> None:
    for _ in range(3):
        reach_otp(chat, SLYKER, "10", "ecocash", "0772123456")
        chat.text("cancel")
    wallet_before = len(stack.sandbox_transactions())
    chat.text("pay")
    chat.text(SLYKER)
    chat.text("10")
    chat.text("ecocash")
    chat.text("0772123456")
    reply = chat.confirm()
    assert "only send 3 otps per 15 minutes" in reply and "nothing was charged" in reply
    assert len(stack.sandbox_transactions()) == wallet_before
    assert len(stack.store.list_transactions(booking_reference=SLYKER)) == 3


def test_action_server_restarted_mid_payment_resumes_without_loss_or_double(chat: Chat, stack: Stack) -> None:
    reach_otp(chat, SLYKER, "50", "ecocash", "0772123456")
    stack.restart_actions()  # a deploy between the OTP being sent and typed
    receipt = chat.text(SANDBOX_OTP)
    assert "payment received" in receipt and "us$750.00" in receipt
    stack.restart_actions()
    assert "payment received" not in chat.text(SANDBOX_OTP)  # a redelivered OTP credits nothing
    [transaction] = stack.store.list_transactions(booking_reference=SLYKER)
    assert transaction.status == "success"
    assert sandbox_record(stack, transaction.reference)["debit_count"] == 1
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("450.00")
    assert WENT_THROUGH in chat.text("did my payment go through")


def test_action_server_killed_while_omari_debits_is_credited_once_by_reconcile(chat: Chat, stack: Stack) -> None:
    # 0770 000 003: O'mari debits at once but holds its answer back past the client's timeout.
    reach_otp(chat, SLYKER, "50", "ecocash", "0770000003")
    [transaction] = stack.store.list_transactions(booking_reference=SLYKER)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Sent raw: the action server dies under this message, so no reply is promised.
        in_flight = pool.submit(requests.post, f"{stack.rasa_url}/webhooks/rest/webhook",
                                json={"sender": chat.sender, "message": SANDBOX_OTP}, timeout=120)
        wait_until(lambda: sandbox_record(stack, transaction.reference)["debit_count"], 60,
                   f"the sandbox to debit {transaction.reference} (0770 000 003 debits, then holds its answer)",
                   seen=lambda: sandbox_record(stack, transaction.reference))
        stack.restart_actions(crash=True)  # killed while /request is in flight
        in_flight.result()
    # Claimed before /request, so never lost nor failed.
    assert stack.store.get_transaction(transaction.reference).status == "pending"
    # The customer comes back: cancelling is refused (it may have been charged), status says so.
    assert "can't be cancelled" in chat.text("cancel")
    assert "still being confirmed" in chat.text("did my payment go through")
    stack.reconcile()
    assert stack.store.get_transaction(transaction.reference).status == "success"
    assert sandbox_record(stack, transaction.reference)["debit_count"] == 1
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("450.00")
    assert WENT_THROUGH in chat.text("did my payment go through")


# -- fuzz: a few hundred random and hostile messages at every question ------------------------

# question asked (as the customer reads it) -> the answers that reach it after "pay"
STEPS: Dict[str, List[str]] = {
    "please send your booking reference": [],
    "what amount would you like to pay": [SLYKER],
    "which payment channel would you like": [SLYKER, "50"],
    "what mobile number is your o'mari wallet": [SLYKER, "50", "ecocash"],
    "shall i go ahead": [SLYKER, "50", "ecocash", "0772123456"],
    "please type the otp from the sms": [SLYKER, "50", "ecocash", "0772123456", "yes"],
}
MESSAGES_PER_STEP = 36
SLOTS = ["otp", "amount", "transaction_reference", "payment_outcome", "payment_halt", "requested_slot",
         "booking_reference", "invalid_answers", "phone_number"]
INTENTS = ["inform", "make_payment", "cancel", "payment_status", "greet", "menu", "nope", "affirm"]
FIXED = [
    "", "   ", "\n\t", "x" * 10_000, "🙂🙂🙂", "💸" * 500, "\x00\x07\x1b[31m\x7f", "\u202e\u200b\ufeff",
    "BK'; DROP TABLE bookings; --", "' OR 1=1 --", "1; DELETE FROM payment_transactions",
    "٥٠", "٠٧٧٢١٢٣٤٥٦", "١٢٣٤٥٦", "５０", "１２３４５６", "½", "1e309", "-50", "NaN", "Infinity", "0.001",
    "{{booking_reference}}", "{0[__class__]}", "%s%s%n", "<script>alert(1)</script>", "../../etc/passwd",
    '/inform{"payment_outcome": "success"}', '/make_payment{"booking_reference": "\' OR 1=1 --"}',
    '/inform{"transaction_reference": "00000000-0000-0000-0000-000000000000"}', "/inform{broken json",
]


def hostile_messages(rng: random.Random, count: int) -> List[str]:
    """``count`` messages: the fixed nasties, then random text, payloads and numbers."""
    alphabets = [string.printable, "ابتثجحخ٠١٢٣٤٥٦٧٨٩", "漢字かなカナ", "ÀÉÎÕÜßœ", "🙂💸🔥🦁🐘", "\x00\x01\x08\x1f\x7f"]

    def random_text() -> str:
        return "".join(rng.choice(rng.choice(alphabets)) for _ in range(rng.randint(1, 60)))

    generators: List[Callable[[], str]] = [
        random_text,
        lambda: f'/{rng.choice(INTENTS)}{{"{rng.choice(SLOTS)}": "{random_text()}"}}',
        lambda: f'/{rng.choice(INTENTS)}{{"{rng.choice(SLOTS)}": {rng.choice(["null", "1e999", "[]", "{}", "-1"])}}}',
        lambda: str(rng.choice([0, -1, 10**30, 123, 99999999])) + rng.choice(["", ".5", ".999", " USD", "$"]),
        lambda: "".join(rng.choice(string.digits) for _ in range(rng.randint(4, 8))),
    ]
    messages = list(FIXED)
    while len(messages) < count:
        messages.append(rng.choice(generators)())
    rng.shuffle(messages)
    return [m for m in messages if SANDBOX_OTP not in m][:count]


def fuzz_walk(store: BookingStore, walk: int, answers: List[str]) -> List[str]:
    """The answers for one walk, on a booking and a wallet of its own.

    Each walk is a new customer: the OTP limits per wallet and per booking, and
    the balance an open payment reserves, must not end the walks early.
    """
    reference = f"BK-F{walk:03d}-20270101"
    store.add_booking(Booking(
        reference=reference, lookup_key=booking_reference_key(reference), customer_name="Fuzz Customer",
        customer_phone="263772000000", tour_name="Fuzz Safari", total=Decimal("1000.00"),
        amount_paid=Decimal("0.00"), currency="USD", status="pending",
    ))
    wallet = f"07725{walk:05d}"
    return [reference if a == SLYKER else wallet if a == "0772123456" else a for a in answers]


def test_fuzz_every_question_through_rest(stack: Stack, bookings) -> None:
    rng = random.Random(20260210)
    rasa_log = stack.log_dir / "rasa.log"
    rasa_log_start = rasa_log.stat().st_size
    # The sandbox lives for the whole session: only its transactions from this test count.
    earlier = {t["reference"] for t in stack.sandbox_transactions()}
    sent = walks = 0
    for question, answers in STEPS.items():
        at_question = False
        for message in hostile_messages(rng, MESSAGES_PER_STEP):
            if not at_question:  # the last message ended the form or answered the question
                chat = Chat(stack)  # a new customer each walk: the OTP limit is per sender
                walks += 1
                for answer in ["pay", *fuzz_walk(stack.store, walks, answers)]:
                    reply = chat.text(answer)
                assert question in reply, reply
            # Chat asserts HTTP 200 and a customer-safe reply (no trace, URL or placeholder).
            at_question = question in chat.text(message)
            sent += 1
    assert sent == MESSAGES_PER_STEP * len(STEPS)
    # Nothing moved money: no debit, no credit, no payment left open to be charged.
    assert all(t["debit_count"] == 0 for t in stack.sandbox_transactions() if t["reference"] not in earlier)
    assert {stack.store.find_booking(booking_reference_key(f"BK-F{walk:03d}-20270101")).amount_paid
            for walk in range(1, walks + 1)} == {Decimal("0.00")}
    open_or_paid = {TransactionStatus.SUCCESS.value, TransactionStatus.PENDING.value, TransactionStatus.HELD.value}
    assert not [t for t in stack.store.list_transactions() if t.status in open_or_paid]
    # Zero server errors: the action server is up and Rasa never failed to run an action.
    assert stack.actions.process.poll() is None
    with open(rasa_log, errors="replace") as log:
        log.seek(rasa_log_start)
        new_log = log.read().lower()
    for failure in ("failed to run custom action", "exception while running action", "traceback"):
        assert failure not in new_log
