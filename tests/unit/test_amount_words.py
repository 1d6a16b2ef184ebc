"""Amounts as people write them, rendered from a value and parsed back to that value.

The property the issue asks for: every figure and money word of an amount is
read, so an amount in words with cents ("twenty seven dollars and forty
cents"), with thousands ("1,200.40", "2k") and with the currency on either
side parses back to exactly the value it was rendered from. A parser that
refuses everything fails these, and so does one that drops the cents.
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from parsing import parse_amount

_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
          " sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

# Up to US$99,999.99 in whole dollars and cents.
dollars = st.integers(min_value=1, max_value=99_999)
cents_part = st.integers(min_value=1, max_value=99)


def words(number: int) -> str:
    """An integer below a million in English words, as a person would type it."""
    if number < 20:
        return _SMALL[number]
    if number < 100:
        tens, unit = divmod(number, 10)
        return _TENS[tens] + (f" {_SMALL[unit]}" if unit else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_SMALL[hundreds]} hundred" + (f" and {words(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    return f"{words(thousands)} thousand" + (f" {words(rest)}" if rest else "")


def value(whole: int, cents: int) -> Decimal:
    return (Decimal(whole) + Decimal(cents) / 100).quantize(Decimal("0.01"))


@given(whole=dollars, cents=cents_part, joiner=st.sampled_from([" and ", " ", ", "]))
def test_dollars_and_cents_in_words_parse_back(whole: int, cents: int, joiner: str) -> None:
    typed = f"{words(whole)} dollars{joiner}{words(cents)} cents"
    assert parse_amount(typed).value == value(whole, cents), typed


@given(whole=dollars, cents=cents_part, symbol=st.sampled_from(["$", "USD ", "US$"]))
def test_figure_and_cents_in_words_parse_back(whole: int, cents: int, symbol: str) -> None:
    typed = f"{symbol}{whole} and {cents} cents"
    assert parse_amount(typed).value == value(whole, cents), typed


@given(whole=dollars, cents=cents_part, before=st.booleans(), currency=st.sampled_from(["usd", "USD", "dollars"]))
def test_thousands_with_currency_on_either_side_parse_back(whole: int, cents: int, before: bool,
                                                          currency: str) -> None:
    figure = f"{whole:,}.{cents:02d}"
    typed = f"{currency} {figure}" if before and currency != "dollars" else f"{figure} {currency}"
    choice = parse_amount(typed)
    assert choice.value == value(whole, cents) and choice.currency == "USD", typed


@given(thousands=st.integers(min_value=1, max_value=99))
def test_k_for_thousands_parses_back(thousands: int) -> None:
    assert parse_amount(f"{thousands}k").value == Decimal(thousands * 1000)


@given(whole=dollars)
def test_whole_dollars_in_words_parse_back(whole: int) -> None:
    assert parse_amount(f"{words(whole)} bucks").value == Decimal(whole)
