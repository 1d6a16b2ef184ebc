"""The back office in docker-compose: behind the balancer's internal listener only, on tested versions."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

import pytest
import yaml

from tests.unit.test_deployment_files import pins

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "nginx" / "backoffice.conf.template"


@pytest.fixture(scope="module")
def compose() -> Dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_the_back_office_is_never_published_nor_on_the_public_port(compose: Dict) -> None:
    office = compose["services"]["backoffice"]
    balancer = compose["services"]["balancer"]
    assert not office.get("ports")
    listen = balancer["environment"]["BACKOFFICE_BALANCER_LISTEN"]
    assert listen != balancer["environment"]["RASA_BALANCER_LISTEN"]
    assert all(not port.endswith(f":{listen}") for port in balancer["ports"])
    assert balancer["environment"]["BACKOFFICE_SERVER"] == f"backoffice:{office['environment']['BACKOFFICE_PORT']}"
    public = (REPO / "deploy" / "nginx" / "kali-safaris.conf.template").read_text()
    assert "BACKOFFICE" not in public  # the webhook's server block never routes to it
    assert any(v.startswith("./deploy/nginx/backoffice.conf.template:") for v in balancer["volumes"])


def test_the_back_office_needs_its_own_secret_key_and_counts_people_behind_the_proxy(compose: Dict) -> None:
    environment = compose["services"]["backoffice"]["environment"]
    assert environment["BACKOFFICE_SECRET_KEY"].startswith("${BACKOFFICE_SECRET_KEY:?")
    assert environment["BACKOFFICE_PROXIES"] == "1"
    assert "X-Forwarded-For $remote_addr" in TEMPLATE.read_text()  # not appended to: one hop, set by us


def test_the_back_office_log_never_holds_a_query_string() -> None:
    variables = set(re.findall(r"\$[a-z_]+", TEMPLATE.read_text()))
    assert not variables & {"$request", "$args", "$query_string", "$request_uri", "$request_body"}, variables


def test_the_back_office_image_installs_the_tested_versions() -> None:
    tested = pins(REPO / "constraints.txt")
    for name, version in pins(REPO / "deploy" / "backoffice-requirements.txt").items():
        assert tested.get(name) == version, f"{name}=={version} but constraints.txt has {tested.get(name)}"
    dockerfile = (REPO / "deploy" / "backoffice.Dockerfile").read_text()
    assert f"FROM rasa/rasa:{pins(REPO / 'requirements.txt')['rasa']}" in dockerfile
