"""The Prometheus files in deploy/ are valid, the alerts fire when they should, and each
alert and dashboard panel names only metrics the servers really expose.

promtool comes from Debian's `prometheus` package (tools/install_servers.sh).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterator, List, Set

import pytest
import yaml

import actions.form.halt  # noqa: F401 - registers the action server's metrics in this process
import payments.metrics  # noqa: F401
from payments.exporter import money_gauges
from payments.store.watch import WATCHED_STATUSES, MoneyWatch, WaitingPayments
from rasa_runtime import metrics as rasa_metrics
from rasa_runtime.stores.resilient_tracker_store import conversation_store
from tests.conftest import missing_server
from tests.support.metric_samples import project_series

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "deploy" / "prometheus"
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "kali-safaris.json"
OPERATING = REPO / "docs" / "operating.md"
METRIC_NAME = re.compile(r"\b(?:payments|omari|assistant|nlu|whatsapp|payment_form|rasa_store|actions_store|bookings|"
                         r"payment_notifications)_[a-z_]+\b")


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        missing_server("prometheus (promtool)")
    assert found is not None
    return found


def run(promtool: str, *arguments: str) -> str:
    done = subprocess.run([promtool, *arguments], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("config", ["prometheus.compose.yml", "prometheus.one-machine.yml"])
def test_the_scrape_configs_are_valid_and_load_the_rules(promtool: str, config: str) -> None:
    assert "SUCCESS: 1 rule files found" in run(promtool, "check", "config", config)
    jobs = {job["job_name"] for job in yaml.safe_load((PROMETHEUS / config).read_text())["scrape_configs"]}
    assert jobs == {"rasa", "actions", "money"}


def test_the_alert_rules_pass_their_unit_tests_on_synthetic_series(promtool: str) -> None:
    run(promtool, "check", "rules", "alerts.yml")
    assert "SUCCESS" in run(promtool, "test", "rules", "alerts.test.yml")


def alerts() -> Iterator[dict]:
    for group in yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]:
        yield from group["rules"]


def github_anchors(markdown: str) -> Set[str]:
    """The anchors GitHub gives the headings of ``markdown``."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def test_every_alert_links_to_the_section_of_operating_md_that_says_what_to_do() -> None:
    anchors = github_anchors(OPERATING.read_text())
    names = [rule["alert"] for rule in alerts()]
    assert {"PaymentPendingTooLong", "PaymentHeldForReview", "BookingOverpaid", "OmariErrorRatioHigh", "OmariSlow",
            "FallbackRatioDoubled", "StoreFailing", "TargetDown"} <= set(names)
    for rule in alerts():
        page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert page == "docs/operating.md" and anchor in anchors, rule["alert"]
        assert rule["labels"]["severity"] in {"page", "ticket"}


def exposed_metric_names() -> Set[str]:
    """What the three servers and the exporter serve (their collectors read here, in this process)."""
    names = {name for name, _ in project_series()}
    watch = MoneyWatch(payments={status: WaitingPayments() for status in WATCHED_STATUSES})
    names |= {sample.name for family in money_gauges(watch) for sample in family.samples}
    rasa_stores = rasa_metrics.StoreOutageCollector({"conversation": conversation_store})
    names |= {sample.name for family in rasa_stores.collect() for sample in family.samples}
    return names | {"payments_store_up", "payment_notifications_untold"}


def used_metric_names(expressions: List[str]) -> Set[str]:
    return {name for expression in expressions for name in METRIC_NAME.findall(expression)}


def test_alerts_and_dashboard_name_only_metrics_the_servers_expose() -> None:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    dashboard = [target["expr"] for panel in panels for target in panel.get("targets", [])]
    rules = [rule["expr"] for rule in alerts()]
    unknown = used_metric_names(dashboard + rules) - exposed_metric_names()
    assert not unknown, unknown
    # The panels on-call opens first are there.
    titles = " ".join(panel["title"] for panel in panels)
    for words in ("Payments pending", "held for review", "Overpaid", "O'mari p95", "Fallback share", "Turns"):
        assert words in titles


def test_every_metric_is_listed_in_operating_md() -> None:
    listed = OPERATING.read_text()
    families = {re.sub(r"_(bucket|count|sum)$", "", name) for name in exposed_metric_names()}
    missing = sorted(name for name in families if f"`{name}`" not in listed)
    assert not missing, missing
