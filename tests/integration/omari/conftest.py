"""Fixtures for the O'mari tests: the real sandbox, and a canned server for the rest.

Each test gets its own sandbox on an ephemeral loopback port (binding one takes
milliseconds), so no test can see another's transactions. The canned server
plays what the sandbox never does: garbage bodies, gateways, inconsistent flags.
"""
from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
import requests

from omari_sandbox import RunningSandbox, start_sandbox
from tests.support import waiting

# Deliberately not the sandbox's default OTP, and distinctive enough that a
# test searching log output for it cannot match by accident.
SANDBOX_OTP = "482913"
WRONG_OTP = "739150"
MERCHANT_KEY = "test-merchant-key-Qx7"
DEFAULT_MSISDN = "263774975187"
HTTP_TIMEOUT = (2.0, 10.0)


def to_json(body: Dict[str, Any]) -> str:
    # Decimals go out as bare JSON numbers (e.g. 3.50), the way the client sends amounts.
    items = (f"{json.dumps(key)}: {value if isinstance(value, Decimal) else json.dumps(value)}"
             for key, value in body.items())
    return "{" + ", ".join(items) + "}"


class SandboxUnderTest:
    """A running sandbox plus what tests need to drive and inspect it."""

    def __init__(self, running: RunningSandbox, otp: str, merchant_key: str) -> None:
        self.running = running
        self.otp = otp
        self.wrong_otp = WRONG_OTP
        self.merchant_key = merchant_key

    @property
    def base_url(self) -> str:
        return self.running.base_url

    @property
    def root_url(self) -> str:
        return self.running.root_url

    @property
    def port(self) -> int:
        return self.running.port

    @property
    def headers(self) -> Dict[str, str]:
        return {"X-Merchant-Key": self.merchant_key}

    def transactions(self) -> list:
        response = requests.get(f"{self.root_url}/__sandbox/transactions", timeout=5)
        response.raise_for_status()
        return response.json()

    def transaction(self, reference: str) -> Optional[Dict[str, Any]]:
        """The sandbox's own record of ``reference`` (None when it kept nothing)."""
        found = [item for item in self.transactions() if item["reference"] == reference.lower()]
        return found[0] if found else None

    def stop(self) -> None:
        self.running.stop()

    # Raw HTTP, deliberately not through OmariClient, so the contract tests stand on their own.

    @staticmethod
    def auth_body(reference: str, msisdn: str = DEFAULT_MSISDN, **fields: Any) -> Dict[str, Any]:
        body: Dict[str, Any] = {"msisdn": msisdn, "reference": reference, "amount": 50,
                                "currency": "USD", "channel": "WEB"}
        body.update(fields)
        return body

    def post(self, endpoint: str, body: Any = None, *, raw: Optional[str] = None,
             headers: Optional[Dict[str, str]] = None, timeout: Any = HTTP_TIMEOUT) -> requests.Response:
        sent_headers = dict(self.headers if headers is None else headers)
        sent_headers["Content-Type"] = "application/json"
        data = raw if raw is not None else to_json(body)
        return requests.post(f"{self.base_url}/{endpoint}", data=data, headers=sent_headers, timeout=timeout)

    def query(self, reference: str, headers: Optional[Dict[str, str]] = None) -> requests.Response:
        return requests.get(f"{self.base_url}/query/{reference}",
                            headers=self.headers if headers is None else headers, timeout=HTTP_TIMEOUT)

    def authorised(self, msisdn: str = DEFAULT_MSISDN, **fields: Any) -> str:
        """A fresh reference that /auth accepted, so the transaction is Pending."""
        reference = str(uuid.uuid4())
        response = self.post("auth", self.auth_body(reference, msisdn, **fields))
        assert response.status_code == 200, response.text
        return reference

    def pay(self, reference: str, otp: str, msisdn: str = DEFAULT_MSISDN) -> requests.Response:
        return self.post("request", {"msisdn": msisdn, "reference": reference, "otp": otp})


def _run(slow_seconds: float) -> Iterator[SandboxUnderTest]:
    running = start_sandbox(host="127.0.0.1", port=0, otp=SANDBOX_OTP,
                            merchant_key=MERCHANT_KEY, slow_seconds=slow_seconds)
    try:
        yield SandboxUnderTest(running, SANDBOX_OTP, MERCHANT_KEY)
    finally:
        running.stop()


@pytest.fixture
def sandbox() -> Iterator[SandboxUnderTest]:
    """Slow number held back 2 s: longer than the clients' 0.5 s read timeout in tests."""
    yield from _run(slow_seconds=2.0)


@pytest.fixture
def held_sandbox() -> Iterator[SandboxUnderTest]:
    """Slow number held back until the test stops the sandbox, so 'still in flight' is certain."""
    yield from _run(slow_seconds=600.0)


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """Poll a condition until it holds; fails the test after ``timeout`` seconds."""

    def wait(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
        waiting.wait_until(condition, timeout, what, interval=0.01)

    return wait


class CannedServer:
    """Answers every request with one scripted status and body, and remembers what it got."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.received: List[Tuple[str, str, Dict[str, str], bytes]] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                canned.received.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
                self.send_response(canned.status)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/api"

    def answer(self, status: int, body: Any) -> None:
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.status = status

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def canned() -> Iterator[CannedServer]:
    server = CannedServer()
    yield server
    server.stop()
