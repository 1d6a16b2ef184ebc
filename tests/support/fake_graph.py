"""A fake WhatsApp Graph API on loopback that records what the channel sends.

A real HTTP server (in a thread of the test process), so the channel's aiohttp
client, its timeouts and retries are exercised for real. It checks every
message against Meta's limits, can be told to fail the next sends with a
given status, and lets a test wait for a condition with a timeout instead of
sleeping.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional


def shape_problems(message: Dict[str, Any]) -> List[str]:
    """Every way ``message`` breaks the Cloud API's limits (empty when it is fine)."""
    problems: List[str] = []
    if message.get("messaging_product") != "whatsapp":
        problems.append("messaging_product must be whatsapp")
    if message.get("status") == "read":
        return problems if message.get("message_id") else problems + ["read receipt without message_id"]
    if ("to" in message) == ("recipient" in message):
        problems.append("exactly one of to / recipient")
    kind = message.get("type")
    if kind == "text":
        body = message.get("text", {}).get("body", "")
        if not body or len(body) > 4096:
            problems.append(f"text body length {len(body)}")
    elif kind == "interactive":
        interactive = message["interactive"]
        body = interactive.get("body", {}).get("text", "")
        if not body or len(body) > 1024:
            problems.append(f"interactive body length {len(body)}")
        if interactive["type"] == "button":
            buttons = interactive["action"]["buttons"]
            titles = [b["reply"]["title"] for b in buttons]
            if not 1 <= len(buttons) <= 3:
                problems.append(f"{len(buttons)} reply buttons")
            if any(len(t) > 20 or not t for t in titles) or len(set(titles)) != len(titles):
                problems.append(f"reply button titles {titles}")
            if any(len(b["reply"]["id"]) > 256 for b in buttons):
                problems.append("reply button id over 256")
        elif interactive["type"] == "list":
            action = interactive["action"]
            rows = [row for section in action["sections"] for row in section["rows"]]
            if not 1 <= len(rows) <= 10:
                problems.append(f"{len(rows)} list rows")
            if not action.get("button") or len(action["button"]) > 20:
                problems.append("list button label")
            for row in rows:
                if not row["title"] or len(row["title"]) > 24 or len(row.get("description", "")) > 72:
                    problems.append(f"list row {row}")
                if len(row["id"]) > 200:
                    problems.append("list row id over 200")
            if len({row["title"] for row in rows}) != len(rows):
                problems.append("duplicate row titles")
        else:
            problems.append(f"unknown interactive type {interactive['type']}")
    elif kind is None:
        problems.append("no type")
    return problems


class FakeGraph:
    """Records POST /<version>/<phone-number-id>/messages; answers like Meta."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []  # {"path", "authorization", "body"}
        self._failures: List[int] = []
        self._late: List[float] = []  # seconds the next accepted sends' answers are held back
        self._changed = threading.Condition()
        graph = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real Graph API

            def do_POST(self) -> None:  # http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with graph._changed:
                    status = graph._failures.pop(0) if graph._failures else 200
                    graph.received.append(
                        {"path": self.path, "authorization": self.headers.get("Authorization"), "body": body,
                         "status": status}
                    )
                    graph._changed.notify_all()
                    late = graph._late.pop(0) if graph._late and status == 200 else 0.0
                if late:
                    time.sleep(late)  # accepted (the customer gets it), answered after the client gave up
                if status == 200:
                    answer: Dict[str, Any] = {"messaging_product": "whatsapp", "messages": [{"id": "wamid.out"}]}
                else:
                    answer = {"error": {"message": "fake failure", "type": "OAuthException", "code": 131000 + status,
                                        "error_subcode": 2494010, "fbtrace_id": "FAKE"}}
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeGraph":
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_late_next(self, *seconds: float) -> None:
        """Accept the next sends at once but hold their answers back ``seconds``: a timeout after Meta took it."""
        with self._changed:
            self._late.extend(seconds)

    def fail_next(self, *statuses: int) -> None:
        with self._changed:
            self._failures.extend(statuses)

    def messages(self, recipient: Optional[str] = None) -> List[Dict[str, Any]]:
        """Accepted customer-facing messages (not read receipts), optionally for one recipient."""
        with self._changed:
            bodies = [r["body"] for r in self.received if r["status"] == 200 and r["body"].get("status") != "read"]
        if recipient is None:
            return bodies
        return [b for b in bodies if recipient in (b.get("to"), b.get("recipient"))]

    def read_receipts(self) -> List[str]:
        with self._changed:
            return [r["body"]["message_id"] for r in self.received if r["body"].get("status") == "read"]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
        """Block until ``condition()`` holds (re-checked on every request), or fail."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():  # the Condition's lock is re-entrant
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; got {self.received}")
                self._changed.wait(min(remaining, 1.0))
