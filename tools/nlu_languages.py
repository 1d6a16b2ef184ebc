"""Intent accuracy per language on a held-out NLU set, for `make nlu-report` (issue 22).

Rasa's reports give one accuracy per set; a set that is mostly English can
hide that Shona or Ndebele messages are missed. Here every example of the
set's YAML is put in a language by :meth:`parsing.language.LanguageReader.likely_language`
(the best guess meant for reports; ``unknown`` when a message is too short to
tell, e.g. "ok" or a reference alone), and counted as missed when Rasa's
``intent_errors.json`` lists it. Reported only: the gate's verdict does not
depend on it.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Tuple

from parsing.language import Language, LanguageReader
from tools.nlu_overlap import ANNOTATION, examples

UNKNOWN = "unknown"
# The order of the table's rows: the assistant's languages, then the messages too short to tell.
ROW_ORDER = tuple(language.value for language in Language) + (UNKNOWN,)

LanguageOf = Callable[[str], Optional[Language]]


@dataclass(frozen=True)
class LanguageScore:
    language: str  # "en", "sn", "nd" or "unknown"
    count: int
    missed: int

    @property
    def accuracy(self) -> float:
        return (self.count - self.missed) / self.count if self.count else 0.0


@dataclass(frozen=True)
class LanguageTable:
    scores: List[LanguageScore]
    # Misses in intent_errors.json that match no example of the set's YAML (the
    # set changed since the run): counted nowhere, and said.
    unmatched_misses: int = 0


def plain_text(example: str) -> str:
    """An example as Rasa tests it: ``pay [BK-1](booking_reference)`` reads ``pay BK-1``."""
    return ANNOTATION.sub(r"\1", example).strip()


def held_out_examples(folder: Path) -> List[Tuple[str, str]]:
    """Each example of the set under ``folder`` as (text, intent), annotations removed."""
    return [(plain_text(example.text), example.intent) for example in examples(folder)]


def read_misses(results: Path) -> List[Tuple[str, str]]:
    """The (text, expected intent) of each message Rasa's run misclassified."""
    errors_file = results / "intent_errors.json"
    if not errors_file.exists():
        return []
    return [(str(error["text"]).strip(), str(error["intent"])) for error in json.loads(errors_file.read_text())]


def accuracy_by_language(held_out: Iterable[Tuple[str, str]], misses: Iterable[Tuple[str, str]],
                         language_of: LanguageOf) -> LanguageTable:
    """Count and accuracy per language; a miss is matched to one example of the same text and intent."""
    left = Counter(misses)
    counts: Counter = Counter()
    missed: Counter = Counter()
    for text, intent in held_out:
        language = language_of(text)
        bucket = language.value if language is not None else UNKNOWN
        counts[bucket] += 1
        if left[(text, intent)] > 0:
            left[(text, intent)] -= 1
            missed[bucket] += 1
    scores = [LanguageScore(bucket, counts[bucket], missed[bucket]) for bucket in ROW_ORDER if counts[bucket]]
    return LanguageTable(scores, unmatched_misses=sum(left.values()))


def language_table(results: Path, folder: Path, language_of: Optional[LanguageOf] = None) -> LanguageTable:
    """The table for one `rasa test nlu --out` folder and the held-out set it was run on."""
    reader = language_of or LanguageReader().likely_language
    return accuracy_by_language(held_out_examples(folder), read_misses(results), reader)


def render(table: LanguageTable) -> List[str]:
    lines = ["  intent accuracy by language (likely_language of each message; reported, not judged):",
             f"    {'language':<9}{'count':>6}{'missed':>8}{'accuracy':>10}"]
    lines += [f"    {score.language:<9}{score.count:>6}{score.missed:>8}{score.accuracy:>10.3f}"
              for score in table.scores]
    if table.unmatched_misses:
        lines.append(f"    {table.unmatched_misses} misclassified message(s) match no example of the set"
                     " (it changed since the run?): counted nowhere")
    return lines


def held_out_folder(results: Path, sets_dir: Path) -> Path:
    """The set a results folder was made from: `make` writes tests/<set>/ to results/<set>/."""
    return sets_dir / results.name


def report(results: Path, sets_dir: Path) -> List[str]:
    """The table's lines for `nlu_gate`, or one line saying why there is none."""
    folder = held_out_folder(results, sets_dir)
    if not folder.is_dir():
        return [f"  intent accuracy by language: no held-out set at {folder}"]
    return render(language_table(results, folder))

