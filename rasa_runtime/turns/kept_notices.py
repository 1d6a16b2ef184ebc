"""Outcomes told to a conversation whose channel cannot push, given at its next message.

When the reconciler tells a REST (or terminal chat) customer how a payment
ended (payments/notifications/notifier.py), Rasa runs the notice into the conversation, but a
REST channel has nobody listening: the replies of ``trigger_intent`` come back
to the reconciler only. The conversation keeps them, as the bot's messages
after the external event. When the customer writes next, the channel guard
(rasa_runtime/turns/channel_guard.py) sends those first, then the answer to the message.
Once that message is in the conversation the notices lie before it, so they
are given exactly once, with no state of their own.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_runtime.stores.resilient_tracker_store import ConversationStoreUnavailable, retrieve_once

logger = logging.getLogger(__name__)


def _is_external(event: Any) -> bool:
    return bool((getattr(event, "metadata", None) or {}).get("is_external"))


def kept_messages(events: List[Any]) -> List[Dict[str, Any]]:
    """The bot messages after external events since the customer's last message, in order."""
    kept: List[Dict[str, Any]] = []
    after_external = False
    for event in events:
        kind = getattr(event, "type_name", "")
        if kind == "user":
            if not _is_external(event):
                kept, after_external = [], False
            else:
                after_external = True
        elif kind == "bot" and after_external and (getattr(event, "text", None) or getattr(event, "data", None)):
            kept.append(event.message())
    return kept


async def give_kept_notices(agent: Any, message: Any) -> None:
    """Send ``message``'s conversation's kept notices through its output channel, before its answer."""
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        return
    try:
        tracker = await retrieve_once(tracker_store, message.sender_id)
    except ConversationStoreUnavailable:
        return  # an outage: logged once per burst, and the turn itself answers with the apology
    except Exception:  # a notice is never worth losing the customer's turn
        logger.exception("could not read the conversation for kept notices")
        return
    if tracker is None:
        return
    for notice in kept_messages(list(tracker.events)):
        await message.output_channel.send_response(message.sender_id, notice)
