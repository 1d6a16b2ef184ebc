"""Costs of Rasa 3.6 taken out of every turn, each leaving what Rasa answers exactly as it was.

rasa_runtime.server installs them all (``SPEEDUPS``) before Rasa starts. Each
is a speed patch (rasa_runtime/patching.py): written for the exact Rasa
version pinned, and one that does not fit that Rasa is left out with a
warning, so a Rasa upgrade runs slower, never differently. The figures are
shares of Rasa's CPU time in a py-spy profile of 50 customers paying at once.

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
from typing import Any, Callable, Dict, Optional, Tuple, Type

import ujson

from rasa_runtime.patching import Originals, Patch, PatchDoesNotFit, PatchKind, install
from rasa_runtime.stores.sql_tracker_speedups import SQL_TRACKER_STATEMENTS, SQLITE_TRACKER_STORE

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


def _check_answers_once(originals: Originals) -> Dict[str, Any]:
    from rasa.core.actions.action import RemoteAction

    original = originals[_VALIDATE_ANSWER]
    spec = RemoteAction.action_response_format_spec
    passes = answer_checker(spec())
    if passes is None:
        raise PatchDoesNotFit("Rasa's action answer schema is not a oneOf of distinct event names")

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        if type(self).action_response_format_spec is spec and passes(result):
            return True
        return original(self, result)  # an invalid answer (or another schema): Rasa's check and message

    return {_VALIDATE_ANSWER: _validate_action_result}


_VALIDATE_ANSWER = "rasa.core.actions.action:RemoteAction._validate_action_result"
ACTION_ANSWERS = Patch("action answers checked against their own event schema", PatchKind.SPEED,
                       (_VALIDATE_ANSWER,), _check_answers_once)


def check_action_answers_once() -> bool:
    """Make RemoteAction check answers with `answer_checker`; True if applied."""
    return install(ACTION_ANSWERS).applied


# 2. Loading DIET -------------------------------------------------------------

def _load_weights_eagerly(originals: Originals) -> Dict[str, Any]:
    """RasaModel.load as Rasa 3.6 has it, with the shaping step run eagerly."""
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

    original = originals[_MODEL_LOAD].__func__

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

    return {_MODEL_LOAD: classmethod(load)}


_MODEL_LOAD = "rasa.utils.tensorflow.models:RasaModel.load"
# Mirrors Rasa 3.6.21's RasaModel.load (it does not call it): another version runs its own.
DIET_WEIGHTS = Patch("DIET's weights built eagerly", PatchKind.SPEED, (_MODEL_LOAD,), _load_weights_eagerly,
                     replaces=(_MODEL_LOAD,))


def build_model_weights_eagerly() -> bool:
    """Make Rasa's TensorFlow models build their weights without tracing a training graph."""
    return install(DIET_WEIGHTS).applied


# 4. Event types --------------------------------------------------------------

def _remember_event_types(originals: Originals) -> Dict[str, Any]:
    from rasa.shared.core.events import Event

    original: Callable[..., Optional[Type[Event]]] = originals[_RESOLVE_EVENT]
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

    return {_RESOLVE_EVENT: staticmethod(resolve_by_type), _NEW_EVENT_CLASS: classmethod(__init_subclass__)}


_RESOLVE_EVENT = "rasa.shared.core.events:Event.resolve_by_type"
_NEW_EVENT_CLASS = "rasa.shared.core.events:Event.__init_subclass__"
EVENT_TYPES = Patch("event types remembered", PatchKind.SPEED, (_RESOLVE_EVENT, _NEW_EVENT_CLASS),
                    _remember_event_types)


def cache_event_types() -> bool:
    """Make Event.resolve_by_type remember its answers until a new Event subclass is defined."""
    return install(EVENT_TYPES).applied


# 5. Calls to the action server ------------------------------------------------

def dumps_json(value: Any) -> str:
    """JSON text of ``value``: ujson's, or the standard library's for what ujson refuses."""
    try:
        return ujson.dumps(value)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)


def _encode_with_ujson(originals: Originals) -> Dict[str, Any]:
    import aiohttp

    if "_json_serialize" not in getattr(aiohttp.ClientSession, "ATTRS", ()):
        raise PatchDoesNotFit("aiohttp's ClientSession has no _json_serialize")
    original = originals[_ENDPOINT_SESSION]

    def session(self: Any) -> Any:
        client = original(self)
        client._json_serialize = dumps_json  # what aiohttp's json_serialize argument sets
        return client

    return {_ENDPOINT_SESSION: session}


_ENDPOINT_SESSION = "rasa.utils.endpoints:EndpointConfig.session"
UJSON_REQUESTS = Patch("action-server calls encoded with ujson", PatchKind.SPEED, (_ENDPOINT_SESSION,),
                       _encode_with_ujson)


def encode_endpoint_requests_with_ujson() -> bool:
    """Make Rasa's HTTP client sessions (action server, NLG) encode JSON bodies with `dumps_json`."""
    return install(UJSON_REQUESTS).applied


# In the order rasa_runtime.server installs them.
SPEEDUPS: Tuple[Patch, ...] = (ACTION_ANSWERS, DIET_WEIGHTS, SQLITE_TRACKER_STORE, SQL_TRACKER_STATEMENTS,
                               EVENT_TYPES, UJSON_REQUESTS)
