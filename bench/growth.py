"""`make bench`'s figures for growth: one long conversation session, and one sender flooding.

- A long session: one customer starts a payment (pay, reference, amount), then
  asks "what's my balance?" at the channel question, again and again, as a
  chatty customer (or a script under one sender id) does. The turns around
  message 10 and around message 400 of that one session are timed, with the
  CPU time Rasa and the action server spent on them (psutil), so a turn whose
  cost grows with the conversation shows as a ratio above 1.
- A flood: 50 customers pay, pausing 1-3 s before each message, while one
  sender posts as fast as it can; their p95 beside the same 50 without the
  flood, and how the flooder was answered.
"""
from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import psutil
import requests

from bench import load

DIGRESSION = "what's my balance?"
# The form asks its question again after answering: the session is still mid-payment.
DIGRESSION_REPLY = "payment channel"
# Message numbers (1 = "pay") whose turns are reported, each with a window either side.
MARKS = (10, 400)
WINDOW = 5
FLOOD_MESSAGE = "what's my balance?"
# In utter_slow_down (domain.yml) and the fallback of rasa_runtime/turns/sender_rate_limit.py.
SLOW_DOWN_WORDS = "faster than i can answer"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children, in seconds."""
    try:
        root = psutil.Process(pid)
        total = 0.0
        for member in [root] + root.children(recursive=True):
            times = member.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return float("nan")


@dataclass
class SessionWindow:
    """The turns around one message number of the long session."""

    mark: int
    latencies: List[float] = field(default_factory=list)
    cpu_seconds: Dict[str, float] = field(default_factory=dict)

    def summary(self) -> Dict[str, Any]:
        turns = len(self.latencies)
        return {"message": self.mark, "turns": turns,
                "p50_ms": round(statistics.median(self.latencies) * 1000, 1) if turns else None,
                "cpu_ms_per_turn": {name: round(seconds * 1000 / turns, 1)
                                    for name, seconds in self.cpu_seconds.items()} if turns else {}}


def long_session(rasa_url: str, customer: load.Customer, pids: Mapping[str, int],
                 marks: Sequence[int] = MARKS, window: int = WINDOW,
                 on_window: Optional[Callable[[int, str], None]] = None) -> Dict[str, Any]:
    """One session of ``max(marks) + window`` messages; p50 and CPU per turn around each mark.

    ``on_window(mark, "start" | "end")`` is called around each window (the
    profiling script attaches py-spy there).
    """
    windows = {mark: SessionWindow(mark) for mark in marks}
    starts = {mark - window: mark for mark in marks}
    ends = {mark + window: mark for mark in marks}
    script = load.payment_script(customer, "")[:3]
    last = max(marks) + window
    errors: List[str] = []
    cpu_at_start: Dict[str, float] = {}
    with requests.Session() as http:
        for number in range(1, last + 1):
            message, expected = script[number - 1] if number <= len(script) else (DIGRESSION, DIGRESSION_REPLY)
            if number in starts:
                if on_window:
                    on_window(starts[number], "start")
                cpu_at_start = {name: process_cpu_seconds(pid) for name, pid in pids.items()}
            elapsed, text = load.say(http, rasa_url, customer.sender, message)
            if expected not in text:
                errors.append(f"message {number} {message!r}: expected {expected!r}, got {text[:120]!r}")
                break
            for mark in marks:
                if mark - window <= number <= mark + window:
                    windows[mark].latencies.append(elapsed)
            if number in ends:
                mark = ends[number]
                windows[mark].cpu_seconds = {name: process_cpu_seconds(pid) - cpu_at_start[name]
                                             for name, pid in pids.items()}
                if on_window:
                    on_window(mark, "end")
    summaries = [windows[mark].summary() for mark in marks]
    first, final = summaries[0], summaries[-1]
    ratio = (round(final["p50_ms"] / first["p50_ms"], 2)
             if first["p50_ms"] and final["p50_ms"] else None)
    cpu_ratio = {name: round(final["cpu_ms_per_turn"][name] / first["cpu_ms_per_turn"][name], 2)
                 for name in pids if first["cpu_ms_per_turn"].get(name) and final["cpu_ms_per_turn"].get(name)}
    return {"windows": summaries, "p50_ratio": ratio, "cpu_ratio": cpu_ratio,
            "errors": len(errors), "error_samples": errors[:5]}


@dataclass
class FloodLog:
    """What one sender posting at full speed was answered."""

    sent: int = 0
    slowed: int = 0
    errors: int = 0


def flood(rasa_url: str, sender: str, stop: threading.Event, slow_down_words: str,
          deadline_seconds: float = 600) -> FloodLog:
    """Post as fast as the replies come until ``stop`` (or the deadline); count the "slow down" answers."""
    log = FloodLog()
    deadline = time.monotonic() + deadline_seconds
    with requests.Session() as http:
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                _, text = load.say(http, rasa_url, sender, FLOOD_MESSAGE)
            except requests.RequestException:
                log.errors += 1
                continue
            log.sent += 1
            log.slowed += slow_down_words in text
    return log


def paced_while_flooding(rasa_url: str, customers: Sequence[load.Customer], otp: str,
                         flooder: str, slow_down_words: str) -> Dict[str, Any]:
    """50 paced customers pay while ``flooder`` floods; their latencies and the flood's answers."""
    stop = threading.Event()
    result_box: Dict[str, FloodLog] = {}
    thread = threading.Thread(target=lambda: result_box.setdefault(
        "log", flood(rasa_url, flooder, stop, slow_down_words)), daemon=True)
    thread.start()
    try:
        result = load.pay_concurrently(rasa_url, customers, otp, load.HUMAN_PAUSE_SECONDS)
    finally:
        stop.set()
        thread.join(timeout=120)
    log = result_box.get("log", FloodLog())
    return {"result": result, "flood": {"sent": log.sent, "slow_down_answers": log.slowed, "errors": log.errors}}
