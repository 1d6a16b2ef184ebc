"""A conversation store that fails on purpose: retried, then an apology, and nothing saved or invented.

Rasa 3.6's FailSafeTrackerStore turned a failed read into "no conversation"
and a failed save into an in-memory copy nobody reads; these tests fail on it.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore, LockError
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from sqlalchemy import event as sa_event

from rasa_runtime.turns.kept_notices import give_kept_notices
from rasa_runtime.stores.otp_redaction import MARKER, install_otp_redaction
from rasa_runtime.stores.resilient_tracker_store import (
    APOLOGY_FALLBACK,
    ConversationStoreUnavailable,
    RetryBudget,
    conversation_store,
    install_resilient_tracker_store,
    lock_store,
    retry_budget,
)
from rasa_runtime.stores.sql_tracker_speedups import speed_up_sql_tracker_store, tune_sqlite_tracker_store

DOMAIN = Domain.from_dict({"slots": {"otp": {"type": "any", "mappings": [{"type": "custom"}]},
                                     "requested_slot": {"type": "any", "mappings": [{"type": "custom"}]}}})
SENDER = "rest:outage"


@pytest.fixture(autouse=True, scope="module")
def installed() -> None:
    install_resilient_tracker_store({"TRACKER_STORE_RETRY_SECONDS": "0.3"})
    install_otp_redaction()  # in rasa_runtime.server's order: it wraps the resilient save
    tune_sqlite_tracker_store()
    speed_up_sql_tracker_store()


class FlakyStore(InMemoryTrackerStore):
    """An in-memory store whose reads and saves raise while ``down`` (counting every attempt)."""

    def __init__(self) -> None:
        super().__init__(DOMAIN)
        self.down = False
        self.attempts = 0

    async def retrieve(self, sender_id: str) -> Any:
        self.attempts += 1
        if self.down:
            raise ConnectionError("connection refused")
        return await super().retrieve(sender_id)

    async def save(self, tracker: Any) -> None:
        self.attempts += 1
        if self.down:
            raise ConnectionError("connection refused")
        await super().save(tracker)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_the_budget_adds_up_to_its_seconds_and_zero_means_one_attempt() -> None:
    assert sum(RetryBudget(3.0).pauses()) == pytest.approx(3.0)
    assert list(RetryBudget(0).pauses()) == []
    assert retry_budget({}).total_seconds == 3.0
    with pytest.raises(ValueError):
        retry_budget({"TRACKER_STORE_RETRY_SECONDS": "soon"})


def test_a_read_that_keeps_failing_raises_instead_of_returning_no_conversation() -> None:
    store = FlakyStore()
    run(store.save(store.init_tracker(SENDER)))
    store.down, store.attempts = True, 0
    with pytest.raises(ConversationStoreUnavailable):
        run(FailSafeTrackerStore(store).retrieve(SENDER))
    assert store.attempts > 1  # retried, within the budget
    assert conversation_store.degraded


def test_the_kept_notices_read_before_a_turn_tries_once_so_the_customer_waits_one_budget() -> None:
    # Retrying here as well doubled a REST customer's wait for the apology, and in a 5 s outage
    # hid it: the turn's own read then retried into the database's return.
    store = FlakyStore()
    run(store.save(store.init_tracker(SENDER)))
    store.down, store.attempts = True, 0
    message = _message()
    run(give_kept_notices(SimpleNamespace(tracker_store=FailSafeTrackerStore(store)), message))
    assert store.attempts == 1
    assert message.output_channel.messages == []


def test_a_read_that_fails_briefly_is_retried_and_returns_the_conversation() -> None:
    store = FlakyStore()
    tracker = store.init_tracker(SENDER)
    tracker.update(SlotSet("requested_slot", "otp"))
    run(store.save(tracker))
    store.down = True

    async def back_soon() -> Any:
        asyncio.get_running_loop().call_later(0.1, setattr, store, "down", False)
        return await FailSafeTrackerStore(store).retrieve(SENDER)

    found = run(back_soon())
    assert found.get_slot("requested_slot") == "otp"
    assert not conversation_store.degraded


def test_a_save_that_keeps_failing_raises_keeps_nothing_and_the_next_turn_reads_the_last_saved_state() -> None:
    store = FlakyStore()
    fail_safe = FailSafeTrackerStore(store)
    first = store.init_tracker(SENDER)
    first.update(SlotSet("requested_slot", "otp"))
    run(fail_safe.save(first))
    turn = run(fail_safe.retrieve(SENDER))
    turn.update(UserUttered("123456", parse_data={"intent": {"name": "inform"}, "entities": [], "text": "123456"}))
    turn.update(SlotSet("requested_slot", None))
    store.down = True
    with pytest.raises(ConversationStoreUnavailable):
        run(fail_safe.save(turn))
    # No in-memory fallback was made to hold the lost turn.
    assert fail_safe._fallback_tracker_store is None
    store.down = False
    again = run(fail_safe.retrieve(SENDER))
    assert again.get_slot("requested_slot") == "otp"
    assert [e for e in again.events if isinstance(e, UserUttered)] == []


def test_the_otp_is_still_redacted_before_a_resilient_save() -> None:
    store = FlakyStore()
    tracker = store.init_tracker(SENDER)
    for event in (SlotSet("requested_slot", "otp"), UserUttered("482913"), SlotSet("otp", "482913")):
        tracker.update(event)
    run(FailSafeTrackerStore(store).save(tracker))
    stored = run(store.retrieve(SENDER))
    assert "482913" not in str([e.as_dict() for e in stored.events])
    assert stored.get_slot("otp") == MARKER


def test_an_sqlite_file_that_is_read_only_fails_the_save_and_keeps_what_was_saved(tmp_path: Path) -> None:
    """``query_only`` makes SQLite refuse writes as a read-only file does ("attempt to write a readonly database")."""
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "conversations.db"))
    fail_safe = FailSafeTrackerStore(store)
    saved = store.init_tracker(SENDER)
    saved.update(SlotSet("requested_slot", "otp"))
    run(fail_safe.save(saved))
    read_only: List[bool] = [True]

    @sa_event.listens_for(store.engine, "begin")
    def _refuse_writes(connection: Any) -> None:
        connection.exec_driver_sql(f"PRAGMA query_only = {int(read_only[0])}")

    turn = run(fail_safe.retrieve(SENDER))
    turn.update(UserUttered("hello"))
    with pytest.raises(ConversationStoreUnavailable) as raised:
        run(fail_safe.save(turn))
    assert isinstance(raised.value.__cause__.orig, sqlite3.OperationalError)
    read_only[0] = False
    assert [e.text for e in run(fail_safe.retrieve(SENDER)).events if isinstance(e, UserUttered)] == []


class Processor:
    """A turn that replies, then finds the store down."""

    def __init__(self, failure: BaseException) -> None:
        self.failure = failure

    async def handle_message(self, message: Any) -> None:
        await message.output_channel.send_text_message(message.sender_id, "O'mari has sent an OTP")
        raise self.failure


class Agent:
    """The parts of Rasa's Agent that its handle_message (as replaced) uses."""

    def __init__(self, failure: BaseException, lock_store_: Any = None) -> None:
        from rasa.core.agent import Agent as RasaAgent

        self.handle_message = RasaAgent.handle_message.__get__(self)
        self.lock_store = lock_store_ or InMemoryLockStore()
        self.domain = DOMAIN
        self.processor = Processor(failure)

    def is_ready(self) -> bool:
        return True


def _message() -> UserMessage:
    return UserMessage("123456", CollectingOutputChannel(), SENDER)


def test_a_turn_whose_store_failed_answers_only_the_apology(caplog: pytest.LogCaptureFixture) -> None:
    agent = Agent(ConversationStoreUnavailable("save"))
    message = _message()
    run(agent.handle_message(message))
    assert [m["text"] for m in message.output_channel.messages] == [APOLOGY_FALLBACK]
    assert "123456" not in caplog.text


def test_a_lock_store_that_is_down_gets_the_apology_and_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    class DownLockStore(InMemoryLockStore):
        def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
            raise LockError("Error while acquiring lock. Error:\nConnection refused")

    agent = Agent(AssertionError("the turn must not run"), DownLockStore())
    caplog.set_level(logging.WARNING)
    for _ in range(5):
        message = _message()
        run(agent.handle_message(message))
        assert [m["text"] for m in message.output_channel.messages] == [APOLOGY_FALLBACK]
    assert lock_store.degraded
    assert sum("lock store unreachable" in r.getMessage() for r in caplog.records) == 1
    lock_store.recovered()
    assert sum("lock store answering again" in r.getMessage() for r in caplog.records) == 1


def test_redis_gone_when_a_finished_turn_frees_its_lock_does_not_undo_the_turn() -> None:
    from tools.local_servers import free_port
    from rasa_runtime.stores.redis_lock_store import AtomicRedisLockStore

    nobody_listens = AtomicRedisLockStore(host="127.0.0.1", port=free_port(), socket_timeout=1)
    nobody_listens.cleanup(SENDER, 0)  # no exception: the turn already ran and was saved
    assert lock_store.degraded
    with pytest.raises(LockError):
        nobody_listens.issue_ticket(SENDER)
    lock_store.recovered()
