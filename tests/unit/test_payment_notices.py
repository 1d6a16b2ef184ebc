"""How an outcome is told: the channel, WhatsApp's 24 hours, templates, kept notices, "typing…"."""
from __future__ import annotations

import re

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

from actions.payment.notice import (
    Delivery,
    choose_delivery,
    last_customer_message_at,
    template_message,
    template_parameters,
)
from common.catalogue import load_all
from parsing.language import Language
from payments.settings import WhatsAppTemplate, load_settings
from rasa_runtime.whatsapp import outbound
from rasa_runtime.whatsapp.typing import SlowAnswers
from tests.support.fake_graph import shape_problems
from rasa_runtime.turns.kept_notices import kept_messages

NOW = 1_800_000_000.0
HOUR = 3600.0


@pytest.mark.parametrize(
    "sender, last_message_at, has_template, delivery",
    [
        ("whatsapp:263772000001", NOW - 23 * HOUR, False, Delivery.MESSAGE),
        ("whatsapp:263772000001", NOW - 25 * HOUR, True, Delivery.TEMPLATE),
        ("whatsapp:263772000001", NOW - 25 * HOUR, False, Delivery.NEEDS_TEMPLATE),
        ("whatsapp:263772000001", None, False, Delivery.NEEDS_TEMPLATE),
        ("rest:me", NOW - 25 * HOUR, False, Delivery.KEPT),
        ("rest:263772000001", NOW, True, Delivery.KEPT),  # a REST caller is never pushed to WhatsApp
    ],
)
def test_the_channel_and_the_24_hours_decide_how_to_tell(sender, last_message_at, has_template, delivery) -> None:
    assert choose_delivery(sender, last_message_at, NOW, has_template) is delivery


def test_the_window_counts_from_the_customers_message_not_the_external_event() -> None:
    events = [
        {"event": "user", "text": "123456", "timestamp": NOW - 25 * HOUR},
        {"event": "bot", "text": "being confirmed", "timestamp": NOW - 25 * HOUR},
        {"event": "user", "text": "EXTERNAL: EXTERNAL_payment_settled", "metadata": {"is_external": True},
         "timestamp": NOW},
    ]
    assert last_customer_message_at(events) == NOW - 25 * HOUR


def test_the_template_is_a_valid_whatsapp_message_with_parameters_in_order() -> None:
    message = outbound.addressed("263772000001", template_message("kali_payment_update", "en", ["BK-1", "US$5.00"]))
    assert not shape_problems(message)
    assert message["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "BK-1"}, {"type": "text", "text": "US$5.00"}]


def test_template_settings_name_their_parameters() -> None:
    settings = load_settings({"WHATSAPP_PAYMENT_TEMPLATE": "t",
                              "WHATSAPP_PAYMENT_TEMPLATE_PARAMETERS": "amount, outcome"})
    assert settings.whatsapp_payment_template_parameters == ("amount", "outcome")
    with pytest.raises(ValueError, match="WHATSAPP_PAYMENT_TEMPLATE_PARAMETERS"):
        load_settings({"WHATSAPP_PAYMENT_TEMPLATE_PARAMETERS": "otp"})


ALL_TEMPLATES = {"WHATSAPP_PAYMENT_TEMPLATE": "kali_payment_update", "WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE": "en_US",
                 "WHATSAPP_PAYMENT_TEMPLATE_SN": "kali_payment_update_sn",
                 "WHATSAPP_PAYMENT_TEMPLATE_ND": "kali_payment_update_nd"}


@pytest.mark.parametrize("language, template", [
    (Language.ENGLISH, WhatsAppTemplate("kali_payment_update", "en_US")),
    # Meta has no Shona or Ndebele code: by default Shona's text is approved under English's, Ndebele's under Zulu's.
    (Language.SHONA, WhatsAppTemplate("kali_payment_update_sn", "en", Language.SHONA)),
    (Language.NDEBELE, WhatsAppTemplate("kali_payment_update_nd", "zu", Language.NDEBELE)),
])
def test_each_language_gets_its_own_template(language, template) -> None:
    assert load_settings(ALL_TEMPLATES).whatsapp_payment_template_for(language) == template


def test_a_language_without_its_own_template_gets_the_english_one() -> None:
    settings = load_settings({"WHATSAPP_PAYMENT_TEMPLATE": "kali_payment_update",
                              "WHATSAPP_PAYMENT_TEMPLATE_SN": "kali_payment_update_sn"})
    # English's body, so its parameters are written in English too (template_fields below).
    assert settings.whatsapp_payment_template_for(Language.NDEBELE) == WhatsAppTemplate(
        "kali_payment_update", "en", Language.ENGLISH)
    assert settings.whatsapp_payment_template_for(Language.SHONA) == WhatsAppTemplate(
        "kali_payment_update_sn", "en", Language.SHONA)


def test_only_a_language_with_a_template_has_one_when_english_has_none() -> None:
    settings = load_settings({"WHATSAPP_PAYMENT_TEMPLATE_ND": "kali_nd", "WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE_ND": "en"})
    assert settings.whatsapp_payment_template_for(Language.NDEBELE) == WhatsAppTemplate(
        "kali_nd", "en", Language.NDEBELE)
    assert settings.whatsapp_payment_template_for(Language.ENGLISH) is None
    assert settings.whatsapp_payment_template_for(Language.SHONA) is None
    assert load_settings({}).whatsapp_payment_template_for(Language.SHONA) is None


SHONA_FIELDS = {"booking_reference": "BK-1", "amount": "US$50.00", "outcome": "<outcome in Shona>",
                "booking_status": "<status in Shona>"}
NAMES = ("booking_reference", "amount", "outcome", "booking_status")


def test_a_templates_parameters_are_in_the_language_of_its_body() -> None:
    english = load_all()["en"].phrases
    own = WhatsAppTemplate("kali_payment_update_sn", "en", Language.SHONA)
    assert template_parameters(own, Language.SHONA, SHONA_FIELDS, NAMES, "success", "pending") == [
        "BK-1", "US$50.00", "<outcome in Shona>", "<status in Shona>"]
    # A Shona conversation sent the English template (no Shona one): English words, not a Shona clause.
    fallback = WhatsAppTemplate("kali_payment_update", "en", Language.ENGLISH)
    assert template_parameters(fallback, Language.SHONA, SHONA_FIELDS, NAMES, "success", "pending") == [
        "BK-1", "US$50.00", english["outcome_success"].text, english["booking_status_pending"].text]


@pytest.mark.parametrize("name", ["WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE", "WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE_SN",
                                  "WHATSAPP_PAYMENT_TEMPLATE_LANGUAGE_ND"])
def test_a_template_language_must_be_a_meta_code(name) -> None:
    assert load_settings({name: "pt_BR"}) is not None
    with pytest.raises(ValueError, match=name):
        load_settings({name: "Shona"})


def test_the_template_body_is_in_the_catalogue_for_translators_with_one_placeholder_per_parameter() -> None:
    english = load_all()["en"].phrases["whatsapp_payment_template"]
    numbered = sorted(set(re.findall(r"\{\{(\d+)\}\}", english.text)))
    assert numbered == [str(n) for n in range(1, len(load_settings({}).whatsapp_payment_template_parameters) + 1)]
    assert english.placeholders() == set()  # {{1}} is WhatsApp's, not a catalogue placeholder to fill


def test_the_api_token_comes_from_the_variable_or_the_file_the_stack_wrote(tmp_path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-the-file\n")
    assert load_settings({"RASA_API_TOKEN_FILE": str(token_file)}).rasa_api_token == "from-the-file"
    assert load_settings({"RASA_API_TOKEN": "set", "RASA_API_TOKEN_FILE": str(token_file)}).rasa_api_token == "set"
    assert load_settings({"RASA_API_TOKEN_FILE": str(tmp_path / "missing")}).rasa_api_token == ""
    assert "from-the-file" not in repr(load_settings({"RASA_API_TOKEN_FILE": str(token_file)}))


def test_notices_after_an_external_event_are_kept_until_the_customer_writes() -> None:
    external = UserUttered.create_external("EXTERNAL_payment_settled", [], "rest")
    events = [UserUttered("123456"), BotUttered("being confirmed"), external, BotUttered("✅ confirmed")]
    assert [m["text"] for m in kept_messages(events)] == ["✅ confirmed"]
    assert kept_messages(events + [UserUttered("hi"), BotUttered("welcome")]) == []


def test_typing_is_shown_only_for_answers_that_wait_on_omari() -> None:
    answers = SlowAnswers(max_entries=2)
    answers.asked("a", "utter_otp_sent")
    answers.asked("a", "utter_ask_otp")  # the last message of the turn is the question
    answers.asked("b", "utter_ask_amount")
    assert answers.next_answer_is_slow("a") and not answers.next_answer_is_slow("b")
    answers.asked("c", "utter_ask_phone_number")
    assert not answers.next_answer_is_slow("a")  # forgotten beyond the cap: a plain receipt, nothing worse
    assert outbound.read_receipt("wamid.1", typing=True) == {
        "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.1",
        "typing_indicator": {"type": "text"}}
