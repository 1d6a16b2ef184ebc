"""What the NLU pipeline's rule steps share: no training, one rule per message, the intent rewritten.

The language detector and the out-of-scope check train nothing; each reads
every message by a rule of its own (parsing/) and may put another intent at
the head of the ranking. Both write the intent and its ranking the same way,
here, so the fallback after them and ``rasa test nlu`` see one consistent
reading.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class MessageRule(GraphComponent):
    """A pipeline step that learns nothing and applies :meth:`read` to each message."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageRule":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.read(message)
        return messages

    def read(self, message: Message) -> None:
        raise NotImplementedError


def intent_name(message: Message) -> str:
    return str((message.get(INTENT) or {}).get(INTENT_NAME_KEY) or "")


def ranking_without(message: Message, name: str) -> List[Dict[str, Any]]:
    """The message's intent ranking, less the entries for ``name``."""
    return [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) != name]


def set_intent(message: Message, intent: Dict[str, Any], rest: List[Dict[str, Any]]) -> None:
    """``intent`` becomes the message's intent and the head of its ranking, ``rest`` after it."""
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent] + rest, add_to_output=True)
