"""Retention: raw events older than a site's N months are deleted, its long-period reports stay.

The stats dataset (46 days up to 2026-02-18, three sites in three timezones) with one month of
retention on acme's two sites: the expected deletions are counted here in plain Python from the
dataset's rows and hand-computed site-local cutoffs, then checked table by table; the 12m
reports must answer exactly as before (from the daily rollups), while raw events hold only
what is left. Then the CLI (dry run and --apply), the server's daily timer and the dashboard form.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clearanalytics import accounts, deletion, retention, site_settings, stats
from clearanalytics.db import Database, new_id, utcnow
from clearanalytics.ingest.store import TABLES, Records, write_records
from clearanalytics.stats import rollups
from tests import stats_dataset
from tests.conftest import PASSWORD, run_cli, run_cli_subprocess
from tests.dashboard_helpers import add_member, close_app, insert_pageview, login, make_app, page_csrf
from tests.ingest_helpers import query_rows

NOW = stats_dataset.NOW  # 2026-02-18 15:30 UTC: the 18th in New York, the 19th in Tokyo
CUTOFFS = {"shop.example": date(2026, 1, 18), "blog.example": date(2026, 1, 19)}  # one month back, local
DATASET_TABLES = {
    "pageviews": "pageviews",
    "events": "events",
    "ecommerce_events": "ecommerce",
    "goal_completions": "completions",
}


def domain_and_day(data, row: dict) -> tuple[str, date]:
    """The row's site domain and its site-local day."""
    domain, site = next((d, s) for d, s in data.sites.items() if s["id"] == row["site_id"])
    return domain, row["created_at"].replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(site["timezone"])).date()


def expected_deletions(data) -> dict[tuple[str, str], int]:
    """(table, domain) -> rows whose site-local day is before the site's cutoff, from the dataset itself."""
    counts = {(table, domain): 0 for table in TABLES for domain in data.sites}
    for table, attribute in DATASET_TABLES.items():
        for row in getattr(data, attribute):
            domain, day = domain_and_day(data, row)
            if domain in CUTOFFS and day < CUTOFFS[domain]:
                counts[(table, domain)] += 1
    return counts


def stored_counts(cur) -> dict[tuple[str, str], int]:
    counts = {}
    for table in TABLES:
        sql = f"SELECT s.domain, count(t.site_id) FROM sites s LEFT JOIN {table} t ON t.site_id = s.id GROUP BY 1"
        rows = cur.execute(sql).fetchall()
        counts.update({(table, domain): n for domain, n in rows})
    return counts


DELETED_DAYS = {"from": "2026-01-04", "to": "2026-01-16"}  # before both cutoffs


def every_report(cur, sites, params: dict | None = None) -> dict:
    query = stats.parse_query(params or {"period": "12m"}, sites, now=NOW)
    return {name: stats.run(name, cur, query) for name in stats.REPORTS}


def test_retention_deletes_exactly_the_old_rows_and_12m_reports_stay(tmp_path):
    data = stats_dataset.load(tmp_path / "data", stats_dataset.build())
    for domain in CUTOFFS:
        result = run_cli("site", "retention", domain, "--months", "1", "--data-dir", tmp_path / "data")
        assert result.exit_code == 0 and result.stdout == f"{domain} keeps raw events for 1 months\n"
    deleted = expected_deletions(data)
    assert all(deleted[(t, d)] > 0 for t in TABLES for d in CUTOFFS)  # every table loses rows of both sites

    db = Database.in_data_dir(tmp_path / "data")
    try:
        with db.reading() as cur:
            acme = [s for s in accounts.list_sites(cur) if s.domain in CUTOFFS]
            before_counts = stored_counts(cur)
            with rollups.raw_only():  # nothing built yet: retention must build what it needs itself
                before = every_report(cur, acme)
                before_deleted_days = every_report(cur, acme, DELETED_DAYS)
            pending = retention.pending(cur, NOW)
        assert before["overview"]["pageviews"] == sum(1 for p in data.pageviews if p["site_id"] in {s.id for s in acme})
        assert {(p.site.domain, p.cutoff_day) for p in pending} == set(CUTOFFS.items())
        assert {(t, p.site.domain): n for p in pending for t, n in p.rows.items()} == {
            k: v for k, v in deleted.items() if k[1] in CUTOFFS
        }

        applied = retention.apply(db, now=NOW)
        assert {(t, p.site.domain): n for p in applied for t, n in p.rows.items()} == {
            k: v for k, v in deleted.items() if k[1] in CUTOFFS
        }
        with db.reading() as cur:
            after_counts = stored_counts(cur)
            assert after_counts == {k: before_counts[k] - deleted[k] for k in before_counts}
            assert every_report(cur, acme) == before  # closed days answered from the kept rollups
            with rollups.raw_only():
                raw_after = every_report(cur, acme)
            assert sum(p.total for p in retention.pending(cur, NOW)) == 0
        kept = sum(
            1 for d, day in map(lambda p: domain_and_day(data, p), data.pageviews) if d in CUTOFFS and day >= CUTOFFS[d]
        )
        assert raw_after["overview"]["pageviews"] == kept < before["overview"]["pageviews"]

        # The deleted days' rollups are final: a timezone change and an import into them leave them be.
        with db.transaction() as cur:
            shop = accounts.get_site(cur, "shop.example")
            site_settings.update_site(cur, shop, timezone="Europe/Berlin")
            assert cur.execute("SELECT retained_from FROM sites WHERE id = ?", [shop.id]).fetchone() == (
                CUTOFFS["shop.example"],
            )
        late = Records()
        late.rows["pageviews"].append(
            (new_id(), shop.id, "late", "late-s", "shop.example", "/late", None, "direct", "direct")
            + (None,) * 6
            + ("Firefox", "Linux", "desktop", None, 0, 0)
            + (None,) * 3  # country_code, region, city (m010_locations)
            + (datetime(2026, 1, 10, 12),)
        )
        with db.transaction() as cur:
            write_records(cur, late)
        with db.reading() as cur:
            acme = [s for s in accounts.list_sites(cur) if s.domain in CUTOFFS]
            assert every_report(cur, acme, DELETED_DAYS) == before_deleted_days
            assert [(p.site.domain, p.rows["pageviews"]) for p in retention.pending(cur, NOW)] == [
                ("blog.example", 0),
                ("shop.example", 1),
            ]

        # A reset erases the final rollups too: no day stays final, so a later import is counted afresh.
        deletion.reset_site(db, shop)
        with db.reading() as cur:
            assert cur.execute("SELECT retained_from FROM sites WHERE id = ?", [shop.id]).fetchone() == (None,)
        with db.transaction() as cur:
            write_records(cur, late, idempotent=True)
        with db.reading() as cur:
            query = stats.parse_query({"period": "12m"}, [accounts.get_site(cur, "shop.example")], now=NOW)
            assert stats.run("overview", cur, query)["pageviews"] == 1
    finally:
        db.close()


def test_months_before_clamps_to_the_end_of_the_month():
    assert retention.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert retention.months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)
    assert retention.months_before(date(2024, 12, 31), 10) == date(2024, 2, 29)


def _old_traffic(account) -> None:
    """Pageviews 400, 200, 100 and 5 days old: six months of retention deletes exactly the first two."""
    db = Database.in_data_dir(account.data_dir)
    try:
        for days in (400, 200, 100, 5):
            insert_pageview(db, account.site, f"/{days}", when=utcnow() - timedelta(days=days))
    finally:
        db.close()


def test_cli_dry_run_then_apply(account):
    _old_traffic(account)
    result = run_cli("site", "add", "other.example", "--tenant", account.tenant, "--retention-months", "3",
                     "--data-dir", account.data_dir)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert run_cli("site", "retention", account.site, "--months", "6", "--data-dir", account.data_dir).exit_code == 0

    dry = run_cli("retention", "--data-dir", account.data_dir)
    assert dry.exit_code == 0
    lines = dry.stdout.splitlines()
    assert [re.sub(r"before \d{4}-\d\d-\d\d", "before D", line) for line in lines] == [
        "example.com\t6 months\tbefore D\tpageviews=2 events=0 ecommerce_events=0 goal_completions=0",
        "other.example\t3 months\tbefore D\tpageviews=0 events=0 ecommerce_events=0 goal_completions=0",
    ]
    assert dry.stderr == "retention: would delete 2 raw rows from 2 site(s)\n"
    assert query_rows(account.data_dir, "SELECT count(*) FROM pageviews") == [(4,)]

    applied = run_cli("retention", "--apply", "--site", account.site, "--data-dir", account.data_dir)
    assert applied.exit_code == 0 and applied.stderr == "retention: deleted 2 raw rows from 1 site(s)\n"
    assert query_rows(account.data_dir, "SELECT pathname FROM pageviews ORDER BY created_at") == [("/100",), ("/5",)]

    off = run_cli("site", "retention", account.site, "--off", "--data-dir", account.data_dir)
    assert off.stdout == "example.com keeps raw events forever\n"
    assert query_rows(account.data_dir, "SELECT domain, retention_months FROM sites ORDER BY domain") == [
        ("example.com", None),
        ("other.example", 3),
    ]


@pytest.mark.parametrize(
    "args,message",
    [
        (["site", "retention", "example.com"], "Error: give either --months N or --off"),
        (["site", "retention", "example.com", "--months", "2", "--off"], "Error: give either --months N or --off"),
        (["site", "retention", "nowhere.example", "--off"], "Error: unknown site 'nowhere.example'"),
        (["retention", "--site", "nowhere.example"], "Error: unknown site 'nowhere.example'"),
        (["site", "retention", "example.com", "--months", "0"], "Error: Invalid value for '--months'"),
    ],
)
def test_cli_bad_input_is_one_error_line(account, args, message):
    result = run_cli(*args, "--data-dir", account.data_dir)
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in result.stderr


def test_the_server_applies_retention_on_its_own(account, live_server):
    _old_traffic(account)
    assert run_cli("site", "retention", account.site, "--months", "6", "--data-dir", account.data_dir).exit_code == 0
    server = live_server(account.data_dir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the timer's first run follows the start
        dry = run_cli_subprocess("retention", "--site", account.site, "--data-dir", account.data_dir)
        assert dry.returncode == 0, dry.stderr  # forwarded into the server through its control socket
        if "pageviews=0" in dry.stdout:
            break
        time.sleep(0.2)
    assert "pageviews=0 events=0" in dry.stdout
    server.stop()  # the timer thread stops with the server
    assert server.proc.returncode == 0
    assert query_rows(account.data_dir, "SELECT pathname FROM pageviews ORDER BY created_at") == [("/100",), ("/5",)]


def test_dashboard_site_retention_form(account):
    add_member(account.data_dir, account.tenant, "viewer@example.com", "viewer", PASSWORD)
    app = make_app(account.data_dir)
    try:
        client = app.test_client()
        assert login(client, account.email, PASSWORD).status_code == 302
        with app.extensions["clearanalytics.db"].reading() as cur:
            site = accounts.get_site(cur, account.site)
        page = f"/dashboard/{account.tenant}/settings/sites/{site.id}"
        url = page + "/retention"
        assert client.post(url, data={"retention_months": "3"}).status_code == 400  # no CSRF token
        csrf = page_csrf(client, page)
        saved = client.post(url, data={"retention_months": "3", "csrf_token": csrf})
        assert saved.status_code == 302
        shown = client.get(page).text
        assert "example.com keeps raw events for 3 months." in shown
        assert 'name="retention_months" type="number" value="3"' in shown
        bad = client.post(url, data={"retention_months": "<b>x</b>", "csrf_token": csrf})
        assert bad.status_code == 422
        assert "Retention must be a whole number of months from 1 to 1200, or empty." in bad.text
        assert 'value="&lt;b&gt;x&lt;/b&gt;"' in bad.text and "<b>x</b>" not in bad.text
        cleared = client.post(url, data={"retention_months": "", "csrf_token": csrf})
        assert cleared.status_code == 302
        with app.extensions["clearanalytics.db"].reading() as cur:
            assert retention.months_of(cur, site.id) is None

        viewer = app.test_client()
        assert login(viewer, "viewer@example.com", PASSWORD).status_code == 302
        csrf = page_csrf(viewer, f"/dashboard/{account.tenant}/settings/account")
        refused = viewer.post(url, data={"retention_months": "1", "csrf_token": csrf})
        assert refused.status_code == 403
        with app.extensions["clearanalytics.db"].reading() as cur:
            assert retention.months_of(cur, site.id) is None
    finally:
        close_app(app)
