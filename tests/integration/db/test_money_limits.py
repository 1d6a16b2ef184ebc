"""Overlapping payments, OTP floods and guesses, enumeration and poisoned reconciles, on SQLite and PostgreSQL.

Each "action server" is its own BookingStore (own engine and pool) and
PaymentService over one database and the real O'mari sandbox, whose ledger
shows every /auth and debit that went out.
"""
from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from typing import List

import pytest
from sqlalchemy import text, update

from payments import ops
from payments.limits.policy import LimitScope, RequestLimit, describe_wait
from payments.store.models import Booking, BookingLookupMiss
from payments.service import LookupOutcome, PaymentPolicy, PaymentService, StartOutcome, SubmitOutcome
from payments.store.guards import ValueTooLongForColumn, fitted_to_columns
from tests.support.payment_backend import OTP, SLYKER_KEY, SLYKER_OPENING_PAID, PaymentBackend, on_every_backend


@pytest.fixture
def world(payment_backend: PaymentBackend) -> PaymentBackend:
    """One database and one sandbox; the tests add action servers with their own policies."""
    return payment_backend

SLYKER = "BK-SLYKER-TECH-20251023"
BALANCE = Decimal("800.00")  # 1200.00 total, 400.00 paid by the office
WALLET = "263772555001"
QUERY_FAILS_ONCE = "263770000008"
OVERLONG_REFERENCE = "263770000009"
WRONG_OTP = "000000"


def minutes(count: int, window: int, scope: LimitScope) -> RequestLimit:
    return RequestLimit(count, timedelta(minutes=window), f"{window} minutes", scope)


SENDER_WINDOW = minutes(3, 15, LimitScope.SENDER)
WALLET_WINDOW = minutes(3, 15, LimitScope.WALLET)
WALLET_DAY = RequestLimit(10, timedelta(days=1), "day", LimitScope.WALLET)
BOOKING_WINDOW = minutes(5, 15, LimitScope.BOOKING)
MERCHANT_MINUTE = minutes(4, 1, LimitScope.MERCHANT)
LOOKUPS = minutes(5, 15, LimitScope.SENDER)


def pay(service: PaymentService, sender: str, amount: Decimal = BALANCE, msisdn: str = WALLET,
        booking: str = SLYKER_KEY):
    return service.start_payment(sender_id=sender, booking_lookup_key=booking, amount=amount,
                                 customer_channel="ecocash", msisdn=msisdn)


def auths(world: PaymentBackend, msisdn: str = "") -> int:
    return sum(1 for t in world.wallet() if not msisdn or t["msisdn"] == msisdn)


# -- no overpayment: a payment reserves its amount under the booking's lock ---------------


@on_every_backend
def test_eight_chats_racing_for_the_whole_balance_reserve_it_once(world: PaymentBackend) -> None:
    services = [world.action_server(PaymentPolicy()) for _ in range(8)]
    barrier = threading.Barrier(8)

    def attempt(index: int):
        barrier.wait()
        return pay(services[index], f"chat-{index}", msisdn=f"26377255500{index}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        starts = list(pool.map(attempt, range(8)))
    assert [s.outcome for s in starts].count(StartOutcome.OTP_SENT) == 1
    refused = [s for s in starts if s.outcome is not StartOutcome.OTP_SENT]
    assert {(s.outcome, s.in_progress, s.available, s.currency) for s in refused} == {
        (StartOutcome.BALANCE_IN_PROGRESS, BALANCE, Decimal("0.00"), "USD")}
    assert auths(world) == 1  # the refused seven never reached O'mari
    assert len(world.store.list_transactions(booking_reference=SLYKER)) == 1  # and left no row


@on_every_backend
def test_a_second_payer_is_told_what_is_in_progress_and_may_pay_what_is_left(world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy())
    assert pay(service, "first", Decimal("500.00")).outcome is StartOutcome.OTP_SENT
    too_much = pay(service, "second", BALANCE, msisdn="263772555002")
    assert (too_much.outcome, too_much.in_progress, too_much.available) == (
        StartOutcome.BALANCE_IN_PROGRESS, Decimal("500.00"), Decimal("300.00"))
    assert pay(service, "second", Decimal("300.00"), msisdn="263772555002").outcome is StartOutcome.OTP_SENT
    assert pay(service, "third", Decimal("0.01"), msisdn="263772555003").available == Decimal("0.00")


def test_a_new_payment_from_the_same_chat_replaces_its_own_and_a_closed_one_frees_the_balance(
        world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy())
    first = pay(service, "same-chat")
    second = pay(service, "same-chat")  # "send a fresh OTP", or a corrected amount
    assert second.outcome is StartOutcome.OTP_SENT
    assert world.store.get_transaction(first.transaction.reference).status == "cancelled"
    assert pay(service, "other-chat", msisdn="263772555002").outcome is StartOutcome.BALANCE_IN_PROGRESS
    assert service.cancel_payment(second.transaction.reference).value == "cancelled"
    assert pay(service, "other-chat", msisdn="263772555002").outcome is StartOutcome.OTP_SENT


@on_every_backend
def test_overlapping_payments_on_a_pending_debit_never_take_paid_above_total(world: PaymentBackend) -> None:
    """The issue's attack: pending debit on 263770000008, a second chat pays the whole balance again."""
    service = world.action_server(PaymentPolicy())
    first = pay(service, "first", msisdn=QUERY_FAILS_ONCE)
    assert service.submit_otp(first.transaction.reference, OTP).outcome is SubmitOutcome.PENDING
    second = pay(service, "second", msisdn="263772555002")
    assert (second.outcome, second.in_progress, second.available) == (
        StartOutcome.BALANCE_IN_PROGRESS, BALANCE, Decimal("0.00"))
    assert dict(service.reconcile_all()) == {first.transaction.reference: SubmitOutcome.SUCCESS}
    booking = world.store.find_booking(SLYKER_KEY)
    assert (booking.amount_paid, booking.total, booking.overpaid_amount) == (
        Decimal("1200.00"), Decimal("1200.00"), Decimal("0.00"))
    assert world.debits() == 1
    assert ops.main(["audit"]) == 0


@on_every_backend
def test_a_late_confirmation_above_the_total_is_credited_flagged_and_listed(
        world: PaymentBackend, capsys, caplog) -> None:
    """The office took the balance by hand while O'mari still held our debit: the money moved, so it counts."""
    service = world.action_server(PaymentPolicy())
    late = pay(service, "first", msisdn=QUERY_FAILS_ONCE)
    service.submit_otp(late.transaction.reference, OTP)
    with world.store._session() as session:  # what a person at the office did
        session.execute(update(Booking).where(Booking.reference == SLYKER)
                        .values(amount_paid=Decimal("1200.00"), opening_amount_paid=Decimal("1200.00"),
                                status="paid").execution_options(synchronize_session=False))
    with caplog.at_level(logging.ERROR, logger="payments.store.repository"):
        assert dict(service.reconcile_all()) == {late.transaction.reference: SubmitOutcome.SUCCESS}
    booking = world.store.find_booking(SLYKER_KEY)
    assert (booking.amount_paid, booking.overpaid_amount, booking.balance_due) == (
        Decimal("2000.00"), BALANCE, Decimal("0.00"))
    assert any("OVERPAID booking " + SLYKER in r.getMessage() for r in caplog.records)
    capsys.readouterr()
    assert ops.main(["overpaid", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"reference": SLYKER, "total": "1200.00", "paid": "2000.00", "overpaid": "800.00", "currency": "USD"}]
    assert ops.main(["audit", "--json"]) == 1  # paid > total is never "fine"
    [broken] = json.loads(capsys.readouterr().out)
    assert (broken["reference"], broken["overpaid"], broken["difference"]) == (SLYKER, "800.00", "0.00")


# -- OTP requests: per wallet across chats, per booking, per merchant ------------------------


@on_every_backend
def test_eight_chats_asking_otps_for_one_wallet_get_three(world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy(request_limits=(SENDER_WINDOW, WALLET_WINDOW, WALLET_DAY)))
    starts = [pay(service, f"stranger-{n}", Decimal("5.00")) for n in range(8)]
    assert [s.outcome for s in starts] == [StartOutcome.OTP_SENT] * 3 + [StartOutcome.LIMIT_REACHED] * 5
    assert {s.limit for s in starts[3:]} == {WALLET_WINDOW}
    # Told when: the oldest of the three leaves the 15-minute window in about 15 minutes.
    assert {describe_wait(s.retry_after) for s in starts[3:]} == {"15 minutes"}
    assert auths(world, WALLET) == 3
    assert pay(service, "stranger-9", Decimal("5.00"), msisdn="263772555002").outcome is StartOutcome.OTP_SENT


@on_every_backend
def test_racing_chats_on_one_wallet_are_admitted_three_times(world: PaymentBackend) -> None:
    services = [world.action_server(PaymentPolicy(request_limits=(WALLET_WINDOW,))) for _ in range(8)]
    barrier = threading.Barrier(8)

    def attempt(index: int) -> StartOutcome:
        barrier.wait()
        return pay(services[index], f"racer-{index}", Decimal("5.00")).outcome

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count(StartOutcome.OTP_SENT) == 3
    assert auths(world, WALLET) == 3


def test_a_booking_and_the_merchant_have_their_own_limits(world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy(request_limits=(BOOKING_WINDOW, MERCHANT_MINUTE)))
    booking_starts = [pay(service, f"b-{n}", Decimal("5.00"), msisdn=f"26377255510{n}") for n in range(4)]
    assert all(s.outcome is StartOutcome.OTP_SENT for s in booking_starts)
    merchant = pay(service, "b-x", Decimal("5.00"), msisdn="263772555199", booking="BKT00520260210")
    assert (merchant.outcome, merchant.limit) == (StartOutcome.LIMIT_REACHED, MERCHANT_MINUTE)
    assert describe_wait(merchant.retry_after) == "1 minute"

    # A booking's limit counts one chat's requests on it (issue 25: griefing).
    only_booking = world.action_server(PaymentPolicy(request_limits=(BOOKING_WINDOW,)))
    for n in range(5):
        started = pay(only_booking, "griefer", Decimal("5.00"), msisdn=f"2637725552{n:02d}")
        assert started.outcome is StartOutcome.OTP_SENT
    refused = pay(only_booking, "griefer", Decimal("5.00"), msisdn="263772555299")
    assert (refused.outcome, refused.limit) == (StartOutcome.LIMIT_REACHED, BOOKING_WINDOW)
    assert pay(only_booking, "owner", Decimal("5.00"), msisdn="263772555298").outcome is StartOutcome.OTP_SENT
    assert auths(world) == 4 + 5 + 1


# -- griefing: strangers must not lock out a wallet's owner or another payer (issue 25) ----------

OWNER_CHAT = f"whatsapp:{WALLET}"


@on_every_backend
def test_strangers_flooding_a_wallet_do_not_lock_its_owner_out(world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy(request_limits=(SENDER_WINDOW, WALLET_WINDOW, WALLET_DAY)))
    strangers = [pay(service, f"rest:stranger-{n}", Decimal("5.00")) for n in range(5)]
    assert [s.outcome for s in strangers].count(StartOutcome.OTP_SENT) == 3  # the wallet's limit holds for them
    owner = pay(service, OWNER_CHAT, Decimal("5.00"))
    assert owner.outcome is StartOutcome.OTP_SENT
    assert service.submit_otp(owner.transaction.reference, OTP).outcome is SubmitOutcome.SUCCESS
    # The owner's own requests are bounded by their chat's limits, and use none of the strangers'.
    assert [pay(service, OWNER_CHAT, Decimal("5.00")).outcome for _ in range(3)] == [
        StartOutcome.OTP_SENT, StartOutcome.OTP_SENT, StartOutcome.LIMIT_REACHED]
    assert pay(service, "rest:stranger-9", Decimal("5.00")).outcome is StartOutcome.LIMIT_REACHED


@on_every_backend
def test_strangers_wrong_otps_do_not_lock_the_owners_wallet(world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy(wrong_otps_per_wallet_per_day=4))
    for n in range(2):  # strangers spend the wallet's four wrong OTPs for the day
        reference = pay(service, f"rest:guesser-{n}", Decimal("5.00")).transaction.reference
        for _ in range(2):
            assert service.submit_otp(reference, WRONG_OTP).outcome is SubmitOutcome.WRONG_OTP
    stranger = pay(service, "rest:guesser-2", Decimal("5.00")).transaction.reference
    assert service.submit_otp(stranger, OTP).outcome is SubmitOutcome.WALLET_OTP_LIMIT
    owner = pay(service, OWNER_CHAT, Decimal("5.00")).transaction.reference
    assert service.submit_otp(owner, WRONG_OTP).outcome is SubmitOutcome.WRONG_OTP  # their own guess counts
    assert service.submit_otp(owner, OTP).outcome is SubmitOutcome.SUCCESS
    assert world.debits() == 1
    world.assert_booking_matches_wallet()


@on_every_backend
def test_an_expired_otp_request_frees_the_balance_at_once_and_can_never_be_sent(world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy())
    griefer = pay(service, "rest:griefer", BALANCE, msisdn="263772555003").transaction.reference
    assert pay(service, "rest:owner", BALANCE).outcome is StartOutcome.BALANCE_IN_PROGRESS
    world.age(griefer, 6)  # past the OTP's five minutes; reconcile has not run
    owner = pay(service, "rest:owner", BALANCE)
    assert owner.outcome is StartOutcome.OTP_SENT
    assert service.submit_otp(griefer, OTP).outcome is SubmitOutcome.OTP_EXPIRED
    assert service.submit_otp(owner.transaction.reference, OTP).outcome is SubmitOutcome.SUCCESS
    assert world.debits() == 1 and world.paid() == SLYKER_OPENING_PAID + BALANCE


# -- wrong OTPs: per payment and per wallet per day ------------------------------------------


@on_every_backend
def test_wrong_otps_are_capped_per_wallet_over_fresh_payments(world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy(wrong_otps_per_wallet_per_day=4))
    first = pay(service, "guesser-1", Decimal("5.00")).transaction.reference
    outcomes = [service.submit_otp(first, WRONG_OTP).outcome for _ in range(3)]
    assert outcomes == [SubmitOutcome.WRONG_OTP, SubmitOutcome.WRONG_OTP, SubmitOutcome.OTP_ATTEMPTS_EXCEEDED]
    second = pay(service, "guesser-2", Decimal("5.00")).transaction.reference  # another chat, same wallet
    assert service.submit_otp(second, WRONG_OTP).outcome is SubmitOutcome.WRONG_OTP
    requests_before = sum(t["otp_attempts"] for t in world.wallet())
    refused = service.submit_otp(second, OTP)  # even the right code: the wallet's guesses are spent
    assert refused.outcome is SubmitOutcome.WALLET_OTP_LIMIT
    assert describe_wait(refused.retry_after) == "24 hours"
    assert sum(t["otp_attempts"] for t in world.wallet()) == requests_before  # nothing went to O'mari
    assert world.store.get_transaction(second).status == "failed"
    assert world.debits() == 0
    other = pay(service, "guesser-3", Decimal("5.00"), msisdn="263772555002").transaction.reference
    assert service.submit_otp(other, OTP).outcome is SubmitOutcome.SUCCESS  # other wallets unaffected


# -- enumeration: unknown booking references per chat ---------------------------------------


def miss(service: PaymentService, sender: str, n: int) -> LookupOutcome:
    return service.look_up_booking(sender, f"BKNOSUCH{n:04d}").outcome


@on_every_backend
def test_five_unknown_references_pause_lookups_for_that_chat_only(world: PaymentBackend) -> None:
    service = world.action_server(PaymentPolicy(booking_lookup_limit=LOOKUPS))
    assert [miss(service, "prober", n) for n in range(5)] == [LookupOutcome.UNKNOWN] * 5
    paused = service.look_up_booking("prober", SLYKER_KEY)  # a real one: still not looked up
    assert (paused.outcome, paused.booking) == (LookupOutcome.LOCKED_OUT, None)
    assert describe_wait(paused.retry_after) == "15 minutes"
    assert service.look_up_booking("someone-else", SLYKER_KEY).outcome is LookupOutcome.FOUND
    with world.store._session() as session:  # 16 minutes later
        session.execute(update(BookingLookupMiss).values(created_at=datetime.utcnow() - timedelta(minutes=16))
                        .execution_options(synchronize_session=False))
    assert service.look_up_booking("prober", SLYKER_KEY).outcome is LookupOutcome.FOUND


def test_lookups_are_paused_across_action_servers_counted_in_redis(world: PaymentBackend, redis_url: str) -> None:
    from payments.limits.lookups import DatabaseLookupLimiter, RedisLookupLimiter

    sender = f"prober-{datetime.utcnow().timestamp()}"
    servers = [world.action_server(PaymentPolicy(booking_lookup_limit=LOOKUPS), pool_size=2,
                                   lookup_limiter_for=lambda store: RedisLookupLimiter(
                                       redis_url, DatabaseLookupLimiter(store)))
               for _ in range(2)]
    outcomes = [miss(servers[n % 2], sender, n) for n in range(5)]
    assert outcomes == [LookupOutcome.UNKNOWN] * 5
    assert servers[1].look_up_booking(sender, SLYKER_KEY).outcome is LookupOutcome.LOCKED_OUT
    assert servers[0].look_up_booking(sender, SLYKER_KEY).outcome is LookupOutcome.LOCKED_OUT
    assert world.store.lookup_misses(sender, datetime.utcnow() - timedelta(hours=1))[0] == 0  # Redis only


# -- reconcile keeps going --------------------------------------------------------------------


def poison(world: PaymentBackend, reference: str) -> None:
    """A database error on settling one payment, whatever the back-end."""
    statements: List[str]
    if world.database_url.startswith("sqlite"):
        statements = [f"CREATE TRIGGER poisoned BEFORE UPDATE ON payment_transactions WHEN OLD.reference = "
                      f"'{reference}' AND NEW.status = 'success' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"]
    else:
        statements = [
            "CREATE FUNCTION poisoned() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'poisoned row'; END $$ "
            "LANGUAGE plpgsql",
            f"CREATE TRIGGER poisoned BEFORE UPDATE ON payment_transactions FOR EACH ROW WHEN "
            f"(OLD.reference = '{reference}' AND NEW.status = 'success') EXECUTE FUNCTION poisoned()",
        ]
    with world.store._session() as session:
        for statement in statements:
            session.execute(text(statement))


@on_every_backend
def test_reconcile_logs_and_skips_a_poisoned_payment_and_settles_the_others(
        world: PaymentBackend, caplog, capsys) -> None:
    service = world.action_server(PaymentPolicy())
    references = []
    for n, msisdn in enumerate([QUERY_FAILS_ONCE, QUERY_FAILS_ONCE, OVERLONG_REFERENCE, QUERY_FAILS_ONCE]):
        reference = pay(service, f"payer-{n}", Decimal("10.00"), msisdn=msisdn).transaction.reference
        assert service.submit_otp(reference, OTP).outcome is SubmitOutcome.PENDING  # money moved, unconfirmed
        references.append(reference)
    good, database_error, too_long, last = references
    poison(world, database_error)
    capsys.readouterr()
    with caplog.at_level(logging.ERROR, logger="payments.service"):
        assert ops.main(["reconcile", "--json"]) == 1
    outcomes = {row["reference"]: row["outcome"] for row in json.loads(capsys.readouterr().out)}
    assert outcomes == {good: "success", database_error: "skipped", too_long: "skipped", last: "success"}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert database_error in logged and too_long in logged
    assert [world.store.get_transaction(r).status for r in references] == ["success", "pending", "pending", "success"]
    assert world.paid() == Decimal("420.00")
    assert ops.main(["audit"]) == 0


def test_strings_are_checked_against_their_columns_before_they_are_written(world: PaymentBackend) -> None:
    assert fitted_to_columns({"response_message": "x" * 300})["response_message"] == "x" * 255
    with pytest.raises(ValueTooLongForColumn) as refused:
        fitted_to_columns({"payment_reference": "P" * 65, "response_code": "000"})
    assert refused.value.column == "payment_reference"
    with pytest.raises(ValueTooLongForColumn):
        fitted_to_columns({"response_code": "123456789"})
    # SQLite would have stored it: the store refuses first, and changes nothing.
    service = world.action_server(PaymentPolicy())
    reference = pay(service, "s", Decimal("10.00")).transaction.reference
    with pytest.raises(ValueTooLongForColumn):
        world.store.credit_booking(reference, payment_reference="P" * 80, debit_reference=None,
                                   response_code="000", response_message="ok")
    assert (world.store.get_transaction(reference).status, world.paid()) == ("otp_sent", Decimal("400.00"))
