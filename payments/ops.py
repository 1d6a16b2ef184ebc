"""Operations CLI: ``python -m payments.ops <command>``.

Honours the same environment variables as the action server (DATABASE_URL,
OMARI_*), so ops look at exactly the data the assistant writes.

Commands:
  migrate                            create or upgrade the database's tables (idempotent)
  seed [--reset]                     load the demo bookings (idempotent)
  booking REF [--json]               a booking with its transactions
  transactions [--status S] [--sender ID] [--booking REF] [--json]
                                     transactions, oldest first
  reconcile [--json]                 settle pending and stale unanswered payments with GET /query,
                                     then tell customers how the ones they were told were unconfirmed ended
  notifications [--state S] [--json] outcomes not told yet (due, needs_template, failed), or in state S
  audit [--json]                     check amount_paid == opening amount + successful payments, and paid <= total
  overpaid [--json]                  bookings credited above their total, with the excess to refund
  resolve-held REF --credit|--fail   a person's decision on a payment held for review
  stuck [--json]                     pending payments, with O'mari's status now and when reconcile may void them
  void-unrequested REF               void at O'mari and fail, now, a pending payment O'mari shows was never
                                     requested (authorisation only); anything else it settles as reconcile would
  purge-conversations [--older-than-days N]
                                     delete conversations idle for N days (CONVERSATION_RETENTION_DAYS, 90)
  account-create, account-disable, accounts, audit-log
                                     the back office's staff accounts and audit log (payments/staff/commands.py)
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import timedelta
from decimal import Decimal
from typing import Any, Dict, Optional, Sequence

from payments.store.demo_data import seed_demo_bookings
from payments.store.migrations import SchemaNotCurrent, require_current_schema, upgrade_to_head
from payments.store.models import NotificationState, TransactionStatus
from payments.notifications.outbox import NotificationOutbox, NotificationSnapshot
from payments.notifications.notifier import OutcomeNotifier
from parsing import InvalidInput, booking_reference_key
from payments.assembly import payment_service
from payments.service import HeldDecision, PaymentService, ResolveOutcome, SubmitOutcome
from payments.store.retention import purge_conversations, purge_lookup_misses
from payments.staff.commands import add_staff_commands
from payments.settings import load_settings
from payments.snapshots import TransactionSnapshot
from payments.store.repository import BookingStore
from payments.unrequested import pending_for


def _money(amount: Decimal) -> str:
    # Strings, not JSON floats: a reader must get back exactly the cents.
    return f"{amount:.2f}"


def transaction_as_dict(transaction: TransactionSnapshot) -> Dict[str, Any]:
    return {
        "reference": transaction.reference,
        "booking_reference": transaction.booking_reference,
        "amount": _money(transaction.amount),
        "currency": transaction.currency,
        "msisdn": transaction.msisdn,
        "channel": transaction.customer_channel,
        # The conversation's language when it started (en, sn, nd); None when not recorded.
        "language": transaction.language.value if transaction.language else None,
        "status": transaction.status,
        "otp_reference": transaction.otp_reference,
        "payment_reference": transaction.payment_reference,
        "response_code": transaction.response_code,
        "created_at": transaction.created_at.isoformat(timespec="seconds"),
        "updated_at": transaction.updated_at.isoformat(timespec="seconds"),
    }


def _print(payload: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(payload, indent=2))
        return
    rows = payload if isinstance(payload, list) else [payload]
    for row in rows:
        print("  ".join(f"{key}={value}" for key, value in row.items() if not isinstance(value, list)))
        for nested in row.get("transactions", []) if isinstance(row, dict) else []:
            print("    " + "  ".join(f"{key}={value}" for key, value in nested.items()))


def cmd_migrate(store: BookingStore, args: argparse.Namespace) -> int:
    before, after = upgrade_to_head(load_settings().database_url)
    if before == after:
        print(f"booking database already at revision {after}: nothing to do")
    else:
        print(f"booking database migrated from revision {before or 'none (empty)'} to {after}")
    return 0


def cmd_seed(store: BookingStore, args: argparse.Namespace) -> int:
    if args.reset:
        store.delete_everything()
    inserted = seed_demo_bookings(store)
    print(f"seeded {len(inserted)} demo booking(s)" + (f": {', '.join(inserted)}" if inserted else ""))
    return 0


def cmd_booking(store: BookingStore, args: argparse.Namespace) -> int:
    try:
        booking = store.find_booking(booking_reference_key(args.reference))
    except InvalidInput:
        booking = None
    if booking is None:
        print(f"no booking {args.reference!r}", file=sys.stderr)
        return 1
    payload = {
        "reference": booking.reference,
        "customer_name": booking.customer_name,
        "tour_name": booking.tour_name,
        "total": _money(booking.total),
        "paid": _money(booking.amount_paid),
        "balance": _money(booking.balance_due),
        "currency": booking.currency,
        "status": booking.status,
        "transactions": [
            transaction_as_dict(t) for t in store.list_transactions(booking_reference=booking.reference)
        ],
    }
    _print(payload, args.json)
    return 0


def cmd_transactions(store: BookingStore, args: argparse.Namespace) -> int:
    statuses = [args.status] if args.status else []
    booking_reference = None
    if args.booking:
        booking = _find_booking(store, args.booking)
        booking_reference = booking.reference if booking else "-"
    found = store.list_transactions(statuses=statuses, sender_id=args.sender, booking_reference=booking_reference)
    _print([transaction_as_dict(t) for t in found], args.json)
    return 0


def _find_booking(store: BookingStore, reference: str):
    try:
        return store.find_booking(booking_reference_key(reference))
    except InvalidInput:
        return None


def _service(store: BookingStore) -> PaymentService:
    return payment_service(store, load_settings())


def cmd_reconcile(store: BookingStore, args: argparse.Namespace) -> int:
    """Exit 1 when a payment could not be settled (logged with its reference); the others are.

    Telling customers comes after every payment is settled, and a failure to
    tell is logged and listed (`ops notifications`), never a reason to stop.
    """
    results = [
        {"reference": reference, "outcome": outcome.value} for reference, outcome in _service(store).reconcile_all()
    ]
    _print(results, args.json)
    untold = [n for n in OutcomeNotifier.from_settings(NotificationOutbox(store), load_settings()).notify_due()
              if n.state != NotificationState.TOLD.value]
    if untold:
        print(f"{len(untold)} customer(s) not told yet: see `python -m payments.ops notifications`", file=sys.stderr)
    skipped = [result["reference"] for result in results if result["outcome"] == SubmitOutcome.SKIPPED.value]
    if skipped:
        print(f"{len(skipped)} payment(s) could not be settled: {', '.join(skipped)}", file=sys.stderr)
        return 1
    return 0


# Outcomes a person may have to pass on: not told (yet), whatever the reason.
UNTOLD_STATES = (NotificationState.DUE, NotificationState.SENDING, NotificationState.NEEDS_TEMPLATE,
                 NotificationState.FAILED)


def notification_as_dict(notification: NotificationSnapshot, store: BookingStore) -> Dict[str, Any]:
    transaction = store.get_transaction(notification.transaction_reference)
    return {
        "transaction_reference": notification.transaction_reference,
        "sender": notification.sender_id,
        "payment_status": transaction.status if transaction else None,
        "amount": _money(transaction.amount) if transaction else None,
        "currency": transaction.currency if transaction else None,
        "booking_reference": transaction.booking_reference if transaction else None,
        "language": transaction.language.value if transaction and transaction.language else None,
        "state": notification.state,
        "told_by": notification.told_by,
        "attempts": notification.attempts,
        "last_error": notification.last_error,
        "updated_at": notification.updated_at.isoformat(timespec="seconds"),
    }


def cmd_notifications(store: BookingStore, args: argparse.Namespace) -> int:
    """Customers still to be told how a settled payment ended (or every row in one state)."""
    states = [NotificationState(args.state)] if args.state else list(UNTOLD_STATES)
    found = [notification_as_dict(n, store) for n in NotificationOutbox(store).list(states)]
    _print(found, args.json)
    if not found and not args.json:
        print("every customer has been told how their settled payments ended")
    return 0


def cmd_audit(store: BookingStore, args: argparse.Namespace) -> int:
    """Exit 1, listing them, if a booking's amount_paid is not explained by its payments or exceeds its total."""
    broken = [
        {"reference": ref, "amount_paid": _money(paid), "total": _money(total),
         "opening_amount_paid": _money(opening), "successful_payments": _money(credited),
         "difference": _money(paid - opening - credited), "overpaid": _money(max(paid - total, Decimal("0")))}
        for ref, paid, opening, credited, total in store.payment_totals()
        if paid != opening + credited or paid > total
    ]
    _print(broken, args.json)
    if broken:
        print(f"{len(broken)} booking(s) break amount_paid == opening + successful payments <= total",
              file=sys.stderr)
        return 1
    if not args.json:
        print("every booking's amount_paid equals its opening amount plus its successful payments, within its total")
    return 0


def cmd_overpaid(store: BookingStore, args: argparse.Namespace) -> int:
    """Bookings a late-confirmed debit took above their total: each excess is owed back to a customer."""
    found = [
        {"reference": booking.reference, "total": _money(booking.total), "paid": _money(booking.amount_paid),
         "overpaid": _money(booking.overpaid_amount), "currency": booking.currency}
        for booking in store.overpaid_bookings()
    ]
    _print(found, args.json)
    if not found and not args.json:
        print("no booking is overpaid")
    return 0


def cmd_resolve_held(store: BookingStore, args: argparse.Namespace) -> int:
    """Credit (our amount) or fail a payment held for review, once a person has checked it."""
    decision = HeldDecision.CREDIT if args.credit else HeldDecision.FAIL
    resolution = _service(store).resolve_held(args.reference, decision, args.note)
    if resolution.outcome is ResolveOutcome.NOT_HELD:
        print(f"no held transaction {args.reference!r}", file=sys.stderr)
        return 1
    if resolution.outcome is ResolveOutcome.SETTLED_MEANWHILE or resolution.transaction is None:
        print(f"{args.reference} was settled by someone else meanwhile", file=sys.stderr)
        return 1
    _print(transaction_as_dict(resolution.transaction), args.json)
    return 0


def cmd_stuck(store: BookingStore, args: argparse.Namespace) -> int:
    """Pending payments and what O'mari says of each: the ones ``void-unrequested`` can act on say so."""
    wait = timedelta(seconds=load_settings().pending_void_after_seconds)
    found = [
        {**transaction_as_dict(transaction), "omari_status": query.status or f"unknown ({query.message})",
         "never_requested": query.authorised_only, "pending_for": str(pending_for(transaction)).split(".")[0],
         "reconcile_voids_after": str(wait)}
        for transaction, query in _service(store).pending_payments()
    ]
    _print(found, args.json)
    if not found and not args.json:
        print("no payment is pending")
    return 0


def cmd_void_unrequested(store: BookingStore, args: argparse.Namespace) -> int:
    """The reconcile rule for one payment without its wait (payments/unrequested.py), then tell the customer."""
    result = _service(store).reconcile(args.reference, void_unrequested_after=timedelta(0))
    if result.transaction is None:
        print(f"no transaction {args.reference!r}", file=sys.stderr)
        return 1
    _print({**transaction_as_dict(result.transaction), "outcome": result.outcome.value}, args.json)
    OutcomeNotifier.from_settings(NotificationOutbox(store), load_settings()).notify_due()
    if result.outcome is not SubmitOutcome.VOIDED:
        print(f"{args.reference} was not voided: O'mari does not show it as never requested "
              f"(status {result.transaction.status})", file=sys.stderr)
        return 1
    return 0


def cmd_purge_conversations(_: BookingStore, args: argparse.Namespace) -> int:
    """Conversations, and unknown-reference records past their window; bookings and payments are kept."""
    settings = load_settings()
    days = args.older_than_days or settings.conversation_retention_days
    result = purge_conversations(settings.tracker_store_url, days)
    misses = purge_lookup_misses(settings.database_url, timedelta(minutes=settings.unknown_booking_window_minutes))
    _print({"older_than_days": days, "conversations_deleted": result.conversations,
            "events_deleted": result.events, "lookup_misses_deleted": misses}, args.json)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m payments.ops", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser("migrate", help="create or upgrade the tables (run before anything else)")
    migrate.set_defaults(handler=cmd_migrate)

    seed = commands.add_parser("seed", help="load the demo bookings (idempotent)")
    seed.add_argument("--reset", action="store_true", help="delete all bookings and transactions first")
    seed.set_defaults(handler=cmd_seed)

    booking = commands.add_parser("booking", help="show a booking and its transactions")
    booking.add_argument("reference")
    booking.add_argument("--json", action="store_true")
    booking.set_defaults(handler=cmd_booking)

    transactions = commands.add_parser("transactions", help="list transactions")
    transactions.add_argument("--status", choices=[s.value for s in TransactionStatus])
    transactions.add_argument("--sender", help="chat sender id (a WhatsApp sender is the customer's number)")
    transactions.add_argument("--booking", help="booking reference, typed any way the customer would")
    transactions.add_argument("--json", action="store_true")
    transactions.set_defaults(handler=cmd_transactions)

    reconcile = commands.add_parser("reconcile", help="settle pending and stale transactions from O'mari")
    reconcile.add_argument("--json", action="store_true")
    reconcile.set_defaults(handler=cmd_reconcile)

    notifications = commands.add_parser("notifications", help="customers still to be told a settled payment's outcome")
    notifications.add_argument("--state", choices=[s.value for s in NotificationState],
                               help="only this state (default: every state but told)")
    notifications.add_argument("--json", action="store_true")
    notifications.set_defaults(handler=cmd_notifications)

    audit = commands.add_parser("audit", help="check every booking's amount_paid against its payments and total")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(handler=cmd_audit)

    overpaid = commands.add_parser("overpaid", help="list bookings credited above their total (refund the excess)")
    overpaid.add_argument("--json", action="store_true")
    overpaid.set_defaults(handler=cmd_overpaid)

    resolve = commands.add_parser("resolve-held", help="settle a payment held for review, by hand")
    resolve.add_argument("reference", help="the transaction's reference (a UUID)")
    decision = resolve.add_mutually_exclusive_group(required=True)
    decision.add_argument("--credit", action="store_true", help="O'mari confirmed our amount: credit it")
    decision.add_argument("--fail", action="store_true", help="not ours to credit (refunded at O'mari)")
    resolve.add_argument("--note", default="", help="why, for the record")
    resolve.add_argument("--json", action="store_true")
    resolve.set_defaults(handler=cmd_resolve_held)

    stuck = commands.add_parser("stuck", help="pending payments with O'mari's status now")
    stuck.add_argument("--json", action="store_true")
    stuck.set_defaults(handler=cmd_stuck)

    void = commands.add_parser("void-unrequested", help="void and fail a pending payment O'mari never saw requested")
    void.add_argument("reference", help="the transaction's reference (a UUID)")
    void.add_argument("--json", action="store_true")
    void.set_defaults(handler=cmd_void_unrequested)

    purge = commands.add_parser("purge-conversations", help="delete conversations older than the retention period")
    purge.add_argument("--older-than-days", type=int, help="default: CONVERSATION_RETENTION_DAYS (90)")
    purge.add_argument("--json", action="store_true")
    purge.set_defaults(handler=cmd_purge_conversations)
    add_staff_commands(commands)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    database_url = load_settings().database_url
    if args.handler is not cmd_migrate:
        try:
            require_current_schema(database_url)
        except SchemaNotCurrent as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    store = BookingStore(database_url)
    try:
        return args.handler(store, args)
    finally:
        store.dispose()


if __name__ == "__main__":
    sys.exit(main())
