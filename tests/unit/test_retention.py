"""Conversations idle past the retention period are deleted; bookings and payments are kept.

The conversations are written by Rasa's own SQL tracker store, and the
command runs as the periodic job runs it: `python -m payments.ops
purge-conversations` in its own process.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import List

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from payments.store.demo_data import seed_demo_bookings
from payments.store.migrations import upgrade_to_head
from payments.store.models import BookingLookupMiss
from payments.store.repository import BookingStore
from tools.stack import REPO, base_env

DAY = 86400


def store_conversation(store: SQLTrackerStore, sender: str, *seen_days_ago: float) -> None:
    """A conversation with one turn on each of ``seen_days_ago``, saved by Rasa's store."""
    events = []
    for days in sorted(seen_days_ago, reverse=True):
        at = time.time() - days * DAY
        events += [UserUttered("pay", {"name": "make_payment"}, timestamp=at - 60),
                   ActionExecuted("action_listen", timestamp=at)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def senders(tracker_db: Path) -> List[str]:
    engine = sa.create_engine(f"sqlite:///{tracker_db}")
    with engine.connect() as connection:
        found = sorted({row[0] for row in connection.execute(sa.text("SELECT sender_id FROM events"))})
    engine.dispose()
    return found


def purge(tmp_path: Path, database_url: str, tracker_db: Path, *args: str) -> dict:
    env = base_env(DATABASE_URL=database_url, TRACKER_STORE_URL=f"sqlite:///{tracker_db}")
    env.pop("CONVERSATION_RETENTION_DAYS", None)
    done = subprocess.run([sys.executable, "-m", "payments.ops", "purge-conversations", "--json", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_old_conversations_go_recent_ones_and_the_money_records_stay(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    upgrade_to_head(database_url)
    bookings = BookingStore(database_url)
    seed_demo_bookings(bookings)
    # The payment of the oldest conversation: the money's record outlives the chat.
    bookings.create_transaction(reference="tx-old-chat", booking_reference="BK-SLYKER-TECH-20251023",
                                sender_id="whatsapp:263772000001", msisdn="263772000001",
                                amount=Decimal("50.00"), currency="USD", customer_channel="ecocash")
    before = (bookings.payment_totals(), bookings.list_transactions())
    tracker_db = tmp_path / "conversations.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db))
    store_conversation(store, "whatsapp:263772000001", 120)  # idle for 4 months
    store_conversation(store, "rest:old-chat", 91)
    store_conversation(store, "whatsapp:263772000002", 3)
    # Started long ago, but the customer wrote again yesterday: kept whole.
    store_conversation(store, "whatsapp:263772000003", 200, 1)
    store.engine.dispose()

    result = purge(tmp_path, database_url, tracker_db)
    assert result["older_than_days"] == 90 and result["conversations_deleted"] == 2
    assert senders(tracker_db) == ["whatsapp:263772000002", "whatsapp:263772000003"]
    assert purge(tmp_path, database_url, tracker_db)["conversations_deleted"] == 0  # idempotent
    assert purge(tmp_path, database_url, tracker_db, "--older-than-days", "2")["conversations_deleted"] == 1
    assert senders(tracker_db) == ["whatsapp:263772000003"]
    assert (bookings.payment_totals(), bookings.list_transactions()) == before
    bookings.dispose()


def test_unknown_reference_records_go_once_their_window_has_passed(tmp_path: Path) -> None:
    """Each names a chat (a WhatsApp sender id is a phone number); past the 15-minute window none counts."""
    database_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    upgrade_to_head(database_url)
    bookings = BookingStore(database_url)
    for sender in ("whatsapp:263772000001", "whatsapp:263772000002"):
        bookings.record_lookup_miss(sender)
    with bookings.session() as session:  # one of them a day old
        session.execute(sa.update(BookingLookupMiss).where(BookingLookupMiss.sender_id == "whatsapp:263772000001")
                        .values(created_at=datetime.utcnow() - timedelta(days=1)))

    result = purge(tmp_path, database_url, tmp_path / "empty.db")
    assert result["lookup_misses_deleted"] == 1
    now = datetime.utcnow()
    assert bookings.lookup_misses("whatsapp:263772000001", now - timedelta(days=365))[0] == 0
    assert bookings.lookup_misses("whatsapp:263772000002", now - timedelta(minutes=15))[0] == 1  # still counting
    bookings.dispose()


def test_nothing_stored_yet_is_not_an_error(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    upgrade_to_head(database_url)
    assert purge(tmp_path, database_url, tmp_path / "empty.db")["conversations_deleted"] == 0
