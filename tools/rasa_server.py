"""The `rasa` command with this project's defaults and fixes, and three costs of Rasa 3.6 taken out.

    python -m tools.rasa_server run --enable-api …   (any `rasa` arguments)
    python -m tools.rasa_server shell                (the same for every command)

tools.stack starts Rasa through this module (make run / serve, the end-to-end
tests, make bench). It first fills the endpoints.yml variables left unset
with the one-machine defaults (tools/rasa_endpoints.py): plain `rasa run`
refuses an unset ${VAR}. With `lock_store: type: redis` it uses
tools/redis_lock_store.py, whose tickets are atomic across Rasa instances.
The three changes below leave what Rasa answers exactly as it was.

1. Action-server answers.
Every time Rasa gets an answer from the action server it checks it with
``jsonschema.validate(answer, schema)``, and that call first validates the
*schema itself* against the JSON-Schema meta-schema. Rasa's schema lists every
event type, so that self-check costs far more than checking the answer: in a
profile of `make bench` it was most of Rasa's time per payment turn (the form
calls the action server on every turn).

Here the constant schema is checked once and its validator reused. An answer
that passes is accepted exactly as before; one that fails is handed to Rasa's
own check, so the error and its message are Rasa's.

2. Loading DIET. To give the model's variables their shapes before loading the
trained weights, Rasa runs one training step on an example, and TensorFlow
first traces the whole training graph for it: most of `rasa run`'s start-up.
Here that one step runs eagerly (same variables, no tracing); the weights are
then loaded and prediction is compiled as before, so predictions are
identical (tests/e2e/test_rasa_server_load.py compares them).

3. The SQLite tracker store (the one-machine default). SQLAlchemy 1.4 opens
and closes a SQLite connection for every read and write of a conversation,
and each commit waits for the disk. Here connections stay open in a pool and
the file is in WAL mode with synchronous=NORMAL: 8.5 -> 5.7 ms of CPU per
turn's tracker reads and writes, measured alone. PostgreSQL is untouched.
"""
from __future__ import annotations

import functools
import logging
import os
import sys
from typing import Any, Callable, Dict, List, Optional

from tools.rasa_endpoints import EndpointSettingError, apply_endpoint_defaults
from tools.redis_lock_store import use_atomic_redis_lock_store

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


def build_model_weights_eagerly() -> bool:
    """Make Rasa's TensorFlow models build their weights without tracing a training graph."""
    import rasa
    from rasa.utils.tensorflow.models import RasaModel

    if not rasa.__version__.startswith("3.6.") or getattr(RasaModel.load, _PATCHED_MARK, False):
        # The replacement mirrors Rasa 3.6's RasaModel.load; another version runs its own.
        return getattr(RasaModel.load, _PATCHED_MARK, False)
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

    original = RasaModel.load.__func__

    def load(cls: Any, model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        if finetune_mode:  # training goes on from these weights: leave it to Rasa
            return original(cls, model_file_name, model_data_example, predict_data_example,
                            finetune_mode, *args, **kwargs)
        config = kwargs.get("config", {})
        model = cls(*args, **kwargs)
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
        model.load_weights(model_file_name)
        model.run_eagerly = config.get(RUN_EAGERLY)  # predict compiled, as Rasa would
        if predict_data_example:
            model.run_inference(predict_data_example)  # trace prediction now, not on the first customer
        return model

    setattr(load, _PATCHED_MARK, True)
    RasaModel.load = classmethod(load)  # type: ignore[assignment]
    return True


def _open_tracker_database(database: str) -> Any:
    import sqlite3

    connection = sqlite3.connect(database, check_same_thread=False)
    # WAL: readers never wait for the writer. synchronous=NORMAL: a commit
    # does not wait for the disk (a power cut may lose the last turns'
    # history, an application crash loses nothing).
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def tune_sqlite_tracker_store() -> bool:
    """Keep the SQLite tracker store's connections open, in WAL mode; True if applied."""
    from rasa.core import tracker_store
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    original = tracker_store.create_engine_kwargs
    if getattr(original, _PATCHED_MARK, False):
        return True

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        kwargs = original(url)
        if str(url).startswith("sqlite"):
            database = make_url(str(url)).database
            kwargs.update(poolclass=QueuePool, creator=functools.partial(_open_tracker_database, database))
        return kwargs

    setattr(create_engine_kwargs, _PATCHED_MARK, True)
    tracker_store.create_engine_kwargs = create_engine_kwargs  # type: ignore[assignment]
    return True


def main(argv: Optional[List[str]] = None) -> None:
    tune_sqlite_tracker_store()
    use_atomic_redis_lock_store()
    try:
        apply_endpoint_defaults(os.environ)
    except EndpointSettingError as error:
        sys.exit(f"error: {error}")
    if not cache_action_answer_validator():
        logger.warning("Rasa's action answer check could not be sped up; running it unchanged")
    if not build_model_weights_eagerly():
        logger.warning("not Rasa 3.6: its models load the way that version loads them")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
