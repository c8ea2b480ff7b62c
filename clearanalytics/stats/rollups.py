"""Daily rollups: answering long periods from per-site, per-local-day summaries instead of raw events.

Design (docs/PERFORMANCE.md has the long version):

- A day is *closed* for a site when it is at least two local days before the query's today; today
  and yesterday are *open* (live traffic, and engagement updates for yesterday's last pageviews,
  still arrive). Closed days are answered from the rollup tables, open days from raw events by the
  same daily query (rollup_sql.py). The open days' rows are kept per (site, local day, table) until
  a write touches that site, day and kind (rollup_cache.py), so after a batch of live traffic only
  the days that batch wrote are read again, by the writer right after its commit when a report read
  them since their last refresh (`refresh_open_pieces`): the open days' aggregates follow the commits.
- Rollups are built *lazily*: the first query that needs a closed day summarises it and keeps it.
  This is simpler than maintaining distinct counts incrementally in the ingest writer (a
  distinct count cannot be updated from a batch without re-reading the day), costs an ingest
  request nothing, and one build of a year is a single pass over the raw events.
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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from clearanalytics.db import Database, write_lock, write_version
from clearanalytics.health import needs_reopen
from clearanalytics.stats import engine, imported, prelude, rollup_build, rollup_plan, rollup_read, rollup_sql
from clearanalytics.stats.flights import Flights
from clearanalytics.stats.query import Query, today_in
from clearanalytics.stats.rollup_cache import CACHE, _database_path, _normal, runs
from clearanalytics.stats.rollup_plan import Plan

OPEN_DAYS = 2  # today and yesterday (local) are read from raw events
FLIGHTS = Flights()  # concurrent requests of one stale answer compute it once (stats/flights.py)
RECENT_SECONDS = 5.0  # how old a previous answer may be to be handed out while the fresh one is computed
READ_RECENTLY_SECONDS = 60.0  # the open pieces of shapes read this recently are read again after each commit
_USE_ROLLUPS: contextvars.ContextVar[bool] = contextvars.ContextVar("use_rollups", default=True)


@contextmanager
def raw_only() -> Iterator[None]:
    """Answer every report inside this block from raw events (to compare, or to measure)."""
    token = _USE_ROLLUPS.set(False)
    try:
        yield
    finally:
        _USE_ROLLUPS.reset(token)


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
            open_ranges.append(rollup_plan.site_range(site.id, site.timezone, open_from, query.date_to))
    if not closed:
        return None
    return Plan(tuple(closed), tuple(open_ranges))


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
    path = database_path or _path(cur)  # on its own cursor: the caller's keeps its results
    if CACHE.backing_off(path):
        return None
    kinds = rollup_sql.kinds_of(report)
    spans = [(site.id, query.date_from, query.date_to) for site in query.sites]
    key = (_normal(path), report, split.closed, split.open, query.limit, tuple(sorted(extra.items())))
    version = write_version(path)  # before any snapshot below begins
    kept = CACHE.answer(key, spans, kinds)
    if kept is not None:
        return _copy(kept)  # no cursor needed
    compute = lambda: _computed(cur, path, query, report, split, extra, key, version)  # noqa: E731
    return FLIGHTS.run(key, version, compute, _copy, lambda: CACHE.recent_answer(key, RECENT_SECONDS))


def _copy(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    return None if rows is None else [dict(row) for row in rows]


def _computed(
    cur, path: str, query: Query, report: str, split: Plan, extra: dict, key: tuple, version: int
) -> list[dict[str, Any]] | None:
    """The answer read from rollups and kept, or None after a rollup failure (counted, then backed off)."""
    conn = cur.cursor()
    try:
        try:
            rows = _serve(conn, path, query, report, split, extra)
        except duckdb.Error as exc:
            if needs_reopen(exc) or isinstance(exc, duckdb.InterruptException):
                raise  # the whole database is unusable (or the query was cancelled): not the rollups' failure
            CACHE.failed(path, report, exc)
            return None
        CACHE.succeeded(path)
        CACHE.keep_answer(key, version, [dict(row) for row in rows])
        return rows
    finally:
        conn.close()


def _serve(conn, path: str, query: Query, report: str, split: Plan, extra: dict) -> list[dict[str, Any]]:
    kinds = list(rollup_sql.kinds_of(report))
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
            if not rollup_build.missing(conn, split, kinds):
                rows = _read(conn, path, query, report, split, extra)
                conn.commit()
                return rows
            conn.rollback()
        except BaseException:
            with suppress(duckdb.Error):
                conn.rollback()
            raise
        if attempt < 2:
            rollup_build.build_in_chunks(conn, query, split, kinds)
    with write_lock(path):
        conn.begin()
        try:
            rollup_build.build(conn, query, rollup_build.missing(conn, split, kinds))
            rows = _read(conn, path, query, report, split, extra)
            conn.commit()
            return rows
        except BaseException:
            with suppress(duckdb.Error):
                conn.rollback()
            raise


def _path(cur: duckdb.DuckDBPyConnection) -> str:
    probe = cur.cursor()
    try:
        return _database_path(probe)
    finally:
        probe.close()


def _read(conn, path: str, query: Query, report: str, split: Plan, extra: dict) -> list[dict[str, Any]]:
    """One statement: the closed days' stored rows plus the open days' rows, then the report's combine.

    The open days' rows are passed in as parameters, per (site, local day) piece: kept in CACHE since
    they were read, or computed now for the pieces a write has touched since (rollup_cache.py says why).
    """
    version = write_version(path)  # before any snapshot below begins
    pieces = [piece for r in split.open for piece in rollup_plan.days_of(r)]
    params = rollup_plan.closed_params(split, rollup_sql.uses_months(report))
    params |= {"limit": query.limit, "query_sites": query.site_ids} | engine.GOALS_UNKNOWN | extra
    for table in rollup_sql.COMBINE[report].tables:
        params |= _open_rows(conn, _normal(path), report, table, pieces, version)
    params |= imported.params(conn, report, split, path)  # days without native data (stats/imported.py)
    return engine.execute(conn, rollup_read.statement(report, params), params)


def _open_rows(conn, path: str, report: str, table: str, pieces: list, version: int) -> dict[str, list]:
    """The open days' rows of one table as one list parameter per column (see rollup_sql.given_rows):
    the kept pieces, and the others read in one statement over their days and kept."""
    shape = _shape(path, report, table)
    kind = rollup_sql.TABLE_KIND[table]
    rows: list[tuple] = []
    stale: list[tuple[str, str, date]] = []
    for site_id, timezone, day in pieces:
        kept = CACHE.piece(shape + (site_id, day), kind)
        if kept is None:
            stale.append((site_id, timezone, day))
        else:
            rows += kept
    CACHE.note_read(shape, report, pieces)
    if stale:
        rows += _read_pieces(conn, shape, report, table, stale, version)
    names = ("site_id", "day") + rollup_sql.COLUMNS[table]
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
    return {rollup_sql.open_param(table, name): column for name, column in zip(names, columns, strict=True)}


def _shape(path: str, report: str, table: str) -> tuple:
    """What a kept piece's rows depend on besides its site and day: the statement that reads them."""
    combine = rollup_sql.COMBINE[report]
    return (path, table, combine.dimension if table == "dims" else None, table in combine.light)


def _read_pieces(conn, shape: tuple, report: str, table: str, stale: list, version: int) -> list[tuple]:
    """Read the (site_id, timezone, day) pieces of `shape` in one statement over their days, and keep them."""
    ranges = [
        rollup_plan.site_range(site_id, timezone, first, last)
        for (site_id, timezone), days in _group_days(stale).items()
        for first, last in runs(days)
    ]
    sql = prelude.statement(rollup_sql.live_reads(report, table), [], rollup_sql.live_rows(report, table))
    read = [tuple(r.values()) for r in engine.execute(conn, sql, engine.range_params(ranges))]
    by_piece: dict[tuple[str, date], list[tuple]] = defaultdict(list)
    for row in read:
        by_piece[(row[0], row[1])].append(row)
    for site_id, _, day in stale:
        CACHE.keep_piece(shape + (site_id, day), version, by_piece.get((site_id, day), []))
    return read


def refresh_open_pieces(db: Database) -> int:
    """After a commit: read again the open days' pieces it made stale, of the shapes reports read lately.

    The ingest writer calls this right after each batch commits (storage/duckdb_store.py), so a
    report read right after a write finds that site's today already read, instead of reading it
    itself (issue [3/7] item 3). A shape is refreshed only when a report read it since its last
    refresh, within READ_RECENTLY_SECONDS: with no dashboard open a batch costs nothing more, and a
    dashboard loaded once costs one refresh, not one per batch. Never raises: a failure here only
    means the next report reads the piece itself, and is logged.
    """
    path = _normal(str(db.path))
    refreshed = 0
    try:
        stale = CACHE.stale_pieces(path, READ_RECENTLY_SECONDS)
        if not stale:
            return 0
        version = write_version(path)  # before the snapshot below begins
        with db.reading() as cur:
            for (shape, report), pieces in stale.items():
                _read_pieces(cur, shape, report, shape[1], pieces, version)
                CACHE.note_refreshed(shape)
                refreshed += len(pieces)
    except Exception as exc:  # noqa: BLE001 - the batch is committed: raising would make the writer retry it
        CACHE.refresh_failed(path, exc)
    return refreshed


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
        missing = len(rollup_build.missing(conn, split, list(rollup_sql.KINDS), months=False))
        rollup_build.build_in_chunks(conn, query, split, list(rollup_sql.KINDS))
        return missing
    finally:
        conn.close()
