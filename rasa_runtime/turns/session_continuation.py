"""A long conversation session is continued in a new one, so a turn costs the same at message 400 as at 10.

Rasa 3.6 does almost everything in a turn once per event of the current
session: the tracker store reads and replays every event, the policies
rebuild the state of every earlier turn (``past_states``), and the whole
session is sent to the action server as JSON and parsed there. A profile of
one session asking "what's my balance?" mid-payment (docs/performance.md)
showed Rasa's CPU per turn going from 75 ms at message 10 to 763 ms at
message 400, and the action server's from 12 ms to 125 ms.

So before a message is handled (where Rasa itself checks whether a session
has expired), a session holding more than ``SESSION_MAX_EVENTS`` events
(default 120, about a dozen turns) is continued: a new ``session_started``
event (marked ``{"continued": true}`` in its metadata, so it is never taken
for a customer coming back), every slot that has a value, the active form
and ``action_listen``. That is what Rasa's own session start does with
``carry_over_slots``, plus the form: the payment goes on at the same
question with the same answers, and the next turn reads, predicts from and
sends only the new session. Nothing is deleted: the earlier events stay in
the store (``/conversations/<id>/tracker`` shows them all).

Only what the policies and the action server read is carried: slots
(including ``requested_slot``, ``closed_payment`` and the form's answers) and
the active loop. The rules and memoised stories look at the last few turns
only, the longest of which fits in the bound many times over.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Mapping, Optional

from rasa_runtime.patching import Originals, Patch, PatchKind, PatchOutcome, install

logger = logging.getLogger(__name__)

DEFAULT_SESSION_MAX_EVENTS = 120
CONTINUED = "continued"


def session_max_events(environ: Optional[Mapping[str, str]] = None) -> int:
    """``SESSION_MAX_EVENTS``: events a session may hold before the next message continues it in a new one."""
    raw = (os.environ if environ is None else environ).get("SESSION_MAX_EVENTS", "").strip()
    if not raw:
        return DEFAULT_SESSION_MAX_EVENTS
    if not raw.isdigit() or int(raw) < 40:
        raise ValueError(f"SESSION_MAX_EVENTS must be a whole number of at least 40, got {raw!r}")
    return int(raw)


def events_in_current_session(tracker: Any, more_than: int) -> int:
    """How many events follow the latest ``session_started`` (counting stops past ``more_than``)."""
    from rasa.shared.core.events import SessionStarted

    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted) or count > more_than:
            break
        count += 1
    return count


def is_continuation(event: Any) -> bool:
    """True for the ``session_started`` this module writes (not a customer's new session)."""
    return bool((getattr(event, "metadata", None) or {}).get(CONTINUED))


def continuation_events(tracker: Any) -> List[Any]:
    """The events that start a new session in the state ``tracker`` is in now."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet

    events: List[Any] = [SessionStarted(metadata={CONTINUED: True})]
    events += [SlotSet(name, slot.value) for name, slot in tracker.slots.items()
               if slot.value != slot.initial_value]
    if tracker.active_loop_name:
        events.append(ActiveLoop(tracker.active_loop_name))
    events.append(ActionExecuted(ACTION_LISTEN_NAME))
    return events


def continue_long_session(tracker: Any, domain: Any, max_events: int) -> bool:
    """Continue ``tracker``'s session in a new one if it holds more than ``max_events``; True if it did."""
    if events_in_current_session(tracker, max_events) <= max_events:
        return False
    for event in continuation_events(tracker):
        tracker.update(event, domain)
    # No sender id: on WhatsApp it is the customer's full phone number.
    logger.debug("continued a long session in a new one (%d events)", len(tracker.events))
    return True


_UPDATE_SESSION = "rasa.core.processor:MessageProcessor._update_tracker_session"


def session_continuation_patch(max_events: int) -> Patch:
    """A speed patch: without it a long session makes each turn dearer, answers unchanged."""

    def build(originals: Originals) -> Dict[str, Any]:
        original = originals[_UPDATE_SESSION]

        async def _update_tracker_session(self: Any, tracker: Any, output_channel: Any,
                                          metadata: Optional[dict] = None) -> None:
            await original(self, tracker, output_channel, metadata)
            continue_long_session(tracker, self.domain, max_events)

        return {_UPDATE_SESSION: _update_tracker_session}

    return Patch("long sessions continued", PatchKind.SPEED, (_UPDATE_SESSION,), build,
                 without_it="each turn of a long session costs more than the last")


def install_session_continuation(max_events: Optional[int] = None) -> PatchOutcome:
    """Make Rasa continue long sessions before each message (ValueError on a bad setting)."""
    return install(session_continuation_patch(session_max_events() if max_events is None else max_events))
