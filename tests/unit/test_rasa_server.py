"""tools.rasa_server: Rasa checks action-server answers as before, without re-checking its schema each time."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from tools.rasa_server import cache_action_answer_validator

VALID_ANSWER = {
    "events": [{"event": "slot", "name": "amount", "value": "50.00", "timestamp": None}],
    "responses": [{"response": "utter_ask_payment_channel"}],
}


@pytest.fixture(scope="module")
def remote_action() -> RemoteAction:
    assert cache_action_answer_validator()
    assert cache_action_answer_validator()  # applying it twice is harmless
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
        {"events": [], "responses": ["not an object"]},
    ],
)
def test_an_invalid_answer_is_still_refused_with_rasas_message(remote_action, answer) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action._validate_action_result(answer)


def test_the_sqlite_tracker_store_keeps_its_file_in_wal_mode(tmp_path) -> None:
    import sqlite3

    from rasa.core.tracker_store import SQLTrackerStore

    from tools.rasa_server import tune_sqlite_tracker_store

    assert tune_sqlite_tracker_store()
    database = tmp_path / "conversations.db"
    store = SQLTrackerStore(host=f"sqlite:///{database}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.engine.dispose()
    with sqlite3.connect(database) as connection:  # WAL is kept in the file itself
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
