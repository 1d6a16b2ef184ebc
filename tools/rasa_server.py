"""`rasa run` with Rasa 3.6's check of action-server answers made cheap.

    python -m tools.rasa_server run --enable-api …   (any `rasa` arguments)

Every time Rasa gets an answer from the action server it checks it with
``jsonschema.validate(answer, schema)``, and that call first validates the
*schema itself* against the JSON-Schema meta-schema. Rasa's schema lists every
event type, so that self-check costs far more than checking the answer: in a
profile of `make bench` it was most of Rasa's time per payment turn (the form
calls the action server on every turn).

Here the constant schema is checked once and its validator reused. An answer
that passes is accepted exactly as before; one that fails is handed to Rasa's
own check, so the error and its message are Rasa's. tools.stack starts Rasa
through this module (make run / serve, the end-to-end tests, make bench).
"""
from __future__ import annotations

import logging
import sys
from typing import Any, Callable, Dict, List, Optional

logger = logging.getLogger(__name__)

_PATCHED_MARK = "_checks_with_a_cached_validator"


def cache_action_answer_validator() -> bool:
    """Make RemoteAction reuse one validator for its constant schema; True if applied."""
    try:
        from jsonschema import validators
        from jsonschema.exceptions import best_match
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # pragma: no cover - Rasa or jsonschema reorganised: run unpatched
        return False
    original: Callable[[Any, Dict[str, Any]], bool] = RemoteAction._validate_action_result
    if getattr(original, _PATCHED_MARK, False):
        return True
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate repeats on every call
    validator = validator_class(schema)
    spec = RemoteAction.action_response_format_spec

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        if type(self).action_response_format_spec is spec and best_match(validator.iter_errors(result)) is None:
            return True
        return original(self, result)  # an invalid answer (or another schema): Rasa's check and message

    setattr(_validate_action_result, _PATCHED_MARK, True)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]
    return True


def main(argv: Optional[List[str]] = None) -> None:
    if not cache_action_answer_validator():
        logger.warning("Rasa's action answer check could not be sped up; running it unchanged")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
