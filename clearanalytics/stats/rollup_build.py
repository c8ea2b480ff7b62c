"""Building the rollups of closed days (from raw events) and whole months (from their days).

A build runs in chunks bounded by pageviews and days, each in its own transaction under the
database's write lock (docs/PERFORMANCE.md, "Memory and concurrency of builds"); months are summed
from their days' rows after the days are built. stats/rollups.py calls it when a query finds days
or months missing; retention and `clearanalytics rollups` call it ahead of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import suppress
from datetime import date, timedelta

import duckdb

from clearanalytics.db import utcnow, write_lock
from clearanalytics.stats import engine, prelude, rollup_sql
from clearanalytics.stats.query import Query
from clearanalytics.stats.rollup_cache import CACHE, _database_path, runs
from clearanalytics.stats.rollup_plan import Plan, closed_params, site_range

CHUNK_DAYS = 31  # at most this many days built per locked transaction
CHUNK_ROWS = 500_000  # and at most about this many pageviews


def build_in_chunks(conn, query: Query, split: Plan, kinds: list[str]) -> None:
    """Build the missing days in chunks (all sites together), each in its own transaction under the
    write lock: the ingest writer's commits wait for one chunk at most, never for a whole year of
    history (its requests never wait: they only append to the spool). A chunk holds at most
    CHUNK_ROWS pageviews and CHUNK_DAYS days, so a build's memory depends on neither the size of the
    database nor the traffic of a day, and fits the default memory limit (docs/PERFORMANCE.md)."""
    lock = write_lock(_database_path(conn))
    for start, end in _chunks(conn, min(c[1] for c in split.closed), max(c[2] for c in split.closed), split):
        spans = tuple((s, max(a, start), min(b, end)) for s, a, b in split.closed if a <= end and b >= start)
        _locked_build(conn, lock, query, Plan(spans, ()), kinds, months=False)
    if split.months:
        _locked_build(conn, lock, query, split, kinds, months=True)  # sums of the days just built


def _locked_build(conn, lock, query: Query, split: Plan, kinds: list[str], months: bool) -> None:
    with lock:
        conn.begin()
        try:
            build(conn, query, missing(conn, split, kinds, months))
            conn.commit()
        except BaseException:
            with suppress(duckdb.Error):
                conn.rollback()
            raise


def _chunks(conn, first: date, last: date, split: Plan) -> Iterator[tuple[date, date]]:
    """Runs of days from `first` to `last` of at most CHUNK_ROWS pageviews (by UTC day, which is
    close enough to size a chunk) and CHUNK_DAYS days; a busier day than CHUNK_ROWS is a chunk alone."""
    per_day = dict(
        conn.execute(
            """
            SELECT created_at::DATE, count(*) FROM pageviews
            WHERE created_at >= $lo AND created_at < $hi AND list_contains($sites, site_id) GROUP BY 1
            """,
            {"lo": first - timedelta(days=1), "hi": last + timedelta(days=2), "sites": [c[0] for c in split.closed]},
        ).fetchall()
    )
    start, rows, day = first, 0, first
    while day <= last:
        rows += per_day.get(day, 0)
        if day > start and (rows > CHUNK_ROWS or (day - start).days >= CHUNK_DAYS):
            yield start, day - timedelta(days=1)
            start, rows = day, per_day.get(day, 0)
        day += timedelta(days=1)
    yield start, last


def missing(conn, split: Plan, kinds: list[str], months: bool = True) -> list[tuple[str, str, date, bool]]:
    """(site, kind, day, False) of the closed days without complete daily rows, then (site, kind,
    month, True) of the whole months (with `months`) without complete monthly rows."""
    sql = f"""
        WITH {rollup_sql.CLOSED},
        wanted AS (
            SELECT c.site_id, k.kind, unnest(generate_series(c.day_from, c.day_to, INTERVAL 1 DAY))::DATE AS day
            FROM closed c CROSS JOIN (SELECT unnest($kinds::VARCHAR[]) AS kind) k
        ),
        {rollup_sql.CLOSED_MONTHS},
        wanted_months AS (
            SELECT m.site_id, k.kind, m.month FROM closed_months m
            CROSS JOIN (SELECT unnest($kinds::VARCHAR[]) AS kind) k
        )
        SELECT * FROM (
            SELECT w.site_id, w.kind, w.day, FALSE AS is_month FROM wanted w
            ANTI JOIN rollup_days r ON r.site_id = w.site_id AND r.kind = w.kind AND r.day = w.day
            UNION ALL
            SELECT w.site_id, w.kind, w.month, TRUE FROM wanted_months w
            ANTI JOIN rollup_months r ON r.site_id = w.site_id AND r.kind = w.kind AND r.month = w.month
        ) ORDER BY 4, 1, 2, 3
    """
    params = closed_params(split, False) | {"kinds": kinds}
    if months:
        params |= {k: v for k, v in closed_params(split, True).items() if k.startswith("month_")}
    return engine.execute_rows(conn, sql, params)


def build(conn, query: Query, missing: list[tuple[str, str, date, bool]]) -> None:
    """Summarise the missing days from raw events, then the missing months from their days' rows
    (`_missing` lists days first), replacing any stale rows of them."""
    days = [m[:3] for m in missing if not m[3]]
    months = [m[:3] for m in missing if m[3]]
    if days:
        _build_days(conn, query, days)
    if months:
        _build_months(conn, months)


def _build_days(conn, query: Query, missing: list[tuple[str, str, date]]) -> None:
    zones = {s.id: s.timezone for s in query.sites}
    by_kind: dict[str, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for site_id, kind, day in missing:
        by_kind[kind][site_id].append(day)
    for kind, sites in by_kind.items():
        ranges = [
            site_range(site_id, zones[site_id], first, last)
            for site_id, days in sites.items()
            for first, last in runs(days)
        ]
        pairs = {
            "pair_sites": [s for s, ds in sites.items() for _ in ds],
            "pair_days": [d for ds in sites.values() for d in ds],
        }
        for table in rollup_sql.tables_of(kind):
            _delete_pairs(conn, f"rollup_{table}", pairs)
            columns = ", ".join(("site_id", "day") + rollup_sql.COLUMNS[table])
            for daily in _build_parts(table):
                sql = f"INSERT INTO rollup_{table} ({columns}) " + prelude.statement(daily.reads, [], daily.text("day"))
                engine.execute(conn, sql, engine.range_params(ranges))
    _mark(conn, "rollup_days", missing)


def _build_months(conn, missing: list[tuple[str, str, date]]) -> None:
    """Monthly rows as sums of the daily rows (complete: the caller built the month's days first)."""
    for kind in sorted({m[1] for m in missing}):
        of_kind = [m for m in missing if m[1] == kind]
        pairs = {"pair_sites": [m[0] for m in of_kind], "pair_days": [m[2] for m in of_kind]}
        for table in rollup_sql.tables_of(kind):
            _delete_pairs(conn, f"rollup_{table}_months", pairs)
            conn.execute(
                "WITH wanted AS (SELECT unnest($pair_sites::VARCHAR[]) AS site_id, unnest($pair_days::DATE[]) AS month)"
                + rollup_sql.month_rows(table),
                pairs,
            )
    _mark(conn, "rollup_months", missing)


def _delete_pairs(conn, table: str, pairs: dict[str, list]) -> None:
    conn.execute(
        f"DELETE FROM {table} WHERE (site_id, day) IN "
        "(SELECT unnest($pair_sites::VARCHAR[]), unnest($pair_days::DATE[]))",
        pairs,
    )


def _mark(conn, table: str, built: list[tuple[str, str, date]]) -> None:
    """Note the (site, kind, day or month) just built as complete."""
    if table == "rollup_days":  # before the insert: a later invalidation must not skip these days
        CACHE.note_built(_database_path(conn), [(site_id, day) for site_id, _, day in built])
    conn.execute(
        f"INSERT INTO {table} SELECT unnest($s::VARCHAR[]), unnest($k::VARCHAR[]), unnest($d::DATE[]), $at",
        {"s": [m[0] for m in built], "k": [m[1] for m in built], "d": [m[2] for m in built], "at": utcnow()},
    )


def _build_parts(table: str) -> list[rollup_sql.Daily]:
    """The daily queries that fill `table`: rollup_dims one dimension per statement, since nine
    distinct counts in one statement over the same rows need nine hash tables at once."""
    if table == "dims":
        return [rollup_sql.daily(table, name) for name in rollup_sql.DIMENSIONS]
    return [rollup_sql.daily(table)]
