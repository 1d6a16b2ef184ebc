"""Rasa's own commands, as a practitioner types them in a checkout with nothing set: run by test_rasa_commands.py.

    python -m tests.e2e.plain_rasa CHECKOUT LOG_DIR [--private-network] [--say TEXT ...]

In CHECKOUT (a copy of the checkout whose ``*.db`` files are its own): the
booking database migrated and seeded (``python -m payments.ops``), the O'mari
sandbox on its default port, ``rasa run actions`` and plain ``rasa run
--enable-api`` (not rasa_runtime.server, unless ``--project-server``), both reading the checkout's
endpoints.yml with its fixed one-machine ports. Each ``--say`` is sent over
REST as one customer, and the replies are printed as one JSON line.

Those ports are fixed, so with ``--private-network`` (the test starts this
under ``unshare --net``) loopback is this run's own and nothing collides with
a developer's ``make serve`` or a parallel test run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, List, Optional

from tools import stack as devstack

RASA_PORT, ACTION_PORT, SANDBOX_PORT = 5005, 5055, 8099  # the defaults endpoints.yml and payments/settings.py name
SENDER = "practitioner"


def say(text: str) -> List[Dict[str, Any]]:
    body = json.dumps({"sender": SENDER, "message": text}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkout", type=Path)
    parser.add_argument("log_dir", type=Path)
    parser.add_argument("--private-network", action="store_true")
    parser.add_argument("--say", action="append", default=[])
    parser.add_argument("--project-server", action="store_true",
                        help="start Rasa as `python -m rasa_runtime.server run` instead of plain `rasa run`")
    args = parser.parse_args(argv)
    env = dict(os.environ)  # the caller stripped it
    python, rasa = str(devstack.VENV_BIN / "python"), str(devstack.VENV_BIN / "rasa")
    rasa_command = [python, "-m", "rasa_runtime.server"] if args.project_server else [rasa]
    if args.private_network:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for command in ("migrate", "seed"):
        subprocess.run([python, "-m", "payments.ops", command], cwd=args.checkout, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    with ExitStack() as stack:
        started = [
            (devstack.spawn("sandbox", [python, "-m", "omari_sandbox", "--port", str(SANDBOX_PORT)], env,
                            args.log_dir, cwd=args.checkout), f"http://127.0.0.1:{SANDBOX_PORT}/health", 30),
            (devstack.spawn("actions", [rasa, "run", "actions"], env, args.log_dir, cwd=args.checkout),
             f"http://127.0.0.1:{ACTION_PORT}/health", 90),
            # The checkout's endpoints.yml by default; loopback only, as the API has no token.
            (devstack.spawn("rasa", [*rasa_command, "run", "--enable-api", "--interface", "127.0.0.1"], env,
                            args.log_dir, cwd=args.checkout), f"http://127.0.0.1:{RASA_PORT}/status", 300),
        ]
        for service, _, _ in started:
            stack.callback(service.stop)
        for service, health_url, timeout in started:
            devstack.wait_until_healthy(service, health_url, timeout)
        print(json.dumps([say(text) for text in args.say]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
