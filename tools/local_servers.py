"""Private PostgreSQL, Redis and nginx servers on free loopback ports, for tests and `make test-scale`.

Each server is started from the machine's Debian packages in a folder of its
own, never touching a system service, and is stopped (and its folder left for
inspection) when its ``with`` block ends. Readiness is a real round trip
(PostgreSQL answers a query, Redis a PING, nginx a health URL) polled against
a deadline.

Set ``TEST_POSTGRES_URL`` / ``TEST_REDIS_URL`` to use servers that are already
running instead (the databases are then created in that PostgreSQL).
``tools/install_servers.sh`` installs the packages when they are missing.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

POSTGRES_USER = "postgres"


class ServerUnavailable(RuntimeError):
    """The server's package is missing or it did not become ready in time."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise ServerUnavailable(f"{what} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise ServerUnavailable(f"{what} not ready after {timeout:.0f}s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class PrivateServer:
    """One private server process that a drill can stop and start again on the same port and data.

    Stopping is a clean shutdown (SIGTERM), as an operator's restart or a
    failover does: clients see refused connections until ``start`` is ready.
    """

    def __init__(self, url: str, argv: Sequence[str], log_path: Path, ready: Callable[[], bool], what: str,
                 timeout: float, stop_command: Optional[Sequence[str]] = None) -> None:
        self.url, self._argv, self._log_path, self._ready, self._what = url, list(argv), log_path, ready, what
        self._timeout, self._stop_command = timeout, stop_command
        self._process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        with open(self._log_path, "a") as log:  # the child keeps its own handle
            self._process = subprocess.Popen(self._argv, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
        _wait_until(self._ready, self._process, self._what, self._timeout)

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        if self._stop_command:
            subprocess.run(self._stop_command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=60)
        _stop(self._process)


# -- PostgreSQL ---------------------------------------------------------------


def _postgres_bindir() -> Optional[Path]:
    """Debian keeps initdb off PATH, under /usr/lib/postgresql/<version>/bin."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _as_postgres_user(argv: Sequence[str]) -> List[str]:
    """PostgreSQL refuses to run as root; Debian's package creates a `postgres` user for it."""
    if os.geteuid() != 0:
        return list(argv)
    return ["runuser", "-u", POSTGRES_USER, "--", *argv]


def postgres_available() -> bool:
    return bool(os.environ.get("TEST_POSTGRES_URL")) or _postgres_bindir() is not None


def create_postgres_database(server_url: str, name: str) -> str:
    """Create database ``name`` (dropping an old one) on the server; returns its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_server(workdir: Path, timeout: float = 60) -> Iterator[str]:
    """A private PostgreSQL on a free port; yields the URL of its `postgres` database."""
    existing = os.environ.get("TEST_POSTGRES_URL", "").strip()
    if existing:
        yield existing
        return
    with postgres_process(workdir, timeout) as server:
        yield server.url


@contextmanager
def postgres_process(workdir: Path, timeout: float = 60) -> Iterator[PrivateServer]:
    """A private PostgreSQL on a free port that can be stopped and started again (its data kept)."""
    bindir = _postgres_bindir()
    if bindir is None:
        raise ServerUnavailable("PostgreSQL is not installed (tools/install_servers.sh installs it)")
    workdir.mkdir(parents=True, exist_ok=True)
    # The server runs as `postgres` when we are root, and that user cannot
    # enter a test's private (0700) folder: its data lives in a folder of its own.
    home = Path(tempfile.mkdtemp(prefix="kali-postgres-"))
    data = home / "data"
    data.mkdir()
    if os.geteuid() == 0:
        home.chmod(0o755)
        shutil.chown(home, POSTGRES_USER)
        shutil.chown(data, POSTGRES_USER)
    subprocess.run(
        _as_postgres_user([str(bindir / "initdb"), "-D", str(data), "-U", POSTGRES_USER, "--auth=trust",
                           "--encoding=UTF8", "--no-sync"]),
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    port = free_port()
    url = f"postgresql://{POSTGRES_USER}@127.0.0.1:{port}/postgres"
    server = PrivateServer(
        url,
        _as_postgres_user([str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1",
                           "-k", str(home), "-c", "max_connections=300", "-c", "fsync=off"]),
        workdir / "postgres.log", lambda: _postgres_answers(url), "PostgreSQL", timeout,
        # A fast shutdown: SIGTERM would wait for every pooled client to leave (and runuser does not pass SIGINT on).
        stop_command=_as_postgres_user([str(bindir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"]),
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _postgres_answers(url: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=2).close()
        return True
    except psycopg2.OperationalError:
        return False


# -- Redis ----------------------------------------------------------------------


def redis_available() -> bool:
    return bool(os.environ.get("TEST_REDIS_URL")) or shutil.which("redis-server") is not None


@contextmanager
def redis_server(workdir: Path, timeout: float = 20) -> Iterator[str]:
    """A private redis-server on a free port, nothing saved to disk; yields redis://…/0."""
    existing = os.environ.get("TEST_REDIS_URL", "").strip()
    if existing:
        yield existing
        return
    with redis_process(workdir, timeout) as server:
        yield server.url


@contextmanager
def redis_process(workdir: Path, timeout: float = 20) -> Iterator[PrivateServer]:
    """A private redis-server that can be stopped and started again (empty: it saves nothing)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerUnavailable("redis-server is not installed (tools/install_servers.sh installs it)")
    import redis

    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False

    server = PrivateServer(
        f"redis://127.0.0.1:{port}/0",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        workdir / "redis.log", answers, "redis-server", timeout,
    )
    try:
        server.start()
        yield server
    finally:
        client.close()
        server.stop()


# -- nginx ----------------------------------------------------------------------


def nginx_available() -> bool:
    return shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


@contextmanager
def nginx_server(workdir: Path, config: str, health_url: str, timeout: float = 20) -> Iterator[Path]:
    """nginx with ``config`` (a whole nginx.conf) in a private prefix; yields the prefix."""
    import urllib.error
    import urllib.request

    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise ServerUnavailable("nginx is not installed (tools/install_servers.sh installs it)")
    (workdir / "logs").mkdir(parents=True, exist_ok=True)
    (workdir / "nginx.conf").write_text(config)
    log = open(workdir / "logs" / "stderr.log", "w")  # closed below
    # -e stderr: nginx opens its default error log before reading the config,
    # and that default (/var/log/nginx) may not be writable or may not exist.
    process = subprocess.Popen(
        [binary, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-e", "stderr",
         "-g", f"daemon off; pid {workdir / 'nginx.pid'};"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )

    def answers() -> bool:
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    try:
        _wait_until(answers, process, "nginx", timeout)
        yield workdir
    finally:
        _stop(process)
        log.close()
