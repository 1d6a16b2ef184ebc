"""A mark on each function this project puts in the place of one of Rasa's.

The speed-ups (tools/rasa_speedups.py, tools/sql_tracker_speedups.py) check it
before replacing anything, so applying them twice (tools.rasa_server, then a
test) never wraps a replacement in another.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

_MARK = "_kali_safaris_speedup"
F = TypeVar("F", bound=Callable[..., Any])


def mark(function: F) -> F:
    """``function``, marked as this project's replacement."""
    setattr(function, _MARK, True)
    return function


def is_patched(function: Any) -> bool:
    """True when ``function`` is one of this project's replacements."""
    return bool(getattr(function, _MARK, False))
