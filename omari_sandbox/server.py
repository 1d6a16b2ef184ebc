"""A loopback stand-in for O'mari's merchant API, served over real HTTP.

The client is tested against sockets, status codes and timeouts rather than
mocks, so this server speaks the published contract (POST /auth, POST
/request, GET /query/{reference}, POST /void under ``BASE_PATH``). Each request
runs in its own thread, so a deliberately slow answer never holds up others.
The rules and response codes live in :mod:`omari_sandbox.ledger`.

Predictable test numbers (every other valid ``2637XXXXXXXX`` number succeeds):

- ``263770000001`` not registered: /auth answers 200 with code 014; nothing is kept.
- ``263770000002`` /request with the right OTP answers 200 with code 051
  (insufficient funds); the transaction becomes Failed, nothing is debited.
- ``263770000003`` /request with the right OTP debits at once (status Success),
  then holds the answer back ``slow_seconds``, so a client times out while
  /query already reports Success.
- ``263770000004`` /request with the right OTP answers HTTP 500 with code 096;
  nothing is debited and the transaction becomes Failed.
- ``263770000005`` /auth answers HTTP 503 with code 091; nothing is recorded.

Fault modes (each debits at /request with the right OTP, like any number):

- ``263770000006`` /request answers 200 with a truncated, unparseable JSON body.
- ``263770000007`` /request answers 200 ``{"error": false, "responseCode": "001"}``.
- ``263770000008`` the first /query after the debit answers HTTP 500 (code 096);
  later queries answer normally.
- ``263770000009`` the debit's ``paymentReference`` is 80 characters long (a
  field too long for the merchant's column).

And one that never debits:

- ``263770000010`` /request never reaches O'mari: a gateway answers HTTP 502
  with an HTML page and the ledger never sees the call, so /query keeps
  answering ``Pending`` (the authorisation only) until the transaction is voided.

Helpers outside the contract: ``GET /health`` answers ``{"status": "ok"}`` for
readiness waits, and ``GET /__sandbox/transactions`` lists every transaction
(never its OTP) so tests can prove whether money moved.
"""
from __future__ import annotations

import hmac
import json
import logging
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Tuple
from urllib.parse import urlsplit

from omari_sandbox.ledger import OTP_PATTERN, InvalidRequest, Ledger, Reply, error_reply

logger = logging.getLogger("omari_sandbox")

BASE_PATH = "/vsuite/omari/api/merchant/api/payment"
DEFAULT_MERCHANT_KEY = "sandbox-merchant-key"
DEFAULT_OTP = "123456"
MAX_BODY_BYTES = 64 * 1024


def encode_json(value: Any) -> str:
    """Serialise like ``json.dumps`` but write a ``Decimal`` as a bare JSON number.

    ``json.dumps`` only knows floats; going through float could change the
    cents and always drops the trailing zero of ``50.00``. The ledger keeps
    amounts quantised to cents, so their own text is already the number to send.
    """
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key))}: {encode_json(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(encode_json(item) for item in value) + "]"
    return json.dumps(value)


def mask_msisdn(msisdn: Any) -> str:
    """``263774975187`` -> ``2637******87``: enough to correlate, not to call."""
    if not isinstance(msisdn, str) or len(msisdn) < 7:
        return "-"
    return msisdn[:4] + "*" * (len(msisdn) - 6) + msisdn[-2:]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading server carrying the ledger, the key and a stop signal for its handlers."""

    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of concurrent
    # customers (the action server's worker pool, `make bench`) would then see
    # refused connections that O'mari itself would never cause.
    request_queue_size = 128

    def __init__(self, address: Tuple[str, int], ledger: Ledger, merchant_key: str) -> None:
        super().__init__(address, SandboxRequestHandler)
        self.ledger = ledger
        self.merchant_key = merchant_key
        # Set on stop so a held-back slow answer is released instead of outliving the server.
        self.stopping = threading.Event()


class SandboxRequestHandler(BaseHTTPRequestHandler):
    """Routes one HTTP request to the ledger and writes the reply as JSON."""

    server: SandboxHTTPServer
    server_version = "OmariSandbox/1.0"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib access log goes to stderr unmasked; _handle logs one masked line instead.
        pass

    def _handle(self, method: str) -> None:
        path = urlsplit(self.path).path
        payload: Dict[str, Any] = {}
        try:
            reply = self._route(method, path, payload)
        except InvalidRequest as invalid:
            reply = error_reply(400, "030", str(invalid))
        if reply.delay_seconds:
            self.server.stopping.wait(reply.delay_seconds)
        self._send(reply)
        code = reply.body.get("responseCode", "-") if isinstance(reply.body, dict) else "raw"
        logger.info("%s %s -> %s code=%s msisdn=%s", method, path, reply.status, code,
                    mask_msisdn(payload.get("msisdn")))

    def _route(self, method: str, path: str, payload: Dict[str, Any]) -> Reply:
        """Pick the endpoint; fills ``payload`` so the caller can log the (masked) msisdn."""
        if path == "/health" and method == "GET":
            return Reply(200, {"status": "ok"})
        if path == "/__sandbox/transactions" and method == "GET":
            return Reply(200, self.server.ledger.inspection())
        endpoint = path[len(BASE_PATH) + 1:] if path.startswith(BASE_PATH + "/") else ""
        is_query = endpoint.startswith("query/")
        if endpoint not in {"auth", "request", "void"} and not is_query:
            return error_reply(404, "030", "Unknown endpoint")
        if method != ("GET" if is_query else "POST"):
            return error_reply(405, "030", "Method not allowed")
        offered = self.headers.get("X-Merchant-Key", "").encode("utf-8", "replace")
        if not hmac.compare_digest(offered, self.server.merchant_key.encode("utf-8")):
            return error_reply(401, "063", "Invalid merchant key")
        ledger = self.server.ledger
        if is_query:
            return ledger.query(endpoint[len("query/"):])
        payload.update(self._read_json_object())
        handlers = {"auth": ledger.authorise, "request": ledger.request_payment, "void": ledger.void}
        return handlers[endpoint](payload)

    def _read_json_object(self) -> Dict[str, Any]:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise InvalidRequest("Invalid body: bad Content-Length") from None
        if length <= 0 or length > MAX_BODY_BYTES:
            raise InvalidRequest("Invalid body: expected a JSON object")
        raw = self.rfile.read(length)
        try:
            # Decimal for numbers with a point, NaN/Infinity refused: money stays exact.
            body = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
            raise InvalidRequest("Invalid body: not JSON") from None
        if not isinstance(body, dict):
            raise InvalidRequest("Invalid body: expected a JSON object")
        return body

    def _send(self, reply: Reply) -> None:
        data = reply.raw if reply.raw is not None else encode_json(reply.body).encode("utf-8")
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # Expected when a client gave up waiting for a slow answer.
            logger.debug("client disconnected before the reply was written")


class RunningSandbox:
    """A sandbox serving in a daemon thread; call :meth:`stop` (or use ``with``) to end it."""

    def __init__(self, server: SandboxHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self._stopped = False

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """Where /health and /__sandbox/transactions live."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The payment API's base URL, the value OMARI_API_BASE_URL would hold."""
        return self.root_url + BASE_PATH

    def stop(self) -> None:
        """Stop accepting requests, release held-back answers and close the socket.

        Safe to call twice: tests stop a sandbox early and fixtures stop it again.
        """
        if self._stopped:
            return
        self._stopped = True
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "RunningSandbox":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    otp: str = DEFAULT_OTP,
    merchant_key: str = DEFAULT_MERCHANT_KEY,
    slow_seconds: float = 35.0,
) -> RunningSandbox:
    """Bind and start serving in a daemon thread; port 0 picks a free port.

    The socket is listening when this returns, so callers need no readiness wait.
    """
    if not OTP_PATTERN.fullmatch(otp):
        raise ValueError("otp must be 4 to 8 digits")
    if not merchant_key:
        raise ValueError("merchant_key must not be empty")
    if slow_seconds < 0:
        raise ValueError("slow_seconds must not be negative")
    server = SandboxHTTPServer((host, port), Ledger(otp, slow_seconds), merchant_key)
    # A short poll interval makes stop() return promptly; serving is unaffected.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="omari-sandbox", daemon=True)
    thread.start()
    return RunningSandbox(server, thread)
