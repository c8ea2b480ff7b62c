"""Email reports (issue 18 item 2): the figures, the message, the schedule, the ledger and `report send`.

Every message goes through a real SMTP server on loopback (aiosmtpd, tests/mail_helpers.py) and is parsed
with the email package; the numbers are tests/stats_expected.py's, computed in plain Python from the
stats dataset (tests/stats_dataset.py), never by the engine under test. shop.example is in New York, so
its weekly report falls due on Monday 16 February 2026 at 08:00 local = 13:00 UTC, and its monthly one
(January) on 1 February at 13:00 UTC.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from clearanalytics import accounts
from clearanalytics.db import Database
from clearanalytics.mail import store
from clearanalytics.mail.periods import Period, latest_due
from clearanalytics.mail.scheduler import ReportScheduler
from clearanalytics.mail.smtp import Mailer, parse_smtp_url
from tests.conftest import copy_data_dir
from tests.mail_helpers import SmtpSink, html_cells, parts
from tests.stats_expected import Expected

SHOP = "shop.example"
OWNER = "owner@acme.test"
MONDAY = datetime(2026, 2, 16, 13, 5)  # 08:05 in New York: the week of 9-15 February is due since 08:00
SINCE = datetime(2026, 1, 20)  # subscribed before both reports fell due
WEEK = ("2026-02-09", "2026-02-15")
JANUARY = ("2026-01-01", "2026-01-31")


@pytest.fixture
def data_dir(_stats_loaded, tmp_path) -> tuple[Path, object]:
    """A fresh copy of the stats dataset's data dir per test (the ledger is written)."""
    template, data = _stats_loaded
    return copy_data_dir(template, tmp_path / "data"), copy.deepcopy(data)  # its tokens are renewed in a split app


def subscribe(db, email: str, domain: str, *, weekly=True, monthly=True, threshold=None, since=SINCE):
    with db.transaction() as cur:
        user, site = accounts.get_user(cur, email), accounts.get_site(cur, domain)
        return store.save_subscription(
            cur, user.id, site.id, weekly=weekly, monthly=monthly, threshold=threshold, now=since
        )


# --- what the message must say, written from the oracle's numbers ----------------------------------------


def _rel(value) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def _pts(value) -> str:
    return "n/a" if value is None else f"{value:+.1f} pts"


def _duration(seconds: int) -> str:
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def expected_sections(data, domain: str, dates: tuple[str, str], now: datetime) -> list[list[str]]:
    """The text part's sections after its heading: KPIs, top pages, sources, goals, revenue."""
    exp = Expected(data, [domain], {"from": dates[0], "to": dates[1], "limit": "5"}, now)
    o, e, cur = exp.overview(), exp.ecommerce_overview(), data.sites[domain]["currency"]
    kpis = [
        f"Visitors: {o['visitors']:,} ({_rel(o['visitors_change'])})",
        f"Pageviews: {o['pageviews']:,} ({_rel(o['pageviews_change'])})",
        f"Bounce rate: {o['bounce_rate']:.1f}% ({_pts(o['bounce_rate_change'])})",
        f"Visit duration: {_duration(o['avg_duration'])} ({_rel(o['avg_duration_change'])})",
    ]
    pages = [f"  {p['pathname']}: {p['pageviews']:,} pageviews, {p['visitors']:,} visitors" for p in exp.pages()]
    sources = [
        f"  {r['referrer'] or r['referrer_source'].title()}: {r['visitors']:,} visitors" for r in exp.referrers()
    ]
    goals = [
        f"  {g['name']}: {g['completions']:,} completions, {g['visitors']:,} visitors, {g['conversion_rate']:.1f}% "
        "conversion"
        for g in exp.goal_conversions()
    ]
    revenue = [
        f"  Revenue: {cur} {e['revenue']:,.2f} ({_rel(e['revenue_change'])})",
        f"  Purchases: {e['transactions']:,} ({_rel(e['transactions_change'])})",
        f"  Average order: {cur} {e['avg_order_value']:,.2f} ({_rel(e['avg_order_value_change'])})",
        f"  Purchase rate: {e['conversion_rate']:.1f}% ({_pts(e['conversion_rate_change'])})",
    ]
    assert e["transactions"] and len(exp.pages()) == 5 and exp.goal_conversions(), "the dataset must fill each part"
    return [kpis, ["Top pages", *pages], ["Top sources", *sources], ["Goals", *goals], ["Revenue", *revenue]]


def assert_report(message, data, domain: str, dates: tuple[str, str], now: datetime, to: str = OWNER) -> None:
    """Both parts of `message` carry exactly the oracle's figures for `dates`."""
    assert message["To"] == to
    text, html = parts(message)
    text = text.replace("\r\n", "\n")  # SMTP's line endings, as the parser keeps them
    sections = [s.splitlines() for s in text.strip().split("\n\n")]
    first, last = date.fromisoformat(dates[0]), date.fromisoformat(dates[1])
    assert sections[0][1].endswith(f"({dates[0]} to {dates[1]}, {data.sites[domain]['timezone']})"), sections[0]
    assert sections[1:6] == expected_sections(data, domain, dates, now)
    kind = "weekly" if (last - first).days == 6 else "monthly"
    assert message["Subject"].startswith(f"{domain}: {kind} report, ")
    cells = html_cells(html)
    for line in expected_sections(data, domain, dates, now)[0]:
        label, rest = line.split(": ", 1)
        value, change = rest[:-1].split(" (")
        key = {"Visitors": "visitors", "Pageviews": "pageviews", "Bounce rate": "bounce_rate",
               "Visit duration": "avg_duration"}[label]  # fmt: skip
        assert cells.metrics[key] == [label, value, change]
    pages = [line.strip().split(": ", 1) for line in expected_sections(data, domain, dates, now)[1][1:]]
    assert [[row[0], *row[1:]] for row in cells.tables["pages"][1:]] == [
        [path, rest.split(" pageviews, ")[0], rest.split(", ")[1].split(" ")[0]] for path, rest in pages
    ]


# --- the report's numbers, through a real SMTP server ----------------------------------------------------


def test_a_scheduled_round_sends_the_due_week_and_month_once_with_the_oracles_numbers(data_dir):
    path, data = data_dir
    db = Database.in_data_dir(path)
    try:
        sub = subscribe(db, OWNER, SHOP)
        with SmtpSink() as sink:
            scheduler = ReportScheduler(db, Mailer(parse_smtp_url(sink.url), "Reports <reports@example.org>"))
            sent = scheduler.tick(MONDAY)
            assert sent == [(sub.id, "week:2026-02-09"), (sub.id, "month:2026-01")]
            weekly, monthly = sink.wait_for(2)
            assert scheduler.tick(MONDAY + timedelta(minutes=1)) == []  # the ledger has both: nothing again
            assert scheduler.tick(MONDAY + timedelta(hours=5)) == []
        assert len(sink.messages) == 2
        assert sink.envelopes[0] == ("reports@example.org", [OWNER])
        assert weekly["From"] == "Reports <reports@example.org>"
        assert_report(weekly, data, SHOP, WEEK, MONDAY)
        assert_report(monthly, data, SHOP, JANUARY, MONDAY)
        with db.reading() as cur:
            assert [(p, n, bool(at)) for p, n, at in store.sends(cur, sub.id)] == [
                ("month:2026-01", 1, True),
                ("week:2026-02-09", 1, True),
            ]
    finally:
        db.close()


def test_the_schedule_is_08_00_local_on_monday_and_the_first():
    ny = "America/New_York"
    assert latest_due("week", ny, datetime(2026, 2, 16, 12, 59)) == Period(
        "week", date(2026, 2, 2), date(2026, 2, 8), datetime(2026, 2, 9, 13, 0)
    )
    assert latest_due("week", ny, datetime(2026, 2, 16, 13, 0)).key == "week:2026-02-09"
    assert latest_due("month", ny, datetime(2026, 2, 1, 12, 59)).key == "month:2025-12"
    assert latest_due("month", ny, datetime(2026, 2, 1, 13, 0)).key == "month:2026-01"
    # Tokyo is ahead: its Monday 08:00 is Sunday 23:00 UTC; across a DST change New York's 08:00 moves to 12:00 UTC
    assert latest_due("week", "Asia/Tokyo", datetime(2026, 2, 15, 23, 0)).key == "week:2026-02-09"
    assert latest_due("week", ny, datetime(2026, 3, 9, 12, 0)).due_at == datetime(2026, 3, 9, 12, 0)


def test_nothing_due_before_the_subscription_and_nothing_for_a_removed_member(data_dir):
    path, _data = data_dir
    db = Database.in_data_dir(path)
    try:
        late = subscribe(db, OWNER, SHOP, since=MONDAY - timedelta(minutes=1))  # after 08:00: next Monday's first
        with SmtpSink() as sink:
            scheduler = ReportScheduler(db, Mailer(parse_smtp_url(sink.url), "reports@example.org"))
            assert scheduler.tick(MONDAY) == []
            assert scheduler.tick(datetime(2026, 2, 23, 13, 5)) == [(late.id, "week:2026-02-16")]
            with db.transaction() as cur:  # the owner leaves the tenant: the subscription sends nothing more
                tenant, user = accounts.get_tenant(cur, "acme"), accounts.get_user(cur, OWNER)
                cur.execute("DELETE FROM memberships WHERE tenant_id = ? AND user_id = ?", [tenant.id, user.id])
            assert scheduler.tick(datetime(2026, 3, 2, 13, 5)) == []
        assert len(sink.messages) == 1
    finally:
        db.close()
