"""Trust inside the deployment: only Rasa calls the action server, and Rasa's API token stays out of sight.

The action server believes the tracker in a request body, so whatever can reach
it could name a WhatsApp customer's conversation and act for them; Rasa proves
itself with the shared ACTION_SERVER_TOKEN header (actions/server_auth.py),
which every other e2e conversation shows Rasa sending. Rasa's own API token
travels in an Authorization header, never in a URL or on a command line
(rasa_runtime/api_token.py).
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Dict

import pytest
import requests

from tests.e2e.conftest import ACTION_SERVER_TOKEN, RASA_API_TOKEN, Chat, Stack
from tools import stack as devstack
from tools.local_servers import free_port

VICTIM = "whatsapp:263772000123"


def forged_call(sender_id: str) -> Dict[str, Any]:
    """What Rasa would post to run "did my payment go through?" in ``sender_id``'s conversation."""
    return {
        "next_action": "action_payment_status", "sender_id": sender_id, "version": "3.6.21", "domain": {},
        "tracker": {"sender_id": sender_id, "slots": {}, "events": [], "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": "action_listen",
                    "latest_message": {"text": "did my payment go through?", "entities": [],
                                       "intent": {"name": "ask_payment_status", "confidence": 1.0}}},
    }


def test_only_rasa_can_run_an_action_for_a_customer(stack: Stack, chat: Chat) -> None:
    webhook = f"http://127.0.0.1:{stack.action_port}/webhook"
    for headers in ({}, {"X-Action-Server-Token": "guess"}, {"X-Action-Server-Token": ACTION_SERVER_TOKEN[:-1]},
                    {"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"}):
        refused = requests.post(webhook, json=forged_call(VICTIM), headers=headers, timeout=30)
        assert refused.status_code == 401, (headers, refused.text)
        assert "payment" not in refused.text.lower()
    assert requests.get(f"http://127.0.0.1:{stack.action_port}/actions", timeout=10).status_code == 401
    # Rasa itself, with the secret, is served: the check does not refuse everyone.
    served = requests.post(webhook, json=forged_call(VICTIM), timeout=30,
                           headers={"X-Action-Server-Token": ACTION_SERVER_TOKEN})
    assert served.status_code == 200, served.text
    assert requests.get(f"http://127.0.0.1:{stack.action_port}/health", timeout=10).status_code == 200
    assert "booking reference" in chat.text("pay")  # and Rasa's own calls carry it


def test_the_action_server_does_not_listen_beyond_loopback_without_the_secret(tmp_path: Path) -> None:
    env = devstack.base_env(SANIC_HOST="0.0.0.0", ACTION_SERVER_TOKEN="")
    service = devstack.action_server_process(free_port(), env, tmp_path)
    try:
        service.process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        service.stop()
        pytest.fail(f"the action server started on every interface with no token:\n{service.log_tail()}")
    assert service.process.returncode != 0
    assert "ACTION_SERVER_TOKEN" in service.log_tail()


def test_rasas_api_token_goes_in_a_header_never_in_a_url_or_on_a_command_line(stack: Stack) -> None:
    status = f"{stack.rasa_url}/status"
    assert requests.get(status, params={"token": RASA_API_TOKEN}, timeout=10).status_code == 401
    assert requests.get(status, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    assert requests.get(status, headers={"Authorization": f"Bearer {RASA_API_TOKEN}"}, timeout=10).status_code == 200
    assert stack.rasa is not None
    command_line = Path(f"/proc/{stack.rasa.process.pid}/cmdline").read_bytes().decode()
    assert "--enable-api" in command_line and RASA_API_TOKEN not in command_line
