"""amount_mentioned: when a reply to another question also names an amount."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsing import amount_mentioned, parse_channel
from tests.unit.test_parsing import any_text


@pytest.mark.parametrize(
    "text, intent",
    [
        ("pay 50 usd for BK-T005-20260210 with ecocash from 0772123456", "make_payment"),
        ("actually make it 30", "correct"),
        ("$40", "inform"),
        ("500 zig", "inform"),
        ("pay 75 with ecocash", "inform"),
        ("pay the deposit", "make_payment"),
        ("make it the full balance instead", "correct"),
        ("change it to half", "correct"),
        ("actually make it -5", "correct"),  # meant as an amount: the validator explains
    ],
)
def test_amounts_the_customer_meant(text: str, intent: str) -> None:
    assert amount_mentioned(text, intent)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("sorry wrong number, use 0712000002", "correct"),
        ("change the channel to onemoney", "correct"),
        ("i want to pay my balance", "make_payment"),  # opens a payment, chooses no amount
        ("pay for BK48213977", "make_payment"),  # a reference's digits
        ("836066", "inform"),  # a bare number at another question: an OTP, a choice
        ("0772 123 456", "inform"),
        ("for 2 people", "inform"),
        ("ecocash", "inform"),
        (None, "inform"),
    ],
)
def test_numbers_that_are_not_an_amount(text, intent: str) -> None:
    assert not amount_mentioned(text, intent)


@pytest.mark.parametrize(
    "text, channel",
    [("ecocsh", "ecocash"), ("ecocah", "ecocash"), ("one mony", "onemoney"), ("1money", "onemoney"),
     ("zimswich", "zimswitch"), ("visa card", "zimswitch")],
)
def test_channel_typos_customers_send(text: str, channel: str) -> None:
    assert parse_channel(text) == channel


@settings(deadline=None, max_examples=200)
@given(text=any_text, intent=st.sampled_from(["make_payment", "inform", "correct", None]))
def test_any_text_gives_a_yes_or_no(text, intent) -> None:
    """Whatever the customer types, the check answers and never raises."""
    assert amount_mentioned(text, intent) in (True, False)
