"""Fixtures for testing the custom actions one at a time.

The actions run as rasa-sdk runs them (a ``Tracker``, a ``CollectingDispatcher``
and the domain from domain.yml; tests/support/trackers.py builds them) against
the payment backend of tests/support/payment_backend.py: a real SQLite database
in a temporary folder with the demo bookings, and the real O'mari sandbox on an
ephemeral loopback port.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import yaml

from payments.store.repository import BookingStore
from tests.support.payment_backend import PaymentBackend

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((REPO / "domain.yml").read_text())


@pytest.fixture
def store(payment_backend: PaymentBackend, actions_runtime: Any,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[BookingStore]:
    """The backend's store, with the actions pointed at it and at the sandbox (a 0.5 s read timeout)."""
    monkeypatch.setenv("OMARI_READ_TIMEOUT", "0.5")
    yield payment_backend.store
