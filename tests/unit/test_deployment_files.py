"""docker-compose.yml stays in step with what `make test-scale` runs.

No Docker engine runs in CI, so the compose file is checked against the
tested configuration instead: the same images as the pinned packages, every
variable endpoints.yml and the nginx template need, and the same pins.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

from tools.rasa_endpoints import ENDPOINT_DEFAULTS, OPTIONAL_EMPTY, EndpointSettingError, apply_endpoint_defaults
from tools.scaled_stack import NGINX_TEMPLATE, nginx_config

REPO = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")


@pytest.fixture(scope="module")
def compose() -> Dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def pins(path: Path) -> Dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[name.strip().lower()] = version.strip()
    return found


def services_with(compose: Dict, prefix: str) -> List[str]:
    return [name for name in compose["services"] if name.startswith(prefix)]


def test_images_are_the_official_ones_of_the_pinned_versions(compose: Dict) -> None:
    pinned = pins(REPO / "requirements.txt")
    for name in services_with(compose, "rasa-"):
        assert compose["services"][name]["image"] == f"rasa/rasa:{pinned['rasa']}"
    dockerfile = (REPO / "deploy" / "actions.Dockerfile").read_text()
    assert f"FROM rasa/rasa-sdk:{pinned['rasa-sdk']}" in dockerfile


def test_two_of_each_instance_behind_the_balancer(compose: Dict) -> None:
    rasa, actions = services_with(compose, "rasa-"), services_with(compose, "action-server-")
    assert len(rasa) >= 2 and len(actions) >= 2
    balancer = compose["services"]["balancer"]["environment"]
    assert set(re.findall(r"server ([\w-]+):5005;", balancer["RASA_SERVERS"])) == set(rasa)
    assert set(re.findall(r"server ([\w-]+):5055;", balancer["ACTION_SERVERS"])) == set(actions)


def test_rasa_instances_set_every_variable_endpoints_yml_uses(compose: Dict) -> None:
    needed = set(PLACEHOLDER.findall((REPO / "endpoints.yml").read_text()))
    assert needed == set(ENDPOINT_DEFAULTS) | set(OPTIONAL_EMPTY)  # the defaults cover the same names
    for name in services_with(compose, "rasa-"):
        environment = compose["services"][name]["environment"]
        assert needed <= set(environment), f"{name} lacks {needed - set(environment)}"
        assert environment["LOCK_STORE_TYPE"] == "redis"
        assert environment["TRACKER_STORE_URL"].startswith("postgresql://")
        assert environment["ACTION_ENDPOINT_URL"] == "http://balancer:5055/webhook"
        # As the tests start Rasa: with the atomic Redis lock store.
        assert compose["services"][name]["entrypoint"] == ["python", "-m", "tools.rasa_server"]


def test_the_balancer_mounts_the_tested_template_and_fills_it(compose: Dict) -> None:
    balancer = compose["services"]["balancer"]
    assert any(volume.startswith("./deploy/nginx/kali-safaris.conf.template:") for volume in balancer["volumes"])
    needed: Set[str] = set(PLACEHOLDER.findall(NGINX_TEMPLATE.read_text()))
    assert needed == set(balancer["environment"])
    # And the test topology fills every one of them too.
    assert not PLACEHOLDER.search(nginx_config([1, 2], [3, 4], 5, 6, Path("access.log")))


def test_action_servers_get_the_shared_stores(compose: Dict) -> None:
    for name in [*services_with(compose, "action-server-"), "migrate", "reconciler"]:
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert environment["RATE_LIMIT_REDIS_URL"].startswith("redis://")


def test_the_action_image_installs_the_tested_versions() -> None:
    tested = pins(REPO / "constraints.txt")
    for name, version in pins(REPO / "deploy" / "actions-requirements.txt").items():
        assert tested.get(name) == version, f"{name}=={version} but constraints.txt has {tested.get(name)}"


def test_unset_endpoint_variables_get_the_one_machine_defaults() -> None:
    environ: Dict[str, str] = {"LOCK_STORE_TYPE": ""}
    filled = apply_endpoint_defaults(environ)
    assert filled == ENDPOINT_DEFAULTS and environ["LOCK_STORE_PASSWORD"] == ""
    kept = {"TRACKER_STORE_URL": "postgresql://rasa@db/rasa", "LOCK_STORE_TYPE": "redis"}
    apply_endpoint_defaults(kept)
    assert kept["TRACKER_STORE_URL"] == "postgresql://rasa@db/rasa" and kept["LOCK_STORE_TYPE"] == "redis"


@pytest.mark.parametrize("name, value", [
    ("LOCK_STORE_TYPE", "memcached"),
    ("LOCK_STORE_PORT", "six"),
    ("TRACKER_STORE_URL", "mysql://rasa@db/rasa"),
    ("ACTION_ENDPOINT_URL", "127.0.0.1:5055/webhook"),
])
def test_a_value_that_cannot_work_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(EndpointSettingError, match=name):
        apply_endpoint_defaults({name: value})
