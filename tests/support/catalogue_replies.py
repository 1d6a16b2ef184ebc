"""Which catalogue text a reply is, in which language (translations/*.yml).

Tests of the languages assert against the catalogues, never against copied
wording: a reviewer fixing a Shona text changes no test. A reply is "in
Shona" when it is one of Shona's texts with its placeholders filled.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Set, Tuple

from common.catalogue import LANGUAGES, PLACEHOLDER, load_all

Pattern = Tuple[str, str, "re.Pattern[str]"]  # language, response key, its text as a regex


def _pattern(text: str) -> "re.Pattern[str]":
    parts = PLACEHOLDER.split(text)
    # split() alternates literal text and placeholder names.
    regex = "".join(re.escape(part) if index % 2 == 0 else r".+?" for index, part in enumerate(parts))
    return re.compile(rf"\A{regex}\Z", re.DOTALL)


@lru_cache(maxsize=1)
def _patterns() -> List[Pattern]:
    catalogues = load_all()
    return [
        (language, key, _pattern(entry.text))
        for language in LANGUAGES
        for key, entry in catalogues[language].texts.items()
    ]


def readings(reply: str) -> Set[Tuple[str, str]]:
    """Every (language, response key) whose text ``reply`` is."""
    return {(language, key) for language, key, pattern in _patterns() if pattern.match(reply)}


def languages_of(reply: str) -> Set[str]:
    return {language for language, _ in readings(reply)}


def keys_in(reply: str, language: str) -> Set[str]:
    return {key for found, key in readings(reply) if found == language}


def text_of(key: str, language: str) -> str:
    return load_all()[language].texts[key].text


def not_in(replies: List[str], language: str) -> Dict[str, Optional[Set[str]]]:
    """The replies that are no text of ``language``, with what they are instead (for failure messages)."""
    return {reply: languages_of(reply) or None for reply in replies if language not in languages_of(reply)}
