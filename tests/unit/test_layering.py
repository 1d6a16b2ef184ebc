"""The parts of the layering contract import-linter cannot see (it reads imports, not code).

- Only the O'mari client (payments/omari/) knows O'mari's response codes and
  wire field names: everything else reads ``Outcome`` and ``DeclineReason``.
- The ops CLI calls none of the booking store's money-moving methods: it
  changes money through the payment service (reconcile, resolve-held).

The rest of the contract is in ``.importlinter``; ``make lint`` runs it, and
so does the first test here, so the unit suite (and CI) fails on a broken layer.
"""
from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

from payments.omari import codes as omari_codes
from payments.store.repository import BookingStore

ROOT = Path(__file__).resolve().parents[2]
# The project's own code; the sandbox (a stand-in for O'mari) and the tests speak O'mari on purpose.
CHECKED_PACKAGES = ("actions", "payments", "rasa_runtime", "common", "parsing", "tools", "bench", "backoffice")
CLIENT_PACKAGE = ROOT / "payments" / "omari"

# The codes the client gives a meaning to, and the others O'mari's integrations are known to send.
OMARI_CODES = omari_codes.KNOWN_CODES | {"001", "005", "009", "012", "025", "026", "030", "057", "063", "091", "096"}
WIRE_FIELDS = {"responseCode", "otpReference", "paymentReference", "debitReference", "X-Merchant-Key"}
# The client's private modules: the rest imports the package's public names only.
CLIENT_INTERNALS = {"payments.omari.codes", "payments.omari.wire", "payments.omari.client"}

# What the ops CLI may call on the store: reads, the demo seed and closing it.
OPS_MAY_CALL = {
    "dispose", "session", "find_booking", "find_booking_by_reference", "get_transaction", "list_transactions",
    "transaction_with_booking", "latest_transaction", "payment_totals", "overpaid_bookings",
    "wrong_otps_on_wallet", "lookup_misses", "add_booking", "delete_everything",
}
# Every other public store method writes payments or their counters (new ones are included automatically).
MONEY_MOVING_STORE_METHODS = {
    name for name, _ in inspect.getmembers(BookingStore, inspect.isfunction) if not name.startswith("_")
} - OPS_MAY_CALL


def omari_knowledge(source: str) -> List[str]:
    """Where ``source`` spells an O'mari code, a wire field or a code constant, or imports the client's internals."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in OMARI_CODES or node.value in WIRE_FIELDS:
                found.append(f"line {node.lineno}: literal {node.value!r}")
        elif isinstance(node, (ast.Name, ast.Attribute, ast.alias)):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else (
                node.asname or node.name)
            constant = name.lstrip("_")  # a bare `_CODE` (a regex in tools/) is not a response code
            if constant.isupper() and constant.endswith(("_CODE", "_CODES")):
                found.append(f"line {getattr(node, 'lineno', '?')}: name {name}")
        if _decides_on_a_code(node):
            found.append(f"line {node.lineno}: decides on a response_code")
        if isinstance(node, ast.ImportFrom) and node.module in CLIENT_INTERNALS:
            found.append(f"line {node.lineno}: imports {node.module}")
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names if a.name in CLIENT_INTERNALS]
    return found


def _decides_on_a_code(node: ast.AST) -> bool:
    """A ``response_code`` compared, looked up in a table or used as a key: reading the code's meaning.

    Passing it on unread (to be stored or shown to ops) is fine.
    """
    if isinstance(node, ast.Compare):
        looked_at = [node]
    elif isinstance(node, ast.Subscript):
        looked_at = [node.slice]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        looked_at = list(node.args)
    else:
        return False
    return any(
        isinstance(inner, ast.Attribute) and inner.attr == "response_code"
        for part in looked_at for inner in ast.walk(part)
    )


def store_writes(source: str) -> List[str]:
    """Where ``source`` calls a method named like one of the store's money-moving methods."""
    return [
        f"line {node.lineno}: {node.func.attr}()"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr in MONEY_MOVING_STORE_METHODS
    ]


def project_sources() -> Iterator[Path]:
    for package in CHECKED_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if CLIENT_PACKAGE not in path.parents:
                yield path


def test_the_import_contract_holds() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    run = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_only_the_omari_client_knows_omari_codes_and_wire_format() -> None:
    offences = {
        str(path.relative_to(ROOT)): found
        for path in project_sources()
        if (found := omari_knowledge(path.read_text(encoding="utf-8")))
    }
    assert offences == {}, "O'mari codes outside payments/omari/: give the caller a DeclineReason instead"


def test_the_ops_cli_moves_no_money_past_the_payment_service() -> None:
    assert store_writes((ROOT / "payments" / "ops.py").read_text(encoding="utf-8")) == []


def test_the_back_office_moves_no_money_past_the_payment_service() -> None:
    """Its pages read through the ledger (reads only); its buttons call PaymentService (issue 23)."""
    sources = sorted((ROOT / "backoffice").rglob("*.py")) + [ROOT / "payments" / "store" / "ledger.py"]
    offences = {str(path.relative_to(ROOT)): found for path in sources
                if (found := store_writes(path.read_text(encoding="utf-8")))}
    assert offences == {}


def test_the_store_methods_that_move_money_are_the_ones_ops_must_not_call() -> None:
    # If this list shrinks to nothing the check above checks nothing.
    assert {"credit_booking", "move_transaction", "create_transaction", "claim_for_request", "refund_overpayment"} <= (
        MONEY_MOVING_STORE_METHODS
    )


@pytest.mark.parametrize("source", [
    'if result.response_code == "051": pass',
    "WRONG_OTP_CODE = '0' + '55'",
    "from payments.omari.codes import reason_of_code",
    "import payments.omari.wire",
    'body.get("responseCode")',
    'reason = DECLINE_REASONS.get(transaction.response_code or "", "declined")',
    "if debit.response_code in refusals: pass",
])
def test_the_code_check_sees_codes_and_their_names(source: str) -> None:
    assert omari_knowledge(source)


@pytest.mark.parametrize("source", [
    "if result.decline_reason is DeclineReason.INSUFFICIENT_FUNDS: pass",
    "from payments.omari import DeclineReason, Outcome",
    'print(f"{amount:.2f}")',
    "store.move_transaction(reference, response_code=debit.response_code)",
])
def test_the_code_check_leaves_typed_reasons_alone(source: str) -> None:
    assert omari_knowledge(source) == []


def test_the_ops_check_sees_a_direct_credit() -> None:
    assert store_writes("store.credit_booking(reference, payment_reference=None)")
