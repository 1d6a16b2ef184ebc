"""Conversations are kept no longer than needed: ``python -m payments.ops purge-conversations``.

Zimbabwe's Cyber and Data Protection Act asks that personal data be kept no
longer than its purpose needs. A conversation's purpose ends with the
payment; what must be kept about money is in the booking database
(bookings and transactions), which this never touches. So every
conversation whose latest event is older than ``CONVERSATION_RETENTION_DAYS``
(default 90) is deleted from Rasa's SQL tracker store (``TRACKER_STORE_URL``),
all its events at once, so no half conversation is left behind. The periodic
job (make serve's reconciler, compose's reconciler) runs it after every
reconcile; it is idempotent and safe to run on several machines at once.

The same command deletes the booking database's ``booking_lookup_misses``
rows once they are older than the enumeration window they are counted in
(``UNKNOWN_BOOKING_WINDOW_MINUTES``): each names a chat (a WhatsApp sender id
is the customer's phone number) and has no use after that.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import MetaData, Table, create_engine, delete, exists, func, inspect, select
from sqlalchemy.pool import NullPool

from payments.store.database import make_engine
from payments.store.models import BookingLookupMiss, utc_now

# Rasa's SQLTrackerStore keeps every event of every conversation in this table.
EVENTS_TABLE = "events"
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    events: int


def purge_conversations(tracker_store_url: str, older_than_days: int, now: Optional[float] = None) -> PurgeResult:
    """Delete every conversation whose latest event is more than ``older_than_days`` old."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = (time.time() if now is None else now) - older_than_days * SECONDS_PER_DAY
    engine = create_engine(tracker_store_url, poolclass=NullPool, future=True, hide_parameters=True)
    try:
        if not inspect(engine).has_table(EVENTS_TABLE):
            return PurgeResult(0, 0)  # Rasa has stored nothing yet
        events = Table(EVENTS_TABLE, MetaData(), autoload_with=engine)
        newer = events.alias("newer")
        expired = (
            select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < cutoff)
        )
        with engine.begin() as connection:
            senders = [row[0] for row in connection.execute(expired)]
            deleted = 0
            for start in range(0, len(senders), 500):  # bounded IN lists
                batch = senders[start:start + 500]
                deleted += connection.execute(
                    delete(events).where(events.c.sender_id.in_(batch))
                    # Re-checked in the delete: a conversation that woke up meanwhile stays whole.
                    .where(~exists().where(newer.c.sender_id == events.c.sender_id, newer.c.timestamp >= cutoff))
                ).rowcount
        return PurgeResult(len(senders), deleted)
    finally:
        engine.dispose()


def purge_lookup_misses(database_url: str, older_than: timedelta, now: Optional[datetime] = None) -> int:
    """Delete the unknown-reference records that no longer count (older than ``older_than``); how many."""
    cutoff = (utc_now() if now is None else now) - older_than
    engine = make_engine(database_url, 1)
    try:
        with engine.begin() as connection:
            return int(connection.execute(
                delete(BookingLookupMiss.__table__).where(BookingLookupMiss.created_at < cutoff)).rowcount)
    finally:
        engine.dispose()
