"""The NLU inbox in the browser: the messages the assistant misunderstood, and the trainer's decisions.

The messages are picked and redacted exactly as ``make nlu-inbox`` picks them
(tools/inbox_turns.py, tools/inbox_redaction.py). A trainer's decision is one
of the domain's intents, or "not a customer message". Accepted examples go to
a reviewable NLU file (results/nlu-accepted.yml by default), never under
data/: ``make nlu-compare ACCEPTED=results/nlu-accepted.yml`` judges them, and
a developer moves them into data/nlu/ once the comparison says they help.
Which messages were decided is read back from the audit log, so a decided
message leaves the inbox for everyone.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Set

import yaml

from backoffice.conversations import ConversationReader
from tools.inbox_turns import InboxEntry, group_messages, messages_needing_a_trainer, normalised, printable

NOT_A_CUSTOMER_MESSAGE = "not_a_customer_message"
HEADER = """\
# Examples accepted by trainers in the back office (docs/backoffice.md), by intent.
# Reviewable: judge them with `make nlu-compare ACCEPTED=<this file>`, then move the
# lines that help into data/nlu/. The back office rewrites this file on every accept.
"""


def example_key(text: str) -> str:
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()[:16]


def domain_intents(repo: Path) -> List[str]:
    """The intents a trainer may pick: the domain's, without Rasa's own fallback."""
    domain = yaml.safe_load((repo / "domain.yml").read_text(encoding="utf-8")) or {}
    names = []
    for intent in domain.get("intents") or []:
        name = next(iter(intent)) if isinstance(intent, dict) else str(intent)
        if name != "nlu_fallback":
            names.append(name)
    return sorted(names)


class AcceptedExamples:
    """The reviewable file of accepted examples, as Rasa NLU YAML."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Dict[str, List[str]]:
        if not self.path.exists():
            return {}
        loaded = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        found: Dict[str, List[str]] = {}
        for block in loaded.get("nlu") or []:
            lines = [line[2:].strip() for line in str(block.get("examples") or "").splitlines()
                     if line.startswith("- ")]
            found.setdefault(str(block["intent"]), []).extend(lines)
        return found

    def add(self, intent: str, text: str) -> None:
        examples = self.read()
        if text not in examples.setdefault(intent, []):
            examples[intent].append(text)
        self._write(examples)

    def count(self) -> int:
        return sum(len(v) for v in self.read().values())

    def _write(self, examples: Dict[str, List[str]]) -> None:
        lines = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
        for intent in sorted(examples):
            lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {printable(t)}" for t in examples[intent]]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: a comparison reading it meanwhile never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".nlu-accepted-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os.replace(temporary, self.path)


class Inbox:
    def __init__(self, reader: ConversationReader, days: float, threshold: float) -> None:
        self._reader = reader
        self._days = days
        self._threshold = threshold

    def entries(self, decided: Set[str]) -> List[InboxEntry]:
        """Grouped like ``make nlu-inbox``, without the messages a trainer already decided."""
        import time

        since = time.time() - self._days * 86400
        seen = [message for events in self._reader.events_since(self._days)
                for message in messages_needing_a_trainer(events, self._threshold, since)]
        return [e for e in group_messages(seen) if example_key(e.text) not in decided]

    def find(self, key: str, decided: Set[str]) -> Optional[InboxEntry]:
        return next((e for e in self.entries(decided) if example_key(e.text) == key), None)
