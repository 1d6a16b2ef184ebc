"""Payments: search, a payment's timeline, the queues, and the ops actions (through PaymentService)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import List, Optional

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from backoffice.auth import current_member, requires
from backoffice.context import backoffice
from backoffice.permissions import Permission
from parsing import find_booking_reference_key
from payments.service import HeldDecision, RefundOutcome, ResolveOutcome, SubmitOutcome
from payments.snapshots import TransactionSnapshot
from payments.staff.audit import AuditAction
from payments.store.models import utc_now

blueprint = Blueprint("payments", __name__)
MAX_NOTE = 500
# What the customer was told is looked for in the conversation up to this long after the last change.
TOLD_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Moment:
    at: Optional[datetime]
    what: str


def _digits(term: str) -> Optional[str]:
    digits = re.sub(r"\D", "", term)
    return digits if len(digits) >= 9 and len(re.sub(r"[\d\s+()-]", "", term)) == 0 else None


@blueprint.get("/payments")
@requires(Permission.FIND_PAYMENTS)
def search():
    office = backoffice()
    term = request.args.get("q", "").strip()[:64]
    results = None
    if term:
        results = office.ledger.search(term, find_booking_reference_key(term), _digits(term))
    pending_before = utc_now() - timedelta(minutes=office.settings.pending_alert_minutes)
    return render_template(
        "payments.html", term=term, results=results,
        pending=office.ledger.pending_since(pending_before), held=office.ledger.held(),
        overpaid=office.ledger.overpaid(), untold=office.ledger.untold(),
        pending_minutes=office.settings.pending_alert_minutes,
    )


@blueprint.get("/payments/<reference>")
@requires(Permission.FIND_PAYMENTS)
def payment(reference: str):
    office = backoffice()
    found = office.ledger.payment(reference[:64])
    if found is None:
        abort(404)
    transaction, booking = found
    told = office.conversations.bot_texts(transaction.sender_id, transaction.created_at,
                                          transaction.updated_at + TOLD_WINDOW)
    notification = office.ledger.notification(transaction.reference)
    audit = office.audit.recent(50, subject=transaction.reference)
    return render_template("payment.html", transaction=transaction, booking=booking,
                           timeline=_timeline(transaction, notification), told=told, audit=audit,
                           others=office.ledger.payments_of_booking(booking.reference))


def _timeline(transaction: TransactionSnapshot, notification) -> List[Moment]:
    moments = [Moment(transaction.created_at,
                      f"Started: {transaction.currency} {transaction.amount:,.2f} by {transaction.customer_channel}"
                      " (OTP requested from O'mari)")]
    if transaction.otp_reference:
        moments.append(Moment(None, f"O'mari texted the OTP; SMS reference {transaction.otp_reference}"))
    if transaction.payment_reference or transaction.debit_reference:
        moments.append(Moment(None, f"O'mari payment reference {transaction.payment_reference or '-'},"
                                    f" debit reference {transaction.debit_reference or '-'}"))
    detail = f" ({transaction.response_message})" if transaction.response_message else ""
    later = [Moment(transaction.updated_at, f"Now {transaction.status}{detail}")]
    if notification is not None:
        how = f" by {notification.told_by}" if notification.told_by else ""
        later.append(Moment(notification.updated_at, f"Telling the customer: {notification.state}{how}"))
    # O'mari's references belong to the start; the later changes in the order they happened.
    return moments + sorted(later, key=lambda moment: moment.at or transaction.created_at)


def _note() -> str:
    note = " ".join(request.form.get("note", "").split())
    if not note:
        flash("Write a note saying why: it goes into the audit log.", "error")
        return ""
    return note[:MAX_NOTE]


@blueprint.post("/payments/<reference>/reconcile")
@requires(Permission.MOVE_MONEY)
def reconcile(reference: str):
    office, member = backoffice(), current_member()
    assert member is not None
    if office.ledger.payment(reference[:64]) is None:
        abort(404)
    result = office.service.reconcile(reference)
    office.audit.record(member.username, AuditAction.RECONCILE, reference, f"outcome {result.outcome.value}")
    flash(f"Reconciled with O'mari: {result.outcome.value}.",
          "error" if result.outcome is SubmitOutcome.SKIPPED else "ok")
    return redirect(url_for("payments.payment", reference=reference))


@blueprint.post("/payments/<reference>/resolve")
@requires(Permission.MOVE_MONEY)
def resolve_held(reference: str):
    office, member = backoffice(), current_member()
    assert member is not None
    try:
        decision = HeldDecision(request.form.get("decision", ""))
    except ValueError:
        abort(400, description="Choose credit or fail.")
    note = _note()
    if not note:
        return redirect(url_for("payments.payment", reference=reference))
    resolution = office.service.resolve_held(reference, decision, f"{note} (by {member.username})")
    if resolution.outcome is ResolveOutcome.RESOLVED:
        action = AuditAction.RESOLVE_HELD_CREDIT if decision is HeldDecision.CREDIT else AuditAction.RESOLVE_HELD_FAIL
        office.audit.record(member.username, action, reference, note)
        flash("Credited to the booking." if decision is HeldDecision.CREDIT else "Marked failed.", "ok")
    elif resolution.outcome is ResolveOutcome.SETTLED_MEANWHILE:
        flash("Someone else settled this payment meanwhile: nothing was changed.", "error")
    else:
        flash("This payment is not held for review (any more): nothing was changed.", "error")
    return redirect(url_for("payments.payment", reference=reference))


@blueprint.post("/bookings/<reference>/refunded")
@requires(Permission.MOVE_MONEY)
def mark_refunded(reference: str):
    office, member = backoffice(), current_member()
    assert member is not None
    try:
        excess = Decimal(request.form.get("excess", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        abort(400, description="The amount refunded is not a sum of money.")
    note = _note()
    if not note:
        return redirect(url_for("payments.search"))
    if office.service.mark_overpaid_refunded(reference[:64], excess) is RefundOutcome.REFUNDED:
        office.audit.record(member.username, AuditAction.MARK_REFUNDED, reference, f"{excess:.2f}: {note}")
        flash(f"{reference}: the excess of {excess:,.2f} is recorded as refunded.", "ok")
    else:
        flash(f"{reference} is not overpaid by {excess:,.2f} (any more): nothing was changed.", "error")
    return redirect(url_for("payments.search"))


@blueprint.get("/audit")
@requires(Permission.READ_AUDIT)
def audit_log():
    actor = request.args.get("actor", "").strip()[:64] or None
    return render_template("audit.html", entries=backoffice().audit.recent(300, actor=actor), actor=actor or "")
