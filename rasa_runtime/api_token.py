"""Rasa's HTTP API token in a header, never in a URL or on a command line.

Rasa 3.6 takes its API token on the command line (``--auth-token``), where
``ps`` and /proc show it to every user of the machine, and checks it only in
the query string (``?token=…``), where proxies, access logs and shell history
keep it; the comparison is not constant-time either. Here:

- ``RASA_API_TOKEN`` in the environment becomes the ``--auth-token`` of
  ``python -m rasa_runtime.server run --enable-api`` inside the process (its
  command line never shows it);
- ``requires_auth`` is replaced (a safety patch, before Rasa builds its app)
  by one that accepts ``Authorization: Bearer <token>``, compared with
  ``hmac.compare_digest``, and no longer a ``?token=`` (answered 401). Rasa's
  JWT check (``--jwt-secret``) is kept as it is.
"""
from __future__ import annotations

import hmac
from functools import wraps
from http import HTTPStatus
from inspect import isawaitable
from typing import Any, Callable, List, Mapping, Optional, Sequence

from rasa_runtime.patching import Patch, PatchKind

TOKEN_VARIABLE = "RASA_API_TOKEN"
BEARER = "Bearer "


def with_api_token(arguments: Sequence[str], environ: Mapping[str, str]) -> List[str]:
    """``arguments`` plus ``--auth-token`` from RASA_API_TOKEN, for `run --enable-api` without one."""
    token = environ.get(TOKEN_VARIABLE, "").strip()
    given = any(argument == "--auth-token" or argument.startswith("--auth-token=") for argument in arguments)
    if not token or given or "--enable-api" not in arguments:
        return list(arguments)
    return [*arguments, "--auth-token", token]


def bearer_matches(authorization: Optional[str], token: str) -> bool:
    """True when an ``Authorization`` header carries ``token`` as its bearer token."""
    if not authorization or not authorization.startswith(BEARER):
        return False
    return hmac.compare_digest(authorization[len(BEARER):].strip().encode(), token.encode())


def _requires_auth_by_header(rasa_requires_auth: Callable[..., Any]) -> Callable[..., Any]:
    def requires_auth(app: Any, token: Optional[str] = None) -> Callable[[Any], Any]:
        def decorator(handler: Any) -> Any:
            # Rasa's own check with no token: the JWT when configured; open when neither is (loopback only).
            rasa_check = rasa_requires_auth(app, None)(handler)
            if token is None:
                return rasa_check

            @wraps(handler)
            async def decorated(request: Any, *args: Any, **kwargs: Any) -> Any:
                if bearer_matches(request.headers.get("Authorization"), token):
                    result = handler(request, *args, **kwargs)
                    return await result if isawaitable(result) else result
                if app.config.get("USE_JWT"):
                    return await rasa_check(request, *args, **kwargs)
                from rasa.server import ErrorResponse

                raise ErrorResponse(HTTPStatus.UNAUTHORIZED, "NotAuthenticated", "User is not authenticated.")

            return decorated

        return decorator

    return requires_auth


_REQUIRES_AUTH = "rasa.server:requires_auth"
# Written against Rasa 3.6.21's requires_auth(app, token), which rasa.server.create_app applies per route.
API_TOKEN_IN_HEADER = Patch(
    "API token in a header", PatchKind.SAFETY, (_REQUIRES_AUTH,),
    lambda originals: {_REQUIRES_AUTH: _requires_auth_by_header(originals[_REQUIRES_AUTH])},
    without_it="the reconciler's Authorization header would be refused and the token would travel in URLs")
