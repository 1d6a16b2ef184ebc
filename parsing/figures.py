"""How the separators in a typed figure are read: "1,500", "1 500", "1.500,50".

Zimbabweans write money the English way (1,500.50), but also group thousands
with spaces (1 500, as on many receipts), and visitors and phones set to a
continental locale type 1.500,50. One figure can therefore mean two amounts.
Each form is decided here, once:

==================  ==================  =============================================
typed               read as             why
==================  ==================  =============================================
1500, 1500.5, .50   1500, 1500.50, 0.50 no grouping: a dot is the decimal point
1,500  12,345,678   1500, 12345678      comma groups of three: the country's own way
1,500.50            1500.50             comma groups, dot decimals
1 500  12 345 678   1500, 12345678      space groups of three
1 500.50  1 500,50  1500.50             space groups, then a decimal dot or comma
1.500.000           1500000             several dot groups can only be thousands
1.500,50            1500.50             dot groups before a decimal comma
1.500  12.250       ask: 1.50 or 1,500  a dot and three digits ending in 0 is a decimal
                                        in English and a thousands group on the
                                        continent; both are amounts, so we ask
50.123              (too many decimals) as a decimal it is not money, and a dot group
                                        is not taken on a guess: the customer is asked
                                        for at most two decimals
12,50               ask: 12.50 or 1,250 a decimal comma, or a thousands comma typed in
                                        the wrong place
1,5  1,500,50       not a number        no reading is clear enough to offer
==================  ==================  =============================================

Pure: no framework, no booking; the amount parser decides what the figure is for.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple, Optional

# The amount parser joins space-grouped thousands ("1 500") into one word with
# this mark, so the figure survives splitting the message into words. It is a
# private-use character, which clean_text has already removed from any input.
GROUP_SPACE = "\ue000"
FIGURE_CHARS = r"[0-9.,\ue000]"

_PLAIN = re.compile(r"(?P<whole>[0-9]+)?(?:\.(?P<fraction>[0-9]+))?")
_COMMA_GROUPS = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<fraction>[0-9]+))?")
_SPACE_GROUPS = re.compile(r"(?P<whole>[0-9]{1,3}(?:\ue000[0-9]{3})+)(?:[.,](?P<fraction>[0-9]{1,2}))?")
_DOT_GROUPS = re.compile(
    r"(?P<whole>[0-9]{1,3}(?:\.[0-9]{3}){2,})(?:,(?P<fraction>[0-9]{1,2}))?"
    r"|(?P<whole_before_comma>[0-9]{1,3}\.[0-9]{3}),(?P<fraction_after_dots>[0-9]{1,2})"
)
_DOT_OR_GROUP = re.compile(r"(?P<head>[1-9][0-9]{0,2})\.(?P<three>[0-9]{2}0)")
_COMMA_OR_DECIMAL = re.compile(r"(?P<head>[0-9]+),(?P<two>[0-9]{2})")


class Figure(NamedTuple):
    """A figure's value, how many decimals were typed, and its other reading if it has one."""

    value: Decimal
    decimals: int
    other_reading: Optional[Decimal] = None


def read_figure(typed: str) -> Optional[Figure]:
    """The amount a figure of digits and separators stands for; None when it is no form above."""
    ambiguous = _DOT_OR_GROUP.fullmatch(typed)
    if ambiguous:
        head, three = ambiguous.group("head", "three")
        return Figure(Decimal(f"{head}.{three}"), 2, Decimal(head + three))
    ambiguous = _COMMA_OR_DECIMAL.fullmatch(typed)
    if ambiguous:
        head, two = ambiguous.group("head", "two")
        return Figure(Decimal(f"{head}.{two}"), 2, Decimal(head + two))
    for pattern in (_PLAIN, _COMMA_GROUPS, _SPACE_GROUPS):
        match = pattern.fullmatch(typed)
        if match and (match.group("whole") or match.group("fraction")):
            return _figure(match.group("whole"), match.group("fraction"))
    match = _DOT_GROUPS.fullmatch(typed)
    if match:
        whole = match.group("whole") or match.group("whole_before_comma")
        return _figure(whole, match.group("fraction") or match.group("fraction_after_dots"))
    return None


def _figure(whole: Optional[str], fraction: Optional[str]) -> Figure:
    digits = re.sub(r"[^0-9]", "", whole or "") or "0"
    return Figure(Decimal(f"{digits}.{fraction or '0'}"), len(fraction or ""))
