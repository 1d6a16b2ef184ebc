"""Which currency a word names: ours (USD, ZWG) and the ones a booking never takes.

A customer who writes "50 euros" or "R500" on a US-dollar booking must be
told the booking's currency, never charged 50 or 500 US dollars: the amount
parser reports every currency a message names, and the amount rule refuses
any that is not the booking's. Nothing is ever converted.
"""
from __future__ import annotations

import re
from types import MappingProxyType
from typing import Mapping

USD, ZWG = "USD", "ZWG"

# Words (and symbols) naming a currency anywhere in a message.
CURRENCY_WORDS: Mapping[str, str] = MappingProxyType({
    "$": USD, "us$": USD, "usd": USD, "dollar": USD, "dollars": USD, "bucks": USD,
    "zwg": ZWG, "zig": ZWG, "zigs": ZWG,
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "zar": "ZAR", "rand": "ZAR", "rands": "ZAR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
    # The old Zimbabwe dollar (RTGS dollars, bond notes), replaced by ZiG in 2024.
    "zwl": "ZWL", "rtgs": "ZWL", "bond": "ZWL",
    "bwp": "BWP", "pula": "BWP",
    "zmw": "ZMW", "kwacha": "ZMW",
})
# "R" is the rand only right before a figure ("R500", "r 500"): on its own
# it is texting for "are" ("r u there").
CURRENCY_BEFORE_FIGURE_ONLY: Mapping[str, str] = MappingProxyType({"r": "ZAR"})

# Glued to a figure: "usd50", "€50", "50zig", "R500", "500rand".
GLUED_BEFORE = r"us\$|usd|zwg|zig|eur|zar|gbp|zwl|bwp|zmw|r|\$|€|£"
GLUED_AFTER = r"usd|zwg|zigs?|dollars?|bucks|eur|euros?|zar|rands?|gbp|pounds?|zwl|bwp|zmw|\$|€|£"

# Phrases read as one currency word before the message is split into words.
CURRENCY_PHRASES = (
    (re.compile(r"\bu\.?s\.?\s*(?:dollars?|\$)"), " usd "),
    (re.compile(r"\bzimbabwe\s+gold\b"), " zwg "),
    (re.compile(r"\b(?:zim(?:babwe(?:an)?)?|rtgs)\s*(?:dollars?|\$)"), " zwl "),
    (re.compile(r"\bbond\s+notes?\b"), " zwl "),
    (re.compile(r"\bsouth\s+african\s+rands?\b"), " zar "),
)


def currency_of(word: str) -> str | None:
    return CURRENCY_WORDS.get(word)
