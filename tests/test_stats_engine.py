"""The stats engine called directly, as the MCP tools, the dashboard and the chat call it.

Covers the reports without an API route of their own (channels, hours of day, current
visitors, goal conversions) against the plain-Python reference, and the Query parsing rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask, current_app

from clearanalytics import stats, storage
from clearanalytics.accounts import Site
from clearanalytics.db import Database
from tests import stats_dataset
from tests.chstore_helpers import events_on_clickhouse, stats_store
from tests.stats_expected import Expected, current_visitors

SCOPES = (["shop.example", "blog.example"], ["shop.example"], ["blog.example"], ["rival.example"])
PARAMS = (
    {},
    {"period": "24h"},
    {"period": "30d", "filter[page]": "/signup"},
    {"from": "2026-01-05", "to": "2026-02-01"},
)


@pytest.fixture(scope="module")
def dataset(stats_data_dir):
    return stats_data_dir[1]


@pytest.fixture(scope="module")
def reports_app(stats_data_dir, stats_backend):
    """An app holding the stats dataset; on chdb its event store is ClickHouse (the DuckDB file's event
    tables emptied), as a request on a split set-up runs the stats functions."""
    app = Flask(__name__)
    app.extensions["clearanalytics.db"] = db = Database.in_data_dir(stats_data_dir[0])
    app.extensions["clearanalytics.store"] = None  # None: storage.run_report runs DuckDB's engine on the cursor
    if stats_backend == "chdb":
        events_on_clickhouse(app, stats_data_dir[1])
    yield app
    db.close()


@pytest.fixture
def cursor(reports_app):
    """The cursor the stats functions take, inside the app's context for this test only."""
    with reports_app.app_context(), reports_app.extensions["clearanalytics.db"].reading() as cur:
        yield cur


def stored_pageviews(dataset) -> int:
    """Every pageview the event store in use holds (DuckDB's file, or ClickHouse)."""
    store = storage.store_of(current_app.extensions["clearanalytics.db"])
    return store.count_events([s["id"] for s in dataset.sites.values()])["pageviews"]


def sites_of(dataset, domains) -> list[Site]:
    return [Site(s["id"], "t", s["domain"], s["timezone"], s["currency"]) for d in domains for s in [dataset.sites[d]]]


@pytest.mark.parametrize("domains", SCOPES, ids="+".join)
@pytest.mark.parametrize("params", PARAMS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "default")
def test_mcp_and_dashboard_reports_match_the_reference(cursor, dataset, domains, params):
    query = stats.parse_query(params, sites_of(dataset, domains), now=stats_dataset.NOW)
    expected = Expected(dataset, domains, params, stats_dataset.NOW)
    assert stats.channels(cursor, query) == expected.channels()
    assert stats.hours(cursor, query) == expected.hours()
    assert stats.goal_conversions(cursor, query) == expected.goal_conversions()
    assert stats.REPORTS["overview"](cursor, query) == expected.overview()


@pytest.mark.parametrize("minutes_after", [0, 2, 7, 60 * 24])
def test_current_visitors_counts_the_last_five_minutes(cursor, dataset, minutes_after):
    domains = ["shop.example", "blog.example"]
    latest = max(p["created_at"] for p in dataset.pageviews if p["site_id"] in {f"site-{d}" for d in domains})
    now = latest + timedelta(minutes=minutes_after)
    query = stats.parse_query({}, sites_of(dataset, domains), now=now)
    assert stats.current_visitors(cursor, query) == current_visitors(dataset, domains, now)
    if minutes_after == 0:
        assert stats.current_visitors(cursor, query) >= 1


def test_channels_lists_all_six_and_hours_all_twenty_four(cursor, dataset):
    query = stats.parse_query(
        {"from": "2020-01-01", "to": "2020-01-02"}, sites_of(dataset, SCOPES[0]), now=stats_dataset.NOW
    )
    assert [r["visitors"] for r in stats.channels(cursor, query)] == [0] * 6
    assert [r["channel"] for r in stats.channels(cursor, query)] == sorted(stats.CHANNELS)
    assert [r["hour"] for r in stats.hours(cursor, query)] == list(range(24))


def _site(tz: str) -> Site:
    return Site("s-" + tz, "t", tz.lower().replace("/", "-") + ".example", tz, "EUR")


@pytest.mark.parametrize(
    "params,timezones,now,expected",
    [
        ({}, ["UTC"], datetime(2026, 2, 18, 12), (date(2026, 2, 12), date(2026, 2, 18))),
        ({"period": "30d"}, ["UTC"], datetime(2026, 2, 18, 12), (date(2026, 1, 20), date(2026, 2, 18))),
        # 03:00 UTC is still the 17th in New York.
        ({"period": "7d"}, ["America/New_York"], datetime(2026, 2, 18, 3), (date(2026, 2, 11), date(2026, 2, 17))),
        # Across sites the period ends at the latest local today (Tokyo is already on the 19th).
        (
            {"period": "7d"},
            ["America/New_York", "Asia/Tokyo"],
            datetime(2026, 2, 18, 15, 30),
            (date(2026, 2, 13), date(2026, 2, 19)),
        ),
        ({"period": "12m"}, ["UTC"], datetime(2026, 2, 18, 12), (date(2025, 2, 19), date(2026, 2, 18))),
        ({"period": "12m"}, ["UTC"], datetime(2028, 2, 29, 12), (date(2027, 3, 1), date(2028, 2, 29))),
        (
            {"from": "2026-01-01", "to": "2026-01-31", "period": "24h"},
            ["UTC"],
            datetime(2026, 2, 18),
            (date(2026, 1, 1), date(2026, 1, 31)),
        ),
    ],
)
def test_periods_resolve_to_local_calendar_days(params, timezones, now, expected):
    query = stats.parse_query(params, [_site(tz) for tz in timezones], now=now)
    assert (query.date_from, query.date_to) == expected
    assert len(query.buckets()) == (expected[1] - expected[0]).days + 1


def test_24h_is_the_last_24_hours_in_hourly_buckets():
    query = stats.parse_query({"period": "24h"}, [_site("Asia/Tokyo")], now=datetime(2026, 2, 18, 15, 30))
    assert query.buckets()[0] == "2026-02-17T16:00:00Z" and query.buckets()[-1] == "2026-02-18T15:00:00Z"
    (site_range,) = query.ranges()
    assert (site_range.start, site_range.end) == (datetime(2026, 2, 17, 16), datetime(2026, 2, 18, 16))
    previous = query.previous().ranges()[0]
    assert (previous.start, previous.end) == (datetime(2026, 2, 16, 16), datetime(2026, 2, 17, 16))


@pytest.mark.parametrize(
    "params,field",
    [
        ({"period": "7days"}, "period"),
        ({"period": "1y"}, "period"),
        ({"from": "2026-02-10"}, "to"),
        ({"to": "2026-02-10"}, "from"),
        ({"from": "2026-02-11", "to": "2026-02-10"}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "20260201", "to": "2026-02-10"}, "from"),
        ({"from": "2026-02-01", "to": "yesterday"}, "to"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"filter[password]": "x"}, "filter[password]"),
    ],
)
def test_bad_parameters_name_their_field(params, field):
    with pytest.raises(stats.QueryError) as caught:
        stats.parse_query(params, [_site("UTC")], now=datetime(2026, 2, 18))
    assert caught.value.field == field


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
@pytest.mark.parametrize("timezone", ["Asia/Kathmandu", "Australia/Adelaide", "America/St_Johns", "Pacific/Chatham"])
def test_local_days_and_hours_in_quarter_hour_zones_and_across_dst(tmp_path, timezone, backend):
    """Offsets of +5:45, +10:30/+9:30 (DST ends 2026-04-05), -2:30/-3:30 and +13:45: every event lands
    on the local day and hour that zoneinfo gives, including the minutes around midnight and the change.
    A second site in UTC gets the same moments: each row is read in its own site's zone, in one query."""
    from zoneinfo import ZoneInfo

    moments = [datetime(2026, 4, 4, 12, 0) + timedelta(minutes=7 * n) for n in range(0, 24 * 60 // 7 * 2)]
    db = Database(tmp_path / "tz.duckdb")
    with db.transaction() as cur:
        for site_id in ("s1", "s2"):
            cur.execute(
                "INSERT INTO pageviews (id, site_id, visitor_hash, session_hash, hostname, pathname, referrer_source,"
                " channel, browser, os, device_type, created_at)"
                " SELECT $site || 'p' || n, $site, $site || 'v' || n, $site || 's' || n, 'tz.example', '/',"
                " 'direct', 'direct', 'Chrome', 'Linux', 'desktop', m"
                " FROM (SELECT unnest($moments::TIMESTAMP[]) AS m, generate_subscripts($moments, 1) AS n)",
                {"moments": moments, "site": site_id},
            )
    app = Flask(__name__)
    app.extensions["clearanalytics.db"] = db
    app.extensions["clearanalytics.store"] = None
    if backend == "chdb":
        rows = _rows_of(db, "pageviews")
        with db.transaction() as cur:
            cur.execute("DELETE FROM pageviews")
        store = stats_store(db, None, {"pageviews": rows})
        app.extensions["clearanalytics.store"] = store
    sites = [Site("s1", "t", "tz.example", timezone, "EUR"), Site("s2", "t", "utc.example", "UTC", "EUR")]
    zones = [ZoneInfo(timezone), ZoneInfo("UTC")]
    local = [m.replace(tzinfo=UTC).astimezone(zone) for zone in zones for m in moments]
    query = stats.parse_query({"from": "2026-04-04", "to": "2026-04-06"}, sites, now=datetime(2026, 4, 7))
    with app.app_context(), db.reading() as cur:
        series = stats.timeseries(cur, query)
        hours = stats.hours(cur, query)
    kept = [t for t in local if date(2026, 4, 4) <= t.date() <= date(2026, 4, 6)]
    assert series == [
        {"date": day, "visitors": n, "pageviews": n}
        for day in ("2026-04-04", "2026-04-05", "2026-04-06")
        for n in [sum(1 for t in kept if t.date().isoformat() == day)]
    ]
    assert [h["pageviews"] for h in hours] == [sum(1 for t in kept if t.hour == h) for h in range(24)]
    db.close()


def _rows_of(db: Database, table: str) -> list[dict]:
    with db.reading() as cur:
        cur.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


@pytest.mark.parametrize("value", ["/' OR '1'='1", "/pricing'; DROP TABLE pageviews; --", "$f0", "{filters}"])
def test_filter_values_are_bound_never_pasted(cursor, dataset, value):
    query = stats.parse_query(
        {"period": "30d", "filter[page]": value}, sites_of(dataset, SCOPES[0]), now=stats_dataset.NOW
    )
    assert stats.pages(cursor, query) == []
    assert stats.overview(cursor, query)["pageviews"] == 0
    assert stored_pageviews(dataset) == len(dataset.pageviews)
