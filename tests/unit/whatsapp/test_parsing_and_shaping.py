"""Pure parts of the WhatsApp channel: signature, notification parsing, message shaping, settings."""
from __future__ import annotations

import pytest

from rasa_runtime.whatsapp import outbound
from rasa_runtime.whatsapp.inbound import InboundMessage, inbound_messages, is_too_old, message_text
from rasa_runtime.whatsapp.settings import load_whatsapp_settings
from rasa_runtime.whatsapp.signature import sign, signature_is_valid
from tests.support.fake_graph import shape_problems
from tests.support import notifications as n

CUSTOMER = "263772000001"

# -- signature ------------------------------------------------------------------


def test_signature_over_the_raw_body_is_accepted() -> None:
    raw, header = n.signed(n.notification([n.text(CUSTOMER, "pay", "wamid.1")]))
    assert signature_is_valid(n.APP_SECRET, raw, header)


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha1=abc", "sha256=" + "0" * 64, sign("another-secret", b"{}"), "sha256=zz\u00e9"],
)
def test_missing_or_wrong_signatures_are_refused(header: object) -> None:
    assert not signature_is_valid(n.APP_SECRET, b"{}", header)  # type: ignore[arg-type]


def test_a_body_changed_after_signing_is_refused() -> None:
    raw, header = n.signed({"entry": []})
    assert not signature_is_valid(n.APP_SECRET, raw + b" ", header)


# -- inbound ---------------------------------------------------------------------


def test_every_message_of_a_batch_is_read_in_order_and_statuses_are_dropped() -> None:
    second_change = n.notification([n.text("263772000002", "hello", "wamid.3")])["entry"][0]["changes"][0]
    payload = n.notification(
        [n.text(CUSTOMER, "pay", "wamid.1"), n.button_reply(CUSTOMER, "Ecocash", "Ecocash", "wamid.2")],
        statuses=[n.status("wamid.out.1"), n.status("wamid.out.2", "read")],
        extra_changes=[second_change],
    )
    payload["entry"].append(n.notification([n.text(CUSTOMER, "thanks", "wamid.4")])["entry"][0])
    found = inbound_messages(payload, n.PHONE_NUMBER_ID)
    assert [(m.message_id, m.sender_id, m.text) for m in found] == [
        ("wamid.1", CUSTOMER, "pay"),
        ("wamid.2", CUSTOMER, "Ecocash"),
        ("wamid.3", "263772000002", "hello"),
        ("wamid.4", CUSTOMER, "thanks"),
    ]


def test_a_notification_of_statuses_only_has_no_messages() -> None:
    assert inbound_messages(n.notification(statuses=[n.status("wamid.out.1")]), n.PHONE_NUMBER_ID) == []


def test_messages_for_another_business_number_are_ignored() -> None:
    payload = n.notification([n.text(CUSTOMER, "pay", "wamid.1")], phone_number_id="999")
    assert inbound_messages(payload, n.PHONE_NUMBER_ID) == []


@pytest.mark.parametrize(
    "message, expected",
    [
        (n.text(CUSTOMER, "pay 50", "w"), "pay 50"),
        (n.button_reply(CUSTOMER, "/make_payment", "📱 Mobile Payment", "w"), "/make_payment"),
        (n.list_reply(CUSTOMER, "full balance", "Pay full balance", "w"), "full balance"),
        (n.template_button(CUSTOMER, "pay_now", "w"), "pay_now"),
        (n.other(CUSTOMER, "image", "w"), None),
        (n.other(CUSTOMER, "audio", "w"), None),
        (n.other(CUSTOMER, "location", "w"), None),
        (n.other(CUSTOMER, "sticker", "w"), None),
        (n.other(CUSTOMER, "reaction", "w"), None),
        (n.other(CUSTOMER, "unsupported", "w"), None),
        ({**n.text(CUSTOMER, "   ", "w")}, None),
        ({"type": "interactive", "interactive": {"type": "nfm_reply"}}, None),
    ],
)
def test_each_inbound_type_maps_to_what_the_assistant_expects(message: dict, expected: object) -> None:
    assert message_text(message) == expected


@pytest.mark.parametrize(
    "payload",
    [None, [], "x", {"entry": "x"}, {"entry": [{"changes": [{"value": None}]}]},
     {"entry": [{"changes": [{"field": "messages", "value": {"metadata": {"phone_number_id": n.PHONE_NUMBER_ID},
                                                            "messages": [{"type": "text"}, 5, None]}}]}]}],
)
def test_malformed_notifications_yield_nothing_and_never_raise(payload: object) -> None:
    assert inbound_messages(payload, n.PHONE_NUMBER_ID) == []


def test_a_sender_with_a_username_and_no_number_keeps_the_business_scoped_id() -> None:
    message = n.text(CUSTOMER, "pay", "wamid.1")
    del message["from"]
    message["from_user_id"] = "US.13491208655302741918"
    [found] = inbound_messages(n.notification([message]), n.PHONE_NUMBER_ID)
    assert found.sender_id == "US.13491208655302741918"


def test_old_messages_are_recognised_by_their_timestamp() -> None:
    message = InboundMessage("w", CUSTOMER, timestamp=1_000_000, message_type="text", text="pay")
    assert is_too_old(message, now=1_000_000 + 901, max_age_seconds=900)
    assert not is_too_old(message, now=1_000_000 + 899, max_age_seconds=900)


# -- outbound --------------------------------------------------------------------


def _buttons(count: int, title: str = "Option") -> list:
    return [{"title": f"{title} {i}", "payload": f"/choose{{\"n\": {i}}}"} for i in range(1, count + 1)]


def test_phone_numbers_are_sent_to_to_and_business_scoped_ids_to_recipient() -> None:
    assert outbound.addressed(CUSTOMER, {"type": "text"})["to"] == CUSTOMER
    message = outbound.addressed("US.13491208655302741918", {"type": "text"})
    assert message["recipient"] == "US.13491208655302741918" and "to" not in message


def test_a_long_text_is_split_into_parts_within_the_limit_without_losing_words() -> None:
    text = " ".join(f"word{i}" for i in range(2000))  # ~ 15 000 characters
    parts = outbound.text_messages(text)
    assert len(parts) > 1 and all(not shape_problems(outbound.addressed(CUSTOMER, p)) for p in parts)
    assert " ".join(p["text"]["body"] for p in parts) == text


def test_one_to_three_buttons_become_reply_buttons_with_the_question_as_body() -> None:
    [message] = outbound.messages_for_buttons("Which channel?", [{"title": "Ecocash", "payload": "Ecocash"}])
    assert message["interactive"]["type"] == "button"
    assert message["interactive"]["body"]["text"] == "Which channel?"
    assert message["interactive"]["action"]["buttons"][0]["reply"] == {"id": "Ecocash", "title": "Ecocash"}


def test_long_and_clashing_button_titles_are_trimmed_and_made_unique() -> None:
    long = "Pay the whole outstanding balance now"
    buttons = [{"title": long, "payload": "a"}, {"title": long, "payload": "b"}]
    [message] = outbound.messages_for_buttons("Amount?", buttons)
    titles = [b["reply"]["title"] for b in message["interactive"]["action"]["buttons"]]
    assert len(set(titles)) == 2 and all(len(t) <= 20 for t in titles)
    assert [b["reply"]["id"] for b in message["interactive"]["action"]["buttons"]] == ["a", "b"]
    assert not shape_problems(outbound.addressed(CUSTOMER, message))


@pytest.mark.parametrize("count", [4, 7, 10])
def test_four_to_ten_buttons_become_a_list_within_the_limits(count: int) -> None:
    buttons = _buttons(count, title="A very long tour name that will not fit")
    [message] = outbound.messages_for_buttons("Pick a tour", buttons)
    rows = message["interactive"]["action"]["sections"][0]["rows"]
    assert message["interactive"]["type"] == "list" and len(rows) == count
    assert [r["id"] for r in rows] == [b["payload"] for b in buttons]
    assert not shape_problems(outbound.addressed(CUSTOMER, message))


def test_more_than_ten_buttons_become_nine_rows_and_the_rest_as_numbered_text() -> None:
    [message] = outbound.messages_for_buttons("Pick one", _buttons(13))
    rows = message["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == [f"Option {i}" for i in range(1, 10)]
    body = message["interactive"]["body"]["text"]
    assert body.startswith("Pick one") and "10. Option 10" in body and "13. Option 13" in body
    assert not shape_problems(outbound.addressed(CUSTOMER, message))


def test_a_question_longer_than_the_body_limit_keeps_its_end_in_the_body() -> None:
    text = ("Long terms and conditions. " * 60) + "Do you agree?"
    messages = outbound.messages_for_buttons(text, _buttons(2))
    assert [m["type"] for m in messages][-1] == "interactive" and messages[0]["type"] == "text"
    assert messages[-1]["interactive"]["body"]["text"].endswith("Do you agree?")
    assert all(not shape_problems(outbound.addressed(CUSTOMER, m)) for m in messages)


def test_buttons_without_text_still_get_a_body() -> None:
    [message] = outbound.messages_for_buttons("", _buttons(2))
    assert message["interactive"]["body"]["text"]


def test_a_custom_payload_is_sent_as_the_whatsapp_message_object_it_is() -> None:
    template = {"type": "template", "template": {"name": "payment_reminder", "language": {"code": "en"}}}
    message = outbound.addressed(CUSTOMER, outbound.custom_message({**template, "to": "someone-else"}))
    assert message["type"] == "template" and message["template"] == template["template"]
    assert message["to"] == CUSTOMER


# -- settings --------------------------------------------------------------------

REQUIRED_ENV = {
    "WHATSAPP_PHONE_NUMBER_ID": n.PHONE_NUMBER_ID,
    "WHATSAPP_ACCESS_TOKEN": n.ACCESS_TOKEN,
    "WHATSAPP_APP_SECRET": n.APP_SECRET,
    "WHATSAPP_VERIFY_TOKEN": n.VERIFY_TOKEN,
}


def test_without_the_variables_the_channel_is_off_and_names_what_is_missing() -> None:
    settings, missing = load_whatsapp_settings({}, {"WHATSAPP_APP_SECRET": "x"})
    assert settings is None
    assert set(missing) == {"WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_VERIFY_TOKEN"}


def test_defaults_and_overrides() -> None:
    settings, _ = load_whatsapp_settings(None, REQUIRED_ENV)
    assert settings is not None
    assert settings.messages_url == f"https://graph.facebook.com/v23.0/{n.PHONE_NUMBER_ID}/messages"
    assert (settings.max_message_age_seconds, settings.dedup_redis_url) == (900, "")
    env = {**REQUIRED_ENV, "WHATSAPP_GRAPH_URL": "http://127.0.0.1:9/", "WHATSAPP_API_VERSION": "v99.0",
           "WHATSAPP_MAX_MESSAGE_AGE": "60", "WHATSAPP_DEDUP_REDIS_URL": "redis://127.0.0.1:6379/1"}
    settings, _ = load_whatsapp_settings({"phone_number_id": "42"}, env)
    assert settings is not None
    assert settings.messages_url == "http://127.0.0.1:9/v99.0/42/messages"
    assert settings.max_message_age_seconds == 60 and settings.dedup_redis_url.startswith("redis://")


def test_secrets_never_appear_in_the_settings_repr() -> None:
    settings, _ = load_whatsapp_settings(None, REQUIRED_ENV)
    shown = repr(settings)
    assert n.ACCESS_TOKEN not in shown and n.APP_SECRET not in shown and n.VERIFY_TOKEN not in shown


@pytest.mark.parametrize("variable, value", [("WHATSAPP_MAX_MESSAGE_AGE", "soon"), ("WHATSAPP_SEND_RETRIES", "-1")])
def test_a_bad_number_stops_the_server_with_a_clear_message(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        load_whatsapp_settings(None, {**REQUIRED_ENV, variable: value})
