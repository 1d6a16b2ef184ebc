"""A mark on each function this project puts in the place of one of Rasa's.

Every replacement checks it before replacing anything, so applying one twice
(rasa_runtime.server, then a test) never wraps a replacement in another. A
replacement that wraps a Rasa function another replacement may wrap too (the
store-outage answer and the sender rate limit both wrap Agent.handle_message)
marks it with its own name: an unnamed check would take the other's wrapper
for its own and silently leave itself out.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

_MARK = "_kali_safaris_speedup"
F = TypeVar("F", bound=Callable[..., Any])


def mark(function: F, patch: str = "") -> F:
    """``function``, marked as this project's replacement (named ``patch`` when given)."""
    setattr(function, _MARK, patch or True)
    return function


def is_patched(function: Any, patch: str = "") -> bool:
    """True when ``function`` is one of this project's replacements (the one named ``patch``, if given)."""
    value = getattr(function, _MARK, False)
    return value == patch if patch else bool(value)
