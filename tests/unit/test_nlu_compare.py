"""`nlu-compare` in a temporary git repository: a harmful data change fails, a harmless one passes.

The repository has a tiny pipeline and data (a logistic regression over
word counts, three intents, a phone-number regex), so each real
`rasa train nlu` takes seconds; the tool runs in its own process as
`make nlu-compare` runs it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from tools.compare_scoring import Change, Example, Prediction, Tolerances, compare_set
from tools.compare_training import content_hash
from tools.stack import REPO, base_env

CONFIG = """\
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
    random_state: 7
  - name: RegexEntityExtractor
    use_regexes: true
policies: []
"""
GREET = ["hello", "hi", "hey there", "good morning", "hello friend", "hi there", "hey", "good evening"]
PAY = ["i want to pay", "pay my booking", "make a payment", "i would like to pay", "pay now",
       "can i pay", "payment please", "pay the balance", "pay with [0712345678](phone_number)"]
GOODBYE = ["bye", "goodbye", "see you", "bye bye", "see you later", "good night", "cheers bye", "later"]
HELD_OUT = {"greet": ["hello there", "hi friend", "good morning there"],
            "make_payment": ["i want to pay now", "pay my balance", "i would like to make a payment"],
            "goodbye": ["bye now", "see you soon", "goodbye friend"]}


def nlu_yaml(intents: dict, regex: bool = True) -> str:
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in intents.items():
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {e}" for e in examples]
    if regex:
        lines += ["- regex: phone_number", "  examples: |", "    - \\b07\\d{8}\\b"]
    return "\n".join(lines) + "\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "assistant"
    (root / "data").mkdir(parents=True)
    (root / "tests" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text(CONFIG)
    (root / "data" / "nlu.yml").write_text(nlu_yaml({"greet": GREET, "make_payment": PAY, "goodbye": GOODBYE}))
    held_out = dict(HELD_OUT, make_payment=HELD_OUT["make_payment"] + ["pay from [0772123456](phone_number)"])
    (root / "tests" / "nlu" / "held_out.yml").write_text(nlu_yaml(held_out, regex=False))
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "base")
    return root


def nlu_compare(repo: Path) -> subprocess.CompletedProcess:
    env = base_env(TQDM_DISABLE="1")
    return subprocess.run([sys.executable, "-m", "tools.nlu_compare", "--base", "main", "--repo", str(repo),
                           "--sets", "tests/nlu"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_examples_moved_to_the_wrong_intent_fail_and_are_named_a_harmless_change_passes(repo: Path) -> None:
    # Harmful: the greetings moved under goodbye.
    (repo / "data" / "nlu.yml").write_text(nlu_yaml({"greet": GREET[:1], "make_payment": PAY,
                                                     "goodbye": GOODBYE + GREET[1:]}))
    harmful = nlu_compare(repo)
    assert harmful.returncode == 1, harmful.stdout + harmful.stderr
    report = (repo / "results" / "nlu-compare.md").read_text()
    assert "**WORSE**" in report and "intent greet F1" in report
    assert "| newly wrong | hi friend | greet |" in report
    assert (repo / "results" / "nlu-compare-f1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "WORSE" in harmful.stderr and "greet" in harmful.stderr
    assert "| nlu | 1.000 |" in report  # the phone number found by both: entity F1 1.0 before

    # Harmless: one more greeting, worded afresh.
    (repo / "data" / "nlu.yml").write_text(nlu_yaml({"greet": GREET + ["hiya"], "make_payment": PAY,
                                                     "goodbye": GOODBYE}))
    harmless = nlu_compare(repo)
    assert harmless.returncode == 0, harmless.stdout + harmless.stderr
    assert "**Not worse**" in (repo / "results" / "nlu-compare.md").read_text()
    # The base was trained once, by content: the second run reused it.
    assert "base: training data" in harmless.stderr and "already trained" in harmless.stderr
    assert not (repo / "models").exists()
    models: List[Path] = sorted((repo / ".cache" / "nlu-compare").glob("*/nlu.tar.gz"))
    assert len(models) == 3


def test_an_unknown_base_is_a_clear_error(repo: Path) -> None:
    done = nlu_compare_ref(repo, "no-such-branch")
    assert done.returncode == 2 and "no-such-branch" in done.stderr and "Traceback" not in done.stderr


def nlu_compare_ref(repo: Path, ref: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.nlu_compare", "--base", ref, "--repo", str(repo)],
                          cwd=REPO, env=base_env(TQDM_DISABLE="1"), capture_output=True, text=True, timeout=120)


def test_changes_are_named_newly_right_newly_wrong_and_confidence_drops() -> None:
    examples = [Example("a", "greet"), Example("b", "greet"), Example("c", "goodbye"), Example("d", "goodbye")]
    before = [Prediction("goodbye", 0.6, 0.3), Prediction("greet", 0.9, 0.9),
              Prediction("goodbye", 0.95, 0.95), Prediction("goodbye", 0.9, 0.9)]
    after = [Prediction("greet", 0.8, 0.8), Prediction("goodbye", 0.7, 0.2),
             Prediction("goodbye", 0.6, 0.6), Prediction("goodbye", 0.85, 0.85)]
    compared = compare_set("set", examples, before, after, Tolerances())
    assert [(c.change, c.example.text) for c in compared.changes] == [
        (Change.NEWLY_RIGHT, "a"), (Change.NEWLY_WRONG, "b"), (Change.CONFIDENCE_DROP, "c")]
    assert compared.before.accuracy == compared.after.accuracy == 0.75
    assert compared.regressions == []  # one fixed, one broken: not worse overall, each intent's F1 unchanged


def test_the_model_cache_is_named_after_content_not_order_or_time() -> None:
    assert content_hash({"a": b"1", "b": b"2"}) == content_hash({"b": b"2", "a": b"1"})
    assert content_hash({"a": b"1"}) != content_hash({"a": b"2"})
