"""Booking references: BK-SLYKER-TECH-20251023, BK-T005-20260210, BK48213977.

Customers type them in any case, with spaces for dashes, without dashes, or
inside a sentence. The lookup key drops all of that: "BKT00520260210".
"""
from __future__ import annotations

import re
from typing import Iterator, List, Optional, Tuple

from parsing.text import InvalidInput, clean_text

_START = re.compile(r"(?<![a-z0-9])bk", re.IGNORECASE | re.ASCII)
_GROUP = re.compile(r"[\s._-]*([a-z0-9]+)", re.IGNORECASE | re.ASCII)
_SERIAL_END = re.compile(r"[0-9]{6,}$")
_WHOLE_REPLY = re.compile(r"bk[a-z0-9]*(?:[._-][a-z0-9]+)*", re.IGNORECASE | re.ASCII)
_MAX_GROUPS = 8
_MAX_KEY_CHARS = 40


def _references(text: str) -> Iterator[Tuple[str, int, int]]:
    """Yield (key, start, end) for each reference written inside ``text``.

    A reference ends at the first group ending in 6+ digits. "Ending in" rather
    than "being" digits also reads references typed without dashes inside a
    sentence ("ref bkt00520260210 thanks"); real references carry their serial
    only in the last group, so this never cuts one short.
    """
    covered = 0  # the end of the last reference read: "BK-BK-000000" is one reference, not two
    for start in _START.finditer(text):
        if start.start() < covered:
            continue
        parts, position = ["BK"], start.end()
        for _ in range(_MAX_GROUPS):
            group = _GROUP.match(text, position)
            if group is None:
                break
            parts.append(group.group(1).upper())
            position = group.end()
            if _SERIAL_END.search(group.group(1)):
                key = "".join(parts)
                if len(key) <= _MAX_KEY_CHARS:
                    covered = position
                    yield key, start.start(), position
                break


def reference_spans(text: str) -> List[Tuple[int, int]]:
    """Where references sit in cleaned ``text``, so other parsers can skip their digits."""
    return [(start, end) for _, start, end in _references(text)]


def find_booking_reference_key(text: str) -> Optional[str]:
    """Return the lookup key ("BKT00520260210") of the one reference in ``text``, else None."""
    cleaned = clean_text(text)
    keys = {key for key, _, _ in _references(cleaned)}
    if len(keys) == 1:
        return keys.pop()
    if keys:
        return None  # two different bookings named: asking beats picking one
    # A reference without a serial ("BK-XYZ") is only trusted as the whole
    # reply; inside a sentence "bk" could start any word.
    token = cleaned.strip(" .,!?;:'\"")
    if _WHOLE_REPLY.fullmatch(token):
        key = re.sub(r"[^A-Za-z0-9]", "", token).upper()
        if 4 <= len(key) <= _MAX_KEY_CHARS:
            return key
    return None


def booking_reference_key(text: str) -> str:
    """Like :func:`find_booking_reference_key`, raising ``not_a_booking_reference``."""
    key = find_booking_reference_key(text)
    if key is None:
        raise InvalidInput("not_a_booking_reference")
    return key
