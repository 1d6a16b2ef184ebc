"""The suite's own guards: a skip fails CI, and a wait fails at its deadline naming what it waited for.

The skip gate is checked as CI meets it: a pytest session run as a child
process on a few small test files, with and without REQUIRE_SERVER_TESTS.
"""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]

GATED_CONFTEST = """
from tests.support.skips import SkipGate

def pytest_configure(config):
    config.pluginmanager.register(SkipGate(), "kali-skip-gate")
"""

TESTS: Dict[str, str] = {
    "test_runs.py": "def test_that_runs():\n    assert True\n",
    # A test of another area that skips on its own, not through skip_or_fail.
    "test_plain_skip.py": "import pytest\n\ndef test_browser():\n    pytest.skip('chromium is not installed')\n",
    # A whole module skipped while it is collected.
    "test_module_skip.py": "import pytest\n\npytest.importorskip('a_module_nobody_has')\n\ndef test_x():\n    pass\n",
    "test_gated_skip.py": ("from tests.support.skips import skip_or_fail\n\n"
                           "def test_needs_promtool():\n    skip_or_fail('promtool is not installed')\n"),
}


def run_session(tmp_path: Path, required: bool, files: Dict[str, str]) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(GATED_CONFTEST)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = {key: value for key, value in os.environ.items() if key != "REQUIRE_SERVER_TESTS"}
    env["PYTHONPATH"] = str(REPO)
    if required:
        env["REQUIRE_SERVER_TESTS"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_with_require_server_tests_any_skip_fails_the_session_and_says_why(tmp_path: Path) -> None:
    done = run_session(tmp_path, required=True, files=TESTS)
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout
    assert "skipped tests fail this run: REQUIRE_SERVER_TESTS is set" in done.stdout
    assert "test_plain_skip.py::test_browser: chromium is not installed" in done.stdout
    assert "a_module_nobody_has" in done.stdout
    # Through the gated helper, the test itself fails, with its reason.
    assert "FAILED" in done.stdout and "promtool is not installed" in done.stdout


def test_without_it_skips_are_skips(tmp_path: Path) -> None:
    done = run_session(tmp_path, required=False, files=TESTS)
    assert done.returncode == pytest.ExitCode.OK, done.stdout
    assert "1 passed, 3 skipped" in done.stdout
    assert "fail this run" not in done.stdout


def test_a_session_without_skips_passes_with_require_server_tests(tmp_path: Path) -> None:
    done = run_session(tmp_path, required=True, files={"test_runs.py": TESTS["test_runs.py"]})
    assert done.returncode == pytest.ExitCode.OK, done.stdout


def test_wait_until_returns_what_the_condition_gave() -> None:
    calls = itertools.count()
    assert wait_until(lambda: next(calls) >= 3 and "ready", 5, "the third call", interval=0.01) == "ready"


def test_wait_until_fails_at_its_deadline_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match=r"timed out after 0.2 s waiting for the debit; last seen: 'pending'"):
        wait_until(lambda: False, 0.2, "the debit", interval=0.01, seen=lambda: "pending")
