"""Rasa's own commands work in the checkout with none of the project's variables set.

A Rasa practitioner's first commands: `rasa data validate`, `rasa run actions`
with plain `rasa run` (not rasa_runtime.server, so none of the project's
patches), and the endpoint loading `rasa shell` and `rasa interactive` share
with `rasa run`. Each runs in a copy of the checkout (its own ``*.db`` files,
everything else the checkout's) with an environment holding only PATH and
HOME. `rasa test core` is run by `make rasa-test` itself; Rasa 3.6.21's
`test core` loads the model alone and never reads endpoints.yml.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Dict, List

from omari_sandbox.server import DEFAULT_OTP
from payments.store.repository import BookingStore
from tests.support.skips import skip_or_fail
from tools import stack as devstack

REPO = Path(__file__).resolve().parents[2]
# What the checkout keeps of its own runs: a copy must not share them.
NOT_COPIED = {"run", "results", "conversations.db", "kali_safaris.db"}
BOOKING = "BK-T005-20260210"  # the demo booking of US$850.00, nothing paid (payments/store/demo_data.py)


def checkout_copy(tmp_path: Path) -> Path:
    """A folder that reads as the checkout (links to its files), whose databases and logs are its own."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    for entry in REPO.iterdir():
        if not entry.name.startswith(".") and entry.name not in NOT_COPIED and not entry.name.endswith(".db"):
            (copy / entry.name).symlink_to(entry)
    return copy


def bare_environment(tmp_path: Path) -> Dict[str, str]:
    """What a practitioner's shell has when they have set nothing for this project."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": f"{devstack.VENV_BIN}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            # Rasa's own switch (the Makefile exports it too): no telemetry calls from a test.
            "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1"}


def private_network_available() -> bool:
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run([unshare, "--map-root-user", "--net", "true"],
                                            capture_output=True).returncode == 0


def ports_free(*ports: int) -> bool:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return False
    return True


def run_plain_rasa(tmp_path: Path, messages: List[str], *options: str) -> List[List[Dict]]:
    """tests/e2e/plain_rasa.py in a checkout copy: its own loopback when the kernel allows, else the machine's."""
    from tests.e2e import plain_rasa

    checkout, logs = checkout_copy(tmp_path), tmp_path / "logs"
    argv = [str(devstack.VENV_BIN / "python"), "-m", "tests.e2e.plain_rasa", str(checkout), str(logs)]
    if private_network_available():
        argv = ["unshare", "--map-root-user", "--net", *argv, "--private-network"]
    elif not ports_free(plain_rasa.RASA_PORT, plain_rasa.ACTION_PORT, plain_rasa.SANDBOX_PORT):
        skip_or_fail("no private network namespace here (unshare --map-root-user --net), and endpoints.yml's "
                     f"fixed ports {plain_rasa.RASA_PORT}, {plain_rasa.ACTION_PORT}, {plain_rasa.SANDBOX_PORT} "
                     "are taken")
    argv += list(options)
    for message in messages:
        argv += ["--say", message]
    done = subprocess.run(argv, cwd=REPO, env=bare_environment(tmp_path), capture_output=True, text=True,
                          timeout=600)
    logs_text = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in sorted(logs.glob("*.log")))
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n{logs_text}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def texts(replies: List[Dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def test_rasa_data_validate_passes(tmp_path: Path) -> None:
    done = subprocess.run([str(devstack.VENV_BIN / "rasa"), "data", "validate", "--fail-on-warnings"],
                          cwd=checkout_copy(tmp_path), env=bare_environment(tmp_path), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_the_endpoint_loading_of_rasa_run_shell_and_interactive_needs_no_variable(tmp_path: Path) -> None:
    """`rasa shell` runs `rasa run`'s code (rasa.cli.run.run); `rasa interactive` reads the file the same way."""
    checkout = checkout_copy(tmp_path)
    probe = """
import json
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
store = TrackerStore.create(endpoints.tracker_store)
print(json.dumps({"action": endpoints.action.url, "store": type(store).__name__,
                  "lock": type(LockStore.create(endpoints.lock_store)).__name__}))
"""
    done = subprocess.run([str(devstack.VENV_BIN / "python"), "-c", probe], cwd=checkout,
                          env=bare_environment(tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"action": "http://127.0.0.1:5055/webhook", "store": "SQLTrackerStore",
                      "lock": "InMemoryLockStore"}
    assert (checkout / "conversations.db").exists()  # the one-machine store, in the working directory


def test_plain_rasa_run_and_rasa_run_actions_take_a_payment(tmp_path: Path) -> None:
    replies = run_plain_rasa(tmp_path, ["pay", BOOKING, "850", "Ecocash", "0712000002", "yes", DEFAULT_OTP])
    assert "booking reference" in texts(replies[0])
    assert "Balance due" in texts(replies[1])
    assert "Shall I go ahead?" in texts(replies[4]) and "OTP" in texts(replies[5])
    # Unscoped sender ids (no channel guard): the action side reads "practitioner" as an unverified REST caller.
    booking = BookingStore(f"sqlite:///{tmp_path / 'checkout' / 'kali_safaris.db'}").find_booking_by_reference(BOOKING)
    assert booking is not None and booking.amount_paid == Decimal("850.00") and booking.balance_due == Decimal("0.00")


def test_the_project_server_reads_the_checkout_endpoints_too(tmp_path: Path) -> None:
    """`python -m rasa_runtime.server` with endpoints.yml (no variable in it): every patch, the same stores."""
    replies = run_plain_rasa(tmp_path, ["pay"], "--project-server")
    assert "booking reference" in texts(replies[0])
    assert replies[0][0]["recipient_id"] == "rest:practitioner"  # the channel guard scoped the sender
