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

    @property
    def months(self) -> tuple[tuple[str, date], ...]:
        """(site_id, first day) of every whole local month inside the closed days: read from monthly rows."""
        return tuple((site_id, month) for site_id, first, last in self.closed for month in _whole_months(first, last))

    def days_outside_months(self) -> tuple[tuple[str, date, date], ...]:
        """The closed spans less their whole months: the days still read from daily rows."""
        spans = []
        for site_id, first, last in self.closed:
            months = _whole_months(first, last)
            if not months:
                spans.append((site_id, first, last))
                continue
            if first < months[0]:
                spans.append((site_id, first, months[0] - timedelta(days=1)))
            after = _next_month(months[-1])
            if after <= last:
                spans.append((site_id, after, last))
        return tuple(spans)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _whole_months(first: date, last: date) -> list[date]:
    """First days of the calendar months wholly inside first..last."""
    month = first if first.day == 1 else _next_month(first.replace(day=1))
    months = []
    while _next_month(month) - timedelta(days=1) <= last:
        months.append(month)
        month = _next_month(month)
    return months


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
        _locked_build(conn, lock, query, Plan(spans, ()), kinds, months=False)
    if split.months:
        _locked_build(conn, lock, query, split, kinds, months=True)  # sums of the days just built


def _locked_build(conn, lock, query: Query, split: Plan, kinds: list[str], months: bool) -> None:
    with lock:
        conn.begin()
        try:
            _build(conn, query, _missing(conn, split, kinds, months))
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


def _closed_params(split: Plan, months: bool) -> dict[str, Any]:
    """The `closed` (and `closed_months`) parameters: with `months`, whole months are read from monthly
    rows and only the other closed days from daily rows."""
    spans = split.days_outside_months() if months else split.closed
    whole = split.months if months else ()
    return {
        "closed_sites": [c[0] for c in spans],
        "closed_from": [c[1] for c in spans],
        "closed_to": [c[2] for c in spans],
        **_bands(spans, min((m[1] for m in whole), default=None)),
        "month_sites": [m[0] for m in whole],
        "month_starts": [m[1] for m in whole],
    }


def _bands(spans, first_month: date | None) -> dict[str, date]:
    """Two disjoint constant day ranges that hold the daily spans (before the first whole month, and
    after it), so that each scan of a daily rollup table skips the row groups of the months between
    (zone maps), where one range over all spans would read the whole year."""
    never = {"band1_first": date(1970, 1, 1), "band1_last": date(1970, 1, 1)}
    head = [c for c in spans if first_month is not None and c[2] < first_month]
    tail = [c for c in spans if c not in head]
    bands = {}
    for name, part in (("band1", head), ("band2", tail)):
        bands[f"{name}_first"] = min((c[1] for c in part), default=date(1970, 1, 1))
        bands[f"{name}_last"] = max((c[2] for c in part), default=date(1970, 1, 1))
    if head and tail and bands["band2_first"] <= bands["band1_last"]:  # overlapping: one band of all
        bands |= {"band1_first": min(c[1] for c in spans), "band1_last": max(c[2] for c in spans)}
        bands |= {"band2_first": never["band1_first"], "band2_last": never["band1_last"]}
    return bands


def _missing(conn, split: Plan, kinds: list[str], months: bool = True) -> list[tuple[str, str, date, bool]]:
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
    params = _closed_params(split, False) | {"kinds": kinds}
    if months:
        params |= {k: v for k, v in _closed_params(split, True).items() if k.startswith("month_")}
    return engine.execute_rows(conn, sql, params)


def _build(conn, query: Query, missing: list[tuple[str, str, date, bool]]) -> None:
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
            _site_range(site_id, zones[site_id], first, last)
            for site_id, days in sites.items()
            for first, last in runs(days)
        ]
        pairs = {
            "pair_sites": [s for s, ds in sites.items() for _ in ds],
            "pair_days": [d for ds in sites.values() for d in ds],
        }
        for table in [t for t, k in rollup_sql.TABLE_KIND.items() if k == kind]:
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
        for table in [t for t, k in rollup_sql.TABLE_KIND.items() if k == kind]:
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


def _read(conn, path: str, query: Query, report: str, split: Plan, extra: dict) -> list[dict[str, Any]]:
    """One statement: the closed days' stored rows plus the open days' rows, then the report's combine.

    The open days' rows are passed in as parameters, per (site, local day) piece: kept in CACHE since
    they were read, or computed now for the pieces a write has touched since (rollup_cache.py says why).
    """
    version = write_version(path)  # before any snapshot below begins
    pieces = [piece for r in split.open for piece in _days_of(r)]
    params = _closed_params(split, rollup_sql.uses_months(report))
    params |= {"limit": query.limit, "query_sites": query.site_ids} | extra
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
        missing = len(_missing(conn, split, list(rollup_sql.KINDS), months=False))
        _build_in_chunks(conn, query, split, list(rollup_sql.KINDS))
        return missing
    finally:
        conn.close()
