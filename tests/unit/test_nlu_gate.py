"""tools.nlu_gate: prints the held-out figures and fails below the minimum."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

from tools import nlu_gate


def write_reports(folder: Path, accuracy: float, entity_f1: float) -> Path:
    (folder / "intent_report.json").write_text(json.dumps({"accuracy": accuracy, "greet": {"f1-score": 1.0}}))
    (folder / "RegexEntityExtractor_report.json").write_text(json.dumps({
        "phone_number": {"f1-score": entity_f1},
        "micro avg": {"f1-score": entity_f1},
        "macro avg": {"f1-score": entity_f1},
    }))
    (folder / "intent_errors.json").write_text(json.dumps([
        {"text": "heita", "intent": "greet", "intent_prediction": {"name": "thank", "confidence": 0.8}}]))
    return folder


def test_passes_at_the_minimum_and_prints_the_figures(tmp_path: Path, capsys) -> None:
    assert nlu_gate.main([str(write_reports(tmp_path, 0.95, 0.97))]) == 0
    out = capsys.readouterr().out
    assert "intent accuracy: 0.950" in out and "RegexEntityExtractor): 0.970" in out
    assert "'heita': expected greet, got thank" in out


def test_fails_when_intent_accuracy_drops(tmp_path: Path, capsys) -> None:
    assert nlu_gate.main([str(write_reports(tmp_path, 0.94, 1.0))]) == 1
    assert "intent accuracy 0.940 < 0.95" in capsys.readouterr().err


def test_fails_when_entity_f1_drops(tmp_path: Path) -> None:
    assert nlu_gate.main([str(write_reports(tmp_path, 1.0, 0.9))]) == 1


def test_fails_without_an_entity_report(tmp_path: Path) -> None:
    write_reports(tmp_path, 1.0, 1.0)
    (tmp_path / "RegexEntityExtractor_report.json").unlink()
    assert nlu_gate.main([str(tmp_path)]) == 1


def test_the_language_detectors_entity_is_not_judged_as_a_form_entity(tmp_path: Path) -> None:
    """The language entity is not annotated in the held-out sets: Rasa scores it 0 against the others."""
    write_reports(tmp_path, 1.0, 1.0)
    (tmp_path / "LanguageDetector_report.json").write_text(json.dumps({
        "phone_number": {"f1-score": 0.0}, "micro avg": {"f1-score": 0.0}}))
    assert nlu_gate.main([str(tmp_path)]) == 0
    (tmp_path / "RegexEntityExtractor_report.json").unlink()
    assert nlu_gate.main([str(tmp_path)]) == 1  # it never stands in for a missing form-entity report


def test_report_only_never_fails(tmp_path: Path) -> None:
    assert nlu_gate.main([str(write_reports(tmp_path, 0.5, 0.5)), "--report-only"]) == 0


def test_each_held_out_set_is_judged_on_its_own(tmp_path: Path, capsys) -> None:
    # The customer-side set dropping is not hidden by the other set's good score.
    test_set, customer_set = tmp_path / "nlu", tmp_path / "nlu_customer"
    test_set.mkdir()
    customer_set.mkdir()
    write_reports(test_set, 0.99, 1.0)
    write_reports(customer_set, 0.90, 1.0)
    assert nlu_gate.main([str(test_set), str(customer_set)]) == 1
    captured = capsys.readouterr()
    assert f"({test_set})" in captured.out and f"({customer_set})" in captured.out
    assert f"{customer_set}: intent accuracy 0.900 < 0.95" in captured.err
    assert str(test_set) + ":" not in captured.err


def write_out_of_scope(folder: Path, messages: int, predictions: List[str], backed: bool = True) -> Path:
    """An out-of-scope set of ``messages``, of which ``predictions`` were misread as these intents.

    With ``backed`` each misread message's words back its booking intent, as a payment request would.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wrong = len(predictions)
    (folder / "intent_report.json").write_text(json.dumps({
        "accuracy": (messages - wrong) / messages,
        "out_of_scope": {"precision": 1.0, "recall": (messages - wrong) / messages, "support": messages},
        **{name: {"precision": 0.0, "recall": 0.0, "support": 0} for name in set(predictions)},
        "weighted avg": {"support": messages},
    }))
    (folder / "intent_errors.json").write_text(json.dumps([
        {"text": (BACKED.get(name, "everyday request") if backed else "everyday request") + f" {i}",
         "intent": "out_of_scope", "intent_prediction": {"name": name, "confidence": 0.7}}
        for i, name in enumerate(predictions)]))
    return folder


# Everyday requests whose own words back the booking intent they were given: the assistant acts on them.
BACKED = {
    "make_payment": "pay the balance on my booking",
    "ask_balance": "what is the balance on my safari booking",
    "payment_status": "did my payment go through",
    "request_new_otp": "send the otp again",
}


def test_out_of_scope_set_passes_at_one_percent(tmp_path: Path, capsys) -> None:
    (tmp_path / "nlu").mkdir()
    held_out = write_reports(tmp_path / "nlu", 1.0, 1.0)
    oos = write_out_of_scope(tmp_path / "oos", 200, ["make_payment", "ask_balance", "greet", "ask_tours"])
    assert nlu_gate.main([str(held_out), "--out-of-scope", str(oos)]) == 0
    out = capsys.readouterr().out
    assert "200 out-of-scope messages" in out
    assert "taken for a booking request by the assistant (intent and text): 2 (1.0%, maximum 1.0%)" in out
    assert "'pay the balance on my booking 0': make_payment (0.70)" in out
    assert "greet" not in out.split("taken for a booking request")[1]


@pytest.mark.parametrize("booking_intent", ["make_payment", "ask_balance", "payment_status", "request_new_otp"])
def test_out_of_scope_set_fails_above_one_percent(tmp_path: Path, capsys, booking_intent: str) -> None:
    (tmp_path / "nlu").mkdir()
    held_out = write_reports(tmp_path / "nlu", 1.0, 1.0)
    oos = write_out_of_scope(tmp_path / "oos", 100, [booking_intent, booking_intent])
    assert nlu_gate.main([str(held_out), "--out-of-scope", str(oos)]) == 1
    assert "2.0% taken for a booking request > 1.0%" in capsys.readouterr().err


def test_a_booking_intent_the_text_does_not_back_is_reported_not_counted(tmp_path: Path, capsys) -> None:
    """"Remind me to call mum" put on make_payment by the classifier starts nothing: the text backs no payment."""
    (tmp_path / "nlu").mkdir()
    held_out = write_reports(tmp_path / "nlu", 1.0, 1.0)
    oos = write_out_of_scope(tmp_path / "oos", 100, ["make_payment", "ask_balance", "payment_status"], backed=False)
    assert nlu_gate.main([str(held_out), "--out-of-scope", str(oos)]) == 0
    out = capsys.readouterr().out
    assert "by the classifier alone: 3 (3.0%, reported)" in out
    assert "by the assistant (intent and text): 0 (0.0%" in out


def test_out_of_scope_misreads_as_other_intents_do_not_count(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    held_out = write_reports(tmp_path / "nlu", 1.0, 1.0)
    oos = write_out_of_scope(tmp_path / "oos", 100, ["greet", "ask_tours", "menu", "human_handoff"])
    assert nlu_gate.main([str(held_out), "--out-of-scope", str(oos)]) == 0


def test_an_empty_out_of_scope_set_fails(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    held_out = write_reports(tmp_path / "nlu", 1.0, 1.0)
    oos = tmp_path / "oos"
    oos.mkdir()
    (oos / "intent_report.json").write_text(json.dumps({"accuracy": 0.0}))
    assert nlu_gate.main([str(held_out), "--out-of-scope", str(oos)]) == 1


def test_only_out_of_scope_lines_count_towards_the_share(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    held_out = write_reports(tmp_path / "nlu", 1.0, 1.0)
    oos = write_out_of_scope(tmp_path / "oos", 100, ["make_payment"])
    errors = json.loads((oos / "intent_errors.json").read_text())
    errors.append({"text": "pay my booking", "intent": "make_payment",
                   "intent_prediction": {"name": "ask_balance", "confidence": 0.9}})
    (oos / "intent_errors.json").write_text(json.dumps(errors))
    assert nlu_gate.taken_for_booking(oos) == errors[:1]
    assert nlu_gate.main([str(held_out), "--out-of-scope", str(oos)]) == 0
