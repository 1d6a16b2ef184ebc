"""The whole product on free loopback ports, with its own database.

`make bench` and the tests that need a stack configured their own way (a
longer O'mari timeout, say) start one here. Each stack gets fresh ports, a
fresh SQLite booking and conversation databases in ``workdir``, so it never
collides with `make serve`, the end-to-end suite or another helper's run.
The processes are started by tools.stack exactly as `make serve` starts them.
"""
from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, Mapping, Optional

from payments.settings import SANDBOX_BASE_PATH
from tools import stack as devstack
from tools.local_servers import free_port

REPO = Path(__file__).resolve().parent.parent

# The sandbox and the action server agree on this key; it opens nothing but
# the loopback sandbox of this one stack.
LOOPBACK_MERCHANT_KEY = "loopback-merchant-key"


@dataclass
class LoopbackStack:
    """Where a running stack answers, and how long each process took to be ready."""

    rasa_url: str
    action_url: str
    sandbox_url: str
    database_url: str
    log_dir: Path
    action_port: int
    # The environment all three processes were started with (to start one again).
    env: Dict[str, str] = field(default_factory=dict)
    services: Dict[str, devstack.Service] = field(default_factory=dict)
    # Seconds from spawning each process to its health endpoint answering 200.
    ready_seconds: Dict[str, float] = field(default_factory=dict)
    # time.monotonic() when each process was spawned (cold start is measured from it).
    spawned_at: Dict[str, float] = field(default_factory=dict)

    @property
    def omari_base_url(self) -> str:
        return self.sandbox_url + SANDBOX_BASE_PATH


def _start(stack: ExitStack, running: LoopbackStack, name: str, service: devstack.Service,
           health_url: str, timeout: float, spawned_at: float) -> None:
    stack.callback(service.stop)
    running.services[name] = service
    running.spawned_at[name] = spawned_at
    devstack.wait_until_healthy(service, health_url, timeout)
    running.ready_seconds[name] = time.monotonic() - spawned_at


@contextmanager
def loopback_stack(
    workdir: Path,
    model: str,
    env_overrides: Optional[Mapping[str, str]] = None,
    rasa_timeout: float = 300.0,
) -> Iterator[LoopbackStack]:
    """Start sandbox, action server and Rasa (each healthy before the next); stop all on exit.

    ``env_overrides`` reach all three processes (e.g. ``OMARI_READ_TIMEOUT``,
    ``SANDBOX_SLOW_SECONDS``, ``SANDBOX_OTP``).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    rasa_port, action_port, sandbox_port = free_port(), free_port(), free_port()
    running = LoopbackStack(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=f"http://127.0.0.1:{action_port}",
        sandbox_url=f"http://127.0.0.1:{sandbox_port}",
        database_url=f"sqlite:///{workdir / 'bookings.db'}",
        log_dir=workdir / "logs",
        action_port=action_port,
    )
    defaults = dict(
        DATABASE_URL=running.database_url,
        OMARI_API_BASE_URL=running.omari_base_url,
        OMARI_MERCHANT_KEY=LOOPBACK_MERCHANT_KEY,
        SANDBOX_MERCHANT_KEY=LOOPBACK_MERCHANT_KEY,
        # The environment-driven endpoints, with one-machine stores (conversations in SQLite).
        ACTION_ENDPOINT_URL=f"{running.action_url}/webhook",
        TRACKER_STORE_URL=f"sqlite:///{workdir / 'conversations.db'}",
    )
    # An override wins (e.g. ACTION_ENDPOINT_URL through a test's recording proxy).
    running.env = env = devstack.base_env(**{**defaults, **dict(env_overrides or {})})
    endpoints = devstack.ENVIRONMENT_ENDPOINTS
    with ExitStack() as stack:
        started = time.monotonic()
        sandbox = devstack.sandbox_process(sandbox_port, env, running.log_dir)
        _start(stack, running, "sandbox", sandbox, f"{running.sandbox_url}/health", 30, started)
        started = time.monotonic()
        actions = devstack.action_server_process(action_port, env, running.log_dir)
        _start(stack, running, "actions", actions, f"{running.action_url}/health", 60, started)
        started = time.monotonic()
        rasa = devstack.rasa_server_process(rasa_port, endpoints, env, running.log_dir, model=model)
        _start(stack, running, "rasa", rasa, f"{running.rasa_url}/status", rasa_timeout, started)
        yield running
