"""Reports on the ClickHouse event store: ClickHouse computes the daily rows, DuckDB adds them up.

Why this split: a report is its daily rows plus one combine step (stats/rollup_sql.py). The daily
rows are where the events are read, so ClickHouse computes them, in its own dialect
(stats/clickhouse_sql.py), at the grain the combine needs (usually the whole range: a few hundred
rows). The combine step (sums, ordering, ties, NULLS LAST, LIMIT, the goals' zeros) then runs in an
in-memory DuckDB over those rows, as the very text the DuckDB store runs, so the two engines cannot
drift apart in how a report orders or rounds. The rows cross as Arrow tables, no Python loop.

The two reports without a daily form (engine.SINGLE) run whole in ClickHouse.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import duckdb

from clearanalytics.stats import clickhouse_sql, engine, rollup_sql
from clearanalytics.stats.query import Query, SiteRange

# join_use_nulls: a LEFT JOIN miss is NULL, as in DuckDB (not '' or 0); the time zone of the session never
# applies (every time parameter names UTC).
SETTINGS = {"join_use_nulls": 1}
_LOCAL = threading.local()


def _combiner() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB connection (registered Arrow tables are per connection)."""
    con = getattr(_LOCAL, "duckdb", None)
    if con is None:
        con = _LOCAL.duckdb = duckdb.connect(":memory:")
    return con


def range_params(ranges: list[SiteRange]) -> dict[str, Any]:
    """`{s<i>}`, `{z<i>}`, `{a<i>}`, `{w<i>}` (a day before, for entry pageviews) and `{b<i>}` per site."""
    params: dict[str, Any] = {}
    for i, r in enumerate(ranges):
        params |= {f"s{i}": r.site_id, f"z{i}": r.timezone, f"a{i}": r.start, f"b{i}": r.end}
        params[f"w{i}"] = r.start - timedelta(days=1)
    return params


class ClickHouseReports:
    """Runs reports for one ClickHouse database through one clickhouse-connect client."""

    def __init__(self, client: Any, database: str):
        self.client = client
        self.db = database

    def run(
        self, query: Query, report: str, *, ranges: list[SiteRange] | None = None, **extra: Any
    ) -> list[dict[str, Any]]:
        extra.pop("bucket", None)  # the report's definition says whether it groups by time bucket
        ranges = query.ranges() if ranges is None else ranges
        predicate, params = clickhouse_sql.compile_filters(query.filters)
        params |= range_params(ranges)
        if report in engine.SINGLE:
            return self._single(report, ranges, predicate, params | {"limit": query.limit} | extra)
        return self._combined(query, report, ranges, predicate, params, extra)

    def _single(self, report: str, ranges: list[SiteRange], predicate: str, params: dict) -> list[dict[str, Any]]:
        body = clickhouse_sql.SINGLE[report]
        sql = f"{clickhouse_sql.relations(self.db, len(ranges), 'whole', predicate, False)}\n{body}"
        result = self.client.query(sql, parameters=_used(sql, params), settings=SETTINGS)
        return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]

    def _combined(
        self, query: Query, report: str, ranges: list[SiteRange], predicate: str, params: dict, extra: dict
    ) -> list[dict[str, Any]]:
        combine = rollup_sql.COMBINE[report]
        grain = rollup_sql.grain_of(report, query.hourly)
        con = _combiner()
        names = []
        try:
            for table in combine.tables:
                light = table in combine.light
                daily = clickhouse_sql.daily(
                    table, dimension=combine.dimension, light=light, grain=grain, count=len(ranges), db=self.db
                )
                engaged = "duration" in daily and not light
                sql = f"{clickhouse_sql.relations(self.db, len(ranges), grain, predicate, engaged)}\n{daily}"
                arrow = self.client.query_arrow(sql, parameters=_used(sql, params), settings=SETTINGS)
                name = f"ch_{table}"
                con.register(name, arrow)
                names.append(name)
            parts = [f"parts_{t} AS (\n{_parts_of(t, grain)}\n)" for t in combine.tables]
            sql = "WITH " + ",\n".join([*parts, f"report AS (\n{combine.sql.strip()}\n)"]) + "\nSELECT * FROM report"
            given = {"limit": query.limit, "query_sites": query.site_ids} | engine.GOALS_UNKNOWN | extra
            return engine.execute(con, sql, given)
        finally:
            for name in names:
                con.unregister(name)


def _parts_of(table: str, grain: str) -> str:
    """The rows of `table` as the combine reads them: (site_id, day, columns), the keys NULL where the
    grain does not group by them (as daily_sql.PART_KEYS), the UTC hour as a TIMESTAMP."""
    site = "k_site" if grain in clickhouse_sql.SITE_KEY else "NULL::VARCHAR"
    day = {"days": "k_day", "day": "k_day", "hour": "make_timestamp(k_day * 1000000)"}.get(grain, "NULL::DATE")
    return f"SELECT {site} AS site_id, {day} AS day, {', '.join(rollup_sql.COLUMNS[table])} FROM ch_{table}"


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters `sql` names: ClickHouse ignores extra ones, but a smaller request is cheaper to send."""
    return {k: v for k, v in params.items() if f"{{{k}:" in sql}
