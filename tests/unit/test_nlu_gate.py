"""tools.nlu_gate: prints the held-out figures and fails below the minimum."""
from __future__ import annotations

import json
from pathlib import Path

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
