"""Alembic's environment for the booking database.

Run through ``python -m payments.ops migrate`` (which also recognises databases
made before migrations existed) or the ``alembic`` command at the repository
root (``alembic revision --autogenerate -m "..."`` after changing
payments/store/models.py). The database is DATABASE_URL, read by payments.settings like
every other setting, unless the caller put a URL or an open connection in the
Alembic config.
"""
from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from payments.store.models import Base
from payments.settings import load_settings

config = context.config
if config.config_file_name is not None:  # the `alembic` command: alembic.ini's logging
    fileConfig(config.config_file_name, disable_existing_loggers=False)
# What autogenerate compares the database with: the models are the truth.
target_metadata = Base.metadata


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().database_url


def _configure(**options: Any) -> None:
    # Batch mode lets SQLite take column changes it cannot ALTER in place
    # (it copies the table); PostgreSQL gets plain ALTER statements.
    context.configure(target_metadata=target_metadata, render_as_batch=True, compare_type=True, **options)


def _run_on(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """``alembic upgrade head --sql``: print the SQL for a DBA instead of running it."""
    _configure(url=_database_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # payments.store.migrations hands in its own (locked) connection
        _run_on(connection)
        return
    # No connection pool: a migration is one short job, and SQLite gets no
    # foreign-key pragma here so batch mode may copy a referenced table.
    engine = create_engine(_database_url(), poolclass=pool.NullPool, future=True, hide_parameters=True)
    try:
        with engine.connect() as connection:
            _run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
