"""The operations CLI against a real SQLite database."""
import json
from decimal import Decimal

import pytest

from payments import ops
from payments.store.migrations import upgrade_to_head
from payments.store.repository import BookingStore


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade_to_head(url)
    return url


def test_seed_is_idempotent(database, capsys) -> None:
    assert ops.main(["seed"]) == 0
    assert "seeded 5 demo booking(s)" in capsys.readouterr().out
    assert ops.main(["seed"]) == 0
    assert "seeded 0 demo booking(s)" in capsys.readouterr().out


def test_seed_never_overwrites_a_booking_that_was_paid(database, capsys) -> None:
    ops.main(["seed"])
    store = BookingStore(database)
    transaction, _ = store.create_transaction(
        reference="7d8e1c36-0f1e-4b9a-9c1e-2f7c7a0e8b11", booking_reference="BK-T005-20260210", sender_id="s",
        msisdn="263772123456", amount=Decimal("50.00"), currency="USD", customer_channel="ecocash",
    )
    store.credit_booking(
        transaction.reference, payment_reference="P1", debit_reference="D1", response_code="000", response_message="ok"
    )
    ops.main(["seed"])
    capsys.readouterr()
    assert ops.main(["booking", "bk t005 20260210", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["paid"], report["balance"], report["status"]) == ("50.00", "800.00", "pending")
    assert report["transactions"][0]["payment_reference"] == "P1"
    store.dispose()


def test_booking_json_reports_money_as_exact_strings(database, capsys) -> None:
    ops.main(["seed"])
    capsys.readouterr()
    assert ops.main(["booking", "BK-T010-20260301", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "reference": "BK-T010-20260301", "customer_name": "Nyasha Banda",
        "tour_name": "Lake Kariba Houseboat Weekend", "total": "6400.00", "paid": "1600.00",
        "balance": "4800.00", "currency": "ZWG", "status": "deposit_paid", "transactions": [],
    }


def test_unknown_booking_exits_non_zero(database, capsys) -> None:
    ops.main(["seed"])
    assert ops.main(["booking", "BK-NOPE-20990101"]) == 1
    assert ops.main(["booking", "'; DROP TABLE bookings; --"]) == 1
    assert ops.main(["booking", "BK48213977", "--json"]) == 0  # the table is still there


def test_transactions_filter_by_status(database, capsys) -> None:
    ops.main(["seed"])
    capsys.readouterr()
    assert ops.main(["transactions", "--status", "pending", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
