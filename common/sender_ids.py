"""Who a conversation belongs to: the channel a message came through plus that channel's id.

Pure (standard library only), because both sides need the same rule: the Rasa
server names every conversation with it (rasa_runtime/turns/channel_guard.py) and the
action server reads it back. A WhatsApp sender id is a phone number only
because Meta signed the message; the same string typed into the REST channel
proves nothing. So every channel's ids live in their own namespace,
``<channel>:<id>``: a REST caller claiming to be ``263772000001`` (or
``whatsapp:263772000001``) talks as ``rest:263772000001`` (or
``rest:whatsapp:263772000001``), a conversation no WhatsApp customer has.
"""
from __future__ import annotations

import hashlib
from typing import Optional

WHATSAPP_CHANNEL = "whatsapp"
SEPARATOR = ":"
# Longer ids (only an unsigned channel's caller can choose one) are replaced
# by a digest, so a sender id always fits the transactions table's column
# (128) and a stranger cannot store kilobytes per turn in every event row.
MAX_RAW_SENDER_CHARS = 64


def scoped_sender_id(channel: str, raw_sender_id: str) -> str:
    """``raw_sender_id`` in ``channel``'s namespace, e.g. ``whatsapp:263772000001``.

    Idempotent: an id this function already scoped for the same channel is
    returned unchanged (Rasa may hand a message through twice), and since the
    prefix is the channel the message really came through, that never lets
    one channel's caller reach another channel's conversation.
    """
    prefix = channel + SEPARATOR
    if raw_sender_id.startswith(prefix):
        raw_sender_id = raw_sender_id[len(prefix):]
    if len(raw_sender_id) > MAX_RAW_SENDER_CHARS:
        raw_sender_id = "sha256-" + hashlib.sha256(raw_sender_id.encode("utf-8")).hexdigest()[:32]
    return prefix + raw_sender_id


def channel_of(sender_id: str) -> Optional[str]:
    """The channel a scoped sender id belongs to, or None for an unscoped one."""
    channel, separator, _ = sender_id.partition(SEPARATOR)
    return channel if separator and channel else None


def unscoped(channel: str, sender_id: str) -> str:
    """The channel's own id (what its API addresses) from a scoped sender id."""
    prefix = channel + SEPARATOR
    return sender_id[len(prefix):] if sender_id.startswith(prefix) else sender_id


def wallet_owner_chat(msisdn: str) -> str:
    """The one conversation that is a wallet's owner: the WhatsApp chat of that very number.

    A WhatsApp sender id is the number Meta verified (``263772000001``), the
    same form as O'mari's msisdn, so the wallet's owner asking from their own
    phone is recognised without trusting anything they typed.
    """
    return scoped_sender_id(WHATSAPP_CHANNEL, msisdn)


def signed_whatsapp_id(sender_id: str, latest_input_channel: Optional[str]) -> Optional[str]:
    """The WhatsApp id (``wa_id``: the customer's number) of a conversation Meta signed, else None.

    Both must agree: the namespace (set by the Rasa server from the channel
    that received the message) and the latest message's input channel (which
    the same guard forces to the receiving channel's name).
    """
    if latest_input_channel != WHATSAPP_CHANNEL or channel_of(sender_id) != WHATSAPP_CHANNEL:
        return None
    return unscoped(WHATSAPP_CHANNEL, sender_id) or None
