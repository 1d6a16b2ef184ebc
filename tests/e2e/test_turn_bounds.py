"""A turn's cost does not grow with the conversation, and one sender cannot monopolise the assistant.

Its own stack (tools/loopback.py: sandbox, action server, Rasa), with the
action server reached through a recording proxy, so the size of every call
Rasa makes to it can be read: SESSION_MAX_EVENTS is set to its minimum (40)
so that a short test crosses it several times, and SENDER_MESSAGES_PER_MINUTE
to 30. Sizes are asserted, never timings.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import requests

from payments.store.migrations import upgrade_to_head
from common.sender_ids import scoped_sender_id
from payments.store.repository import BookingStore
from bench import load
from tools.loopback import LoopbackStack, loopback_stack
from rasa_runtime.stores.sql_tracker_speedups import latest_session_query

REPO = Path(__file__).resolve().parents[2]
SESSION_MAX_EVENTS = 40
PER_MINUTE = 30
OTP = "246810"
SLOW_DOWN = "faster than i can answer"


class RecordingProxy:
    """Forwards Rasa's calls to the action server and records how many events each carried."""

    def __init__(self) -> None:
        self.target = ""
        self.calls: List[Tuple[str, int, int]] = []  # (sender, events, bytes)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                tracker = json.loads(body).get("tracker") or {}
                proxy.calls.append((tracker.get("sender_id", ""), len(tracker.get("events") or []), len(body)))
                answer = requests.post(proxy.target + self.path, data=body, timeout=60,
                                       headers={"Content-Type": "application/json"})
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[LoopbackStack, RecordingProxy, Path]]:
    proxy = RecordingProxy()
    workdir = tmp_path_factory.mktemp("turn-bounds")
    overrides = {"ACTION_ENDPOINT_URL": f"{proxy.url}/webhook", "SESSION_MAX_EVENTS": str(SESSION_MAX_EVENTS),
                 "SENDER_MESSAGES_PER_MINUTE": str(PER_MINUTE), "SANDBOX_OTP": OTP, **load.LOAD_TEST_LIMITS}
    with loopback_stack(workdir, str(REPO / "models"), overrides, rasa_timeout=300) as running:
        proxy.target = running.action_url
        upgrade_to_head(running.database_url)
        yield running, proxy, workdir / "conversations.db"
    proxy.server.shutdown()


def stored_session_rows(database: Path, conversation: str) -> int:
    """How many rows the tracker store reads for the conversation's next turn (its latest session)."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        rows = connection.execute(latest_session_query(SQLTrackerStore.SQLEvent.__table__),
                                  {"sender_id": conversation}).fetchall()
    engine.dispose()
    return len(rows)


def all_stored_rows(database: Path, conversation: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM events WHERE sender_id = ?", (conversation,)).fetchone()[0]


def test_a_long_session_keeps_its_calls_and_reads_bounded_and_still_pays(bounded) -> None:
    running, proxy, database = bounded
    customer = load.bench_customers(1, f"long-{uuid.uuid4().hex[:6]}", 7001)[0]
    store = BookingStore(running.database_url)
    load.seed_bookings(store, [customer])
    conversation = scoped_sender_id("rest", customer.sender)
    script = load.payment_script(customer, OTP)
    digressions = [("what's my balance?", "payment channel")] * 20
    reads = []
    with requests.Session() as http:
        for number, (message, expected) in enumerate(script[:3] + digressions + script[3:], start=1):
            _, text = load.say(http, running.rasa_url, customer.sender, message)
            assert expected in text, f"message {number} {message!r}: {text[:200]!r}"
            reads.append(stored_session_rows(database, conversation))
    calls = [events for sender, events, _ in proxy.calls if sender == conversation]
    # The conversation grew far past the bound, and is all still stored...
    assert all_stored_rows(database, conversation) > 4 * SESSION_MAX_EVENTS
    # ...but no call carried, and no read loads, more than the bound plus what a new
    # session carries (the slots, the form) and one turn's events: well under half of it.
    ceiling = 2 * SESSION_MAX_EVENTS
    assert max(calls) < ceiling, calls
    assert max(reads) < ceiling, reads
    booking = store.find_booking_by_reference(customer.booking_reference)
    assert booking is not None and booking.amount_paid == load.PAYMENT_AMOUNT
    store.dispose()


def test_a_flooding_sender_is_told_to_slow_down_and_others_are_answered(bounded) -> None:
    running, proxy, database = bounded
    flooder, other = f"flood-{uuid.uuid4().hex[:6]}", f"calm-{uuid.uuid4().hex[:6]}"
    with requests.Session() as http:
        answers = [load.say(http, running.rasa_url, flooder, "hi")[1] for _ in range(PER_MINUTE)]
        assert not any(SLOW_DOWN in answer for answer in answers)
        calls_before = len(proxy.calls)
        beyond = [load.say(http, running.rasa_url, flooder, "pay")[1] for _ in range(3)]
        assert all(SLOW_DOWN in answer and "booking reference" not in answer for answer in beyond), beyond
        # Neither NLU nor the action server ran: nothing reached the action server, nothing was saved.
        assert len(proxy.calls) == calls_before
        tracker = http.get(f"{running.rasa_url}/conversations/{scoped_sender_id('rest', flooder)}/tracker",
                           params={"include_events": "ALL"}, timeout=10).json()
        texts = [event.get("text") for event in tracker["events"] if event.get("event") == "user"]
        assert texts.count("hi") == PER_MINUTE and "pay" not in texts
        # Another customer, meanwhile, is answered as usual.
        _, text = load.say(http, running.rasa_url, other, "pay")
        assert "booking reference" in text
