"""Which customers' next message will take more than a moment to answer.

Answering the mobile number asks O'mari for an OTP (``/auth``) and answering
the OTP asks it to debit (``/request``, then ``/query``): seconds, not the
usual fraction of one. For those messages the channel marks the message read
and shows "typing…" in one Graph call (Meta's typing indicator), only when a
reply will follow, which for a readable message it always does.

The question the assistant last asked each customer is remembered from the
response name Rasa sends with every message (``utter_action``). It is a hint
kept in memory, bounded, per Rasa instance: a customer whose previous turn ran
on another instance just gets the plain read receipt.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional

# The messages whose answers call O'mari: the number question (/auth) and the OTP's (/request).
SLOW_ANSWER_QUESTIONS = frozenset({
    "utter_ask_phone_number", "utter_ask_phone_number_with_sender",
    "utter_otp_sent", "utter_ask_otp", "utter_invalid_otp", "utter_wrong_otp",
})
MAX_REMEMBERED = 50_000


class SlowAnswers:
    """Remembers, per sender, whether the last question asked is answered slowly."""

    def __init__(self, max_entries: int = MAX_REMEMBERED) -> None:
        self._asked: "OrderedDict[str, bool]" = OrderedDict()
        self._max = max_entries

    def asked(self, sender_id: str, response_name: Optional[str]) -> None:
        """A message went out; the last one of a turn is the question the customer answers."""
        if not response_name:
            return
        self._asked[sender_id] = response_name in SLOW_ANSWER_QUESTIONS
        self._asked.move_to_end(sender_id)
        while len(self._asked) > self._max:
            self._asked.popitem(last=False)

    def next_answer_is_slow(self, sender_id: str) -> bool:
        return self._asked.get(sender_id, False)
