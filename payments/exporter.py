"""``python -m payments.exporter``: the booking database's money gauges at ``GET /metrics``.

The reconciler is a command run every minute (`ops reconcile`), not a server
Prometheus could scrape, and the money that needs a person (a payment pending
too long, one held for review, an overpaid booking, a customer not told) is in
the database whichever process put it there. So this small process beside the
reconciler reads it when Prometheus scrapes, never more often, with three
read-only queries (payments/store/watch.py), and reports ``payments_store_up
0`` when the database does not answer.

Listens on METRICS_EXPORTER_HOST:METRICS_EXPORTER_PORT (127.0.0.1:9465 by
default); anything beyond loopback must be the deployment's internal network.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Iterator, Optional, Sequence

from prometheus_client import PROCESS_COLLECTOR, CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from common.outages import describe_error
from payments.settings import load_settings
from payments.store.repository import BookingStore
from payments.store.watch import MoneyWatch, read_money_watch

logger = logging.getLogger(__name__)


class MoneyCollector(Collector):
    """The gauges of one database reading, made at each scrape."""

    def __init__(self, store: BookingStore) -> None:
        self._store = store
        self._failing = False  # logged once per outage, not once per scrape

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # the families are only known by reading; nothing to check at registration

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("payments_store_up", "1 when the booking database answered this scrape, else 0.")
        try:
            watch = read_money_watch(self._store)
        except Exception as error:  # noqa: BLE001 - any failure is the store being down, for this scrape
            if not self._failing:
                logger.error("booking database unreadable for the money gauges (%s)", describe_error(error))
            self._failing = True
            up.add_metric([], 0)
            yield up
            return
        if self._failing:
            logger.warning("booking database readable again for the money gauges")
        self._failing = False
        up.add_metric([], 1)
        yield up
        yield from money_gauges(watch)


def money_gauges(watch: MoneyWatch) -> Iterator[GaugeMetricFamily]:
    for status, waiting in watch.payments.items():
        name = status.value
        count = GaugeMetricFamily(f"payments_{name}", f"Payments in state {name} now.")
        count.add_metric([], waiting.count)
        yield count
        age = GaugeMetricFamily(f"payments_{name}_oldest_age_seconds",
                                f"How long the oldest payment in state {name} has been in it (0 when none).")
        age.add_metric([], waiting.oldest_age_seconds)
        yield age
    overpaid = GaugeMetricFamily("bookings_overpaid", "Bookings credited above their total: a refund is owed.")
    overpaid.add_metric([], watch.overpaid_bookings)
    yield overpaid
    untold = GaugeMetricFamily("payment_notifications_untold",
                               "Settled payments whose customer has not been told the outcome, by outbox state.",
                               labels=["state"])
    for state, count_in_state in watch.untold.items():
        untold.add_metric([state.value], count_in_state)
    yield untold


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m payments.exporter", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, help="default: METRICS_EXPORTER_PORT (9465)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    port = args.port or settings.metrics_exporter_port
    # Two connections: Prometheus scrapes one at a time, and a second scraper may overlap.
    store = BookingStore(settings.database_url, pool_size=2)
    # Its own registry: the payment counters of this process (always 0 here) would only mislead.
    registry = CollectorRegistry()
    registry.register(MoneyCollector(store))
    registry.register(PROCESS_COLLECTOR)
    server, thread = start_http_server(port, addr=settings.metrics_exporter_host, registry=registry)
    logger.info("money gauges on http://%s:%d/metrics", settings.metrics_exporter_host, port)
    stopping = threading.Event()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: stopping.set())
    stopping.wait()
    server.shutdown()
    thread.join(timeout=5)
    store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
