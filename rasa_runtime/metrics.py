"""The Rasa server's Prometheus metrics: turns, NLU, refused messages, WhatsApp, the stores.

Served at the Rasa server's ``GET /metrics`` (rasa_runtime/turns/turn_metrics.py
adds the route and times the turns). Counting is a dictionary lookup and an
addition in this process, on the event loop: nothing on a customer's turn
waits on I/O for it.

Every label value is one of a fixed set, so no label can carry a phone
number, a sender id or anything a customer typed, and the number of series
does not grow with customers (tests/unit/test_metrics_labels.py).
"""
from __future__ import annotations

from typing import Any, FrozenSet, Iterator, Mapping

from prometheus_client import Counter, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from common.outages import OutageBurst

# No `_created` series: twice the lines per scrape, and nothing here reads them.
disable_created_metrics()

OTHER = "other"
CHANNELS: FrozenSet[str] = frozenset({"rest", "whatsapp"})
# Why a message was answered without a turn (no NLU, nothing saved).
REFUSAL_KINDS: FrozenSet[str] = frozenset({"sender_rate", "message_too_long"})
# One POST to the WhatsApp webhook: signed and read, or refused before any message ran.
WEBHOOK_RESULTS: FrozenSet[str] = frozenset({"signed", "bad_signature", "not_json", "too_big"})
# One message inside a signed webhook.
WHATSAPP_MESSAGE_RESULTS: FrozenSet[str] = frozenset({"answered", "duplicate", "too_old", "not_text"})
# One send to the Graph API, after its retries.
GRAPH_SEND_RESULTS: FrozenSet[str] = frozenset({"accepted", "refused", "throttled", "server_error",
                                                 "unreachable"})
FALLBACK_INTENT = "nlu_fallback"
# Intents the assistant deflects without serving them: questions about tours.
OUT_OF_SCOPE_INTENTS: FrozenSet[str] = frozenset({"ask_tours", "out_of_scope"})

TURN_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)


def bounded(value: object, allowed: FrozenSet[str]) -> str:
    text = str(value or "").strip().lower()
    return text if text in allowed else OTHER


TURNS = Counter("assistant_turns_total", "Customer messages Rasa ran a turn for, by channel.", ["channel"])
TURN_DURATION = Histogram("assistant_turn_duration_seconds",
                          "How long Rasa took for a turn (NLU, policies, actions, saving), by channel.",
                          ["channel"], buckets=TURN_BUCKETS)
INTENT_CONFIDENCE = Histogram("nlu_intent_confidence", "The confidence of the best intent NLU found for a message.",
                              buckets=CONFIDENCE_BUCKETS)
FALLBACKS = Counter("nlu_fallbacks_total",
                    "Messages NLU could not classify above the FallbackClassifier's threshold.")
OUT_OF_SCOPE = Counter("assistant_out_of_scope_total",
                       "Messages about something the assistant does not serve (tours), answered with a pointer.")
MESSAGES_REFUSED = Counter("assistant_messages_refused_total",
                           "Messages answered without a turn by an abuse bound, by kind.", ["kind"])
WEBHOOKS = Counter("whatsapp_webhooks_total", "POSTs to the WhatsApp webhook, by result.", ["result"])
WHATSAPP_MESSAGES = Counter("whatsapp_inbound_messages_total",
                            "Messages inside signed WhatsApp webhooks, by what became of them.", ["result"])
GRAPH_SENDS = Counter("whatsapp_graph_sends_total",
                      "Messages sent to WhatsApp's Graph API, by final result after retries.", ["result"])


def turn_done(channel: str, seconds: float) -> None:
    label = bounded(channel, CHANNELS)
    TURNS.labels(label).inc()
    TURN_DURATION.labels(label).observe(seconds)


def message_parsed(parse_data: Mapping[str, Any]) -> None:
    """NLU's verdict on one message: its best intent's confidence, a fallback, an out-of-scope question."""
    intent = parse_data.get("intent") or {}
    name = intent.get("name")
    confidence = intent.get("confidence")
    if name == FALLBACK_INTENT:
        FALLBACKS.inc()
        # The fallback's own confidence is the threshold; what NLU really thought is the best real intent.
        ranked = [i.get("confidence") for i in parse_data.get("intent_ranking") or () if i.get("name") != name]
        confidence = ranked[0] if ranked else confidence
    elif name in OUT_OF_SCOPE_INTENTS:
        OUT_OF_SCOPE.inc()
    if isinstance(confidence, (int, float)):
        INTENT_CONFIDENCE.observe(float(confidence))


def message_refused(kind: str) -> None:
    MESSAGES_REFUSED.labels(bounded(kind, REFUSAL_KINDS)).inc()


def webhook_received(result: str) -> None:
    WEBHOOKS.labels(bounded(result, WEBHOOK_RESULTS)).inc()


def whatsapp_message(result: str) -> None:
    WHATSAPP_MESSAGES.labels(bounded(result, WHATSAPP_MESSAGE_RESULTS)).inc()


def graph_send(result: str) -> None:
    GRAPH_SENDS.labels(bounded(result, GRAPH_SEND_RESULTS)).inc()


def graph_failure_result(http_status: int) -> str:
    """The result label of a send WhatsApp answered with ``http_status`` (>= 300)."""
    if http_status == 429:
        return "throttled"
    return "server_error" if http_status >= 500 else "refused"


class StoreOutageCollector(Collector):
    """The conversation and lock stores as turns found them (rasa_runtime/stores/), read at scrape time."""

    def __init__(self, bursts: Mapping[str, OutageBurst]) -> None:
        self._bursts = dict(bursts)

    def describe(self) -> Iterator[Any]:
        return iter(())

    def collect(self) -> Iterator[Any]:
        outages = CounterMetricFamily("rasa_store_outages", "Outages of a store Rasa's turns met.", labels=["store"])
        up = GaugeMetricFamily("rasa_store_up", "0 while a store Rasa's turns need is failing, else 1.",
                               labels=["store"])
        for label, burst in self._bursts.items():
            outages.add_metric([label], burst.outages)
            up.add_metric([label], 0 if burst.degraded else 1)
        yield outages
        yield up


def _initialise() -> None:
    """Every series at zero from the start, so rates and ratios exist before the first event."""
    for channel in CHANNELS:
        TURNS.labels(channel)
        TURN_DURATION.labels(channel)
    for counter, values in ((MESSAGES_REFUSED, REFUSAL_KINDS), (WEBHOOKS, WEBHOOK_RESULTS),
                            (WHATSAPP_MESSAGES, WHATSAPP_MESSAGE_RESULTS), (GRAPH_SENDS, GRAPH_SEND_RESULTS)):
        for value in values:
            counter.labels(value)


_initialise()


def register_store_outages(bursts: Mapping[str, OutageBurst]) -> None:
    REGISTRY.register(StoreOutageCollector(bursts))
