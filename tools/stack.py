"""Start the product's processes on loopback: O'mari sandbox, action server, Rasa.

`make run`, `make serve` and the end-to-end tests all start the product
through this module, so the tests exercise it exactly the way people run it.
Readiness is decided by health endpoints polled with a deadline, never by
sleeping and hoping.

    python -m tools.stack serve   # sandbox (if no merchant key) + actions + rasa run,
                                  # the back office (python -m backoffice, 127.0.0.1:8060),
                                  # and `python -m payments.ops reconcile` every
                                  # RECONCILE_INTERVAL_SECONDS (default 60), and the
                                  # money exporter for Prometheus (payments/exporter.py)
    python -m tools.stack run     # the same, then a terminal chat (tools/chat.py)

Both make a Rasa API token at start-up (unless RASA_API_TOKEN is set), start
Rasa with it and hand it to the reconciler, which tells customers through
Rasa how their unconfirmed payments ended (payments/notifications/notifier.py). It is also
written to run/rasa-api-token (owner-only), where an `ops reconcile` run by
hand next to the stack finds it.
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

from payments.settings import DEFAULT_RASA_API_TOKEN_FILE, load_settings

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOG_DIR = REPO / "run" / "logs"
# The checkout's endpoints.yml is the one-machine setup written out (for
# Rasa's own commands); a stack that chooses its ports and stores by
# environment variable gives Rasa the file that reads them, with
# rasa_runtime/endpoints.py's defaults for those left unset.
ONE_MACHINE_ENDPOINTS = REPO / "endpoints.yml"
ENVIRONMENT_ENDPOINTS = REPO / "deploy" / "endpoints.scaled.yml"


class ServiceFailedToStart(RuntimeError):
    pass


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the service's process group, then SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def wait_until_healthy(service: Service, url: str, timeout: float,
                       headers: Optional[Dict[str, str]] = None) -> float:
    """Poll ``url`` (with ``headers``) until it answers 200; returns the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise ServiceFailedToStart(
                f"{service.name} exited with {service.process.returncode}:\n{service.log_tail()}"
            )
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise ServiceFailedToStart(f"{service.name} not healthy at {url} after {timeout:.0f}s:\n{service.log_tail()}")


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the stack process dies, even by SIGKILL.

    Services run in their own process group (so one signal reaches their
    children), which also cuts them off from the terminal's hang-up; without
    this they would outlive a closed terminal.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: stop() still cleans up on a normal exit
        pass


def spawn(name: str, argv: Sequence[str], env: Dict[str, str], log_dir: Path = LOG_DIR, cwd: Path = REPO) -> Service:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log = open(log_path, "w")  # closed when the process ends
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own group, so stop() reaches its children
        preexec_fn=_die_with_parent,
    )
    return Service(name, process, log_path)


def base_env(**overrides: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(overrides)
    return env


@contextmanager
def running(service: Service, health_url: str, timeout: float,
            headers: Optional[Dict[str, str]] = None) -> Iterator[Service]:
    try:
        wait_until_healthy(service, health_url, timeout, headers)
        yield service
    finally:
        service.stop()


def sandbox_process(port: int, env: Dict[str, str], log_dir: Path = LOG_DIR) -> Service:
    return spawn("sandbox", [str(VENV_BIN / "python"), "-m", "omari_sandbox", "--port", str(port)], env, log_dir)


def action_server_process(port: int, env: Dict[str, str], log_dir: Path = LOG_DIR) -> Service:
    """rasa-sdk on loopback; with ACTION_SERVER_TOKEN in ``env`` it answers only Rasa (actions/server_auth.py).

    rasa-sdk listens on SANIC_HOST (its default is every interface); set
    SANIC_HOST yourself to listen elsewhere (then ACTION_SERVER_TOKEN is required).
    """
    argv = [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
    return spawn("actions", argv, {"SANIC_HOST": "127.0.0.1", **env}, log_dir)


def rasa_server_process(
    port: int, endpoints: Path, env: Dict[str, str], log_dir: Path = LOG_DIR, model: str = "models"
) -> Service:
    """`rasa run` on loopback; with RASA_API_TOKEN in ``env`` its HTTP API requires that token.

    The token goes by the environment, never the command line (rasa_runtime/api_token.py).
    """
    # rasa_runtime.server is `rasa run` with the defaults and speed-ups of rasa_runtime/speedups.py.
    argv = [
        str(VENV_BIN / "python"), "-m", "rasa_runtime.server", "run", "--enable-api",
        "--port", str(port), "--interface", "127.0.0.1", "--model", model,
        "--endpoints", str(endpoints), "--credentials", "credentials.yml",
    ]
    return spawn("rasa", argv, env, log_dir)


def money_exporter_process(port: int, env: Dict[str, str], log_dir: Path = LOG_DIR) -> Service:
    """The booking database's gauges for Prometheus, on loopback (METRICS_EXPORTER_HOST unless set)."""
    argv = [str(VENV_BIN / "python"), "-m", "payments.exporter", "--port", str(port)]
    return spawn("money-exporter", argv, {"METRICS_EXPORTER_HOST": "127.0.0.1", **env}, log_dir)


def metrics_summary(rasa_port: int, action_port: int, exporter_port: int) -> str:
    """Where Prometheus finds this stack's metrics (docs/operating.md#metrics-and-alerts)."""
    return (f"Metrics for Prometheus: Rasa http://127.0.0.1:{rasa_port}/metrics, action server "
            f"http://127.0.0.1:{action_port}/metrics, money exporter http://127.0.0.1:{exporter_port}/metrics "
            "(scrape config: deploy/prometheus/prometheus.one-machine.yml).")


def backoffice_process(port: int, env: Dict[str, str], log_dir: Path = LOG_DIR) -> Service:
    """The back office on loopback (docs/backoffice.md): plain HTTP, so only this machine reaches it."""
    argv = [str(VENV_BIN / "python"), "-m", "backoffice"]
    return spawn("backoffice", argv, {**env, "BACKOFFICE_HOST": "127.0.0.1", "BACKOFFICE_PORT": str(port)}, log_dir)


BACKOFFICE_LOGIN_HELP = (
    "Back office on http://127.0.0.1:{port}/ (log: run/logs/backoffice.log). First account:\n"
    "  .venv/bin/python -m payments.ops account-create NAME --role ops   (or office, trainer; asks for a password)"
)


def rasa_status_url(rasa_url: str) -> str:
    """Rasa's /status, which needs the API token (:func:`rasa_api_headers`) when Rasa was started with one."""
    return f"{rasa_url}/status"


def rasa_api_headers(env: Dict[str, str]) -> Dict[str, str]:
    """The header that carries Rasa's API token, when ``env`` has one (never a ?token= in a URL)."""
    token = env.get("RASA_API_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def hand_out_api_token(env: Dict[str, str]) -> None:
    """Make this stack's secrets (unless configured): Rasa's API token, for Rasa and the reconciler,
    and the action server's, for Rasa and the action server."""
    for name in ("RASA_API_TOKEN", "ACTION_SERVER_TOKEN"):
        if not env.get(name, "").strip():
            env[name] = secrets.token_urlsafe(32)
    token_file = REPO / DEFAULT_RASA_API_TOKEN_FILE
    token_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(env["RASA_API_TOKEN"])


def uses_sandbox(env: Dict[str, str]) -> bool:
    return not env.get("OMARI_MERCHANT_KEY", "").strip()


def start_backends(stack: ExitStack, env: Dict[str, str], sandbox_port: int, action_port: int) -> None:
    """Sandbox (unless a real merchant key is set) and action server, both healthy."""
    if uses_sandbox(env):
        sandbox = sandbox_process(sandbox_port, env)
        stack.enter_context(running(sandbox, f"http://127.0.0.1:{sandbox_port}/health", 20))
        print(f"O'mari sandbox on http://127.0.0.1:{sandbox_port} (no OMARI_MERCHANT_KEY set)")
    actions = action_server_process(action_port, env)
    stack.enter_context(running(actions, f"http://127.0.0.1:{action_port}/health", 60))
    print(f"action server on http://127.0.0.1:{action_port}")


class PeriodicReconciler:
    """Runs ``python -m payments.ops reconcile``, then ``purge-conversations``, every ``interval`` seconds.

    Each run is its own process: a crash or hang in one run never takes the
    served assistant down, and the next run starts fresh. Runs never overlap
    (both commands are safe to run concurrently anyway). Output goes to
    run/logs/reconcile.log.
    """

    COMMANDS = (("reconcile",), ("purge-conversations",))

    def __init__(self, interval: float, env: Dict[str, str], log_dir: Path = LOG_DIR) -> None:
        self._interval = interval
        self._env = env
        self._log_path = log_dir / "reconcile.log"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="reconciler", daemon=True)
        self.runs = 0

    def start(self) -> "PeriodicReconciler":
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=self._interval + 120)

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval):
            with open(self._log_path, "a") as log:
                for command in self.COMMANDS:
                    log.write(f"--- {command[0]} at {time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
                    log.flush()
                    argv = [str(VENV_BIN / "python"), "-m", "payments.ops", *command]
                    try:
                        subprocess.run(argv, cwd=REPO, env=self._env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, timeout=600, check=False)
                    except subprocess.TimeoutExpired:
                        log.write(f"{command[0]} run timed out\n")
            self.runs += 1


def _raise_keyboard_interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.stack")
    parser.add_argument("mode", choices=["serve", "run"])
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--sandbox-port", type=int, default=8099)
    parser.add_argument("--metrics-port", type=int, help="the money exporter's (default METRICS_EXPORTER_PORT, 9465)")
    parser.add_argument("--backoffice-port", type=int, default=int(os.environ.get("BACKOFFICE_PORT") or 8060))
    parser.add_argument("--sender", help="REST sender id for `run`'s chat (Rasa names it rest:<id>)")
    args = parser.parse_args(argv)
    # Rasa finds this stack's action server unless ACTION_ENDPOINT_URL says
    # otherwise (e.g. a load balancer in front of several).
    env = base_env()
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{args.action_port}/webhook")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{args.rasa_port}")
    hand_out_api_token(env)
    # SIGTERM (a supervisor, `kill`) and SIGHUP (a closed terminal) unwind like
    # Ctrl-C, so every service is stopped on the way out.
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _raise_keyboard_interrupt)
    with ExitStack() as stack:
        try:
            start_backends(stack, env, args.sandbox_port, args.action_port)
            print("starting Rasa: loading the model takes about half a minute (log: run/logs/rasa.log)…",
                  flush=True)
            rasa = rasa_server_process(args.rasa_port, ENVIRONMENT_ENDPOINTS, env)
            stack.enter_context(running(rasa, rasa_status_url(f"http://127.0.0.1:{args.rasa_port}"), 180,
                                        rasa_api_headers(env)))
            print(f"Rasa on http://127.0.0.1:{args.rasa_port} (REST: /webhooks/rest/webhook).")
            interval = load_settings(env).reconcile_interval_seconds
            stack.callback(PeriodicReconciler(interval, env).start().stop)
            print(f"Reconciling pending payments every {interval}s (log: run/logs/reconcile.log).")
            exporter_port = args.metrics_port or load_settings(env).metrics_exporter_port
            exporter = money_exporter_process(exporter_port, env)
            stack.enter_context(running(exporter, f"http://127.0.0.1:{exporter_port}/metrics", 30))
            print(metrics_summary(args.rasa_port, args.action_port, exporter_port))
            office = backoffice_process(args.backoffice_port, env)
            stack.enter_context(running(office, f"http://127.0.0.1:{args.backoffice_port}/health", 60))
            print(BACKOFFICE_LOGIN_HELP.format(port=args.backoffice_port))
            if args.mode == "run":
                chat = [str(VENV_BIN / "python"), "-m", "tools.chat", "--url", f"http://127.0.0.1:{args.rasa_port}"]
                return subprocess.call(chat + (["--sender", args.sender] if args.sender else []), cwd=REPO)
            print("Ctrl-C stops everything.")
            return rasa.process.wait()
        except KeyboardInterrupt:
            print("\nstopping…")
            return 0
        except ServiceFailedToStart as error:
            print(f"error: {error}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
