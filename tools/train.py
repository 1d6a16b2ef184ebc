"""`make train`: train the assistant with a progress bar instead of Rasa's log.

A first `make run` trains for about eight minutes on a two-core machine; Rasa
writes some hundred lines meanwhile. This shows one progress bar (the
component being trained, and DIET's epochs, which take most of the time),
every warning or error as it comes, and where the model went. Rasa's whole
output is kept in models/train.log. Rasa runs through rasa_runtime.server, so
the libraries' set-up noise is filtered (rasa_runtime/quiet.py) and a warning
on screen means something.

    python -m tools.train [--out models] [--name kali-safaris]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

from tqdm import tqdm

from tools.compare_training import follow_training, log_tail

COMPONENT = re.compile(r"Starting to train component '([^']+)'")
# What the person at the screen should see: Python warnings (the module's
# "file:line: SomeWarning: …" form), log records at WARNING or above, and
# tracebacks. Rasa's INFO lines stay in the log.
WORTH_SHOWING = re.compile(r"\w+Warning:|\s(?:WARNING|ERROR|CRITICAL)\s|Traceback|Error:")
SAVED = re.compile(r"model is trained and saved at|Nothing changed")


class ScreenEcho:
    """Receives each line Rasa writes; names the stage and shows what matters."""

    def __init__(self, progress: tqdm) -> None:
        self.progress = progress

    def __call__(self, line: str) -> None:
        component = COMPONENT.search(line)
        if component:
            self.progress.set_description(f"training {component.group(1)}")
        elif WORTH_SHOWING.search(line) or SAVED.search(line):
            self.progress.write(line.strip(), file=sys.stderr)


def train(out: Path, name: str) -> int:
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "train.log"
    command = [sys.executable, "-m", "rasa_runtime.server", "train", "--fixed-model-name", name, "--out", str(out)]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log, \
            tqdm(total=1, desc="training: loading Rasa", unit=" epochs", file=sys.stderr) as progress:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        assert process.stdout is not None
        follow_training(process.stdout, log, progress, echo=ScreenEcho(progress))
        code = process.wait()
        progress.set_description("training done" if code == 0 else "training FAILED")
    if code != 0:
        print(f"Training failed (exit {code}); the end of {log_path}:\n{log_tail(log_path)}", file=sys.stderr)
        return code
    minutes = (time.monotonic() - started) / 60
    print(f"Trained in {minutes:.1f} min: {out / (name + '.tar.gz')} (Rasa's log: {log_path})", file=sys.stderr)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument("--name", default="kali-safaris")
    args = parser.parse_args(argv)
    return train(args.out, args.name)


if __name__ == "__main__":
    sys.exit(main())
