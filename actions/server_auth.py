"""Only Rasa may call the action server: a shared secret header, checked in constant time.

The action server believes the tracker in every request body: whoever can post
to /webhook can name any conversation, ``whatsapp:<number>`` included, and act
for that customer (their payment status, a fresh OTP for their wallet). In one
deployment anything on the internal network can reach it, so Rasa proves
itself with ``ACTION_SERVER_TOKEN``, sent as the ``X-Action-Server-Token``
header (deploy/endpoints.scaled.yml's ``action_endpoint.headers``). Every path
but ``/health`` answers 401 without it.

rasa-sdk listens on ``SANIC_HOST`` (every interface by default). Without a
token, an unset ``SANIC_HOST`` becomes 127.0.0.1 (so `rasa run actions` in the
checkout still works, reachable from this machine only), and one set beyond
loopback stops the action server from starting.
Like actions/health.py, the check is installed only inside the action server.
"""
from __future__ import annotations

import hmac
import logging
from typing import Any, Mapping, Optional

from payments.settings import load_settings
from common.hosts import is_loopback

logger = logging.getLogger(__name__)

RASA_SDK_APP = "rasa_sdk"
TOKEN_HEADER = "X-Action-Server-Token"
# Probes and Prometheus (nginx, compose, the test stacks) need no secret; /health and /metrics
# (counts by reason, actions/metrics.py) tell nothing about a customer.
OPEN_PATHS = ("/health", "/metrics")


class ActionServerExposed(SystemExit):
    """Listening beyond loopback with no ACTION_SERVER_TOKEN: anything on the network could act for any chat."""


def exposure_problem(environ: Mapping[str, str], token: str) -> Optional[str]:
    """Why the action server must not start with this host and token, or None."""
    host = environ.get("SANIC_HOST", "0.0.0.0").strip() or "0.0.0.0"
    if token or is_loopback(host):
        return None
    return (f"the action server listens on {host} with no ACTION_SERVER_TOKEN: anything that reaches it "
            "could act for any customer. Set ACTION_SERVER_TOKEN (the same value for Rasa), "
            "or SANIC_HOST=127.0.0.1")


def is_rasa(headers: Mapping[str, str], token: str) -> bool:
    """True when the request carries ``token`` (compared in constant time)."""
    provided = headers.get(TOKEN_HEADER, "")
    return hmac.compare_digest(provided.encode(), token.encode())


def token_check(token: str) -> Any:
    async def only_rasa(request: Any) -> Optional[Any]:
        if request.path in OPEN_PATHS or is_rasa(request.headers, token):
            return None
        from sanic import response as sanic_response

        return sanic_response.json({"error": "unauthorised"}, status=401)

    return only_rasa


def _install() -> None:
    import os

    from sanic import Sanic
    from sanic.exceptions import SanicException

    try:
        app = Sanic.get_app(RASA_SDK_APP)
    except SanicException:
        return  # not inside the action server
    token = load_settings().action_server_token
    if not token and not os.environ.get("SANIC_HOST", "").strip():
        os.environ["SANIC_HOST"] = "127.0.0.1"  # rasa-sdk reads it after importing this package
        logger.info("no ACTION_SERVER_TOKEN: the action server listens on 127.0.0.1 only")
    problem = exposure_problem(os.environ, token)
    if problem:
        logger.error("refusing to start: %s", problem)
        raise ActionServerExposed(f"error: {problem}")
    if token:
        app.register_middleware(token_check(token), "request")


_install()
