"""Payment channels: which wallet or card rail the customer pays with."""
from __future__ import annotations

import re
from types import MappingProxyType
from typing import Mapping, Tuple

from parsing.text import InvalidInput, clean_text

CHANNEL_NAMES: Mapping[str, str] = MappingProxyType(
    {"ecocash": "Ecocash", "onemoney": "OneMoney", "zimswitch": "ZimSwitch"}
)
# Every way customers name a channel. A space in a synonym also matches a
# dash, an underscore or nothing, so "eco cash" covers "EcoCash" and "Eco-Cash".
_SYNONYMS: Mapping[str, Tuple[str, ...]] = MappingProxyType({
    # Typos customers really send are listed too (the NLU lookup table in
    # data/nlu/entities.yml names the same ones).
    "ecocash": ("eco cash", "eko cash", "econet", "ecocsh", "ecocah", "ecoash", "eco cah"),
    "onemoney": ("one money", "net one", "one mony", "1 money", "1money"),
    "zimswitch": ("zim switch", "zim swich", "zipit", "bank card", "bank", "card", "visa", "mastercard"),
})
# The menu lists the channels in this order; other bare digits are not choices.
_MENU_CHOICES = {"1": "ecocash", "2": "onemoney", "3": "zimswitch"}
_PATTERNS = {
    channel: re.compile(r"\b(?:%s)\b" % "|".join(
        r"[\s_-]*".join(map(re.escape, synonym.split())) for synonym in synonyms))
    for channel, synonyms in _SYNONYMS.items()
}


def parse_channel(text: str) -> str:
    """Return the key in :data:`CHANNEL_NAMES` of the one channel named in ``text``."""
    cleaned = clean_text(text).strip().lower()
    if cleaned in _MENU_CHOICES:
        return _MENU_CHOICES[cleaned]
    named = {channel for channel, pattern in _PATTERNS.items() if pattern.search(cleaned)}
    if len(named) != 1:  # none, or "ecocash or onemoney": ask again
        raise InvalidInput("unknown_channel")
    return named.pop()
