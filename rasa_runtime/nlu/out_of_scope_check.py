"""Out of scope, checked against the text: a message that names a booking's money is not an everyday request.

The classifier learnt ``out_of_scope`` from hundreds of everyday requests
(CLINC150) and few of ours, so it is sometimes sure that "how much is my
balance" or "no wait make it 70 dollars" is about a bank or a shop. Booking
intents already need the text's backing before they do anything
(parsing/evidence.py); this is the same rule the other way round: when the
classifier says out of scope and its next guess is a booking intent that the
text backs, the next guess is the intent. A bank's balance, a phone bill or a
restaurant reservation stays out of scope, because the evidence rules exclude
them.

In the NLU pipeline after DIET and before the fallback, so ``rasa test nlu``
and the NLU gate judge the intent the assistant acts on.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from parsing.evidence import backs_instead_of_out_of_scope

OUT_OF_SCOPE = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OutOfScopeCheck(GraphComponent):
    """Replaces ``out_of_scope`` by the runner-up booking intent when the text backs it."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "OutOfScopeCheck":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._check(message)
        return messages

    @staticmethod
    def _check(message: Message) -> None:
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != OUT_OF_SCOPE:
            return
        ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or []
                   if entry.get(INTENT_NAME_KEY) != OUT_OF_SCOPE]
        if not ranking or not backs_instead_of_out_of_scope(message.get(TEXT) or "", ranking[0][INTENT_NAME_KEY]):
            return
        runner_up = {**ranking[0], "confidence": message.get(INTENT).get("confidence", ranking[0]["confidence"])}
        message.set(INTENT, runner_up, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [runner_up] + ranking[1:] + [
            entry for entry in message.get(INTENT_RANKING_KEY) if entry.get(INTENT_NAME_KEY) == OUT_OF_SCOPE],
            add_to_output=True)
