"""The text of a response sent outside a turn (too long, too fast, the store down), in the message's language.

These answers are given without reading the conversation, so the
``language`` slot is unknown: the message itself decides, by the same rule
as the slot (parsing/language.py), and an undecided one gets English, the
response's unconditioned variation.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional

from parsing.language import LanguageReader
from parsing.text import MAX_TEXT_CHARS

def response_text(agent: Any, response: str, message_text: Optional[str]) -> Optional[str]:
    """``response``'s text from the loaded domain, in the language ``message_text`` decides."""
    variations: List[Dict[str, Any]] = (getattr(getattr(agent, "domain", None), "responses", None) or {}).get(
        response) or []
    language = _language_of(message_text)
    for variation in variations:
        conditions = variation.get("condition") or []
        if language and any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return variation.get("text")
    unconditioned = [variation for variation in variations if not variation.get("condition")]
    return (unconditioned or [{}])[0].get("text")


@lru_cache(maxsize=1)
def _reader() -> LanguageReader:
    return LanguageReader()


def _language_of(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    language = _reader().language_of(text[:MAX_TEXT_CHARS])
    return language.value if language else None
