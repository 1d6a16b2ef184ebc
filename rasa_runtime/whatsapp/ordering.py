"""Keep one sender's WhatsApp messages in the order they arrived.

The webhook answers Meta at once and runs each turn as a background task.
Tasks start in creation order, and each takes its sender's FIFO lock before
its first await, so one customer's messages reach Rasa in order even when a
dedup lookup or a send in between yields. (Rasa's lock store serialises the
turns themselves per sender, across instances too.) Locks are dropped once no
message of that sender is waiting, so memory follows active conversations.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Dict


@dataclass
class _Slot:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0  # messages of this sender holding or waiting for the lock


class SenderOrder:
    """Per-sender FIFO locks, created on demand and forgotten when idle."""

    def __init__(self) -> None:
        self._slots: Dict[str, _Slot] = {}

    def reserve(self, sender_id: str) -> asyncio.Lock:
        """Called synchronously when the message arrives: its place in the queue."""
        slot = self._slots.setdefault(sender_id, _Slot())
        slot.holders += 1
        return slot.lock

    def release(self, sender_id: str) -> None:
        slot = self._slots.get(sender_id)
        if slot is None:
            return
        slot.holders -= 1
        if slot.holders <= 0:
            del self._slots[sender_id]

    def __len__(self) -> int:
        return len(self._slots)
