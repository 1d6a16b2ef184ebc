"""Table and property tests for parsing: every reply a customer might type."""
import re
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from parsing.amounts import MAX_AMOUNT
from parsing.currencies import CURRENCY_WORDS
from parsing import (
    CHANNEL_NAMES,
    AmountChoice,
    AmountShare,
    InvalidInput,
    booking_reference_key,
    find_booking_reference_key,
    normalise_msisdn,
    parse_amount,
    parse_channel,
    parse_otp,
    zimbabwe_mobile_or_none,
)

HUGE_WITHOUT_ANYTHING = "lorem ipsum dolor sit amet " * 400  # 10,800 characters


def reason_of(parse, text):
    with pytest.raises(InvalidInput) as caught:
        parse(text)
    return caught.value.reason


# --- booking references ---------------------------------------------------------

@pytest.mark.parametrize("text, key", [
    pytest.param("BK-SLYKER-TECH-20251023", "BKSLYKERTECH20251023", id="canonical-named"),
    # Found by the property test: a middle group "BK" was read as a second reference.
    pytest.param("BK-BK-000000", "BKBK000000", id="middle-group-bk"),
    pytest.param("BK-T005-20260210", "BKT00520260210", id="canonical-short"),
    pytest.param("BK48213977", "BK48213977", id="canonical-digits"),
    pytest.param("bk-t005-20260210", "BKT00520260210", id="lowercase"),
    pytest.param("Bk T005 20260210", "BKT00520260210", id="spaces"),
    pytest.param("BKT00520260210", "BKT00520260210", id="no-dashes"),
    pytest.param("BK_T005_20260210", "BKT00520260210", id="underscores"),
    pytest.param("bk.t005.20260210", "BKT00520260210", id="dots"),
    pytest.param("BK - T005 - 20260210", "BKT00520260210", id="spaced-dashes"),
    pytest.param("my booking is bk t005 20260210 thanks", "BKT00520260210", id="in-sentence"),
    pytest.param("ref: Bk-Slyker-Tech-20251023.", "BKSLYKERTECH20251023", id="prefix-and-full-stop"),
    pytest.param("my ref is BKT00520260210 thanks", "BKT00520260210", id="no-dashes-in-sentence"),
    pytest.param("bk 48213977", "BK48213977", id="digits-spaced"),
    pytest.param("  BK-T005-20260210\n", "BKT00520260210", id="surrounding-whitespace"),
    pytest.param("ＢＫ－Ｔ００５－２０２６０２１０", "BKT00520260210", id="fullwidth"),
    pytest.param("BK-T٠٠٥-٢٠٢٦٠٢١٠", "BKT00520260210", id="arabic-indic-digits"),
    pytest.param("BK-T005-2026\u200b0210", "BKT00520260210", id="zero-width-space"),
    pytest.param("pay 50 for BK-T005-20260210 from 0772123456", "BKT00520260210", id="with-amount-and-phone"),
    pytest.param("BK'; DROP TABLE bookings;-- BK-T005-20260210", "BKT00520260210", id="sql-then-reference"),
    pytest.param("BK-XYZ", "BKXYZ", id="whole-reply-without-serial"),
    pytest.param("bk12", "BK12", id="whole-reply-four-chars"),
    pytest.param("BK-T005-20260210 and bk t005 20260210", "BKT00520260210", id="same-reference-twice"),
])
def test_booking_reference_key(text, key):
    assert booking_reference_key(text) == key
    assert find_booking_reference_key(text) == key


@pytest.mark.parametrize("text", [
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("cancel", id="cancel"),
    pytest.param("bk", id="just-bk"),
    pytest.param("BKX", id="too-short"),
    pytest.param("BK'; DROP TABLE bookings;--", id="sql"),
    pytest.param("book 20260210", id="book-is-not-bk"),
    pytest.param("ebk 123456", id="bk-not-at-word-start"),
    pytest.param("my booking is bkxyz", id="no-serial-in-sentence"),
    pytest.param("T005-20260210", id="missing-bk"),
    pytest.param("BK-T005-20260210 and BK-T006-20260211", id="two-references"),
    pytest.param("BK" + "A" * 39, id="over-40-chars"),
    pytest.param(HUGE_WITHOUT_ANYTHING, id="huge-message"),
    pytest.param("x" * 9_000 + " BK-T005-20260210", id="reference-past-the-read-limit"),
    pytest.param(None, id="none"),
])
def test_booking_reference_rejected(text):
    assert reason_of(booking_reference_key, text) == "not_a_booking_reference"
    assert find_booking_reference_key(text) is None


# --- amounts ---------------------------------------------------------------------

def amount(value, currency=None):
    return AmountChoice(Decimal(value), None, currency)


def share(share_, currency=None):
    return AmountChoice(None, share_, currency)


@pytest.mark.parametrize("text, expected", [
    pytest.param("50", amount("50.00"), id="integer"),
    pytest.param("50.00", amount("50.00"), id="cents"),
    pytest.param("50.5", amount("50.50"), id="one-decimal"),
    pytest.param(".50", amount("0.50"), id="leading-point"),
    pytest.param("$50", amount("50.00", "USD"), id="dollar-sign"),
    pytest.param("$ 50", amount("50.00", "USD"), id="dollar-sign-spaced"),
    pytest.param("US$50", amount("50.00", "USD"), id="us-dollar-sign"),
    pytest.param("USD 50", amount("50.00", "USD"), id="usd-prefix"),
    pytest.param("usd50", amount("50.00", "USD"), id="usd-glued"),
    pytest.param("50usd", amount("50.00", "USD"), id="usd-glued-after"),
    pytest.param("50$", amount("50.00", "USD"), id="dollar-sign-after"),
    pytest.param("USD 1,200.50", amount("1200.50", "USD"), id="thousands-separator"),
    pytest.param("1,000,000", amount("1000000.00"), id="maximum"),
    pytest.param("1200.5", amount("1200.50"), id="no-separator"),
    pytest.param("50 dollars", amount("50.00", "USD"), id="dollars-word"),
    pytest.param("50 US dollars", amount("50.00", "USD"), id="us-dollars-words"),
    pytest.param("50 bucks", amount("50.00", "USD"), id="bucks"),
    pytest.param("fifty", amount("50.00"), id="word"),
    pytest.param("Fifty dollars", amount("50.00", "USD"), id="word-dollars"),
    pytest.param("one hundred and twenty", amount("120.00"), id="words-with-and"),
    pytest.param("twenty-five", amount("25.00"), id="hyphenated-words"),
    pytest.param("twelve hundred", amount("1200.00"), id="twelve-hundred"),
    pytest.param("a thousand dollars", amount("1000.00", "USD"), id="a-thousand"),
    pytest.param("one thousand two hundred and fifty", amount("1250.00"), id="long-words"),
    pytest.param("one dollar", amount("1.00", "USD"), id="one-with-currency"),
    pytest.param("1.2k", amount("1200.00"), id="k-suffix"),
    pytest.param("2K", amount("2000.00"), id="k-suffix-upper"),
    pytest.param("2 thousand", amount("2000.00"), id="digits-thousand"),
    pytest.param("1.5 k", amount("1500.00"), id="digits-detached-k"),
    pytest.param("fifty k", amount("50000.00"), id="words-k"),
    pytest.param("50 k", amount("50000.00"), id="digits-k"),
    pytest.param("1.5 thousand dollars", amount("1500.00", "USD"), id="digits-thousand-dollars"),
    pytest.param("$2 hundred", amount("200.00", "USD"), id="digits-hundred"),
    pytest.param("ZWG 500", amount("500.00", "ZWG"), id="zwg-prefix"),
    pytest.param("500 zig", amount("500.00", "ZWG"), id="zig-suffix"),
    pytest.param("500 ZiG", amount("500.00", "ZWG"), id="zig-mixed-case"),
    pytest.param("ZWG500", amount("500.00", "ZWG"), id="zwg-glued"),
    pytest.param("pay 50", amount("50.00"), id="pay-n"),
    pytest.param("I'll pay 75 usd", amount("75.00", "USD"), id="sentence-usd"),
    pytest.param("I want to pay $50.", amount("50.00", "USD"), id="sentence-full-stop"),
    pytest.param("(50)", amount("50.00"), id="parentheses"),
    pytest.param("٥٠", amount("50.00"), id="arabic-indic-digits"),
    pytest.param("５０", amount("50.00"), id="fullwidth-digits"),
    pytest.param("pay 50 for BK-T005-20260210 from 0772123456", amount("50.00"), id="skip-reference-and-phone"),
    pytest.param("pay 50 for BK48213977", amount("50.00"), id="skip-digit-reference"),
    pytest.param("pay 1200.50 0772 123 456", amount("1200.50"), id="skip-spaced-phone"),
    pytest.param("pay 70 0772123456", amount("70.00"), id="seventy-before-phone"),
    pytest.param("send 50 to +263 77 212 3456", amount("50.00"), id="skip-international-phone"),
    pytest.param("27 dollars and 40 cents", amount("27.40", "USD"), id="dollars-and-cents"),
    pytest.param("$12 and 60 cents", amount("12.60", "USD"), id="symbol-and-cents"),
    pytest.param("twenty seven dollars forty cents", amount("27.40", "USD"), id="words-and-cents"),
    pytest.param("40 cents", amount("0.40"), id="cents-alone"),
    pytest.param("fifty (50)", amount("50.00"), id="same-amount-twice"),
    pytest.param("pay 50, not the full balance", amount("50.00"), id="number-beats-share"),
    pytest.param("the full balance", share(AmountShare.FULL_BALANCE), id="the-full-balance"),
    pytest.param("full balance", share(AmountShare.FULL_BALANCE), id="full-balance"),
    pytest.param("Pay full balance", share(AmountShare.FULL_BALANCE), id="pay-full-balance"),
    pytest.param("full_balance", share(AmountShare.FULL_BALANCE), id="button-payload-full"),
    pytest.param("everything", share(AmountShare.FULL_BALANCE), id="everything"),
    pytest.param("all of it", share(AmountShare.FULL_BALANCE), id="all-of-it"),
    pytest.param("the whole amount", share(AmountShare.FULL_BALANCE), id="whole-amount"),
    pytest.param("pay the remaining balance", share(AmountShare.FULL_BALANCE), id="remaining"),
    pytest.param("100%", share(AmountShare.FULL_BALANCE), id="hundred-percent"),
    pytest.param("half", share(AmountShare.HALF), id="half"),
    pytest.param("half of it", share(AmountShare.HALF), id="half-of-it"),
    pytest.param("half the balance", share(AmountShare.HALF), id="half-the-balance"),
    pytest.param("50%", share(AmountShare.HALF), id="fifty-percent"),
    pytest.param("fifty percent", share(AmountShare.HALF), id="fifty-percent-words"),
    pytest.param("the deposit", share(AmountShare.DEPOSIT), id="the-deposit"),
    pytest.param("pay 50% deposit", share(AmountShare.DEPOSIT), id="percent-deposit"),
    pytest.param("deposit", share(AmountShare.DEPOSIT), id="deposit"),
    pytest.param("pay the deposit for BK-T005-20260210", share(AmountShare.DEPOSIT), id="deposit-with-reference"),
    pytest.param("full balance in usd", share(AmountShare.FULL_BALANCE, "USD"), id="share-with-currency"),
    pytest.param("the full balance in ZiG", share(AmountShare.FULL_BALANCE, "ZWG"), id="share-with-zig"),
])
def test_parse_amount(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text, reason", [
    pytest.param("abc", "not_a_number", id="letters"),
    pytest.param("", "not_a_number", id="empty"),
    pytest.param("cancel", "not_a_number", id="cancel"),
    pytest.param("1e3", "not_a_number", id="exponent"),
    pytest.param("NaN", "not_a_number", id="nan"),
    pytest.param("Infinity", "not_a_number", id="infinity"),
    pytest.param("inf", "not_a_number", id="inf"),
    pytest.param("12,50", "ambiguous", id="decimal-comma-or-misplaced-thousands"),
    pytest.param("this one", "not_a_number", id="pronoun-one"),
    pytest.param("one two three", "not_a_number", id="word-soup"),
    pytest.param("fifty sixty", "not_a_number", id="two-tens"),
    pytest.param("$50 for 2 people", "several_numbers", id="a-figure-left-over"),
    pytest.param("pay 50 or 60", "not_a_number", id="two-amounts"),
    pytest.param("$50 or USD 60", "not_a_number", id="two-marked-amounts"),
    pytest.param("ZWG 500 or $20", "not_a_number", id="two-currencies"),
    pytest.param("30%", "not_a_number", id="other-percent"),
    pytest.param("0772123456", "not_a_number", id="only-a-phone"),
    pytest.param("BK-T005-20260210", "not_a_number", id="only-a-reference"),
    pytest.param(HUGE_WITHOUT_ANYTHING, "not_a_number", id="huge-message"),
    pytest.param(None, "not_a_number", id="none"),
    pytest.param("0", "not_positive", id="zero"),
    pytest.param("0.00", "not_positive", id="zero-cents"),
    pytest.param("-5", "not_positive", id="negative"),
    pytest.param("-$5", "not_positive", id="negative-dollar"),
    pytest.param("$-5", "not_positive", id="dollar-negative"),
    pytest.param("\u22125", "not_positive", id="typographic-minus"),
    pytest.param("zero", "not_positive", id="zero-word"),
    pytest.param("50.123", "too_many_decimals", id="three-decimals"),
    pytest.param("0.001", "too_many_decimals", id="tenth-of-a-cent"),
    pytest.param("1.234567k", "too_many_decimals", id="k-with-fraction-of-cent"),
    pytest.param("1000000.01", "too_large", id="over-maximum"),
    pytest.param("1,000,001", "too_large", id="over-maximum-separated"),
    pytest.param("2 million", "too_large", id="digits-million"),
    pytest.param("two million dollars", "too_large", id="million-words"),
    pytest.param("two thousand k", "too_large", id="words-k-over-maximum"),
    pytest.param("1,000,000,000,000,000,000,000,000,000,000", "too_large", id="beyond-decimal-precision"),
])
def test_parse_amount_rejected(text, reason):
    assert reason_of(parse_amount, text) == reason


# --- channels --------------------------------------------------------------------

@pytest.mark.parametrize("text, channel", [
    pytest.param("ecocash", "ecocash", id="ecocash"),
    pytest.param("EcoCash", "ecocash", id="ecocash-camel"),
    pytest.param("eco cash", "ecocash", id="eco-space-cash"),
    pytest.param("Eco-Cash", "ecocash", id="eco-dash-cash"),
    pytest.param("ekocash", "ecocash", id="ekocash"),
    pytest.param("econet", "ecocash", id="econet"),
    pytest.param("I'll use my EcoCash wallet please", "ecocash", id="ecocash-in-sentence"),
    pytest.param("1", "ecocash", id="menu-1"),
    pytest.param(" 1 ", "ecocash", id="menu-1-spaced"),
    pytest.param("one money", "onemoney", id="one-money"),
    pytest.param("onemoney", "onemoney", id="onemoney"),
    pytest.param("One-Money", "onemoney", id="one-dash-money"),
    pytest.param("netone", "onemoney", id="netone"),
    pytest.param("net one", "onemoney", id="net-one"),
    pytest.param("2", "onemoney", id="menu-2"),
    pytest.param("zimswitch", "zimswitch", id="zimswitch"),
    pytest.param("zim switch", "zimswitch", id="zim-switch"),
    pytest.param("ZimSwitch card", "zimswitch", id="zimswitch-card"),
    pytest.param("zipit", "zimswitch", id="zipit"),
    pytest.param("bank card", "zimswitch", id="bank-card"),
    pytest.param("visa", "zimswitch", id="visa"),
    pytest.param("card", "zimswitch", id="card"),
    pytest.param("bank", "zimswitch", id="bank"),
    pytest.param("3", "zimswitch", id="menu-3"),
])
def test_parse_channel(text, channel):
    assert parse_channel(text) == channel
    assert channel in CHANNEL_NAMES


@pytest.mark.parametrize("text", [
    pytest.param("", id="empty"),
    pytest.param("cancel", id="cancel"),
    pytest.param("4", id="menu-4"),
    pytest.param("12", id="other-digits"),
    pytest.param("0772123456", id="phone"),
    pytest.param("one", id="one-alone"),
    pytest.param("discard", id="card-inside-word"),
    pytest.param("ecocash or onemoney", id="two-channels"),
    pytest.param("paypal", id="unsupported"),
    pytest.param(HUGE_WITHOUT_ANYTHING, id="huge-message"),
])
def test_parse_channel_rejected(text):
    assert reason_of(parse_channel, text) == "unknown_channel"


def test_channel_names():
    assert dict(CHANNEL_NAMES) == {"ecocash": "Ecocash", "onemoney": "OneMoney", "zimswitch": "ZimSwitch"}


# --- phone numbers ---------------------------------------------------------------

@pytest.mark.parametrize("text, msisdn", [
    pytest.param("0772 123 456", "263772123456", id="national-spaced"),
    pytest.param("0772123456", "263772123456", id="national"),
    pytest.param("077-212-3456", "263772123456", id="national-dashes"),
    pytest.param("+263 77 212 3456", "263772123456", id="international-spaced"),
    pytest.param("+263772123456", "263772123456", id="international"),
    pytest.param("263772123456", "263772123456", id="msisdn"),
    pytest.param("00263772123456", "263772123456", id="double-zero"),
    pytest.param("772123456", "263772123456", id="no-trunk-prefix"),
    pytest.param("+263 (0)77 212 3456", "263772123456", id="bracketed-trunk-prefix"),
    pytest.param("my number is 0772123456", "263772123456", id="in-sentence"),
    pytest.param("use 0712000002 please", "263712000002", id="netone-in-sentence"),
    pytest.param("٠٧٧٢١٢٣٤٥٦", "263772123456", id="arabic-indic-digits"),
    pytest.param("number 0772123456 for BK-T005-20260210", "263772123456", id="beside-reference"),
    pytest.param("0772123456 or 0772 123 456", "263772123456", id="same-number-twice"),
    pytest.param("263770000001", "263770000001", id="test-770000001"),
    pytest.param("263770000002", "263770000002", id="test-770000002"),
    pytest.param("263770000003", "263770000003", id="test-770000003"),
    pytest.param("263770000004", "263770000004", id="test-770000004"),
    pytest.param("263770000005", "263770000005", id="test-770000005"),
    pytest.param("263772000001", "263772000001", id="test-772000001"),
    pytest.param("263712000002", "263712000002", id="test-712000002"),
    pytest.param("263732000003", "263732000003", id="test-732000003"),
    pytest.param("263782000004", "263782000004", id="test-782000004"),
    pytest.param("263772123456", "263772123456", id="test-772123456"),
])
def test_normalise_msisdn(text, msisdn):
    assert normalise_msisdn(text) == msisdn


@pytest.mark.parametrize("text, reason", [
    pytest.param("", "not_a_phone_number", id="empty"),
    pytest.param("cancel", "not_a_phone_number", id="cancel"),
    pytest.param("12345", "not_a_phone_number", id="too-short"),
    pytest.param("0772 123 4567", "not_a_phone_number", id="one-digit-too-many"),
    pytest.param("077212345", "not_a_phone_number", id="one-digit-too-few"),
    pytest.param("0772123456 or 0712000002", "not_a_phone_number", id="two-numbers"),
    pytest.param(HUGE_WITHOUT_ANYTHING, "not_a_phone_number", id="huge-message"),
    pytest.param(None, "not_a_phone_number", id="none"),
    pytest.param("+27 82 123 4567", "not_zimbabwe", id="south-africa"),
    pytest.param("+44 7700 900123", "not_zimbabwe", id="uk"),
    pytest.param("0027 82 123 4567", "not_zimbabwe", id="south-africa-double-zero"),
    pytest.param("0242 123456", "not_mobile", id="harare-landline"),
    pytest.param("+263 242 123456", "not_mobile", id="harare-landline-international"),
])
def test_normalise_msisdn_rejected(text, reason):
    assert reason_of(normalise_msisdn, text) == reason


@pytest.mark.parametrize("sender_id, msisdn", [
    pytest.param("263772000001", "263772000001", id="whatsapp-wa-id"),
    pytest.param("whatsapp:+263772000001", "263772000001", id="twilio-whatsapp"),
    pytest.param("+263 77 200 0001", "263772000001", id="formatted"),
    pytest.param("a1b2c3d4e5f60772123456", None, id="hex-id"),
    pytest.param("3f2a9c10-1234-5678-9abc-def012345678", None, id="uuid"),
    pytest.param("a1b2c3d4-e5f6-0772-1234-567890abcdef", None, id="uuid-with-mobile-digits"),
    pytest.param("default", None, id="rasa-shell"),
    pytest.param("US.13491208655302741918", None, id="whatsapp-business-scoped-id"),
    pytest.param("", None, id="empty"),
    pytest.param("27821234567", None, id="foreign-without-plus"),
    pytest.param("whatsapp:+27821234567", None, id="foreign-whatsapp"),
    pytest.param("263242123456", None, id="landline"),
    pytest.param(None, None, id="none"),
])
def test_zimbabwe_mobile_or_none(sender_id, msisdn):
    assert zimbabwe_mobile_or_none(sender_id) == msisdn


# --- one-time passwords ----------------------------------------------------------

@pytest.mark.parametrize("text, otp", [
    pytest.param("836066", "836066", id="six-digits"),
    pytest.param("836 066", "836066", id="split"),
    pytest.param("836-066", "836066", id="dashed"),
    pytest.param("the code is 836066", "836066", id="in-sentence"),
    pytest.param("code: 8360 66", "836066", id="uneven-split"),
    pytest.param("OTP 1234", "1234", id="four-digits"),
    pytest.param("12345678", "12345678", id="eight-digits"),
    pytest.param("1234 5678", "12345678", id="two-halves-of-eight"),
    pytest.param("0042", "0042", id="leading-zeros-kept"),
    pytest.param("٨٣٦٠٦٦", "836066", id="arabic-indic-digits"),
    pytest.param("８３６０６６", "836066", id="fullwidth-digits"),
    pytest.param("836066.", "836066", id="full-stop"),
    pytest.param("code 836066 for BK-T005-20260210", "836066", id="beside-reference"),
])
def test_parse_otp(text, otp):
    assert parse_otp(text) == otp


@pytest.mark.parametrize("text", [
    pytest.param("", id="empty"),
    pytest.param("cancel", id="cancel"),
    pytest.param("abc", id="letters"),
    pytest.param("123", id="too-short"),
    pytest.param("123456789", id="too-long"),
    pytest.param("836066 and 123456", id="two-codes"),
    pytest.param("836066 123456", id="two-codes-adjacent"),
    pytest.param("83.60", id="decimal"),
    pytest.param(HUGE_WITHOUT_ANYTHING, id="huge-message"),
    pytest.param(None, id="none"),
])
def test_parse_otp_rejected(text):
    assert reason_of(parse_otp, text) == "not_an_otp"


# --- properties ------------------------------------------------------------------

cents_amounts = st.integers(min_value=1, max_value=100_000_000).map(lambda cents: Decimal(cents) / 100)
AMOUNT_STYLES = ["{}", "${}", "USD {}", "{} dollars", "pay {} please", "{} usd"]


def renderings(value):
    """The ways a customer writes ``value``: as typed, with cents, with thousands separators."""
    return [f"{value:f}", f"{value:.2f}", f"{value:,.2f}", f"{value:,f}"]


@given(value=cents_amounts, style=st.sampled_from(AMOUNT_STYLES), rendering=st.integers(0, 3))
def test_amount_round_trips(value, style, rendering):
    text = style.format(renderings(value)[rendering])
    choice = parse_amount(text)
    assert choice.value == value
    assert choice.value.as_tuple().exponent == -2
    assert choice.share is None


PLAIN_FIGURE = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")


def payable_figure(typed: str):
    """The amount a plainly written figure ("50", "1200.5", "0.07") names, if one may be paid; else None."""
    if not PLAIN_FIGURE.fullmatch(typed):
        return None
    value = Decimal(typed)
    return value.quantize(Decimal("0.01")) if Decimal("0.01") <= value <= MAX_AMOUNT else None


def check_amount_result(text, expected=None):
    """Any text: a Decimal amount in cents, a share, or InvalidInput; ``expected`` when given is what it must read."""
    try:
        choice = parse_amount(text)
    except InvalidInput as error:
        assert expected is None, f"{text!r} is {expected} but was refused: {error.reason}"
        assert error.reason in {"not_a_number", "not_positive", "too_many_decimals", "too_large", "several_numbers"}
        return
    if expected is not None:
        assert choice.value == expected, text
    assert (choice.value is None) != (choice.share is None)
    # Foreign currencies are reported so the amount rule can refuse them (parsing/currencies.py).
    assert choice.currency is None or choice.currency in set(CURRENCY_WORDS.values())
    if choice.value is not None:
        assert isinstance(choice.value, Decimal)
        assert choice.value.as_tuple().exponent == -2
        assert Decimal("0.01") <= choice.value <= Decimal("1000000")


@given(st.decimals(allow_nan=True, allow_infinity=True), st.sampled_from(AMOUNT_STYLES))
@example(Decimal("1200.5"), "{} usd")
@example(Decimal("0.07"), "${}")
def test_amount_from_any_decimal_is_decimal_or_invalid(value, style):
    """Whatever the decimal, never a float or a wrong reading; a plain payable figure is read as itself."""
    check_amount_result(style.format(value), payable_figure(str(value)))


@given(st.floats(), st.sampled_from(AMOUNT_STYLES))
@example(850.0, "pay {} please")
def test_amount_from_any_float_is_decimal_or_invalid(value, style):
    check_amount_result(style.format(value), payable_figure(str(value)))


eight_digits = st.text(alphabet="0123456789", min_size=8, max_size=8)


@given(digits=eight_digits, prefix=st.sampled_from(["2637", "07", "+2637", "002637", "+263 7", "my number is 07"]))
def test_any_mobile_normalises(digits, prefix):
    assert normalise_msisdn(prefix + digits) == "2637" + digits
    assert zimbabwe_mobile_or_none("2637" + digits) == "2637" + digits
    assert zimbabwe_mobile_or_none("whatsapp:+2637" + digits) == "2637" + digits


@given(st.data())
def test_otp_with_spaces_anywhere_inside(data):
    digits = data.draw(st.text(alphabet="0123456789", min_size=4, max_size=8))
    gaps = data.draw(st.lists(st.sampled_from(["", " ", "  ", "-"]), min_size=len(digits) - 1,
                              max_size=len(digits) - 1))
    text = digits[0] + "".join(gap + digit for gap, digit in zip(gaps, digits[1:], strict=True))
    assert parse_otp(text) == digits


any_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(), max_size=2_000),
    # Digits, separators and the words the parsers look for, so the search
    # reaches the interesting paths rather than plain noise.
    st.lists(st.sampled_from([
        "bk", "BK-", "t005", "20260210", "0772", "123", "456", "+263", "(0)", "$", "usd", "zig", "k",
        "1,200", ".50", "-", "%", "one", "hundred", "and", "fifty", "half", "deposit", "ecocash",
        "card", "1", "e3", " ", "٥", "\u200b", "\x00", "\n",
    ]), max_size=40).map("".join),
    # Huge messages: the parsers only read their start.
    st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=20), st.integers(0, 2_000)),
)
PARSERS = [booking_reference_key, parse_amount, parse_channel, normalise_msisdn, parse_otp]


@settings(deadline=None, max_examples=300)
@given(text=any_text)
def test_any_text_gives_a_value_or_invalid_input(text):
    for parse in PARSERS:
        try:
            result = parse(text)
        except InvalidInput as error:
            assert isinstance(error.reason, str) and error.reason
            continue
        if parse is booking_reference_key:
            assert result.isalnum() and result.isupper() and result.startswith("BK") and 4 <= len(result) <= 40
        elif parse is parse_channel:
            assert result in CHANNEL_NAMES
        elif parse is normalise_msisdn:
            assert len(result) == 12 and result.startswith("2637") and result.isdigit()
        elif parse is parse_otp:
            assert result.isdigit() and result.isascii() and 4 <= len(result) <= 8
    check_amount_result(text)
    key = find_booking_reference_key(text)
    assert key is None or key == booking_reference_key(text)
    mobile = zimbabwe_mobile_or_none(text)
    assert mobile is None or (len(mobile) == 12 and mobile.startswith("2637"))
