"""The bounds on a turn's cost: long sessions continued in a new one, and the per-sender rate.

The session continuation runs on Rasa's own tracker and this project's
domain.yml; the rate limit's Redis counter on the real redis-server of the
`redis_url` fixture, two counters standing for two Rasa instances.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis.asyncio
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_runtime.turns.sender_rate_limit import InProcessCounter, RedisCounter, sender_messages_per_minute
from rasa_runtime.turns.session_continuation import (continue_long_session, events_in_current_session, is_continuation,
                                        session_max_events)

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO / "domain.yml"))


def mid_payment(domain: Domain, digressions: int) -> DialogueStateTracker:
    """A tracker at the channel question, after ``digressions`` balance questions."""
    tracker = DialogueStateTracker("rest:long", domain.slots)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME),
                  UserUttered("pay", {"name": "make_payment", "confidence": 1.0}),
                  ActionExecuted("payment_form"), ActiveLoop("payment_form"),
                  SlotSet("booking_reference", "BK-T005-20260210"), SlotSet("amount", "50.00"),
                  SlotSet("requested_slot", "payment_channel"), ActionExecuted(ACTION_LISTEN_NAME)]:
        tracker.update(event, domain)
    for _ in range(digressions):
        for event in [UserUttered("what's my balance?", {"name": "ask_balance", "confidence": 1.0}),
                      ActionExecuted("action_answer_balance"), ActionExecuted("payment_form"),
                      ActionExecuted(ACTION_LISTEN_NAME)]:
            tracker.update(event, domain)
    return tracker


def test_a_short_session_is_left_as_it_is(domain: Domain) -> None:
    tracker = mid_payment(domain, 5)
    before = list(tracker.events)
    assert not continue_long_session(tracker, domain, max_events=120)
    assert list(tracker.events) == before


def test_a_long_session_goes_on_in_a_new_one_at_the_same_question_with_the_same_answers(domain: Domain) -> None:
    tracker = mid_payment(domain, 40)
    slots, loop = tracker.current_slot_values(), tracker.active_loop_name
    assert continue_long_session(tracker, domain, max_events=120)
    session = events_in_current_session(tracker, 1000)
    assert session < 20  # the new session holds the state, not the history
    started = [e for e in tracker.events if isinstance(e, SessionStarted)]
    assert len(started) == 2 and is_continuation(started[-1]) and not is_continuation(started[0])
    assert tracker.current_slot_values() == slots and tracker.active_loop_name == loop == "payment_form"
    assert tracker.latest_action_name == ACTION_LISTEN_NAME
    # What the store reads next time (from the latest session start) rebuilds the same state.
    latest = [e.as_dict() for e in list(tracker.events)[-session - 1:]]
    reloaded = DialogueStateTracker.from_dict("rest:long", latest, domain.slots)
    assert reloaded.current_slot_values() == slots and reloaded.active_loop_name == "payment_form"
    assert reloaded.get_slot("requested_slot") == "payment_channel"


def test_continuing_again_keeps_every_session_bounded(domain: Domain) -> None:
    tracker = mid_payment(domain, 0)
    sizes = []
    for _ in range(200):
        continue_long_session(tracker, domain, max_events=120)
        for event in [UserUttered("what's my balance?", {"name": "ask_balance", "confidence": 1.0}),
                      ActionExecuted("action_answer_balance"), ActionExecuted("payment_form"),
                      ActionExecuted(ACTION_LISTEN_NAME)]:
            tracker.update(event, domain)
        sizes.append(events_in_current_session(tracker, 10_000))
    assert max(sizes) <= 120 + 4
    assert tracker.get_slot("amount") == "50.00" and tracker.active_loop_name == "payment_form"


@pytest.mark.parametrize("raw, expected", [("", 120), ("200", 200)])
def test_session_max_events_setting(raw: str, expected: int) -> None:
    assert session_max_events({"SESSION_MAX_EVENTS": raw}) == expected


@pytest.mark.parametrize("raw", ["10", "many", "-5"])
def test_session_max_events_refuses_nonsense(raw: str) -> None:
    with pytest.raises(ValueError):
        session_max_events({"SESSION_MAX_EVENTS": raw})


@pytest.mark.parametrize("raw, expected", [("", 20), ("0", 0), ("45", 45)])
def test_sender_messages_per_minute_setting(raw: str, expected: int) -> None:
    assert sender_messages_per_minute({"SENDER_MESSAGES_PER_MINUTE": raw}) == expected


def test_sender_messages_per_minute_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        sender_messages_per_minute({"SENDER_MESSAGES_PER_MINUTE": "fast"})


def test_in_process_counter_admits_the_rate_then_refuses_only_that_sender() -> None:
    counter = InProcessCounter(limit=3)

    async def run() -> list:
        return [await counter.admit("rest:flood") for _ in range(5)] + [await counter.admit("rest:other")]

    assert asyncio.run(run()) == [True, True, True, False, False, True]


def test_in_process_counter_lets_the_sender_in_again_once_the_window_passed() -> None:
    counter = InProcessCounter(limit=2, window=0.2)

    async def run() -> list:
        first = [await counter.admit("rest:a") for _ in range(3)]
        deadline = asyncio.get_running_loop().time() + 5
        while not await counter.admit("rest:a"):
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        return first

    assert asyncio.run(run()) == [True, True, False]


def test_redis_counter_holds_the_rate_across_two_instances(redis_url: str) -> None:
    parts = urlsplit(redis_url)

    async def run() -> list:
        clients = [redis.asyncio.Redis(host=parts.hostname, port=parts.port, db=6) for _ in range(2)]
        await clients[0].flushdb()
        counters = [RedisCounter(client, limit=4) for client in clients]
        answers = await asyncio.gather(*(counters[n % 2].admit("whatsapp:263772000001") for n in range(10)))
        other = await counters[1].admit("whatsapp:263772000002")
        for client in clients:
            await client.close()
        return [sum(answers), other]

    assert asyncio.run(run()) == [4, True]


def test_redis_counter_lets_messages_through_when_redis_is_unreachable() -> None:
    async def run() -> bool:
        client = redis.asyncio.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
        first, second = RedisCounter(client, limit=1), RedisCounter(client, limit=1)
        return await first.admit("rest:a") and await second.admit("rest:a")

    assert asyncio.run(run())


def test_a_code_sent_alone_in_a_continued_session_after_a_closed_payment_is_redacted(domain: Domain) -> None:
    from rasa_runtime.stores.otp_redaction import MARKER, redact_events

    tracker = mid_payment(domain, 40)
    tracker.update(SlotSet("closed_payment", {"booking_reference": "BK-T005-20260210"}), domain)
    tracker.update(SlotSet("requested_slot", None), domain)
    continue_long_session(tracker, domain, max_events=120)
    session = list(tracker.events)[-events_in_current_session(tracker, 1000) - 1:]
    code = UserUttered("482913", {"name": "inform", "confidence": 1.0, "text": "482913"})
    redact_events(session + [code])
    assert code.text == MARKER and code.parse_data["text"] == MARKER
