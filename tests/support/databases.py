"""Fresh, migrated booking databases on either back-end, for tests that must hold on both.

SQLite is the one-machine default; PostgreSQL is what several action servers
share. A test parametrised over ``BACKENDS`` gets a brand-new database on each,
brought to the newest schema by the same function `ops migrate` uses.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from payments.store.migrations import upgrade_to_head
from tools import local_servers

BACKENDS = ("sqlite", "postgresql")


def empty_database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A new, empty database; PostgreSQL ones live on the session's private server."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'bookings-{uuid.uuid4().hex[:8]}.db'}"
    server_url = request.getfixturevalue("postgres_server_url")
    return local_servers.create_postgres_database(server_url, f"bookings_{uuid.uuid4().hex[:12]}")


def migrated_database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    url = empty_database_url(request, backend, tmp_path)
    upgrade_to_head(url)
    return url
