"""The NLU inbox reads the conversations Rasa's own SQL tracker store wrote, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.support.databases import BACKENDS, empty_database_url
from tools.nlu_inbox import build_inbox

DAY = 86400.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_window_the_open_question_and_redaction_hold_on_rasas_own_tables(
        request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
    url = empty_database_url(request, backend, tmp_path)
    store = SQLTrackerStore(Domain.empty(), host=url)
    now = 100 * DAY
    old, recent = now - 40 * DAY, now - 60
    for sender, offset in (("rest:a", 0.0), ("whatsapp:263772000001", 1.0)):
        events = [UserUttered("old blorp", {"name": "nlu_fallback", "confidence": 0.4}, timestamp=old),
                  ActionExecuted("action_listen", timestamp=old),
                  SlotSet("requested_slot", "phone_number", timestamp=recent - 5),
                  UserUttered("It is  0712000002", {"name": "inform", "confidence": 0.3},
                              timestamp=recent + offset),
                  BotUttered("Sorry", metadata={"utter_action": "utter_default"}, timestamp=recent + offset + 1),
                  UserUttered("thanks", {"name": "thank", "confidence": 0.99}, timestamp=recent + offset + 2)]
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()

    entries = build_inbox(url, days=30, threshold=0.7, min_count=1, now=now)
    assert [(e.text, e.requested_slot, e.count) for e in entries] == [("It is 0772123456", "phone_number", 2)]
