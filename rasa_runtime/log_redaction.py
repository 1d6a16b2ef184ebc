"""What customers typed never reaches Rasa's log: message texts become their length.

Rasa 3.6's REST channel logs the message text at ERROR when a turn fails or
its client disconnects (``rest.message.received.failure`` / ``.timeout``), and
its debug logs carry texts, parse data and slot values under many keys: an
OTP typed at the OTP question would be written in clear. Rasa runs every
structlog event through ``rasa.utils.log_utils._anonymizer`` (a no-op unless
an anonymisation plugin is installed), over the keys it knows carry what
users said. That processor is replaced (a safety patch, installed before
Rasa configures its logging) by one that keeps the event and replaces each of
those values with ``[N characters]``: the log still says what happened, to
which conversation, and how big the message was.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

from rasa_runtime.patching import Originals, Patch, PatchKind

# rasa.utils.log_utils._anonymizer's keys in Rasa 3.6.21: every structlog field that carries user content.
USER_CONTENT_KEYS: Tuple[str, ...] = (
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message",
)


def withheld(value: Any) -> str:
    """What the log shows instead of ``value``: the length of a text, nothing of anything else."""
    return f"[{len(value)} characters withheld]" if isinstance(value, (str, bytes)) else "[withheld]"


def redact_user_content(_: Any, __: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    """A structlog processor: every user-content field of ``event_dict`` replaced by what :func:`withheld` says."""
    for key in USER_CONTENT_KEYS:
        if key in event_dict and event_dict[key] is not None:
            event_dict[key] = withheld(event_dict[key])
    return event_dict


_ANONYMIZER = "rasa.utils.log_utils:_anonymizer"


def _build(_: Originals) -> Dict[str, Any]:
    return {_ANONYMIZER: redact_user_content}


USER_CONTENT_OUT_OF_LOGS = Patch(
    "user content out of Rasa's log", PatchKind.SAFETY, (_ANONYMIZER,), _build,
    without_it="an OTP typed in a REST turn that failed or was abandoned would be logged in clear",
    replaces=(_ANONYMIZER,))
