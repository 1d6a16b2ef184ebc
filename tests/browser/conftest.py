"""The back office as people use it: its real process, database, O'mari sandbox and Chromium.

- The back office runs as ``python -m backoffice`` (started by tools/stack.py,
  like ``make serve`` starts it) on a free loopback port, over a migrated
  SQLite booking database with the demo bookings and the O'mari sandbox.
- The conversation store is written by Rasa's own SQLTrackerStore.
- Chromium is Debian's (tools/install_servers.sh installs it), driven by
  Playwright; no browser is ever downloaded.
- The comparison the NLU inbox runs is the real ``nlu-compare`` on a small
  checkout of its own (a word-count classifier, three intents: the same
  trick as tests/unit/test_nlu_compare.py), so it trains two real models
  in seconds instead of the assistant's DIET in minutes.

``BACKOFFICE_SCREENSHOTS=<folder>`` (``make backoffice-screenshots``) saves
a screenshot of each page the tests visit into that folder.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from payments.staff.accounts import StaffDirectory, StaffRole
from payments.staff.audit import AuditLog
from payments.staff.records import StaffRecords
from tests.conftest import missing_server
from tests.support.databases import migrated_database_url
from tests.support.payment_backend import MERCHANT_KEY, PaymentBackend
from tools import local_servers
from tools.stack import REPO, Service, backoffice_process, base_env, wait_until_healthy

# The small assistant the comparison trains (a word-count classifier: seconds, not DIET's minutes).
CONFIG = """\
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
    random_state: 7
policies: []
"""
GREET = ["hello", "hi", "hey there", "good morning", "hello friend", "hi there", "hey", "good evening"]
PAY = ["i want to pay", "pay my booking", "make a payment", "i would like to pay", "pay now",
       "can i pay", "payment please", "pay the balance"]
GOODBYE = ["bye", "goodbye", "see you", "bye bye", "see you later", "good night", "cheers bye", "later"]
HELD_OUT = {"greet": ["hello there", "hi friend", "good morning there"],
            "make_payment": ["i want to pay now", "pay my balance", "i would like to make a payment"],
            "goodbye": ["bye now", "see you soon", "goodbye friend"]}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "a long enough passphrase"
ACCOUNTS = {"olive": StaffRole.OFFICE, "oscar": StaffRole.OPS, "tanya": StaffRole.TRAINER,
            "lockme": StaffRole.OPS, "otto": StaffRole.OPS}
# A conversation the store keeps as Rasa writes it: what the inbox and the conversation pages read.
CUSTOMER = "rest:browser-test-customer"
WHATSAPP_CUSTOMER = "whatsapp:263771234567"
MISUNDERSTOOD = "blorp wibble"


@dataclass
class Site:
    url: str
    backend: PaymentBackend
    audit: AuditLog
    accepted: Path
    service: Service


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing_server("chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    try:
        yield opened
    finally:
        context.close()


def nlu_yaml(intents: dict) -> str:
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in intents.items():
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {e}" for e in examples]
    return "\n".join(lines) + "\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                   check=True, capture_output=True)


def nlu_checkout(root: Path) -> Path:
    """A small assistant checkout for nlu-compare: three intents, two held-out sets, one commit."""
    for folder in ("data", "tests/nlu", "tests/nlu_customer"):
        (root / folder).mkdir(parents=True)
    (root / "config.yml").write_text(CONFIG)
    (root / "domain.yml").write_text('version: "3.1"\nintents:\n  - greet\n  - make_payment\n  - goodbye\n')
    (root / "data" / "nlu.yml").write_text(nlu_yaml({"greet": GREET, "make_payment": PAY, "goodbye": GOODBYE}))
    (root / "tests" / "nlu" / "held_out.yml").write_text(nlu_yaml(HELD_OUT))
    (root / "tests" / "nlu_customer" / "held_out.yml").write_text(
        nlu_yaml({"greet": ["hiya there"], "make_payment": ["i need to pay"]}))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    return root


def write_conversations(store_path: Path) -> None:
    """Two conversations saved by Rasa's SQLTrackerStore, the store the assistant writes."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    def said(text: str, intent: str, confidence: float, ranking=()) -> UserUttered:
        return UserUttered(text, {"name": intent, "confidence": confidence},
                           parse_data={"intent": {"name": intent, "confidence": confidence},
                                       "intent_ranking": [{"name": intent, "confidence": confidence}, *ranking],
                                       "entities": [], "text": text})

    first = [
        said("pay", "make_payment", 0.98),
        SlotSet("requested_slot", "booking_reference"),
        BotUttered("Please send your *booking reference*.", metadata={"utter_action": "utter_ask_booking_reference"}),
        said(MISUNDERSTOOD, "nlu_fallback", 0.3, [{"name": "greet", "confidence": 0.3}]),
        BotUttered("Sorry, I didn't catch that.", metadata={"utter_action": "utter_default"}),
        said("my number is 0712 345 678", "inform", 0.55),
        BotUttered("O'mari has sent a one-time PIN to 0772 xxx 456.", metadata={"utter_action": "utter_otp_sent"}),
        said("[OTP]", "inform", 0.9),
        SlotSet("payment_outcome", "success"),
        BotUttered("Payment received, thank you!", metadata={"utter_action": "utter_payment_success"}),
    ]
    second = [said("mhoro", "greet", 0.5),
              BotUttered("Hello! How can I help?", metadata={"utter_action": "utter_greet"})]
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(store_path))

    async def save_both() -> None:
        for sender, events in ((CUSTOMER, first), (WHATSAPP_CUSTOMER, second)):
            await store.save(DialogueStateTracker.from_events(sender, events))

    # Playwright's sync API runs an event loop on this thread: Rasa's async save gets one of its own.
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, save_both()).result()
    store.engine.dispose()


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("backoffice")
    backend = PaymentBackend(migrated_database_url(request, "sqlite", workdir))
    records = StaffRecords(backend.database_url)
    try:
        conversations = workdir / "conversations.db"
        write_conversations(conversations)
        repo = nlu_checkout(workdir / "assistant")
        port = local_servers.free_port()
        env = base_env(
            DATABASE_URL=backend.database_url, TRACKER_STORE_URL=f"sqlite:///{conversations}",
            OMARI_API_BASE_URL=backend.sandbox.base_url, OMARI_MERCHANT_KEY=MERCHANT_KEY,
            BACKOFFICE_SECRET_KEY="browser-tests-only", BACKOFFICE_NLU_REPO=str(repo),
            BACKOFFICE_COMPARISON_BASE="main",
        )
        env.pop("RATE_LIMIT_REDIS_URL", None)
        # The first account the way docs/backoffice.md says to make it: the ops CLI.
        created = subprocess.run([sys.executable, "-m", "payments.ops", "account-create", "olive", "--role", "office",
                                  "--password-stdin"], input=PASSWORD + "\n", env=env, cwd=REPO,
                                 capture_output=True, text=True, timeout=120)
        assert created.returncode == 0, created.stderr
        directory = StaffDirectory(records)
        for name, role in ACCOUNTS.items():
            if name != "olive":
                directory.create(name, role, PASSWORD)
        service = backoffice_process(port, env, log_dir=workdir / "logs")
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(service, f"{url}/health", 60)
            yield Site(url, backend, AuditLog(records), repo / "results" / "nlu-accepted.yml", service)
        finally:
            service.stop()
    finally:
        records.dispose()
        backend.close()


def screenshot(page: Page, name: str) -> None:
    """Into BACKOFFICE_SCREENSHOTS when set (make backoffice-screenshots), else nowhere."""
    folder = os.environ.get("BACKOFFICE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def log_in(page: Page, site: Site, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{site.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
