"""Daily rollups: answering long periods from per-site, per-local-day summaries instead of raw events.

Design (docs/PERFORMANCE.md has the long version):

- A day is *closed* for a site when it is at least two local days before the query's today; today
  and yesterday are *open* (live traffic, and engagement updates for yesterday's last pageviews,
  still arrive). Closed days are answered from the rollup tables, open days from raw events by the
  same daily query (rollup_sql.py). The open days' rows are kept per (site, local day, table) until
  a write touches that site, day and kind (rollup_cache.py), so after a batch of live traffic a
  query reads again only the days that batch wrote: the open days' aggregates follow the commits.
- Rollups are built *lazily*: the first query that needs a closed day summarises it and keeps it.
  This is simpler than maintaining distinct counts incrementally in the ingest writer (a
  distinct count cannot be updated from a batch without re-reading the day), costs the live
  ingest path nothing, and one build of a year is a single pass over the raw events.
- `rollup_days` lists the (site, kind, day) whose rows are complete. Every write of events goes
  through ingest.store, which calls `rollup_cache.CACHE.invalidate*` for the days it touched (live
  batches, late engagement updates, imports of history, goal backfills, a timezone change, an
  erasure), in the same transaction. The next query rebuilds those days.
- Builds run under the database's write lock, in the transaction that also reads the answer, so a
  build can never mark a day complete while a concurrent write to it is uncommitted, and a query
  never sees a half-built or just-invalidated day.
- Filtered queries, the 24h period and periods of open days only are answered live (the same daily
  SQL over raw events, the same combine: rollup_sql.py); so is everything inside `raw_only()` (the
  equality test uses it). A rollup answer that fails is never hidden: it raises in tests and is
  counted, logged and backed off from in production (rollup_cache.py).
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from clearanalytics.db import utcnow, write_lock, write_version
from clearanalytics.health import needs_reopen
from clearanalytics.stats import engine, prelude, rollup_sql
from clearanalytics.stats.query import Query, SiteRange, _local_midnight_utc, today_in
from clearanalytics.stats.rollup_cache import CACHE, _database_path, _normal, runs

OPEN_DAYS = 2  # today and yesterday (local) are read from raw events
CHUNK_DAYS = 31  # at most this many days built per locked transaction
CHUNK_ROWS = 500_000  # and at most about this many pageviews
_USE_ROLLUPS: contextvars.ContextVar[bool] = contextvars.ContextVar("use_rollups", default=True)


@contextmanager
def raw_only() -> Iterator[None]:
    """Answer every report inside this block from raw events (to compare, or to measure)."""
    token = _USE_ROLLUPS.set(False)
    try:
        yield
    finally:
        _USE_ROLLUPS.reset(token)


@dataclass(frozen=True)
class Plan:
    """Which local days of each site come from rollups (closed) and which UTC ranges from raw (open)."""

    closed: tuple[tuple[str, date, date], ...]
    open: tuple[SiteRange, ...]


def degraded(path: str | Path) -> str | None:
    """One line while the rollups of the database at `path` are failing and raw events answer (/healthz)."""
    return CACHE.degraded(path)


def plan(query: Query) -> Plan | None:
    """The split of `query`, or None when rollups cannot serve it or would not help."""
    if query.hourly or query.filters or not _USE_ROLLUPS.get() or not query.sites:
        return None
    closed, open_ranges = [], []
    for site in query.sites:
        last_closed = min(query.date_to, today_in(site, query.now) - timedelta(days=OPEN_DAYS))
        if query.date_from <= last_closed:
            closed.append((site.id, query.date_from, last_closed))
        open_from = max(query.date_from, last_closed + timedelta(days=1))
        if open_from <= query.date_to:
            open_ranges.append(_site_range(site.id, site.timezone, open_from, query.date_to))
    if not closed:
        return None
    return Plan(tuple(closed), tuple(open_ranges))


def _site_range(site_id: str, timezone: str, first: date, last: date) -> SiteRange:
    zone = ZoneInfo(timezone)
    return SiteRange(
        site_id, timezone, _local_midnight_utc(first, zone), _local_midnight_utc(last + timedelta(days=1), zone)
    )


def run(
    cur: duckdb.DuckDBPyConnection, query: Query, report: str, *, database_path: str | None = None, **extra: Any
) -> list[dict[str, Any]] | None:
    """Rows of `report` from rollups plus open days, or None: then the caller answers live.

    None when rollups cannot serve the query (see `plan`), and in production after a failure (counted
    and logged by CACHE, which then keeps the database's rollups off for a while); in strict mode
    (tests) a failure raises."""
    if report not in rollup_sql.COMBINE:
        return None
    split = plan(query)
    if split is None:
        return None
    conn = cur.cursor()
    try:
        path = database_path or _path(conn)
        if CACHE.backing_off(path):
            return None
        try:
            rows = _serve(conn, path, query, report, split, extra)
        except duckdb.Error as exc:
            if needs_reopen(exc) or isinstance(exc, duckdb.InterruptException):
                raise  # the whole database is unusable (or the query was cancelled): not the rollups' failure
            CACHE.failed(path, report, exc)
            return None
        CACHE.succeeded(path)
        return rows
    finally:
        conn.close()


def _serve(conn, path: str, query: Query, report: str, split: Plan, extra: dict) -> list[dict[str, Any]]:
    kinds = sorted({rollup_sql.TABLE_KIND[t] for t in rollup_sql.COMBINE[report].tables})
    key = (path, split.closed, tuple(kinds))
    generation = CACHE.generation
    if CACHE.known_complete(key):  # known complete, and nothing invalidated since
        rows = _read(conn, path, query, report, split, extra)
        if CACHE.generation == generation:
            return rows  # checked again after the read: a concurrent invalidation takes the locked path
        generation = CACHE.generation
    version = write_version(path)  # before _answer's snapshot begins
    rows = _answer(conn, path, query, report, split, kinds, extra)
    CACHE.note_complete(key, generation, path, version)
    return rows


def _answer(
    conn, path: str, query: Query, report: str, split: Plan, kinds: list[str], extra: dict
) -> list[dict[str, Any]]:
    """Build what is missing in short locked chunks, then read in one snapshot; the last resort
    builds and reads under the lock, so a steady stream of invalidations cannot starve a query."""
    for attempt in range(3):
        conn.begin()
        try:
            if not _missing(conn, split, kinds):
                rows = _read(conn, path, query, report, split, extra)
                conn.commit()
                return rows
            conn.rollback()
        except BaseException:
            with suppress(duckdb.Error):
                conn.rollback()
            raise
        if attempt < 2:
            _build_in_chunks(conn, query, split, kinds)
    with write_lock(path):
        conn.begin()
        try:
            _build(conn, query, _missing(conn, split, kinds))
            rows = _read(conn, path, query, report, split, extra)
            conn.commit()
            return rows
        except BaseException:
            with suppress(duckdb.Error):
                conn.rollback()
            raise


def _build_in_chunks(conn, query: Query, split: Plan, kinds: list[str]) -> None:
    """Build the missing days in chunks (all sites together), each in its own transaction under the
    write lock: the ingest writer's commits wait for one chunk at most, never for a whole year of
    history (its requests never wait: they only append to the spool). A chunk holds at most
    CHUNK_ROWS pageviews and CHUNK_DAYS days, so a build's memory depends on neither the size of the
    database nor the traffic of a day, and fits the default memory limit (docs/PERFORMANCE.md)."""
    lock = write_lock(_path(conn))
    for start, end in _chunks(conn, min(c[1] for c in split.closed), max(c[2] for c in split.closed), split):
        spans = tuple((s, max(a, start), min(b, end)) for s, a, b in split.closed if a <= end and b >= start)
        with lock:
            conn.begin()
            try:
                _build(conn, query, _missing(conn, Plan(spans, ()), kinds))
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


def _path(conn: duckdb.DuckDBPyConnection) -> str:
    return _database_path(conn)


def _closed_params(closed) -> dict[str, list]:
    return {
        "closed_sites": [c[0] for c in closed],
        "closed_from": [c[1] for c in closed],
        "closed_to": [c[2] for c in closed],
    }


def _missing(conn, split: Plan, kinds: list[str]) -> list[tuple[str, str, date]]:
    sql = f"""
        WITH {rollup_sql.CLOSED},
        wanted AS (
            SELECT c.site_id, k.kind, unnest(generate_series(c.day_from, c.day_to, INTERVAL 1 DAY))::DATE AS day
            FROM closed c CROSS JOIN (SELECT unnest($kinds::VARCHAR[]) AS kind) k
        )
        SELECT w.site_id, w.kind, w.day FROM wanted w
        ANTI JOIN rollup_days r ON r.site_id = w.site_id AND r.kind = w.kind AND r.day = w.day
        ORDER BY 1, 2, 3
    """
    return conn.execute(sql, _closed_params(split.closed) | {"kinds": kinds}).fetchall()


def _build(conn, query: Query, missing: list[tuple[str, str, date]]) -> None:
    """Summarise the missing (site, kind, day) from raw events, replacing any stale rows of them."""
    if not missing:
        return
    zones = {s.id: s.timezone for s in query.sites}
    by_kind: dict[str, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for site_id, kind, day in missing:
        by_kind[kind][site_id].append(day)
    for kind, sites in by_kind.items():
        ranges = [
            _site_range(site_id, zones[site_id], first, last)
            for site_id, days in sites.items()
            for first, last in runs(days)
        ]
        pairs = {
            "pair_sites": [s for s, ds in sites.items() for _ in ds],
            "pair_days": [d for ds in sites.values() for d in ds],
        }
        for table in [t for t, k in rollup_sql.TABLE_KIND.items() if k == kind]:
            conn.execute(
                f"DELETE FROM rollup_{table} WHERE (site_id, day) IN "
                "(SELECT unnest($pair_sites::VARCHAR[]), unnest($pair_days::DATE[]))",
                pairs,
            )
            columns = ", ".join(("site_id", "day") + rollup_sql.COLUMNS[table])
            for daily in _build_parts(table):
                sql = f"INSERT INTO rollup_{table} ({columns}) " + prelude.statement(daily.reads, [], daily.text("day"))
                engine.execute(conn, sql, engine.range_params(ranges))
    built_at = utcnow()
    conn.execute(
        "INSERT INTO rollup_days SELECT unnest($s::VARCHAR[]), unnest($k::VARCHAR[]), unnest($d::DATE[]), $at",
        {"s": [m[0] for m in missing], "k": [m[1] for m in missing], "d": [m[2] for m in missing], "at": built_at},
    )


def _build_parts(table: str) -> list[rollup_sql.Daily]:
    """The daily queries that fill `table`: rollup_dims one dimension per statement, since nine
    distinct counts in one statement over the same rows need nine hash tables at once."""
    if table == "dims":
        return [rollup_sql.daily(table, name) for name in rollup_sql.DIMENSIONS]
    return [rollup_sql.daily(table)]


def _read(conn, path: str, query: Query, report: str, split: Plan, extra: dict) -> list[dict[str, Any]]:
    """One statement: the closed days' stored rows plus the open days' rows, then the report's combine.

    The open days' rows are passed in as parameters, per (site, local day) piece: kept in CACHE since
    they were read, or computed now for the pieces a write has touched since (rollup_cache.py says why).
    """
    version = write_version(path)  # before any snapshot below begins
    pieces = [piece for r in split.open for piece in _days_of(r)]
    params = _closed_params(split.closed) | {"limit": query.limit, "query_sites": query.site_ids} | extra
    for table in rollup_sql.COMBINE[report].tables:
        params |= _open_rows(conn, _normal(path), report, table, pieces, version)
    return engine.execute(conn, _statement(report), params)


@cache
def _statement(report: str) -> str:
    return prelude.statement(set(), rollup_sql.rollup_parts(report), rollup_sql.COMBINE[report].sql)


def _days_of(site_range: SiteRange) -> list[tuple[str, str, date]]:
    """(site_id, timezone, local day) of each whole local day in an open range."""
    zone = ZoneInfo(site_range.timezone)
    first = site_range.start.replace(tzinfo=UTC).astimezone(zone).date()
    last = (site_range.end.replace(tzinfo=UTC).astimezone(zone) - timedelta(microseconds=1)).date()
    days = (last - first).days + 1
    return [(site_range.site_id, site_range.timezone, first + timedelta(days=n)) for n in range(days)]


def _open_rows(conn, path: str, report: str, table: str, pieces: list, version: int) -> dict[str, list]:
    """The open days' rows of one table as one list parameter per column (see rollup_sql.given_rows):
    the kept pieces, and the others read in one statement over their days and kept."""
    combine = rollup_sql.COMBINE[report]
    shape = (path, table, combine.dimension if table == "dims" else None, table in combine.light)
    kind = rollup_sql.TABLE_KIND[table]
    rows: list[tuple] = []
    stale: list[tuple[str, str, date]] = []
    for site_id, timezone, day in pieces:
        kept = CACHE.piece(shape + (site_id, day), kind)
        if kept is None:
            stale.append((site_id, timezone, day))
        else:
            rows += kept
    if stale:
        ranges = [
            _site_range(site_id, timezone, first, last)
            for (site_id, timezone), days in _group_days(stale).items()
            for first, last in runs(days)
        ]
        reads = rollup_sql.live_reads(report, table)
        sql = prelude.statement(reads, [], rollup_sql.live_rows(report, table))
        read = [tuple(r.values()) for r in engine.execute(conn, sql, engine.range_params(ranges))]
        by_piece: dict[tuple[str, date], list[tuple]] = defaultdict(list)
        for row in read:
            by_piece[(row[0], row[1])].append(row)
        for site_id, _, day in stale:
            CACHE.keep_piece(shape + (site_id, day), version, by_piece.get((site_id, day), []))
        rows += read
    names = ("site_id", "day") + rollup_sql.COLUMNS[table]
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
    return {rollup_sql.open_param(table, name): column for name, column in zip(names, columns, strict=True)}


def _group_days(pieces: list[tuple[str, str, date]]) -> dict[tuple[str, str], list[date]]:
    grouped: dict[tuple[str, str], list[date]] = defaultdict(list)
    for site_id, timezone, day in sorted(pieces):
        grouped[(site_id, timezone)].append(day)
    return grouped


def warm(cur: duckdb.DuckDBPyConnection, sites, now: datetime) -> int:
    """Build the rollups of the last two years of closed days for `sites` (what 12m and its
    comparison period read); returns how many (site, kind, day) were missing before."""
    from clearanalytics.stats.query import parse_query

    query = parse_query({"period": "12m"}, list(sites), now=now)
    return build(cur, query.__class__(query.sites, "custom", query.previous().date_from, query.date_to, now))


def build(cur: duckdb.DuckDBPyConnection, query: Query) -> int:
    """Build every kind of rollup missing for the closed days of `query` (retention does this before it
    deletes raw rows); returns how many (site, kind, day) were missing before."""
    split = plan(query)
    if split is None:
        return 0
    conn = cur.cursor()
    try:
        missing = len(_missing(conn, split, list(rollup_sql.KINDS)))
        _build_in_chunks(conn, query, split, list(rollup_sql.KINDS))
        return missing
    finally:
        conn.close()
