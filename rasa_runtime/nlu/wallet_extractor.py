"""Rasa's regex and lookup-table entity extractor, plus wallets spelt with a typo.

The lookup table in data/nlu/entities.yml lists the wallet spellings seen so
far; customers keep finding new ones ("ecocas", "one-mony", "zim swtch").
This extractor is Rasa's ``RegexEntityExtractor`` (references and phone
numbers by regex, wallets by lookup), and then, for words no entity covers,
a wallet name give or take a typo is a ``payment_channel`` too, with the
channel's own name as its value (``parsing.channels.wallet_spelled_like``
decides how many typos a word's length allows). Two adjacent words count as
a name written with a space ("zim swtch"), within one typo, so "one more" and
"the money" are never OneMoney.

One extractor rather than two, so `rasa test nlu` scores wallets, references
and numbers together, as the form sees them.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from parsing.channels import wallet_spelled_like

WALLET_ENTITY = "payment_channel"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class WalletTypoEntityExtractor(RegexEntityExtractor):
    """Regexes and lookup tables as Rasa's extractor, and wallets within a typo of their name."""

    def process(self, messages: List[Message]) -> List[Message]:
        messages = super().process(messages)
        for message in messages:
            found = self.add_extractor_name(self._misspelt_wallets(message))
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    @staticmethod
    def _misspelt_wallets(message: Message) -> List[Dict[str, Any]]:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        taken: List[Tuple[int, int]] = [
            (entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]) for entity in message.get(ENTITIES, [])
        ]
        found: List[Dict[str, Any]] = []
        index = 0
        while index < len(tokens):
            match = _wallet_at(tokens, index, taken)
            if match is None:
                index += 1
                continue
            start, end, channel, width = match
            found.append({ENTITY_ATTRIBUTE_TYPE: WALLET_ENTITY, ENTITY_ATTRIBUTE_START: start,
                          ENTITY_ATTRIBUTE_END: end, ENTITY_ATTRIBUTE_VALUE: channel})
            taken.append((start, end))
            index += width
        return found


def _wallet_at(tokens: List[Any], index: int, taken: List[Tuple[int, int]]) -> Optional[Tuple[int, int, str, int]]:
    """(start, end, channel, tokens used) of a misspelt wallet starting at ``tokens[index]``, or None."""
    def free(start: int, end: int) -> bool:
        return all(end <= other_start or start >= other_end for other_start, other_end in taken)

    if index + 1 < len(tokens):
        first, second = tokens[index], tokens[index + 1]
        joined = first.text + second.text
        # Two words joined are held to one typo: "the money" is two from "onemoney", and no wallet.
        channel = wallet_spelled_like(joined, max_typos=1) if len(joined) >= 8 else None
        if channel and free(first.start, second.end):
            return first.start, second.end, channel, 2
    token = tokens[index]
    channel = wallet_spelled_like(token.text)
    if channel and free(token.start, token.end):
        return token.start, token.end, channel, 1
    return None
