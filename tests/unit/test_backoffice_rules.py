"""The back office's small rules, on their own: cookies, masking, roles, login limits, charts."""
from __future__ import annotations

import pytest

from backoffice.charts import Series, stacked_bars
from backoffice.login_limits import LoginLimiter, LoginLimits
from backoffice.masking import mask_phone, mask_phones_in_text
from backoffice.permissions import Permission, allows
from backoffice.settings import load_backoffice_settings
from payments.staff.accounts import StaffRole


@pytest.mark.parametrize("host, secure", [("127.0.0.1", False), ("::1", False), ("localhost", False),
                                          ("0.0.0.0", True), ("10.0.0.5", True)])
def test_cookies_are_secure_everywhere_but_plain_http_on_loopback(host: str, secure: bool) -> None:
    assert load_backoffice_settings({"BACKOFFICE_HOST": host}).secure_cookies is secure


def test_insecure_cookies_off_loopback_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="loopback"):
        load_backoffice_settings({"BACKOFFICE_HOST": "0.0.0.0", "BACKOFFICE_SECURE_COOKIES": "false"})
    forced = load_backoffice_settings({"BACKOFFICE_HOST": "127.0.0.1", "BACKOFFICE_SECURE_COOKIES": "true"})
    assert forced.secure_cookies


def test_without_a_configured_key_every_start_signs_with_a_new_random_one() -> None:
    first, second = load_backoffice_settings({}), load_backoffice_settings({})
    assert first.secret_key != second.secret_key and len(first.secret_key) >= 64
    assert "secret_key" not in repr(first)


@pytest.mark.parametrize("number, shown", [("263772123456", "2637•••••456"), ("+263 77 212 3456", "2637•••••456"),
                                           ("12345", "•••••")])
def test_a_masked_number_keeps_only_what_tells_two_customers_apart(number: str, shown: str) -> None:
    assert mask_phone(number) == shown


def test_numbers_inside_text_are_masked_and_other_figures_left() -> None:
    assert mask_phones_in_text("call 0772 123 456 about US$50") == "call 0772•••456 about US$50"


def test_only_ops_move_money_and_see_whole_numbers_and_trainers_see_no_payments() -> None:
    assert [role for role in StaffRole if allows(role, Permission.MOVE_MONEY)] == [StaffRole.OPS]
    assert [role for role in StaffRole if allows(role, Permission.SEE_FULL_PHONE)] == [StaffRole.OPS]
    assert not allows(StaffRole.TRAINER, Permission.FIND_PAYMENTS)
    assert not allows(StaffRole.OFFICE, Permission.TRAIN_NLU) and not allows(StaffRole.OPS, Permission.TRAIN_NLU)


def test_the_eleventh_failure_locks_the_account_and_the_addresses_limit_is_its_own() -> None:
    limiter = LoginLimiter(LoginLimits(failures_per_account=10, failures_per_address=15, window_minutes=15))
    for _ in range(10):
        assert limiter.allowed("amina", "10.0.0.1")
        limiter.record_failure("amina", "10.0.0.1")
    assert not limiter.allowed("amina", "10.0.0.2")  # the account, from anywhere
    assert limiter.allowed("chipo", "10.0.0.1")  # the address has 10 of its 15
    for name in range(5):
        limiter.record_failure(f"spray{name}", "10.0.0.1")
    assert not limiter.allowed("chipo", "10.0.0.1")  # an address spraying many names is stopped too
    assert limiter.allowed("chipo", "10.0.0.3")


def test_a_chart_escapes_what_it_is_given_and_carries_no_style_or_script() -> None:
    svg = stacked_bars("<b>", ["<script>"], [Series("success", [2]), Series("x\"onload=\"y", [1])])
    assert "<script>" not in svg and "onload=\"" not in svg and "style=" not in svg
    assert svg.count("<rect") >= 2
