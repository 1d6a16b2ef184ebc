"""The booking schema comes from Alembic revisions, on SQLite and PostgreSQL alike.

The newest revision must give exactly the tables payments/store/models.py describes
(so a model change without a migration fails here), databases made before
migrations existed must be carried forward with their data, and nothing but
`ops migrate` may create or change a table.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import List

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import BigInteger, CheckConstraint, Column, MetaData, Table, create_engine, inspect, text

from actions import runtime
from payments import ops
from payments.store.migrations import (
    MIGRATE_COMMAND,
    SchemaNotCurrent,
    alembic_config,
    head_revision,
    require_current_schema,
    upgrade_to_head,
)
from parsing.language import Language
from payments.service import PaymentService
from payments.store.models import Base
from payments.store.repository import BookingStore
from tests.support.databases import BACKENDS, empty_database_url

TRANSACTION = "a6c1e3f0-0000-4000-8000-00000000000{}"


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_database_url(request, request.param, tmp_path)


def schema_differences(database_url: str, metadata: MetaData = Base.metadata) -> List[tuple]:
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def tables(database_url: str) -> List[str]:
    engine = create_engine(database_url, future=True)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def booking_columns(database_url: str) -> List[str]:
    engine = create_engine(database_url, future=True)
    try:
        return [column["name"] for column in inspect(engine).get_columns("bookings")]
    finally:
        engine.dispose()


def transaction_columns(database_url: str) -> List[str]:
    engine = create_engine(database_url, future=True)
    try:
        return [column["name"] for column in inspect(engine).get_columns("payment_transactions")]
    finally:
        engine.dispose()


def execute(database_url: str, *statements: str) -> list:
    engine = create_engine(database_url, future=True)
    try:
        with engine.begin() as connection:
            results = [connection.execute(text(statement)) for statement in statements]
            return results[-1].all() if results and results[-1].returns_rows else []
    finally:
        engine.dispose()


def legacy_metadata(with_opening_amount: bool) -> MetaData:
    """What ``create_all`` made before migrations: the models, less what came later.

    Later than any create_all database: revision 0003's overpaid amount, lookup
    misses table and indexes, 0004's notification outbox, 0005's staff accounts,
    audit log and refunded amount, 0006's transaction language; with
    ``with_opening_amount`` False, 0002's column too.
    """
    later_columns = {"overpaid_amount", "refunded_amount"} | (set() if with_opening_amount else {"opening_amount_paid"})
    later_indexes = {("payment_transactions", "msisdn"), ("payment_transactions", "created_at")}
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        if table.name in ("booking_lookup_misses", "payment_notifications", "staff_accounts", "audit_entries"):
            continue
        if table.name != "bookings":
            copied = table.to_metadata(metadata)
            for index in list(copied.indexes):
                if any((table.name, column.name) in later_indexes for column in index.columns):
                    copied.indexes.discard(index)
            continue
        # bookings without the later columns (it has no foreign keys to carry over)
        columns = [column.copy() for column in table.columns if column.name not in later_columns]
        checks = [
            CheckConstraint(check.sqltext, name=check.name)
            for check in table.constraints
            if isinstance(check, CheckConstraint)
            and not any(later.split("_")[0] in str(check.name) for later in later_columns)
        ]
        Table(table.name, metadata, *columns, *checks)
    return metadata


def make_legacy_database(database_url: str, with_opening_amount: bool) -> None:
    """A database from before migrations, with one booking partly paid through the assistant."""
    engine = create_engine(database_url, future=True)
    legacy_metadata(with_opening_amount).create_all(engine)
    engine.dispose()
    # 0006's transaction language, dropped after create_all (a copied table would lose its foreign key)
    execute(database_url, "ALTER TABLE payment_transactions DROP COLUMN language")
    opening = ", opening_amount_paid" if with_opening_amount else ""
    opening_value = ", 30000" if with_opening_amount else ""
    statements = [
        "INSERT INTO bookings (id, reference, lookup_key, customer_name, customer_phone, tour_name, total,"
        f" amount_paid, currency, status, created_at, updated_at{opening}) VALUES (1, 'BK-T005-20260210',"
        " 'BKT00520260210', 'Rudo Chikore', '263712000002', 'Hwange', 85000, 45000, 'USD', 'pending',"
        f" '2026-01-01 00:00:00', '2026-01-01 00:00:00'{opening_value})"
    ]
    for number, (amount, status) in enumerate([(5000, "success"), (3000, "failed")], start=1):
        statements.append(
            "INSERT INTO payment_transactions (id, reference, booking_id, sender_id, msisdn, amount, currency,"
            f" customer_channel, otp_attempts, status, created_at, updated_at) VALUES ({number},"
            f" '{TRANSACTION.format(number)}', 1, 's', '263772123456', {amount}, 'USD', 'ecocash', 0,"
            f" '{status}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    execute(database_url, *statements)


# -- a new database -------------------------------------------------------------------


def test_migrating_an_empty_database_gives_exactly_the_models(empty_database: str) -> None:
    assert upgrade_to_head(empty_database) == (None, head_revision())
    assert schema_differences(empty_database) == []
    require_current_schema(empty_database)  # the action server would start on it


def test_the_comparison_catches_a_model_change_without_a_migration(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    changed = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["bookings"].append_column(Column("loyalty_points", BigInteger))
    assert [difference[0] for difference in schema_differences(empty_database, changed)] == ["add_column"]


def test_migrating_twice_changes_nothing(empty_database: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database)
    assert ops.main(["migrate"]) == 0
    assert f"from revision none (empty) to {head_revision()}" in capsys.readouterr().out
    assert ops.main(["migrate"]) == 0
    assert f"already at revision {head_revision()}: nothing to do" in capsys.readouterr().out
    assert schema_differences(empty_database) == []


def test_downgrade_to_nothing_and_back_up(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    config = alembic_config(empty_database)
    command.downgrade(config, "0001")
    assert "opening_amount_paid" not in booking_columns(empty_database)
    command.downgrade(config, "base")
    assert tables(empty_database) == ["alembic_version"]
    assert upgrade_to_head(empty_database) == (None, head_revision())
    assert schema_differences(empty_database) == []


def test_revision_0003_flags_bookings_already_paid_above_their_total(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0002")
    execute(empty_database,
            "INSERT INTO bookings (id, reference, lookup_key, customer_name, customer_phone, tour_name, total,"
            " amount_paid, opening_amount_paid, currency, status, created_at, updated_at) VALUES"
            " (1, 'BK-A', 'BKA', 'A', '263712000001', 'T', 120000, 200000, 200000, 'USD', 'paid',"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
            " (2, 'BK-B', 'BKB', 'B', '263712000002', 'T', 50000, 10000, 10000, 'USD', 'pending',"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    assert upgrade_to_head(empty_database) == ("0002", head_revision())
    assert execute(empty_database, "SELECT reference, overpaid_amount FROM bookings ORDER BY id") == [
        ("BK-A", 80000), ("BK-B", 0)]
    command.downgrade(config, "0002")
    assert "overpaid_amount" not in booking_columns(empty_database)
    assert "booking_lookup_misses" not in tables(empty_database)


def test_revision_0006_gives_earlier_payments_no_language_and_new_ones_theirs(empty_database: str) -> None:
    command.upgrade(alembic_config(empty_database), "0005")
    execute(empty_database,
            "INSERT INTO bookings (reference, lookup_key, customer_name, customer_phone, tour_name, total,"
            " amount_paid, opening_amount_paid, currency, status, created_at, updated_at) VALUES ("
            " 'BK-T005-20260210', 'BKT00520260210', 'Rudo Chikore', '263712000002', 'Hwange', 85000, 0, 0, 'USD',"
            " 'pending', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            "INSERT INTO payment_transactions (reference, booking_id, sender_id, msisdn, amount, currency,"
            f" customer_channel, otp_attempts, status, created_at, updated_at) SELECT '{TRANSACTION.format(1)}',"
            " id, 's', '263772123456', 5000, 'USD', 'ecocash', 0, 'failed', '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00' FROM bookings")
    assert upgrade_to_head(empty_database) == ("0005", head_revision())
    store = BookingStore(empty_database)
    try:
        assert [t.language for t in store.list_transactions()] == [None]
        created, _ = store.create_transaction(
            reference=TRANSACTION.format(3), booking_reference="BK-T005-20260210", sender_id="whatsapp:263772123456",
            msisdn="263772123456", amount=Decimal("10.00"), currency="USD", customer_channel="ecocash",
            language=Language.NDEBELE)
        assert store.get_transaction(created.reference).language is Language.NDEBELE
    finally:
        store.dispose()
    command.downgrade(alembic_config(empty_database), "0005")
    assert "language" not in transaction_columns(empty_database)


# -- databases made before migrations --------------------------------------------------


def test_a_database_from_before_opening_amounts_is_stamped_upgraded_and_explained(empty_database: str) -> None:
    make_legacy_database(empty_database, with_opening_amount=False)
    assert upgrade_to_head(empty_database) == ("0001", head_revision())
    assert schema_differences(empty_database) == []
    store = BookingStore(empty_database)
    try:
        # 450.00 paid, 50.00 of it through the assistant (the failed 30.00 moved no money).
        assert store.payment_totals() == [
            ("BK-T005-20260210", Decimal("450.00"), Decimal("400.00"), Decimal("50.00"), Decimal("850.00"))
        ]
        assert [t.status for t in store.list_transactions()] == ["success", "failed"]
    finally:
        store.dispose()


def test_a_database_that_already_had_opening_amounts_is_stamped_and_left_as_it_was(empty_database: str) -> None:
    make_legacy_database(empty_database, with_opening_amount=True)
    assert upgrade_to_head(empty_database) == ("0002", head_revision())
    assert schema_differences(empty_database) == []
    assert execute(empty_database, "SELECT amount_paid, opening_amount_paid FROM bookings") == [(45000, 30000)]
    assert upgrade_to_head(empty_database) == (head_revision(), head_revision())


def test_migrations_started_together_on_postgresql_take_turns(request, tmp_path: Path) -> None:
    """Two containers running `ops migrate` at once: one migrates, the other finds it done."""
    database = empty_database_url(request, "postgresql", tmp_path)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: upgrade_to_head(database), range(3)))
    head = head_revision()
    assert sorted(results, key=str) == sorted([(None, head), (head, head), (head, head)], key=str)
    assert schema_differences(database) == []


# -- nothing else creates tables ---------------------------------------------------------


def test_ops_commands_refuse_an_unmigrated_database_and_create_nothing(empty_database, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database)
    assert ops.main(["seed"]) == 2
    assert MIGRATE_COMMAND in capsys.readouterr().err
    assert [t for t in tables(empty_database) if t != "alembic_version"] == []


def test_the_action_server_refuses_an_old_schema_with_one_clear_log_line(tmp_path, monkeypatch, caplog) -> None:
    database = f"sqlite:///{tmp_path / 'old.db'}"
    make_legacy_database(database, with_opening_amount=True)
    monkeypatch.setenv("DATABASE_URL", database)
    runtime.settings.cache_clear()
    runtime.payment_service.cache_clear()
    try:
        with pytest.raises(SchemaNotCurrent):
            runtime.payment_service()
        with caplog.at_level(logging.ERROR, logger="actions.runtime"):
            with pytest.raises(runtime.ServiceFailure):
                runtime.asyncio.run(runtime.call_payments(PaymentService.look_up_booking, "rest:t", "BKT00520260210"))
        [record] = [r for r in caplog.records if r.name == "actions.runtime"]
        assert MIGRATE_COMMAND in record.getMessage() and record.exc_info is None
        assert tables(database) == ["bookings", "payment_transactions"]  # it did not migrate by itself
        upgrade_to_head(database)  # once someone migrates, the next turn works without a restart
        found = runtime.payment_service().look_up_booking("rest:t", "BKT00520260210").booking
        assert found is not None and found.reference == "BK-T005-20260210"
    finally:
        runtime.payment_service.cache_clear()
        runtime.settings.cache_clear()
