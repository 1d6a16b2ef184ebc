"""End-to-end fixtures: the real product on loopback, talked to over REST.

One stack per test session: the O'mari sandbox, the rasa-sdk action server
and `rasa run` as separate processes (started by tools.stack, exactly as
`make serve` starts them), a SQLite database in a temporary folder, and the
trained model in models/. Each test resets the demo bookings and talks as its
own sender, so tests never see each other's conversations.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests

from payments.store.demo_data import seed_demo_bookings
from payments.store.migrations import upgrade_to_head
from common.sender_ids import scoped_sender_id
from payments.store.repository import BookingStore
from tests.support.fake_graph import FakeGraph
from tests.support import notifications as whatsapp
from tools import stack as devstack
from tools.local_servers import free_port

REPO = Path(__file__).resolve().parents[2]
# The client gives up on O'mari after this long; the sandbox's slow number
# answers after SLOW_SECONDS, so it reliably looks like a timeout.
READ_TIMEOUT_SECONDS = "2"
SLOW_SECONDS = "4"
# Distinctive values, so a test can search every log for them.
SANDBOX_OTP = "482913"
# Rasa's HTTP API token: the reconciler tells customers through trigger_intent with it.
RASA_API_TOKEN = "e2e-rasa-api-token-Lw40"
MERCHANT_KEY = "e2e-merchant-key-Zq81"
# What Rasa sends the action server to prove it is Rasa (actions/server_auth.py).
ACTION_SERVER_TOKEN = "e2e-action-server-token-Vb27"


@dataclass
class Stack:
    rasa_url: str
    sandbox_url: str
    database_url: str
    store: BookingStore
    log_dir: Path
    # The action server's process and how to start it again (restart tests).
    actions: devstack.Service
    action_port: int
    env: Dict[str, str]
    # The WhatsApp channel is on in this Rasa, sending to a fake Graph API.
    graph: Optional[FakeGraph] = None
    # The Rasa server's process and port (restart tests).
    rasa: Optional[devstack.Service] = None
    rasa_port: int = 0

    def restart_actions(self, crash: bool = False) -> None:
        """Stop the action server and start a new one on the same port.

        SIGTERM as a deploy would, or with ``crash`` SIGKILL, as a machine or OOM kill would.
        """
        if crash:
            os.killpg(self.actions.process.pid, signal.SIGKILL)
            self.actions.process.wait(timeout=30)
        self.actions.stop()
        self.actions = devstack.action_server_process(self.action_port, self.env, self.log_dir)
        devstack.wait_until_healthy(self.actions, f"http://127.0.0.1:{self.action_port}/health", 60)

    def restart_rasa(self) -> None:
        """Stop `rasa run` (SIGTERM, as a deploy would) and start a new one on the same port."""
        assert self.rasa is not None
        self.rasa.stop()
        self.rasa = devstack.rasa_server_process(self.rasa_port, devstack.ENVIRONMENT_ENDPOINTS, self.env, self.log_dir,
                                                 model=str(REPO / "models"))
        devstack.wait_until_healthy(self.rasa, devstack.rasa_status_url(self.rasa_url), 240,
                                    devstack.rasa_api_headers(self.env))

    def reconcile(self) -> str:
        """`python -m payments.ops reconcile` against this stack's database and sandbox."""
        done = subprocess.run([sys.executable, "-m", "payments.ops", "reconcile"], cwd=REPO, env=self.env,
                              capture_output=True, text=True, timeout=120, check=True)
        return done.stdout

    def tracker(self, sender: str, channel: str = "rest") -> Dict[str, Any]:
        """Rasa's record of ``sender``'s conversation on ``channel`` (the HTTP API of `rasa run --enable-api`).

        Rasa names each conversation by its channel (common/sender_ids.py):
        the REST sender "x" is the conversation "rest:x".
        """
        conversation = scoped_sender_id(channel, sender)
        response = requests.get(f"{self.rasa_url}/conversations/{conversation}/tracker",
                                headers={"Authorization": f"Bearer {RASA_API_TOKEN}"}, timeout=10)
        response.raise_for_status()
        return response.json()

    def sandbox_transactions(self) -> List[Dict[str, Any]]:
        response = requests.get(f"{self.sandbox_url}/__sandbox/transactions", timeout=5)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not (REPO / "models").is_dir() or not any((REPO / "models").glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does it)")
    workdir = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{workdir / 'bookings.db'}"
    rasa_port, action_port, sandbox_port = free_port(), free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    graph = FakeGraph()  # bound to its port now, serving once entered below
    env = devstack.base_env(
        DATABASE_URL=database_url,
        # The environment-driven endpoints, with one-machine stores: conversations in SQLite.
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
        TRACKER_STORE_URL=f"sqlite:///{workdir / 'conversations.db'}",
        OMARI_API_BASE_URL=f"{sandbox_url}/vsuite/omari/api/merchant/api/payment",
        OMARI_MERCHANT_KEY=MERCHANT_KEY,
        OMARI_READ_TIMEOUT=READ_TIMEOUT_SECONDS,
        OMARI_CONNECT_TIMEOUT="2",
        SANDBOX_MERCHANT_KEY=MERCHANT_KEY,
        SANDBOX_OTP=SANDBOX_OTP,
        # The key is distinctive (so logs can be searched for it), but this is
        # the sandbox: the action server must say so, and receipts too.
        OMARI_SANDBOX="true",
        SANDBOX_SLOW_SECONDS=SLOW_SECONDS,
        WHATSAPP_PHONE_NUMBER_ID=whatsapp.PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=whatsapp.ACCESS_TOKEN,
        WHATSAPP_APP_SECRET=whatsapp.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=whatsapp.VERIFY_TOKEN,
        WHATSAPP_GRAPH_URL=graph.url,
        RASA_URL=f"http://127.0.0.1:{rasa_port}",
        RASA_API_TOKEN=RASA_API_TOKEN,
        ACTION_SERVER_TOKEN=ACTION_SERVER_TOKEN,
        # The fuzz run keeps one sender at a question for up to 41 messages a
        # minute; the rate limit itself is tested in test_turn_bounds.py.
        SENDER_MESSAGES_PER_MINUTE="100",
    )
    logs = workdir / "logs"

    upgrade_to_head(database_url)
    store = BookingStore(database_url)
    with ExitStack() as running:
        running.enter_context(graph)
        sandbox = devstack.sandbox_process(sandbox_port, env, logs)
        running.enter_context(devstack.running(sandbox, f"{sandbox_url}/health", 30))
        actions = devstack.action_server_process(action_port, env, logs)
        running.enter_context(devstack.running(actions, f"http://127.0.0.1:{action_port}/health", 60))
        rasa = devstack.rasa_server_process(rasa_port, devstack.ENVIRONMENT_ENDPOINTS, env, logs,
                                            model=str(REPO / "models"))
        rasa_status_url = devstack.rasa_status_url(f"http://127.0.0.1:{rasa_port}")
        running.enter_context(devstack.running(rasa, rasa_status_url, 240, devstack.rasa_api_headers(env)))
        running_stack = Stack(f"http://127.0.0.1:{rasa_port}", sandbox_url, database_url, store, logs,
                              actions, action_port, env, graph, rasa, rasa_port)
        # Stops the servers started last, if a test restarted them (a no-op otherwise).
        running.callback(lambda: running_stack.actions.stop())
        running.callback(lambda: running_stack.rasa.stop())
        yield running_stack
        # Whatever a test did, the action server must never have crashed on it.
        assert running_stack.actions.process.poll() is None, running_stack.actions.log_tail()
    store.dispose()


@pytest.fixture
def bookings(stack: Stack) -> BookingStore:
    """The five demo bookings, exactly as seeded, for this test alone."""
    stack.store.delete_everything()
    seed_demo_bookings(stack.store)
    return stack.store


class Chat:
    """One customer talking to the assistant through the REST channel."""

    def __init__(self, stack: Stack, sender: Optional[str] = None) -> None:
        self.stack = stack
        self.sender = sender or f"test-{uuid.uuid4()}"
        self.replies: List[Dict[str, Any]] = []

    @property
    def conversation_id(self) -> str:
        """The sender id Rasa and the payment database know this chat by (``rest:<sender>``)."""
        return scoped_sender_id("rest", self.sender)

    def say(self, message: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": self.sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        response = requests.post(f"{self.stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        assert response.status_code == 200, response.text
        replies = response.json()
        for reply in replies:
            assert_customer_safe(reply.get("text") or "")
        self.replies = replies
        return replies

    def text(self, message: str) -> str:
        """Say ``message``; every reply's text joined, lower-cased, without *bold* marks."""
        return "\n".join(r.get("text") or "" for r in self.say(message)).lower().replace("*", "")

    def confirm(self, message: str = "yes") -> str:
        """Say yes to the payment said back (booking, amount, channel, number): O'mari is asked for the OTP.

        The reply before must be that summary: a test that expects it fails here if it never came.
        """
        assert "shall i go ahead?" in self.text_of_last_replies(), self.text_of_last_replies()
        return self.text(message)

    def say_and_confirm(self, message: str) -> str:
        """Say a message that completes the payment's answers, then yes to the summary said back."""
        self.text(message)
        return self.confirm()

    def text_of_last_replies(self) -> str:
        return "\n".join(r.get("text") or "" for r in self.replies).lower().replace("*", "")

    @property
    def buttons(self) -> List[Dict[str, str]]:
        return [button for reply in self.replies for button in reply.get("buttons", [])]


def assert_customer_safe(text: str) -> None:
    """No stack trace, URL, exception text or template placeholder reaches a customer."""
    lowered = text.lower()
    for leak in ("traceback", "http://", "https://", "exception", "sqlalchemy", "error:", "{", "}"):
        assert leak not in lowered, f"customer saw {leak!r} in: {text}"


@pytest.fixture
def chat(stack: Stack, bookings: BookingStore) -> Chat:
    return Chat(stack)


def booking_state(store: BookingStore, reference: str) -> Dict[str, Any]:
    """What `python -m payments.ops booking REF --json` reports, read the same way."""
    booking = store.find_booking_by_reference(reference)
    assert booking is not None
    return {
        "paid": booking.amount_paid,
        "balance": booking.balance_due,
        "status": booking.status,
        "transactions": store.list_transactions(booking_reference=reference),
    }


