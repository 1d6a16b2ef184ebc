"""Skips are for developers' machines; in CI (REQUIRE_SERVER_TESTS set) a skipped test is a failure.

`pytest -q` counts a skip beside the passes, and a CI log that only looks at
the exit code never sees it: a test that cannot run there proves nothing
while looking green. Two parts keep that from happening:

- ``skip_or_fail``: the one way a test of this project skips. Outside CI it
  skips with its reason; with REQUIRE_SERVER_TESTS set it fails instead, so
  the reason is a red test, not a yellow letter.
- ``SkipGate`` (registered for every test by tests/conftest.py): whatever
  skipped anyway (a plain ``pytest.skip``, ``importorskip``, a ``skipif``
  mark, a module skipped at collection, by tests written later too) makes
  the session fail when REQUIRE_SERVER_TESTS is set, each skip listed with
  its reason.
"""
from __future__ import annotations

import os
from typing import List, NoReturn, Union

import pytest

REQUIRED = "REQUIRE_SERVER_TESTS"


def skips_are_failures() -> bool:
    """True where every test must run (CI sets REQUIRE_SERVER_TESTS)."""
    return bool(os.environ.get(REQUIRED))


def skip_or_fail(reason: str) -> NoReturn:
    """Skip this test with ``reason`` on a developer's machine; fail it where every test must run."""
    if skips_are_failures():
        pytest.fail(f"{reason} ({REQUIRED} is set, so this test may not be skipped)", pytrace=False)
    pytest.skip(reason)


def missing_server(package: str) -> NoReturn:
    """A server a test needs is not installed: CI installs every one (tools/install_servers.sh)."""
    skip_or_fail(f"{package} is not installed (tools/install_servers.sh installs it); CI runs these tests")


def _reason(report: Union[pytest.TestReport, pytest.CollectReport]) -> str:
    # A skip's longrepr is (path, line, "Skipped: <reason>").
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


class SkipGate:
    """Fails a session in which anything was skipped, when REQUIRE_SERVER_TESTS is set."""

    def __init__(self) -> None:
        self.skipped: List[str] = []

    def _note(self, report: Union[pytest.TestReport, pytest.CollectReport]) -> None:
        # An expected failure (xfail) also reports as skipped; it ran, so it is not a skip.
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skipped.append(f"{report.nodeid or report.fspath}: {_reason(report)}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._note(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._note(report)  # a whole module skipped at import (importorskip, allow_module_level)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.skipped and skips_are_failures() and session.exitstatus in (pytest.ExitCode.OK,
                                                                            pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not (self.skipped and skips_are_failures()):
            return
        terminalreporter.section(f"skipped tests fail this run: {REQUIRED} is set", sep="=", red=True)
        for line in self.skipped:
            terminalreporter.line(f"SKIPPED {line}", red=True)
