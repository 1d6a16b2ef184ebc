"""A booking-database outage outside the form: the same apology, and no claim about money.

"Did my payment go through?", "cancel" and "what's my balance?" may be asked while a
debit is being confirmed, so when the database does not answer they must not say
"nothing was charged" (issue 17): they answer like the form does in an outage.
"""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import questions as digressions
from actions.payment import status as payment_status, steps as payment_actions
from actions.runtime import StoreUnavailable
from tests.support.trackers import make_tracker, responses, run


async def database_down(method, *args, **kwargs):
    raise StoreUnavailable(method.__name__)


@pytest.mark.parametrize("module, action, slots, text", [
    (payment_status, payment_status.ActionPaymentStatus(), {}, "did my payment go through?"),
    (payment_actions, payment_actions.ActionCancelPayment(), {"transaction_reference": "KS-1"}, "cancel"),
    (digressions, digressions.ActionAnswerBalance(), {"booking_reference": "BK-T005-20260210"},
     "what's my balance on BK-T005-20260210?"),
])
def test_an_outage_is_answered_with_the_apology_and_no_word_about_money(
        monkeypatch: pytest.MonkeyPatch, module, action, slots, text) -> None:
    monkeypatch.setattr(module, "call_payments", database_down)
    dispatcher = CollectingDispatcher()
    run(action.run(dispatcher, make_tracker(slots, text=text), {}))
    assert responses(dispatcher) == ["utter_store_unavailable"]
