"""Cues in a message's words: what it says besides the values the parsers read.

The payment form's turn reader (actions/form/reading.py) and the actions that
answer outside the form ask these questions of the text itself, so the
classifier's intent is never the only evidence for anything that leads to money:

- :func:`payment_cue`: a word for paying, settling, a balance, a deposit or an
  instalment, in English, Shona or Ndebele, typos tolerated;
- :func:`names_other_payee`: something to pay that is not a Kali Safaris
  booking ("my electricity bill", "school fees", "my bank balance");
- :func:`is_question`: the message asks rather than answers;
- :func:`change_cue`: "actually", "make it", "change", "no wait" …;
- :func:`yes_or_no`: a plain yes or no, in the three languages;
- :func:`code_cue`, :func:`status_cue`, :func:`booking_cue`: words for an OTP,
  for a payment's outcome, and for a booking or trip.

Pure: no framework. Each lexicon lists what customers really type, with the
typos seen; words of five letters or more also match with one typo
(Damerau-Levenshtein distance 1, rapidfuzz), except where a real English
word sits one typo away ("paying" / "playing").
"""
from __future__ import annotations

import re
from typing import FrozenSet, List, Optional

from rapidfuzz.distance import DamerauLevenshtein

from parsing.text import clean_text

_WORD = re.compile(r"[a-z0-9']+")

# Paying, settling, a balance, a deposit, an instalment.
_PAYMENT_WORDS = frozenset({
    # English, with the typos customers send
    "pay", "pays", "paid", "paying", "payed", "pey", "pai", "payin", "payment", "payments", "paymnt", "pymnt",
    "settle", "settling", "balance", "bal", "deposit", "instalment", "installment", "instalments",
    "installments", "outstanding", "owe", "owing", "remaining", "remainder",
    # Shona: bhadhara (pay), muripo (payment), chikwereti (debt), mari yasara (money left)
    "bhadhara", "kubhadhara", "ndibhadhare", "ndibhadhara", "ndinobhadhara", "bhadharo", "mubhadharo",
    "ndabhadhara", "ndichabhadhara", "kubhadharira", "bhadharai", "bhadhare", "muripo", "kuripa", "ripa",
    "ndiripe", "chikwereti", "yasara", "dhipoziti", "dipoziti", "bharanzi", "bhalanzi",
    # Ndebele: bhadala (pay), ukukhokha (to pay), isikweleti (debt), imali eseleyo (money left)
    "bhadala", "ukubhadala", "ngibhadale", "ngibhadala", "ngizabhadala", "bhadalela", "khokha", "ukukhokha",
    "ngikhokhe", "ngikhokha", "inkokhelo", "isikweleti", "eseleyo", "idiphozithi", "ibhalansi", "hlawula",
    "ukuhlawula", "ngizahlawula", "ngihlawule", "ngihlawula", "khokhela", "ukukhokhela", "ngikhokhele",
    "ukubhadalela", "ngibhadalele", "ndibhadharire", "kupeya", "ndipeye", "peya", "ukupeya",
})
# Money words count as paying when the message is about a booking: "ndoda kuisa mari pa booking yangu".
_MONEY_WORDS = frozenset({"money", "cash", "funds", "mari", "imali", "top", "topup", "contribute", "clear"})
# One typo away from these is still the word; not from short ones, nor from
# "paying" (one away from "playing").
_FUZZY_PAYMENT_WORDS = frozenset({
    "payment", "balance", "deposit", "instalment", "installment", "outstanding", "bhadhara", "kubhadhara",
    "bhadala", "ukubhadala", "ukukhokha", "chikwereti", "isikweleti",
})
# Things people pay that are not a Kali Safaris booking: with one of these and
# no booking named, a payment word is about someone else's bill.
_OTHER_PAYEES = frozenset({
    "bill", "bills", "rent", "fees", "fee", "school", "tuition", "loan", "mortgage", "insurance", "electricity",
    "zesa", "water", "council", "rates", "tax", "taxes", "zimra", "airtime", "data", "bundle", "bundles",
    "wifi", "internet", "dstv", "netflix", "spotify", "subscription", "credit", "card", "bank", "account",
    "hospital", "doctor", "medical", "pharmacy", "parking", "fine", "fines", "ticket", "tickets", "bus",
    "uber", "taxi", "kombi", "grocery", "groceries", "shop", "store", "order", "amazon", "friend", "mum",
    "mom", "dad", "brother", "sister", "wife", "husband", "salary", "wages", "lobola", "church", "tithe",
    "phone", "utility", "utilities", "gas", "fuel", "petrol", "diesel",
    "invoice", "supplier", "landlord", "chikoro", "isikolo", "magetsi",
})
# A payee counts when the message names one of these as what is paid for.
_BOOKING_WORDS = frozenset({
    "booking", "bookings", "book", "booked", "reservation", "safari", "safaris", "tour", "tours", "trip",
    "trips", "kali", "holiday", "package", "excursion", "adventure", "bhuking", "bhukingi", "rwendo",
    "uhambo", "ibhukhingi", "ukubhukha",
})
_CODE_WORDS = frozenset({
    "otp", "code", "codes", "pin", "sms", "resend", "resent", "kodhi", "kodi", "ikhodi", "khodi", "message",
    "text", "mameseji", "umlayezo",
})
# Codes that are not O'mari's OTP: "send me the wifi code", "a promo code".
_NOT_OTP_WORDS = frozenset({
    "wifi", "password", "promo", "voucher", "discount", "coupon", "gift", "netflix", "google", "facebook",
    "whatsapp", "instagram", "gmail", "email", "door", "gate", "alarm", "postal", "zip", "area", "qr", "bar",
    "barcode", "country", "dialling", "dialing", "morse", "dress", "source", "python",
})
_STATUS_WORDS = frozenset({
    "payment", "paid", "pay", "money", "mari", "imali", "transaction", "through", "yapinda", "ifikile",
    "ifike", "yaenda", "reflect", "reflected", "received", "receive", "confirm", "confirmed", "status",
    "went", "gone", "debited", "deducted", "receipt", "ndabhadhara", "ngibhadele",
})
_QUESTION_START = re.compile(
    r"^\W*(?:wait|but|so|and|hey|hi|sorry|ok|okay|um+|uh+|please|pls|hie|mhoro|sawubona|ko|ini|manje)?[\s,]*"
    r"(?:what|what's|whats|how|how's|when|where|why|who|which|can|could|may|is|are|am|do|does|did|will|would|"
    r"should|shall|isn't|aren't|doesn't|any|anything|ndingaita|ndinga|ndinogona|ko|chii|sei|"
    r"ngingakwazi|ngingenza|kanjani|yini|ngabe|kungenzeka)\b",
    re.IGNORECASE,
)
_QUESTION_END = re.compile(r"(?:\?|\b(?:here|sei|yini|na|kanjani|ngani|chii|zvakadini)\W*)\s*$", re.IGNORECASE)
_CHANGE = re.compile(
    r"\b(?:change|changed|actually|instead|rather|make\s+it|make\s+that|switch|swap|wrong|not\s+that|"
    r"no\s+wait|sorry|correction|update|use|replace|shandura|chinja|ndiite|ngiguqule|guqula|tshintsha|"
    r"ntshintsha|handiti)\b",
    re.IGNORECASE,
)
_YES = frozenset({
    "yes", "yeah", "yea", "yep", "yup", "ya", "yah", "sure", "ok", "okay", "okey", "confirm", "confirmed",
    "correct", "right", "proceed", "continue", "go", "ahead", "fine", "alright",
    "hongu", "ehe", "ehe-e", "ndizvo", "zvakanaka", "enda", "yebo", "ye", "kulungile", "qhubeka", "yiyo",
})
_NO = frozenset({"no", "nope", "nah", "not", "aiwa", "kwete", "hatidi", "handidi", "hayi", "hatshi", "cha", "ayi"})
_FILLER = frozenset({"please", "pls", "plz", "thanks", "thank", "you", "it", "is", "that's", "thats", "all",
                     "go", "ahead", "with", "it's", "its", "ndapota", "ngiyabonga", "ndatenda", "ndazvo"})


def words_of(text: object) -> List[str]:
    """The lowercase words of ``text``, cleaned as every parser cleans it."""
    return _WORD.findall(clean_text(text).lower())


def _has_word(words: List[str], lexicon: FrozenSet[str]) -> bool:
    return any(word in lexicon for word in words)


def payment_cue(text: object) -> bool:
    """True when the message has a word for paying, settling, a balance, a deposit or an instalment."""
    words = words_of(text)
    if _has_word(words, _PAYMENT_WORDS):
        return True
    if _has_word(words, _MONEY_WORDS | {"towards"}) and _has_word(words, _BOOKING_WORDS):
        return True  # "can I put something towards the trip we booked?", "kuisa mari pa booking"
    return any(
        len(word) >= 6 and DamerauLevenshtein.distance(word, stem, score_cutoff=1) <= 1
        for word in words for stem in _FUZZY_PAYMENT_WORDS
    )


def booking_cue(text: object) -> bool:
    """True when the message speaks of a booking, a trip or Kali Safaris."""
    return _has_word(words_of(text), _BOOKING_WORDS)


def names_other_payee(text: object) -> bool:
    """True when something other than a booking is what would be paid ("my rent", "bank balance")."""
    words = words_of(text)
    return _has_word(words, _OTHER_PAYEES) and not _has_word(words, _BOOKING_WORDS)


# "my ecocash balance" is the wallet's, not a booking's.
_WALLET_WORDS = frozenset({"wallet", "ecocash", "onemoney", "omari", "o'mari", "zimswitch", "econet", "netone"})


def about_wallet_not_booking(text: object) -> bool:
    """True when the message speaks of a wallet and no booking ("what's my ecocash balance?")."""
    words = words_of(text)
    return _has_word(words, _WALLET_WORDS) and not _has_word(words, _BOOKING_WORDS)


def code_cue(text: object) -> bool:
    """True when the message speaks of the OTP, a code or the SMS (not a wifi password or a promo code)."""
    words = words_of(text)
    return _has_word(words, _CODE_WORDS) and not _has_word(words, _NOT_OTP_WORDS)


def status_cue(text: object) -> bool:
    """True when the message asks about a payment's outcome ("did my money go through?")."""
    return _has_word(words_of(text), _STATUS_WORDS)


def is_question(text: object) -> bool:
    """True when the message asks something rather than answering: a "?", or a question's first or last word."""
    cleaned = clean_text(text).strip()
    return bool(cleaned) and (
        "?" in cleaned or bool(_QUESTION_START.match(cleaned)) or bool(_QUESTION_END.search(cleaned))
    )


def change_cue(text: object) -> bool:
    """True when the message says it changes an answer ("actually", "make it", "no wait", "chinja")."""
    return bool(_CHANGE.search(clean_text(text)))


def yes_or_no(text: object) -> Optional[bool]:
    """True for a plain yes, False for a plain no, None for anything that says more."""
    words = [word for word in words_of(text) if word not in _FILLER]
    if not words:
        return None
    if all(word in _YES for word in words):
        return True
    if all(word in _NO for word in words):
        return False
    return None
