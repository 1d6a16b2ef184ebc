"""Every message into Rasa passes one gate: whose conversation it is, and whether it is readable.

Rasa 3.6 hands each channel's messages to one shared handler
(``rasa.core.channels.channel.register``) with the sender id and the input
channel the channel reported. For the REST channel both come from the request
body, so a stranger could write into a WhatsApp customer's conversation by
sending that customer's number, and claim ``"input_channel": "whatsapp"``.
Here each channel gets its own handler, which

- puts the sender id in the namespace of the channel that really received the
  message (common/sender_ids.py): ``whatsapp:263772000001`` only from the
  signed WhatsApp webhook, ``rest:263772000001`` from REST;
- sets the message's input channel to that channel's name, whatever the body said;
- on a channel that cannot push (REST), first gives the outcomes the
  reconciler told the conversation since the customer last wrote
  (rasa_runtime/turns/kept_notices.py);
- answers a message longer than ``MAX_MESSAGE_CHARS`` (default 1000) at once
  with ``utter_message_too_long`` and never hands it to NLU: a 300 kB message
  kept Rasa's CPU busy for 17 s, stalling every customer;
- answers the same way a message whose ``metadata`` (REST takes any JSON
  there, and Rasa keeps it with the message in the conversation store) is
  over ``MAX_METADATA_CHARS`` as JSON: the project reads none from REST, and
  a stranger could otherwise grow the store by megabytes per message.

A safety patch (rasa_runtime/patching.py), installed by rasa_runtime.server
before Rasa starts; Rasa is not started when it does not fit, because the
fallback would be a server without identity.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional

from common.sender_ids import scoped_sender_id
from rasa_runtime import metrics
from rasa_runtime.domain_replies import response_text
from rasa_runtime.patching import Originals, Patch, PatchDoesNotFit, PatchKind, PatchOutcome, install
from rasa_runtime.turns.kept_notices import give_kept_notices
from rasa_runtime.turns.sender_rate_limit import over_the_rate

logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_CHARS = 1000
# The WhatsApp channel's own metadata is under 100 characters; REST callers need none.
MAX_METADATA_CHARS = 2000
TOO_LONG_RESPONSE = "utter_message_too_long"
# Used only if the loaded domain lacks the response (an older model).
TOO_LONG_FALLBACK = "Sorry, that message is too long for me. Please send a shorter one."


def max_message_chars(environ: Optional[Mapping[str, str]] = None) -> int:
    """``MAX_MESSAGE_CHARS``: the longest message handed to NLU (WhatsApp itself allows 4096)."""
    raw = (os.environ if environ is None else environ).get("MAX_MESSAGE_CHARS", "").strip()
    if not raw:
        return DEFAULT_MAX_MESSAGE_CHARS
    if not raw.isdigit() or int(raw) < 100:
        raise ValueError(f"MAX_MESSAGE_CHARS must be a whole number of at least 100, got {raw!r}")
    return int(raw)


def too_long_text(agent: Any, limit: int, message_text: Optional[str] = None) -> str:
    """The domain's ``utter_message_too_long`` text in the message's language, with the limit filled in."""
    text = response_text(agent, TOO_LONG_RESPONSE, message_text) or TOO_LONG_FALLBACK
    return text.replace("{max_characters}", f"{limit:,}")


def _json_size(metadata: Any) -> int:
    """How long ``metadata`` is as JSON, as the conversation store will keep it."""
    if not metadata:
        return 0
    return len(json.dumps(metadata, default=str))


Handler = Callable[[Any], Awaitable[None]]


def guarded_handler(channel_name: str, handler: Handler, app: Any, limit: int, can_push: bool = True) -> Handler:
    """``handler`` for one channel's messages: scoped identity, bounded text, kept notices first."""

    async def handle(message: Any) -> None:
        message.sender_id = scoped_sender_id(channel_name, str(message.sender_id))
        message.input_channel = channel_name
        if not can_push:
            await give_kept_notices(app.ctx.agent, message)
        # Counted before any answer given here, so answers the agent never sees count too.
        if await over_the_rate(message.sender_id, message.output_channel, app.ctx.agent, message):
            return
        metadata_chars = _json_size(getattr(message, "metadata", None))
        if metadata_chars > MAX_METADATA_CHARS:
            logger.info("refused a message with %d characters of metadata on %s (limit %d)",
                        metadata_chars, channel_name, MAX_METADATA_CHARS)
            await message.output_channel.send_text_message(message.sender_id,
                                                           too_long_text(app.ctx.agent, limit, message.text))
            return
        if message.text and len(message.text) > limit:
            logger.info("refused a %d-character message on %s (limit %d)", len(message.text), channel_name, limit)
            metrics.message_refused("message_too_long")
            await message.output_channel.send_text_message(message.sender_id,
                                                           too_long_text(app.ctx.agent, limit, message.text))
            return
        await handler(message)

    return handle


_REGISTER = "rasa.core.channels.channel:register"


def channel_guard_patch(limit: int) -> Patch:
    """The safety patch: Rasa's channel registration replaced by one that guards every channel."""

    def build(originals: Originals) -> Dict[str, Any]:
        if originals[_REGISTER].__code__.co_varnames[:3] != ("input_channels", "app", "route"):
            raise PatchDoesNotFit("rasa.core.channels.channel.register takes other arguments")
        from urllib.parse import urljoin

        def register(input_channels: List[Any], app: Any, route: Optional[str]) -> None:
            async def handler(message: Any) -> None:  # Rasa's own handler
                await app.ctx.agent.handle_message(message)

            for input_channel in input_channels:
                prefix = urljoin(route, input_channel.url_prefix()) if route else None
                can_push = input_channel.get_output_channel() is not None
                guarded = guarded_handler(input_channel.name(), handler, app, limit, can_push)
                app.blueprint(input_channel.blueprint(guarded), url_prefix=prefix)
            app.ctx.input_channels = input_channels

        return {_REGISTER: register}

    return Patch("channel guard", PatchKind.SAFETY, (_REGISTER,), build, replaces=(_REGISTER,),
                 without_it="a REST caller could write into a WhatsApp customer's conversation")


def install_channel_guard(limit: Optional[int] = None) -> PatchOutcome:
    """Install the patch above; raises PatchRefused if it does not fit (ValueError on a bad setting)."""
    return install(channel_guard_patch(max_message_chars() if limit is None else limit))
