"""The Rasa server's ``GET /metrics``, and the turn and NLU figures it reports.

A visibility patch (rasa_runtime/patching.py), installed by rasa_runtime.server
last, so it wraps whatever the other patches put in place:

- ``configure_app`` gains ``GET /metrics`` (Prometheus' text format, no token:
  like the rest of Rasa's port it must be reachable only inside the
  deployment; nginx's public listener refuses it);
- ``MessageProcessor.handle_message`` is timed per channel: the turn from
  NLU to the saved tracker, as the customer waits for it;
- ``MessageProcessor.parse_message`` reports NLU's best intent's confidence,
  fallbacks and out-of-scope questions.

The metrics themselves are rasa_runtime/metrics.py. On a Rasa this does not
fit, Rasa runs unchanged, with a warning, and /metrics is missing.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict

from rasa_runtime import metrics
from rasa_runtime.patching import Originals, Patch, PatchKind
from rasa_runtime.stores.resilient_tracker_store import conversation_store, lock_store

METRICS_PATH = "/metrics"
_CONFIGURE_APP = "rasa.core.run:configure_app"
_HANDLE_MESSAGE = "rasa.core.processor:MessageProcessor.handle_message"
_PARSE_MESSAGE = "rasa.core.processor:MessageProcessor.parse_message"
_registered = False


def _with_metrics_route(original: Callable[..., Any]) -> Callable[..., Any]:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
    from sanic import response

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)

        @app.get(METRICS_PATH)
        async def prometheus_metrics(_: Any) -> Any:
            return response.raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

        return app

    return configure_app


def _timed(original: Callable[..., Any]) -> Callable[..., Any]:
    async def handle_message(self: Any, message: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(self, message)
        finally:
            metrics.turn_done(message.input_channel, time.perf_counter() - started)

    return handle_message


def _reported(original: Callable[..., Any]) -> Callable[..., Any]:
    async def parse_message(self: Any, message: Any, *args: Any, **kwargs: Any) -> Any:
        parse_data = await original(self, message, *args, **kwargs)
        metrics.message_parsed(parse_data)
        return parse_data

    return parse_message


def turn_metrics_patch() -> Patch:
    def build(originals: Originals) -> Dict[str, Any]:
        global _registered
        if not _registered:  # one collector per process, however often the patch is built
            metrics.register_store_outages({"conversation": conversation_store, "lock": lock_store})
            _registered = True
        return {_CONFIGURE_APP: _with_metrics_route(originals[_CONFIGURE_APP]),
                _HANDLE_MESSAGE: _timed(originals[_HANDLE_MESSAGE]),
                _PARSE_MESSAGE: _reported(originals[_PARSE_MESSAGE])}

    return Patch("turn metrics", PatchKind.VISIBILITY, (_CONFIGURE_APP, _HANDLE_MESSAGE, _PARSE_MESSAGE), build,
                 without_it="no /metrics on the Rasa server: turns, NLU and store outages go unseen")


TURN_METRICS = turn_metrics_patch()
