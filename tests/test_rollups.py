"""Daily rollups answer exactly what the raw queries answer, and follow every kind of write.

Two datasets: the stats tests' traffic imported through `clearanalytics import` (three sites in
three timezones, visits across local midnight) and the benchmark generator's year of traffic.
Every report is run twice on the same data, from rollups and inside `rollups.raw_only()`, and the
results must be equal. Then writes that touch closed days (a late engagement update, an import of
history, a goal created later with its backfill, a timezone change) must show up in both.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bench import generate
from clearanalytics import accounts, site_settings, stats
from clearanalytics.db import Database
from clearanalytics.goals import create_goal
from clearanalytics.ingest.goalmatch import backfill
from clearanalytics.ingest.importer import import_file
from clearanalytics.ingest.store import Records, write_records
from clearanalytics.stats import rollup_sql, rollups
from tests import stats_dataset
from tests.conftest import copy_data_dir

PERIODS = (
    {"period": "12m"},
    {"period": "30d"},
    {"from": "2025-06-01", "to": "2025-12-31"},  # closed days only
    {"from": "2026-01-01", "to": "2026-02-18"},  # closed and open days
)
# The stats dataset's rows lie between 4 January and 18 February 2026: its periods hold them all (closed days
# only in one whole month; closed and open days; a whole month and more), where 12m and the 2025 range compared
# empty days alone at the cost of a year's rollups for each site. Those periods are the generated year's.
IMPORTED_PERIODS = (
    {"period": "30d"},
    {"from": "2026-01-01", "to": "2026-01-31"},  # closed days only
    {"from": "2026-01-01", "to": "2026-02-18"},  # closed and open days
)
LIMIT = {"limit": "3"}  # a short list, so that ties at the cut are likely


def compare_all(cur, sites, now, caplog, periods=PERIODS) -> int:
    """Every report both ways for every scope and period; returns how many comparisons ran."""
    compared = 0
    with caplog.at_level(logging.WARNING, logger="clearanalytics.stats.rollups"):
        for scope in (sites, sites[:1]):
            for params in periods:
                query = stats.parse_query(params | LIMIT, scope, now=now)
                assert rollups.plan(query) is not None
                for name in stats.REPORTS:
                    fast = stats.run(name, cur, query)  # open days read inside the answering statement
                    again = stats.run(name, cur, query)  # open days read on their own, then kept
                    kept = stats.run(name, cur, query)  # the kept open days, no raw events read
                    with rollups.raw_only():
                        raw = stats.run(name, cur, query)
                    assert fast == raw, (name, [s.domain for s in scope], params)
                    assert again == kept == raw, (name, [s.domain for s in scope], params, "kept open days")
                    compared += 1
    assert not [r for r in caplog.records if "rollups unavailable" in r.getMessage()]
    return compared


def assert_served_by_rollups(cur, sites, now, params: dict | None = None) -> None:
    """The equality above must not come from a silent fall-back to raw events (12m unless `params` says)."""
    query = stats.parse_query(params or {"period": "12m"}, sites, now=now)
    for report in rollup_sql.COMBINE:
        assert rollups.run(cur, query, report) is not None, report


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The stats dataset through the real import path (daily salts, sessions split at local midnight)."""
    data = stats_dataset.build()
    data_dir = tmp_path_factory.mktemp("rollups-import") / "data"
    stats_dataset.load_accounts(data_dir, data)
    path = data_dir.parent / "events.jsonl"
    path.write_text("\n".join(stats_dataset.import_lines(data)) + "\n")
    db = Database.in_data_dir(data_dir)
    import_file(db, path)
    yield db
    db.close()


@pytest.fixture(scope="module")
def rolled_up(tmp_path_factory) -> Path:
    """The generator's year of traffic with every kind of rollup built by queries at generate.NOW, closed: the
    build (seconds per site-year, whatever the traffic) is done once here, and each test that reads or writes
    the dataset takes a copy (the copy's path is new, so no answer or open day kept for this one is reused)."""
    data_dir = tmp_path_factory.mktemp("rollups-gen") / "data"
    generate.generate(data_dir, 30_000, seed=7, memory_limit="500MB")
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            query = stats.parse_query({"period": "12m"}, accounts.list_sites(cur), now=generate.NOW)
            for name in stats.REPORTS:
                stats.run(name, cur, query)
            built = cur.execute("SELECT DISTINCT kind FROM rollup_days ORDER BY kind").fetchall()
        assert built == [("ecommerce",), ("goals",), ("traffic",)]
    finally:
        db.close()
    return data_dir


@pytest.fixture(scope="module")
def generated(rolled_up, tmp_path_factory):
    db = Database.in_data_dir(copy_data_dir(rolled_up, tmp_path_factory.mktemp("rollups-gen-read") / "data"))
    yield db
    db.close()


def test_imported_dataset_reports_equal_raw(imported, caplog):
    with imported.reading() as cur:
        sites = accounts.list_sites(cur)
        assert compare_all(cur, sites, stats_dataset.NOW, caplog, IMPORTED_PERIODS) > 0
        assert_served_by_rollups(cur, sites, stats_dataset.NOW, IMPORTED_PERIODS[-1])
        built = cur.execute("SELECT kind, count(*) FROM rollup_days GROUP BY kind ORDER BY kind").fetchall()
    assert [k for k, _ in built] == ["ecommerce", "goals", "traffic"]


def test_generated_dataset_reports_equal_raw(generated, caplog):
    with generated.reading() as cur:
        sites = accounts.list_sites(cur)
        compare_all(cur, sites, generate.NOW, caplog)
        assert_served_by_rollups(cur, sites, generate.NOW)


def test_filters_24h_and_open_only_periods_read_raw_events(generated):
    with generated.reading() as cur:
        sites = accounts.list_sites(cur)
        for params in (
            {"period": "12m", "filter[page]": "/"},
            {"period": "24h"},
            {"from": "2026-02-17", "to": "2026-02-18"},
        ):
            query = stats.parse_query(params, sites, now=generate.NOW)
            assert rollups.plan(query) is None
            assert rollups.run(cur, query, "overview") is None


def _overview(cur, sites, now) -> tuple[dict, dict]:
    query = stats.parse_query({"period": "12m"}, sites, now=now)
    fast = stats.overview(cur, query)
    with rollups.raw_only():
        raw = stats.overview(cur, query)
    return fast, raw


def test_writes_to_closed_days_rebuild_their_rollups(rolled_up, tmp_path, caplog):
    db = Database.in_data_dir(copy_data_dir(rolled_up, tmp_path / "data"))
    try:
        with db.reading() as cur:
            sites = accounts.list_sites(cur)
            site = sites[0]
            before, _ = _overview(cur, sites, generate.NOW)
            pid, created_at = cur.execute(
                "SELECT id, created_at FROM pageviews WHERE site_id = ? AND created_at < ? ORDER BY created_at LIMIT 1",
                [site.id, generate.NOW - timedelta(days=100)],
            ).fetchone()
            sample = cur.execute("SELECT * FROM pageviews WHERE id = ?", [pid]).fetchone()

        # 1. A late engagement update to a pageview of a closed (already rolled-up) day.
        with db.transaction() as cur:
            write_records(cur, Records(updates=[(pid, 100_000, 90)]))
        with db.reading() as cur:
            after, raw = _overview(cur, sites, generate.NOW)
        assert after == raw
        assert after["avg_duration"] > before["avg_duration"]

        # 2. Historical rows arriving for a closed day (an import): one more pageview, a new visitor.
        row = list(sample)
        row[0], row[2], row[3] = "late-pv", "late-visitor", "late-session"
        records = Records()
        records.rows["pageviews"].append(tuple(row))
        with db.transaction() as cur:
            write_records(cur, records)
        with db.reading() as cur:
            now_values, raw = _overview(cur, sites, generate.NOW)
        assert now_values == raw
        assert now_values["pageviews"] == after["pageviews"] + 1
        assert now_values["visitors"] == after["visitors"] + 1

        # 3. A goal created later, backfilled from history: its closed days' goal rollups are rebuilt.
        with db.reading() as cur:
            query = stats.parse_query({"period": "12m"}, [site], now=generate.NOW)
            stats.goal_conversions(cur, query)  # goal rollups built before the goal exists
        with db.transaction() as cur:
            goal = create_goal(cur, site.id, "Pricing", "url", {"path": "/pricing"})
            added = backfill(cur, goal)
        assert added > 0
        with db.reading() as cur:
            fast = stats.goal_conversions(cur, query)
            with rollups.raw_only():
                raw = stats.goal_conversions(cur, query)
        assert fast == raw
        assert [g["completions"] for g in fast if g["id"] == goal.id] == [
            added - _open_completions(db, goal.id, site, generate.NOW)
        ]

        # 4. A timezone change moves every local day: all of the site's rollups are rebuilt. (Visitor
        # hashes of the old local days may now straddle a new local midnight, so only additive
        # figures are compared here; docs/PERFORMANCE.md explains.)
        with db.transaction() as cur:
            site_settings.update_site(cur, site, timezone="Pacific/Auckland")
            assert cur.execute("SELECT count(*) FROM rollup_days WHERE site_id = ?", [site.id]).fetchone() == (0,)
        with db.reading() as cur:
            query = stats.parse_query({"period": "12m"}, [accounts.get_site(cur, site.domain)], now=generate.NOW)
            fast = [(r["date"], r["pageviews"]) for r in stats.timeseries(cur, query)]
            with rollups.raw_only():
                assert fast == [(r["date"], r["pageviews"]) for r in stats.timeseries(cur, query)]
    finally:
        db.close()


def _open_completions(db: Database, goal_id: str, site, now: datetime) -> int:
    """Completions outside the 12m period (the backfill counts all history)."""
    query = stats.parse_query({"period": "12m"}, [site], now=now)
    (site_range,) = query.ranges()
    with db.reading() as cur:
        return cur.execute(
            "SELECT count(*) FROM goal_completions WHERE goal_id = ? AND (created_at < ? OR created_at >= ?)",
            [goal_id, site_range.start, site_range.end],
        ).fetchone()[0]


def test_a_visit_across_local_midnight_is_two_sessions_on_two_days(tmp_path, caplog):
    """The raw definition and the rollups agree on how a session is attributed to a day: the
    visitor hash changes at local midnight, so the visit becomes two visitors and two sessions."""
    data = stats_dataset.build()
    data_dir = tmp_path / "data"
    stats_dataset.load_accounts(data_dir, data)
    # shop.example is in New York (UTC-5 in January): 23:50 and 00:10 local on 2026-01-10/11.
    visit = [
        {"timestamp": "2026-01-11T04:50:00Z", "url": "https://shop.example/"},
        {"timestamp": "2026-01-11T05:10:00Z", "url": "https://shop.example/pricing"},
    ]
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
    lines = [
        json.dumps({"domain": "shop.example", "ip": "10.9.9.9", "user_agent": agent, "name": "pageview"} | v)
        for v in visit
    ]
    path: Path = tmp_path / "visit.jsonl"
    path.write_text("\n".join(lines) + "\n")
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            site = accounts.get_site(cur, "shop.example")
            query = stats.parse_query({"from": "2026-01-01", "to": "2026-01-31"}, [site], now=stats_dataset.NOW)
            assert stats.overview(cur, query)["pageviews"] == 0  # builds (empty) closed days first
        import_file(db, path)
        with db.reading() as cur:
            sessions = cur.execute("SELECT count(DISTINCT session_hash), count(DISTINCT visitor_hash) FROM pageviews")
            assert sessions.fetchone() == (2, 2)
            fast = stats.overview(cur, query)
            series = stats.timeseries(cur, query)
            with rollups.raw_only():
                assert fast == stats.overview(cur, query)
                assert series == stats.timeseries(cur, query)
        assert fast["visitors"] == 2 and fast["pageviews"] == 2 and fast["bounce_rate"] == 100.0
        assert {r["date"]: r["visitors"] for r in series if r["visitors"]} == {"2026-01-10": 1, "2026-01-11": 1}
    finally:
        db.close()


def test_rollups_command_builds_closed_days_ahead_of_queries(tmp_path):
    from tests.conftest import run_cli

    data_dir = tmp_path / "data"
    generate.generate(data_dir, 2_000, seed=5, memory_limit="500MB")
    result = run_cli("rollups", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            kinds = cur.execute("SELECT kind, count(*) FROM rollup_days GROUP BY kind ORDER BY kind").fetchall()
    finally:
        db.close()
    assert [k for k, _ in kinds] == ["ecommerce", "goals", "traffic"]
    assert len({n for _, n in kinds}) == 1 and kinds[0][1] > 3 * 365


def test_open_days_are_read_again_after_every_write(rolled_up, tmp_path):
    """The open days' rows are kept between queries (db.write_version): any commit must refresh them."""
    db = Database.in_data_dir(copy_data_dir(rolled_up, tmp_path / "data"))
    try:
        with db.reading() as cur:
            sites = accounts.list_sites(cur)
            before, raw = _overview(cur, sites, generate.NOW)
            assert before == raw
            assert _overview(cur, sites, generate.NOW)[0] == before  # the kept open rows, same answer
            pid, created_at = cur.execute(
                "SELECT id, created_at FROM pageviews WHERE created_at >= ? ORDER BY created_at DESC LIMIT 1",
                [generate.NOW - timedelta(hours=6)],
            ).fetchone()
            sample = list(cur.execute("SELECT * FROM pageviews WHERE id = ?", [pid]).fetchone())
        # A pageview of today by a new visitor, then an engagement update to today's last pageview.
        sample[0], sample[2], sample[3] = "open-pv", "open-visitor", "open-session"
        records = Records()
        records.rows["pageviews"].append(tuple(sample))
        with db.transaction() as cur:
            write_records(cur, records)
        with db.reading() as cur:
            after, raw = _overview(cur, sites, generate.NOW)
        assert after == raw
        assert (after["pageviews"], after["visitors"]) == (before["pageviews"] + 1, before["visitors"] + 1)
        with db.transaction() as cur:
            write_records(cur, Records(updates=[(pid, 1_000_000, 100)]))
        with db.reading() as cur:
            engaged, raw = _overview(cur, sites, generate.NOW)
        assert engaged == raw
        assert engaged["avg_duration"] > after["avg_duration"]
    finally:
        db.close()


def test_open_day_parameters_have_the_rollup_tables_types(generated):
    with generated.reading() as cur:
        for table, types in rollup_sql.TYPES.items():
            described = {row[0]: row[1] for row in cur.execute(f"DESCRIBE rollup_{table}").fetchall()}
            assert tuple(described[c].replace(" ", "") for c in rollup_sql.COLUMNS[table]) == types, table
