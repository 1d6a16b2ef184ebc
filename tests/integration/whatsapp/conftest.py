"""Fixtures for the WhatsApp channel tests: a fake Graph API (redis_url is in tests/conftest.py)."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.fake_graph import FakeGraph


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake
