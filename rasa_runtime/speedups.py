"""Costs of Rasa 3.6 taken out of every turn, each leaving what Rasa answers exactly as it was.

rasa_runtime.server applies them all before Rasa starts (`apply_all`). Each
function returns True when applied and leaves Rasa untouched when it cannot
be, so a Rasa upgrade runs slower, never differently. The figures are shares
of Rasa's CPU time in a py-spy profile of 50 customers paying at once.

1. Action-server answers (about 6 %). Rasa checks every answer with
   ``jsonschema.validate``, which first re-validates the schema itself, then
   tries every event in the answer against all 23 event schemas of a
   ``oneOf``. Each of those schemas requires its own constant ``event`` name,
   so exactly one can match: here the schema is checked once, and each event
   is checked against the one schema named by its ``event``. An answer that
   fails is handed to Rasa's own check, so the verdict on it and the error
   message are Rasa's.
2. Loading DIET (start-up). To give the model's variables their shapes, Rasa
   runs one training step, and TensorFlow first traces the whole training
   graph for it. Here that step runs eagerly; the weights are then loaded and
   prediction compiled as before (tests/e2e/test_rasa_server_load.py compares
   predictions).
3. The SQL tracker store (about 30 %): rasa_runtime/stores/sql_tracker_speedups.py.
4. Event types (about 4 %). Rasa finds an event's class by walking every
   subclass of ``Event`` for each event of every conversation it loads. Here
   the walk's answer is kept, and forgotten whenever a new subclass appears.
5. Calls to the action server (about 7 %). Each carries the whole
   conversation as JSON, encoded by the standard library. Here it is encoded
   with ujson, which Sanic already uses for every answer the action server
   sends back; anything ujson refuses goes to the standard encoder.
"""
from __future__ import annotations

import copy
import json
from typing import Any, Callable, Dict, List, Optional, Type

import ujson

from rasa_runtime.patching import is_patched, mark
from rasa_runtime.stores.sql_tracker_speedups import speed_up_sql_tracker_store, tune_sqlite_tracker_store

# 1. Action-server answers ----------------------------------------------------

def answer_checker(schema: Dict[str, Any]) -> Optional[Callable[[Any], bool]]:
    """A function telling whether an answer certainly passes ``schema``; None if the shortcut does not apply.

    True means valid; False means "not shown valid here" (the caller then runs
    the full check). The shortcut needs every ``events.items.oneOf`` branch to
    require a distinct constant ``event``, which is what makes checking only
    the named branch equivalent to the ``oneOf``.
    """
    from jsonschema import validators

    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate repeats on every call
    try:
        items = schema["properties"]["events"]["items"]
        branches = items["oneOf"]
        names = [branch["properties"]["event"]["const"] for branch in branches]
    except (KeyError, TypeError):
        return None
    if "event" not in items.get("required", []) or len(set(names)) != len(names) \
            or not all(isinstance(name, str) for name in names):
        return None
    outer = copy.deepcopy(schema)
    del outer["properties"]["events"]["items"]["oneOf"]
    outer_validator = validator_class(outer)
    by_event_name = {name: validator_class(branch) for name, branch in zip(names, branches, strict=True)}

    def passes(answer: Any) -> bool:
        if not outer_validator.is_valid(answer):
            return False
        for event in answer.get("events") or []:
            name = event["event"]  # present and an object: the outer schema requires both
            branch = by_event_name.get(name) if isinstance(name, str) else None
            if branch is None or not branch.is_valid(event):
                return False
        return True

    return passes


def check_action_answers_once() -> bool:
    """Make RemoteAction check answers with `answer_checker`; True if applied."""
    try:
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # Rasa reorganised: run unpatched
        return False
    original = RemoteAction._validate_action_result
    if is_patched(original):
        return True
    spec = RemoteAction.action_response_format_spec
    passes = answer_checker(spec())
    if passes is None:
        return False

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        if type(self).action_response_format_spec is spec and passes(result):
            return True
        return original(self, result)  # an invalid answer (or another schema): Rasa's check and message

    RemoteAction._validate_action_result = mark(_validate_action_result)
    return True


# 2. Loading DIET -------------------------------------------------------------

def build_model_weights_eagerly() -> bool:
    """Make Rasa's TensorFlow models build their weights without tracing a training graph."""
    import rasa
    from rasa.utils.tensorflow.models import RasaModel

    if not rasa.__version__.startswith("3.6.") or is_patched(RasaModel.load):
        # The replacement mirrors Rasa 3.6's RasaModel.load; another version runs its own.
        return is_patched(RasaModel.load)
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

    RasaModel.load = classmethod(mark(load))
    return True


# 4. Event types --------------------------------------------------------------

def cache_event_types() -> bool:
    """Make Event.resolve_by_type remember its answers until a new Event subclass is defined."""
    from rasa.shared.core.events import Event

    original: Callable[..., Optional[Type[Event]]] = Event.resolve_by_type
    if is_patched(original):
        return True
    found: Dict[str, Type[Event]] = {}

    def resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        event_class = found.get(type_name) if isinstance(type_name, str) else None
        if event_class is None:
            event_class = original(type_name, default)  # Rasa's walk, its defaults and its errors
            if event_class is not None and event_class is not default and isinstance(type_name, str):
                found[type_name] = event_class
        return event_class

    parent_hook = Event.__dict__.get("__init_subclass__")

    def __init_subclass__(cls: type, **kwargs: Any) -> None:
        found.clear()  # a new class may now be the first with its type name
        if parent_hook is not None:
            parent_hook.__func__(cls, **kwargs)
        else:
            super(Event, cls).__init_subclass__(**kwargs)

    Event.__init_subclass__ = classmethod(__init_subclass__)
    Event.resolve_by_type = staticmethod(mark(resolve_by_type))
    return True


# 5. Calls to the action server ------------------------------------------------

def dumps_json(value: Any) -> str:
    """JSON text of ``value``: ujson's, or the standard library's for what ujson refuses."""
    try:
        return ujson.dumps(value)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)


def encode_endpoint_requests_with_ujson() -> bool:
    """Make Rasa's HTTP client sessions (action server, NLG) encode JSON bodies with `dumps_json`."""
    import aiohttp
    from rasa.utils.endpoints import EndpointConfig

    original = EndpointConfig.session
    if is_patched(original):
        return True

    def session(self: Any) -> Any:
        client = original(self)
        client._json_serialize = dumps_json  # what aiohttp's json_serialize argument sets
        return client

    if "_json_serialize" not in getattr(aiohttp.ClientSession, "ATTRS", ()):
        return False  # aiohttp reorganised: run unpatched
    EndpointConfig.session = mark(session)
    return True


SPEEDUPS: Dict[str, Callable[[], bool]] = {
    "action answers checked against their own event schema": check_action_answers_once,
    "DIET's weights built eagerly": build_model_weights_eagerly,
    "SQLite tracker store pooled, in WAL mode": tune_sqlite_tracker_store,
    "conversations loaded and saved with cheaper statements": speed_up_sql_tracker_store,
    "event types remembered": cache_event_types,
    "action-server calls encoded with ujson": encode_endpoint_requests_with_ujson,
}


def apply_all() -> List[str]:
    """Apply every speed-up; the names of those that could not be (Rasa changed)."""
    return [name for name, apply in SPEEDUPS.items() if not apply()]
