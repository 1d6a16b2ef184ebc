"""Short sessions on the booking database for the staff tables, one per call (like BookingStore)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session, sessionmaker

from payments.store.database import make_engine


class StaffRecords:
    """The engine the account directory and the audit log share."""

    def __init__(self, database_url: str) -> None:
        self._engine = make_engine(database_url, pool_size=4)
        self._sessions = sessionmaker(bind=self._engine, future=True, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self._engine.dispose()
