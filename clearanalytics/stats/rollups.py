"""Daily rollups: answering long periods from per-site, per-local-day summaries instead of raw events.

Design (docs/PERFORMANCE.md has the long version):

- A day is *closed* for a site when it is at least two local days before the query's today; today
  and yesterday are *open* (live traffic, and engagement updates for yesterday's last pageviews,
  still arrive). Closed days are answered from the rollup tables, open days from raw events, in
  one SQL statement, with the same daily query for both halves (rollup_sql.py).
- Rollups are built *lazily*: the first query that needs a closed day summarises it and keeps it.
  This is simpler than maintaining distinct counts incrementally in the ingest writer (a
  distinct count cannot be updated from a batch without re-reading the day), costs the live
  ingest path nothing, and one build of a year is a single pass over the raw events.
- `rollup_days` lists the (site, kind, day) whose rows are complete. Every write of events goes
  through ingest.store, which calls `invalidate_*` for the days it touched (live batches, late
  engagement updates, imports of history, goal backfills), in the same transaction. The next query
  rebuilds those days. A site's timezone change invalidates all of its days.
- Builds run under the database's write lock, in the transaction that also reads the answer, so a
  build can never mark a day complete while a concurrent write to it is uncommitted, and a query
  never sees a half-built or just-invalidated day.
- Filtered queries, the 24h period, goal completion lists and current visitors always read raw
  events; so does everything inside `raw_only()` (the equality test uses it) and any query whose
  rollup path fails (a read-only database, say).
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from clearanalytics.db import utcnow, write_lock, write_version
from clearanalytics.stats import rollup_sql
from clearanalytics.stats.query import Query, SiteRange, _local_midnight_utc, today_in

log = logging.getLogger(__name__)

OPEN_DAYS = 2  # today and yesterday (local) are read from raw events
CHUNK_DAYS = 31  # days built per locked transaction
_USE_ROLLUPS: contextvars.ContextVar[bool] = contextvars.ContextVar("use_rollups", default=True)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


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


def run(cur: duckdb.DuckDBPyConnection, query: Query, report: str, **extra: Any) -> list[dict[str, Any]] | None:
    """Rows of `report` from rollups plus open days, or None: then the caller reads raw events."""
    if report not in rollup_sql.COMBINE:
        return None
    split = plan(query)
    if split is None:
        return None
    kinds = sorted({rollup_sql.TABLE_KIND[t] for t in rollup_sql.COMBINE[report][0]})
    conn = cur.cursor()
    try:
        path = _path(conn)
        key = (path, split.closed, tuple(kinds))
        generation = _generation
        if _complete.get(key) == generation:  # known complete, and nothing invalidated since
            rows = _read(conn, path, query, report, split, extra)
            if _generation == generation:
                return rows
        rows = _answer(conn, path, query, report, split, kinds, extra)
        if _generation == generation:
            if len(_complete) > 1000:
                _complete.clear()
            _complete[key] = generation
        return rows
    except duckdb.Error as exc:  # e.g. a read-only database: raw events still answer correctly
        log.warning("rollups unavailable for %s, reading raw events: %s", report, exc)
        return None
    finally:
        conn.close()


# In-process memo of the (database, closed days, kinds) found complete, valid while `_generation`
# (bumped by every invalidation in this process, the only one that can write the file) is unchanged:
# it saves the rollup_days check on repeated queries. Checked again after the read, so a concurrent
# invalidation sends the query down the transactional path instead.
_generation = 0
_complete: dict[tuple, int] = {}


def _bump() -> None:
    global _generation
    _generation += 1
    _complete.clear()


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
    """Build the missing days CHUNK_DAYS at a time (all sites together), each chunk in its own
    transaction under the write lock: the ingest writer's commits wait for one chunk at most, never
    for a whole year of history (its requests never wait: they only append to the spool)."""
    lock = write_lock(_path(conn))
    start, last = min(c[1] for c in split.closed), max(c[2] for c in split.closed)
    while start <= last:
        end = min(last, start + timedelta(days=CHUNK_DAYS - 1))
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
        start = end + timedelta(days=1)


def _path(conn: duckdb.DuckDBPyConnection) -> str:
    row = conn.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row[0] if row and row[0] else ":memory:"


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


def _prelude(body: str) -> str:
    from clearanalytics.stats.engine import with_prelude

    return with_prelude(body)


def _range_params(ranges) -> dict[str, Any]:
    from clearanalytics.stats.engine import scan_bounds

    return scan_bounds(list(ranges)) | {
        "site_ids": [r.site_id for r in ranges],
        "timezones": [r.timezone for r in ranges],
        "range_starts": [r.start for r in ranges],
        "range_ends": [r.end for r in ranges],
    }


def _execute(conn, sql: str, params: dict[str, Any]):
    used = set(_PARAM.findall(sql))
    return conn.execute(sql, {k: v for k, v in params.items() if k in used})


def _runs(days: list[date]) -> Iterator[tuple[date, date]]:
    """Contiguous runs of sorted days: [(first, last), ...]."""
    start = prev = days[0]
    for day in days[1:]:
        if day != prev + timedelta(days=1):
            yield start, prev
            start = day
        prev = day
    yield start, prev


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
            for first, last in _runs(days)
        ]
        pairs = {
            "pair_sites": [s for s, ds in sites.items() for _ in ds],
            "pair_days": [d for ds in sites.values() for d in ds],
        }
        tables = [t for t, k in rollup_sql.TABLE_KIND.items() if k == kind]
        for table in tables:
            conn.execute(
                f"DELETE FROM rollup_{table} WHERE (site_id, day) IN "
                "(SELECT unnest($pair_sites::VARCHAR[]), unnest($pair_days::DATE[]))",
                pairs,
            )
            columns = ", ".join(("site_id", "day") + rollup_sql.COLUMNS[table])
            sql = f"INSERT INTO rollup_{table} ({columns}) " + _prelude(rollup_sql.daily(table))
            _execute(conn, sql, _range_params(ranges))
    built_at = utcnow()
    conn.execute(
        "INSERT INTO rollup_days SELECT unnest($s::VARCHAR[]), unnest($k::VARCHAR[]), unnest($d::DATE[]), $at",
        {"s": [m[0] for m in missing], "k": [m[1] for m in missing], "d": [m[2] for m in missing], "at": built_at},
    )


def _read(conn, path: str, query: Query, report: str, split: Plan, extra: dict) -> list[dict[str, Any]]:
    """One statement: the closed days' stored rows plus the open days' rows, then the report's combine.

    The open days are read from raw events inside that statement, unless this process has kept
    them since the last write (see `_open_cache`); the second time a report is asked for at the
    same write version, its open days are read on their own and kept.
    """
    tables, dimension, _ = rollup_sql.COMBINE[report]
    light = rollup_sql.light_tables(report)
    version = write_version(path)
    keys = [(path, t, dimension if t == "dims" else None, t in light, split.open) for t in tables]
    asked = (path, report, split.open)
    params = _closed_params(split.closed) | {"limit": query.limit, "query_sites": query.site_ids} | extra
    open_given = all(_open_cache.get(key, (None,))[0] == version for key in keys) or _asked.get(asked) == version
    if open_given:
        for key in keys:
            params |= _open_rows(conn, key, version)
    else:
        params |= _range_params(split.open)
        _remember(_asked, asked, version)
    cursor = _execute(conn, _prelude(rollup_sql.combined(report, open_given)), params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# The open days' rows per (database, table, dimension, light, ranges), tagged with the database's write
# version when they were read: valid until the next commit (db.write_version; DuckDB lets one process
# write a file). With them, the answering statement does not touch raw events: a statement over the raw
# tables costs ~5 ms of planning alone, even for two days, and a dashboard asks for the same open days
# again and again between two writes. Right after a write, reading them on their own first would cost
# more than the single statement, so that happens only the second time a report is asked for at the
# same version (`_asked`). A commit racing a read leaves rows tagged with the version before it, which
# the next lookup ignores.
_open_cache: dict[tuple, tuple[int, dict[str, list]]] = {}
_asked: dict[tuple, int] = {}


def _remember(memo: dict, key: tuple, value: Any) -> None:
    if len(memo) > 512:
        memo.clear()
    memo[key] = value


def _open_rows(conn, key: tuple, version: int) -> dict[str, list]:
    """The open days' rows of one table as one list parameter per column (see rollup_sql.parts)."""
    cached = _open_cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    _, table, dimension, light, ranges = key
    names = ("site_id", "day") + rollup_sql.COLUMNS[table]
    rows = []
    if ranges:
        sql = _prelude(rollup_sql.open_days(table, dimension, light))
        rows = _execute(conn, sql, _range_params(ranges)).fetchall()
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
    params = {rollup_sql.open_param(table, name): column for name, column in zip(names, columns, strict=True)}
    _remember(_open_cache, key, (version, params))
    return params


# --- invalidation (called by ingest.store inside the writing transaction) ---------------------------


def invalidate_spans(
    cur: duckdb.DuckDBPyConnection, spans: dict[str, tuple[datetime, datetime]], kinds: tuple[str, ...] = ()
) -> None:
    """Forget the rollups of the site-local days between the earliest and latest UTC times written.

    `spans` maps site id -> (earliest, latest) created_at. Live traffic only touches today (and
    yesterday around midnight), which are open anyway, so closed days are not rebuilt over and over.
    """
    if not spans:
        return
    _bump()
    sites = list(spans)
    known = {
        row[0]: row[1:]
        for row in cur.execute(
            "SELECT id, timezone, retained_from FROM sites WHERE list_contains($ids, id)", {"ids": sites}
        ).fetchall()
    }
    firsts, lasts = [], []
    for site_id in sites:
        timezone, retained_from = known.get(site_id, ("UTC", None))
        zone = ZoneInfo(timezone)
        first, last = spans[site_id]
        # Days whose raw rows retention deleted keep their rollups: nothing could rebuild them.
        firsts.append(max(_local_date(first, zone), retained_from or date.min))
        lasts.append(_local_date(last, zone))
    cur.execute(
        """
        DELETE FROM rollup_days WHERE list_contains($kinds::VARCHAR[], kind) AND EXISTS (
            SELECT 1 FROM (SELECT unnest($sites::VARCHAR[]) AS s, unnest($firsts::DATE[]) AS a,
                                  unnest($lasts::DATE[]) AS b) w
            WHERE w.s = rollup_days.site_id AND rollup_days.day BETWEEN w.a AND w.b
        )
        """,
        {"kinds": list(kinds or rollup_sql.KINDS), "sites": sites, "firsts": firsts, "lasts": lasts},
    )


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def spans_of(pairs) -> dict[str, tuple[datetime, datetime]]:
    """(site_id, created_at) pairs -> site id -> (earliest, latest)."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for site_id, created_at in pairs:
        old = spans.get(site_id)
        if old is None:
            spans[site_id] = (created_at, created_at)
        elif created_at < old[0] or created_at > old[1]:
            spans[site_id] = (min(old[0], created_at), max(old[1], created_at))
    return spans


def invalidate_site(cur: duckdb.DuckDBPyConnection, site_id: str) -> None:
    """Forget every rollup of a site (its timezone changed, so its local days did), except those of
    days whose raw rows retention deleted (before sites.retained_from): they could only be rebuilt empty."""
    _bump()
    cur.execute(
        "DELETE FROM rollup_days WHERE site_id = $id AND day >= "
        "coalesce((SELECT retained_from FROM sites WHERE id = $id), DATE '0001-01-01')",
        {"id": site_id},
    )


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
