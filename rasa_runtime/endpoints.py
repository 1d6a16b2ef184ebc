"""What deploy/endpoints.scaled.yml's ``${VARIABLES}`` mean when they are unset: the one-machine defaults.

Rasa expands ``${VAR}`` in an endpoints file but refuses one that is unset,
and has no syntax for a default. So the defaults live here, in one place, and
``python -m rasa_runtime.server`` (how every make target and test starts Rasa)
applies them before Rasa reads the file. The checkout's endpoints.yml is the
same setup written out with these values, for Rasa's own commands
(tests/unit/test_deployment_files.py keeps the two equal). A deployment that
sets the variables itself (docker-compose.yml does) needs nothing from this module.
"""
from __future__ import annotations

from typing import Dict, MutableMapping

# One machine: the action server on its default port, conversations in a
# SQLite file beside the booking database (they survive a restart), and
# Rasa's in-process lock store (enough for one Rasa process).
ENDPOINT_DEFAULTS: Dict[str, str] = {
    "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
    "TRACKER_STORE_URL": "sqlite:///conversations.db",
    "LOCK_STORE_TYPE": "in_memory",
    "LOCK_STORE_HOST": "127.0.0.1",
    "LOCK_STORE_PORT": "6379",
    "LOCK_STORE_DB": "1",
}
# Optional: empty is a valid value (a Redis without a password; an action server on loopback
# that asks for no token, actions/server_auth.py).
OPTIONAL_EMPTY = ("LOCK_STORE_PASSWORD", "ACTION_SERVER_TOKEN")

LOCK_STORE_TYPES = ("in_memory", "redis")
TRACKER_STORE_SCHEMES = ("sqlite://", "postgresql://", "postgresql+psycopg2://")


class EndpointSettingError(ValueError):
    """A variable is set to something Rasa would fail on later, less clearly."""


def apply_endpoint_defaults(environ: MutableMapping[str, str]) -> Dict[str, str]:
    """Fill unset (or empty) endpoint variables in ``environ``; returns what was filled.

    Raises EndpointSettingError for a value that cannot work, naming the variable.
    """
    filled = {}
    for name, default in ENDPOINT_DEFAULTS.items():
        if not environ.get(name, "").strip():
            environ[name] = filled[name] = default
    for name in OPTIONAL_EMPTY:
        environ.setdefault(name, "")
    lock_store = environ["LOCK_STORE_TYPE"].strip()
    if lock_store not in LOCK_STORE_TYPES:
        raise EndpointSettingError(f"LOCK_STORE_TYPE must be one of {', '.join(LOCK_STORE_TYPES)}, got {lock_store!r}")
    if not environ["LOCK_STORE_PORT"].strip().isdigit():
        raise EndpointSettingError(f"LOCK_STORE_PORT must be a port number, got {environ['LOCK_STORE_PORT']!r}")
    if not environ["TRACKER_STORE_URL"].startswith(TRACKER_STORE_SCHEMES):
        raise EndpointSettingError(
            "TRACKER_STORE_URL must be a sqlite:/// or postgresql:// URL, got one starting "
            f"{environ['TRACKER_STORE_URL'].split(':', 1)[0]!r}"
        )
    if not environ["ACTION_ENDPOINT_URL"].startswith(("http://", "https://")):
        raise EndpointSettingError("ACTION_ENDPOINT_URL must be an http(s) URL of the action server's /webhook")
    return filled
