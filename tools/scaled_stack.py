"""The scaled-out topology on one machine: two Rasa instances, two action servers, shared stores.

    PostgreSQL  bookings (DATABASE_URL) and Rasa's conversations (TRACKER_STORE_URL)
    Redis       Rasa's lock store, OTP rate limits, WhatsApp deduplication
    nginx       one balancer in front of the Rasa instances, one in front of the action servers
    sandbox     O'mari, as in every other stack

It is what docker-compose.yml runs, with processes instead of containers and
the same nginx template (deploy/nginx/) and endpoints
(deploy/endpoints.scaled.yml), configured only through the environment
variables docs/scaling-out.md lists. `make test-scale`
(tests/scale/) starts one; each server runs from the machine's own packages
on free loopback ports (tools/local_servers.py).
"""
from __future__ import annotations

import os
import secrets
import signal
import string
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional
from urllib.parse import urlsplit

from payments.settings import SANDBOX_BASE_PATH
from tools import local_servers
from tools.local_servers import free_port
from tools import stack as devstack

REPO = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = REPO / "deploy" / "nginx" / "kali-safaris.conf.template"
MERCHANT_KEY = "scaled-merchant-key"
INSTANCES = 2
# Redis databases: one per job, so one can be flushed without touching the others.
LOCK_STORE_REDIS_DB = 1
DEDUP_REDIS_DB = 2
RATE_LIMIT_REDIS_DB = 3


ACTION_SERVER_TOKEN = secrets.token_urlsafe(32)


def nginx_config(rasa_ports: List[int], action_ports: List[int], rasa_balancer_port: int,
                 action_balancer_port: int, access_log: Path, rest_balancer_port: int = 0) -> str:
    """deploy/nginx's template filled for loopback, inside a minimal nginx.conf of its own."""
    site = string.Template(NGINX_TEMPLATE.read_text()).safe_substitute(
        RASA_SERVERS=" ".join(f"server 127.0.0.1:{port};" for port in rasa_ports),
        ACTION_SERVERS=" ".join(f"server 127.0.0.1:{port};" for port in action_ports),
        RASA_BALANCER_LISTEN=f"127.0.0.1:{rasa_balancer_port}",
        ACTION_BALANCER_LISTEN=f"127.0.0.1:{action_balancer_port}",
        REST_BALANCER_LISTEN=f"127.0.0.1:{rest_balancer_port or free_port()}",
        BALANCER_ACCESS_LOG=str(access_log),
    )
    return (
        "worker_processes 1;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        # Small JSON bodies only; buffering them in memory keeps nginx off the disk.
        "  client_body_buffer_size 1m;\n  proxy_buffering off;\n"
        f"{site}\n}}\n"
    )


@dataclass
class ScaledStack:
    """Where each part answers, and how to kill and restart the instances."""

    workdir: Path
    model: str
    rasa_ports: List[int]
    action_ports: List[int]
    balancer_url: str  # nginx's REST listener in front of the Rasa instances (internal in compose)
    public_url: str  # nginx's public listener: the WhatsApp webhook only
    action_balancer_url: str
    sandbox_url: str
    database_url: str
    tracker_store_url: str
    redis_url: str
    rasa_env: Dict[str, str]
    action_env: Dict[str, str]
    rasa: List[devstack.Service] = field(default_factory=list)
    actions: List[devstack.Service] = field(default_factory=list)
    # The private servers, for drills that stop them; None when TEST_POSTGRES_URL / TEST_REDIS_URL named others.
    postgres: Optional[local_servers.PrivateServer] = None
    redis: Optional[local_servers.PrivateServer] = None

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def log_dir(self) -> Path:
        return self.workdir / "logs"

    def spawn_rasa(self, index: int) -> devstack.Service:
        self.rasa[index] = devstack.rasa_server_process(
            self.rasa_ports[index], devstack.ENVIRONMENT_ENDPOINTS, self.rasa_env, self.log_dir / f"rasa-{index}",
            model=self.model,
        )
        return self.rasa[index]

    def start_rasa(self, index: int, timeout: float = 300) -> None:
        devstack.wait_until_healthy(self.spawn_rasa(index), f"{self.rasa_urls[index]}/status", timeout)

    def start_actions(self, index: int, timeout: float = 60) -> None:
        service = devstack.action_server_process(
            self.action_ports[index], self.action_env, self.log_dir / f"actions-{index}"
        )
        self.actions[index] = service
        devstack.wait_until_healthy(service, f"http://127.0.0.1:{self.action_ports[index]}/health", timeout)

    @staticmethod
    def kill(service: devstack.Service) -> None:
        """SIGKILL, as a machine or the OOM killer would: no clean shutdown at all."""
        if service.process.poll() is None:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait(timeout=30)

    def reconcile(self) -> str:
        """`python -m payments.ops reconcile`, as the periodic reconciler runs it."""
        done = subprocess.run([sys.executable, "-m", "payments.ops", "reconcile"], cwd=REPO, env=self.action_env,
                              capture_output=True, text=True, timeout=300, check=True)
        return done.stdout

    def balancer_log(self) -> List[str]:
        path = self.log_dir / "nginx" / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def stop(self) -> None:
        for service in [*self.rasa, *self.actions]:
            if service is not None:  # None: start-up failed before it was spawned
                service.stop()


def _private(running: ExitStack, process: Callable[[Path], Any], existing_variable: str,
             workdir: Path) -> Optional[local_servers.PrivateServer]:
    """A private server started in ``running``, or None when ``existing_variable`` names a running one."""
    if os.environ.get(existing_variable, "").strip():
        return None
    return running.enter_context(process(workdir))


def _redis_parts(redis_url: str) -> Dict[str, str]:
    parts = urlsplit(redis_url)
    return {"host": parts.hostname or "127.0.0.1", "port": str(parts.port or 6379)}


def _with_db(redis_url: str, db: int) -> str:
    parts = urlsplit(redis_url)
    return f"{parts.scheme}://{parts.netloc}/{db}"


@contextmanager
def scaled_stack(workdir: Path, model: str, env_overrides: Optional[Mapping[str, str]] = None) -> Iterator[ScaledStack]:
    """Start the whole topology (each part healthy before what needs it); stop it all on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as running:
        postgres_server = _private(running, local_servers.postgres_process, "TEST_POSTGRES_URL", workdir / "postgres")
        redis_server = _private(running, local_servers.redis_process, "TEST_REDIS_URL", workdir / "redis")
        postgres = postgres_server.url if postgres_server else os.environ["TEST_POSTGRES_URL"]
        redis_url = redis_server.url if redis_server else os.environ["TEST_REDIS_URL"]
        database_url = local_servers.create_postgres_database(postgres, "kali_bookings")
        tracker_store_url = local_servers.create_postgres_database(postgres, "kali_conversations")
        rasa_ports = [local_servers.free_port() for _ in range(INSTANCES)]
        action_ports = [local_servers.free_port() for _ in range(INSTANCES)]
        sandbox_port, rasa_balancer, action_balancer, rest_balancer = (local_servers.free_port() for _ in range(4))
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        common = devstack.base_env(
            OMARI_API_BASE_URL=sandbox_url + SANDBOX_BASE_PATH,
            OMARI_MERCHANT_KEY=MERCHANT_KEY,
            SANDBOX_MERCHANT_KEY=MERCHANT_KEY,
            # Rasa proves itself to the action servers through nginx (actions/server_auth.py).
            ACTION_SERVER_TOKEN=ACTION_SERVER_TOKEN,
            **dict(env_overrides or {}),
        )
        redis = _redis_parts(redis_url)
        rasa_env = dict(
            common,
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_balancer}/webhook",
            TRACKER_STORE_URL=tracker_store_url,
            LOCK_STORE_TYPE="redis",
            LOCK_STORE_HOST=redis["host"],
            LOCK_STORE_PORT=redis["port"],
            LOCK_STORE_DB=str(LOCK_STORE_REDIS_DB),
            WHATSAPP_DEDUP_REDIS_URL=_with_db(redis_url, DEDUP_REDIS_DB),
        )
        action_env = dict(common, DATABASE_URL=database_url,
                          RATE_LIMIT_REDIS_URL=_with_db(redis_url, RATE_LIMIT_REDIS_DB))
        topology = ScaledStack(
            workdir=workdir, model=model, rasa_ports=rasa_ports, action_ports=action_ports,
            balancer_url=f"http://127.0.0.1:{rest_balancer}",
            public_url=f"http://127.0.0.1:{rasa_balancer}",
            action_balancer_url=f"http://127.0.0.1:{action_balancer}",
            sandbox_url=sandbox_url, database_url=database_url, tracker_store_url=tracker_store_url,
            redis_url=redis_url, rasa_env=rasa_env, action_env=action_env,
            rasa=[None] * INSTANCES, actions=[None] * INSTANCES,  # type: ignore[list-item]
            postgres=postgres_server, redis=redis_server,
        )
        running.callback(topology.stop)
        # Once, before any action server starts, as a deploy runs it.
        subprocess.run([sys.executable, "-m", "payments.ops", "migrate"], cwd=REPO, env=action_env, check=True,
                       stdout=subprocess.DEVNULL, timeout=120)

        sandbox = devstack.sandbox_process(sandbox_port, common, topology.log_dir)
        running.enter_context(devstack.running(sandbox, f"{sandbox_url}/health", 30))
        for index in range(INSTANCES):
            topology.start_actions(index)
        (topology.log_dir / "nginx").mkdir(parents=True, exist_ok=True)
        config = nginx_config(rasa_ports, action_ports, rasa_balancer, action_balancer,
                              topology.log_dir / "nginx" / "access.log", rest_balancer)
        running.enter_context(local_servers.nginx_server(
            topology.log_dir / "nginx", config, f"{topology.balancer_url}/balancer-health"))
        # Both Rasa instances load their model at the same time, as a deploy would start them.
        for index in range(INSTANCES):
            topology.spawn_rasa(index)
        for index, service in enumerate(topology.rasa):
            devstack.wait_until_healthy(service, f"{topology.rasa_urls[index]}/status", 300)
        yield topology
