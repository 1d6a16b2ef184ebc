"""One sender cannot monopolise the assistant: beyond a rate, a short "please slow down" and nothing else.

A turn costs Rasa 30-80 ms of CPU (NLU, the policies, the action server's
call); a script posting as fast as its replies come keeps a core busy and
every other customer's turn waits behind it. So before a message reaches
Rasa's agent (NLU, the conversation's lock, the tracker, the action server),
the sender's messages in the last minute are counted, and one beyond
``SENDER_MESSAGES_PER_MINUTE`` (default 20; ``0`` turns the limit off, for
benchmarks) is answered ``utter_slow_down`` and dropped: not parsed, not
saved, nothing changed. Only messages let through count, so a sender who
keeps flooding still gets 20 a minute handled, a rolling minute.

Where the count lives: with ``LOCK_STORE_TYPE=redis`` (several Rasa
instances behind a balancer) in the lock store's Redis, so the limit holds
whichever instance a message reaches; the check and the count are one Lua
script, atomic across instances. Otherwise in this process, which is the
only Rasa instance there is (the in-memory lock store already assumes
that). When Redis cannot be reached the message is let through (logged once
per outage): a lost count must not lose a customer's turn.

The sender id counted is the scoped one (``rest:…``, ``whatsapp:…``, set by
rasa_runtime/turns/channel_guard.py before the agent sees the message).

Messages answered before the agent count too, so a flood of them costs one
"slow down" a minute per sender instead of an answer each: the channel guard
counts every message before it answers an over-long one (and hands the same
verdict to the agent's check, so a message counts once), and the WhatsApp
channel counts a sticker or a photo before its "please type" (:func:`over_the_rate`).
"""
from __future__ import annotations

import collections
import logging
import os
import time
from typing import Any, Deque, Dict, Mapping, Optional, Protocol

from rasa_runtime.domain_replies import response_text
from rasa_runtime import metrics
from rasa_runtime.patching import Originals, Patch, PatchKind, PatchOutcome, install

logger = logging.getLogger(__name__)

DEFAULT_SENDER_MESSAGES_PER_MINUTE = 20
WINDOW_SECONDS = 60.0
SLOW_DOWN_RESPONSE = "utter_slow_down"
# Used only if the loaded domain lacks the response (an older model).
SLOW_DOWN_FALLBACK = "You're sending messages faster than I can answer. Please slow down and try again in a minute."
REDIS_KEY_PREFIX = "kali:sender-rate:"
# Senders remembered in process before the idle ones are forgotten.
MAX_TRACKED_SENDERS = 10_000

# KEYS[1]: the sender's sorted set of message times; ARGV: now, window, limit, a unique member.
_ADMIT_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(ARGV[2]))
return 1
"""


def sender_messages_per_minute(environ: Optional[Mapping[str, str]] = None) -> int:
    """``SENDER_MESSAGES_PER_MINUTE``: messages one sender may have handled per rolling minute (0: no limit)."""
    raw = (os.environ if environ is None else environ).get("SENDER_MESSAGES_PER_MINUTE", "").strip()
    if not raw:
        return DEFAULT_SENDER_MESSAGES_PER_MINUTE
    if not raw.isdigit():
        raise ValueError(f"SENDER_MESSAGES_PER_MINUTE must be a whole number (0 for no limit), got {raw!r}")
    return int(raw)


class MessageCounter(Protocol):
    async def admit(self, sender_id: str) -> bool:
        """True if this sender's message may be handled now (and it is counted)."""


class InProcessCounter:
    """Each sender's recent message times, in this process: for a single Rasa instance."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._times: Dict[str, Deque[float]] = {}

    async def admit(self, sender_id: str) -> bool:
        now = time.monotonic()
        times = self._times.get(sender_id)
        if times is None:
            if len(self._times) >= MAX_TRACKED_SENDERS:
                self._forget_idle(now)
            times = self._times[sender_id] = collections.deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def _forget_idle(self, now: float) -> None:
        for sender_id in [s for s, times in self._times.items() if not times or times[-1] <= now - self.window]:
            del self._times[sender_id]


class RedisCounter:
    """Each sender's recent message times in Redis, shared by every Rasa instance."""

    def __init__(self, client: Any, limit: int, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._admit = client.register_script(_ADMIT_SCRIPT)
        self._unreachable = False

    async def admit(self, sender_id: str) -> bool:
        now = time.time()
        try:
            member = f"{now:.6f}:{id(self)}:{time.perf_counter_ns()}"
            admitted = await self._admit(keys=[REDIS_KEY_PREFIX + sender_id],
                                         args=[now, self.window, self.limit, member])
        except Exception as error:  # noqa: BLE001 - any Redis failure: let the customer through
            if not self._unreachable:
                logger.warning("sender rate limit not counted, Redis unreachable (%s); letting messages through",
                               type(error).__name__)
            self._unreachable = True
            return True
        if self._unreachable:
            logger.warning("sender rate limit counted in Redis again")
            self._unreachable = False
        return bool(admitted)


def counter_from_environment(limit: int, environ: Optional[Mapping[str, str]] = None) -> MessageCounter:
    """Redis (the lock store's) when Rasa's lock store is Redis, else in process."""
    env = os.environ if environ is None else environ
    if env.get("LOCK_STORE_TYPE", "in_memory").strip() != "redis":
        return InProcessCounter(limit)
    import redis.asyncio

    client = redis.asyncio.Redis(host=env.get("LOCK_STORE_HOST", "127.0.0.1"),
                                 port=int(env.get("LOCK_STORE_PORT", "6379")),
                                 db=int(env.get("LOCK_STORE_DB", "1")),
                                 password=env.get("LOCK_STORE_PASSWORD") or None,
                                 socket_timeout=1.0, socket_connect_timeout=1.0)
    return RedisCounter(client, limit)


def slow_down_text(agent: Any, message_text: Optional[str] = None) -> str:
    """The domain's ``utter_slow_down`` text, in the language the message decides (English otherwise)."""
    return response_text(agent, SLOW_DOWN_RESPONSE, message_text) or SLOW_DOWN_FALLBACK


_HANDLE_MESSAGE = "rasa.core.agent:Agent.handle_message"
# The counter of the installed patch, for the answers given before the agent (None: no limit).
_installed: Dict[str, Any] = {}
# Where a message keeps its verdict, so it is counted once however many checks it passes.
_VERDICT = "_kali_safaris_rate_admitted"


async def over_the_rate(sender_id: str, output_channel: Any, agent: Any = None, message: Any = None) -> bool:
    """Count one message of ``sender_id``; True, with "slow down" sent, when it is over the rate.

    With ``message``, its first verdict is kept on it and returned by later checks.
    """
    counter: Optional[MessageCounter] = _installed.get("counter")
    if counter is None:
        return False
    verdict = getattr(message, _VERDICT, None)
    if verdict is None:
        verdict = await counter.admit(str(sender_id))
        if message is not None:
            setattr(message, _VERDICT, verdict)
        if not verdict:
            logger.info("sender over %d messages a minute: answered slow down", _installed["per_minute"])
            metrics.message_refused("sender_rate")
            await output_channel.send_text_message(sender_id, slow_down_text(agent, getattr(message, "text", None)))
    return not verdict


def sender_rate_limit_patch(per_minute: int, messages: MessageCounter) -> Patch:
    """A speed patch: without it one sender can make every turn slower for everyone, answers unchanged."""

    def build(originals: Originals) -> Dict[str, Any]:
        original = originals[_HANDLE_MESSAGE]

        async def handle_message(self: Any, message: Any) -> Any:
            if await over_the_rate(message.sender_id, message.output_channel, self, message):
                return None
            return await original(self, message)

        _installed.update(counter=messages, per_minute=per_minute)
        return {_HANDLE_MESSAGE: handle_message}

    return Patch("sender rate limit", PatchKind.SPEED, (_HANDLE_MESSAGE,), build,
                 without_it="one sender can keep Rasa busy for everyone")


def install_sender_rate_limit(limit: Optional[int] = None, counter: Optional[MessageCounter] = None) -> PatchOutcome:
    """Answer a sender beyond the rate before Rasa's agent handles the message (nothing with a limit of 0)."""
    per_minute = sender_messages_per_minute() if limit is None else limit
    if per_minute == 0:
        return PatchOutcome.LEFT_OUT
    return install(sender_rate_limit_patch(per_minute, counter or counter_from_environment(per_minute)))
