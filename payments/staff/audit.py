"""The audit log: every action a person took in the back office, appended, never changed.

The table refuses UPDATE and DELETE by a trigger (revision 0005); this
module only ever inserts and reads. Shown in the back office and by
``python -m payments.ops audit-log``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, List, Optional, Set

from sqlalchemy import select

from payments.staff.records import StaffRecords
from payments.store.models import AuditEntry, utc_now

MAX_NOTE = 500
MAX_SUBJECT = 200


class AuditAction(str, enum.Enum):
    LOGIN = "login"
    LOGIN_REFUSED = "login_refused"
    LOGOUT = "logout"
    RECONCILE = "reconcile"
    RESOLVE_HELD_CREDIT = "resolve_held_credit"
    RESOLVE_HELD_FAIL = "resolve_held_fail"
    MARK_REFUNDED = "mark_overpaid_refunded"
    INBOX_ACCEPT = "inbox_accept"
    INBOX_NOT_CUSTOMER = "inbox_not_customer"
    COMPARISON_STARTED = "comparison_started"
    CONVERSATION_EXPORTED = "conversation_exported"
    REFUSED = "refused"  # a request beyond the person's role, refused by the server
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DISABLED = "account_disabled"


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    subject: str
    note: str


class AuditLog:
    def __init__(self, records: StaffRecords) -> None:
        self._records = records

    def record(self, actor: str, action: AuditAction, subject: str = "", note: str = "") -> None:
        with self._records.session() as session:
            session.add(AuditEntry(at=utc_now(), actor=actor[:64], action=action.value,
                                   subject=subject[:MAX_SUBJECT], note=note[:MAX_NOTE]))

    def recent(self, limit: int = 200, subject: Optional[str] = None, actor: Optional[str] = None) -> List[AuditRecord]:
        """Newest first."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if subject:
            query = query.where(AuditEntry.subject == subject)
        if actor:
            query = query.where(AuditEntry.actor == actor)
        with self._records.session() as session:
            return [AuditRecord(e.at, e.actor, e.action, e.subject, e.note) for e in session.execute(query).scalars()]

    def subjects_of(self, actions: Iterable[AuditAction]) -> Set[str]:
        """Every subject an action of these kinds was recorded on (e.g. the inbox examples decided)."""
        with self._records.session() as session:
            return set(session.execute(
                select(AuditEntry.subject).where(AuditEntry.action.in_([a.value for a in actions])).distinct()
            ).scalars())
