"""The issue's performance targets, and the table `make bench` prints.

A benchmark reports; it never fails on a number (figures on a shared or busy
machine say little). Each target is shown as met / NOT met beside its figure.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from bench.load import HUMAN_PAUSE_SECONDS

PAUSED = f"pausing {HUMAN_PAUSE_SECONDS[0]:g}-{HUMAN_PAUSE_SECONDS[1]:g} s"

# (label, how to read the figure from results, limit, unit). A figure must be <= its limit.
Target = Tuple[str, Callable[[Dict[str, Any]], Optional[float]], float, str]


def _get(*path: str) -> Callable[[Dict[str, Any]], Optional[float]]:
    def read(results: Dict[str, Any]) -> Optional[float]:
        value: Any = results
        for key in path:
            if not isinstance(value, dict) or value.get(key) is None:
                return None
            value = value[key]
        return float(value)
    return read


def _slow_ratio(results: Dict[str, Any]) -> Optional[float]:
    with_slow = _get("slow_call", "p95_ms")(results)
    # Rounds alternating with and without the slow call give their own baseline.
    without = _get("slow_call", "baseline_p95_ms")(results) or _get("concurrent_10", "latency_ms", "p95")(results)
    return round(with_slow / without, 2) if with_slow and without else None


TARGETS: List[Target] = [
    ("single customer p50 per turn", _get("single_customer", "webhook_ms", "p50"), 100, "ms"),
    ("single customer p95 per turn", _get("single_customer", "webhook_ms", "p95"), 250, "ms"),
    ("50 concurrent: errors", _get("concurrent_50", "errors"), 0, ""),
    ("50 concurrent: bookings not credited exactly once", _get("concurrent_50", "credit_problems"), 0, ""),
    ("50 concurrent p95 per turn, no pause (saturated)", _get("concurrent_50", "latency_ms", "p95"), 1000, "ms"),
    (f"50 concurrent {PAUSED}: errors", _get("concurrent_50_paced", "errors"), 0, ""),
    (f"50 concurrent {PAUSED}: not credited exactly once", _get("concurrent_50_paced", "credit_problems"), 0, ""),
    (f"50 concurrent {PAUSED}: p95 per turn", _get("concurrent_50_paced", "latency_ms", "p95"), 1000, "ms"),
    ("50 concurrent, 2 Rasa + 2 action servers: errors", _get("concurrent_50_scaled", "errors"), 0, ""),
    ("50 concurrent, 2 Rasa + 2 action servers: p95", _get("concurrent_50_scaled", "latency_ms", "p95"), 1000, "ms"),
    (f"50 concurrent {PAUSED}, one sender flooding: p95", _get("concurrent_50_paced_flood", "latency_ms", "p95"),
     1000, "ms"),
    ("one session: turn p50 at message 400 / at message 10", _get("long_session", "p50_ratio"), 1.2, "x"),
    ("one session: Rasa CPU per turn at message 400 / 10", _get("long_session", "cpu_ratio", "rasa"), 1.2, "x"),
    ("slow O'mari call: p95 of 10 others / without it", _slow_ratio, 1.2, "x"),
    ("Rasa server ready (spawn to /status)", _get("cold_start", "rasa_ready_s"), 30, "s"),
    ("action server ready (spawn to /health)", _get("cold_start", "actions_ready_s"), 3, "s"),
    ("full training (rasa train --force)", _get("training", "seconds"), 300, "s"),
]


def evaluate(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Each target with its figure and whether it was met (None: not measured)."""
    verdicts = []
    for label, read, limit, unit in TARGETS:
        value = read(results)
        verdicts.append({"target": label, "value": value, "limit": limit, "unit": unit,
                         "met": None if value is None else value <= limit})
    return verdicts


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value.is_integer():
            value = f"{value:.0f}"
        else:
            value = f"{value:.1f}" if abs(value) >= 10 or unit == "ms" else f"{value:.2f}"
    return f"{value} {unit}".strip()


def render(results: Dict[str, Any]) -> str:
    """A plain-text report: the figures, then the targets."""
    lines = [f"make bench - {results['started_utc']} - {results['machine']['cpus']} CPUs, "
             f"load average {results['machine']['load_before']} before, {results['machine']['load_after']} after"]
    single = results.get("single_customer") or {}
    if single:
        web, nlu = single["webhook_ms"], single["parse_ms"]
        lines += ["", f"single customer ({web['n']} turns)    p50      p95      p99",
                  f"  /webhooks/rest/webhook       {_fmt(web['p50']):>8} {_fmt(web['p95']):>8} "
                  f"{_fmt(web['p99']):>8} ms",
                  f"  /model/parse (same text)     {_fmt(nlu['p50']):>8} {_fmt(nlu['p95']):>8} "
                  f"{_fmt(nlu['p99']):>8} ms",
                  f"  webhook / parse at p50: {_fmt(single.get('p50_ratio'), 'x')}"]
    lines += ["", "concurrent customers   turns/s      p50      p95      p99  errors  credited once"]
    for key, label in (("concurrent_10", "10"), ("concurrent_50", "50"), ("concurrent_50_paced", "50, " + PAUSED),
                       ("concurrent_50_paced_flood", "50 paced + flood"), ("slow_call", "10 + slow call"),
                       ("concurrent_50_scaled", "50, 2+2 instances"), ("starter_bot_50", "50, starter bot")):
        run = results.get(key)
        if not run or "latency_ms" not in run:
            continue
        latency = run["latency_ms"]
        problems = run.get("credit_problems")
        once = "-" if problems is None else "yes" if problems == 0 else f"NO ({problems})"
        lines.append(f"  {label:<18} {_fmt(run['turns_per_second']):>8} {_fmt(latency['p50']):>8} "
                     f"{_fmt(latency['p95']):>8} {_fmt(latency['p99']):>8} {run['errors']:>7}  {once}")
    starter, saturated = results.get("starter_bot_50") or {}, results.get("concurrent_50") or {}
    if starter.get("latency_ms") and saturated.get("latency_ms"):
        lines.append(f"  saturated 50 beside Rasa's starter bot on this machine: p95 "
                     f"{_fmt(saturated['latency_ms']['p95'], 'ms')} vs {_fmt(starter['latency_ms']['p95'], 'ms')}, "
                     f"turns/s {_fmt(saturated['turns_per_second'])} vs {_fmt(starter['turns_per_second'])}")
    slow = results.get("slow_call") or {}
    if slow:
        lines.append(f"  slow call still waiting on O'mari when the 10 finished: {slow.get('slow_still_in_flight')}; "
                     f"its own outcome: {slow.get('slow_outcome')}")
        if slow.get("rounds"):
            lines.append(f"  p95 of the 10 over {slow['rounds']} alternating rounds: without the slow call "
                         f"{slow.get('baseline_p95_ms_each')} (median {_fmt(slow.get('baseline_p95_ms'))}), "
                         f"with it {slow.get('p95_ms_each')} (median {_fmt(slow.get('p95_ms'))}) ms")
    flood = (results.get("concurrent_50_paced_flood") or {}).get("flood")
    if flood:
        lines.append(f"  the flooding sender: {flood['sent']} messages answered, {flood['slow_down_answers']} of them "
                     f"\"slow down\", {flood['errors']} HTTP failures")
    session = results.get("long_session") or {}
    if session.get("windows"):
        lines += ["", "one session, \"what's my balance?\" mid-payment   p50    Rasa CPU   "
                      "action server CPU (per turn)"]
        for window in session["windows"]:
            cpu = window["cpu_ms_per_turn"]
            lines.append(f"  message {window['message']:<4} ({window['turns']} turns)              "
                         f"{_fmt(window['p50_ms'], 'ms'):>9} {_fmt(cpu.get('rasa'), 'ms'):>10} "
                         f"{_fmt(cpu.get('actions'), 'ms'):>10}")
        lines.append(f"  message 400 / message 10: p50 {_fmt(session.get('p50_ratio'), 'x')}, "
                     f"CPU {session.get('cpu_ratio')}; errors {session.get('errors')}")
    cold = results.get("cold_start") or {}
    memory = results.get("memory_mb") or {}
    lines += ["", "cold start and memory",
              f"  Rasa server: ready {_fmt(cold.get('rasa_ready_s'), 's')}, first answer "
              f"{_fmt(cold.get('rasa_first_answer_s'), 's')} after spawn; "
              f"RSS after load {_fmt(memory.get('rasa'), 'MB')}",
              f"  action server: ready {_fmt(cold.get('actions_ready_s'), 's')}; RSS after load "
              f"{_fmt(memory.get('actions'), 'MB')}",
              f"  training (full model, --force): {_fmt((results.get('training') or {}).get('seconds'), 's')}"]
    lines += ["", "targets (reported, never failed on)"]
    for verdict in results["targets"]:
        state = {True: "met", False: "NOT met", None: "not measured"}[verdict["met"]]
        lines.append(f"  {verdict['target']:<52} {_fmt(verdict['value'], verdict['unit']):>10}  "
                     f"<= {_fmt(float(verdict['limit']), verdict['unit']):<9} {state}")
    scaled = results.get("concurrent_50_scaled") or {}
    if scaled.get("skipped"):
        lines.append(f"  50, 2+2 instances: not measured ({scaled['skipped']})")
    errors = [e for key in ("concurrent_10", "concurrent_50", "concurrent_50_paced", "slow_call",
                            "concurrent_50_scaled", "concurrent_50_paced_flood", "long_session", "starter_bot_50")
              for e in (results.get(key) or {}).get("error_samples", [])]
    if errors:
        lines += ["", "first errors:"] + [f"  {error}" for error in errors[:10]]
    return "\n".join(lines)


def markdown(results: Dict[str, Any]) -> str:
    """The targets as a Markdown table, for docs/performance.md."""
    rows = ["| figure | measured | target | |", "|---|---|---|---|"]
    for verdict in results["targets"]:
        state = {True: "met", False: "**not met**", None: "not measured"}[verdict["met"]]
        rows.append(f"| {verdict['target']} | {_fmt(verdict['value'], verdict['unit'])} | "
                    f"≤ {_fmt(float(verdict['limit']), verdict['unit'])} | {state} |")
    return "\n".join(rows)
