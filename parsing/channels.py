"""Payment channels: which wallet or card rail the customer pays with."""
from __future__ import annotations

import re
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

from rapidfuzz.distance import DamerauLevenshtein

from parsing.text import InvalidInput, clean_text

CHANNEL_NAMES: Mapping[str, str] = MappingProxyType(
    {"ecocash": "Ecocash", "onemoney": "OneMoney", "zimswitch": "ZimSwitch"}
)
# The order the channel question lists them in (its buttons): "the second one" is OneMoney.
CHANNEL_ORDER: Tuple[str, ...] = ("ecocash", "onemoney", "zimswitch")
# Every way customers name a channel. A space in a synonym also matches a
# dash, an underscore or nothing, so "eco cash" covers "EcoCash" and "Eco-Cash".
_SYNONYMS: Mapping[str, Tuple[str, ...]] = MappingProxyType({
    # Typos and short forms customers really send; the NLU lookup table in
    # data/nlu/entities.yml names the same ones.
    "ecocash": ("eco cash", "eko cash", "econet", "ecocsh", "ecocah", "ecoash", "eco cah", "eco", "ekocash",
                "ecocashi", "ekokesh", "ecokesh"),
    "onemoney": ("one money", "net one", "one mony", "1 money", "1money", "onemoni", "wanmani",
                 "netone"),
    "zimswitch": ("zim switch", "zim swich", "zimswich", "zipit", "bank card", "bank", "card", "visa",
                  "mastercard", "zimsw", "swipe"),
})
_PATTERNS = {
    channel: re.compile(r"\b(?:%s)\b" % "|".join(
        r"[\s_-]*".join(map(re.escape, synonym.split())) for synonym in synonyms))
    for channel, synonyms in _SYNONYMS.items()
}

# "the last one", "number 2", "option 1", "the second one", in English, Shona
# and Ndebele: a position in the question's list, only ever read as the
# whole reply to that question (a "2" inside a sentence is not a choice).
_POSITION_WORDS: Mapping[str, int] = MappingProxyType({
    "1": 0, "first": 0, "1st": 0, "yekutanga": 0, "rekutanga": 0, "eyokuqala": 0, "okuqala": 0,
    "2": 1, "second": 1, "2nd": 1, "middle": 1, "yechipiri": 1, "rechipiri": 1, "chipiri": 1,
    "eyesibili": 1, "yesibili": 1, "esibili": 1, "yepakati": 1, "ephakathi": 1,
    "3": 2, "third": 2, "3rd": 2, "yechitatu": 2, "rechitatu": 2, "eyesithathu": 2,
    "yesithathu": 2,
    "last": -1, "yekupedzisira": -1, "rekupedzisira": -1, "eyokucina": -1, "eyokugcina": -1,
    "yokugcina": -1, "yokucina": -1,
})
_FILLER = re.compile(
    r"\b(?:i|ll|will|would|take|choose|pick|want|go|with|use|the|a|one|option|choice|number|no|nr|num|"
    r"please|pls|plz|thanks|thank|you|ndapota|ndinoda|ndatora|ngicela|ngiyacela|ngifuna|ngithatha|"
    r"iyo|icho|ye|yo|nhamba|inombolo|sarudzo|ukukhetha|that|is|it)\b|[#.:,!()]",
    re.IGNORECASE,
)


def parse_channel(text: str) -> str:
    """Return the key in :data:`CHANNEL_NAMES` of the one channel named in ``text``.

    A bare position ("2", "the last one", "yechipiri") counts too: this is only
    called on the reply to the channel question or on a channel the NLU found.
    """
    cleaned = clean_text(text).strip().lower()
    named = {channel for channel, pattern in _PATTERNS.items() if pattern.search(cleaned)}
    if len(named) == 1:
        return named.pop()
    if named:  # "ecocash or onemoney": ask again
        raise InvalidInput("unknown_channel")
    position = channel_position(cleaned)
    if position is None:
        raise InvalidInput("unknown_channel")
    return CHANNEL_ORDER[position]


# "one" alone may mean OneMoney or "this one": a number word is a position
# only after "option", "number" or "choice".
_NUMBERED = re.compile(r"\b(option|number|no|nr|choice|nhamba|inombolo|sarudzo)\s*(one|two|three)\b")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3"}


# Inside a sentence these name other things too ("do I need a visa?", "my bank"):
# they count only as the whole reply to the channel question.
_WEAK_SYNONYMS = frozenset({"bank", "card", "visa", "mastercard", "swipe", "bank card"})
_NAMED_PATTERNS = {
    channel: re.compile(r"\b(?:%s)\b" % "|".join(
        r"[\s_-]*".join(map(re.escape, synonym.split())) for synonym in synonyms if synonym not in _WEAK_SYNONYMS))
    for channel, synonyms in _SYNONYMS.items()
}


def named_channel(text: str) -> Optional[str]:
    """The one channel named outright (never by position or a weak word) anywhere in ``text``, or None."""
    cleaned = clean_text(text).lower()
    named = {channel for channel, pattern in _NAMED_PATTERNS.items() if pattern.search(cleaned)}
    return named.pop() if len(named) == 1 else None


def channel_position(text: str) -> Optional[int]:
    """The index into :data:`CHANNEL_ORDER` a reply names by position, or None."""
    cleaned = _NUMBERED.sub(lambda match: f"{match.group(1)} {_NUMBER_WORDS[match.group(2)]}", clean_text(text).lower())
    words = cleaned.split()
    positions = {_POSITION_WORDS[word.strip("#.,!?")] for word in words if word.strip("#.,!?") in _POSITION_WORDS}
    rest = _FILLER.sub(" ", " ".join(word for word in words if word.strip("#.,!?") not in _POSITION_WORDS))
    if len(positions) != 1 or rest.strip():
        return None  # "1 or 2", or a sentence that says more than a choice
    position = positions.pop()
    return position if position >= 0 else len(CHANNEL_ORDER) + position


# A wallet's name written as one word, for typo-tolerant matching ("ecocas", "one-mony", "zim swtch").
_SPELLINGS: Mapping[str, str] = MappingProxyType({
    re.sub(r"[^a-z0-9]", "", synonym): channel
    for channel, synonyms in _SYNONYMS.items()
    for synonym in (channel, *synonyms)
    if synonym not in _WEAK_SYNONYMS and len(re.sub(r"[^a-z0-9]", "", synonym)) >= 5
})


def wallet_spelled_like(word: str, max_typos: int = 2) -> Optional[str]:
    """The channel whose name ``word`` is, give or take a typo (Damerau-Levenshtein), or None.

    For the NLU's entity extractor (rasa_runtime/nlu/wallet_extractor.py): a
    misspelt wallet the lookup table does not list is still found. A word of
    six or seven letters may be one typo away, of eight or more two (at most
    ``max_typos``); shorter words must be a known spelling ("money" is never
    OneMoney). Never two channels: a word as near to one as to another is no answer.
    """
    spelled = re.sub(r"[^a-z0-9]", "", clean_text(word).lower())
    if len(spelled) < 5:
        return None
    if spelled in _SPELLINGS:
        return _SPELLINGS[spelled]
    tolerance = min(max_typos, 2 if len(spelled) >= 8 else 1 if len(spelled) >= 6 else 0)
    nearest = {
        channel for name, channel in _SPELLINGS.items()
        if name.isalpha() and DamerauLevenshtein.distance(spelled, name, score_cutoff=tolerance) <= tolerance
    }
    return nearest.pop() if len(nearest) == 1 else None
