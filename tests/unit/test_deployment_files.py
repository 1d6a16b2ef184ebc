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

from rasa_runtime.endpoints import ENDPOINT_DEFAULTS, OPTIONAL_EMPTY, EndpointSettingError, apply_endpoint_defaults
from rasa_runtime.api_token import with_api_token
from rasa_runtime.server import api_exposure_problem
from tools.scaled_stack import NGINX_TEMPLATE, nginx_config

REPO = Path(__file__).resolve().parents[2]
SCALED_ENDPOINTS = REPO / "deploy" / "endpoints.scaled.yml"
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
        assert compose["services"][name]["build"]["dockerfile"] == "deploy/rasa.Dockerfile"
    assert f"FROM rasa/rasa:{pinned['rasa']}\n" in (REPO / "deploy" / "rasa.Dockerfile").read_text()
    dockerfile = (REPO / "deploy" / "actions.Dockerfile").read_text()
    assert f"FROM rasa/rasa-sdk:{pinned['rasa-sdk']}" in dockerfile


def test_two_of_each_instance_behind_the_balancer(compose: Dict) -> None:
    rasa, actions = services_with(compose, "rasa-"), services_with(compose, "action-server-")
    assert len(rasa) >= 2 and len(actions) >= 2
    balancer = compose["services"]["balancer"]["environment"]
    assert set(re.findall(r"server ([\w-]+):5005;", balancer["RASA_SERVERS"])) == set(rasa)
    assert set(re.findall(r"server ([\w-]+):5055;", balancer["ACTION_SERVERS"])) == set(actions)


def test_rasa_instances_set_every_variable_the_scaled_endpoints_use(compose: Dict) -> None:
    needed = set(PLACEHOLDER.findall(SCALED_ENDPOINTS.read_text()))
    assert needed == set(ENDPOINT_DEFAULTS) | set(OPTIONAL_EMPTY)  # the defaults cover the same names
    for name in services_with(compose, "rasa-"):
        environment = compose["services"][name]["environment"]
        assert needed <= set(environment), f"{name} lacks {needed - set(environment)}"
        assert environment["LOCK_STORE_TYPE"] == "redis"
        assert environment["TRACKER_STORE_URL"].startswith("postgresql://")
        assert environment["ACTION_ENDPOINT_URL"] == "http://balancer:5055/webhook"
        # As the tests start Rasa: with the atomic Redis lock store, and the endpoints that read those variables.
        assert compose["services"][name]["entrypoint"] == ["python", "-m", "rasa_runtime.server"]
        assert "--endpoints deploy/endpoints.scaled.yml" in compose["services"][name]["command"]


def test_the_checkout_endpoints_are_the_scaled_ones_with_the_one_machine_defaults() -> None:
    """Plain `rasa run` in the checkout and `python -m rasa_runtime.server` with nothing set use the same stores."""
    environ: Dict[str, str] = {}
    apply_endpoint_defaults(environ)
    scaled = yaml.safe_load(PLACEHOLDER.sub(lambda match: environ[match.group(1)], SCALED_ENDPOINTS.read_text()))
    one_machine = yaml.safe_load((REPO / "endpoints.yml").read_text())
    assert not PLACEHOLDER.findall((REPO / "endpoints.yml").read_text())  # Rasa's own commands need no variable
    assert one_machine["action_endpoint"]["url"] == scaled["action_endpoint"]["url"]
    # One machine's action server on loopback asks for no secret: the header goes empty (actions/server_auth.py).
    assert scaled["action_endpoint"]["headers"]["X-Action-Server-Token"] in ("", None)
    assert one_machine["tracker_store"] == scaled["tracker_store"]
    assert one_machine["lock_store"]["type"] == scaled["lock_store"]["type"] == "in_memory"


def test_the_balancer_mounts_the_tested_template_and_fills_it(compose: Dict) -> None:
    balancer = compose["services"]["balancer"]
    assert any(volume.startswith("./deploy/nginx/kali-safaris.conf.template:") for volume in balancer["volumes"])
    needed: Set[str] = set(PLACEHOLDER.findall(NGINX_TEMPLATE.read_text()))
    # The back office's internal listener has its own template (tests/unit/test_backoffice_deployment.py).
    needed |= set(PLACEHOLDER.findall((NGINX_TEMPLATE.parent / "backoffice.conf.template").read_text()))
    assert needed == set(balancer["environment"])
    # And the test topology fills every one of them too.
    assert not PLACEHOLDER.search(nginx_config([1, 2], [3, 4], 5, 6, Path("access.log"), 7))


def test_action_servers_get_the_shared_stores(compose: Dict) -> None:
    for name in [*services_with(compose, "action-server-"), "migrate", "reconciler"]:
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert environment["RATE_LIMIT_REDIS_URL"].startswith("redis://")


@pytest.mark.parametrize("requirements", ["actions-requirements.txt", "rasa-requirements.txt",
                                          "backoffice-requirements.txt"])
def test_the_images_install_the_tested_versions(requirements: str) -> None:
    tested = pins(REPO / "constraints.txt")
    for name, version in pins(REPO / "deploy" / requirements).items():
        assert tested.get(name) == version, f"{name}=={version} but constraints.txt has {tested.get(name)}"


def test_every_image_has_what_the_language_code_reads() -> None:
    """Rasa's detector and the back office's inbox need lingua; the actions read translations/ at start."""
    assert "lingua-language-detector" in pins(REPO / "deploy" / "rasa-requirements.txt")
    assert "lingua-language-detector" in pins(REPO / "deploy" / "backoffice-requirements.txt")
    assert "COPY translations /app/translations" in (REPO / "deploy" / "actions.Dockerfile").read_text()


def test_every_server_with_metrics_runs_the_code_that_serves_them() -> None:
    """The Rasa image must have prometheus-client, or rasa_runtime cannot import (GET /metrics)."""
    assert "prometheus-client" in pins(REPO / "deploy" / "rasa-requirements.txt")
    assert "prometheus-client" in pins(REPO / "deploy" / "actions-requirements.txt")


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


# -- what strangers can reach (README "Security") ------------------------------------


def blocks(text: str, keyword: str) -> List[str]:
    """The bodies of every ``keyword ... { ... }`` block at the top of ``text`` (braces matched)."""
    found = []
    for match in re.finditer(rf"(?m)^\s*{keyword}\b[^{{;]*\{{", text):
        depth, start = 1, match.end()
        for index in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                found.append(match.group(0) + text[start:index])
                break
    return found


def nginx_server(listen: str) -> str:
    [server] = [b for b in blocks(NGINX_TEMPLATE.read_text(), "server") if f"listen ${{{listen}}};" in b]
    return server


def locations(server: str) -> Dict[str, str]:
    return {re.match(r"\s*location\s+([^{]*?)\s*\{", b).group(1): b for b in blocks(server, "location")}


def test_only_the_whatsapp_webhook_is_routed_publicly() -> None:
    public = locations(nginx_server("RASA_BALANCER_LISTEN"))
    assert set(public) == {"= /balancer-health", "/webhooks/whatsapp/", "/"}
    assert "proxy_pass" in public["/webhooks/whatsapp/"]
    # REST, Rasa's HTTP API (/conversations, /model), / and the rest: refused.
    assert "return 404" in public["/"] and "proxy_pass" not in public["/"]


def test_rest_is_routed_only_on_an_internal_listener_compose_does_not_publish(compose: Dict) -> None:
    rest = locations(nginx_server("REST_BALANCER_LISTEN"))
    assert "proxy_pass" in rest["/webhooks/rest/"] and "return 404" in rest["/"]
    balancer = compose["services"]["balancer"]
    assert balancer["ports"] == [f"{balancer['environment']['RASA_BALANCER_LISTEN']}:5005"]
    assert balancer["environment"]["REST_BALANCER_LISTEN"] not in " ".join(balancer["ports"])


def test_body_limits_fit_metas_batches_and_nothing_bigger() -> None:
    public = nginx_server("RASA_BALANCER_LISTEN")
    outside_locations = re.sub(r"location[^{]*\{[^}]*\}", "", public)
    assert "client_max_body_size 16k;" in outside_locations
    assert "client_max_body_size 4m;" in locations(public)["/webhooks/whatsapp/"]  # Meta: up to ~3 MB
    assert "client_max_body_size 16k;" in nginx_server("REST_BALANCER_LISTEN")


def test_nginx_never_logs_a_query_string() -> None:
    [log_format] = re.findall(r"log_format[^;]*;", NGINX_TEMPLATE.read_text())
    variables = set(re.findall(r"\$[a-z_]+", log_format))
    assert not variables & {"$request", "$args", "$query_string", "$request_uri", "$request_body"}, variables
    assert "$uri" in variables


def test_only_the_balancer_publishes_a_port(compose: Dict) -> None:
    """Prometheus and Grafana (profile observability) only on the host's loopback."""
    published = [name for name, service in compose["services"].items() if service.get("ports")]
    assert published == ["prometheus", "grafana", "balancer"]
    for name in ("prometheus", "grafana"):
        assert compose["services"][name]["profiles"] == ["observability"]
        assert all(port.startswith("127.0.0.1:") for port in compose["services"][name]["ports"])
    for name in services_with(compose, "action-server-"):
        assert compose["services"][name]["environment"]["SANIC_HOST"] == "0.0.0.0"  # its container, unpublished


def test_rasa_never_serves_its_api_without_a_token(compose: Dict) -> None:
    for name in services_with(compose, "rasa-"):
        command = compose["services"][name]["command"].split()
        # The token comes from the environment, never the command line (rasa_runtime/api_token.py).
        assert "--auth-token" not in command and "RASA_API_TOKEN" not in " ".join(command)
        environment = compose["services"][name]["environment"]
        assert api_exposure_problem(with_api_token(command, environment)) is None, command
        assert api_exposure_problem(command) is not None  # without the variable it would not start


def test_the_reconciler_tells_customers_through_an_internal_rasa_with_the_required_token(compose: Dict) -> None:
    """Issue 16 in production: trigger_intent on a Rasa instance the public balancer never routes to."""
    raw = (REPO / "docker-compose.yml").read_text()
    assert not re.search(r"\$\{RASA_API_TOKEN:-", raw), "RASA_API_TOKEN must have no default"
    for name in services_with(compose, "rasa-"):
        command = compose["services"][name]["command"]
        assert "--enable-api" in command, command
        assert compose["services"][name]["environment"]["RASA_API_TOKEN"].startswith("${RASA_API_TOKEN:?")
    reconciler = compose["services"]["reconciler"]["environment"]
    assert reconciler["RASA_API_TOKEN"].startswith("${RASA_API_TOKEN:?")
    host = reconciler["RASA_URL"].split("//", 1)[1].split(":", 1)[0]
    assert host in services_with(compose, "rasa-") and not compose["services"][host].get("ports")
    demo = (REPO / "deploy" / "demo.env").read_text()
    assert re.search(r"^RASA_API_TOKEN=\S{16,}$", demo, re.M), "the demo profile needs a token of its own"


@pytest.mark.parametrize("arguments, refused", [
    (["run", "--enable-api"], True),  # rasa run listens on every interface by default
    (["run", "--enable-api", "--interface", "0.0.0.0"], True),
    (["run", "--enable-api", "--interface=10.0.0.5"], True),
    (["run", "--enable-api", "--auth-token", "s3cret"], False),
    (["run", "--enable-api", "--interface", "127.0.0.1"], False),  # make serve, the tests
    (["run", "--port", "5005"], False),
])
def test_the_rasa_api_needs_a_token_off_loopback(arguments: List[str], refused: bool) -> None:
    assert (api_exposure_problem(arguments) is not None) == refused


def test_compose_refuses_to_start_without_a_merchant_key_and_base_url(compose: Dict) -> None:
    raw = (REPO / "docker-compose.yml").read_text()
    for name in ("OMARI_MERCHANT_KEY", "OMARI_API_BASE_URL"):
        assert re.search(rf"\$\{{{name}:\?[^}}]+\}}", raw), f"{name} must be required (${{{name}:?...}})"
        assert not re.search(rf"\$\{{{name}:-", raw), f"{name} must have no default"
    for name in [*services_with(compose, "action-server-"), "migrate", "reconciler"]:
        environment = compose["services"][name]["environment"]
        assert environment["OMARI_MERCHANT_KEY"].startswith("${OMARI_MERCHANT_KEY:?")


SECRETS = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "ACTION_SERVER_TOKEN", "RASA_API_TOKEN",
           "OMARI_MERCHANT_KEY", "OMARI_API_BASE_URL")


@pytest.mark.parametrize("name", SECRETS)
def test_every_secret_is_required_and_has_no_default(name: str) -> None:
    raw = (REPO / "docker-compose.yml").read_text()
    assert re.search(rf"\$\{{{name}:\?[^}}]+\}}", raw), f"{name} must be required (${{{name}:?...}})"
    assert not re.search(rf"\$\{{{name}(:?-|\}})", raw), f"{name} must have no default and never be optional"
    demo = (REPO / "deploy" / "demo.env").read_text()
    assert re.search(rf"^{name}=\S+$", demo, re.M), f"the demo profile needs its own {name}"


def test_redis_needs_its_password_and_every_client_sends_it(compose: Dict) -> None:
    redis = compose["services"]["redis"]
    assert "requirepass" in " ".join(redis["entrypoint"]) and "$$REDIS_PASSWORD" in " ".join(redis["entrypoint"])
    assert "REDISCLI_AUTH" in " ".join(redis["healthcheck"]["test"])
    for name in [*services_with(compose, "action-server-"), "reconciler"]:
        assert compose["services"][name]["environment"]["RATE_LIMIT_REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")
    for name in services_with(compose, "rasa-"):
        environment = compose["services"][name]["environment"]
        assert environment["LOCK_STORE_PASSWORD"].startswith("${REDIS_PASSWORD:?")
        assert environment["WHATSAPP_DEDUP_REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")


def test_rasa_and_the_action_servers_share_the_action_server_secret_and_the_omari_timeouts(compose: Dict) -> None:
    for name in [*services_with(compose, "rasa-"), *services_with(compose, "action-server-")]:
        environment = compose["services"][name]["environment"]
        assert environment["ACTION_SERVER_TOKEN"].startswith("${ACTION_SERVER_TOKEN:?"), name
        # The Rasa instances size the conversation lock from them (rasa_runtime/stores/lock_lifetime.py).
        assert environment["OMARI_READ_TIMEOUT"] == "${OMARI_READ_TIMEOUT:-30}", name
        assert environment["OMARI_CONNECT_TIMEOUT"] == "${OMARI_CONNECT_TIMEOUT:-10}", name


def test_the_sandbox_runs_only_in_the_explicit_demo_profile(compose: Dict) -> None:
    assert compose["services"]["sandbox"]["profiles"] == ["demo"]
    demo = dict(line.split("=", 1) for line in (REPO / "deploy" / "demo.env").read_text().splitlines()
                if line and not line.startswith("#"))
    assert demo["COMPOSE_PROFILES"] == "demo" and demo["OMARI_SANDBOX"] == "true"
    assert demo["OMARI_API_BASE_URL"].startswith("http://sandbox:8099/")


def test_the_periodic_job_also_deletes_old_conversations(compose: Dict) -> None:
    reconciler = compose["services"]["reconciler"]
    assert "python -m payments.ops purge-conversations" in " ".join(reconciler["entrypoint"])
    assert reconciler["environment"]["TRACKER_STORE_URL"].startswith("postgresql://")


def test_make_serve_keeps_the_action_server_and_rasa_on_loopback(tmp_path: Path) -> None:
    from tools import stack

    argv, env = {}, {}

    def fake_spawn(name: str, command: List[str], environment: Dict[str, str], *_: object) -> None:
        argv[name], env[name] = command, environment

    original = stack.spawn
    stack.spawn = fake_spawn  # type: ignore[assignment]
    try:
        stack.action_server_process(5055, {"PATH": "/bin"}, tmp_path)
        stack.rasa_server_process(5005, stack.ONE_MACHINE_ENDPOINTS, {}, tmp_path)
        stack.money_exporter_process(9465, {"PATH": "/bin"}, tmp_path)
    finally:
        stack.spawn = original
    assert env["actions"]["SANIC_HOST"] == "127.0.0.1"
    assert argv["rasa"][argv["rasa"].index("--interface") + 1] == "127.0.0.1"
    assert env["money-exporter"]["METRICS_EXPORTER_HOST"] == "127.0.0.1"


def test_make_serve_says_where_each_servers_metrics_are() -> None:
    from tools import stack

    said = stack.metrics_summary(5005, 5055, 9465)
    for url in ("http://127.0.0.1:5005/metrics", "http://127.0.0.1:5055/metrics", "http://127.0.0.1:9465/metrics"):
        assert url in said
    assert "deploy/prometheus/prometheus.one-machine.yml" in said


@pytest.mark.parametrize("listener", ["RASA_BALANCER_LISTEN", "REST_BALANCER_LISTEN"])
def test_no_listener_in_front_of_rasa_routes_its_metrics(listener: str) -> None:
    """GET /metrics on Rasa's port has no token: nginx answers 404 for it on the public and REST listeners."""
    def matches(location: str) -> bool:
        exact = location.startswith("= ")
        path = location.removeprefix("= ").strip()
        return path == "/metrics" if exact else "/metrics".startswith(path)

    matching = {location: block for location, block in locations(nginx_server(listener)).items() if matches(location)}
    assert set(matching) == {"/"}
    assert "return 404" in matching["/"] and "proxy_pass" not in matching["/"]
