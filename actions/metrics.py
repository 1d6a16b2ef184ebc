"""The action server's ``GET /metrics``: its own counts and the payment backend's, for Prometheus.

rasa-sdk creates its Sanic app and then imports every module of this package
(see actions/health.py), so this module, imported by that server, adds the
route. It serves the process's default registry: the payment backend's
counters (payments/metrics.py: payments, O'mari calls, abuse limits), the
form's halts below, and the booking database's outages as this server saw
them. Imported anywhere else (tests, ops) it only defines the counters.

The action server has no authentication: like /webhook, /metrics must be
reachable only by Rasa and the deployment's Prometheus (loopback, or the
internal network; docs/operating.md#metrics-and-alerts).
"""
from __future__ import annotations

from enum import Enum
from typing import Any, Iterable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from actions.runtime import database_outage
from common.outages import OutageBurst

RASA_SDK_APP = "rasa_sdk"
METRICS_PATH = "/metrics"

FORM_HALTS = Counter("payment_form_halts_total", "Payment forms ended early, by reason (actions/form/halt.py).",
                     ["reason"])


def form_halted(reason: Enum) -> None:
    """``reason`` is a HaltReason: a fixed set of values."""
    FORM_HALTS.labels(reason.value).inc()


def initialise_halt_reasons(reasons: Iterable[Enum]) -> None:
    """Every reason's series at zero from the start."""
    for reason in reasons:
        FORM_HALTS.labels(reason.value)


class StoreOutageCollector(Collector):
    """The booking database (and Redis) as this server's payment calls found them, read at scrape time."""

    def __init__(self, burst: OutageBurst, store_label: str) -> None:
        self._burst = burst
        self._label = store_label

    def describe(self) -> Iterator[Any]:
        return iter(())

    def collect(self) -> Iterator[Any]:
        outages = CounterMetricFamily("actions_store_outages", "Outages of a store the payment calls met.",
                                      labels=["store"])
        outages.add_metric([self._label], self._burst.outages)
        yield outages
        up = GaugeMetricFamily("actions_store_up", "0 while a store the payment calls need is failing, else 1.",
                               labels=["store"])
        up.add_metric([self._label], 0 if self._burst.degraded else 1)
        yield up


REGISTRY.register(StoreOutageCollector(database_outage, "booking_database"))


async def serve_metrics(_: Any) -> Any:
    from sanic import response

    return response.raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


def _install() -> None:
    from sanic import Sanic
    from sanic.exceptions import SanicException

    try:
        app = Sanic.get_app(RASA_SDK_APP)
    except SanicException:
        return  # not inside the action server
    app.add_route(serve_metrics, METRICS_PATH, methods=["GET"], name="prometheus_metrics")


_install()
