"""The `rasa` command with this project's defaults and fixes, and costs of Rasa 3.6 taken out.

    python -m rasa_runtime.server run --enable-api …   (any `rasa` arguments)
    python -m rasa_runtime.server shell                (the same for every command)

tools.stack starts Rasa through this module (make run / serve, the end-to-end
tests, make bench), and so does docker-compose.yml. Before Rasa starts it:

- fills the ${VARIABLES} of an environment-driven endpoints file
  (deploy/endpoints.scaled.yml) left unset with the one-machine defaults
  (rasa_runtime/endpoints.py); the checkout's endpoints.yml has none;
- takes the API token from RASA_API_TOKEN (never the command line) and
  refuses `--enable-api` without one unless Rasa listens on loopback only:
  the HTTP API reads and writes every conversation;
- installs the patches of ``project_patches``, in that order, each checked
  against the exact Rasa version it was written for (rasa_runtime/patching.py);
- filters the libraries' set-up noise (rasa_runtime/quiet.py), so that a
  warning on screen means something.

*Safety* patches: Rasa is not started when one does not fit, since it would
then be wrong about who is paying or lose conversations:
- rasa_runtime/stores/redis_lock_store.py: with `lock_store: type: redis`,
  tickets atomic across Rasa instances (RasaHQ/rasa#9213);
- rasa_runtime/api_token.py: the API token accepted in an Authorization
  header, compared in constant time, never in the query string;
- rasa_runtime/stores/lock_lifetime.py: a conversation's lock outlives its
  longest turn (from the O'mari timeouts; a TICKET_LOCK_LIFETIME set shorter
  refuses to start);
- rasa_runtime/turns/channel_guard.py: every conversation named by the channel
  that received it, and over-long messages answered without NLU;
- rasa_runtime/turns/intent_shortcuts.py: Rasa's `/intent{entities}` shortcut
  only for the payloads of the assistant's own buttons;
- rasa_runtime/stores/resilient_tracker_store.py: a store outage is retried, then
  answered with an apology, never taken for an empty conversation or saved
  to memory;
- rasa_runtime/stores/otp_redaction.py: `[OTP]` instead of the code in every
  saved conversation;
- rasa_runtime/log_redaction.py: no message text (an OTP) in Rasa's log, also
  when a REST turn fails or its client goes away.

*Speed* patches: one that does not fit is left out with a warning, and Rasa
runs its own code, answering the same:
- rasa_runtime/turns/turn_bounds.py: long sessions continued in a new one, and
  a per-sender message rate (SENDER_MESSAGES_PER_MINUTE);
- rasa_runtime/speedups.py: per-turn costs taken out.

A *visibility* patch goes in last, wrapping the rest (warned about when it
does not fit, like a speed patch):
- rasa_runtime/turns/turn_metrics.py: ``GET /metrics`` for Prometheus, with
  turns, their latency, NLU confidence and fallbacks (rasa_runtime/metrics.py).
"""
from __future__ import annotations

import logging
import os
import sys
from typing import List, MutableMapping, Optional, Sequence

from rasa_runtime.api_token import API_TOKEN_IN_HEADER, with_api_token
from rasa_runtime.log_redaction import USER_CONTENT_OUT_OF_LOGS
from rasa_runtime.endpoints import EndpointSettingError, apply_endpoint_defaults
from rasa_runtime.patching import Patch, PatchRefused, install_all
from rasa_runtime.stores.lock_lifetime import lock_lifetime, lock_lifetime_patch
from rasa_runtime.quiet import quiet_library_warnings
from rasa_runtime.speedups import SPEEDUPS
from rasa_runtime.stores.otp_redaction import OTP_REDACTION
from rasa_runtime.stores.redis_lock_store import ATOMIC_REDIS_LOCK_STORE
from rasa_runtime.stores.resilient_tracker_store import resilient_tracker_store_patch, retry_budget
from rasa_runtime.turns.channel_guard import channel_guard_patch, max_message_chars
from rasa_runtime.turns.intent_shortcuts import INTENT_SHORTCUT_GUARD
from rasa_runtime.turns.turn_bounds import turn_bounds_patches
from rasa_runtime.turns.turn_metrics import TURN_METRICS

logger = logging.getLogger(__name__)


LOOPBACK_INTERFACES = ("127.0.0.1", "localhost", "::1")


def _option(arguments: Sequence[str], name: str) -> Optional[str]:
    """The value of ``--name value`` or ``--name=value`` in ``arguments``."""
    for index, argument in enumerate(arguments):
        if argument == name and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith(name + "="):
            return argument.split("=", 1)[1]
    return None


def api_exposure_problem(arguments: Sequence[str]) -> Optional[str]:
    """Why these `rasa` arguments must not run, or None.

    `rasa run` listens on every interface by default; with `--enable-api` and
    no token anyone who reaches the port can read any conversation and post
    messages as any sender, bypassing the channels' identity.
    """
    if "--enable-api" not in arguments or _option(arguments, "--auth-token"):
        return None
    interface = _option(arguments, "--interface") or _option(arguments, "-i") or "0.0.0.0"
    if interface in LOOPBACK_INTERFACES:
        return None  # a development run on this machine only
    return (f"--enable-api without an API token on interface {interface}: set RASA_API_TOKEN "
            "(or --interface 127.0.0.1 for a development run)")


def project_patches(environ: MutableMapping[str, str]) -> List[Patch]:
    """Every replacement of Rasa's code, in the order they go in; ValueError on a bad setting.

    Fills TICKET_LOCK_LIFETIME in ``environ`` when unset (rasa_runtime/stores/lock_lifetime.py).

    The resilient store replaces FailSafeTrackerStore.save and Agent.handle_message
    outright, so it goes before the OTP redaction and the rate limit, which wrap them.
    """
    return [
        ATOMIC_REDIS_LOCK_STORE,
        API_TOKEN_IN_HEADER,
        lock_lifetime_patch(lock_lifetime(environ)),
        channel_guard_patch(max_message_chars(environ)),
        INTENT_SHORTCUT_GUARD,
        resilient_tracker_store_patch(retry_budget(environ)),
        OTP_REDACTION,
        USER_CONTENT_OUT_OF_LOGS,
        *turn_bounds_patches(environ),
        *SPEEDUPS,
        TURN_METRICS,
    ]


def main(argv: Optional[List[str]] = None) -> None:
    arguments = with_api_token(sys.argv[1:] if argv is None else argv, os.environ)
    problem = api_exposure_problem(arguments)
    if problem:
        sys.exit(f"error: {problem}")
    quiet_library_warnings()
    try:
        apply_endpoint_defaults(os.environ)
        install_all(project_patches(os.environ))
    except (EndpointSettingError, PatchRefused, ValueError) as error:
        sys.exit(f"error: {error}")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
