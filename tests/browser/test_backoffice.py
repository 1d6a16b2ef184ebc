"""The back office in Chromium: what each role finds and may do, and what the server refuses.

Payments are made through the real PaymentService against the O'mari
sandbox; the back office acts on them as its own process (tests/browser/conftest.py).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Optional

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from parsing.language import Language
from payments.omari import OmariClient
from payments.service import SubmitOutcome
from payments.store.models import Booking
from tests.browser.conftest import MISUNDERSTOOD, PASSWORD, Site, log_in, screenshot
from tests.support.payment_backend import MERCHANT_KEY, OTP, PaymentBackend
from tools.inbox_turns import likely_language
from tools.stack import REPO, base_env

SLYKER = "BK-SLYKER-TECH-20251023"
# The sandbox's number whose first /query fails: the payment stays pending until reconciled.
QUERY_FAILS_ONCE = "263770000008"


def paid(backend: PaymentBackend, msisdn: str, language: Optional[Language] = None) -> str:
    """A payment of 50.00 on the Slyker booking that O'mari confirmed: the customer's side, start to end."""
    started = backend.start(msisdn=msisdn, sender=f"rest:{uuid.uuid4().hex[:8]}", language=language)
    assert started.transaction is not None
    result = backend.service.submit_otp(started.transaction.reference, OTP)
    assert result.outcome is SubmitOutcome.SUCCESS
    return started.transaction.reference


def held_for_review(backend: PaymentBackend, msisdn: str = "263772999888") -> str:
    """A local payment of 50.00 that O'mari reports as a debit of 60.00: reconciliation holds it for a person."""
    reference = str(uuid.uuid4())
    backend.store.create_transaction(reference=reference, booking_reference=SLYKER, sender_id="rest:held",
                                     msisdn=msisdn, amount=Decimal("50.00"), currency="USD",
                                     customer_channel="ecocash")
    client = OmariClient(backend.sandbox.base_url, MERCHANT_KEY, 1, 5)
    client.authorise(msisdn, reference, Decimal("60.00"), "USD")
    client.request_payment(msisdn, reference, OTP)
    backend.store.move_transaction(reference, from_statuses=["initiated"], to_status="pending")
    backend.service.reconcile(reference)
    assert backend.store.get_transaction(reference).status == "held"
    return reference


def status_of(site: Site, reference: str) -> str:
    return site.backend.store.get_transaction(reference).status


def test_office_finds_a_payment_by_phone_and_sees_its_outcome_but_no_money_action(site: Site, page: Page) -> None:
    reference = paid(site.backend, "263772345678", Language.SHONA)
    log_in(page, site, "olive")
    expect(page.get_by_test_id("who")).to_have_text("olive (office)")
    page.fill("input[name=q]", "0772 345 678")
    page.click("form.search button")
    row = page.locator("table.payments tr", has_text=reference[:8])
    expect(row.get_by_test_id("outcome")).to_have_text("success")
    expect(row).to_contain_text("2637•••••678")
    expect(row.get_by_test_id("language")).to_have_text("sn")  # the conversation's language when it started
    assert "263772345678" not in page.content()  # the office never sees a whole number
    screenshot(page, "payments-office")
    row.get_by_role("link").click()
    expect(page.get_by_test_id("payment-outcome")).to_have_text("success")
    expect(page.get_by_test_id("wallet")).to_have_text("2637•••••678")
    # A held payment, which ops would settle from its page: the office reads it and gets no button.
    held = held_for_review(site.backend, "263772111222")
    page.goto(f"{site.url}/payments?q=%2B263+77+211+1222")
    found = page.locator("section", has_text="Found for")
    found.locator("table.payments tr", has_text=held[:8]).get_by_role("link").click()
    expect(page.get_by_test_id("payment-outcome")).to_have_text("held")
    expect(page.get_by_test_id("payment-language")).to_have_text("not recorded")  # started outside a conversation
    expect(page.get_by_test_id("money-actions")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Reconcile|Credit|Fail|refunded"))).to_have_count(0)
    # Nor any page an office person may not use: not in the menu, and refused if typed.
    expect(page.get_by_role("link", name="NLU inbox")).to_have_count(0)
    assert page.goto(f"{site.url}/inbox").status == 403


def test_ops_resolves_a_held_payment_with_a_note_credited_once_and_audited(site: Site, page: Page) -> None:
    reference = held_for_review(site.backend)
    before = site.backend.paid()
    log_in(page, site, "oscar")
    held_row = page.locator("section", has_text="Held for review").locator("tr", has_text=reference[:8])
    expect(held_row).to_be_visible()
    expect(page.locator("body")).to_contain_text("263772999888")  # ops see whole numbers
    screenshot(page, "payments-ops")
    held_row.get_by_role("link").click()
    # A second person opens the same held payment before the first one decides.
    other = page.context.new_page()
    other.goto(page.url)
    screenshot(page, "payment-held")
    page.fill("textarea[name=note]", "O'mari's statement shows 50.00 debited; 10.00 reversed by them")
    page.get_by_role("button", name="Credit our amount").click()
    expect(page.locator(".flash.ok")).to_contain_text("Credited")
    expect(page.get_by_test_id("payment-outcome")).to_have_text("success")
    assert site.backend.paid() == before + Decimal("50.00")
    screenshot(page, "payment-timeline")

    other.fill("textarea[name=note]", "crediting it too")
    other.get_by_role("button", name="Credit our amount").click()
    expect(other.locator(".flash.error")).to_contain_text("nothing was changed")
    assert site.backend.paid() == before + Decimal("50.00")  # credited exactly once
    assert status_of(site, reference) == "success"

    entries = [e for e in site.audit.recent(50, subject=reference) if e.action == "resolve_held_credit"]
    assert [(e.actor, e.note) for e in entries] == [
        ("oscar", "O'mari's statement shows 50.00 debited; 10.00 reversed by them")]
    env = base_env(DATABASE_URL=site.backend.database_url)
    shown = subprocess.run([sys.executable, "-m", "payments.ops", "audit-log", "--subject", reference, "--json"],
                           env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert [(e["actor"], e["action"]) for e in json.loads(shown.stdout)] == [("oscar", "resolve_held_credit")]
    audit = subprocess.run([sys.executable, "-m", "payments.ops", "audit"], env=env, cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    page.goto(f"{site.url}/audit")
    expect(page.locator("table.audit tr", has_text=reference)).to_contain_text("resolve_held_credit")
    screenshot(page, "audit-log")
    page.goto(f"{site.url}/today")
    expect(page.locator("svg.chart").first).to_be_visible()
    screenshot(page, "today")


def test_ops_reconcile_a_pending_payment_and_mark_an_overpaid_excess_refunded(site: Site, page: Page) -> None:
    """A debit O'mari confirms only later, on a booking the office meanwhile marked paid by hand."""
    backend = site.backend
    started = backend.service.start_payment(sender_id="rest:late-payer", booking_lookup_key="BKT00520260210",
                                            amount=Decimal("850.00"), customer_channel="ecocash",
                                            msisdn=QUERY_FAILS_ONCE)
    reference = started.transaction.reference
    assert backend.service.submit_otp(reference, OTP).outcome is SubmitOutcome.PENDING
    backend.age(reference, 30)
    with backend.store.session() as session:  # the office took the balance in cash meanwhile
        session.execute(update(Booking).where(Booking.reference == "BK-T005-20260210")
                        .values(amount_paid=Decimal("850.00"), opening_amount_paid=Decimal("850.00"),
                                status="paid").execution_options(synchronize_session=False))
    log_in(page, site, "oscar")
    pending = page.locator("section", has_text="Pending for more than")
    pending.locator("tr", has_text=reference[:8]).get_by_role("link").click()
    page.get_by_role("button", name=re.compile("Reconcile now")).click()
    expect(page.locator(".flash.ok")).to_contain_text("success")
    expect(page.get_by_test_id("payment-outcome")).to_have_text("success")

    page.goto(f"{site.url}/payments")
    overpaid = page.locator("section", has_text="Overpaid bookings").locator("tr", has_text="BK-T005-20260210")
    expect(overpaid).to_contain_text("850.00")
    overpaid.locator("input[name=note]").fill("refunded by EcoCash reversal, slip 4471")
    overpaid.get_by_role("button", name="Mark refunded").click()
    expect(page.locator(".flash.ok")).to_contain_text("recorded as refunded")
    booking = backend.store.find_booking_by_reference("BK-T005-20260210")
    assert (booking.amount_paid, booking.overpaid_amount, booking.refunded_amount) == (
        Decimal("850.00"), Decimal("0.00"), Decimal("850.00"))
    actions = {e.action: e.note for e in site.audit.recent(20) if e.actor == "oscar"}
    assert actions["mark_overpaid_refunded"] == "850.00: refunded by EcoCash reversal, slip 4471"
    assert actions["reconcile"] == "outcome success"


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(site: Site, page: Page) -> None:
    reference = held_for_review(site.backend)
    before = site.backend.paid()
    log_in(page, site, "otto")
    expect(page.get_by_test_id("who")).to_have_text("otto (ops)")
    forged = page.request.post(f"{site.url}/payments/{reference}/resolve",
                               form={"decision": "credit", "note": "from another site"})
    assert forged.status == 400
    wrong = page.request.post(f"{site.url}/payments/{reference}/resolve",
                              form={"decision": "credit", "note": "guessed", "csrf_token": "x" * 43})
    assert wrong.status == 400
    assert status_of(site, reference) == "held"
    assert site.backend.paid() == before


def test_a_role_acting_beyond_its_rights_is_refused_by_the_server(site: Site, page: Page) -> None:
    reference = held_for_review(site.backend)
    before = site.backend.paid()
    log_in(page, site, "olive")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = page.request.post(f"{site.url}/payments/{reference}/resolve",
                                form={"decision": "credit", "note": "office trying", "csrf_token": token or ""})
    assert refused.status == 403
    assert status_of(site, reference) == "held"
    assert site.backend.paid() == before
    assert any(e.actor == "olive" and e.action == "refused" for e in site.audit.recent(20))


def test_the_eleventh_wrong_password_is_refused_even_when_it_is_right(site: Site, page: Page) -> None:
    for _ in range(10):
        log_in(page, site, "lockme", "not the password at all")
        expect(page.locator(".flash.error")).to_contain_text("do not match")
    log_in(page, site, "lockme", PASSWORD)
    expect(page.locator(".flash.error")).to_contain_text("Too many wrong passwords")
    page.goto(f"{site.url}/payments")
    expect(page).to_have_url(re.compile(r"/login$"))
    # The limit is the account's: another account from the same address still logs in.
    log_in(page, site, "oscar")
    expect(page.get_by_test_id("who")).to_have_text("oscar (ops)")


# Two real (small) NLU trainings and both models loaded: minutes on a busy two-core machine.
@pytest.mark.timeout(900)
def test_a_trainer_reads_a_redacted_conversation_accepts_a_suggestion_and_sees_the_comparison(
        site: Site, page: Page) -> None:
    log_in(page, site, "tanya")
    expect(page).to_have_url(re.compile(r"/inbox$"))  # a trainer's home; no payments for them
    assert page.goto(f"{site.url}/payments").status == 403
    page.goto(f"{site.url}/conversations?trouble=fallback")
    expect(page.locator("main tbody tr")).to_have_count(1)
    screenshot(page, "conversations")
    page.locator("main tbody tr a").click()
    expect(page.get_by_test_id("turn").first).to_be_visible()
    content = page.content()
    assert "0712 345 678" not in content and "345 678" not in content and "345678" not in content
    expect(page.locator("ol.chat")).to_contain_text("[OTP]")
    screenshot(page, "conversation")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Export")).click()
    exported = Path(download.value.path()).read_text()
    assert MISUNDERSTOOD in exported and "[OTP]" in exported and "345 678" not in exported

    page.goto(f"{site.url}/inbox")
    row = page.get_by_test_id("inbox-row").filter(has_text=MISUNDERSTOOD)
    expect(row).to_contain_text("fallback")
    expect(row.get_by_test_id("inbox-language")).to_have_text(likely_language(MISUNDERSTOOD) or "?")
    screenshot(page, "nlu-inbox")
    row.locator("select[name=intent]").select_option("greet")
    row.get_by_role("button", name="Decide").click()
    expect(page.locator(".flash.ok")).to_contain_text("Accepted as greet")
    expect(page.get_by_test_id("inbox-row").filter(has_text=MISUNDERSTOOD)).to_have_count(0)
    assert f"- {MISUNDERSTOOD}" in site.accepted.read_text()

    page.get_by_role("button", name=re.compile("Compare")).click()
    expect(page).to_have_url(re.compile(r"/inbox/compare$"))
    state = page.get_by_test_id("comparison-state")
    expect(state).to_contain_text(re.compile("Running|Finished"))
    expect(state).to_contain_text("Finished", timeout=600_000)
    expect(state).to_contain_text("not worse")
    report = page.get_by_test_id("report")
    expect(report).to_contain_text("## accepted")  # the accepted examples, run through both models
    expect(report).to_contain_text("## nlu_customer")
    screenshot(page, "nlu-comparison")
    decided = [e for e in site.audit.recent(50) if e.action == "inbox_accept"]
    assert [(e.actor, e.note) for e in decided] == [("tanya", f"greet: {MISUNDERSTOOD}")]


def test_the_login_page_sends_the_security_headers_and_a_strict_cookie(site: Site, page: Page) -> None:
    response = page.goto(f"{site.url}/login")
    assert response is not None
    headers = response.headers
    assert "script-src" not in headers["content-security-policy"]  # default-src 'none': no script at all
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store, private"
    screenshot(page, "login")
    log_in(page, site, "oscar")
    cookie = next(c for c in page.context.cookies() if c["name"] == "backoffice")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
