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
