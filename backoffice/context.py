"""What every request of the back office works with: the services, built once per process."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Set

from flask import current_app

from backoffice.comparison import ComparisonRunner
from backoffice.conversations import ConversationReader
from backoffice.inbox import AcceptedExamples, Inbox
from backoffice.login_limits import LoginLimiter, LoginLimits
from backoffice.settings import BackofficeSettings
from payments.assembly import payment_service
from payments.service import PaymentService
from payments.staff.accounts import StaffDirectory
from payments.staff.audit import AuditAction, AuditLog
from payments.staff.records import StaffRecords
from payments.store.ledger import PaymentLedger
from payments.store.migrations import require_current_schema
from payments.store.repository import BookingStore

EXTENSION = "backoffice"
INBOX_DECISIONS = (AuditAction.INBOX_ACCEPT, AuditAction.INBOX_NOT_CUSTOMER)


@dataclass
class Backoffice:
    settings: BackofficeSettings
    store: BookingStore
    service: PaymentService
    ledger: PaymentLedger
    staff: StaffDirectory
    audit: AuditLog
    login_limiter: LoginLimiter
    conversations: ConversationReader
    inbox: Inbox
    accepted: AcceptedExamples
    comparison: ComparisonRunner
    _records: StaffRecords

    @classmethod
    def build(cls, settings: BackofficeSettings) -> "Backoffice":
        backend = settings.backend
        # Like the action server, the back office never migrates: `ops migrate` does.
        require_current_schema(backend.database_url)
        store = BookingStore(backend.database_url, pool_size=4)
        records = StaffRecords(backend.database_url)
        conversations = ConversationReader(backend.tracker_store_url)
        return cls(
            settings=settings,
            store=store,
            service=payment_service(store, backend),
            ledger=PaymentLedger(store),
            staff=StaffDirectory(records),
            audit=AuditLog(records),
            login_limiter=LoginLimiter(
                LoginLimits(settings.login_failures_per_account, settings.login_failures_per_address,
                            settings.login_window_minutes),
                backend.rate_limit_redis_url,
            ),
            conversations=conversations,
            inbox=Inbox(conversations, settings.inbox_days, settings.inbox_threshold),
            accepted=AcceptedExamples(settings.accepted_examples),
            comparison=ComparisonRunner(settings.nlu_repo, settings.accepted_examples, settings.comparison_base),
            _records=records,
        )

    def decided_examples(self) -> Set[str]:
        return self.audit.subjects_of(INBOX_DECISIONS)

    def close(self) -> None:
        self.comparison.stop()
        self.conversations.dispose()
        self.store.dispose()
        self._records.dispose()


def backoffice() -> Backoffice:
    return current_app.extensions[EXTENSION]
