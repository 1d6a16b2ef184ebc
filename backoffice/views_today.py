"""Today: the day's payments as charts, drawn on the server (backoffice/charts.py).

O'mari's response times are not stored by the backend (only what each call
decided), so there is no chart of them; docs/backoffice.md says so.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template

from backoffice.auth import requires
from backoffice.charts import Series, rate_bar, stacked_bars
from backoffice.context import backoffice
from backoffice.permissions import Permission
from payments.store.models import TransactionStatus, utc_now

blueprint = Blueprint("today", __name__)
OUTCOMES = [s.value for s in (TransactionStatus.SUCCESS, TransactionStatus.FAILED, TransactionStatus.PENDING,
                              TransactionStatus.HELD, TransactionStatus.CANCELLED, TransactionStatus.OTP_SENT,
                              TransactionStatus.INITIATED)]
CHANNELS = ["ecocash", "onemoney", "zimswitch"]
# Pending age buckets, in minutes: what an on-call person acts on.
AGE_BUCKETS = [(0, 5, "< 5 min"), (5, 15, "5-15 min"), (15, 60, "15-60 min"), (60, 24 * 60, "1-24 h"),
               (24 * 60, 10 ** 9, "> 1 day")]


@blueprint.get("/today")
@requires(Permission.SEE_TODAY)
def today():
    office = backoffice()
    now = utc_now()
    midnight = datetime(now.year, now.month, now.day)
    rows = office.ledger.started_since(midnight)
    hours = [f"{h:02d}" for h in range(now.hour + 1)]
    by_outcome = [Series(o, [sum(1 for r in rows if r.status == o and r.created_at.hour == h)
                             for h in range(now.hour + 1)]) for o in OUTCOMES]
    channels = CHANNELS + sorted({r.channel for r in rows} - set(CHANNELS))
    by_channel = [Series(c, [sum(1 for r in rows if r.channel == c and r.created_at.hour == h)
                             for h in range(now.hour + 1)]) for c in channels]
    succeeded = sum(1 for r in rows if r.status == TransactionStatus.SUCCESS.value)
    settled = sum(1 for r in rows if r.status in (TransactionStatus.SUCCESS.value, TransactionStatus.FAILED.value,
                                                   TransactionStatus.HELD.value))
    ages = [(now - t.created_at) for t in office.ledger.open_payments()]
    age_series = [Series("open payments", [sum(1 for a in ages if timedelta(minutes=lo) <= a < timedelta(minutes=hi))
                                           for lo, hi, _ in AGE_BUCKETS])]
    return render_template(
        "today.html", total=len(rows), succeeded=succeeded, settled=settled, open_count=len(ages),
        outcome_chart=stacked_bars("Payments started per hour (UTC), by outcome", hours,
                                   [s for s in by_outcome if any(s.values)] or by_outcome[:1]),
        channel_chart=stacked_bars("Payments started per hour (UTC), by channel", hours,
                                   [s for s in by_channel if any(s.values)] or by_channel[:1]),
        rate_chart=rate_bar("Success rate of today's settled payments", succeeded, settled),
        age_chart=stacked_bars("Open payments by age", [label for _, _, label in AGE_BUCKETS], age_series),
    )
