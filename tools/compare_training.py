"""The two NLU models ``make nlu-compare`` judges, trained once per training-data content.

A model is named after the content of what NLU training reads (config.yml
and every YAML file under data/, by relative path), like the Makefile's
MODEL_STAMP, so comparing against the same base twice, or after a change
that was reverted, trains nothing. Models go into a cache folder
(``.cache/nlu-compare/<hash>/``, gitignored), never into the working tree's
models/, which `make run` and the tests use. Only NLU is trained
(``rasa train nlu``): the comparison is about understanding, and it halves
the time.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Callable, Dict, Optional

from tqdm import tqdm

CONFIG = "config.yml"
DATA = "data"
MODEL_NAME = "nlu"
# DIET's own progress line, e.g. "Epochs:  45%|████▌     | 45/100 [00:30<...".
_EPOCHS = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")


class TrainingError(RuntimeError):
    """A model could not be trained (or a ref not read); the log says why."""


def training_files(root: Path) -> Dict[str, bytes]:
    """What NLU training reads from a checkout, by relative path."""
    files = {CONFIG: (root / CONFIG).read_bytes()}
    for path in sorted((root / DATA).rglob("*.yml")):
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def content_hash(files: Dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:16]


def checkout_of(repo: Path, ref: str, dest: Path) -> Path:
    """``ref``'s config.yml and data/ written under ``dest`` (the working tree is not touched)."""
    done = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", ref, "--", CONFIG, DATA],
                          capture_output=True)
    if done.returncode != 0:
        raise TrainingError(f"cannot read {CONFIG} and {DATA}/ at {ref!r}: {done.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(dest)
    return dest


class ModelCache:
    """NLU models by training-data content, under one folder."""

    def __init__(self, folder: Path, log_folder: Path) -> None:
        self.folder = folder
        self.log_folder = log_folder

    def model_for(self, checkout: Path, label: str, position: int = 0) -> tuple:
        """The model of ``checkout``'s training data and whether it was trained just now."""
        key = content_hash(training_files(checkout))
        model = self.folder / key / f"{MODEL_NAME}.tar.gz"
        if model.exists():
            print(f"{label}: training data {key} already trained ({model})", file=sys.stderr)
            return model, False
        self._train(checkout, model, label, position)
        return model, True

    def _train(self, checkout: Path, model: Path, label: str, position: int) -> None:
        self.log_folder.mkdir(parents=True, exist_ok=True)
        log_path = self.log_folder / f"train-{label}.log"
        building = Path(tempfile.mkdtemp(prefix="training-", dir=self._ensure_folder()))
        command = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(checkout / CONFIG),
                   "--nlu", str(checkout / DATA), "--out", str(building), "--fixed-model-name", MODEL_NAME]
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
        try:
            with open(log_path, "w", encoding="utf-8") as log, \
                    tqdm(total=1, desc=f"training {label}", unit=" epochs", position=position,
                         file=sys.stderr) as progress:
                process = subprocess.Popen(command, cwd=checkout, env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.STDOUT)
                assert process.stdout is not None
                follow_training(process.stdout, log, progress)
                if process.wait() != 0:
                    raise TrainingError(f"training {label} failed; see {log_path}:\n{log_tail(log_path)}")
                progress.n = progress.total
                progress.refresh()
            trained = building / f"{MODEL_NAME}.tar.gz"
            if not trained.exists():
                raise TrainingError(f"training {label} wrote no model; see {log_path}")
            model.parent.mkdir(parents=True, exist_ok=True)
            os.replace(trained, model)  # whole or absent: a killed run never leaves half a model
        finally:
            shutil.rmtree(building, ignore_errors=True)

    def _ensure_folder(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder


def follow_training(stream: IO[bytes], log: IO[str], progress: tqdm,
                    echo: Optional[Callable[[str], None]] = None) -> None:
    """Copy Rasa's output to the log, moving the bar along DIET's epochs.

    ``echo`` (tools/train.py) also receives every other line, to show some.
    """
    pending = b""
    while True:
        chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
        if not chunk:
            break
        pending += chunk
        *lines, pending = re.split(rb"[\r\n]", pending)
        for line in lines:
            text = line.decode("utf-8", "replace")
            match = _EPOCHS.search(text)
            if match:
                done, total = int(match.group(1)), int(match.group(2))
                progress.total = max(total, 1)
                progress.n = done
                progress.refresh()
            elif text.strip():
                log.write(text + "\n")
                if echo is not None:
                    echo(text)


def log_tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def base_checkout(repo: Path, ref: str, scratch: Optional[Path] = None) -> Path:
    """A scratch folder holding ``ref``'s training data."""
    dest = Path(tempfile.mkdtemp(prefix="nlu-compare-base-", dir=scratch))
    try:
        return checkout_of(repo, ref, dest)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
