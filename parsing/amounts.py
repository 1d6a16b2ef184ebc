"""Amounts: "$50", "USD 1,200.50", "1 500", "fifty dollars", "1.2k", "the deposit".

Separators ("1 500", "1.500,50") are read by parsing/figures.py, whose
table says how each form is taken; a figure with two readings ("1.500")
raises :class:`AmbiguousAmount` so the customer is asked, never guessed for.
Every currency a message names is reported (parsing/currencies.py),
so "50 euros" can be refused rather than charged as 50 of the booking's.

price_parser and word2number are not used. price_parser is built to find a
price in a web page, so it guesses: it drops the minus of "-$5", reads
"50.123" as 50123 and "1e3" as 1. word2number reads "one two three" as 5
and "fifty sixty" as 110. A wrongly read amount costs a customer money, so
the small readers here refuse whatever they do not fully understand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Dict, FrozenSet, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from parsing.currencies import (
    CURRENCY_BEFORE_FIGURE_ONLY,
    CURRENCY_PHRASES,
    CURRENCY_WORDS,
    GLUED_AFTER,
    GLUED_BEFORE,
)
from parsing.figures import FIGURE_CHARS, GROUP_SPACE, read_figure
from parsing.references import reference_spans
from parsing.text import InvalidInput, blank_spans, clean_text

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000")


class AmountShare(str, Enum):
    FULL_BALANCE = "full_balance"
    DEPOSIT = "deposit"
    HALF = "half"


@dataclass(frozen=True)
class AmountChoice:
    """What the customer wants to pay: an explicit ``value`` or a ``share`` of the balance."""

    value: Optional[Decimal]  # quantized to 0.01, > 0
    share: Optional[AmountShare]  # resolved later against the booking
    currency: Optional[str]  # the currency marking the amount ("USD", "ZWG", "EUR" …)
    # Every currency the message names, marking the amount or not ("50, in
    # euros"): any that is not the booking's refuses the amount.
    currencies: FrozenSet[str] = field(default=frozenset(), compare=False)


class AmbiguousAmount(InvalidInput):
    """The figure has two readings ("1.500": 1.50 or 1,500); the customer must choose."""

    def __init__(self, readings: Tuple[Decimal, Decimal], currencies: FrozenSet[str]) -> None:
        super().__init__("ambiguous")
        self.readings = readings
        self.currencies = currencies


# Checked in this order: "half the balance" is a half and "deposit from the
# balance" a deposit; "balance" and "all" often just name what a share is of.
_SHARE_WORDS: Tuple[Tuple[AmountShare, FrozenSet[str]], ...] = (
    (AmountShare.HALF, frozenset({"half"})),
    (AmountShare.DEPOSIT, frozenset({"deposit"})),
    (AmountShare.FULL_BALANCE, frozenset({
        "full", "balance", "everything", "all", "whole", "entire", "total", "rest",
        "remaining", "remainder", "outstanding",
    })),
)
# Keyed by a number's value, which is None when its words make no number: no share.
_PERCENT_SHARES: Dict[Optional[Decimal], AmountShare] = {
    Decimal(50): AmountShare.HALF, Decimal(100): AmountShare.FULL_BALANCE,
}

# One whitespace-separated word that is a number, maybe with a sign, a
# currency glued on ("usd50", "500zig") and a "k" for thousands. Exponents,
# "NaN" and "1,20" do not match, so they are never amounts.
_AMOUNT_WORD = re.compile(rf"""
    (?P<sign>[-+])? (?P<before>{GLUED_BEFORE})? (?P<minus_after_symbol>-)?
    (?P<figure>[0-9](?:{FIGURE_CHARS}*[0-9])?|\.[0-9]+)?
    (?P<thousands>k)? (?P<after>{GLUED_AFTER}|%)?
""", re.VERBOSE)
# Thousands grouped with spaces ("1 500", "12 345 678.50"), joined into one
# word so the figure reader sees it whole; a phone number was blanked before.
# A comma or dot before them counts only after a digit ("1,1 001"), not as
# stray punctuation (",1 001" is 1001, never 1).
_SPACED_GROUPS = re.compile(r"(?<![0-9])(?<![0-9][.,])[0-9]{1,3}(?: [0-9]{3})+(?![0-9]|[.,][0-9]{3})")
# Phone numbers carry digit runs that are never amounts: a Zimbabwe mobile in
# any common layout, any "+" number, and any run of 9+ digits. phonenumbers'
# own matcher is not used here: next to an amount ("1200.50 0772 123 456")
# it either takes the amount for a phone or finds nothing.
# Numbers with their 0 / 263 prefix are blanked before bare "7X…" ones: in
# "pay 70 0772 123 456" a bare mobile matched "70 0772 123" first and left
# "456" to be charged.
_PHONE_LIKE = (
    re.compile(r"""
        (?<![0-9.,]) (?: (?:(?:\+|00)?263[\s-]*(?:\(0\)[\s-]*)?|0) 7[0-9](?:[\s-]?[0-9]){7}
        | \+[0-9](?:[\s()-]{0,2}[0-9]){7,} | [0-9]{9,} ) (?![0-9]|[.,][0-9])
    """, re.VERBOSE | re.ASCII),
    re.compile(r"(?<![0-9.,])7[0-9](?:[\s-]?[0-9]){7}(?![0-9]|[.,][0-9])", re.ASCII),
)
# (The lookahead keeps "123456789.50" whole: blanking its digits as a phone
# number used to leave ".50", read as fifty cents.)
_PHRASES = (
    *CURRENCY_PHRASES,
    (re.compile(r"\bper\s*cent\b"), " % "),
    (re.compile(r"(?<=[a-z])-(?=[a-z])|_"), " "),  # "twenty-five", "full_balance"
)

_SMALL_NUMBERS = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen"
    " fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {word: 10 * value for value, word in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_SCALES = {"thousand": 1_000, "million": 1_000_000}
_DIGIT_SCALES = {"k": 1_000, "hundred": 100, **_SCALES}
_NUMBER_WORDS = frozenset(_SMALL_NUMBERS) | frozenset(_TENS) | frozenset(_SCALES) | {"hundred"}


class _Number(NamedTuple):
    value: Optional[Decimal]  # None when number words do not form one number
    decimals: int
    currency: Optional[str]
    percent: bool
    other_reading: Optional[Decimal] = None  # "1.500": 1500 beside 1.50
    cents: bool = False  # "40 cents": a hundredth of the currency, added to the whole amount


# Words that make the number before them cents: "27 dollars and 40 cents".
_CENT_WORDS = frozenset({"cents", "cent", "c", "ct", "cts", "sents", "sent"})


def parse_amount(text: str) -> AmountChoice:
    """Read the amount the customer wants to pay.

    Digits or number words beat share words ("pay 50, not the full balance"
    is 50), except percentages ("pay 50% deposit" is the deposit). A
    currency-marked number beats a bare one ("$50 for 2 people" is 50).
    """
    words = _amount_words(text)
    numbers = list(_numbers(words))
    currencies = _currencies_named(words, numbers)
    amounts = _with_cents_added([number for number in numbers if not number.percent])
    if amounts:
        return _explicit_amount(amounts, currencies)
    share = next((share for share, names in _SHARE_WORDS if names.intersection(words)), None)
    if share is None:
        percents = {number.value for number in numbers}
        share = _PERCENT_SHARES.get(percents.pop()) if len(percents) == 1 else None
    if share is None:
        raise InvalidInput("not_a_number")
    return AmountChoice(None, share, next(iter(currencies)) if len(currencies) == 1 else None, currencies)


def _with_cents_added(amounts: List[_Number]) -> List[_Number]:
    """Fold "40 cents" into the whole amount before it, so no figure is left unread.

    "27 dollars and 40 cents" is 27.40 and "40 cents" alone 0.40. Cents that
    cannot be a part of one amount (two of them, or 150 cents after dollars)
    are kept as a separate figure, so the message reads as two amounts and
    the customer is asked which they meant, never charged one of them.
    """
    cents = [number for number in amounts if number.cents]
    if not cents:
        return amounts
    wholes = [number for number in amounts if not number.cents]
    part = cents[0]
    if len(cents) != 1 or part.value is None or part.decimals or not 0 <= part.value < 100:
        return amounts
    if not wholes:
        return [part._replace(value=part.value / 100, decimals=2, cents=False)]
    whole = wholes[0]
    if len(wholes) != 1 or whole.value is None or whole.decimals or whole.other_reading is not None:
        return amounts
    return [whole._replace(value=whole.value + part.value / 100, decimals=2, currency=whole.currency or part.currency)]


def _amount_words(text: str) -> List[str]:
    """Lowercase words of ``text`` with booking references and phone numbers blanked out."""
    cleaned = clean_text(text).lower().replace("\u2212", "-")  # the typographic minus
    cleaned = blank_spans(cleaned, reference_spans(cleaned))
    for phone in _PHONE_LIKE:
        cleaned = phone.sub(" ", cleaned)
    cleaned = _SPACED_GROUPS.sub(lambda match: match.group().replace(" ", GROUP_SPACE), cleaned)
    for pattern, replacement in _PHRASES:
        cleaned = pattern.sub(replacement, cleaned)
    # A leading "." stays: ".50" is fifty cents.
    words = (word.lstrip("([{\"'*").rstrip(".,!?;:)]}\"'*") for word in cleaned.split())
    return [word for word in words if word]


def _currencies_named(words: Sequence[str], numbers: Sequence[_Number]) -> FrozenSet[str]:
    """Every currency in the message: marking a number, or anywhere else ("50, in euros")."""
    named = {CURRENCY_WORDS[word] for word in words if word in CURRENCY_WORDS}
    return frozenset(named | {number.currency for number in numbers if number.currency})


def _numbers(words: Sequence[str]) -> Iterator[_Number]:
    index = 0
    while index < len(words):
        match = _AMOUNT_WORD.fullmatch(words[index])
        if match and match.group("figure"):
            # "50 k", "2 thousand" and "1.5 million" are one number, like "2k".
            scale = 1 if match.group("thousands") else _scale_word(words, index + 1)
            end = index + 1 if scale == 1 else index + 2
            number = _digits_number(match, scale, _neighbours(words, index, end))
            yield number._replace(cents=_cents_follow(words, end))
            index = end
        elif words[index] in _NUMBER_WORDS:
            end = index + 1
            while end < len(words) and (words[end] in _NUMBER_WORDS or (
                    words[end] == "and" and end + 1 < len(words) and words[end + 1] in _NUMBER_WORDS)):
                end += 1
            value = _words_to_int(words[index:end])
            if _scale_word(words, end) == 1000 and words[end] == "k":  # "fifty k"
                value, end = None if value is None else value * 1000, end + 1
            currency, percent = _neighbours(words, index, end)
            # A lone "one" is usually a pronoun ("this one"), not a dollar.
            cents = _cents_follow(words, end)
            if words[index:end] != ["one"] or currency or percent or cents:
                yield _Number(None if value is None else Decimal(value), 0, currency, percent, cents=cents)
            index = end
        else:
            index += 1


def _cents_follow(words: Sequence[str], index: int) -> bool:
    return index < len(words) and words[index] in _CENT_WORDS


def _scale_word(words: Sequence[str], index: int) -> int:
    """What the word at ``index`` multiplies the number before it by ("k" is 1000)."""
    return _DIGIT_SCALES.get(words[index], 1) if index < len(words) else 1


def _neighbours(words: Sequence[str], start: int, end: int) -> Tuple[Optional[str], bool]:
    """The currency named just before or after words[start:end], and whether a "%" follows."""
    before = words[start - 1] if start > 0 else ""
    after = words[end] if end < len(words) else ""
    currency = CURRENCY_WORDS.get(after) or CURRENCY_WORDS.get(before) or CURRENCY_BEFORE_FIGURE_ONLY.get(before)
    return currency, after == "%"


def _digits_number(match: re.Match, scale: int, neighbours: Tuple[Optional[str], bool]) -> _Number:
    currency, percent = neighbours
    marked = match.group("before") or match.group("after")
    currency = CURRENCY_WORDS.get(marked or "") or CURRENCY_BEFORE_FIGURE_ONLY.get(marked or "") or currency
    percent = marked == "%" or percent
    figure = read_figure(match.group("figure"))
    if figure is None:  # "1,500,50": no reading we can stand behind
        return _Number(None, 0, currency, percent)
    if match.group("thousands"):
        scale = 1000
    # Each zero of the scale moves the point: "1.25k" is 1250, no cents at all.
    decimals = max(figure.decimals - (len(str(scale)) - 1), 0)
    negative = match.group("sign") == "-" or bool(match.group("minus_after_symbol"))
    value, other = (None if reading is None else (-reading if negative else reading) * scale
                    for reading in (figure.value, figure.other_reading))
    return _Number(value, decimals, currency, percent, other)


def _explicit_amount(amounts: Sequence[_Number], currencies: FrozenSet[str]) -> AmountChoice:
    chosen = [number for number in amounts if number.currency] or list(amounts)
    value, decimals, currency, _, other_reading, _ = chosen[0]
    if len({(number.value, number.currency) for number in chosen}) != 1 or value is None:
        raise InvalidInput("not_a_number")  # several different amounts: do not pick one
    if any(number.value != value for number in amounts):
        # "$50 for 2 people": every figure must be accounted for before money
        # moves; one left over is asked about, never dropped.
        raise InvalidInput("several_numbers")
    if other_reading is not None:
        readings = tuple(_checked(reading, 0).quantize(CENT) for reading in (value, other_reading))
        raise AmbiguousAmount((readings[0], readings[1]), currencies)
    return AmountChoice(_checked(value, decimals).quantize(CENT), None, currency, currencies)


def _checked(value: Decimal, decimals: int) -> Decimal:
    if decimals > 2:
        raise InvalidInput("too_many_decimals")
    if value <= 0:
        raise InvalidInput("not_positive")
    if value > MAX_AMOUNT:  # checked before quantize, which fails on huge values
        raise InvalidInput("too_large")
    return value


def _words_to_int(words: Sequence[str]) -> Optional[int]:
    """Read "one hundred and twenty" or "twelve hundred"; None when the words are not one number."""
    total, group, previous, last_scale = 0, None, "", None
    for word in words:
        if word == "and":
            continue
        if word in _SMALL_NUMBERS:
            value = _SMALL_NUMBERS[word]
            if previous == "small" or (previous == "tens" and not 1 <= value <= 9):
                return None  # "one two", "fifty ten"
            group, previous = (group or 0) + value, "small"
        elif word in _TENS:
            if previous in ("small", "tens"):
                return None  # "fifty sixty"
            group, previous = (group or 0) + _TENS[word], "tens"
        elif word == "hundred":
            if previous not in ("", "small", "tens") or (group or 0) >= 100:
                return None  # "one hundred hundred"
            group, previous = (1 if group is None else group) * 100, "hundred"
        else:
            scale = _SCALES[word]
            if previous == "scale" or (last_scale is not None and scale >= last_scale):
                return None  # "thousand million", "one thousand two thousand"
            total += (1 if group is None else group) * scale
            group, previous, last_scale = None, "scale", scale
    return total + (group or 0)
