"""Fixtures for testing the custom actions one at a time.

The actions run as rasa-sdk runs them (a ``Tracker``, a ``CollectingDispatcher``
and the domain from domain.yml) against a real SQLite database in a temporary
folder and the real O'mari sandbox on an ephemeral loopback port.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from payments.store.demo_data import seed_demo_bookings
from common.sender_ids import channel_of
from payments.store.migrations import upgrade_to_head
from payments.store.repository import BookingStore
from omari_sandbox import start_sandbox

REPO = Path(__file__).resolve().parents[3]
SANDBOX_OTP = "123456"


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((REPO / "domain.yml").read_text())


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BookingStore]:
    """Demo bookings in a fresh database, the sandbox up, and the actions pointed at both."""
    sandbox = start_sandbox(port=0, otp=SANDBOX_OTP, slow_seconds=1.5)
    database_url = f"sqlite:///{tmp_path / 'bookings.db'}"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("OMARI_API_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("OMARI_READ_TIMEOUT", "0.5")
    monkeypatch.delenv("OMARI_MERCHANT_KEY", raising=False)
    runtime.settings.cache_clear()
    runtime.payment_service.cache_clear()
    upgrade_to_head(database_url)
    booking_store = BookingStore(database_url)
    seed_demo_bookings(booking_store)
    try:
        yield booking_store
    finally:
        booking_store.dispose()
        runtime.payment_service.cache_clear()
        runtime.settings.cache_clear()
        sandbox.stop()


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    sender_id: str = "test-sender",
    active_loop: Optional[str] = "payment_form",
    intent: str = "inform",
    set_this_turn: Optional[List[str]] = None,
    input_channel: Optional[str] = None,
) -> Tracker:
    """A tracker as rasa-sdk builds one from Rasa's request, with the given slots.

    ``set_this_turn`` names the slots the latest message filled (all given
    slots by default); only those are validated, as in a real conversation.
    The message came through the channel of the (scoped) ``sender_id``, as
    rasa_runtime/turns/channel_guard.py sets it, unless ``input_channel`` says otherwise.
    """
    all_slots = {
        "booking_reference": None,
        "amount": None,
        "payment_channel": None,
        "phone_number": None,
        "otp": None,
        "transaction_reference": None,
        "otp_reference": None,
        "payment_outcome": None,
        "payment_halt": None,
        "invalid_answers": 0,
        "requested_slot": None,
    }
    all_slots.update(slots or {})
    # The form validator only validates slots set since the last user message.
    channel = input_channel if input_channel is not None else channel_of(sender_id)
    events = [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": channel}]
    fresh = set(slots or {}) if set_this_turn is None else set(set_this_turn)
    events += [
        {"event": "slot", "name": name, "value": value} for name, value in (slots or {}).items() if name in fresh
    ]
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(coroutine):
    return asyncio.run(coroutine)


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [message.get("response") for message in dispatcher.messages]


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The last value each SlotSet event gives a slot."""
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
