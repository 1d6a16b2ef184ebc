"""A real Prometheus scrapes the real Rasa server, action server and money exporter.

Started on a private port with a temporary folder and a 1 s scrape interval,
with the scrape jobs and alert rules of deploy/prometheus/. One customer pays,
another pays into `pending` (the sandbox's 0770 000 008: debited, then O'mari's
/query fails), and the series on-call relies on are read back through
Prometheus' HTTP API, waiting with a deadline for the next scrapes.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import requests
import yaml

from tests.conftest import missing_server
from tests.e2e.conftest import SANDBOX_OTP, Chat, Stack
from tools import stack as devstack
from tools.local_servers import free_port

REPO = Path(__file__).resolve().parents[2]
ALERT_RULES = REPO / "deploy" / "prometheus" / "alerts.yml"
SLYKER = "BK-SLYKER-TECH-20251023"
SCRAPE_DEADLINE_SECONDS = 60


class Prometheus:
    """Prometheus' HTTP API, read with deadlines."""

    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, promql: str) -> List[Dict[str, Any]]:
        response = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=10)
        response.raise_for_status()
        return response.json()["data"]["result"]

    def value(self, promql: str) -> float:
        result = self.query(promql)
        return float(result[0]["value"][1]) if result else float("nan")

    def wait_for(self, promql: str, holds: Callable[[float], bool]) -> float:
        """The first value of ``promql`` that ``holds``, scraped within the deadline."""
        deadline = time.monotonic() + SCRAPE_DEADLINE_SECONDS
        seen = float("nan")
        while time.monotonic() < deadline:
            seen = self.value(promql)
            if holds(seen):
                return seen
            time.sleep(0.5)
        raise AssertionError(f"{promql} was {seen} after {SCRAPE_DEADLINE_SECONDS}s")


def scrape_config(stack: Stack, exporter_port: int) -> Dict[str, Any]:
    """deploy/prometheus's jobs and rules, pointed at this stack's ports."""
    targets = {"rasa": stack.rasa_port, "actions": stack.action_port, "money": exporter_port}
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERT_RULES)],
        "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
                           for job, port in targets.items()],
    }


@pytest.fixture(scope="module")
def prometheus(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    binary = shutil.which("prometheus")
    if binary is None:
        missing_server("prometheus")
    assert binary is not None
    workdir = tmp_path_factory.mktemp("prometheus")
    exporter_port, port = free_port(), free_port()
    config = workdir / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(stack, exporter_port)))
    exporter = devstack.money_exporter_process(exporter_port, stack.env, stack.log_dir)
    server = devstack.spawn("prometheus", [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
                                           f"--web.listen-address=127.0.0.1:{port}"], stack.env, stack.log_dir)
    with devstack.running(exporter, f"http://127.0.0.1:{exporter_port}/metrics", 30), \
            devstack.running(server, f"http://127.0.0.1:{port}/-/ready", 60):
        yield Prometheus(f"http://127.0.0.1:{port}")


def pay(chat: Chat, phone: str) -> str:
    """One payment of US$50 on the Slyker booking by EcoCash; the reply to the OTP.

    The one place these tests drive the payment conversation.
    """
    assert "booking reference" in chat.text("pay")
    assert "amount" in chat.text(SLYKER)
    assert "payment channel" in chat.text("50")
    assert "mobile number" in chat.text("ecocash")
    assert "shall i go ahead" in chat.text(phone)
    assert "otp" in chat.confirm()
    return chat.text(SANDBOX_OTP)


def test_prometheus_reads_payments_omari_turns_and_stuck_money_from_every_server(
    stack: Stack, bookings: Any, prometheus: Prometheus
) -> None:
    for job in ("rasa", "actions", "money"):
        prometheus.wait_for(f'up{{job="{job}"}}', lambda up: up == 1)
    before_success = prometheus.wait_for(
        'sum(payments_finished_total{outcome="success",channel="ecocash"})', lambda v: v >= 0)
    before_turns = prometheus.wait_for('sum(assistant_turns_total{channel="rest"})', lambda v: v >= 0)

    assert "payment received" in pay(Chat(stack), "0772123456")
    assert "being confirmed" in pay(Chat(stack), "0770000008")

    prometheus.wait_for('sum(payments_finished_total{outcome="success",channel="ecocash"})',
                        lambda v: v == before_success + 1)
    prometheus.wait_for('sum(payments_credited_amount_total{currency="USD"})', lambda v: v >= 50)
    prometheus.wait_for('sum(payments_started_total{channel="ecocash"})', lambda v: v >= 2)
    # The second payment's first /query failed: counted as uncertain, and the payment is pending.
    prometheus.wait_for('sum(omari_requests_total{endpoint="query",verdict="uncertain"})', lambda v: v >= 1)
    prometheus.wait_for('sum(omari_request_duration_seconds_count{endpoint="request"})', lambda v: v >= 2)
    prometheus.wait_for("payments_pending", lambda v: v == 1)
    prometheus.wait_for("payments_pending_oldest_age_seconds", lambda v: v >= 0)
    prometheus.wait_for("payments_store_up", lambda v: v == 1)
    prometheus.wait_for('sum(assistant_turns_total{channel="rest"})', lambda v: v >= before_turns + 12)
    prometheus.wait_for('sum(assistant_turn_duration_seconds_count{channel="rest"})', lambda v: v >= 12)
    prometheus.wait_for("sum(nlu_intent_confidence_count)", lambda v: v >= 12)
    prometheus.wait_for('min(rasa_store_up)', lambda v: v == 1)
    prometheus.wait_for('min(actions_store_up)', lambda v: v == 1)

    # No label anywhere carries the customers' numbers or their sender ids.
    for series in prometheus.query('{job=~"rasa|actions|money"}'):
        labels = " ".join(series["metric"].values())
        assert "0772123456" not in labels and "263772123456" not in labels and "rest:" not in labels, labels

    # The alert rules load and evaluate against the real series without error.
    rules = requests.get(f"{prometheus.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    evaluated = [rule for group in rules for rule in group["rules"]]
    assert len(evaluated) >= 9 and all(rule["health"] != "err" for rule in evaluated), evaluated
