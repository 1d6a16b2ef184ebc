"""Running ``nlu-compare`` on the accepted examples in the background, with its progress and report.

The comparison trains two NLU models (tools/compare_training.py caches them
by content), so it runs as its own process, ``python -m tools.nlu_compare
--accepted …``, exactly as ``make nlu-compare ACCEPTED=…`` runs it; the back
office only starts it, follows its output and shows the report it wrote. One
comparison at a time: a second request while one runs is refused.
"""
from __future__ import annotations

import enum
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

# Where this checkout's tools/ lives: the comparison process imports it from here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORT = Path("results/backoffice-compare.md")
TAIL_LINES = 12
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ComparisonState(str, enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    NOT_WORSE = "not_worse"  # exit 0: the accepted examples did not make understanding worse
    WORSE = "worse"  # exit 1
    FAILED = "failed"  # exit 2 or anything else: it could not compare


@dataclass
class ComparisonRun:
    state: ComparisonState = ComparisonState.IDLE
    started_by: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0
    progress: List[str] = field(default_factory=list)
    report: str = ""

    @property
    def elapsed_seconds(self) -> int:
        return int((self.finished_at or time.time()) - self.started_at) if self.started_at else 0


class ComparisonRunner:
    def __init__(self, repo: Path, accepted: Path, base: str) -> None:
        self._repo = repo
        self._accepted = accepted
        self._base = base
        self._lock = threading.Lock()
        self._run = ComparisonRun()
        self._process: Optional[subprocess.Popen] = None

    @property
    def report_path(self) -> Path:
        return self._repo / REPORT

    @property
    def chart_path(self) -> Path:
        return self.report_path.with_name(self.report_path.stem + "-f1.png")

    def current(self) -> ComparisonRun:
        with self._lock:
            return ComparisonRun(self._run.state, self._run.started_by, self._run.started_at,
                                 self._run.finished_at, list(self._run.progress), self._run.report)

    def start(self, started_by: str) -> bool:
        """Start a comparison unless one is running; False when refused."""
        with self._lock:
            if self._run.state is ComparisonState.RUNNING:
                return False
            self._run = ComparisonRun(ComparisonState.RUNNING, started_by, time.time())
        command = [sys.executable, "-m", "tools.nlu_compare", "--base", self._base, "--repo", str(self._repo),
                   "--accepted", str(self._accepted), "--out", str(REPORT)]
        env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), RASA_TELEMETRY_ENABLED="false")
        env.pop("TQDM_DISABLE", None)  # its progress bars are the progress shown
        self._process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._follow, args=(self._process,), daemon=True,
                         name="nlu-compare").start()
        return True

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def _follow(self, process: subprocess.Popen) -> None:
        assert process.stderr is not None
        pending = b""
        while True:
            chunk = process.stderr.read1(4096) if hasattr(process.stderr, "read1") else process.stderr.read(4096)
            if not chunk:
                break
            pending += chunk
            *lines, pending = re.split(rb"[\r\n]", pending)
            for line in lines:
                self._note(line.decode("utf-8", "replace"))
        code = process.wait()
        state = {0: ComparisonState.NOT_WORSE, 1: ComparisonState.WORSE}.get(code, ComparisonState.FAILED)
        report = ""
        if state is not ComparisonState.FAILED and self.report_path.exists():
            report = self.report_path.read_text(encoding="utf-8")
        with self._lock:
            self._run.state = state
            self._run.finished_at = time.time()
            self._run.report = report

    def _note(self, line: str) -> None:
        text = _ANSI.sub("", line).strip()
        if not text:
            return
        with self._lock:
            progress = self._run.progress
            # A progress bar redraws itself: keep only its latest state.
            label = text.split(":", 1)[0]
            if progress and "%|" in text and progress[-1].split(":", 1)[0] == label:
                progress[-1] = text
            else:
                progress.append(text)
            del progress[:-TAIL_LINES]
