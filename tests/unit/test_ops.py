"""The operations CLI against a real SQLite database."""
import json
from decimal import Decimal

import pytest

from parsing.language import Language
from payments import ops
from payments.notifications.outbox import NotificationOutbox
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


def test_every_listing_of_payments_shows_the_conversations_language(database, capsys) -> None:
    ops.main(["seed"])
    store = BookingStore(database)
    shona, _ = store.create_transaction(
        reference="5b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3", booking_reference="BK-T005-20260210",
        sender_id="whatsapp:263772123456", msisdn="263772123456", amount=Decimal("50.00"), currency="USD",
        customer_channel="ecocash", language=Language.SHONA,
    )
    store.create_transaction(  # started before languages were recorded, or outside a conversation
        reference="6c1d2e3f-4051-4b6c-9d7e-8f90a1b2c3d4", booking_reference="BK-T010-20260301",
        sender_id="rest:other", msisdn="263772654321", amount=Decimal("10.00"), currency="ZWG",
        customer_channel="ecocash",
    )
    NotificationOutbox(store).add_due(shona.reference, shona.sender_id)
    store.dispose()
    capsys.readouterr()

    assert ops.main(["transactions", "--json"]) == 0
    assert [t["language"] for t in json.loads(capsys.readouterr().out)] == ["sn", None]
    assert ops.main(["booking", "BK-T005-20260210"]) == 0
    assert "language=sn" in capsys.readouterr().out
    assert ops.main(["notifications", "--json"]) == 0
    assert [n["language"] for n in json.loads(capsys.readouterr().out)] == ["sn"]
