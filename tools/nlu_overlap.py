"""Held-out NLU lines that the training data already holds, or nearly.

A held-out set only estimates how the assistant reads messages nobody shaped
the training data around while none of its lines is in `data/nlu/`. Three
kinds of overlap turn that estimate into a memory test, and are listed here:

- the same line (`exact`);
- the same line up to case, punctuation, spacing or entity markup (`case/punctuation`);
- of three or more words, one word changed, added or removed (`one word`).

The fix is always on the training side (docs/training-data.md): reword or drop
the training line, keep the held-out one. tests/unit/test_nlu_overlap.py fails
on any overlap; run this to see them:

    python -m tools.nlu_overlap [--training data/nlu] [--held-out tests/nlu tests/nlu_customer ...]
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import yaml

TRAINING = Path("data/nlu")
HELD_OUT = (Path("tests/nlu"), Path("tests/nlu_customer"), Path("tests/nlu_out_of_scope"))
# `[0772 123 456](phone_number)` or `[eco cash]{"entity": ...}` reads as its text.
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
NOT_A_WORD = re.compile(r"[^\w]+|_")
# "what's" and "whats" are the same word as customers type it: an apostrophe joins, never splits.
APOSTROPHES = re.compile(r"['\u2019\u2018`]")
MIN_WORDS = 3

Words = Tuple[str, ...]


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    path: Path


@dataclass(frozen=True)
class Overlap:
    kind: str
    held_out: Example
    training: Example

    def __str__(self) -> str:
        return (
            f"{self.kind}: {self.held_out.path} ({self.held_out.intent}) {self.held_out.text!r}"
            f" ~ {self.training.path} ({self.training.intent}) {self.training.text!r}"
        )


def examples(folder: Path) -> Iterator[Example]:
    """Every example of every intent in the NLU YAML files under `folder`."""
    for path in sorted(folder.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield Example(line[2:].strip(), block["intent"], path)


def words(text: str) -> Words:
    """The text's words, lower case, without punctuation (apostrophes dropped) or entity markup.

    A message of emoji alone has no word: it is then itself, less spaces, so
    "👍" and "👍👍" stay two messages.
    """
    plain = APOSTROPHES.sub("", ANNOTATION.sub(r"\1", text).casefold())
    found = tuple(word for word in NOT_A_WORD.sub(" ", plain).split() if word)
    return found or ("".join(plain.split()),)


def _substitutions(key: Words) -> Iterator[Words]:
    for i in range(len(key)):
        yield key[:i] + ("\0",) + key[i + 1:]


def _deletions(key: Words) -> Iterator[Words]:
    for i in range(len(key)):
        yield key[:i] + key[i + 1:]


class TrainingIndex:
    """Training lines keyed so that each held-out line is checked in O(words)."""

    def __init__(self, training: Iterable[Example]) -> None:
        self.exact: Dict[str, Example] = {}
        self.normalised: Dict[Words, Example] = {}
        self.substituted: Dict[Words, Example] = {}
        self.shortened: Dict[Words, Example] = {}
        for example in training:
            key = words(example.text)
            self.exact.setdefault(example.text, example)
            self.normalised.setdefault(key, example)
            if len(key) >= MIN_WORDS:
                for variant in _substitutions(key):
                    self.substituted.setdefault(variant, example)
            if len(key) > MIN_WORDS:
                for variant in _deletions(key):
                    self.shortened.setdefault(variant, example)

    def match(self, held_out: Example) -> Optional[Overlap]:
        if held_out.text in self.exact:
            return Overlap("exact", held_out, self.exact[held_out.text])
        key = words(held_out.text)
        if key in self.normalised:
            return Overlap("case/punctuation", held_out, self.normalised[key])
        if len(key) < MIN_WORDS:
            return None
        # One word changed, one word more in the training line, one word fewer.
        candidates: List[Optional[Example]] = [self.substituted.get(v) for v in _substitutions(key)]
        candidates.append(self.shortened.get(key))
        if len(key) > MIN_WORDS:
            candidates += [self.normalised.get(v) for v in _deletions(key)]
        found = next((c for c in candidates if c is not None), None)
        return Overlap("one word", held_out, found) if found else None


def overlaps(training: Path, held_out: Sequence[Path]) -> List[Overlap]:
    index = TrainingIndex(examples(training))
    found = (index.match(example) for folder in held_out for example in examples(folder))
    return [overlap for overlap in found if overlap is not None]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training", type=Path, default=TRAINING)
    parser.add_argument("--held-out", type=Path, nargs="+", default=list(HELD_OUT))
    args = parser.parse_args(argv)
    found = overlaps(args.training, [folder for folder in args.held_out if folder.exists()])
    for overlap in found:
        print(overlap)
    print(f"{len(found)} held-out line(s) overlap the training data")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
