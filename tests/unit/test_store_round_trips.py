"""What the store costs the database per call: connections kept, one query per lookup.

The action server makes several store calls per customer turn, so an extra
connection or query per call shows up in its CPU under load. These tests pin
the cheap behaviour and check that it still returns what it always did.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Iterator, List

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from payments.store.database import is_sqlite_file, make_engine
from payments.store.demo_data import seed_demo_bookings
from payments.store.migrations import upgrade_to_head
from payments.store.repository import BookingStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[BookingStore]:
    database_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    upgrade_to_head(database_url)
    booking_store = BookingStore(database_url, pool_size=4)
    seed_demo_bookings(booking_store)
    try:
        yield booking_store
    finally:
        booking_store.dispose()


def _engine(store: BookingStore) -> Engine:
    return store._engine  # the tests watch what reaches the database


@contextmanager
def selects(engine: Engine) -> Iterator[List[str]]:
    """The SELECT statements ``engine`` runs inside the block."""
    seen: List[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _pay(store: BookingStore, reference: str, sender: str = "s1") -> None:
    store.create_transaction(
        reference=reference, booking_reference="BK-T005-20260210", sender_id=sender,
        msisdn="263772123456", amount=Decimal("50.00"), currency="USD", customer_channel="ecocash",
    )


@pytest.mark.parametrize(
    "url, pooled",
    [
        ("sqlite:///bookings.db", True),
        ("sqlite:////var/lib/kali/bookings.db", True),
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("sqlite:///file:bookings?mode=memory&uri=true", False),
        ("postgresql://kali@db/kali", False),
    ],
)
def test_only_sqlite_files_are_recognised_as_files(url: str, pooled: bool) -> None:
    assert is_sqlite_file(url) is pooled


def test_an_sqlite_file_keeps_its_connections_between_sessions(store: BookingStore) -> None:
    opened: List[object] = []
    event.listen(_engine(store), "connect", lambda connection, _record: opened.append(connection))
    for _ in range(20):
        assert store.find_booking("BKT00520260210") is not None
    # The first call may open one; none after that.
    assert len(opened) <= 1


def test_pooled_sqlite_connections_still_get_foreign_keys_and_wal(store: BookingStore) -> None:
    with _engine(store).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_threads_share_the_pool_without_seeing_each_others_work(store: BookingStore) -> None:
    """Eight threads write at once on four pooled connections; every write lands once."""
    references = [f"00000000-0000-4000-8000-{n:012d}" for n in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda ref: _pay(store, ref, sender=ref), references))
    with ThreadPoolExecutor(max_workers=8) as pool:
        credited = list(pool.map(
            lambda ref: store.credit_booking(ref, payment_reference=ref, debit_reference=None,
                                             response_code="000", response_message="ok"),
            references + references,
        ))
    assert credited.count(True) == 8
    assert store.find_booking("BKT00520260210").amount_paid == Decimal("400.00")


def test_an_in_memory_database_still_works_on_one_thread() -> None:
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT x FROM t").scalar() == 1
    engine.dispose()


def test_a_transaction_and_its_booking_come_in_one_query(store: BookingStore) -> None:
    reference = "00000000-0000-4000-8000-000000000001"
    _pay(store, reference)
    with selects(_engine(store)) as seen:
        transaction = store.get_transaction(reference)
    assert transaction.booking_reference == "BK-T005-20260210"
    assert len(seen) == 1
    with selects(_engine(store)) as seen:
        latest, booking = store.latest_transaction("s1")
    assert latest.reference == reference and latest.booking_reference == "BK-T005-20260210"
    assert booking == store.find_booking("BKT00520260210")
    assert len(seen) == 1
    with selects(_engine(store)) as seen:
        receipt = store.transaction_with_booking(reference)
    assert receipt == (transaction, booking)
    assert len(seen) == 1
    assert store.transaction_with_booking("00000000-0000-4000-8000-000000000009") is None
    assert store.latest_transaction("nobody") is None


def test_listing_transactions_is_one_query_whatever_the_filters(store: BookingStore) -> None:
    for n in range(3):
        _pay(store, f"00000000-0000-4000-8000-00000000000{n}", sender=f"s{n}")
    with selects(_engine(store)) as seen:
        listed = store.list_transactions()
    assert [t.booking_reference for t in listed] == ["BK-T005-20260210"] * 3
    assert len(seen) == 1
    with selects(_engine(store)) as seen:
        filtered = store.list_transactions(
            statuses=["initiated"], booking_reference="BK-T005-20260210", sender_id="s1"
        )
    assert [t.sender_id for t in filtered] == ["s1"]
    assert filtered[0].booking_reference == "BK-T005-20260210"
    assert len(seen) == 1
