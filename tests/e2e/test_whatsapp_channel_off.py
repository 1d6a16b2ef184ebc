"""Without the WHATSAPP_* variables, the same credentials.yml starts Rasa with REST only.

A real `rasa run` process; it is pointed at an unreachable model server so it
starts without loading a model (quick), which is enough to see its channels.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import REPO, free_port
from tools import stack as devstack


def test_rasa_starts_with_rest_only_and_says_whatsapp_is_off(tmp_path: Path) -> None:
    port = free_port()
    endpoints = tmp_path / "endpoints.yml"
    unreachable_model_server = f"http://127.0.0.1:{free_port()}/model.tar.gz"
    endpoints.write_text(f'models:\n  url: "{unreachable_model_server}"\n  wait_time_between_pulls: null\n')
    env = {k: v for k, v in devstack.base_env().items() if not k.startswith("WHATSAPP_")}
    argv = [str(devstack.VENV_BIN / "rasa"), "run", "--port", str(port), "--interface", "127.0.0.1",
            "--endpoints", str(endpoints), "--credentials", str(REPO / "credentials.yml")]
    rasa = devstack.spawn("rasa-whatsapp-off", argv, env, tmp_path / "logs")
    url = f"http://127.0.0.1:{port}"
    with devstack.running(rasa, f"{url}/", 180):
        assert requests.get(f"{url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}
        assert requests.get(f"{url}/webhooks/whatsapp/", timeout=10).json() == {"status": "off"}
        assert requests.post(f"{url}/webhooks/whatsapp/webhook", json={}, timeout=10).status_code == 404
        log = rasa.log_path.read_text(errors="replace")
    assert "WhatsApp channel is off: WHATSAPP_PHONE_NUMBER_ID" in log
    assert "Traceback" not in log


pytestmark = pytest.mark.timeout(300)
