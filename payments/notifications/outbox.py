"""The outbox of settled-payment outcomes the customer still has to hear.

Reconcile adds a row when it settles a payment the customer was told was
unconfirmed. Every change of a row's state is a conditional update, so when
several reconcilers (or a reconciler and the action telling the customer)
race on one row, exactly one of them makes each move: that is what makes the
customer hear the outcome once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from payments.store.models import NotificationState, PaymentNotification, utc_now
from payments.store.repository import BookingStore

ERROR_MAX = 255


@dataclass(frozen=True)
class NotificationSnapshot:
    transaction_reference: str
    sender_id: str
    state: str
    told_by: Optional[str]
    attempts: int
    last_error: Optional[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: PaymentNotification) -> "NotificationSnapshot":
        return cls(row.transaction_reference, row.sender_id, row.state, row.told_by, row.attempts,
                   row.last_error, row.created_at, row.updated_at)


class NotificationOutbox:
    """Rows of ``payment_notifications``, one short session per call."""

    def __init__(self, store: BookingStore) -> None:
        self._store = store

    def add_due(self, transaction_reference: str, sender_id: str) -> bool:
        """Record that this payment's outcome is to be told; False when a racing caller already did."""
        try:
            with self._store.session() as session:
                session.add(PaymentNotification(
                    transaction_reference=transaction_reference, sender_id=sender_id,
                    state=NotificationState.DUE.value, attempts=0,
                ))
            return True
        except IntegrityError:  # the unique reference: another reconciler wrote it first
            return False

    def move(
        self,
        transaction_reference: str,
        from_states: Sequence[NotificationState],
        to_state: NotificationState,
        *,
        told_by: Optional[str] = None,
        error: Optional[str] = None,
        count_attempt: bool = False,
    ) -> bool:
        """Change the row's state only if it is still in ``from_states``; True when this call did."""
        values = {"state": to_state.value, "updated_at": utc_now()}
        if told_by is not None:
            values["told_by"] = told_by
        if error is not None:
            values["last_error"] = error[:ERROR_MAX]
        if count_attempt:
            values["attempts"] = PaymentNotification.attempts + 1
        with self._store.session() as session:
            result = session.execute(
                update(PaymentNotification)
                .where(PaymentNotification.transaction_reference == transaction_reference,
                       PaymentNotification.state.in_([state.value for state in from_states]))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def release_stale_sending(self, lease: timedelta) -> List[str]:
        """Hand back to ``due`` every row left ``sending`` longer than ``lease``; their references.

        A notifier killed between claiming a row and concluding it leaves it
        ``sending`` for ever. Past the lease, no notifier run can still be
        working on it; if Rasa's action told the customer, the row is ``told``
        (the action claims it), so a row still ``sending`` was never told.
        Each row moves by its own conditional update: of racing reconcilers one releases it.
        """
        cutoff = utc_now() - lease
        with self._store.session() as session:
            stale = session.execute(
                select(PaymentNotification.transaction_reference).where(
                    PaymentNotification.state == NotificationState.SENDING.value,
                    PaymentNotification.updated_at < cutoff)
            ).scalars().all()
        return [reference for reference in stale
                if self._move_if_stale(reference, cutoff)]

    def _move_if_stale(self, reference: str, cutoff: datetime) -> bool:
        with self._store.session() as session:
            return session.execute(
                update(PaymentNotification)
                .where(PaymentNotification.transaction_reference == reference,
                       PaymentNotification.state == NotificationState.SENDING.value,
                       PaymentNotification.updated_at < cutoff)
                .values(state=NotificationState.DUE.value, updated_at=utc_now(),
                        last_error="left sending by a notifier that stopped; tried again")
                .execution_options(synchronize_session=False)
            ).rowcount == 1

    def receipt(self, transaction_reference: str):
        """The payment and its booking as they are now, for the notice."""
        return self._store.transaction_with_booking(transaction_reference)

    def get(self, transaction_reference: str) -> Optional[NotificationSnapshot]:
        with self._store.session() as session:
            row = session.execute(
                select(PaymentNotification).where(PaymentNotification.transaction_reference == transaction_reference)
            ).scalar_one_or_none()
            return NotificationSnapshot.of(row) if row else None

    def list(self, states: Optional[Sequence[NotificationState]] = None) -> List[NotificationSnapshot]:
        query = select(PaymentNotification).order_by(PaymentNotification.id)
        if states:
            query = query.where(PaymentNotification.state.in_([state.value for state in states]))
        with self._store.session() as session:
            return [NotificationSnapshot.of(row) for row in session.execute(query).scalars()]
