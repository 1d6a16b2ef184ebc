"""``make nlu-inbox``: what real customers typed that the assistant misunderstood, for trainers.

Reads the conversation store (``TRACKER_STORE_URL``, the one-machine default
of rasa_runtime/endpoints.py when unset; PostgreSQL in the scaled topology)
with SQLAlchemy on Rasa's ``events`` table, picks the messages a trainer
should read (tools/inbox_turns.py), with each one's likely language (en, sn,
nd, or ? when too short to tell), replaces personal data
(tools/inbox_redaction.py) and writes them as Rasa NLU YAML, grouped under
the intent Rasa guessed, to ``results/nlu-inbox.yml``. It never writes under
``data/``: a trainer moves each line there under the right intent.

    python -m tools.nlu_inbox [--store-url URL] [--days 30] [--threshold 0.7]
        [--min-count 1] [--out results/nlu-inbox.yml] [--rows 20]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from itertools import groupby
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from sqlalchemy import MetaData, Table, create_engine, func, inspect, select
from sqlalchemy.pool import NullPool
from tqdm import tqdm

from tools.inbox_turns import InboxEntry, messages_needing_a_trainer, group_messages
from rasa_runtime.endpoints import ENDPOINT_DEFAULTS

EVENTS_TABLE = "events"  # Rasa's SQLTrackerStore: one row per event of every conversation
SECONDS_PER_DAY = 86400
DEFAULT_OUT = Path("results/nlu-inbox.yml")
DEFAULT_DAYS = 30.0
# Above the FallbackClassifier's 0.45 (config.yml): the near misses are
# where a customer gets a wrong answer rather than "didn't catch that".
DEFAULT_THRESHOLD = 0.7
# What Rasa stores but a trainer never needs: reading less keeps a big store quick.
KEPT_EVENTS = ("user", "bot", "slot", "action", "active_loop", "session_started", "restart")


class InboxError(Exception):
    """The store cannot be read, or the output would land in the training data."""


def tracker_store_url(environ: Optional[Dict[str, str]] = None) -> str:
    """The store Rasa writes to, by the same rule as rasa_runtime/endpoints.py."""
    value = (os.environ if environ is None else environ).get("TRACKER_STORE_URL", "").strip()
    return value or ENDPOINT_DEFAULTS["TRACKER_STORE_URL"]


def read_conversations(store_url: str, since: float) -> Iterator[List[Dict[str, Any]]]:
    """Each conversation with an event since ``since``: its events in order, as Rasa stored them.

    The whole conversation is read (not only the window), so the question
    that was open when a message in the window arrived is known.
    """
    engine = create_engine(store_url, poolclass=NullPool, future=True, hide_parameters=True)
    try:
        if not inspect(engine).has_table(EVENTS_TABLE):
            return
        events = Table(EVENTS_TABLE, MetaData(), autoload_with=engine)
        recent = select(events.c.sender_id).where(events.c.timestamp >= since).distinct().scalar_subquery()
        wanted = (events.c.sender_id.in_(recent), events.c.type_name.in_(KEPT_EVENTS))
        with engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(events).where(*wanted)).scalar_one()
            rows = connection.execution_options(stream_results=True, yield_per=2000).execute(
                select(events.c.sender_id, events.c.data).where(*wanted).order_by(events.c.sender_id, events.c.id)
            )
            with tqdm(total=total, desc="reading conversations", unit=" events", file=sys.stderr) as progress:
                for _, conversation in groupby(rows, key=lambda row: row.sender_id):
                    stored = [json.loads(row.data) for row in conversation]
                    progress.update(len(stored))
                    yield stored
    finally:
        engine.dispose()


def build_inbox(store_url: str, days: float, threshold: float, min_count: int,
                now: Optional[float] = None) -> List[InboxEntry]:
    since = (time.time() if now is None else now) - days * SECONDS_PER_DAY
    seen = [message for events in read_conversations(store_url, since)
            for message in messages_needing_a_trainer(events, threshold, since)]
    return group_messages(seen, min_count)


def _comment(entry: InboxEntry) -> str:
    asked = entry.requested_slot or "nothing"
    why = ", ".join(reason.value for reason in entry.reasons)
    return (f"seen {entry.count}x, {entry.guessed_intent} {entry.confidence:.2f}, asked: {asked}, why: {why},"
            f" language: {entry.language or '?'}")


def render_inbox(entries: List[InboxEntry], header: str) -> str:
    """Rasa NLU YAML: per guessed intent, each message its own block with its comment above it.

    A comment inside ``examples: |`` would be part of the example, so each
    line gets a one-example block of its intent, which Rasa merges; a
    trainer moves the ``- …`` lines into data/nlu/ under the right intent.
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += ['version: "3.1"', "nlu:" if entries else "nlu: []"]
    by_intent: Dict[str, List[InboxEntry]] = {}
    for entry in entries:
        by_intent.setdefault(entry.guessed_intent, []).append(entry)
    for intent, group in sorted(by_intent.items(), key=lambda item: (-sum(e.count for e in item[1]), item[0])):
        lines.append(f"# ---- guessed {intent}: {len(group)} message(s), seen {sum(e.count for e in group)}x")
        for entry in group:
            lines += [f"# {_comment(entry)}", f"- intent: {intent}", "  examples: |", f"    - {entry.text}"]
    return "\n".join(lines) + "\n"


def terminal_table(entries: List[InboxEntry], rows: int) -> str:
    shown = entries[:rows]
    table = [("seen", "conf", "lang", "guessed", "asked", "why", "message")]
    table += [(str(e.count), f"{e.confidence:.2f}", e.language or "?", e.guessed_intent, e.requested_slot or "-",
               ", ".join(r.value for r in e.reasons), e.text if len(e.text) <= 60 else e.text[:57] + "...")
              for e in shown]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    # The last column is not padded: zip stops before it.
    out = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
           for row in table]
    if len(entries) > rows:
        out.append(f"... and {len(entries) - rows} more in the file")
    return "\n".join(out)


def _checked_output(out: Path) -> Path:
    resolved = out.resolve()
    data = Path("data").resolve()
    if resolved == data or data in resolved.parents:
        raise InboxError(f"refusing to write {out}: the inbox never goes into data/, a trainer moves lines there")
    return out


def _describe(store_url: str) -> str:
    """The store without its password, for the file's header."""
    scheme, _, rest = store_url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if "@" in rest else store_url


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store-url", default=None, help="default: TRACKER_STORE_URL, else the one-machine default")
    parser.add_argument("--days", type=float, default=DEFAULT_DAYS, help="only messages from the last DAYS days")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help="a guess less confident than this needs a trainer")
    parser.add_argument("--min-count", type=int, default=1, help="leave out messages seen fewer times")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--rows", type=int, default=20, help="rows of the terminal table")
    args = parser.parse_args(argv)
    store_url = args.store_url or tracker_store_url()
    try:
        out = _checked_output(args.out)
        entries = build_inbox(store_url, args.days, args.threshold, args.min_count)
    except InboxError as refused:
        print(f"nlu-inbox: {refused}", file=sys.stderr)
        return 2
    header = (f"NLU inbox: {len(entries)} message(s) from {_describe(store_url)}, last {args.days:g} days,\n"
              f"confidence below {args.threshold:g} or not understood, seen at least {args.min_count}x.\n"
              "Grouped under the intent Rasa guessed (before any fallback). Move each line into\n"
              "data/nlu/ under the RIGHT intent, worded afresh if it is close to tests/; then make nlu-compare.")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_inbox(entries, header), encoding="utf-8")
    print(terminal_table(entries, args.rows))
    print(f"{len(entries)} message(s) written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
