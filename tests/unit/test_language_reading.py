"""Which language a message decides (parsing/language.py), and what the NLU component makes of it.

The rule the customer notices: a message changes the conversation's language
only when it chooses one or says enough to tell; "ok", a code, a wallet name
or an emoji never does.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from parsing.language import Language, LanguageChoice, LanguageReader, language_choice
from rasa_runtime.nlu.language_detector import LanguageDetector

EN, SN, ND = Language.ENGLISH, Language.SHONA, Language.NDEBELE


@pytest.fixture(scope="module")
def reader() -> LanguageReader:
    return LanguageReader()


@pytest.mark.parametrize("text, chosen", [
    ("English", EN), ("english pls", EN), ("reply in English please", EN), ("ndinoda chiRungu", EN),
    ("Shona", SN), ("ChiShona", SN), ("ndinoda Shona", SN), ("taurai neShona", SN), ("can you speak shona", SN),
    ("isiNdebele", ND), ("ngifuna isiNdebele", ND), ("khuluma ngesiNdebele", ND), ("Ndebele please", ND),
])
def test_a_language_named_with_words_for_choosing_is_a_choice(text: str, chosen: Language) -> None:
    assert language_choice(text) == LanguageChoice(chosen)


@pytest.mark.parametrize("text", ["language", "change language", "mutauro", "chinja mutauro", "ulimi"])
def test_asking_for_the_languages_is_a_choice_of_none_yet(text: str) -> None:
    assert language_choice(text) == LanguageChoice(None)


@pytest.mark.parametrize("text", [
    "translate hello to english",  # an everyday request, not a choice
    "I speak English at home and pay with ecocash",
    "is the tour guide Shona or Ndebele",  # two languages named: no choice
    "ok", "", "BK-T005-20260210", "english english english english english english english",
])
def test_a_sentence_that_mentions_a_language_is_no_choice(text: str) -> None:
    assert language_choice(text) is None


@pytest.mark.parametrize("text", [
    "ok", "OK!", "okay", "👍", "🙏🏾", "123456", "483 920", "0772 123 456", "BK-T005-20260210",
    "ecocash", "one money", "thanks", "hi", "mhoroi", "yebo", "hongu", "50 usd", "$20", "lol",
])
def test_a_short_or_ambiguous_message_decides_nothing(reader: LanguageReader, text: str) -> None:
    assert reader.language_of(text) is None


@pytest.mark.parametrize("text, language", [
    ("ndiri kuda kubhadhara mari yangu", SN),
    ("ko mari yasara ndeyei pa booking yangu", SN),
    ("handina kuwana kodhi ndapota nditumire imwe", SN),
    ("ngicela ukubhadala imali yami", ND),
    ("angitholanga ikhodi ngicela enye", ND),
    ("kulungile ngizabhadala kusasa", ND),
    ("I would like to settle what is left on my safari booking", EN),
    ("could you tell me how much I still owe please", EN),
])
def test_a_sentence_decides_its_language(reader: LanguageReader, text: str, language: Language) -> None:
    assert reader.language_of(text) is language


@pytest.mark.parametrize("text", [
    "ndinoda kubhadhara the balance on my booking using ecocash",
    "please can I pay mari yangu yasara today",
])
def test_english_words_inside_shona_grammar_count_as_shona(reader: LanguageReader, text: str) -> None:
    assert reader.language_of(text) is SN


def detect(text: str, intent: str = "inform", metadata: Optional[Dict[str, Any]] = None) -> Message:
    message = Message(data={TEXT: text, "metadata": metadata})
    ranking = [{"name": intent, "confidence": 0.8}, {"name": "make_payment", "confidence": 0.15}]
    message.set(INTENT, ranking[0])
    message.set(INTENT_RANKING_KEY, ranking)
    LanguageDetector(LanguageReader()).process([message])
    return message


def language_entity(message: Message) -> Optional[str]:
    values = [entity["value"] for entity in message.get(ENTITIES, []) if entity["entity"] == "language"]
    assert len(values) <= 1
    return values[0] if values else None


def test_the_component_fills_the_slot_only_for_a_decided_message() -> None:
    assert language_entity(detect("ndinoda kubhadhara mari yangu")) == "sn"
    assert language_entity(detect("ok")) is None
    assert language_entity(detect("/make_payment")) is None


def test_a_choice_becomes_the_choose_language_intent_and_nothing_else_does() -> None:
    chosen = detect("ngifuna isiNdebele", intent="make_payment")
    assert chosen.get(INTENT)["name"] == "choose_language" and language_entity(chosen) == "nd"
    guessed = detect("I speak English at home and pay with ecocash", intent="choose_language")
    assert guessed.get(INTENT)["name"] == "make_payment"
    assert all(entry["name"] != "choose_language" for entry in guessed.get(INTENT_RANKING_KEY))


def test_a_rest_callers_metadata_names_the_language() -> None:
    assert language_entity(detect("hi", metadata={"language": "nd"})) == "nd"
    assert language_entity(detect("hi", metadata={"language": "klingon"})) is None
    assert language_entity(detect("hi", metadata={"language": ["sn"]})) is None


def test_an_answer_given_before_the_turn_follows_the_language_of_the_message() -> None:
    """"Too long" and "slow down" are sent without reading the conversation: the message decides."""
    import types

    import yaml

    from rasa_runtime.turns.channel_guard import too_long_text
    from rasa_runtime.turns.sender_rate_limit import slow_down_text
    from tests.support.catalogue_replies import languages_of

    domain = Path(__file__).resolve().parents[2] / "domain.yml"
    responses = yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]
    agent = types.SimpleNamespace(domain=types.SimpleNamespace(responses=responses))
    assert "sn" in languages_of(slow_down_text(agent, "ndinoda kubhadhara mari yangu ndapota"))
    assert "nd" in languages_of(slow_down_text(agent, "ngicela ukubhadala imali yami"))
    assert "en" in languages_of(slow_down_text(agent, "ok"))
    assert "en" in languages_of(slow_down_text(agent, None))
    shona = too_long_text(agent, 4000, "ndinoda kubhadhara mari yangu " * 300)
    assert "4,000" in shona and shona != too_long_text(agent, 4000, "x" * 9000)


def test_out_of_scope_backed_by_the_text_gives_way_to_the_runner_up() -> None:
    from rasa_runtime.nlu.out_of_scope_check import OutOfScopeCheck

    def check(text: str, runner_up: str) -> Message:
        message = Message(data={TEXT: text})
        ranking = [{"name": "out_of_scope", "confidence": 0.97}, {"name": runner_up, "confidence": 0.02},
                   {"name": "greet", "confidence": 0.01}]
        message.set(INTENT, ranking[0])
        message.set(INTENT_RANKING_KEY, ranking)
        OutOfScopeCheck().process([message])
        return message

    balance = check("how much is my balance", "ask_balance")
    # It keeps the classifier's confidence, so the fallback does not undo it.
    assert balance.get(INTENT) == {"name": "ask_balance", "confidence": 0.97}
    assert [entry["name"] for entry in balance.get(INTENT_RANKING_KEY)] == ["ask_balance", "greet", "out_of_scope"]
    assert check("will you tell me my bank balance", "ask_balance").get(INTENT)["name"] == "out_of_scope"
    assert check("what time is it in tokyo", "greet").get(INTENT)["name"] == "out_of_scope"
