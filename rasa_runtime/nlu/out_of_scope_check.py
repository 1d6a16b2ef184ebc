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

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from parsing.evidence import backs_instead_of_out_of_scope
from rasa_runtime.nlu.message_rules import MessageRule, intent_name, ranking_without, set_intent

OUT_OF_SCOPE = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OutOfScopeCheck(MessageRule):
    """Replaces ``out_of_scope`` by the runner-up booking intent when the text backs it."""

    def read(self, message: Message) -> None:
        if intent_name(message) != OUT_OF_SCOPE:
            return
        others = ranking_without(message, OUT_OF_SCOPE)
        if not others or not backs_instead_of_out_of_scope(message.get(TEXT) or "", others[0]["name"]):
            return
        # It keeps the classifier's confidence, so the fallback after it does not undo the reading.
        out_of_scope = message.get(INTENT)
        runner_up = {**others[0], "confidence": out_of_scope.get("confidence", others[0]["confidence"])}
        set_intent(message, runner_up, others[1:] + [out_of_scope])
