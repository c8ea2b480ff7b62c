"""Closed days' report rows kept by each node, so a long period on ClickHouse is not a scan of every event.

Why: at 10 M pageviews a 12-month report read from raw events takes ClickHouse 1 to 5 s on two cores
(docs/PERFORMANCE.md), against milliseconds for the DuckDB store, which answers closed days from its
per-day rollups. This is the same idea without state in ClickHouse that nodes must agree on: each node
keeps, in an in-memory DuckDB database, the daily rows (site, local day) of the closed days it has
answered, per rollup table (and dimension), built once by ClickHouse at the day grain
(stats/clickhouse_sql.py), and answers a period from those rows plus the open days read live.

When kept rows are stale: a closed day (two or more local days back, rollups.OPEN_DAYS) changes only
through a write the store makes into the past (an import, a late engagement, a goal backfill, a
deletion, retention, a timezone change); every such write adds a row to `data_versions`
(clickhouse_schema.c002_data_versions), whichever node makes it. A site's row count there is its
version; kept rows carry the version read *before* they were built, and a report reads the versions
first (one small query), so rows built while a write landed are dropped at the next read. Nothing is
sent between nodes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb

from clearanalytics.stats import rollup_plan, rollup_sql

# (table, dimension, site_id) -> what is kept for it
Key = tuple[str, str | None, str]


@dataclass(frozen=True)
class Cover:
    """The contiguous local days kept for one key, the site's zone, and the site's changes (data_versions
    rows) seen when they were built: their count (the version) and ids."""

    first: date
    last: date
    timezone: str
    version: int
    seen: frozenset[str] = frozenset()

    def holds(self, first: date, last: date, timezone: str, version: int) -> bool:
        return self.same(timezone, version) and self.first <= first and last <= self.last

    def same(self, timezone: str, version: int) -> bool:
        return self.timezone == timezone and self.version == version


# A site's changes: (id, first UTC day, last UTC day) per data_versions row; days None: every day.
Change = tuple[str, date | None, date | None]


class KeptDays:
    """One node's kept closed days, in an in-memory DuckDB database the combine step reads directly."""

    def __init__(self) -> None:
        self.memory = duckdb.connect(":memory:")
        self._lock = threading.Lock()
        self._covers: dict[Key, Cover] = {}
        for table in rollup_sql.COLUMNS:
            columns = ", ".join(
                f"{c} {t}" for c, t in zip(rollup_sql.COLUMNS[table], rollup_sql.TYPES[table], strict=True)
            )
            for name in (f"rollup_{table}", f"rollup_{table}_months"):
                self.memory.execute(f"CREATE TABLE {name} (site_id VARCHAR, day DATE, {columns})")
        self._local = threading.local()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the kept rows (Arrow tables registered on it are its own)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self.memory.cursor()
        return cur

    def ensure(
        self,
        key: Key,
        timezone: str,
        first: date,
        last: date,
        version: int,
        build: Callable[[date, date], list[Any]],
        changes: Callable[[], list[Change]],
    ) -> None:
        """Keep the rows of `key` for first..last, calling `build(a, b)` (Arrow tables of its daily rows)
        for the days not kept yet, and for the kept days that a change the node has not seen touched
        (`changes()`, the site's data_versions rows: read before building, so a change landing during
        the build is seen at the next report); other kept days are not built again."""
        with self._lock:
            cover = self._covers.get(key)
            if cover is not None and cover.holds(first, last, timezone, version):
                return
            if cover is not None and cover.timezone == timezone and cover.version != version:
                cover = self._catch_up(key, cover, changes(), build)
            if cover is not None and cover.holds(first, last, timezone, cover.version):
                self._covers[key] = cover
                return
            if cover is not None and cover.timezone == timezone and _touches(cover, first, last):
                pieces = [(first, cover.first - timedelta(days=1)), (cover.last + timedelta(days=1), last)]
                pieces = [(a, b) for a, b in pieces if a <= b]
                new = Cover(min(first, cover.first), max(last, cover.last), timezone, cover.version, cover.seen)
            else:
                seen = changes()
                self._drop(key)
                pieces = [(first, last)]
                new = Cover(first, last, timezone, len(seen), frozenset(c[0] for c in seen))
            for a, b in pieces:
                self._build(key, a, b, build)
            self._sum_months(key, new)
            self._covers[key] = new

    def _catch_up(self, key: Key, cover: Cover, seen: list[Change], build) -> Cover | None:
        """Build again the kept days of `key` that the changes not seen yet touched (a UTC day is within a
        local day either side); None when one touched every day (the caller builds all again)."""
        fresh = [c for c in seen if c[0] not in cover.seen]
        if any(c[1] is None or c[2] is None for c in fresh):
            return None
        spans = sorted(
            (max(c[1] - timedelta(days=1), cover.first), min(c[2] + timedelta(days=1), cover.last)) for c in fresh
        )
        for a, b in _merged([s for s in spans if s[0] <= s[1]]):
            where, params = _of_key(key)
            self.memory.execute(
                f"DELETE FROM rollup_{key[0]} WHERE {where} AND day BETWEEN $a AND $b", params | {"a": a, "b": b}
            )
            self._build(key, a, b, build)
        caught = Cover(cover.first, cover.last, cover.timezone, len(seen), frozenset(c[0] for c in seen))
        self._sum_months(key, caught)
        return caught

    def _build(self, key: Key, first: date, last: date, build) -> None:
        for arrow in build(first, last):
            self._insert(key[0], arrow)

    def forget(self) -> None:
        """Drop every kept row (tests, and a store closing)."""
        with self._lock:
            for table in rollup_sql.COLUMNS:
                self.memory.execute(f"DELETE FROM rollup_{table}")
                self.memory.execute(f"DELETE FROM rollup_{table}_months")
            self._covers.clear()

    def _drop(self, key: Key) -> None:
        table, dimension, site_id = key
        where, params = _of_key(key)
        self.memory.execute(f"DELETE FROM rollup_{table} WHERE {where}", params)
        self.memory.execute(f"DELETE FROM rollup_{table}_months WHERE {where}", params)

    def _sum_months(self, key: Key, cover: Cover) -> None:
        """The monthly rows of the whole months inside the kept days, summed from their daily rows (as
        DuckDB's rollup_<table>_months): a 12-month report then reads about 12 rows per value, not 365."""
        table = key[0]
        where, params = _of_key(key)
        self.memory.execute(f"DELETE FROM rollup_{table}_months WHERE {where}", params)
        months = rollup_plan.whole_months(cover.first, cover.last)
        if not months:
            return
        keys, types = rollup_sql.KEYS[table], dict(zip(rollup_sql.COLUMNS[table], rollup_sql.TYPES[table], strict=True))
        listed = ", ".join(c if c in keys else f"sum({c})::{types[c]} AS {c}" for c in rollup_sql.COLUMNS[table])
        self.memory.execute(
            f"INSERT INTO rollup_{table}_months SELECT site_id, date_trunc('month', day)::DATE AS month, {listed} "
            f"FROM rollup_{table} WHERE {where} AND day >= $first AND day < $after "
            f"GROUP BY site_id, month{''.join(', ' + k for k in keys)}",
            params | {"first": months[0], "after": rollup_plan.next_month(months[-1])},
        )

    def _insert(self, table: str, arrow: Any) -> None:
        cur = self.memory.cursor()
        try:
            cur.register("built", arrow)
            columns = ", ".join(rollup_sql.COLUMNS[table])
            cur.execute(f"INSERT INTO rollup_{table} SELECT k_site, k_day, {columns} FROM built")
        finally:
            cur.close()


def _merged(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Sorted day spans, overlapping or adjoining ones joined."""
    merged: list[tuple[date, date]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _touches(cover: Cover, first: date, last: date) -> bool:
    """Whether first..last overlaps or adjoins the kept days, so that together they stay one span."""
    return first <= cover.last + timedelta(days=1) and last >= cover.first - timedelta(days=1)


def _of_key(key: Key) -> tuple[str, dict[str, Any]]:
    """The WHERE of one key's rows in the kept tables, and its parameters."""
    _, dimension, site_id = key
    if dimension:
        return "site_id = $site AND dimension = $dimension", {"site": site_id, "dimension": dimension}
    return "site_id = $site", {"site": site_id}
