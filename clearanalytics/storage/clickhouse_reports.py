"""Reports on the ClickHouse event store: ClickHouse computes the daily rows, DuckDB adds them up.

Why this split: a report is its daily rows plus one combine step (stats/rollup_sql.py). The daily
rows are where the events are read, so ClickHouse computes them, in its own dialect
(stats/clickhouse_sql.py), at the grain the combine needs (usually the whole range: a few hundred
rows). The combine step (sums, ordering, ties, NULLS LAST, LIMIT, the goals' zeros) then runs in an
in-memory DuckDB over those rows, as the very text the DuckDB store runs, so the two engines cannot
drift apart in how a report orders or rounds. The rows cross as Arrow tables, no Python loop.

The reports without a daily form (engine.SINGLE) run whole in ClickHouse. Imported days (import-plausible)
join the closed days' read as on DuckDB, by stats/imported.py's rule and SQL (clickhouse_imports.py).
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from clearanalytics.stats import clickhouse_sql, engine, imported, rollup_plan, rollup_read, rollup_sql, rollups
from clearanalytics.stats.query import Query, SiteRange
from clearanalytics.stats.rollup_plan import Plan
from clearanalytics.storage.clickhouse_imports import ImportedRows
from clearanalytics.storage.clickhouse_kept import KeptDays
from clearanalytics.storage.clickhouse_schema import DATA_VERSIONS

# join_use_nulls: a LEFT JOIN miss is NULL, as in DuckDB (not '' or 0); the time zone of the session never
# applies (every time parameter names UTC).
SETTINGS = {"join_use_nulls": 1}
# How long a node answers from the open days' rows and data versions it read, when it has not written to
# those sites since: what another node committed meanwhile shows after at most this (docs/STORAGE.md).
OPEN_SECONDS = 2.0
_DELETE = {"lightweight_deletes_sync": 2}  # a DELETE returns once its rows are gone


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
        self.kept = KeptDays()
        self.imported = ImportedRows(client, database)
        self._open_lock = threading.Lock()
        # (table, dimension, light, ranges) -> (read at, the rows as lists)
        self._open: dict[tuple, tuple[float, dict[str, list]]] = {}
        self._versions: tuple[float, dict[str, tuple[int, date | None]]] = (0.0, {})

    def run(
        self, query: Query, report: str, *, ranges: list[SiteRange] | None = None, **extra: Any
    ) -> list[dict[str, Any]]:
        extra.pop("bucket", None)  # the report's definition says whether it groups by time bucket
        if report in engine.SINGLE:
            ranges = query.ranges() if ranges is None else ranges
            return self._single(query, report, ranges, extra)
        split = rollups.plan(query) if ranges is None else None
        if split is None:
            return self._live(query, report, query.ranges() if ranges is None else ranges, extra)
        return self._kept(query, report, split, extra)

    def _single(self, query: Query, report: str, ranges: list[SiteRange], extra: dict) -> list[dict[str, Any]]:
        predicate, params = clickhouse_sql.compile_filters(query.filters)
        params |= range_params(ranges) | {"limit": query.limit} | extra
        relations = clickhouse_sql.relations(self.db, len(ranges), "whole", predicate, False)
        sql = f"{relations}\n{clickhouse_sql.SINGLE[report]}"
        result = self.client.query(sql, parameters=_used(sql, params), settings=SETTINGS)
        return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]

    def _daily(self, query: Query, report: str, table: str, ranges: list[SiteRange], grain: str, light: bool) -> Any:
        """The daily rows of one of the report's tables over `ranges` at `grain`, as an Arrow table."""
        predicate, params = clickhouse_sql.compile_filters(query.filters)
        daily = clickhouse_sql.daily(
            table, dimension=rollup_sql.COMBINE[report].dimension, light=light, grain=grain, count=len(ranges),
            db=self.db,
        )  # fmt: skip
        engaged = "duration" in daily and not light
        sql = f"{clickhouse_sql.relations(self.db, len(ranges), grain, predicate, engaged)}\n{daily}"
        params |= range_params(ranges)
        return self.client.query_arrow(sql, parameters=_used(sql, params), settings=SETTINGS)

    def _live(self, query: Query, report: str, ranges: list[SiteRange], extra: dict) -> list[dict[str, Any]]:
        """Every part computed from raw events at the grain the combine needs (filters, 24h, open days only)."""
        combine = rollup_sql.COMBINE[report]
        grain = rollup_sql.grain_of(report, query.hourly)
        arrows = {t: self._daily(query, report, t, ranges, grain, t in combine.light) for t in combine.tables}
        parts = {t: _parts_of(t, grain) for t in combine.tables}
        return self._combine(query, report, parts, arrows, extra)

    def _kept(self, query: Query, report: str, split: Plan, extra: dict) -> list[dict[str, Any]]:
        """Closed days from the rows this node keeps (built at the day grain once per data version), open
        days at the day grain, read by the very statement the DuckDB store reads its rollups with; imported
        days where the sites have no native pageview (storage/clickhouse_imports.py)."""
        combine = rollup_sql.COMBINE[report]
        versions = self.versions([site_id for site_id, _, _ in split.closed])
        zones = {site.id: site.timezone for site in query.sites}
        for table in combine.tables:
            for site_id, first, last in split.closed:
                self._ensure(query, report, table, (site_id, first, last), versions, zones)
        params = rollup_plan.closed_params(split, rollup_sql.uses_months(report))
        params |= {"limit": query.limit, "query_sites": query.site_ids} | engine.GOALS_UNKNOWN | extra
        for table in combine.tables:
            params |= self._open_rows(query, report, table, split.open)
        params |= self._imported(query, report, split, versions, zones)
        return engine.execute(self.kept.cursor(), rollup_read.statement(report, params), params)

    def _ensure(self, query: Query, report: str, table: str, span: tuple, versions: dict, zones: dict) -> None:
        """Keep the daily rows of `report`'s `table` for one site's closed days `span` (site_id, first, last)."""
        site_id, first, last = span
        dimension = rollup_sql.COMBINE[report].dimension if table == "dims" else None
        version, retained_from = versions.get(site_id, (0, None))

        def build(a, b):
            return self._closed_days(query, report, table, site_id, zones[site_id], a, b, retained_from)

        changes = lambda: self.changes(site_id)  # noqa: E731
        self.kept.ensure((table, dimension, site_id), zones[site_id], first, last, version, build, changes)

    def _imported(self, query: Query, report: str, split: Plan, versions: dict, zones: dict) -> dict[str, list]:
        """imported.rows_params over the kept rows; the native days are the kept rollup_totals (overview's)."""

        def ensure(site_id: str, first: date, last: date) -> None:
            self._ensure(query, "overview", "totals", (site_id, first, last), versions, zones)

        return self.imported.params(self.kept.cursor(), report, split, versions, ensure)

    def imported_in(self, query: Query, report: str) -> bool:
        """Whether the answer of `report` to `query` includes imported days (stats/imported.in_answer)."""
        split = rollups.plan(query)
        if split is None or report not in imported.REPORTS:
            return False
        versions = self.versions([site_id for site_id, _, _ in split.closed])
        zones = {site.id: site.timezone for site in query.sites}
        found = self._imported(query, report, split, versions, zones)
        return any(column for name, column in found.items() if name.endswith("_site_id"))

    def _open_rows(self, query: Query, report: str, table: str, ranges: tuple[SiteRange, ...]) -> dict[str, list]:
        """The open days' rows of `table` as rollup_sql.given_rows' list parameters: read live, and kept
        OPEN_SECONDS for the next report, unless this node writes to one of their sites meanwhile."""
        combine = rollup_sql.COMBINE[report]
        dimension = combine.dimension if table == "dims" else None
        light = table in combine.light  # zeros for what the report never shows: no distinct count, no engagement
        key = (table, dimension, light, ranges)
        with self._open_lock:
            kept = self._open.get(key)
        if kept is not None and time.monotonic() - kept[0] < OPEN_SECONDS:
            return kept[1]
        started = time.monotonic()
        names = ("site_id", "day", *rollup_sql.COLUMNS[table])
        if ranges:
            arrow = self._daily(query, report, table, list(ranges), "day", light)
            columns = [arrow.column(name).to_pylist() for name in ("k_site", "k_day", *rollup_sql.COLUMNS[table])]
        else:
            columns = [[] for _ in names]
        lists = {rollup_sql.open_param(table, n): c for n, c in zip(names, columns, strict=True)}
        with self._open_lock:
            self._open[key] = (started, lists)
        return lists

    def forget_open(self, site_ids: set[str] | None = None) -> None:
        """This node wrote to these sites (all: None): their open days and data versions are read again."""
        with self._open_lock:
            if site_ids is None:
                self._open.clear()
            else:
                for key in [k for k in self._open if any(r.site_id in site_ids for r in k[3])]:
                    del self._open[key]
            self._versions = (0.0, {})

    def _combine(
        self, query: Query, report: str, parts: dict[str, str], arrows: dict[str, Any], extra: dict, ctes=()
    ) -> list[dict[str, Any]]:
        """rollup_sql.COMBINE's text over `parts` (SQL reading the Arrow tables `ch_<table>` and kept rows)."""
        con = self.kept.cursor()
        try:
            for table, arrow in arrows.items():
                con.register(f"ch_{table}", arrow)
            relations = [*ctes, *(f"parts_{t} AS (\n{sql}\n)" for t, sql in parts.items())]
            body = rollup_sql.COMBINE[report].sql.strip()
            sql = "WITH " + ",\n".join([*relations, f"report AS (\n{body}\n)"]) + "\nSELECT * FROM report"
            given = {"limit": query.limit, "query_sites": query.site_ids} | engine.GOALS_UNKNOWN | extra
            return engine.execute(con, sql, given)
        finally:
            for table in arrows:
                con.unregister(f"ch_{table}")

    def _closed_days(
        self,
        query: Query,
        report: str,
        table: str,
        site_id: str,
        timezone: str,
        first: date,
        last: date,
        retained_from: date | None,
    ) -> list[Any]:
        """The daily rows of one site's closed days first..last (Arrow tables): from the retained rows
        before `retained_from` (those days are final: raw rows written into them later do not count,
        as on DuckDB), from raw events after."""
        built = []
        if retained_from is not None and first < retained_from:
            dimension = rollup_sql.COMBINE[report].dimension if table == "dims" else None
            narrow = " AND dimension = {dimension:String}" if dimension else ""
            columns = ", ".join(rollup_sql.COLUMNS[table])
            sql = (
                f"SELECT site_id AS k_site, day AS k_day, {columns} FROM {self.db}.retained_{table} "
                f"WHERE site_id = {{site:String}} AND day BETWEEN {{a:Date}} AND {{b:Date}}{narrow}"
            )
            end = min(last, retained_from - timedelta(days=1))
            params = {"site": site_id, "a": first, "b": end, "dimension": dimension}
            built.append(self.client.query_arrow(sql, parameters=_used(sql, params)))
            first = retained_from
        if first <= last:
            one = [rollup_plan.site_range(site_id, timezone, first, last)]
            built.append(self._daily(replace(query, filters=()), report, table, one, "day", False))
        return built

    def keep_retained(self, site_id: str, timezone: str, first: date | None, cutoff_day: date) -> None:
        """Before a retention run deletes a site's rows before `cutoff_day`: store the daily rows of every
        report table of its days first..cutoff_day - 1 (all of them when `first` is None) in `retained_*`.
        Idempotent: those days' retained rows are replaced, so a run cut short can be run again."""
        start = rollup_plan.site_range(site_id, timezone, first or date(1970, 1, 2), cutoff_day).start
        cutoff = rollup_plan.site_range(site_id, timezone, cutoff_day, cutoff_day).start
        ranges = [SiteRange(site_id, timezone, start, cutoff)]
        params = range_params(ranges) | {"site": site_id, "first": first or date(1970, 1, 1), "cutoff": cutoff_day}
        days = "site_id = {site:String} AND day >= {first:Date} AND day < {cutoff:Date}"
        for table, columns in rollup_sql.COLUMNS.items():
            self.client.command(
                f"DELETE FROM {self.db}.retained_{table} WHERE {days}", parameters=params, settings=_DELETE
            )
            listed = ", ".join(columns)
            for dimension in rollup_sql.DIMENSIONS if table == "dims" else (None,):
                daily = clickhouse_sql.daily(table, dimension=dimension, light=False, grain="day", count=1, db=self.db)
                relations = clickhouse_sql.relations(self.db, 1, "day", "1", "duration" in daily)
                sql = (
                    f"INSERT INTO {self.db}.retained_{table} (site_id, day, {listed}) "
                    f"SELECT k_site, k_day, {listed} FROM ({relations}\n{daily})"
                )
                self.client.command(sql, parameters=_used(sql, params), settings=SETTINGS)

    def versions(self, site_ids: list[str]) -> dict[str, tuple[int, date | None]]:
        """Each site's data version (how many writes into its closed days were made: clickhouse_kept.py) and
        the day its retained rows end (None: no retention run yet); read again after OPEN_SECONDS, or at
        once after a write of this node."""
        if not site_ids:
            return {}
        wanted = sorted(set(site_ids))
        with self._open_lock:
            read_at, known = self._versions
        if time.monotonic() - read_at < OPEN_SECONDS and all(s in known for s in wanted):
            return {s: known[s] for s in wanted if known[s][0] or known[s][1]}
        started = time.monotonic()
        found = self._read_versions(wanted)
        with self._open_lock:
            self._versions = (started, {s: found.get(s, (0, None)) for s in wanted})
        return found

    def changes(self, site_id: str) -> list[tuple[str, date | None, date | None]]:
        """The site's data_versions rows: (id, first UTC day, last UTC day), days None for every day."""
        sql = f"SELECT id, day_from, day_to FROM {self.db}.{DATA_VERSIONS} WHERE site_id = {{site:String}}"
        return [tuple(row) for row in self.client.query(sql, parameters={"site": site_id}).result_rows]

    def _read_versions(self, site_ids: list[str]) -> dict[str, tuple[int, date | None]]:
        rows = self.client.query(
            f"SELECT site_id, count(), max(retained_from) FROM {self.db}.{DATA_VERSIONS} "
            "WHERE site_id IN {sites:Array(String)} GROUP BY site_id",
            parameters={"sites": site_ids},
        ).result_rows
        return {site_id: (int(n), retained_from) for site_id, n, retained_from in rows}


def _parts_of(table: str, grain: str) -> str:
    """The rows of `table` as the combine reads them: (site_id, day, columns), the keys NULL where the
    grain does not group by them (as daily_sql.PART_KEYS), the UTC hour as a TIMESTAMP."""
    site = "k_site" if grain in clickhouse_sql.SITE_KEY else "NULL::VARCHAR"
    day = {"days": "k_day", "day": "k_day", "hour": "make_timestamp(k_day * 1000000)"}.get(grain, "NULL::DATE")
    return f"SELECT {site} AS site_id, {day} AS day, {', '.join(rollup_sql.COLUMNS[table])} FROM ch_{table}"


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters `sql` names: ClickHouse ignores extra ones, but a smaller request is cheaper to send."""
    return {k: v for k, v in params.items() if f"{{{k}:" in sql}
