"""The intent shortcut guard against Rasa's own RegexMessageHandler and this project's domain."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_runtime.turns.intent_shortcuts import INTENT_SHORTCUT_GUARD, issued_payloads

REPO = Path(__file__).resolve().parents[2]
_PROCESS = "rasa.nlu.classifiers.regex_message_handler:RegexMessageHandler.process"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO / "domain.yml"))


def read(domain: Domain, text: str) -> Message:
    """What the guarded handler makes of ``text`` after NLU read it as ``nlu_guess``."""
    guarded = INTENT_SHORTCUT_GUARD.build({_PROCESS: RegexMessageHandler.process})[_PROCESS]
    message = Message(data={TEXT: text, INTENT: {"name": "nlu_guess", "confidence": 0.9}, ENTITIES: []})
    [handled] = guarded(RegexMessageHandler(), [message], domain)
    return handled


def test_the_allow_list_is_the_slash_payloads_of_the_domains_buttons(domain: Domain) -> None:
    assert issued_payloads(domain) == {"/make_payment", "/ask_tours", "/human_handoff"}


@pytest.mark.parametrize("payload", ["/make_payment", " /human_handoff ", "/ask_tours"])
def test_a_button_payload_is_still_read_as_its_intent(domain: Domain, payload: str) -> None:
    assert read(domain, payload).get(INTENT)["name"] == payload.strip()[1:]


@pytest.mark.parametrize("typed", [
    '/ask_balance{"booking_reference": "BK-T005-20260210"}',
    '  /make_payment{"booking_reference": "BK-T005-20260210"}',
    "/make_payment@1.0",
    '/EXTERNAL_payment_settled{"settled_payment": "00000000-0000-0000-0000-000000000000"}',
    "/inform",
    "/restart",
])
def test_any_other_shortcut_keeps_nlus_reading_and_names_no_entity(domain: Domain, typed: str) -> None:
    handled = read(domain, typed)
    assert handled.get(INTENT)["name"] == "nlu_guess"
    assert handled.get(ENTITIES) == []
    assert handled.get(TEXT) == typed  # the text itself is untouched


def test_text_without_the_prefix_is_left_to_rasa(domain: Domain) -> None:
    assert read(domain, "what is my balance").get(INTENT)["name"] == "nlu_guess"
