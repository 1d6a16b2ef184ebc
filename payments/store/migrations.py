"""The booking database's schema version: apply migrations, or check they were applied.

The schema is created and changed only by the Alembic revisions in
payments/store/alembic/versions, applied by ``python -m payments.ops migrate``
(or :func:`upgrade_to_head` from tests and tools). The action server never
migrates by itself: several instances starting together would race each
other, and a schema change is an operator's decision. At first use it calls
:func:`require_current_schema` instead, which refuses to work on an old schema.

Databases made before migrations existed (``create_all`` made the tables, no
``alembic_version``) are recognised by their columns and stamped at the
revision they match, then upgraded like any other.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional, Tuple

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

SCRIPTS = Path(__file__).resolve().with_name("alembic")
MIGRATE_COMMAND = "python -m payments.ops migrate"
# Any fixed 64-bit number: PostgreSQL advisory-lock key that makes two
# `ops migrate` run at once (two containers starting) take turns.
_MIGRATION_LOCK_KEY = 0x4B414C494D494752
# Revisions a database made by create_all can be at, newest first, with the
# bookings column that tells it apart.
_LEGACY_SHAPES = (("opening_amount_paid", "0002"), (None, "0001"))


class SchemaNotCurrent(RuntimeError):
    """The booking database is not at this code's newest revision; nothing was touched."""


def alembic_config(database_url: Optional[str] = None) -> Config:
    """An Alembic config for the project's revisions, independent of the working directory."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "payments/store/alembic/versions has no revision"
    return head


def current_revision(connection: Connection) -> Optional[str]:
    return MigrationContext.configure(connection).get_current_revision()


def _engine(database_url: str) -> Engine:
    # No pool (one short job) and, on SQLite, no foreign-key pragma, so a
    # migration in batch mode may copy a table others reference.
    return create_engine(database_url, poolclass=pool.NullPool, future=True, hide_parameters=True)


def _legacy_revision(connection: Connection) -> Optional[str]:
    """The revision a pre-migration database matches, or None when it has no tables."""
    inspector = inspect(connection)
    if not inspector.has_table("bookings"):
        return None
    columns = {column["name"] for column in inspector.get_columns("bookings")}
    return next(revision for column, revision in _LEGACY_SHAPES if column is None or column in columns)


def upgrade_to_head(database_url: str) -> Tuple[Optional[str], str]:
    """Bring the database to the newest revision; returns (revision before, revision after).

    Idempotent: at head already, it changes nothing. On PostgreSQL everything
    runs in one transaction holding an advisory lock, so concurrent callers
    wait for each other and a failed migration leaves the schema as it was.
    """
    engine = _engine(database_url)
    config = alembic_config(database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            before = current_revision(connection)
            if before is None:
                before = _legacy_revision(connection)
                if before is not None:
                    logger.warning("booking database made before migrations: stamping it at revision %s", before)
                    command.stamp(config, before)
            command.upgrade(config, "head")
            after = current_revision(connection)
    finally:
        engine.dispose()
    assert after is not None
    return before, after


def require_current_schema(database_url: str) -> None:
    """Raise SchemaNotCurrent, naming the command that fixes it, unless the database is at head."""
    engine = _engine(database_url)
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
    finally:
        engine.dispose()
    head = head_revision()
    if current != head:
        raise SchemaNotCurrent(
            f"the booking database is at schema revision {current or 'none'}, this code needs {head}:"
            f" run `{MIGRATE_COMMAND}` (with the same DATABASE_URL) before starting the action server"
        )
