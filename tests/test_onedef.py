"""One query definition per report, one rollup cache, no silent fallback (issue 13, item 2).

Real parts only: the benchmark generator's data in a DuckDB file in tmp_path, the real app's
/metrics registry, real failures (a dropped rollup table), never a mock. The equality of every
report from rollups and live is tests/test_rollups.py's; this file checks the shape that makes
it hold by construction, and what happens when a rollup answer fails.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bench import generate
from clearanalytics import accounts, stats
from clearanalytics.ingest import store
from clearanalytics.metrics import METRICS_KEY
from clearanalytics.stats import engine, prelude, rollup_plan, rollup_read, rollup_sql, rollups
from clearanalytics.stats.daily_sql import DAILY
from clearanalytics.stats.rollup_cache import CACHE, STRICT_ENV, RollupFailure
from tests.app_helpers import new_app

REPO = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[a-z_][a-z0-9_]*")


def words(sql: str) -> set[str]:
    """The identifier-like words of `sql` outside its comments."""
    return set(WORD.findall(re.sub(r"--[^\n]*", "", sql).lower()))


@pytest.fixture
def app(tmp_path):
    data_dir = tmp_path / "data"
    generate.generate(data_dir, 3_000, seed=13, memory_limit="500MB")
    app = new_app(data_dir)
    yield app
    CACHE.reset_backoff()
    service = app.extensions.get("clearanalytics.ingest")
    if service is not None:
        service.close()
    app.extensions["clearanalytics.db"].close()


def _query(cur, params=None):
    return stats.parse_query(params or {"period": "12m"}, accounts.list_sites(cur), now=generate.NOW)


# --- 1. one definition ---------------------------------------------------------------------------


def test_a_rollup_report_has_no_second_sql_file_and_both_paths_run_its_one_daily_sql():
    sql_dir = REPO / "clearanalytics" / "stats" / "sql"
    assert sorted(p.stem for p in sql_dir.glob("*.sql")) == sorted(engine.SINGLE)
    assert not set(engine.SINGLE) & set(rollup_sql.COMBINE)
    sites = [accounts.Site("s1", "t1", "a.example", "Europe/Berlin", "EUR")]
    for params in ({"period": "12m"}, {"period": "24h"}, {"period": "30d", "filter[page]": "/"}):
        query = stats.parse_query(params, sites, now=generate.NOW)
        for report, combine in rollup_sql.COMBINE.items():
            live, _ = engine.compose(query, report)
            stored = "\n".join(rollup_read.parts(report))
            grain = rollup_sql.grain_of(report, query.hourly)
            for table in combine.tables:
                daily = rollup_sql.daily(table, combine.dimension if table == "dims" else None, table in combine.light)
                assert daily.text(grain).strip() in live, (report, table)
                assert rollup_sql.given_rows(table) in stored, (report, table)  # open days: the same daily SQL
                assert daily.text("day").strip() in rollup_sql.live_rows(report, table, "day"), (report, table)
            assert combine.sql.strip() in live, report


def test_every_prelude_relation_and_daily_query_declares_what_it_reads():
    for filtered in (False, True):
        for grain in prelude.GRAINS:
            relations = prelude.relations("TRUE", filtered, grain)
            assert [r.name for r in relations].index("ranges") == 0
            seen: set[str] = set()
            for relation in relations:
                used = words(relation.sql) & prelude.NAMES - {relation.name}
                assert used <= set(relation.reads), (relation.name, filtered, grain)
                assert set(relation.reads) <= seen, (relation.name, "dependencies first")
                seen.add(relation.name)
    for table in rollup_sql.TABLE_KIND:
        for light in (False, True):
            if light and f"{table}_light" not in DAILY:
                continue
            daily = rollup_sql.daily(table, light=light)
            assert words(daily.text()) & prelude.NAMES == set(daily.reads), table
    for report, reads in engine.SINGLE.items():
        assert words(engine.load_sql(report)) & prelude.NAMES == set(reads), report


def test_the_statement_keeps_only_the_relations_a_report_reads():
    sql = prelude.statement({"fpv"}, [], "SELECT count(*) AS n FROM fpv")
    assert [m for m in re.findall(r"(\w+) AS \(", sql)] == ["ranges", "pv", "fpv", "report"]
    with pytest.raises(ValueError, match="unknown prelude relations"):
        prelude.with_clause(frozenset({"pageviews_by_magic"}))


def test_a_filter_value_is_bound_never_sql_text(app):
    hostile = "/x'); DROP TABLE pageviews; --"
    with app.extensions["clearanalytics.db"].reading() as cur:
        query = _query(cur, {"period": "30d", "filter[page]": hostile})
        for report in rollup_sql.COMBINE:
            sql, params = engine.compose(query, report)
            assert hostile not in sql and params == {"f0": hostile}
        assert stats.overview(cur, query)["pageviews"] == 0
        assert cur.execute("SELECT count(*) FROM pageviews").fetchone()[0] > 0


def test_hourly_buckets_sum_the_same_daily_sql_at_the_hour_grain(app):
    """The 24h period has no rollups: its buckets are the daily rows grouped by UTC hour, counted
    here independently from the raw table."""
    with app.extensions["clearanalytics.db"].reading() as cur:
        query = _query(cur, {"period": "24h"})
        (start, end) = (min(r.start for r in query.ranges()), max(r.end for r in query.ranges()))
        expected = dict(
            (f"{h:%Y-%m-%dT%H}:00:00Z", (v, p))
            for h, v, p in cur.execute(
                "SELECT date_trunc('hour', created_at) h, count(DISTINCT visitor_hash), count(*) FROM pageviews "
                "WHERE created_at >= ? AND created_at < ? GROUP BY h",
                [start, end],
            ).fetchall()
        )
        series = {r["date"]: (r["visitors"], r["pageviews"]) for r in stats.timeseries(cur, query) if r["pageviews"]}
    assert series == expected and sum(p for _, p in series.values()) > 0


def test_a_rollup_read_states_only_the_sources_it_has_rows_from_and_answers_as_raw(app, monkeypatch):
    """A week: one band of daily rows and the open days; twelve months: both bands, monthly rows and the open days;
    no import in either. The answers equal the raw events'."""
    run: list[str] = []
    whole = rollup_read.statement
    monkeypatch.setattr(rollup_read, "statement", lambda report, params: run.append(whole(report, params)) or run[-1])
    with app.extensions["clearanalytics.db"].reading() as cur:
        for period, sources in (("7d", {"band2", "open"}), ("12m", {"band1", "band2", "months", "open"})):
            query = _query(cur, {"period": period})
            rows = stats.pages(cur, query)
            assert rows and run, period
            sql = run.pop()
            stated = {
                "band1": "$band1_first" in sql,
                "band2": "$band2_first" in sql,
                "months": "rollup_dims_months" in sql,
                "open": "$open_dims_site_id" in sql,
                "imported": "$imported_" in sql,
            }
            assert {name for name, found in stated.items() if found} == sources, period
            with rollups.raw_only():
                assert stats.pages(cur, query) == rows, period
    assert rollup_read.parts("overview", frozenset()) == [
        "parts_totals AS (\n" + rollup_sql.given_rows("totals") + "\n)"
    ]  # no source: the open days' lists, empty


# --- 2. one cache, invalidated through the store ---------------------------------------------------


def _days(cur, site_id: str) -> set[date]:
    rows = cur.execute("SELECT DISTINCT day FROM rollup_days WHERE site_id = ?", [site_id]).fetchall()
    return {r[0] for r in rows}


def _midnight(site, day: date):
    """The UTC time of the site's local midnight starting `day`."""
    return rollup_plan.site_range(site.id, site.timezone, day, day).start


def test_writers_invalidate_through_the_store_and_days_retention_emptied_stay(app):
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        query = _query(cur)
        assert rollups.build(cur, query) > 0  # every kind, as retention does before it deletes
        site = query.sites[0]
        built = _days(cur, site.id)
    d = sorted(built)[100]
    assert {d, d + timedelta(days=1), d + timedelta(days=2)} <= built
    with db.transaction() as cur:
        generation = CACHE.generation
        CACHE.invalidate(cur, site.id, [d, d + timedelta(days=2)])
        assert CACHE.generation > generation  # the memo of complete days is forgotten too
        assert built - _days(cur, site.id) == {d, d + timedelta(days=2)}
        # a write of rows: the store turns their UTC times into the site's local days
        store.invalidate_rollups(cur, [(site.id, _midnight(site, d))], ("goals",))
        kinds = cur.execute(
            "SELECT kind FROM rollup_days WHERE site_id = ? AND day = ?", [site.id, d + timedelta(days=1)]
        ).fetchall()
        assert sorted(k for (k,) in kinds) == ["ecommerce", "goals", "traffic"]  # d+1 untouched
        store.invalidate_rollups(cur, [(site.id, _midnight(site, d + timedelta(days=1)))], ("goals",))
        kinds = cur.execute(
            "SELECT kind FROM rollup_days WHERE site_id = ? AND day = ?", [site.id, d + timedelta(days=1)]
        ).fetchall()
        assert sorted(k for (k,) in kinds) == ["ecommerce", "traffic"]
        # retention emptied the days before `cut`: nothing could rebuild them, so they stay
        cut = d + timedelta(days=10)
        cur.execute("UPDATE sites SET retained_from = ? WHERE id = ?", [cut, site.id])
        store.invalidate_site_rollups(cur, site.id)
        left = _days(cur, site.id)
    assert left and max(left) < cut and left == {x for x in built if x < cut} - {d, d + timedelta(days=2)}


def test_no_module_outside_stats_and_the_store_reaches_the_rollup_cache():
    allowed = {"clearanalytics/ingest/store.py", "clearanalytics/metrics.py"}
    for path in (REPO / "clearanalytics").rglob("*.py"):
        name = str(path.relative_to(REPO))
        if name.startswith("clearanalytics/stats/") or name in allowed:
            continue
        text = path.read_text()
        assert "rollup_cache" not in text and not re.search(r"rollups\.invalidate|import invalidate_site\b", text), name


# --- 3. no silent fallback ----------------------------------------------------------------------


def _drop_dims(db) -> None:
    with db.transaction() as cur:
        cur.execute("DROP TABLE rollup_dims")
    CACHE.forget_answers()  # kept answers stay right; the test wants the damaged table read


def test_a_failing_rollup_answer_raises_in_tests(app):
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        stats.pages(cur, _query(cur))  # builds the rollups while they work
    _drop_dims(db)
    with db.reading() as cur:
        query = _query(cur)
        assert sum(r["pageviews"] for r in stats.timeseries(cur, query)) > 0  # other tables still answer
        with pytest.raises(RollupFailure, match="rollup_dims"):
            stats.pages(cur, query)


def _failures(app) -> dict[str, float]:
    text = generate_latest(app.extensions[METRICS_KEY]).decode()
    return {
        s.labels["report"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "clearanalytics_rollup_failures_total"
    }


def test_in_production_a_failure_is_counted_logged_and_backed_off(app, monkeypatch, caplog):
    monkeypatch.delenv(STRICT_ENV)
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        query = _query(cur)
        stats.pages(cur, query)  # builds the rollups while they work
    _drop_dims(db)
    assert _failures(app) == {}
    with caplog.at_level(logging.ERROR, logger="clearanalytics.stats.rollups"), db.reading() as cur:
        pages = stats.pages(cur, query)
        with rollups.raw_only():
            assert pages == stats.pages(cur, query) and pages  # answered live, right
        assert _failures(app) == {"pages": 1}
        assert [r.getMessage() for r in caplog.records if "rollups failed for pages" in r.getMessage()]
        # backing off: the next answers do not try the rollups again (nothing more is counted or logged)
        logged = len(caplog.records)
        assert rollups.run(cur, query, "browsers") is None
        stats.browsers(cur, query)
        stats.overview(cur, query)
        assert _failures(app) == {"pages": 1} and len(caplog.records) == logged
        # after the back-off the rollups are tried again, and fail again
        CACHE.reset_backoff()
        assert stats.browsers(cur, query) == stats.browsers(cur, query)
        assert _failures(app) == {"pages": 1, "browsers": 1}


def test_a_query_during_an_uncommitted_invalidation_does_not_remember_the_days_complete(app):
    """A write to a closed day invalidates it in its transaction; a query answering before that commit
    sees the day still complete (its snapshot cannot see the delete). It must not remember so: the
    next query, after the commit, has to rebuild the day and count the new pageview."""
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        query = _query(cur)
        site = query.sites[0]
        before = stats.timeseries(cur, query)
        sample = list(
            cur.execute(
                "SELECT * FROM pageviews WHERE site_id = ? AND created_at < ? ORDER BY created_at LIMIT 1",
                [site.id, generate.NOW - timedelta(days=100)],
            ).fetchone()
        )
    sample[0], sample[2], sample[3] = "race-pv", "race-visitor", "race-session"
    records = store.Records()
    records.rows["pageviews"].append(tuple(sample))
    with db.transaction() as writing:
        store.write_records(writing, records)
        with db.reading() as cur:
            assert stats.timeseries(cur, query) == before  # the snapshot before the commit
    with db.reading() as cur:
        after = stats.timeseries(cur, query)
        with rollups.raw_only():
            assert after == stats.timeseries(cur, query)
    assert sum(r["pageviews"] for r in after) == sum(r["pageviews"] for r in before) + 1
