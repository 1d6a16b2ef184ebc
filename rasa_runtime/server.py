"""The `rasa` command with this project's defaults and fixes, and costs of Rasa 3.6 taken out.

    python -m rasa_runtime.server run --enable-api …   (any `rasa` arguments)
    python -m rasa_runtime.server shell                (the same for every command)

tools.stack starts Rasa through this module (make run / serve, the end-to-end
tests, make bench), and so does docker-compose.yml. Before Rasa starts it:

- fills the endpoints.yml variables left unset with the one-machine defaults
  (rasa_runtime/endpoints.py): plain `rasa run` refuses an unset ${VAR};
- with `lock_store: type: redis`, uses rasa_runtime/stores/redis_lock_store.py, whose
  tickets are atomic across Rasa instances (RasaHQ/rasa#9213);
- applies rasa_runtime/speedups.py: per-turn costs taken out, leaving what
  Rasa answers exactly as it was;
- installs rasa_runtime/turns/channel_guard.py: every conversation named by the channel
  that received it, and over-long messages answered without NLU (Rasa is not
  started without it);
- installs rasa_runtime/stores/resilient_tracker_store.py: a store outage is retried, then
  answered with an apology, never taken for an empty conversation or saved
  to memory (not started without it);
- installs rasa_runtime/stores/otp_redaction.py: `[OTP]` instead of the code in every
  saved conversation (not started without it either);
- installs rasa_runtime/turns/turn_bounds.py: long sessions continued in a new one, and
  a per-sender message rate (SENDER_MESSAGES_PER_MINUTE);
- refuses `--enable-api` without `--auth-token` unless Rasa listens on
  loopback only: the HTTP API reads and writes every conversation.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import List, Optional, Sequence

from rasa_runtime.turns.channel_guard import ChannelGuardUnavailable, install_channel_guard
from rasa_runtime.stores.otp_redaction import OtpRedactionUnavailable, install_otp_redaction
from rasa_runtime.endpoints import EndpointSettingError, apply_endpoint_defaults
from rasa_runtime.speedups import apply_all
from rasa_runtime.stores.redis_lock_store import use_atomic_redis_lock_store
from rasa_runtime.stores.resilient_tracker_store import ResilienceUnavailable, install_resilient_tracker_store
from rasa_runtime.turns.turn_bounds import install_turn_bounds

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
    return (f"--enable-api without --auth-token on interface {interface}: add --auth-token "
            "(or --interface 127.0.0.1 for a development run)")


def main(argv: Optional[List[str]] = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    problem = api_exposure_problem(arguments)
    if problem:
        sys.exit(f"error: {problem}")
    use_atomic_redis_lock_store()
    try:
        apply_endpoint_defaults(os.environ)
        install_channel_guard()
        install_resilient_tracker_store()  # before the OTP redaction, which wraps its save
        install_otp_redaction()
        install_turn_bounds()  # long sessions continued, a per-sender rate (raises ValueError)
    except (EndpointSettingError, ChannelGuardUnavailable, ResilienceUnavailable, OtpRedactionUnavailable,
            ValueError) as error:
        sys.exit(f"error: {error}")
    for speedup in apply_all():
        logger.warning("not applied, Rasa runs this part unchanged: %s", speedup)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
