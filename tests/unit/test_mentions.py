"""amount_mentioned: when a reply to another question also names an amount."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsing import InvalidInput, amount_mentioned, parse_amount, parse_channel
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


INTENTS = ["make_payment", "inform", "correct", None]
# 0.01 to 1,000,000.00: every amount the parser accepts.
amounts = st.integers(min_value=1, max_value=100_000_000).map(lambda cents: Decimal(cents) / 100)


@given(value=amounts, marked=st.sampled_from(["${}", "USD {}", "{} usd", "{} dollars", "pay {}", "send {} please"]),
       intent=st.sampled_from(INTENTS))
def test_an_amount_with_a_currency_or_pay_is_mentioned_at_any_question(value, marked, intent) -> None:
    assert amount_mentioned(marked.format(f"{value:.2f}"), intent) is True


@given(value=amounts, intent=st.sampled_from(["make_payment", "correct"]))
def test_a_bare_number_in_a_payment_request_or_a_correction_is_mentioned(value, intent) -> None:
    assert amount_mentioned(f"{value:.2f}", intent) is True


@given(value=amounts, intent=st.sampled_from(["inform", None]))
def test_a_bare_number_answering_another_question_is_not_an_amount(value, intent) -> None:
    # An OTP, a menu choice, a count of people: never taken as the amount to pay.
    assert amount_mentioned(f"{value:.2f}", intent) is False


@settings(deadline=None, max_examples=200)
@given(text=any_text, intent=st.sampled_from(INTENTS))
def test_any_text_without_a_number_names_no_amount(text, intent) -> None:
    """Whatever the customer types, the check answers yes or no without raising, and no when there is no number."""
    mentioned = amount_mentioned(text, intent)
    assert isinstance(mentioned, bool)
    try:
        choice = parse_amount(text)
    except InvalidInput as error:
        if error.reason == "not_a_number":
            assert mentioned is False, text
        return
    if choice.value is not None and choice.currencies:
        assert mentioned is True, text
