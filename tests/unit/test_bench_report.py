"""`make bench`'s arithmetic: percentiles and the target verdicts it prints."""
import pytest

from bench import load
from bench.load import bench_customers, payment_script, percentiles_ms
from bench.report import PAUSED, evaluate, markdown, render


def test_percentiles_are_in_milliseconds_and_ordered() -> None:
    samples = [n / 1000 for n in range(1, 101)]  # 1 ms … 100 ms
    cuts = percentiles_ms(samples)
    assert cuts["n"] == 100
    assert 50 <= cuts["p50"] <= 51 and 95 <= cuts["p95"] <= 96 and 99 <= cuts["p99"] <= 100


def test_too_few_samples_do_not_crash() -> None:
    assert percentiles_ms([])["p50"] is None
    assert percentiles_ms([0.2])["p95"] == 200.0


def _results(**overrides):
    results = {
        "started_utc": "2026-11-29 17:00 UTC",
        "machine": {"cpus": 2, "load_before": [1.0], "load_after": [1.0]},
        "single_customer": {"webhook_ms": {"p50": 80.0, "p95": 300.0, "p99": 400.0, "n": 120},
                            "parse_ms": {"p50": 20.0, "p95": 30.0, "p99": 40.0, "n": 120}, "p50_ratio": 4.0},
        "concurrent_10": {"latency_ms": {"p50": 100.0, "p95": 500.0, "p99": 600.0}, "turns_per_second": 20.0,
                          "errors": 0, "credit_problems": 0},
        "concurrent_50": {"latency_ms": {"p50": 300.0, "p95": 900.0, "p99": 1200.0}, "turns_per_second": 20.0,
                          "errors": 2, "credit_problems": 0},
        "concurrent_50_paced": {"latency_ms": {"p50": 200.0, "p95": 1100.0, "p99": 1300.0},
                                "turns_per_second": 15.0, "errors": 0, "credit_problems": 0, "pause_s": [1.0, 3.0]},
        "slow_call": {"latency_ms": {"p50": 100.0, "p95": 550.0, "p99": 700.0}, "p95_ms": 550.0,
                      "turns_per_second": 19.0, "errors": 0, "credit_problems": 0},
        "cold_start": {"rasa_ready_s": 12.0, "actions_ready_s": 0.5},
    }
    results.update(overrides)
    return results


def test_each_target_is_judged_against_its_limit() -> None:
    verdicts = {v["target"]: v for v in evaluate(_results())}
    assert verdicts["single customer p50 per turn"]["met"] is True
    assert verdicts["single customer p95 per turn"]["met"] is False
    assert verdicts["50 concurrent: errors"]["met"] is False
    assert verdicts["50 concurrent p95 per turn, no pause (saturated)"]["met"] is True
    assert verdicts[f"50 concurrent {PAUSED}: p95 per turn"]["met"] is False
    assert verdicts[f"50 concurrent {PAUSED}: errors"]["met"] is True
    ratio = verdicts["slow O'mari call: p95 of 10 others / without it"]
    assert ratio["value"] == 1.1 and ratio["met"] is True
    assert verdicts["full training (rasa train --force)"]["met"] is None  # --skip-train


def test_the_report_says_which_targets_were_missed() -> None:
    results = _results()
    results["targets"] = evaluate(results)
    text = render(results)
    assert "NOT met" in text and "not measured" in text
    assert "**not met**" in markdown(results)


def test_every_bench_customer_pays_their_own_booking_from_their_own_wallet() -> None:
    customers = bench_customers(50, "fifty", first=2001)
    assert len({c.booking_reference for c in customers}) == 50
    assert len({c.msisdn for c in customers}) == 50
    assert all(c.msisdn.startswith("2637") and len(c.msisdn) == 12 for c in customers)
    assert [message for message, _ in payment_script(customers[0], "111111")][-1] == "111111"


def test_alternating_rounds_compare_the_slow_call_with_their_own_baseline() -> None:
    # The 10-customer run at the start is not the baseline when alternating rounds measured one.
    slow_call = {"latency_ms": {"p50": 100.0, "p95": 390.0, "p99": 700.0}, "p95_ms": 390.0,
                 "baseline_p95_ms": 300.0, "rounds": 3, "p95_ms_each": [390.0, 380.0, 400.0],
                 "baseline_p95_ms_each": [300.0, 290.0, 310.0],
                 "turns_per_second": 19.0, "errors": 0, "credit_problems": 0}
    results = _results(slow_call=slow_call)
    results["targets"] = evaluate(results)
    ratio = {v["target"]: v for v in results["targets"]}["slow O'mari call: p95 of 10 others / without it"]
    assert ratio["value"] == 1.3 and ratio["met"] is False
    assert "median 300" in render(results)


def test_a_pausing_customer_waits_before_every_message(monkeypatch) -> None:
    waits, sent = [], []
    monkeypatch.setattr(load.time, "sleep", waits.append)
    customer = bench_customers(1, "paced", first=3001)[0]
    script = payment_script(customer, "111111")
    replies = iter(expected for _, expected in script)
    monkeypatch.setattr(load, "say", lambda http, url, sender, message: sent.append(message) or (0.01, next(replies)))
    log = load.pay("http://rasa", customer, "111111", pause=(1.0, 3.0))
    assert log.errors == [] and sent == [message for message, _ in script]
    assert len(waits) == len(script) and all(1.0 <= wait <= 3.0 for wait in waits)
    replies = iter(expected for _, expected in script)
    again = []
    monkeypatch.setattr(load.time, "sleep", again.append)
    load.pay("http://rasa", customer, "111111", pause=(1.0, 3.0))
    assert again == waits  # the same customer pauses the same way on every run


def test_a_customer_without_a_pause_never_waits(monkeypatch) -> None:
    monkeypatch.setattr(load.time, "sleep", lambda seconds: pytest.fail("slept"))
    customer = bench_customers(1, "fifty", first=2001)[0]
    replies = iter(expected for _, expected in payment_script(customer, "111111"))
    monkeypatch.setattr(load, "say", lambda *args: (0.01, next(replies)))
    assert load.pay("http://rasa", customer, "111111").errors == []


def test_the_saturated_row_is_shown_beside_rasas_starter_bot() -> None:
    starter = {"latency_ms": {"p50": 250.0, "p95": 7600.0, "p99": 10000.0}, "turns_per_second": 25.4,
               "errors": 0, "credit_problems": None}
    text = render({**_results(starter_bot_50=starter), "targets": evaluate(_results())})
    assert "50, starter bot        25.4      250     7600    10000       0  -" in text
    assert "p95 900 ms vs 7600 ms, turns/s 20 vs 25.4" in text
