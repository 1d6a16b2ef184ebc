"""How two NLU models did on the same messages, and whether the change made understanding worse (pure).

No Rasa here: a message is its text, the intent it should get and its
entity spans; a prediction is what a model said. tools/nlu_compare.py runs
the models and feeds this.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

Span = Tuple[str, int, int]  # entity, start, end

# Drops that count as worse; a harmless data change moves a figure by less.
DEFAULT_MAX_ACCURACY_DROP = 0.01
DEFAULT_MAX_ENTITY_F1_DROP = 0.01
DEFAULT_MAX_INTENT_F1_DROP = 0.2
CONFIDENCE_DROP = 0.2


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: FrozenSet[Span] = frozenset()


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    # What the model gave the intent the message should get (0 when not ranked).
    expected_confidence: float
    entities: FrozenSet[Span] = frozenset()


@dataclass
class SetScore:
    accuracy: float
    entity_f1: Optional[float]  # None: the set annotates no entity and none was found
    intent_f1: Dict[str, float]
    support: Dict[str, int]


class Change(str, Enum):
    NEWLY_RIGHT = "newly right"
    NEWLY_WRONG = "newly wrong"
    CONFIDENCE_DROP = "confidence drop"
    CHANGED = "changed (both wrong)"


@dataclass(frozen=True)
class ChangedMessage:
    change: Change
    example: Example
    before: Prediction
    after: Prediction


@dataclass(frozen=True)
class Tolerances:
    accuracy: float = DEFAULT_MAX_ACCURACY_DROP
    entity_f1: float = DEFAULT_MAX_ENTITY_F1_DROP
    intent_f1: float = DEFAULT_MAX_INTENT_F1_DROP


@dataclass
class SetComparison:
    name: str
    judged: bool  # an inbox file's intents are guesses: reported, never judged
    before: SetScore
    after: SetScore
    changes: List[ChangedMessage] = field(default_factory=list)
    regressions: List[str] = field(default_factory=list)


def _f1(true_positives: int, false_positives: int, false_negatives: int) -> float:
    if true_positives == 0:
        return 0.0
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    return 2 * precision * recall / (precision + recall)


def score(examples: Sequence[Example], predictions: Sequence[Prediction]) -> SetScore:
    """Intent accuracy, entity F1 over exact spans, and the F1 of each intent the set holds."""
    right = sum(e.intent == p.intent for e, p in zip(examples, predictions, strict=True))
    support: Dict[str, int] = {}
    for example in examples:
        support[example.intent] = support.get(example.intent, 0) + 1
    intent_f1 = {}
    for intent in support:
        tp = sum(e.intent == intent and p.intent == intent for e, p in zip(examples, predictions, strict=True))
        fp = sum(e.intent != intent and p.intent == intent for e, p in zip(examples, predictions, strict=True))
        intent_f1[intent] = _f1(tp, fp, support[intent] - tp)
    gold = sum(len(e.entities) for e in examples)
    found = sum(len(p.entities) for p in predictions)
    tp = sum(len(e.entities & p.entities) for e, p in zip(examples, predictions, strict=True))
    entity_f1 = None if gold == 0 and found == 0 else _f1(tp, found - tp, gold - tp)
    return SetScore(right / len(examples) if examples else 1.0, entity_f1, intent_f1, support)


def changed_messages(examples: Sequence[Example], before: Sequence[Prediction],
                     after: Sequence[Prediction]) -> List[ChangedMessage]:
    """Every message whose prediction changed, and those the right intent lost confidence on."""
    changes = []
    for example, old, new in zip(examples, before, after, strict=True):
        was_right, is_right = old.intent == example.intent, new.intent == example.intent
        if not was_right and is_right:
            kind: Optional[Change] = Change.NEWLY_RIGHT
        elif was_right and not is_right:
            kind = Change.NEWLY_WRONG
        elif old.expected_confidence - new.expected_confidence > CONFIDENCE_DROP:
            kind = Change.CONFIDENCE_DROP
        elif old.intent != new.intent:
            kind = Change.CHANGED
        else:
            kind = None
        if kind is not None:
            changes.append(ChangedMessage(kind, example, old, new))
    order = list(Change)
    return sorted(changes, key=lambda c: (order.index(c.change), c.example.intent, c.example.text))


def regressions(name: str, before: SetScore, after: SetScore, tolerances: Tolerances) -> List[str]:
    """What got worse by more than its tolerance, each in words a pull request can show."""
    worse = []
    if before.accuracy - after.accuracy > tolerances.accuracy:
        worse.append(f"{name}: intent accuracy {before.accuracy:.3f} -> {after.accuracy:.3f}")
    if before.entity_f1 is not None and (before.entity_f1 - (after.entity_f1 or 0.0)) > tolerances.entity_f1:
        worse.append(f"{name}: entity F1 {before.entity_f1:.3f} -> {(after.entity_f1 or 0.0):.3f}")
    for intent in sorted(before.intent_f1):
        drop = before.intent_f1[intent] - after.intent_f1.get(intent, 0.0)
        if drop > tolerances.intent_f1:
            worse.append(f"{name}: intent {intent} F1 {before.intent_f1[intent]:.3f} -> "
                         f"{after.intent_f1.get(intent, 0.0):.3f}")
    return worse


def compare_set(name: str, examples: Sequence[Example], before: Sequence[Prediction],
                after: Sequence[Prediction], tolerances: Tolerances, judged: bool = True) -> SetComparison:
    old, new = score(examples, before), score(examples, after)
    return SetComparison(name, judged, old, new, changed_messages(examples, before, after),
                         regressions(name, old, new, tolerances) if judged else [])
