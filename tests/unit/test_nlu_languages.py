"""tools.nlu_languages: intent accuracy per language on a held-out set, as `make nlu-report` prints it."""
from __future__ import annotations

import json
from pathlib import Path

from parsing.language import Language
from tools import nlu_gate
from tools.nlu_languages import LanguageScore, accuracy_by_language, held_out_examples, language_table

SET_YAML = """\
version: "3.1"
nlu:
- intent: make_payment
  examples: |
    - i want to pay my booking please
    - ndinoda kubhadhara booking yangu
    - ngifuna ukubhadala ibhuking yami
    - pay [BK-T005-20260210](booking_reference) with [ecocash]{"entity": "payment_channel"}
- intent: affirm
  examples: |
    - ok
    - hongu ndizvo ndizvo
"""
# Rasa lists a miss by its plain text (annotations removed) and the intent it should have been.
ERRORS = [
    {"text": "ndinoda kubhadhara booking yangu", "intent": "make_payment",
     "intent_prediction": {"name": "ask_balance", "confidence": 0.6}},
    {"text": "pay BK-T005-20260210 with ecocash", "intent": "make_payment",
     "intent_prediction": {"name": "inform", "confidence": 0.5}},
]


def held_out_set(tmp_path: Path) -> tuple:
    sets_dir, results = tmp_path / "tests", tmp_path / "results" / "nlu_customer"
    (sets_dir / "nlu_customer").mkdir(parents=True)
    results.mkdir(parents=True)
    (sets_dir / "nlu_customer" / "messages.yml").write_text(SET_YAML, encoding="utf-8")
    (results / "intent_errors.json").write_text(json.dumps(ERRORS), encoding="utf-8")
    (results / "intent_report.json").write_text(json.dumps({"accuracy": 4 / 6}))
    (results / "RegexEntityExtractor_report.json").write_text(json.dumps({"micro avg": {"f1-score": 1.0}}))
    return sets_dir, results


def test_examples_are_read_as_rasa_tests_them_without_their_annotations(tmp_path: Path) -> None:
    sets_dir, _ = held_out_set(tmp_path)
    found = held_out_examples(sets_dir / "nlu_customer")
    assert ("pay BK-T005-20260210 with ecocash", "make_payment") in found
    assert len(found) == 6


def test_each_miss_counts_against_the_language_of_its_message() -> None:
    languages = {"a": Language.ENGLISH, "b": Language.ENGLISH, "c": Language.SHONA, "d": None}
    held_out = [("a", "greet"), ("b", "greet"), ("c", "greet"), ("d", "affirm")]
    table = accuracy_by_language(held_out, [("b", "greet"), ("c", "greet")], languages.get)
    assert table.scores == [LanguageScore("en", 2, 1), LanguageScore("sn", 1, 1), LanguageScore("unknown", 1, 0)]
    assert [score.accuracy for score in table.scores] == [0.5, 0.0, 1.0]
    assert table.unmatched_misses == 0


def test_a_message_held_out_twice_and_missed_once_counts_one_miss() -> None:
    table = accuracy_by_language([("a", "greet"), ("a", "greet")], [("a", "greet")], lambda _: Language.ENGLISH)
    assert table.scores == [LanguageScore("en", 2, 1)]


def test_a_miss_of_another_intent_or_text_is_said_not_counted() -> None:
    table = accuracy_by_language([("a", "greet")], [("a", "thank"), ("zzz", "greet")], lambda _: Language.ENGLISH)
    assert table.scores == [LanguageScore("en", 1, 0)] and table.unmatched_misses == 2


def test_the_languages_of_a_real_set_by_the_report_guess(tmp_path: Path) -> None:
    sets_dir, results = held_out_set(tmp_path)
    table = language_table(results, sets_dir / "nlu_customer")
    scores = {score.language: (score.count, score.missed) for score in table.scores}
    # "ok" alone is too short to tell; "pay <reference> with ecocash" reads English.
    assert scores == {"en": (2, 1), "sn": (2, 1), "nd": (1, 0), "unknown": (1, 0)}


def test_nlu_report_prints_the_table_and_the_gate_verdict_is_unchanged(tmp_path: Path, capsys) -> None:
    sets_dir, results = held_out_set(tmp_path)
    assert nlu_gate.main([str(results), "--report-only", "--sets-dir", str(sets_dir)]) == 0
    out = capsys.readouterr().out
    assert "intent accuracy by language" in out
    assert [line.split() for line in out.splitlines() if line.startswith("    sn ")] == [["sn", "2", "1", "0.500"]]
    # The gate judges the set's overall accuracy only, and prints no table.
    assert nlu_gate.main([str(results), "--sets-dir", str(sets_dir)]) == 1
    captured = capsys.readouterr()
    assert "intent accuracy 0.667 < 0.95" in captured.err and "by language" not in captured.out
