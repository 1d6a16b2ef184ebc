"""Rasa's own starter bot (`rasa init`) under the same saturated load, as a yardstick.

The saturated 50-customer figure is a capacity figure: turns queue behind each
other on a 2-core machine, so its p95 says as much about the machine and Rasa
as about this assistant. Rasa's starter bot ("moodbot": no custom actions,
in-memory tracker store, plain `rasa run`) run by 50 customers at once on the
same machine shows what Rasa alone costs there; the assistant's row is read
beside it.

The starter project is created and trained once per Rasa version into
``.cache/starter-bot-<version>/`` (a minute or two), then reused.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from contextlib import contextmanager
from importlib.metadata import version
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from bench import load
from tools import local_servers
from tools import stack as devstack

REPO = Path(__file__).resolve().parent.parent
CUSTOMERS = 50
# Six messages, as many as a payment; the starter bot's replies, lower-cased ("" accepts any reply).
SCRIPT: List[Tuple[str, str]] = [
    ("hello", "how are you"),
    ("I am sad", ""),
    ("no", ""),
    ("hi", "how are you"),
    ("great", ""),
    ("bye", "bye"),
]


def starter_project() -> Path:
    """The starter project with its trained model, made by `rasa init --no-prompt` the first time."""
    project = REPO / ".cache" / f"starter-bot-{version('rasa')}"  # installed metadata: no Rasa import
    if any((project / "models").glob("*.tar.gz")):
        return project
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    subprocess.run([str(devstack.VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
                   cwd=project.parent, env=devstack.base_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return project


@contextmanager
def starter_server(project: Path, log_dir: Path) -> Iterator[str]:
    """Plain `rasa run` of the starter project on a free loopback port; yields its URL."""
    port = local_servers.free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "starter-rasa.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(devstack.VENV_BIN / "rasa"), "run", "--enable-api", "--port", str(port),
             "--interface", "127.0.0.1", "--model", "models"],
            cwd=project, env=devstack.base_env(), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    service = devstack.Service("starter-rasa", process, log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        devstack.wait_until_healthy(service, f"{url}/status", timeout=180)
        yield url
    finally:
        service.stop()


def measure_starter_bot(log_dir: Path) -> Dict[str, Any]:
    """50 starter-bot customers at once, each answering the instant a reply arrives."""
    with starter_server(starter_project(), log_dir) as url:
        warm_up = load.Customer("starter-warm", "", "")
        load.pay(url, warm_up, "", script=SCRIPT)
        customers = [load.Customer(f"starter-{n}", "", "") for n in range(CUSTOMERS)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CUSTOMERS) as pool:
            logs = list(pool.map(lambda customer: load.pay(url, customer, "", script=SCRIPT), customers))
        seconds = time.perf_counter() - started
    latencies = [latency for log in logs for latency in log.latencies]
    errors = [error for log in logs for error in log.errors]
    return {"customers": CUSTOMERS, "turns": len(latencies), "seconds": round(seconds, 2),
            "turns_per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
            "latency_ms": load.percentiles_ms(latencies), "errors": len(errors),
            "credit_problems": None, "error_samples": errors[:5]}  # credit_problems None: no money moves
