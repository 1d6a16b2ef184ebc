"""``make nlu-compare BASE=<git ref>``: did this training-data change help or hurt understanding?

Trains (once per training-data content, tools/compare_training.py) the NLU
model of ``BASE``'s config.yml and data/ and the working tree's, runs both on
the held-out sets (tests/nlu/, tests/nlu_customer/) and on an inbox file when
given (``--accepted FILE`` adds FILE's examples to the working tree's training
data first: the back office's accepted inbox examples, judged before anyone
moves them into data/), and prints intent accuracy, entity F1 and per-intent F1 of both, and
every message whose prediction changed. The same report goes to
results/nlu-compare.md with a chart (results/nlu-compare-f1.png). Exits 1
when the change made understanding of a held-out set worse, so CI can run
it on a branch; 2 when it could not compare at all.

    python -m tools.nlu_compare --base main [--inbox results/nlu-inbox.yml] [--accepted results/nlu-accepted.yml]
        [--repo .] [--sets tests/nlu tests/nlu_customer] [--out results/nlu-compare.md]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from tqdm import tqdm

from tools.compare_report import draw_chart, render_markdown
from tools.compare_scoring import (
    DEFAULT_MAX_ACCURACY_DROP, DEFAULT_MAX_ENTITY_F1_DROP, DEFAULT_MAX_INTENT_F1_DROP,
    Example, Prediction, SetComparison, Tolerances, compare_set,
)
from tools.compare_training import ModelCache, TrainingError, base_checkout

DEFAULT_SETS = ("tests/nlu", "tests/nlu_customer")
DEFAULT_OUT = Path("results/nlu-compare.md")
DEFAULT_CACHE = Path(".cache/nlu-compare")


def load_examples(path: Path) -> List[Example]:
    """A held-out set (a folder or file of NLU YAML) as examples with their intents and entity spans."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        Example(message.get("text"), message.get("intent"),
                frozenset((e["entity"], int(e["start"]), int(e["end"])) for e in message.get("entities") or []))
        for message in data.intent_examples
    ]


class NluModel:
    """A trained NLU model, parsing messages as the Rasa server would."""

    def __init__(self, model_path: Path, label: str) -> None:
        from rasa.core.agent import Agent
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        # In-process Rasa logs every parse at debug; the report is what matters here.
        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)

        self.label = label
        self.loop = asyncio.new_event_loop()
        self.agent = Agent.load(str(model_path))

    def predict(self, examples: Sequence[Example], set_name: str) -> List[Prediction]:
        return [self._predict(example) for example in
                tqdm(examples, desc=f"{self.label} on {set_name}", unit=" messages", file=sys.stderr)]

    def _predict(self, example: Example) -> Prediction:
        parsed: Dict[str, Any] = self.loop.run_until_complete(self.agent.parse_message(example.text))
        intent = parsed.get("intent") or {}
        ranking = {r.get("name"): float(r.get("confidence") or 0.0) for r in parsed.get("intent_ranking") or []}
        return Prediction(
            intent=intent.get("name") or "", confidence=float(intent.get("confidence") or 0.0),
            expected_confidence=ranking.get(example.intent, 0.0),
            entities=frozenset((e["entity"], int(e["start"]), int(e["end"])) for e in parsed.get("entities") or []),
        )

    def close(self) -> None:
        self.loop.close()


def with_accepted(repo: Path, accepted: Path) -> Path:
    """A scratch copy of the working tree's config.yml and data/ with ``accepted`` added to data/."""
    scratch = Path(tempfile.mkdtemp(prefix="nlu-compare-accepted-"))
    shutil.copy2(repo / "config.yml", scratch / "config.yml")
    shutil.copytree(repo / "data", scratch / "data")
    shutil.copy2(accepted, scratch / "data" / "accepted-examples.yml")
    return scratch


def compare(repo: Path, base: str, sets: Sequence[Path], inbox: Optional[Path], cache: Path,
            results: Path, tolerances: Tolerances, accepted: Optional[Path] = None) -> List[SetComparison]:
    scratch = base_checkout(repo, base)
    after = with_accepted(repo, accepted) if accepted else repo
    try:
        models = ModelCache(cache, results)
        base_model, _ = models.model_for(scratch, "base", position=0)
        tree_model, _ = models.model_for(after, "working-tree", position=0)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if after != repo:
            shutil.rmtree(after, ignore_errors=True)
    named = [(path.name, path, True) for path in sets] + ([("inbox", inbox, False)] if inbox else [])
    named += [("accepted", accepted, False)] if accepted else []
    examples = {name: load_examples(path) for name, path, _ in named}
    predictions: Dict[str, Dict[str, List[Prediction]]] = {}
    for label, path in (("base", base_model), ("working tree", tree_model)):
        model = NluModel(path, label)
        try:
            predictions[label] = {name: model.predict(examples[name], name) for name, _, _ in named}
        finally:
            model.close()
    return [compare_set(name, examples[name], predictions["base"][name], predictions["working tree"][name],
                        tolerances, judged) for name, _, judged in named]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git ref whose training data is the 'before'")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the checkout whose working tree is 'after'")
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), help="held-out sets, relative to --repo")
    parser.add_argument("--inbox", type=Path, help="also run both on this NLU file (reported, not judged)")
    parser.add_argument("--accepted", type=Path,
                        help="NLU examples added to the working tree's data for 'after' (and reported, not judged)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Markdown report, relative to --repo")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="trained models, relative to --repo")
    parser.add_argument("--max-accuracy-drop", type=float, default=DEFAULT_MAX_ACCURACY_DROP)
    parser.add_argument("--max-entity-f1-drop", type=float, default=DEFAULT_MAX_ENTITY_F1_DROP)
    parser.add_argument("--max-intent-f1-drop", type=float, default=DEFAULT_MAX_INTENT_F1_DROP)
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    out = repo / args.out
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tolerances = Tolerances(args.max_accuracy_drop, args.max_entity_f1_drop, args.max_intent_f1_drop)
    try:
        comparisons = compare(repo, args.base, [repo / s for s in args.sets], args.inbox, repo / args.cache,
                              out.parent / "nlu-compare", tolerances,
                              args.accepted.resolve() if args.accepted else None)
    except (TrainingError, OSError) as failed:
        print(f"nlu-compare: {failed}", file=sys.stderr)
        return 2
    chart = out.with_name(out.stem + "-f1.png")
    draw_chart(comparisons, chart)
    report = render_markdown(args.base, comparisons, chart.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    print(report)
    print(f"report: {out}, chart: {chart}")
    worse = [r for c in comparisons for r in c.regressions]
    if worse:
        print("nlu-compare: the change made understanding WORSE: " + "; ".join(worse), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
