"""The language of each message, for the ``language`` slot (parsing/language.py decides).

Near the end of the NLU pipeline (before the fallback). For each message it adds a ``language`` entity
(``en``, ``sn`` or ``nd``), which fills the slot through its mapping in the
domain, only when the message decides the language:

1. a REST caller's metadata ``{"language": "sn"}`` (the WhatsApp channel
   never sets it: a WhatsApp profile alone never decides the language);
2. a choice ("chiShona", "ngifuna isiNdebele", "in English please"), which
   also makes the intent ``choose_language``;
3. enough evidence in the text (``LanguageReader``).

Anything else ("ok", "123456", "ecocash", an emoji) adds nothing, so the
conversation keeps its language. ``choose_language`` is only ever the
intent of a message the parser reads as a choice: the classifier's guess is
replaced by its next one otherwise, so a sentence that merely mentions
English never opens the language menu.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from parsing.language import Language, LanguageReader, language_choice
from rasa_runtime.nlu.message_rules import MessageRule, intent_name, ranking_without, set_intent

LANGUAGE_ENTITY = "language"
CHOOSE_LANGUAGE_INTENT = "choose_language"
METADATA_KEY = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageDetector(MessageRule):
    """Adds the ``language`` entity when a message decides the conversation's language."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls(LanguageReader())

    def __init__(self, reader: LanguageReader) -> None:
        self._reader = reader

    def read(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        choice = language_choice(text)
        if choice is not None:
            set_intent(message, {"name": CHOOSE_LANGUAGE_INTENT, "confidence": 1.0},
                       ranking_without(message, CHOOSE_LANGUAGE_INTENT))
        elif intent_name(message) == CHOOSE_LANGUAGE_INTENT:
            # The classifier said choose_language but the text is no choice: take its next guess.
            rest = ranking_without(message, CHOOSE_LANGUAGE_INTENT)
            if rest:
                set_intent(message, rest[0], rest[1:])
        language = _from_metadata(message.get("metadata"))
        if language is None and choice is not None:
            language = choice.language
        if language is None and text and not text.startswith("/"):
            language = self._reader.language_of(text)
        if language is not None:
            entity = {"entity": LANGUAGE_ENTITY, "value": language.value, "start": 0, "end": len(text),
                      "confidence": 1.0, "extractor": self.__class__.__name__}
            message.set(ENTITIES, message.get(ENTITIES, []) + [entity], add_to_output=True)


def _from_metadata(metadata: object) -> Optional[Language]:
    if not isinstance(metadata, dict):
        return None
    return Language.from_code(metadata.get(METADATA_KEY))
