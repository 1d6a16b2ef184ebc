"""Reading a setting from the environment, the same way in every process."""
from __future__ import annotations

from typing import Mapping


def positive_seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    """``name`` as a positive number of seconds, ``default`` when unset; ValueError naming it otherwise.

    The O'mari timeouts are read by the action server (payments/settings.py) and by
    the Rasa server, which sizes its conversation lock from them
    (rasa_runtime/stores/lock_lifetime.py): both must read them alike.
    """
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from error
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {raw!r}")
    return value
