"""What keeps a turn's cost bounded: long sessions continued in a new one, and a per-sender rate.

Both are speed patches (rasa_runtime/patching.py), installed by
rasa_runtime.server before Rasa starts: on a Rasa they do not fit, Rasa runs
its own code with a warning. It still answers every customer correctly, but
one sender, or one long session, can then make every turn dearer for
everyone (docs/performance.md).
"""
from __future__ import annotations

from typing import List, Mapping, Optional

from rasa_runtime.patching import Patch
from rasa_runtime.turns.sender_rate_limit import counter_from_environment, sender_messages_per_minute, \
    sender_rate_limit_patch
from rasa_runtime.turns.session_continuation import session_continuation_patch, session_max_events


def turn_bounds_patches(environ: Optional[Mapping[str, str]] = None) -> List[Patch]:
    """The session continuation, and the sender rate limit unless it is 0; ValueError on a bad setting."""
    patches = [session_continuation_patch(session_max_events(environ))]
    per_minute = sender_messages_per_minute(environ)
    if per_minute:
        patches.append(sender_rate_limit_patch(per_minute, counter_from_environment(per_minute, environ)))
    return patches
