"""Which language a customer writes in: English, Shona or Ndebele, or not enough to tell.

The conversation's language is kept in the ``language`` slot; a message
changes it only when it says so outright or carries enough evidence.

- **A choice** (:func:`language_choice`): a short message made only of a
  language's name and words for choosing ("English", "chiShona", "ndinoda
  Shona", "ngifuna isiNdebele", "in English please"), or a request to choose
  ("language", "change language", "mutauro", "ulimi").
- **Evidence** (:class:`LanguageReader`): at least two words of the project's
  Shona or Ndebele lexicon below decide for that language; otherwise a message
  of at least three words (not counting numbers, references, wallet names and
  "ok") is identified by lingua, which knows Shona and Zulu, Ndebele's close
  written kin, and must be confident.
- **Mixed English and Shona** ("ndinoda kubhadhara balance yangu ne ecocash")
  counts as Shona: two Shona words are enough, however many English nouns sit
  between them, because someone who writes Shona grammar around English nouns
  reads Shona comfortably. English needs a message with no lexicon word at all.
- **Never on one short or ambiguous message**: "ok", "123456", "ecocash", an
  emoji, "mhoroi" alone or "thanks" give no evidence, so the language stays.

Pure apart from lingua (a language-identification library, no framework).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Tuple

from parsing.text import clean_text

if TYPE_CHECKING:
    from lingua import LanguageDetector


class Language(str, enum.Enum):
    """The languages the assistant writes in; the value is the slot's (ISO 639-1, 'nd' for Northern Ndebele)."""

    ENGLISH = "en"
    SHONA = "sn"
    NDEBELE = "nd"

    @classmethod
    def from_code(cls, code: object) -> Optional["Language"]:
        """``"sn"``, ``"Shona"`` or ``"isiNdebele"`` -> the language; anything else -> None."""
        if not isinstance(code, str):
            return None
        text = code.strip().lower()
        for language in cls:
            if text == language.value:
                return language
        return _named_language(text)


# A language's name as typed, with the prefixes Shona and Ndebele put on it:
# "neShona", "muchiShona", "ngesiNdebele", "chiRungu", "isiNgisi".
_PREFIX = r"(?:ne|na|mu|ku|nge|nga|ye|yi)?-?(?:chi|ci|isi|si|i)?-?"
_LANGUAGE_NAMES: Dict[Language, re.Pattern[str]] = {
    Language.ENGLISH: re.compile(rf"^{_PREFIX}(?:english|englsh|inglish|engilish|rungu|ngisi|ngesi)$"),
    Language.SHONA: re.compile(rf"^{_PREFIX}(?:shona|shna|shon)$"),
    Language.NDEBELE: re.compile(rf"^{_PREFIX}(?:ndebele|ndebel|ndbele|debele)$"),
}
# Words that ask for a language without naming one, or that come with a choice.
_LANGUAGE_WORDS = frozenset({"language", "languages", "lang", "mutauro", "rurimi", "ulimi", "lulimi", "ururimi"})
_CHOICE_WORDS = frozenset({
    # English
    "i", "want", "would", "like", "prefer", "please", "pls", "plz", "in", "to", "use", "speak", "write", "reply",
    "talk", "answer", "switch", "change", "can", "you", "me", "let", "lets", "let's", "us", "the", "a", "only",
    "choose", "set", "select", "my", "is", "mode", "back", "instead",
    # Shona: ndinoda (I want), taura (speak), nyora (write), chinja (change), ndapota (please)
    "ndinoda", "ndoda", "taura", "taurai", "nyora", "nyorai", "chinja", "chinjai", "ndapota",
    "mutauro", "ndiri", "ndinotaura", "ndipindurei", "pindura",
    # Ndebele: ngifuna (I want), khuluma (speak), bhala (write), guqula / tshintsha (change), ngicela (please)
    "ngifuna", "ngicela", "khuluma", "khulumani", "bhala", "bhalani", "guqula", "tshintsha", "ulimi",
    "ngikhuluma", "phendula",
})
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_CHOICE_MAX_WORDS = 6


@dataclass(frozen=True)
class LanguageChoice:
    """The customer chose a language (``language`` set), or asked to choose one (``language`` None)."""

    language: Optional[Language]


def _named_language(word: str) -> Optional[Language]:
    for language, pattern in _LANGUAGE_NAMES.items():
        if pattern.match(word):
            return language
    return None


def language_choice(text: object) -> Optional[LanguageChoice]:
    """A message that only chooses a language, or asks to: never a sentence that mentions one in passing."""
    words = [word.lower() for word in _WORD.findall(clean_text(text))]
    if not words or len(words) > _CHOICE_MAX_WORDS:
        return None
    named = {_named_language(word) for word in words} - {None}
    if any(_named_language(word) is None and word not in _CHOICE_WORDS and word not in _LANGUAGE_WORDS
           for word in words):
        return None
    if len(named) == 1:
        return LanguageChoice(named.pop())
    if not named and any(word in _LANGUAGE_WORDS for word in words):
        return LanguageChoice(None)
    return None


# Words that belong to no language here: they never count as evidence.
_NEUTRAL = frozenset({
    "ok", "okay", "oky", "okey", "k", "kk", "ecocash", "eco", "cash", "onemoney", "one", "money", "zimswitch",
    "omari", "o'mari", "kali", "safaris", "safari", "otp", "sms", "pin", "usd", "zwg", "zig", "us", "bk", "hi",
    "hey", "hello", "bho", "sure", "lol", "haha", "hahaha", "thanks", "thank", "thx",
})
# Frequent Shona words, function words first: verbs with the ndi-/ha- subject
# markers, possessives, questions and politeness. Chosen so that none is an
# English or Ndebele word.
SHONA_WORDS: FrozenSet[str] = frozenset({
    "ndinoda", "ndoda", "ndiri", "ndine", "ndakanga", "ndaka", "ndapota", "ndatenda", "ndinotenda", "maita",
    "mazvita", "mhoro", "mhoroi", "makadii", "makadini", "ndeipi", "ko", "sei", "nei", "chii", "zvino",
    "ndinogona", "hapana", "handina", "handisi", "handizive", "hongu", "kwete", "ehe", "zvakanaka", "ndizvo",
    "ndiyo", "yangu", "wangu", "rangu", "changu", "zvangu", "kwangu", "yako", "yenyu", "wenyu", "kubhadhara",
    "bhadhara", "ndibhadhare", "ndibhadhara", "ndinobhadhara", "ndabhadhara", "mari", "yasara", "yakasara",
    "kodhi", "ndatumira", "tumirai", "tumira", "ndinokumbira", "ndiani", "zvakadii", "kuti", "asi",
    "uye", "neecocash", "nemari", "yacho", "iyo", "iyi", "ichi", "izvi", "izvo", "ndisingadi", "handidi",
    "ndichabhadhara", "kana", "chete", "futi", "zvekare", "ndaneta", "rumbidzai", "kuripa", "mubhadharo",
    "taurai", "nyorai", "ndipeiwo", "ndipei", "ndiudzei", "ndiudze", "ndingabhadhara", "ndingaite",
    "zvandinoda", "musi", "svondo", "mangwana", "nhasi", "manheru", "mangwanani", "zvakaoma", "ndapedza",
    "nditumire", "tatenda", "kuita", "kubvisa", "ndichiri", "ndisati", "muchiShona",
})
NDEBELE_WORDS: FrozenSet[str] = frozenset({
    "ngifuna", "ngicela", "ngiyabonga", "siyabonga", "sawubona", "salibonani", "linjani", "unjani", "yebo",
    "hatshi", "kulungile", "njani", "yini", "ngoba", "manje", "khona", "ngiza", "angifuni", "angila", "angilayo",
    "angazi", "ukubhadala", "bhadala", "ngibhadale", "ngibhadala", "ngibhadele", "imali", "yami", "wami", "lami",
    "sami", "kwami", "yakho", "yenu", "ikhodi", "ngithumele", "thumela", "ngithumelele", "ngingabhadala",
    "kodwa", "futhi", "lokhu", "lapho", "ngaphi", "ubani", "nini", "kuphi", "ngiyacela", "ngisize", "siza",
    "khansela", "yima", "yekela", "ngiyekele", "isibili", "kakhulu", "kahle", "ngempela", "eseleyo", "esele",
    "ngesiNdebele", "lamuhla", "kusasa", "izolo", "ngitshele", "tshela", "ngikhokhe", "khokha", "ukukhokha",
    "ngizabhadala", "ngizakhokha", "okusele", "ukuthi", "ngiyafuna", "ngiyaxolisa", "uxolo", "lingakanani",
})
_SHONA = frozenset(word.lower() for word in SHONA_WORDS)
_NDEBELE = frozenset(word.lower() for word in NDEBELE_WORDS)
LEXICON_WORDS_TO_DECIDE = 2
MIN_WORDS_FOR_LINGUA = 3
# lingua's relative confidence among the three (they sum to 1): below this, it is not sure.
MIN_CONFIDENCE = 0.75


@dataclass(frozen=True)
class LanguageEvidence:
    """What one message says about its language, for the slot and for reports."""

    language: Optional[Language]
    shona_words: int
    ndebele_words: int
    words: int


@lru_cache(maxsize=1)
def _lingua() -> "LanguageDetector":
    """English, Shona and Zulu (for Ndebele) only, models loaded once per process."""
    from lingua import Language as LinguaLanguage, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        LinguaLanguage.ENGLISH, LinguaLanguage.SHONA, LinguaLanguage.ZULU
    ).with_preloaded_language_models().build()


_FROM_LINGUA = {"ENGLISH": Language.ENGLISH, "SHONA": Language.SHONA, "ZULU": Language.NDEBELE}


class LanguageReader:
    """Reads the language of one message; see the module docstring for the rule."""

    def __init__(self, load_models: bool = True) -> None:
        if load_models:
            _lingua()

    def evidence(self, text: object) -> LanguageEvidence:
        counted = _counted_words(text)
        shona = sum(word in _SHONA for word in counted)
        ndebele = sum(word in _NDEBELE for word in counted)
        return LanguageEvidence(self._decide(counted, shona, ndebele), shona, ndebele, len(counted))

    def language_of(self, text: object) -> Optional[Language]:
        return self.evidence(text).language

    def likely_language(self, text: object) -> Optional[Language]:
        """For reports, not for the slot: the best guess even on a short message.

        One lexicon word decides ("hongu" is Shona, "yebo" Ndebele); otherwise
        lingua's best of two or more counted words; None for "ok", digits or
        wallet names alone.
        """
        evidence = self.evidence(text)
        if evidence.language is not None:
            return evidence.language
        if evidence.shona_words != evidence.ndebele_words:
            return Language.SHONA if evidence.shona_words > evidence.ndebele_words else Language.NDEBELE
        counted = _counted_words(text)
        if len(counted) < 2:
            return None
        best = _lingua_best(" ".join(counted))
        return best[0] if best else None

    @staticmethod
    def _decide(words: Sequence[str], shona: int, ndebele: int) -> Optional[Language]:
        if shona >= LEXICON_WORDS_TO_DECIDE and shona > ndebele:
            return Language.SHONA
        if ndebele >= LEXICON_WORDS_TO_DECIDE and ndebele > shona:
            return Language.NDEBELE
        if len(words) < MIN_WORDS_FOR_LINGUA:
            return None
        best = _lingua_best(" ".join(words))
        if best is None:
            return None
        language, confidence = best
        if confidence < MIN_CONFIDENCE:
            return None
        if language is Language.ENGLISH and (shona or ndebele):
            return None  # an English-looking sentence with a Shona or Ndebele word in it: mixed, not decided
        if language is Language.SHONA and ndebele > shona:
            return None
        if language is Language.NDEBELE and shona > ndebele:
            return None
        return language


def _counted_words(text: object) -> List[str]:
    """The message's words that can say something about its language (no numbers, wallets, "ok")."""
    words = (word.lower() for word in _WORD.findall(clean_text(text)))
    return [word for word in words if word not in _NEUTRAL and len(word) > 1]


def _lingua_best(text: str) -> Optional[Tuple[Language, float]]:
    values = _lingua().compute_language_confidence_values(text)
    if not values:
        return None
    top = values[0]
    return _FROM_LINGUA[top.language.name], top.value
