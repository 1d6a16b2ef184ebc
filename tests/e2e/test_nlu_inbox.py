"""`make nlu-inbox` against a conversation store filled by real conversations through the running Rasa.

Customers talk to the e2e stack over REST; Rasa's own SQL tracker store
(the stack's SQLite file, as on one machine) keeps the conversations; the
inbox is then built by `python -m tools.nlu_inbox` in its own process, as
`make nlu-inbox` runs it, and its YAML is loaded by Rasa's own reader.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import requests
import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from tests.e2e.conftest import RASA_API_TOKEN, REPO, Chat, Stack

THRESHOLD = 0.7
# Nonsense, and vague messages: which of them a model is unsure about, or takes for a cancel,
# changes from one training to the next, so the test picks them from the running model.
GIBBERISH_CANDIDATES = ("qwzx vlorp frmbl", "blorp zint wuxx", "frmbl qwzx ptang", "zzkv olp trebb")
VAGUE_CANDIDATES = ("hmm the thing from before", "that one from earlier maybe", "ya the other thing",
                    "same as last time i think", "you know what i mean", "the usual one")
PHONE = "0712 345 678"
WELL_UNDERSTOOD = "I want to pay for my booking"


def parse(stack: Stack, text: str) -> Dict[str, Any]:
    return requests.post(f"{stack.rasa_url}/model/parse", json={"text": text},
                         headers={"Authorization": f"Bearer {RASA_API_TOKEN}"}, timeout=30).json()["intent"]


def confidence(stack: Stack, text: str) -> float:
    return float(parse(stack, text)["confidence"])


def pick(stack: Stack, candidates: Tuple[str, ...], wanted: Callable[[Dict[str, Any]], bool], what: str) -> str:
    """The first candidate the running model reads as wanted: the inbox, not the model, is under test."""
    for text in candidates:
        if wanted(parse(stack, text)):
            return text
    raise AssertionError(f"none of {candidates} is {what} for this model: add a candidate")


def build_inbox(stack: Stack, out: Path, started: float) -> str:
    """The inbox of what was said since ``started``: the store is shared with every other e2e test."""
    env = dict(stack.env, TQDM_DISABLE="1")
    days = (time.time() - started) / 86400
    done = subprocess.run(
        [sys.executable, "-m", "tools.nlu_inbox", "--out", str(out), "--threshold", str(THRESHOLD),
         "--days", repr(days)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def inbox_lines(path: Path) -> Dict[str, List[str]]:
    """Each guessed intent's example lines, as Rasa reads the file."""
    data = RasaYAMLReader().reads(path.read_text())
    found: Dict[str, List[str]] = {}
    for message in data.intent_examples:
        found.setdefault(message.get("intent"), []).append(message.get("text"))
    return found


def comment_above(raw: str, text: str) -> str:
    """The comment line of the block whose example is ``text`` (case does not matter)."""
    lines = raw.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().casefold() == f"- {text}".casefold())
    return lines[at - 3]


def test_the_inbox_holds_what_was_misunderstood_redacted_and_leaves_out_what_was_understood(
        stack: Stack, bookings, tmp_path: Path) -> None:
    # Nonsense that is no cancel or correction (which would put the message before it in the inbox).
    gibberish = pick(stack, GIBBERISH_CANDIDATES, lambda intent: intent["name"] not in ("cancel", "correct"),
                     "nonsense read as neither a cancel nor a correction")
    low_confidence = pick(stack, VAGUE_CANDIDATES, lambda intent: intent["confidence"] < THRESHOLD,
                          "a message the model is unsure about")
    assert confidence(stack, WELL_UNDERSTOOD) > THRESHOLD

    started = time.time() - 1
    customer = Chat(stack)
    assert "booking reference" in customer.text(WELL_UNDERSTOOD)
    customer.text(gibberish)
    customer.text(PHONE)
    customer.text(low_confidence)
    # The same gibberish from another customer, typed differently: counted together.
    Chat(stack).text("pay")
    other = Chat(stack)
    other.text("pay")
    other.text("   ".join(word.upper() if i == 0 else word.capitalize()
                           for i, word in enumerate(gibberish.split())))

    out = tmp_path / "nlu-inbox.yml"
    table = build_inbox(stack, out, started)
    raw = out.read_text()
    yaml.safe_load(raw)
    lines = inbox_lines(out)
    everything = [text.casefold() for texts in lines.values() for text in texts]

    assert gibberish in everything
    assert comment_above(raw, gibberish).startswith("# seen 2x")
    assert low_confidence in everything
    assert WELL_UNDERSTOOD.casefold() not in everything
    assert "pay" not in everything
    # The number is there in its shape, never as typed.
    assert PHONE not in raw and "712345678" not in raw.replace(" ", "")
    assert "0772 123 456" in everything
    # The open question is named, and the terminal shows the table.
    assert "asked: booking_reference" in comment_above(raw, low_confidence)
    assert gibberish in table.casefold()
    assert not list((REPO / "data").rglob("nlu-inbox*"))
