"""The scaled-out topology, for real: two Rasa instances, two action servers, nginx, PostgreSQL, Redis.

One topology per test session (tools/scaled_stack.py, the same configuration
docker-compose.yml deploys). Every test pays its own bookings as its own
customers, and reads what happened from the places an operator would: the
booking database, the sandbox's ledger, Rasa's trackers and nginx's log.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence

import pytest
import requests

from bench import load
from common.sender_ids import scoped_sender_id
from payments.store.repository import BookingStore
from tests.support.skips import missing_server
from tools import local_servers
from tools.scaled_stack import ScaledStack, scaled_stack

REPO = Path(__file__).resolve().parents[2]
OTP = "318274"
# The sandbox's slow number holds /request's answer this long, well inside the
# client's read timeout: a payment that is slow, not lost.
SLOW_SECONDS = "4"
# The WhatsApp channel is on, as in a deployment, so a request that reached it
# gets the channel's own answer (a forged POST: 403) and can be told from one
# nginx refused. It never sends: nothing here writes to a customer on WhatsApp,
# and the Graph API it would call is a loopback port nothing listens on.
WHATSAPP_APP_SECRET = "scale-app-secret-7Hq"
WHATSAPP_SETTINGS = {"WHATSAPP_PHONE_NUMBER_ID": "100000000000042", "WHATSAPP_ACCESS_TOKEN": "scale-access-token",
                     "WHATSAPP_APP_SECRET": WHATSAPP_APP_SECRET, "WHATSAPP_VERIFY_TOKEN": "scale-verify-token"}
_batches = itertools.count(1)


@pytest.fixture(scope="session")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledStack]:
    if not any((REPO / "models").glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test-scale does it)")
    for available, package in ((local_servers.postgres_available, "PostgreSQL"),
                               (local_servers.redis_available, "redis-server"),
                               (local_servers.nginx_available, "nginx")):
        if not available():
            missing_server(package)
    # The outage drill's customers resend every 2 s while a store is down; the
    # per-sender rate stays on, above what they send (tests/e2e/test_turn_bounds.py tests it).
    overrides = {"SANDBOX_OTP": OTP, "SANDBOX_SLOW_SECONDS": SLOW_SECONDS, "OMARI_READ_TIMEOUT": "30",
                 "SENDER_MESSAGES_PER_MINUTE": "120", **load.LOAD_TEST_LIMITS,
                 **WHATSAPP_SETTINGS, "WHATSAPP_GRAPH_URL": f"http://127.0.0.1:{local_servers.free_port()}"}
    with scaled_stack(tmp_path_factory.mktemp("scaled"), str(REPO / "models"), overrides) as topology:
        yield topology


@pytest.fixture(scope="session")
def store(scaled: ScaledStack) -> Iterator[BookingStore]:
    booking_store = BookingStore(scaled.database_url)
    yield booking_store
    booking_store.dispose()


def new_customers(store: BookingStore, count: int, msisdn: str = "") -> List[load.Customer]:
    """``count`` customers, each with a fresh unpaid booking no other test touches."""
    batch = next(_batches)
    customers = load.bench_customers(count, f"scale{batch}", first=batch * 1000)
    if msisdn:
        customers = [load.Customer(c.sender, c.booking_reference, msisdn) for c in customers]
    load.seed_bookings(store, customers)
    return customers


def tracker(rasa_url: str, sender: str) -> Dict[str, Any]:
    """The REST sender's conversation, which Rasa names rest:<sender> (common/sender_ids.py)."""
    response = requests.get(f"{rasa_url}/conversations/{scoped_sender_id('rest', sender)}/tracker", timeout=30)
    response.raise_for_status()
    return response.json()


def user_messages(conversation: Dict[str, Any]) -> List[str]:
    return [event["text"] for event in conversation["events"] if event["event"] == "user"]


def bot_messages(conversation: Dict[str, Any]) -> List[str]:
    return [(event.get("text") or "").lower() for event in conversation["events"] if event["event"] == "bot"]


def sandbox_transactions(scaled: ScaledStack) -> List[Dict[str, Any]]:
    response = requests.get(f"{scaled.sandbox_url}/__sandbox/transactions", timeout=10)
    response.raise_for_status()
    return response.json()


def assert_credited_exactly_once(scaled: ScaledStack, store: BookingStore, customers: Sequence[load.Customer]) -> None:
    problems = load.credited_exactly_once(store, sandbox_transactions(scaled), customers)
    assert problems == [], "\n".join(problems)
