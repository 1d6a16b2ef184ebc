"""Two replacements of one Rasa function each apply once, whatever order they come in."""
from __future__ import annotations

from rasa_runtime.patching import is_patched, mark


def test_a_named_replacement_is_not_taken_for_another() -> None:
    def rasas_own() -> str:
        return "rasa"

    outage_answer = mark(lambda: "outage answer around " + rasas_own(), "store_outage_answer")
    # The rate limit finds the outage answer in Rasa's place: not its own, so it still wraps it.
    assert not is_patched(outage_answer, "sender_rate_limit")
    rate_limit = mark(lambda: "rate limit around " + outage_answer(), "sender_rate_limit")
    assert is_patched(rate_limit, "sender_rate_limit") and is_patched(rate_limit)
    assert not is_patched(rasas_own)


def test_an_unnamed_mark_still_reads_as_ours() -> None:
    speedup = mark(lambda: None)
    assert is_patched(speedup) and not is_patched(speedup, "sender_rate_limit")
