"""The reply texts in every language, as translators keep them (translations/*.yml).

One file per language. English (``en.yml``) is the source: every response of
the domain with its buttons and payloads, plus the short *phrases* the actions
put inside responses ("via {channel}"). A translation file gives, for each
key, its text, its button titles in the English order (payloads stay the
English ones, since the turn reader reads them) and a review status.
``tools/translations.py`` writes the domain's responses from these files and
lists what is missing or unreviewed (docs/translations.md).

Pure: YAML in, plain data out, so the action server, the tools and the tests
read the same texts the same way.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Set, Tuple

import yaml

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "translations"
SOURCE_LANGUAGE = "en"
# In the order the domain lists their variations; English is the fallback.
TRANSLATED_LANGUAGES = ("sn", "nd")
LANGUAGES = (SOURCE_LANGUAGE,) + TRANSLATED_LANGUAGES
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class ReviewStatus(str, enum.Enum):
    """Where a translated text stands: only a native speaker's sign-off makes it ``reviewed``."""

    NEEDS_REVIEW = "needs_review"
    REVIEWED = "reviewed"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Entry:
    """One response or phrase in one language."""

    key: str
    text: str
    buttons: Tuple[Button, ...] = ()
    status: ReviewStatus = ReviewStatus.NEEDS_REVIEW
    # Kept in the generated response beside the text (e.g. WhatsApp's list button label).
    metadata: Mapping[str, str] = field(default_factory=dict)

    def placeholders(self) -> Set[str]:
        return set(PLACEHOLDER.findall(self.text))


@dataclass(frozen=True)
class Catalogue:
    language: str
    name: str
    texts: Dict[str, Entry]
    phrases: Dict[str, Entry]


class CatalogueError(ValueError):
    """A catalogue file that cannot be read as the format above."""


def _entry(key: str, raw: object, source: Optional[Entry]) -> Entry:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise CatalogueError(f"{key}: needs a text")
    buttons: List[Button] = []
    for position, button in enumerate(raw.get("buttons") or []):
        if isinstance(button, dict):
            buttons.append(Button(str(button["title"]), str(button["payload"])))
        elif source is not None and position < len(source.buttons):
            buttons.append(Button(str(button), source.buttons[position].payload))
        else:
            raise CatalogueError(f"{key}: button {position + 1} has no English button to take its payload from")
    try:
        status = ReviewStatus(raw.get("status", ReviewStatus.NEEDS_REVIEW.value))
    except ValueError as error:
        raise CatalogueError(f"{key}: status must be one of {[s.value for s in ReviewStatus]}") from error
    metadata = {str(k): str(v) for k, v in (raw.get("metadata") or {}).items()}
    return Entry(key, raw["text"], tuple(buttons), status, metadata)


def load_catalogue(language: str, source: Optional[Catalogue] = None, directory: Path = CATALOGUE_DIR) -> Catalogue:
    """One language's file; translations take their button payloads from ``source`` (English)."""
    path = directory / f"{language}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if data.get("language") != language:
        raise CatalogueError(f"{path.name}: `language: {language}` expected")
    source_texts = source.texts if source else {}
    source_phrases = source.phrases if source else {}
    texts = {key: _entry(key, raw, source_texts.get(key)) for key, raw in (data.get("texts") or {}).items()}
    phrases = {key: _entry(key, raw, source_phrases.get(key)) for key, raw in (data.get("phrases") or {}).items()}
    return Catalogue(language, str(data.get("name") or language), texts, phrases)


def load_all(directory: Path = CATALOGUE_DIR) -> Dict[str, Catalogue]:
    """English first, then each translation read against it."""
    english = load_catalogue(SOURCE_LANGUAGE, directory=directory)
    catalogues = {SOURCE_LANGUAGE: english}
    for language in TRANSLATED_LANGUAGES:
        catalogues[language] = load_catalogue(language, english, directory)
    return catalogues


class Phrases:
    """The short phrases the actions put inside responses, in the conversation's language.

    Falls back to English for a language or phrase not translated, so a gap in
    a catalogue shows as English, never as an error to the customer.
    """

    def __init__(self, catalogues: Mapping[str, Catalogue]) -> None:
        self._catalogues = catalogues

    def has(self, key: str) -> bool:
        return key in self._catalogues[SOURCE_LANGUAGE].phrases

    def say(self, key: str, language: Optional[str], **values: str) -> str:
        entry = self._entry(key, language)
        return entry.text.format(**values) if values else entry.text

    def _entry(self, key: str, language: Optional[str]) -> Entry:
        catalogue = self._catalogues.get(language or SOURCE_LANGUAGE)
        if catalogue is not None and key in catalogue.phrases:
            return catalogue.phrases[key]
        return self._catalogues[SOURCE_LANGUAGE].phrases[key]
