"""The NLU inbox's pure parts: which messages a trainer sees, redaction, and the YAML it writes.

Reading a store Rasa wrote (SQLite and PostgreSQL) is tests/integration/db/test_nlu_inbox_store.py.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from tools.inbox_redaction import redact_message, redact_names, redact_phone_numbers
from tools.inbox_turns import InboxReason, group_messages, messages_needing_a_trainer, normalised
from tools.nlu_inbox import main, render_inbox, terminal_table


def user(text: str, intent: str, confidence: float, ranking: List[Dict[str, Any]] = (), at: float = 1000.0):
    return {"event": "user", "text": text, "timestamp": at,
            "parse_data": {"intent": {"name": intent, "confidence": confidence},
                           "intent_ranking": [{"name": intent, "confidence": confidence}, *ranking]}}


def bot(response: str) -> Dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def asking(slot: str) -> Dict[str, Any]:
    return {"event": "slot", "name": "requested_slot", "value": slot}


@pytest.mark.parametrize("typed, shown", [
    ("my number is 0712 000 002", "my number is 0772 123 456"),
    ("use 0712-000-002 pls", "use 0772-123-456 pls"),
    ("263712000002", "263772123456"),
    ("+263 71 200 0002", "+263 77 212 3456"),
    ("call +27 82 555 0199", "call +27 77 212 3456"),
])
def test_a_phone_number_becomes_the_example_number_in_the_same_shape(typed: str, shown: str) -> None:
    assert redact_phone_numbers(typed) == shown


@pytest.mark.parametrize("typed, shown", [
    ("my name is tendai ncube and I want to pay", "my name is Rudo Dube and I want to pay"),
    ("Hi I'm Farai, paying BK-T005", "Hi I'm Rudo, paying BK-T005"),
    ("ndini Chipo", "ndini Rudo"),
    ("ibizo lami ngu Sipho Ndlovu", "ibizo lami ngu Rudo Dube"),
    ("i am paying now", "i am paying now"),
    ("this is wrong", "this is wrong"),
])
def test_a_name_the_customer_gives_becomes_the_example_name(typed: str, shown: str) -> None:
    assert redact_names(typed) == shown


def test_a_code_typed_at_the_otp_question_never_shows_but_an_amount_elsewhere_does() -> None:
    assert redact_message("its 4829 13", requested_slot="otp") == "its [OTP]"
    assert redact_message("pay 1500", requested_slot="amount") == "pay 1500"


def test_fallback_low_confidence_not_understood_and_asked_again_are_picked_understood_left_out() -> None:
    events = [
        user("pay", "make_payment", 0.99), asking("booking_reference"), bot("utter_ask_booking_reference"),
        user("blorp", "nlu_fallback", 0.45, [{"name": "greet", "confidence": 0.31}]), bot("utter_default"),
        user("the one from before", "inform", 0.52), bot("utter_invalid_booking_reference"),
        bot("utter_ask_booking_reference"),
        user("what's my balance", "ask_balance", 0.97), bot("utter_balance_needs_booking"),
        bot("utter_ask_booking_reference"),
        user("hmmm", "inform", 0.93), bot("utter_ask_booking_reference"),
        user("BK-T005-20260210", "inform", 0.99), asking("amount"), {"event": "action", "name": "action_ask_amount"},
        user("50", "inform", 0.98), asking("payment_channel"), bot("utter_ask_payment_channel"),
        user("actually 30", "correct", 0.96),
        user("/affirm", "affirm", 1.0),
    ]
    found = {m.text: m for m in messages_needing_a_trainer(events, threshold=0.7)}
    assert set(found) == {"blorp", "the one from before", "hmmm", "50"}
    blorp = found["blorp"]
    # The guess FallbackClassifier overrode, from intent_ranking[1].
    assert (blorp.guessed_intent, blorp.confidence) == ("greet", 0.31)
    assert blorp.reasons == [InboxReason.FALLBACK, InboxReason.LOW_CONFIDENCE, InboxReason.NOT_UNDERSTOOD]
    assert found["the one from before"].requested_slot == "booking_reference"
    assert found["hmmm"].reasons == [InboxReason.REASKED]
    assert found["50"].reasons == [InboxReason.FOLLOWED_BY_CORRECTION]


def test_control_characters_a_customer_sent_cannot_break_the_yaml() -> None:
    events = [user("blorp\x00\x07 wib\nble\u200b", "nlu_fallback", 0.4), user("\x00\x01", "nlu_fallback", 0.4)]
    entries = group_messages(messages_needing_a_trainer(events, 0.7))
    assert [e.text for e in entries] == ["blorp wib ble"]
    assert RasaYAMLReader().reads(render_inbox(entries, "h")).intent_examples[0].get("text") == "blorp wib ble"


def test_messages_count_together_whatever_their_case_and_spacing() -> None:
    events = [user("Blorp  Wibble", "nlu_fallback", 0.4), user("blorp wibble", "nlu_fallback", 0.4),
              user("other", "nlu_fallback", 0.4)]
    entries = group_messages(messages_needing_a_trainer(events, 0.7), min_count=2)
    assert [(normalised(e.text), e.count) for e in entries] == [("blorp wibble", 2)]


def test_the_inbox_is_rasa_nlu_yaml_grouped_by_guess_with_a_comment_per_line() -> None:
    events = [user("blorp", "nlu_fallback", 0.4, [{"name": "greet", "confidence": 0.3}]),
              user("hiya there mate", "greet", 0.5), user("pay it", "make_payment", 0.6)]
    text = render_inbox(group_messages(messages_needing_a_trainer(events, 0.7)), "header")
    data = RasaYAMLReader().reads(text)
    assert sorted((m.get("intent"), m.get("text")) for m in data.intent_examples) == [
        ("greet", "blorp"), ("greet", "hiya there mate"), ("make_payment", "pay it")]
    assert "# seen 1x, greet 0.30, asked: nothing, why: fallback, low confidence" in text


def test_each_message_shows_its_likely_language_and_a_question_mark_when_too_short_to_tell() -> None:
    events = [user("ndinoda kubhadhara booking yangu", "nlu_fallback", 0.4),
              user("ngifuna ukubhadala ibhuking yami", "nlu_fallback", 0.4),
              user("i want to pay my booking please", "make_payment", 0.5),
              user("ok", "affirm", 0.3)]
    entries = group_messages(messages_needing_a_trainer(events, 0.7))
    assert {e.text: e.language for e in entries} == {
        "ndinoda kubhadhara booking yangu": "sn", "ngifuna ukubhadala ibhuking yami": "nd",
        "i want to pay my booking please": "en", "ok": None}
    text = render_inbox(entries, "header")
    assert "why: fallback, low confidence, language: sn" in text and "language: ?" in text
    table = terminal_table(entries, rows=10).splitlines()
    assert table[0].split()[:3] == ["seen", "conf", "lang"]
    assert {line.split()[2] for line in table[1:]} == {"sn", "nd", "en", "?"}


def test_the_inbox_is_never_written_into_the_training_data(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    assert main(["--store-url", f"sqlite:///{tmp_path / 'none.db'}", "--out", "data/nlu/inbox.yml"]) == 2
    assert not (tmp_path / "data" / "nlu").exists()
