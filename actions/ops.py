"""Operations CLI: ``python -m actions.ops <command>``.

Honours the same environment variables as the action server (DATABASE_URL,
OMARI_*), so ops look at exactly the data the assistant writes.

Commands:
  seed [--reset]                     load the demo bookings (idempotent)
  booking REF [--json]               a booking with its transactions
  transactions [--status S] [--json] transactions, oldest first
  reconcile [--json]                 settle every pending transaction with GET /query
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence

from actions.demo_data import seed_demo_bookings
from actions.models import TransactionStatus
from actions.omari import OmariClient
from actions.parsing import InvalidInput, booking_reference_key
from actions.payments import PaymentService
from actions.settings import load_settings
from actions.snapshots import TransactionSnapshot
from actions.store import BookingStore


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


def cmd_seed(store: BookingStore, args: argparse.Namespace) -> int:
    store.create_schema()
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
    _print([transaction_as_dict(t) for t in store.list_transactions(statuses=statuses)], args.json)
    return 0


def cmd_reconcile(store: BookingStore, args: argparse.Namespace) -> int:
    service = PaymentService(store, OmariClient.from_settings(load_settings()))
    results: List[Dict[str, str]] = []
    for transaction in store.list_transactions(statuses=[TransactionStatus.PENDING.value]):
        result = service.reconcile(transaction.reference)
        results.append({"reference": transaction.reference, "outcome": result.outcome.value})
    _print(results, args.json)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m actions.ops", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    seed = commands.add_parser("seed", help="load the demo bookings (idempotent)")
    seed.add_argument("--reset", action="store_true", help="delete all bookings and transactions first")
    seed.set_defaults(handler=cmd_seed)

    booking = commands.add_parser("booking", help="show a booking and its transactions")
    booking.add_argument("reference")
    booking.add_argument("--json", action="store_true")
    booking.set_defaults(handler=cmd_booking)

    transactions = commands.add_parser("transactions", help="list transactions")
    transactions.add_argument("--status", choices=[s.value for s in TransactionStatus])
    transactions.add_argument("--json", action="store_true")
    transactions.set_defaults(handler=cmd_transactions)

    reconcile = commands.add_parser("reconcile", help="settle pending transactions from O'mari")
    reconcile.add_argument("--json", action="store_true")
    reconcile.set_defaults(handler=cmd_reconcile)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    store = BookingStore(load_settings().database_url)
    try:
        store.create_schema()
        return args.handler(store, args)
    finally:
        store.dispose()


if __name__ == "__main__":
    sys.exit(main())
