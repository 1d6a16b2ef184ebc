"""Settings and servers shared by every test layer."""
from __future__ import annotations

from typing import Iterator

import pytest
from hypothesis import settings

from tests.support.skips import SkipGate, missing_server
from tools import local_servers

# The sandbox-plus-store fixture every layer below Rasa uses (payment_backend).
pytest_plugins = ["tests.support.payment_backend"]

# No per-example time limit: CI shares two cores with Rasa and the servers, and
# speed is measured by a benchmark, never asserted by a test.
settings.register_profile("project", deadline=None, print_blob=True)
settings.load_profile("project")


def pytest_configure(config: pytest.Config) -> None:
    # With REQUIRE_SERVER_TESTS set (CI), any skipped test fails the session (tests/support/skips.py).
    config.pluginmanager.register(SkipGate(), "kali-skip-gate")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a free loopback port (never the system service)."""
    if not local_servers.redis_available():
        missing_server("redis-server")
    with local_servers.redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private PostgreSQL on a free loopback port; the URL of its `postgres` database.

    Tests make their own database in it with
    ``local_servers.create_postgres_database(postgres_server_url, name)``.
    """
    if not local_servers.postgres_available():
        missing_server("PostgreSQL")
    with local_servers.postgres_server(tmp_path_factory.mktemp("postgres")) as url:
        yield url
