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
    )  # fmt: skip
    port = free_port()
    log = open(workdir / "postgres.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        _as_postgres_user([str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1",
                           "-k", str(home), "-c", "max_connections=300", "-c", "fsync=off"]),
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"postgresql://{POSTGRES_USER}@127.0.0.1:{port}/postgres"
    try:
        _wait_until(lambda: _postgres_answers(url), process, "PostgreSQL", timeout)
        yield url
    finally:
        _stop(process)
        log.close()
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
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerUnavailable("redis-server is not installed (tools/install_servers.sh installs it)")
    import redis

    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False

    try:
        _wait_until(answers, process, "redis-server", timeout)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        _stop(process)


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
    log = open(workdir / "logs" / "stderr.log", "w")  # noqa: SIM115 - closed below
    # -e stderr: nginx opens its default error log before reading the config,
    # and that default (/var/log/nginx) may not be writable or may not exist.
    process = subprocess.Popen(
        [binary, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-e", "stderr",
         "-g", f"daemon off; pid {workdir / 'nginx.pid'};"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip

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
