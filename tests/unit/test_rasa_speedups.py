"""rasa_runtime.speedups and rasa_runtime.stores.sql_tracker_speedups.

Each leaves what Rasa decides and stores exactly as it was.
"""
from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
from typing import Any, Dict, List

import pytest
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, ActiveLoop, AllSlotsReset, BotUttered, ConversationPaused, ConversationResumed,
    Event, FollowupAction, LoopInterrupted, ReminderScheduled, Restarted, SessionStarted, SlotSet, UserUttered,
)
from rasa.utils.endpoints import EndpointConfig

from rasa_runtime.speedups import (
    answer_checker, cache_event_types, check_action_answers_once, dumps_json, encode_endpoint_requests_with_ujson,
)
from rasa_runtime.stores.sql_tracker_speedups import (
    latest_session_query, speed_up_sql_tracker_store, stored_event_count, tune_sqlite_tracker_store,
)

VALID_ANSWER = {
    "events": [{"event": "slot", "name": "amount", "value": "50.00", "timestamp": None}],
    "responses": [{"response": "utter_ask_payment_channel"}],
}

SAMPLE_EVENTS = [
    UserUttered("pay 50", intent={"name": "pay", "confidence": 0.9},
                entities=[{"entity": "amount", "value": "50", "start": 4, "end": 6}]),
    ActionExecuted("validate_payment_form", policy="RulePolicy", confidence=1.0),
    SlotSet("amount", "50.00"), SlotSet("otp", None), BotUttered("What is your booking reference?", {"buttons": []}),
    ActiveLoop("payment_form"), ActiveLoop(None), FollowupAction("action_listen"), Restarted(),
    AllSlotsReset(), ConversationPaused(), ConversationResumed(), SessionStarted(), LoopInterrupted(True),
    ReminderScheduled("remind", trigger_date_time=__import__("datetime").datetime(2027, 1, 1)),
]


def _rasa_says_valid(schema: Dict[str, Any], answer: Any) -> bool:
    return validators.validator_for(schema)(schema).is_valid(answer)


def _variants(event: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The event, then each field dropped or given a value of each wrong kind, then renamed to each other type."""
    variants = [event]
    for key in event:
        dropped = {k: v for k, v in event.items() if k != key}
        variants.append(dropped)
        for wrong in (5, "text", None, [], {}, 1.5, True):
            variants.append({**event, key: wrong})
    for other in SAMPLE_EVENTS:
        variants.append({**event, "event": other.type_name})
    return variants


@pytest.fixture(scope="module")
def remote_action() -> RemoteAction:
    assert check_action_answers_once()
    assert check_action_answers_once()  # applying it twice is harmless
    return RemoteAction("validate_payment_form", EndpointConfig("http://127.0.0.1:9/webhook"))


def test_a_valid_answer_is_accepted_without_checking_the_schema_again(remote_action, monkeypatch) -> None:
    schema_class = validators.validator_for(RemoteAction.action_response_format_spec())
    checks = []
    monkeypatch.setattr(schema_class, "check_schema", classmethod(lambda cls, schema: checks.append(schema)))
    for _ in range(3):
        assert remote_action._validate_action_result(VALID_ANSWER) is True
    assert checks == []


@pytest.mark.parametrize(
    "answer",
    [
        {"events": "not a list", "responses": []},
        {"events": [{"event": "slot", "name": 5}], "responses": []},
        {"events": [{"event": "no such event"}], "responses": []},
        {"events": [{"name": "event type missing"}], "responses": []},
        {"events": [], "responses": ["not an object"]},
    ],
)
def test_an_invalid_answer_is_still_refused_with_rasas_message(remote_action, answer) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action._validate_action_result(answer)


def test_checking_one_event_schema_agrees_with_rasas_one_of_on_every_variant() -> None:
    schema = RemoteAction.action_response_format_spec()
    passes = answer_checker(schema)
    assert passes is not None
    checked = accepted = 0
    for event in SAMPLE_EVENTS:
        for variant in _variants(event.as_dict()):
            answer = {"events": [variant], "responses": []}
            assert passes(answer) == _rasa_says_valid(schema, answer), variant
            checked, accepted = checked + 1, accepted + passes(answer)
    assert checked > 500 and 0 < accepted < checked  # both verdicts were exercised


def test_the_shortcut_is_refused_when_two_event_schemas_share_a_name() -> None:
    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    branches = schema["properties"]["events"]["items"]["oneOf"]
    branches.append(copy.deepcopy(branches[0]))
    assert answer_checker(schema) is None


# Saving conversations ----------------------------------------------------------

@pytest.fixture
def tracker_store(tmp_path) -> SQLTrackerStore:
    assert tune_sqlite_tracker_store() and speed_up_sql_tracker_store()
    domain = Domain.from_yaml("slots:\n  amount:\n    type: any\n    mappings: []\n")
    store = SQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'conversations.db'}")
    yield store
    store.engine.dispose()


def _stored_types(store: SQLTrackerStore, sender: str) -> List[str]:
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).order_by(store.SQLEvent.id)
        return [row.type_name for row in rows]


def test_every_event_is_stored_once_turn_after_turn_without_recounting(tracker_store, monkeypatch) -> None:
    async def conversation() -> None:
        tracker = await tracker_store.get_or_create_tracker("customer")
        for turn in range(3):
            tracker = await tracker_store.retrieve("customer")
            assert stored_event_count(tracker) == len(tracker.events)
            tracker.update(UserUttered(f"message {turn}"))
            tracker.update(SlotSet("amount", str(turn)))
            counted = []
            original = SQLTrackerStore._event_query
            monkeypatch.setattr(SQLTrackerStore, "_event_query",
                                lambda *args, **kwargs: counted.append(1) or original(*args, **kwargs))  # noqa: B023 - undone below, in this turn
            await tracker_store.save(tracker)
            monkeypatch.setattr(SQLTrackerStore, "_event_query", original)
            assert counted == []  # no re-count: the tracker knew what was stored
            tracker.update(ActionExecuted("action_listen"))
            await tracker_store.save(tracker)  # a second save of the same object adds only the new event

    asyncio.run(conversation())
    assert _stored_types(tracker_store, "customer") == (
        ["action"] + ["user", "slot", "action"] * 3
    )
    assert asyncio.run(tracker_store.retrieve("customer")).get_slot("amount") == "2"


def test_a_copy_of_a_tracker_is_counted_as_rasa_counts_it(tracker_store) -> None:
    async def conversation() -> None:
        tracker = await tracker_store.get_or_create_tracker("customer")
        tracker.update(UserUttered("hello"))
        await tracker_store.save(tracker)
        duplicate = copy.deepcopy(tracker)  # carries the remembered count, but it is another object
        assert stored_event_count(duplicate) is None
        tracker.update(BotUttered("hi"))
        await tracker_store.save(tracker)
        duplicate.update(SlotSet("amount", "10"))
        # Rasa counts 3 stored events, so the copy's third event is taken as stored.
        await tracker_store.save(duplicate)

    asyncio.run(conversation())
    assert _stored_types(tracker_store, "customer") == ["action", "user", "bot"]


def test_a_new_session_is_counted_from_its_start(tracker_store) -> None:
    async def conversation() -> None:
        tracker = await tracker_store.get_or_create_tracker("customer")
        tracker.update(UserUttered("first session"))
        await tracker_store.save(tracker)
        tracker = await tracker_store.retrieve("customer")
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        await tracker_store.save(tracker)
        again = await tracker_store.retrieve("customer")
        assert [event.type_name for event in again.events] == ["session_started", "action"]
        again.update(UserUttered("second session"))
        await tracker_store.save(again)

    asyncio.run(conversation())
    assert _stored_types(tracker_store, "customer") == [
        "action", "user", "action", "session_started", "action", "user"]
    with tracker_store.session_scope() as session:  # Rasa's own query reads what ours reads
        rasas = [row.data for row in tracker_store._event_query(session, "customer", False).all()]
        ours = [data for (data,) in session.execute(
            latest_session_query(tracker_store.SQLEvent.__table__), {"sender_id": "customer"})]
    assert ours == rasas and len(ours) == 3


def test_rows_carry_the_columns_rasa_writes(tracker_store) -> None:
    async def conversation() -> None:
        tracker = await tracker_store.get_or_create_tracker("customer")
        tracker.update(UserUttered("pay", intent={"name": "pay", "confidence": 0.9}, timestamp=1700000000.5))
        tracker.update(ActionExecuted("payment_form", timestamp=1700000001.0))
        await tracker_store.save(tracker)

    asyncio.run(conversation())
    with tracker_store.session_scope() as session:
        rows = session.query(tracker_store.SQLEvent).order_by(tracker_store.SQLEvent.id).all()
        columns = [(r.sender_id, r.type_name, r.timestamp, r.intent_name, r.action_name) for r in rows[1:]]
        user_data = json.loads(rows[1].data)
    assert columns == [("customer", "user", 1700000000.5, "pay", None),
                       ("customer", "action", 1700000001.0, None, "payment_form")]
    assert user_data["text"] == "pay" and user_data["parse_data"]["intent"]["name"] == "pay"


# Event types -------------------------------------------------------------------

def test_event_types_resolve_as_rasa_resolves_them_and_learn_new_ones() -> None:
    assert cache_event_types()
    for event in SAMPLE_EVENTS:
        assert Event.resolve_by_type(event.type_name) is type(event)
        assert Event.resolve_by_type(event.type_name) is type(event)  # now from memory
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("kali_test_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("kali_test_event")

    class KaliTestEvent(SlotSet):  # defined after the lookups: it must still be found
        type_name = "kali_test_event"

    assert Event.resolve_by_type("kali_test_event") is KaliTestEvent
    assert Event.resolve_by_type("kali_test_event", default=SlotSet) is KaliTestEvent


# Calls to the action server -------------------------------------------------------

def test_a_conversation_is_sent_as_the_same_json_values() -> None:
    domain = Domain.from_yaml("slots:\n  amount:\n    type: any\n    mappings: []\n")
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    tracker = DialogueStateTracker.from_events("customer", SAMPLE_EVENTS + [
        UserUttered("ndoda kubhadhara $50 — ñ ✓", intent={"name": "pay", "confidence": 0.1 + 0.2})], domain.slots)
    state = {"tracker": tracker.current_state(EventVerbosity.ALL), "domain": domain.as_dict(), "version": "3.6.21"}
    assert json.loads(dumps_json(state)) == json.loads(json.dumps(state))


@pytest.mark.parametrize("awkward", [float("inf"), 2**200, 1e-5, 0.1 + 0.2, {1: "int key"}, {None: 1}, (1, 2)])
def test_awkward_values_read_back_as_the_standard_library_writes_them(awkward) -> None:
    assert json.loads(dumps_json({"value": awkward})) == json.loads(json.dumps({"value": awkward}))


def test_what_ujson_refuses_is_encoded_by_the_standard_library(monkeypatch) -> None:
    import ujson

    monkeypatch.setattr(ujson, "dumps", lambda value: (_ for _ in ()).throw(OverflowError("too deep")))
    assert dumps_json({"amount": "50.00"}) == json.dumps({"amount": "50.00"})


def test_rasas_action_server_sessions_use_the_faster_encoder() -> None:
    assert encode_endpoint_requests_with_ujson()

    async def serializer() -> Any:
        async with EndpointConfig("http://127.0.0.1:9/webhook").session() as session:
            return session.json_serialize

    assert asyncio.run(serializer()) is dumps_json


def test_the_sqlite_tracker_store_keeps_its_file_in_wal_mode(tmp_path) -> None:
    assert tune_sqlite_tracker_store()
    database = tmp_path / "conversations.db"
    store = SQLTrackerStore(host=f"sqlite:///{database}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.engine.dispose()
    with sqlite3.connect(database) as connection:  # WAL is kept in the file itself
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
