"""Rasa's ``/intent{entities}`` shortcut, only for the buttons the assistant itself offers.

Rasa 3.6 reads any message starting with ``/`` (after stripping whitespace)
as ``/intent{"entity": "value"}`` and skips NLU: its RegexMessageHandler,
the last node of every NLU graph, replaces NLU's reading with whatever the
text names. That is how a tapped button's payload (``/make_payment``) becomes
an intent, but it also let a customer type
``/ask_balance{"booking_reference": "BK-…"}`` or the reconciler's own
``/EXTERNAL_payment_settled`` on WhatsApp or REST: any intent, any entities.

Here the handler unpacks a message only when its text is exactly the payload
of a button in the domain's responses that starts with ``/`` and carries no
entities (``/make_payment``, ``/ask_tours``, ``/human_handoff``); the allow-list
is read from the domain, so a new button needs no change here. Any other text
starting with ``/`` keeps NLU's own reading, as if typed without the slash's
special meaning. The check sits on the NLU node itself rather than on one
channel, so no channel (REST, WhatsApp, a future one, the authenticated HTTP
API's ``/messages``) can reach the shortcut; the reconciler's
``trigger_intent`` never goes through NLU and is unaffected.

A safety patch: without it a customer could skip NLU and name entities and
internal intents, so Rasa is not started when it does not fit.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, FrozenSet, List, Optional

from rasa_runtime.patching import Originals, Patch, PatchDoesNotFit, PatchKind

logger = logging.getLogger(__name__)

SHORTCUT_PREFIX = "/"
_PROCESS = "rasa.nlu.classifiers.regex_message_handler:RegexMessageHandler.process"


def issued_payloads(domain: Any) -> FrozenSet[str]:
    """Every ``/intent`` payload of a button in the domain's responses, without entities or templates."""
    payloads = set()
    for variants in (getattr(domain, "responses", None) or {}).values():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or []:
                payload = str((button or {}).get("payload") or "").strip()
                if payload.startswith(SHORTCUT_PREFIX) and not any(c in payload for c in "{}@"):
                    payloads.add(payload)
    return frozenset(payloads)


class IssuedPayloads:
    """The allow-list of one domain, computed once per domain object (a model load makes a new one)."""

    def __init__(self) -> None:
        self._domain: Any = None
        self._payloads: FrozenSet[str] = frozenset()

    def of(self, domain: Any) -> FrozenSet[str]:
        if domain is not self._domain:
            self._payloads, self._domain = issued_payloads(domain), domain
        return self._payloads


def is_unissued_shortcut(text: Optional[str], allowed: FrozenSet[str]) -> bool:
    """Text Rasa would read as ``/intent{…}`` that is not one of our buttons' payloads, exactly."""
    stripped = (text or "").strip()  # Rasa strips before it looks for the prefix
    return stripped.startswith(SHORTCUT_PREFIX) and stripped not in allowed


def intent_shortcut_patch() -> Patch:
    """The safety patch: the regex message handler unpacks only the payloads our buttons send."""

    def build(originals: Originals) -> Dict[str, Any]:
        original = originals[_PROCESS]
        if original.__code__.co_varnames[:3] != ("self", "messages", "domain"):
            raise PatchDoesNotFit("RegexMessageHandler.process takes other arguments")
        from rasa.shared.core.domain import Domain
        from rasa.shared.nlu.constants import TEXT
        from rasa.shared.nlu.training_data.message import Message

        allow_list = IssuedPayloads()

        # Typed exactly as Rasa's own method (``self`` unannotated): Rasa's graph
        # validation at training reads these hints and refuses any other.
        def process(self, messages: List[Message], domain: Optional[Domain] = None) -> List[Message]:
            allowed = allow_list.of(domain)
            handled = []
            for message in messages:
                if is_unissued_shortcut(message.get(TEXT), allowed):
                    # NLU's reading stands; the text is not logged (it may hold an OTP).
                    logger.info("a typed /intent shortcut was read as text, not as an intent")
                    handled.append(message)
                else:
                    handled.extend(original(self, [message], domain))
            return handled

        # Resolved types, not this module's postponed strings: Rasa's validation resolves them
        # with typing.get_type_hints, which cannot see the names imported in this function.
        process.__annotations__ = {"messages": List[Message], "domain": Optional[Domain], "return": List[Message]}
        return {_PROCESS: process}

    return Patch("intent shortcut guard", PatchKind.SAFETY, (_PROCESS,), build,
                 without_it="a customer could type /intent{entities} and skip NLU, naming any intent and entity")


INTENT_SHORTCUT_GUARD = intent_shortcut_patch()
