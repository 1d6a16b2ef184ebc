"""``python -m omari_sandbox``: serve the sandbox until SIGINT or SIGTERM.

Every flag can also come from the environment (``SANDBOX_HOST``,
``SANDBOX_PORT``, ``SANDBOX_OTP``, ``SANDBOX_MERCHANT_KEY``,
``SANDBOX_SLOW_SECONDS``) so a Makefile or container needs no arguments; a flag
wins over its variable.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Callable, List, Mapping, Optional, TypeVar

from omari_sandbox.server import DEFAULT_MERCHANT_KEY, DEFAULT_OTP, start_sandbox

logger = logging.getLogger("omari_sandbox")
Number = TypeVar("Number", int, float)


def _env_number(environ: Mapping[str, str], name: str, default: Number,
                kind: Callable[[str], Number]) -> Number:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m omari_sandbox", description="Serve a loopback O'mari merchant API.",
        epilog="Each flag defaults to its environment variable: SANDBOX_HOST, SANDBOX_PORT, "
               "SANDBOX_OTP, SANDBOX_MERCHANT_KEY, SANDBOX_SLOW_SECONDS.")
    parser.add_argument("--host", default=environ.get("SANDBOX_HOST", "").strip() or "127.0.0.1")
    parser.add_argument("--port", type=int, default=_env_number(environ, "SANDBOX_PORT", 8099, int))
    parser.add_argument("--otp", default=environ.get("SANDBOX_OTP", "").strip() or DEFAULT_OTP,
                        help="the one OTP every customer 'receives' (4-8 digits)")
    parser.add_argument("--merchant-key",
                        default=environ.get("SANDBOX_MERCHANT_KEY", "").strip() or DEFAULT_MERCHANT_KEY)
    parser.add_argument("--slow-seconds", type=float,
                        default=_env_number(environ, "SANDBOX_SLOW_SECONDS", 35.0, float),
                        help="how long the slow test number holds back its /request answer")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    try:
        options = build_parser(os.environ).parse_args(argv)
    except ValueError as error:  # a SANDBOX_* variable that is not a number
        print(f"omari_sandbox: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Block the stop signals before any thread starts so every thread inherits the
    # mask and sigwait below receives them; a handler setting an Event could
    # deadlock if the signal landed while the main thread held that Event's lock.
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        sandbox = start_sandbox(options.host, options.port, options.otp,
                                options.merchant_key, options.slow_seconds)
    except (OSError, ValueError) as error:
        print(f"omari_sandbox: cannot start: {error}", file=sys.stderr)
        return 1
    logger.info("serving %s (health: %s/health)", sandbox.base_url, sandbox.root_url)
    received = signal.sigwait(stop_signals)
    logger.info("received %s, stopping", signal.Signals(received).name)
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
