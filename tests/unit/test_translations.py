"""The reply catalogues (translations/*.yml) and the domain's responses written from them.

A reply a customer reads in Shona or Ndebele must say what the English one
says, with the same figures: every response in every language, the same
placeholders, the same buttons, within WhatsApp's limits, and the domain
Rasa answers from is exactly what the catalogues say.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from common.catalogue import LANGUAGES, SOURCE_LANGUAGE, TRANSLATED_LANGUAGES, Catalogue, Phrases, load_all
from tools.translations import (
    REPLY_TITLE_MAX,
    ROW_TITLE_MAX,
    domain_with_responses,
    problems,
    render_responses,
    status,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalogues() -> dict:
    return load_all()


def test_the_domain_answers_with_what_the_catalogues_say(catalogues: dict) -> None:
    domain_text = (REPO / "domain.yml").read_text(encoding="utf-8")
    assert domain_with_responses(domain_text, render_responses(catalogues)) == domain_text, (
        "domain.yml is stale: run `make translations`")


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_response_and_phrase_has_a_text_in_every_language(catalogues: dict, language: str) -> None:
    [report] = [entry for entry in status(catalogues) if entry.language == language]
    assert not report.missing, f"{language} lacks {report.missing}"


def test_no_translation_changes_a_placeholder_a_button_or_a_limit(catalogues: dict) -> None:
    assert [f"{p.language} {p.key}: {p.what}" for p in problems(catalogues)] == []


def test_the_checker_catches_a_dropped_placeholder_and_a_long_button(tmp_path: Path) -> None:
    (tmp_path / "en.yml").write_text(yaml.safe_dump({"language": "en", "texts": {
        "utter_x": {"text": "Pay {amount} now", "buttons": [{"title": "Yes", "payload": "yes"}]},
    }, "phrases": {"list_button": {"text": "Choose"}}}))
    for language in TRANSLATED_LANGUAGES:
        (tmp_path / f"{language}.yml").write_text(yaml.safe_dump({"language": language, "texts": {
            "utter_x": {"text": "Bhadhara zvino", "buttons": ["Hongu, ndapota enderera mberi nazvo"]},
        }}))
    found = {(p.language, p.what.split()[0]) for p in problems(load_all(tmp_path))}
    assert ("sn", "placeholders") in found and ("nd", "button") in found


def test_every_reply_has_one_variation_per_language_and_english_for_the_rest(catalogues: dict) -> None:
    responses = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))["responses"]
    english: Catalogue = catalogues[SOURCE_LANGUAGE]
    assert set(responses) == set(english.texts)
    for key, variations in responses.items():
        conditioned = [v["condition"][0]["value"] for v in variations if v.get("condition")]
        assert conditioned == list(TRANSLATED_LANGUAGES), key
        [unconditioned] = [v for v in variations if not v.get("condition")]
        assert unconditioned["text"] == english.texts[key].text


def test_buttons_keep_their_english_payloads_in_every_language(catalogues: dict) -> None:
    """The turn reader reads what a tap sends: a translated title must send the same thing."""
    for language in LANGUAGES:
        for key, entry in catalogues[language].texts.items():
            source = catalogues[SOURCE_LANGUAGE].texts[key]
            assert [b.payload for b in entry.buttons] == [b.payload for b in source.buttons], (language, key)
            limit = REPLY_TITLE_MAX if len(entry.buttons) <= 3 else ROW_TITLE_MAX
            assert all(len(b.title) <= limit for b in entry.buttons), (language, key)


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_safety_texts_keep_the_english_term_where_none_is_settled(catalogues: dict, language: str) -> None:
    """'OTP' has no settled Shona or Ndebele word: the texts about it keep the term."""
    for key in ("utter_about_otp", "utter_otp_sent", "utter_ask_otp", "utter_about_safety"):
        english = catalogues[SOURCE_LANGUAGE].texts[key].text
        if "OTP" in english:
            assert "OTP" in catalogues[language].texts[key].text, (language, key)


def test_a_phrase_falls_back_to_english_where_a_language_lacks_it(catalogues: dict) -> None:
    phrases = Phrases(catalogues)
    assert phrases.say("via_channel", "en", channel="OneMoney") == "via OneMoney"
    assert phrases.say("via_channel", None, channel="OneMoney") == "via OneMoney"
    assert "OneMoney" in phrases.say("via_channel", "sn", channel="OneMoney")
    partial = dict(catalogues)
    partial["nd"] = Catalogue("nd", "isiNdebele", {}, {})
    assert Phrases(partial).say("your_balance", "nd") == catalogues["en"].phrases["your_balance"].text


# The safety wording each translation uses every time (docs/translations.md, Terminology): a
# customer who has read it once must recognise it in every message.
SAFETY_WORDING = {
    "nothing was charged": {"sn": "hapana mari", "nd": "kakulamali"},
    "no money": {"sn": "hapana mari", "nd": "kakulamali"},
    "charged twice": {"sn": "kaviri", "nd": "kabili"},
    "being confirmed": {"sn": "kusimbiswa", "nd": "isaqinisekiswa"},
    "never share": {"sn": "musaipa", "nd": "ungayiniki"},
}


@pytest.mark.parametrize("english_words", sorted(SAFETY_WORDING))
def test_safety_wording_is_said_the_same_way_in_every_text(catalogues: dict, english_words: str) -> None:
    carrying = [key for key, entry in catalogues[SOURCE_LANGUAGE].texts.items() if english_words in entry.text.lower()]
    assert carrying, f"no English text says {english_words!r}"
    for language, words in SAFETY_WORDING[english_words].items():
        missing = [key for key in carrying if words not in catalogues[language].texts[key].text.lower()]
        assert not missing, f"{language} does not say {words!r} in {missing}"
