"""The database engine: one place that knows how to open SQLite safely for threads.

PostgreSQL (or any other SQLAlchemy URL) gets a plain engine with pre-ping;
SQLite gets what several action-server threads writing at once need.
"""
from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine


def make_engine(database_url: str, pool_size: int = 16) -> Engine:
    if not database_url.startswith("sqlite"):
        # One connection per action-server worker thread (PAYMENT_WORKERS), so a
        # burst of actions never queues for one; SQLite opens one per session.
        return create_engine(database_url, pool_pre_ping=True, future=True, pool_size=pool_size)
    engine = create_engine(
        database_url,
        future=True,
        # Several threads of the action server share the engine; SQLite itself
        # serialises writers, and the timeout makes a second writer wait for
        # the first instead of failing with "database is locked".
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
