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

from clearanalytics.stats import rollup_sql

# (table, dimension, site_id) -> what is kept for it
Key = tuple[str, str | None, str]


@dataclass(frozen=True)
class Cover:
    """The contiguous local days kept for one key, the site's zone and data version they were built at."""

    first: date
    last: date
    timezone: str
    version: int

    def holds(self, first: date, last: date, timezone: str, version: int) -> bool:
        return self.same(timezone, version) and self.first <= first and last <= self.last

    def same(self, timezone: str, version: int) -> bool:
        return self.timezone == timezone and self.version == version


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
            self.memory.execute(f"CREATE TABLE kept_{table} (site_id VARCHAR, day DATE, {columns})")
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
    ) -> None:
        """Keep the rows of `key` for first..last, calling `build(a, b)` (Arrow tables of its daily rows)
        for the days not kept yet at this version; days already kept at it are not built again."""
        with self._lock:
            cover = self._covers.get(key)
            if cover is not None and cover.holds(first, last, timezone, version):
                return
            if cover is not None and cover.same(timezone, version) and _touches(cover, first, last):
                pieces = [(first, cover.first - timedelta(days=1)), (cover.last + timedelta(days=1), last)]
                pieces = [(a, b) for a, b in pieces if a <= b]
                new = Cover(min(first, cover.first), max(last, cover.last), timezone, version)
            else:
                self._drop(key)
                pieces, new = [(first, last)], Cover(first, last, timezone, version)
            for a, b in pieces:
                for arrow in build(a, b):
                    self._insert(key[0], arrow)
            self._covers[key] = new

    def forget(self) -> None:
        """Drop every kept row (tests, and a store closing)."""
        with self._lock:
            for table in rollup_sql.COLUMNS:
                self.memory.execute(f"DELETE FROM kept_{table}")
            self._covers.clear()

    def _drop(self, key: Key) -> None:
        table, dimension, site_id = key
        narrow = " AND dimension = $dimension" if dimension else ""
        params = {"site": site_id} | ({"dimension": dimension} if dimension else {})
        self.memory.execute(f"DELETE FROM kept_{table} WHERE site_id = $site{narrow}", params)

    def _insert(self, table: str, arrow: Any) -> None:
        cur = self.memory.cursor()
        try:
            cur.register("built", arrow)
            columns = ", ".join(rollup_sql.COLUMNS[table])
            cur.execute(f"INSERT INTO kept_{table} SELECT k_site, k_day, {columns} FROM built")
        finally:
            cur.close()


def _touches(cover: Cover, first: date, last: date) -> bool:
    """Whether first..last overlaps or adjoins the kept days, so that together they stay one span."""
    return first <= cover.last + timedelta(days=1) and last >= cover.first - timedelta(days=1)


def kept_rows(report: str, table: str) -> str:
    """The kept rows of `table` for the closed days of the query (relation `closed`, rollup_sql.CLOSED)."""
    dimension = rollup_sql.COMBINE[report].dimension if table == "dims" else None
    narrow = f" AND x.dimension = '{dimension}'" if dimension else ""
    columns = ", ".join(f"x.{c}" for c in ("site_id", "day") + rollup_sql.COLUMNS[table])
    return (
        f"SELECT {columns} FROM kept_{table} x\n"
        f"    JOIN closed k ON x.site_id = k.site_id AND x.day BETWEEN k.day_from AND k.day_to{narrow}"
    )
