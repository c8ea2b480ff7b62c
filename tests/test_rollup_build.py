"""Rollups are built in chunks bounded by rows, not days, so a build fits the default memory limit at any size.

The benchmark generator's year of traffic is built twice: in one chunk per 31 days (the old way) and
in chunks of at most a few hundred pageviews. The stored rows must be identical, every report must
still equal its raw answer, and no chunk may hold more pageviews than allowed unless it is one day.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bench import generate
from clearanalytics import accounts, stats
from clearanalytics.db import Database
from clearanalytics.ingest.store import Records, write_records
from clearanalytics.stats import rollup_build, rollup_plan, rollup_sql, rollups
from clearanalytics.stats.rollup_cache import CACHE
from tests.test_rollups import assert_served_by_rollups, compare_all

SMALL_CHUNK = 400  # pageviews: the 20,000 generated over a year make about 50 chunks


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("rollup-build") / "data"
    generate.generate(data_dir, 20_000, seed=11, memory_limit="500MB")
    db = Database.in_data_dir(data_dir)
    yield db
    db.close()


def _stored(cur) -> dict[str, list[tuple]]:
    return {t: sorted(cur.execute(f"SELECT * FROM rollup_{t}").fetchall(), key=repr) for t in rollup_sql.TABLE_KIND}


def _rebuild(cur, sites) -> None:
    cur.execute("DELETE FROM rollup_days")
    for table in rollup_sql.TABLE_KIND:
        cur.execute(f"DELETE FROM rollup_{table}")
    query = stats.parse_query({"period": "12m"}, sites, now=generate.NOW)
    assert rollups.build(cur, query) == 3 * len(sites) * (query.date_to - query.date_from).days - 3 * len(sites)


def test_small_chunks_store_the_same_rows_as_one_chunk_per_month(generated, monkeypatch):
    with generated.reading() as cur:
        sites = accounts.list_sites(cur)
        monkeypatch.setattr(rollup_build, "CHUNK_ROWS", 10**9)
        _rebuild(cur, sites)
        monthly = _stored(cur)
        monkeypatch.setattr(rollup_build, "CHUNK_ROWS", SMALL_CHUNK)
        _rebuild(cur, sites)
        assert _stored(cur) == monthly
        assert sum(len(rows) for rows in monthly.values()) > 10_000
        # The rows are the same whatever the chunks, so every report is too: that the reports from these rows equal
        # the raw answers is compared (compare_all) by the monthly rows test below, on this same dataset.
        assert_served_by_rollups(cur, sites, generate.NOW)


def test_a_chunk_holds_at_most_chunk_rows_pageviews_unless_it_is_one_day(generated, monkeypatch):
    monkeypatch.setattr(rollup_build, "CHUNK_ROWS", SMALL_CHUNK)
    with generated.reading() as cur:
        sites = accounts.list_sites(cur)
        query = stats.parse_query({"period": "12m"}, sites, now=generate.NOW)
        split = rollups.plan(query)
        first, last = query.date_from, query.date_to - timedelta(days=rollups.OPEN_DAYS)
        chunks = list(rollup_build._chunks(cur, first, last, split))
        per_day = dict(cur.execute("SELECT created_at::DATE, count(*) FROM pageviews GROUP BY 1").fetchall())
    assert chunks[0][0] == first and chunks[-1][1] == last
    for (_, end), (start, _) in zip(chunks, chunks[1:], strict=False):
        assert start == end + timedelta(days=1)  # contiguous, no day twice, none left out
    for start, end in chunks:
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        assert len(days) <= rollup_build.CHUNK_DAYS
        assert len(days) == 1 or sum(per_day.get(d, 0) for d in days) <= SMALL_CHUNK, (start, end)
    assert len(chunks) >= 20_000 * 0.9 // SMALL_CHUNK


def test_a_day_busier_than_a_chunk_is_a_chunk_alone(generated, monkeypatch):
    monkeypatch.setattr(rollup_build, "CHUNK_ROWS", 1)
    with generated.reading() as cur:
        sites = accounts.list_sites(cur)
        query = stats.parse_query({"from": "2025-11-01", "to": "2025-11-30"}, sites, now=generate.NOW)
        chunks = list(rollup_build._chunks(cur, query.date_from, query.date_to, rollups.plan(query)))
        assert chunks == [(date(2025, 11, d), date(2025, 11, d)) for d in range(1, 31)]


def _traffic_months(cur, site_id: str) -> set[date]:
    rows = cur.execute("SELECT month FROM rollup_months WHERE site_id = ? AND kind = 'traffic'", [site_id]).fetchall()
    return {month for (month,) in rows}


def test_whole_months_come_from_monthly_rows_and_a_write_to_a_day_rebuilds_its_month(generated, caplog):
    """Overview (no time buckets) reads June 2025 from its monthly row; the time series reads days. A
    daily row changed behind the rollups' back shows in the time series only; a real write to that day
    rebuilds the day and its month, and both answer as raw events again."""
    day = date(2025, 6, 15)
    whole = {date(2025, m, 1) for m in range(3, 13)} | {date(2026, 1, 1)}  # inside 2025-02-19 .. 2026-02-16
    with generated.reading() as cur:
        sites = accounts.list_sites(cur)
        site = sites[0]
        query = stats.parse_query({"period": "12m"}, [site], now=generate.NOW)
        overview, series = stats.run("overview", cur, query), stats.run("timeseries", cur, query)
        assert whole <= _traffic_months(cur, site.id) and date(2026, 2, 1) not in _traffic_months(cur, site.id)
        bump = "UPDATE rollup_totals SET pageviews = pageviews + 1000 WHERE site_id = ? AND day = ?"
        cur.execute(bump, [site.id, day])
        CACHE.forget_answers()  # a change behind the cache's back: read the tables again
        assert stats.run("overview", cur, query) == overview  # the month's row, not the days'
        before = {p["date"]: p["pageviews"] for p in series}
        bumped = {p["date"]: p["pageviews"] for p in stats.run("timeseries", cur, query)}
        assert bumped[day.isoformat()] == before[day.isoformat()] + 1000
        sample = list(cur.execute(
            "SELECT * FROM pageviews WHERE site_id = ? AND created_at >= ? ORDER BY created_at LIMIT 1",
            [site.id, rollup_plan.site_range(site.id, site.timezone, day, day).start],
        ).fetchone())  # fmt: skip
    sample[0], sample[2], sample[3] = "month-pv", "month-visitor", "month-session"
    records = Records()
    records.rows["pageviews"].append(tuple(sample))
    with generated.transaction() as cur:
        write_records(cur, records)
        assert day.replace(day=1) not in _traffic_months(cur, site.id)  # the write forgot June
    with generated.reading() as cur:
        after = stats.run("overview", cur, query)
        assert after["pageviews"] == overview["pageviews"] + 1
        assert whole <= _traffic_months(cur, site.id)  # June built again
        compare_all(cur, sites, generate.NOW, caplog)


def test_a_write_to_the_last_built_day_still_forgets_it(generated):
    """Writes after the last built day skip the rollup DELETEs (live batches); the last built day
    itself must not be skipped."""
    with generated.reading() as cur:
        sites = accounts.list_sites(cur)
        site = sites[0]
        stats.run("overview", cur, stats.parse_query({"period": "30d"}, [site], now=generate.NOW))
        (last,) = cur.execute("SELECT max(day) FROM rollup_days WHERE site_id = ?", [site.id]).fetchone()
        sample = list(cur.execute(
            "SELECT * FROM pageviews WHERE site_id = ? AND created_at >= ? ORDER BY created_at LIMIT 1",
            [site.id, rollup_plan.site_range(site.id, site.timezone, last, last).start],
        ).fetchone())  # fmt: skip
    sample[0], sample[2], sample[3] = "last-pv", "last-visitor", "last-session"
    sample[-1] = rollup_plan.site_range(site.id, site.timezone, last, last).end - timedelta(minutes=1)
    records = Records()
    records.rows["pageviews"].append(tuple(sample))
    with generated.transaction() as cur:
        write_records(cur, records)
        kinds = cur.execute("SELECT kind FROM rollup_days WHERE site_id = ? AND day = ?", [site.id, last]).fetchall()
    assert ("traffic",) not in kinds
