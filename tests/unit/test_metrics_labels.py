"""No metric label can carry a phone number, a booking reference or a sender id, and
the number of series stays fixed however many customers write and pay.

The recording functions are the only way values reach a label, so they are
driven here with what an attacker or a busy day sends: thousands of distinct
numbers, references, sender ids, channel names and O'mari paths.
"""
from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from actions import metrics as action_metrics
from actions.form.halt import HaltReason, halt
from payments import metrics as payment_metrics
from payments.limits.policy import LimitScope
from payments.store.models import TransactionStatus
from rasa_runtime import metrics as rasa_metrics
from tests.support.metric_samples import BOUNDED_LABELS, PROJECT_PREFIXES, Deltas, project_series

PHONE = re.compile(r"\d{7,}")
REFERENCE = re.compile(r"BK-|[0-9a-f]{8}-[0-9a-f]{4}", re.IGNORECASE)


def hostile_values(count: int):
    """What customers and strangers put where a label value comes from."""
    for n in range(count):
        phone = f"26377{n:07d}"
        yield from (phone, f"whatsapp:{phone}", f"rest:stranger-{n}", f"BK-T{n:03d}-20260210",
                    f"/query/{uuid.uuid4()}", f"ecocash {phone}", "x" * (n % 50 + 1))


def drive_every_recorder(count: int) -> None:
    for value in hostile_values(count):
        payment_metrics.payment_started(value)
        payment_metrics.payment_finished(TransactionStatus.SUCCESS, value)
        payment_metrics.payment_credited(Decimal("1.00"), value)
        payment_metrics.omari_called(value, value, 0.1)
        payment_metrics.limit_refused(value)
        rasa_metrics.turn_done(value, 0.01)
        rasa_metrics.message_parsed({"intent": {"name": value, "confidence": 0.5}})
        rasa_metrics.message_refused(value)
        rasa_metrics.webhook_received(value)
        rasa_metrics.whatsapp_message(value)
        rasa_metrics.graph_send(value)


def test_thousands_of_distinct_senders_and_references_add_no_series() -> None:
    drive_every_recorder(5)  # whatever "other" series there are exist now
    before = project_series()
    drive_every_recorder(500)
    after = project_series()
    assert after == before
    for name, labels in after:
        for label, label_value in labels:
            assert not PHONE.search(label_value), (name, label, label_value)
            assert not REFERENCE.search(label_value), (name, label, label_value)
            assert ":" not in label_value, (name, label, label_value)


def test_every_project_metric_has_only_bounded_label_names() -> None:
    names = [family.name for family in REGISTRY.collect() if family.name.startswith(PROJECT_PREFIXES)]
    assert {"payments_started", "payments_finished", "omari_requests", "omari_request_duration_seconds",
            "assistant_turns", "assistant_turn_duration_seconds", "nlu_intent_confidence", "nlu_fallbacks",
            "payment_form_halts", "whatsapp_webhooks", "whatsapp_graph_sends"} <= set(names)
    for name, labels in project_series():
        assert {label for label, _ in labels} <= BOUNDED_LABELS, name


def test_known_values_keep_their_own_series() -> None:
    deltas = Deltas()
    payment_metrics.payment_started("EcoCash")
    payment_metrics.omari_called("/query/1f0e1c36-0f1e-4b9a-9c1e-2f7c7a0e8b22", "uncertain", 31.0)
    payment_metrics.otp_request_limit_refused(LimitScope.WALLET)
    rasa_metrics.turn_done("whatsapp", 0.2)
    halt(HaltReason.OMARI_UNAVAILABLE)
    assert deltas.of("payments_started_total", channel="ecocash") == 1
    assert deltas.of("omari_requests_total", endpoint="query", verdict="uncertain") == 1
    # A 31 s wait (past the 30 s timeout) lands in the last finite bucket's overflow, not lost.
    assert deltas.of("omari_request_duration_seconds_bucket", endpoint="query", le="30.0") == 0
    assert deltas.of("omari_request_duration_seconds_bucket", endpoint="query", le="45.0") == 1
    assert deltas.of("payments_limit_refusals_total", kind="otp_requests_wallet") == 1
    assert deltas.of("assistant_turns_total", channel="whatsapp") == 1
    assert deltas.of("payment_form_halts_total", reason="omari_unavailable") == 1


def test_a_fallback_reports_what_nlu_really_thought_not_the_threshold() -> None:
    deltas = Deltas()
    rasa_metrics.message_parsed({
        "intent": {"name": "nlu_fallback", "confidence": 0.45},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "inform", "confidence": 0.21}],
    })
    rasa_metrics.message_parsed({"intent": {"name": "ask_tours", "confidence": 0.97}})
    assert deltas.of("nlu_fallbacks_total") == 1
    assert deltas.of("assistant_out_of_scope_total") == 1
    assert deltas.of("nlu_intent_confidence_bucket", le="0.2") == 0
    assert deltas.of("nlu_intent_confidence_bucket", le="0.3") == 1
    assert deltas.of("nlu_intent_confidence_count") == 2


@pytest.mark.parametrize("status, result", [(429, "throttled"), (500, "server_error"), (503, "server_error"),
                                            (400, "refused"), (401, "refused")])
def test_graph_api_failures_are_named_by_what_on_call_does_about_them(status: int, result: str) -> None:
    assert rasa_metrics.graph_failure_result(status) == result


def test_store_outages_are_counted_per_burst_and_shown_while_they_last() -> None:
    import logging

    from common.outages import OutageBurst

    burst = OutageBurst("booking database or Redis", logging.getLogger("test"))
    collector = action_metrics.StoreOutageCollector(burst, "booking_database")

    def read() -> dict:
        return {(s.name, s.labels["store"]): s.value for family in collector.collect() for s in family.samples}

    assert read() == {("actions_store_outages_total", "booking_database"): 0,
                      ("actions_store_up", "booking_database"): 1}
    for _ in range(3):
        burst.failed(RuntimeError("down"), "find_booking", "whatsapp:263772000001")
    assert read() == {("actions_store_outages_total", "booking_database"): 1,
                      ("actions_store_up", "booking_database"): 0}
    burst.recovered()
    assert read()[("actions_store_up", "booking_database")] == 1


class _Output:
    def __init__(self) -> None:
        self.sent: list = []

    async def send_text_message(self, recipient: str, text: str) -> None:
        self.sent.append((recipient, text))


class _Message:
    def __init__(self, sender_id: str, text: str) -> None:
        self.sender_id, self.text, self.input_channel, self.output_channel = sender_id, text, None, _Output()


def test_refused_messages_from_many_senders_are_counted_by_kind_alone() -> None:
    """The real length gate and sender rate limit, each refusing 200 distinct senders."""
    import asyncio
    from types import SimpleNamespace

    from rasa_runtime.turns.channel_guard import guarded_handler
    from rasa_runtime.turns.sender_rate_limit import InProcessCounter, sender_rate_limit_patch

    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(domain=None)))

    async def never(_: object) -> None:
        raise AssertionError("a refused message reached Rasa")

    length_gate = guarded_handler("whatsapp", never, app, limit=100)
    patch = sender_rate_limit_patch(1, InProcessCounter(0))  # a limit of 0: everyone is over it
    rate_limited = patch.build({"rasa.core.agent:Agent.handle_message": never})["rasa.core.agent:Agent.handle_message"]

    async def scenario() -> None:
        for n in range(200):
            await length_gate(_Message(f"26377{n:07d}", "x" * 101))
            await rate_limited(app.ctx.agent, _Message(f"whatsapp:26378{n:07d}", "pay"))

    drive_every_recorder(1)
    before, deltas = project_series(), Deltas()
    asyncio.run(scenario())
    assert deltas.of("assistant_messages_refused_total", kind="message_too_long") == 200
    assert deltas.of("assistant_messages_refused_total", kind="sender_rate") == 200
    assert project_series() == before
