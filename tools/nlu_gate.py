"""Read `rasa test nlu`'s reports: print the figures, and fail below the bar.

`make nlu-report` prints intent accuracy and entity F1 for each held-out set
(tests/nlu/, and tests/nlu_customer/, written from the customer's side), and
its intent accuracy per language (en, sn, nd, unknown: tools/nlu_languages.py);
`make nlu-gate` (part of `make test`) also exits non-zero when any set is
below a minimum, so a training-data change that makes the assistant
understand customers worse cannot be merged unnoticed. Each set is judged on
its own: a good score on one never hides a bad one on the other.

The third set (tests/nlu_out_of_scope/: everyday requests that have nothing
to do with a booking, from CLINC150 and our own Shona and Ndebele) is judged
on one thing: the share of its messages the assistant takes for a booking
request (a payment, a balance, a payment's status, a new code), at most 1 %.
That takes two signals, the classifier's intent and the text's own backing
(parsing/evidence.py), as in the assistant; the classifier's share alone is
reported beside it.

    python -m tools.nlu_gate results/nlu [results/nlu_customer ...]
        [--out-of-scope results/nlu_out_of_scope ...] [--max-booking-share 0.01]
        [--min-intent-accuracy 0.95] [--min-entity-f1 0.95] [--report-only] [--sets-dir tests]

The per-language table reads each set's examples from <sets-dir>/<results folder's name>/
(results/nlu/ was made from tests/nlu/) and is reported, never judged.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from parsing.evidence import taken_for_a_booking_request
from tools import nlu_languages

# Rasa writes one <component>_report.json per entity extractor.
NOT_ENTITY_REPORTS = {"intent_report.json", "response_selection_report.json",
                      # The message's language (rasa_runtime/nlu/language_detector.py): an entity
                      # the held-out sets do not annotate, so Rasa scores it against the others.
                      "LanguageDetector_report.json"}
AVERAGES = {"micro avg", "macro avg", "weighted avg", "accuracy"}
# What an out-of-scope message must never be taken for: each starts or
# continues a booking's payment, or shows a booking's money.
BOOKING_INTENTS = ("make_payment", "ask_balance", "payment_status", "request_new_otp")
OUT_OF_SCOPE = "out_of_scope"


def intent_accuracy(results: Path) -> float:
    report = json.loads((results / "intent_report.json").read_text())
    return float(report["accuracy"])


def entity_f1(results: Path) -> Dict[str, Tuple[float, Dict[str, float]]]:
    """Per extractor: the micro-averaged F1 and the F1 of each entity."""
    scores: Dict[str, Tuple[float, Dict[str, float]]] = {}
    for path in sorted(results.glob("*_report.json")):
        if path.name in NOT_ENTITY_REPORTS:
            continue
        report = json.loads(path.read_text())
        per_entity = {
            name: float(values["f1-score"])
            for name, values in report.items()
            if name not in AVERAGES and isinstance(values, dict) and name != "no_entity"
        }
        overall = report.get("micro avg", report.get("weighted avg", {})).get("f1-score")
        if overall is not None:
            scores[path.name[: -len("_report.json")]] = (float(overall), per_entity)
    return scores


def misclassified(results: Path, limit: int = 15) -> List[str]:
    errors_file = results / "intent_errors.json"
    if not errors_file.exists():
        return []
    errors = json.loads(errors_file.read_text())
    return [
        f"  {e['text']!r}: expected {e['intent']}, got {e['intent_prediction']['name']}"
        f" ({e['intent_prediction']['confidence']:.2f})"
        for e in errors[:limit]
    ]


def judge(results: Path, min_intent_accuracy: float, min_entity_f1: float,
          sets_dir: Optional[Path] = None) -> List[str]:
    """Print one held-out set's figures; return what falls below the bar.

    With ``sets_dir``, also its intent accuracy per language (printed, never judged).
    """
    accuracy = intent_accuracy(results)
    entities = entity_f1(results)
    print(f"NLU held-out set ({results}):")
    print(f"  intent accuracy: {accuracy:.3f} (minimum {min_intent_accuracy})")
    for extractor, (overall, per_entity) in entities.items():
        detail = ", ".join(f"{name} {f1:.3f}" for name, f1 in sorted(per_entity.items()))
        print(f"  entity F1 ({extractor}): {overall:.3f} (minimum {min_entity_f1}): {detail}")
    if sets_dir is not None:
        print("\n".join(nlu_languages.report(results, sets_dir)))
    errors = misclassified(results)
    if errors:
        print("  misclassified messages:")
        print("\n".join(errors))

    failures = []
    if accuracy < min_intent_accuracy:
        failures.append(f"{results}: intent accuracy {accuracy:.3f} < {min_intent_accuracy}")
    if not entities:
        failures.append(f"{results}: no entity report found: did `rasa test nlu` run an entity extractor?")
    failures += [
        f"{results}: entity F1 of {extractor} {overall:.3f} < {min_entity_f1}"
        for extractor, (overall, _) in entities.items()
        if overall < min_entity_f1
    ]
    return failures


def message_count(results: Path, intent: str = OUT_OF_SCOPE) -> int:
    """How many of the set's messages are labelled ``intent``."""
    report = json.loads((results / "intent_report.json").read_text())
    values = report.get(intent)
    return int(values.get("support", 0)) if isinstance(values, dict) else 0


def taken_for_booking(results: Path, booking_intents: Sequence[str] = BOOKING_INTENTS) -> List[dict]:
    """The set's out-of-scope messages whose predicted intent is a booking request."""
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    return [error for error in errors
            if error["intent"] == OUT_OF_SCOPE and error["intent_prediction"]["name"] in booking_intents]


def taken_by_the_assistant(results: Path) -> List[dict]:
    """The set's out-of-scope messages the assistant would treat as a booking request.

    The classifier's booking intent and the text's own backing (parsing/evidence.py),
    the two signals the assistant needs before it starts a payment, shows a booking's
    balance or a payment's state, or offers a new code (docs/understanding.md).
    """
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    return [error for error in errors if error["intent"] == OUT_OF_SCOPE
            and taken_for_a_booking_request(error["text"], error["intent_prediction"]["name"])]


def judge_out_of_scope(results: Path, max_booking_share: float) -> List[str]:
    """Print an out-of-scope set's figures; return what is over the bar.

    Judged: the share the assistant takes for a booking request (both signals).
    Reported: the share the classifier alone puts on a booking intent, which
    the second signal catches.
    """
    total = message_count(results)
    classified = taken_for_booking(results)
    taken = taken_by_the_assistant(results)
    share = len(taken) / total if total else 1.0
    classified_share = len(classified) / total if total else 1.0
    print(f"Out-of-scope held-out set ({results}):")
    print(f"  {total} out-of-scope messages; intent accuracy over the whole set {intent_accuracy(results):.3f}")
    print(f"  put on a booking intent by the classifier alone: {len(classified)} ({classified_share:.1%}, reported)")
    print(f"  taken for a booking request by the assistant (intent and text): {len(taken)} ({share:.1%}, "
          f"maximum {max_booking_share:.1%})")
    for error in taken:
        prediction = error["intent_prediction"]
        print(f"    {error['text']!r}: {prediction['name']} ({prediction['confidence']:.2f})")
    pushed_out = [line for line in misclassified(results, limit=1000) if "expected out_of_scope" not in line]
    if pushed_out:
        print("  its real booking requests misread (reported, not judged):")
        print("\n".join(pushed_out))
    if not total:
        return [f"{results}: no out-of-scope messages in the report"]
    if share > max_booking_share:
        return [f"{results}: {share:.1%} taken for a booking request > {max_booking_share:.1%}"]
    return []


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+", help="one `rasa test nlu --out` folder per held-out set")
    parser.add_argument("--min-intent-accuracy", type=float, default=0.95)
    parser.add_argument("--min-entity-f1", type=float, default=0.95)
    parser.add_argument("--out-of-scope", type=Path, nargs="*", default=[],
                        help="`rasa test nlu --out` folders of out-of-scope sets")
    parser.add_argument("--max-booking-share", type=float, default=0.01,
                        help="most of an out-of-scope set that may be taken for a booking request")
    parser.add_argument("--report-only", action="store_true", help="print the figures, never fail")
    parser.add_argument("--sets-dir", type=Path, default=Path("tests"),
                        help="where the held-out sets are, for the per-language table (tests/<set>/)")
    args = parser.parse_args(argv)

    failures = [
        failure
        for results in args.results
        for failure in judge(results, args.min_intent_accuracy, args.min_entity_f1,
                             args.sets_dir if args.report_only else None)
    ]
    failures += [
        failure
        for results in args.out_of_scope
        for failure in judge_out_of_scope(results, args.max_booking_share)
    ]
    if failures and not args.report_only:
        print("NLU gate FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
