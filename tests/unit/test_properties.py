"""Property tests for the normalisers and formatters the parsers' tests do not cover.

Each property is something a customer or the office would notice if it broke:
a reference typed another way finds another booking, a masked number shows
too much, an amount is rounded on its way to O'mari, a float sneaks in.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payments.store.models import Cents
from payments.omari import format_amount, mask_msisdn
from parsing.amounts import MAX_AMOUNT
from parsing import (
    CHANNEL_NAMES,
    booking_reference_key,
    normalise_msisdn,
    parse_amount,
    parse_channel,
    parse_otp,
)
from actions.presentation import format_money, mask_customer_name, mask_phone_for_customer
from tests.unit.test_parsing import reason_of

cents = st.integers(min_value=1, max_value=10**12).map(lambda c: (Decimal(c) / 100).quantize(Decimal("0.01")))
# 0.01 to MAX_AMOUNT: what a customer may pay in one go.
payable = st.integers(min_value=1, max_value=int(MAX_AMOUNT * 100)).map(lambda c: Decimal(c) / 100)
# Middle groups never end in 6+ digits: that is what marks a reference's last group.
groups = st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=5),
                  min_size=0, max_size=3)
serial = st.text(alphabet="0123456789", min_size=6, max_size=8)
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@given(middle=groups, serial=serial, separator=st.sampled_from(["-", " ", "", "_", "."]),
       case=st.sampled_from([str.upper, str.lower, str.title]), framing=st.sampled_from(["{}", "ref {} thanks", "{}."]))
def test_a_reference_typed_any_way_has_one_key(middle, serial, separator, case, framing) -> None:
    canonical = "-".join(["BK", *middle, serial])
    typed = framing.format(case(separator.join(["BK", *middle, serial])))
    assert booking_reference_key(typed) == booking_reference_key(canonical) == "BK" + "".join(middle) + serial


@given(channel=st.sampled_from(sorted(CHANNEL_NAMES)), case=st.sampled_from([str.upper, str.lower, str.title]),
       framing=st.sampled_from(["{}", "pay with {}", "{} please", "  {}  "]))
def test_a_channel_typed_any_way_is_that_channel(channel, case, framing) -> None:
    assert parse_channel(framing.format(case(CHANNEL_NAMES[channel]))) == channel


@given(digits=st.text(alphabet="0123456789", min_size=4, max_size=8),
       table=st.sampled_from([ARABIC_INDIC, FULLWIDTH]))
def test_otp_in_other_scripts_digits_is_the_same_ascii_code(digits, table) -> None:
    # What the customer's keyboard typed is the code O'mari sent, and O'mari gets it as ASCII digits.
    assert parse_otp(digits.translate(table)) == digits


@given(digits=st.text(alphabet="0123456789", min_size=8, max_size=8),
       table=st.sampled_from([ARABIC_INDIC, FULLWIDTH]))
def test_phone_in_other_scripts_digits_is_the_same_number(digits, table) -> None:
    assert normalise_msisdn(("07" + digits).translate(table)) == "2637" + digits


@given(value=payable, table=st.sampled_from([ARABIC_INDIC, FULLWIDTH]))
def test_amount_in_other_scripts_digits_is_the_same_amount(value, table) -> None:
    assert parse_amount(f"{value:.2f}".translate(table)).value == value


# Half of the values within the largest amount accepted, half beyond it.
@given(value=st.one_of(st.integers(min_value=1, max_value=999_999), st.integers(min_value=1_000_000, max_value=10**15)),
       cents_part=st.integers(0, 99))
def test_a_long_amount_is_read_whole_or_refused_as_too_large_never_as_its_cents(value, cents_part) -> None:
    text = f"{value}.{cents_part:02d}"
    if Decimal(text) > MAX_AMOUNT:
        assert reason_of(parse_amount, text) == "too_large"
    else:
        assert parse_amount(text).value == Decimal(text)


@given(st.text(alphabet="0123456789", min_size=7, max_size=15))
def test_masked_msisdn_keeps_at_most_six_digits(msisdn) -> None:
    masked = mask_msisdn(msisdn)
    assert len(re.sub(r"\D", "", masked)) <= 6
    assert masked != msisdn


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_number_shown_to_a_customer_hides_the_middle(digits) -> None:
    shown = mask_phone_for_customer("2637" + digits)
    assert shown == f"07{digits[:2]} xxx {digits[-3:]}"


@given(st.lists(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12), min_size=1, max_size=4))
def test_a_masked_name_shows_only_initials(words) -> None:
    masked = mask_customer_name(" ".join(words))
    for word in words:
        if len(word) > 1:
            assert word not in masked.split()
    assert all(part.endswith("***") and len(part) <= 5 for part in masked.split())


@given(value=cents, currency=st.sampled_from(["USD", "ZWG"]))
def test_money_shown_and_sent_is_exactly_the_cents(value, currency) -> None:
    shown = format_money(value, currency)
    assert Decimal(re.sub(r"[^0-9.]", "", shown)) == value
    assert Decimal(format_amount(value)) == value and re.fullmatch(r"[0-9]+\.[0-9]{2}", format_amount(value))


def _is_whole_cents(value: Decimal) -> bool:
    # quantize raises InvalidOperation past 28 digits (hypothesis found 99999999999999999999999999.995).
    try:
        return value == value.quantize(Decimal("0.01"))
    except InvalidOperation:
        return False


@given(st.one_of(st.floats(), st.integers(), st.decimals(places=3, allow_nan=False, allow_infinity=False)))
def test_nothing_but_positive_cent_decimals_go_to_omari(value) -> None:
    if isinstance(value, Decimal) and value > 0 and _is_whole_cents(value):
        assert Decimal(format_amount(value)) == value  # sent, and exactly
        return
    with pytest.raises(ValueError):
        format_amount(value)


@settings(max_examples=200)
@given(value=cents)
def test_money_columns_round_trip_exact_cents(value) -> None:
    column = Cents()
    assert column.process_result_value(column.process_bind_param(value, None), None) == value


@given(st.floats(allow_nan=False))
def test_money_columns_refuse_floats(value) -> None:
    with pytest.raises(TypeError):
        Cents().process_bind_param(value, None)
