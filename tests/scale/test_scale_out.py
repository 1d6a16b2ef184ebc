"""Several Rasa instances and action servers sharing PostgreSQL and Redis, tried the way they fail.

Checks, in every test: each conversation completes, each booking is credited
exactly once (the booking database and the sandbox's debit count agree), and
Rasa's tracker holds every message in the order the customer sent it.
"""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import List

import psutil
import redis
import requests

from bench import load
from tests.scale.conftest import (
    OTP,
    assert_credited_exactly_once,
    bot_messages,
    new_customers,
    sandbox_transactions,
    tracker,
    user_messages,
)
from rasa_runtime.stores.otp_redaction import MARKER as OTP_MARKER
from tools.scaled_stack import ScaledStack

SLOW_MSISDN = "263770000003"  # the sandbox debits at once, then holds /request's answer SLOW_SECONDS


def scripted_messages(customer: load.Customer) -> List[str]:
    """The customer's messages as the conversation store keeps them: the OTP as [OTP] (README "Security")."""
    return [OTP_MARKER if message == OTP else message for message, _ in load.payment_script(customer, OTP)]


def assert_whole_conversation_on_every_instance(scaled: ScaledStack, customer: load.Customer) -> None:
    """No tracker events lost: every instance sees the same, complete conversation."""
    seen = [tracker(url, customer.sender) for url in scaled.rasa_urls]
    assert user_messages(seen[0]) == scripted_messages(customer)
    assert any("payment received" in text for text in bot_messages(seen[0]))
    assert seen[0]["events"] == seen[1]["events"]


def test_a_conversation_whose_turns_alternate_between_instances_pays(scaled: ScaledStack, store) -> None:
    [customer] = new_customers(store, 1)
    log = load.pay(scaled.rasa_urls, customer, OTP)  # turn 1 on instance 0, turn 2 on 1, …
    assert log.errors == []
    assert_credited_exactly_once(scaled, store, [customer])
    assert_whole_conversation_on_every_instance(scaled, customer)


def test_fifty_customers_paying_at_once_across_both_instances(scaled: ScaledStack, store) -> None:
    customers = new_customers(store, 50)
    result = load.pay_concurrently(scaled.rasa_urls, customers, OTP)
    assert result.errors == []
    assert result.turns == 50 * len(load.payment_script(customers[0], OTP))
    assert_credited_exactly_once(scaled, store, customers)
    for customer in customers:
        assert_whole_conversation_on_every_instance(scaled, customer)


def test_one_conversation_messaged_on_both_instances_at_once_keeps_every_turn(scaled: ScaledStack) -> None:
    """The Redis lock store makes the turns take turns; without it one could overwrite another."""
    sender = f"scale-both-{uuid.uuid4()}"
    messages = ["hello", "what tours do you offer", "is this safe", "what is omari", "who gets the money",
                "thanks"]
    start = threading.Barrier(len(messages))

    def send(index: int) -> int:
        start.wait(timeout=30)
        response = requests.post(f"{scaled.rasa_urls[index % 2]}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": messages[index]}, timeout=120)
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(messages)) as pool:
        assert list(pool.map(send, range(len(messages)))) == [200] * len(messages)
    events = tracker(scaled.rasa_urls[0], sender)["events"]
    assert sorted(user_messages({"events": events})) == sorted(messages)
    # Each turn ran whole: the bot answered every message before the next one was taken in.
    kinds = "".join({"user": "u", "bot": "b"}[event["event"]] for event in events if event["event"] in ("user", "bot"))
    assert "uu" not in kinds and kinds.startswith("u") and kinds.endswith("b"), kinds


def test_a_rasa_instance_killed_mid_conversation_the_other_finishes_it(scaled: ScaledStack, store) -> None:
    [customer] = new_customers(store, 1)
    script = load.payment_script(customer, OTP)
    try:
        with requests.Session() as http:
            for message, expected in script[:-1]:  # through the balancer, up to the OTP question
                _, text = load.say(http, scaled.balancer_url, customer.sender, message)
                assert expected in text
            ScaledStack.kill(scaled.rasa[0])
            message, expected = script[-1]
            _, text = load.say(http, scaled.balancer_url, customer.sender, message)
            assert expected in text
    finally:
        scaled.start_rasa(0)
    # The balancer really did spread the conversation over both instances before the kill.
    served_by = {line.split("upstream=")[1].split()[0] for line in scaled.balancer_log()
                 if "/webhooks/rest/webhook" in line}
    assert {f"127.0.0.1:{port}" for port in scaled.rasa_ports} <= served_by
    assert_credited_exactly_once(scaled, store, [customer])
    assert_whole_conversation_on_every_instance(scaled, customer)


def test_the_otp_request_limit_holds_across_both_instances_counted_in_redis(scaled: ScaledStack, store) -> None:
    [customer] = new_customers(store, 1)
    opening = f"pay 10 usd for {customer.booking_reference} with ecocash from {customer.msisdn}"
    with requests.Session() as http:
        for attempt in range(3):  # each straight to O'mari's OTP (said back, yes), then walked away from
            assert "shall i go ahead" in load.say(http, scaled.rasa_urls[attempt % 2], customer.sender, opening)[1]
            assert "one-time pin" in load.say(http, scaled.rasa_urls[(attempt + 1) % 2], customer.sender, "yes")[1]
            load.say(http, scaled.rasa_urls[attempt % 2], customer.sender, "cancel")
        load.say(http, scaled.rasa_urls[1], customer.sender, opening)
        refused = load.say(http, scaled.rasa_urls[0], customer.sender, "yes")[1]
    assert "only send 3 otps per 15 minutes" in refused and "nothing was charged" in refused
    assert len(store.list_transactions(booking_reference=customer.booking_reference)) == 3
    # Counted in Redis (RATE_LIMIT_REDIS_URL), which every action server shares.
    limits_db = redis.Redis.from_url(scaled.action_env["RATE_LIMIT_REDIS_URL"])
    assert any(customer.sender in key.decode() for key in limits_db.keys("*"))


def _in_flight_requests(scaled: ScaledStack, index: int) -> int:
    """Requests nginx has open on action server ``index`` (nginx keeps no idle upstream connections)."""
    process = psutil.Process(scaled.actions[index].process.pid)
    port = scaled.action_ports[index]
    return sum(1 for connection in process.net_connections(kind="tcp")
               if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_ESTABLISHED)


def test_an_action_server_killed_mid_request_the_other_takes_its_requests(scaled: ScaledStack, store) -> None:
    customers = new_customers(store, 4, msisdn=SLOW_MSISDN)
    for customer in customers:  # each up to the OTP question
        assert load.pay(scaled.rasa_urls, customer, OTP, load.payment_script(customer, OTP)[:-1]).errors == []
    references = [store.list_transactions(booking_reference=c.booking_reference)[0].reference for c in customers]

    def submit_otp(customer: load.Customer) -> str:
        with requests.Session() as http:
            return load.say(http, scaled.balancer_url, customer.sender, OTP)[1]

    killed = None
    try:
        with ThreadPoolExecutor(max_workers=len(customers)) as pool:
            replies = [pool.submit(submit_otp, customer) for customer in customers]
            # Every wallet is debited and O'mari is holding the answers: the action
            # servers are mid-request. Kill one that has a request open.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and killed is None:
                debited = {t["reference"] for t in sandbox_transactions(scaled) if t["debit_count"]}
                if debited >= set(references):
                    killed = next((i for i in range(2) if _in_flight_requests(scaled, i)), None)
                time.sleep(0.1)
            assert killed is not None, "no action server had a request in flight"
            ScaledStack.kill(scaled.actions[killed])
            texts = [reply.result(timeout=180) for reply in replies]
    finally:
        if killed is not None:
            scaled.start_actions(killed)
    # Every customer got an answer. One whose call was re-sent finds its payment already claimed
    # by the dead server (O'mari had debited it): told it is being processed, never charged twice.
    for text in texts:
        assert "payment received" in text or "already being processed" in text, text
    assert any("already being processed" in text for text in texts)
    retried = [line for line in scaled.balancer_log()
               if f"127.0.0.1:{scaled.action_ports[killed]}, " in line or
               f", 127.0.0.1:{scaled.action_ports[killed]}" in line]
    assert retried, "nginx re-sent no request to the other action server"
    scaled.reconcile()  # what the periodic reconciler does for the ones still being confirmed
    assert_credited_exactly_once(scaled, store, customers)
    for customer in customers:
        assert user_messages(tracker(scaled.rasa_urls[0], customer.sender)) == scripted_messages(customer)
