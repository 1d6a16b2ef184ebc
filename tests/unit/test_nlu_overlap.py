"""No held-out NLU line is in the training data, nor one word away from it.

The first test is the guard on the repository itself; the others show that
the check finds each kind of overlap, so a pass means something.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

from tools import nlu_overlap


def test_no_held_out_line_overlaps_the_training_data() -> None:
    for folder in nlu_overlap.HELD_OUT:
        assert list(nlu_overlap.examples(folder)), f"held-out set {folder} is missing or empty"
    found = nlu_overlap.overlaps(nlu_overlap.TRAINING, nlu_overlap.HELD_OUT)
    assert not found, (
        "reword or drop these training lines (keep the held-out one; docs/training-data.md):\n"
        + "\n".join(map(str, found)))


def write_nlu(folder: Path, intents: Dict[str, List[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    blocks = "".join(
        f"  - intent: {intent}\n    examples: |\n" + "".join(f"      - {line}\n" for line in lines)
        for intent, lines in intents.items())
    (folder / "nlu.yml").write_text(f'version: "3.1"\nnlu:\n{blocks}', encoding="utf-8")
    return folder


def kinds(tmp_path: Path, training: List[str], held_out: List[str]) -> List[str]:
    train = write_nlu(tmp_path / "train", {"make_payment": training})
    test = write_nlu(tmp_path / "test", {"make_payment": held_out})
    return [overlap.kind for overlap in nlu_overlap.overlaps(train, [test])]


@pytest.mark.parametrize(("training", "held_out", "kind"), [
    ("i want to pay my balance", "i want to pay my balance", "exact"),
    ("I want to pay my balance!", "i want to pay my balance", "case/punctuation"),
    ("pay [BK-T005-20260210](booking_reference) now", "pay bk t005 20260210 now", "case/punctuation"),
    ("👍", "👍", "exact"),
    ("i want to pay my deposit", "i want to pay my balance", "one word"),    # a word changed
    ("i want to pay my balance now", "i want to pay my balance", "one word"),  # one more in training
    ("i want to pay balance", "i want to pay my balance", "one word"),       # one fewer in training
    ("actually make it 40", "actually make it 30", "one word"),
    ("what's my balance", "whats my balance", "case/punctuation"),  # an apostrophe dropped, as typed
    ("i don\u2019t want to pay anymore", "i dont want to pay anymore", "case/punctuation"),
])
def test_finds_each_kind_of_overlap(tmp_path: Path, training: str, held_out: str, kind: str) -> None:
    assert kinds(tmp_path, [training], [held_out]) == [kind]


@pytest.mark.parametrize(("training", "held_out"), [
    ("i want to pay the deposit today", "i want to pay my balance now"),  # two words changed
    ("pay now", "pay later"),        # one word changed, but under three words
    ("👍👍", "👍"),                  # emoji are not punctuation
    ("ecocash", "ecocas"),           # a misspelling is a different value
])
def test_leaves_lines_that_differ_by_more(tmp_path: Path, training: str, held_out: str) -> None:
    assert kinds(tmp_path, [training], [held_out]) == []


def test_reads_every_intent_and_skips_lookup_tables(tmp_path: Path) -> None:
    folder = write_nlu(tmp_path, {"greet": ["hi"], "goodbye": ["bye"]})
    with (folder / "nlu.yml").open("a", encoding="utf-8") as extra:
        extra.write("  - lookup: payment_channel\n    examples: |\n      - ecocash\n")
    assert [(e.intent, e.text) for e in nlu_overlap.examples(folder)] == [("greet", "hi"), ("goodbye", "bye")]
