"""What keeps a turn's cost bounded: long sessions continued in a new one, and a per-sender rate.

Installed by rasa_runtime.server (one call) before Rasa starts; Rasa is not
started when either cannot be installed, since without them one sender can
make every turn dearer for everyone (README, Performance).
"""
from __future__ import annotations

from rasa_runtime.turns.sender_rate_limit import SenderRateLimitUnavailable, install_sender_rate_limit
from rasa_runtime.turns.session_continuation import SessionContinuationUnavailable, install_session_continuation


class TurnBoundsUnavailable(ValueError):
    """Rasa changed under one of the bounds: not starting without it."""


def install_turn_bounds() -> None:
    """Install the session continuation and the sender rate limit; raises TurnBoundsUnavailable if either cannot be."""
    try:
        install_session_continuation()
        install_sender_rate_limit()
    except (SessionContinuationUnavailable, SenderRateLimitUnavailable) as error:
        raise TurnBoundsUnavailable(str(error)) from error
