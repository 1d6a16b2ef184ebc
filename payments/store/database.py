"""The database engine: one place that knows how to open SQLite safely for threads.

PostgreSQL (or any other SQLAlchemy URL) gets a plain engine with pre-ping;
SQLite gets what several action-server threads writing at once need.
"""
from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool


# A failed statement's error (and so a logged traceback) shows its SQL but not
# its values: those are phone numbers, payment references and O'mari's texts.
HIDE_PARAMETERS = True


def is_sqlite_file(database_url: str) -> bool:
    """True for an SQLite database in a file; False for in-memory SQLite and other databases.

    An in-memory database lives only as long as its one connection, so it
    must keep SQLAlchemy's own pool (one connection per thread).
    """
    if not database_url.startswith("sqlite"):
        return False
    path = database_url.split("://", 1)[1] if "://" in database_url else ""
    path = path[1:] if path.startswith("/") else path  # sqlite:///x.db -> x.db
    return bool(path) and path != ":memory:" and "mode=memory" not in path


def make_engine(database_url: str, pool_size: int = 16) -> Engine:
    if not database_url.startswith("sqlite"):
        # One connection per action-server worker thread (PAYMENT_WORKERS), so a
        # burst of actions never queues for one.
        return create_engine(database_url, pool_pre_ping=True, future=True, pool_size=pool_size,
                             hide_parameters=HIDE_PARAMETERS)
    # SQLAlchemy 1.4 opens and closes a new SQLite connection for every session
    # of a file database (NullPool). Each opening runs the pragmas below and
    # each closing of the last one checkpoints the write-ahead log: together
    # about a fifth of the action server's CPU per payment turn under load. A
    # pool of open connections (SQLAlchemy 2.0's default for files) keeps them;
    # every call still gets its own session and transaction, and a connection
    # is used by one thread at a time (the pool hands it out, rolls it back
    # on return).
    pooling = dict(poolclass=QueuePool, pool_size=pool_size) if is_sqlite_file(database_url) else {}
    engine = create_engine(
        database_url,
        future=True,
        hide_parameters=HIDE_PARAMETERS,
        # Several threads of the action server share the engine; SQLite itself
        # serialises writers, and the timeout makes a second writer wait for
        # the first instead of failing with "database is locked".
        connect_args={"check_same_thread": False, "timeout": 30},
        **pooling,
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
