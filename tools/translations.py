"""The domain's responses, written from the translation catalogues, and what is left to translate.

    python -m tools.translations build    # rewrite domain.yml's responses from translations/*.yml
    python -m tools.translations check    # fail when domain.yml is not what `build` would write
    python -m tools.translations status   # per language: missing, needing review, broken

Every response becomes Rasa conditional variations on the ``language`` slot:
one for Shona, one for Ndebele, and the English text unconditioned, which Rasa
uses when no condition matches (no language chosen yet, or a text not
translated). So ``rasa shell``, REST and WhatsApp all answer from the domain,
with Rasa's own mechanism (docs/translations.md).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Sequence

from common.catalogue import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    TRANSLATED_LANGUAGES,
    Catalogue,
    Entry,
    ReviewStatus,
    load_all,
)

DOMAIN = Path("domain.yml")
LANGUAGE_SLOT = "language"
RESPONSES_HEADER = (
    "# Generated from translations/*.yml by `make translations`: edit the texts there\n"
    "# (docs/translations.md). tests/unit/test_translations.py fails when this is stale.\n"
    "responses:\n"
)
# WhatsApp's limits (rasa_runtime/whatsapp/outbound.py): reply buttons (1-3) and list rows (4-10).
REPLY_TITLE_MAX = 20
ROW_TITLE_MAX = 24
BODY_MAX = 1024
# A placeholder's longest plausible value, for the body limit (a support contact, a summary).
PLACEHOLDER_ALLOWANCE = 120
LIST_BUTTON_PHRASE = "list_button"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _variation(entry: Entry, language: str, list_button: str) -> List[str]:
    lines: List[str] = []
    first = "    - "
    if language != SOURCE_LANGUAGE:
        lines.append(f"{first}condition:")
        lines.append(f"        - {{type: slot, name: {LANGUAGE_SLOT}, value: {language}}}")
        first = "      "
    lines.append(f"{first}text: {_quoted(entry.text)}")
    if entry.buttons:
        lines.append("      buttons:")
        for button in entry.buttons:
            lines.append(f"        - {{title: {_quoted(button.title)}, payload: {_quoted(button.payload)}}}")
        if len(entry.buttons) > 3:
            lines.append(f"      metadata: {{{LIST_BUTTON_PHRASE}: {_quoted(list_button)}}}")
    return lines


def render_responses(catalogues: Mapping[str, Catalogue]) -> str:
    """The ``responses:`` section: each translated variation, then English."""
    english = catalogues[SOURCE_LANGUAGE]
    lines: List[str] = []
    for key, source in english.texts.items():
        lines.append(f"  {key}:")
        for language in TRANSLATED_LANGUAGES:
            entry = catalogues[language].texts.get(key)
            if entry is not None:
                lines.extend(_variation(entry, language, _list_button(catalogues, language)))
        lines.extend(_variation(source, SOURCE_LANGUAGE, _list_button(catalogues, SOURCE_LANGUAGE)))
    return RESPONSES_HEADER + "\n".join(lines) + "\n"


def _list_button(catalogues: Mapping[str, Catalogue], language: str) -> str:
    phrase = catalogues[language].phrases.get(LIST_BUTTON_PHRASE)
    return (phrase or catalogues[SOURCE_LANGUAGE].phrases[LIST_BUTTON_PHRASE]).text


def domain_with_responses(domain_text: str, responses: str) -> str:
    """domain.yml with everything from its responses section on replaced (it is the file's last section)."""
    for marker in (RESPONSES_HEADER.splitlines()[0] + "\n", "responses:\n"):
        position = domain_text.find(marker)
        if position >= 0:
            return domain_text[:position] + responses
    raise ValueError("domain.yml has no responses section")


@dataclass(frozen=True)
class Problem:
    language: str
    key: str
    what: str


def problems(catalogues: Mapping[str, Catalogue]) -> Iterator[Problem]:
    """What makes a catalogue wrong, not merely unfinished: tests fail on any of these."""
    english = catalogues[SOURCE_LANGUAGE]
    for language in LANGUAGES:
        catalogue = catalogues[language]
        for section, source_entries, entries in (
            ("text", english.texts, catalogue.texts), ("phrase", english.phrases, catalogue.phrases),
        ):
            for key, entry in entries.items():
                source = source_entries.get(key)
                if source is None:
                    yield Problem(language, key, f"a {section} English does not have")
                    continue
                if entry.placeholders() != source.placeholders():
                    yield Problem(language, key, f"placeholders {sorted(entry.placeholders())}, "
                                                 f"English has {sorted(source.placeholders())}")
                if len(entry.buttons) != len(source.buttons):
                    yield Problem(language, key, f"{len(entry.buttons)} buttons, English has {len(source.buttons)}")
                limit = REPLY_TITLE_MAX if len(entry.buttons) <= 3 else ROW_TITLE_MAX
                for button in entry.buttons:
                    if len(button.title) > limit:
                        yield Problem(language, key, f"button {button.title!r} is over {limit} characters")
                longest = len(entry.text) + PLACEHOLDER_ALLOWANCE * len(entry.placeholders())
                if longest > BODY_MAX:
                    yield Problem(language, key, f"may exceed WhatsApp's {BODY_MAX}-character body")
        list_button = catalogue.phrases.get(LIST_BUTTON_PHRASE)
        if list_button is not None and len(list_button.text) > REPLY_TITLE_MAX:
            yield Problem(language, LIST_BUTTON_PHRASE, f"over {REPLY_TITLE_MAX} characters")


@dataclass(frozen=True)
class LanguageStatus:
    language: str
    name: str
    total: int
    missing: Sequence[str]
    needs_review: Sequence[str]


def status(catalogues: Mapping[str, Catalogue]) -> List[LanguageStatus]:
    english = catalogues[SOURCE_LANGUAGE]
    wanted = [f"text {key}" for key in english.texts] + [f"phrase {key}" for key in english.phrases]
    report = []
    for language in TRANSLATED_LANGUAGES:
        catalogue = catalogues[language]
        have: Dict[str, Entry] = {f"text {k}": e for k, e in catalogue.texts.items()}
        have.update({f"phrase {k}": e for k, e in catalogue.phrases.items()})
        report.append(LanguageStatus(
            language, catalogue.name, len(wanted),
            missing=[key for key in wanted if key not in have],
            needs_review=[key for key in wanted if key in have and have[key].status is ReviewStatus.NEEDS_REVIEW],
        ))
    return report


def _print_status(catalogues: Mapping[str, Catalogue]) -> int:
    broken = list(problems(catalogues))
    for entry in status(catalogues):
        reviewed = entry.total - len(entry.missing) - len(entry.needs_review)
        print(f"{entry.name} ({entry.language}): {reviewed}/{entry.total} reviewed, "
              f"{len(entry.needs_review)} need review, {len(entry.missing)} missing")
        for key in entry.missing:
            print(f"  missing       {key}")
        for key in entry.needs_review:
            print(f"  needs_review  {key}")
    for problem in broken:
        print(f"BROKEN {problem.language} {problem.key}: {problem.what}")
    return 1 if broken else 0


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("build", "check", "status"))
    parser.add_argument("--domain", type=Path, default=DOMAIN)
    args = parser.parse_args(list(argv) or None)
    catalogues = load_all()
    if args.command == "status":
        return _print_status(catalogues)
    current = args.domain.read_text(encoding="utf-8")
    wanted = domain_with_responses(current, render_responses(catalogues))
    if args.command == "check":
        if current != wanted:
            print(f"{args.domain} is stale: run `make translations`", file=sys.stderr)
            return 1
        return 0
    broken = list(problems(catalogues))
    for problem in broken:
        print(f"BROKEN {problem.language} {problem.key}: {problem.what}", file=sys.stderr)
    if broken:
        return 1
    if current != wanted:
        args.domain.write_text(wanted, encoding="utf-8")
        print(f"{args.domain}: responses written from translations/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
