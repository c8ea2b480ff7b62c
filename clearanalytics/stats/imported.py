"""Imported daily aggregates (ingest/plausible.py) in the reports: days without native data, never both.

The seam is the rollup read (stats/rollups.py): a report over closed days adds its parts from
`rollup_<table>` (stored closed days) and the open days' rows; here a third source joins
`parts_totals` and `parts_dims`: the rows of `imported_totals` / `imported_dims` on the query's closed
days for which the site has no native pageview (no rollup_totals row with pageviews, which the build
has made by then: the three traffic tables are one rollup kind). Imported rows are never written to
the rollup tables, so no rebuild, invalidation or retention run can touch or double them, and deleting
an import is deleting its rows.

Only what the rollups answer can include them: a filtered query (imported rows are per day and per
dimension, not per session, so no filter can be applied to them), the 24h period and periods of open
days only are answered from raw events and leave imported days out.

Both event stores: the ClickHouse store keeps its closed days' rows in an in-memory DuckDB database under
the same table names and reads them with the same statement (storage/clickhouse_reports.py); it reads its
imported rows from ClickHouse (storage/clickhouse_imports.py), registers them under these tables' names
and applies `rows_params` there, so the rule and the SQL that applies it are this module's, once.
"""

from __future__ import annotations

from typing import Any

from clearanalytics.db import write_version
from clearanalytics.stats import rollup_sql
from clearanalytics.stats.query import Query
from clearanalytics.stats.rollup_plan import Plan

TABLES = ("totals", "dims")
# The reports imported rows can answer truly: Plausible's files give their numbers per day. Not the goal
# conversions (whose denominator would count visitors whose completions are unknown), nor the breakdowns
# Plausible does not export (languages, channels, hostnames, cities, properties, scroll depth).
REPORTS = frozenset({
    "overview", "timeseries", "pages", "referrers", "campaigns", "browsers",
    "operating_systems", "devices", "countries", "regions", "entry_pages", "exit_pages",
})  # fmt: skip
HEADER = "X-ClearAnalytics-Imported"  # "true" on an API answer whose figures include imported days


def joins(report: str, table: str) -> bool:
    """Whether imported rows join `report`'s parts of `table` (rollup_read.py unions them there)."""
    return table in TABLES and report in REPORTS


def param(table: str, column: str) -> str:
    return f"imported_{table}_{column}"


def _rows_sql(table: str, dimension: str | None) -> str:
    columns = ", ".join(f"i.{c}" for c in ("site_id", "day") + rollup_sql.COLUMNS[table])
    narrow = " AND i.dimension = $imported_dimension" if table == "dims" and dimension else ""
    return f"""
SELECT {columns} FROM imported_{table} i
JOIN (SELECT unnest($imported_sites::VARCHAR[]) AS site_id, unnest($imported_from::DATE[]) AS day_from,
             unnest($imported_to::DATE[]) AS day_to) k
  ON i.site_id = k.site_id AND i.day BETWEEN k.day_from AND k.day_to{narrow}
WHERE NOT EXISTS (SELECT 1 FROM rollup_totals t WHERE t.site_id = i.site_id AND t.day = i.day AND t.pageviews > 0)
"""


def _spans(split: Plan) -> dict[str, list]:
    return {
        "imported_sites": [s for s, _, _ in split.closed],
        "imported_from": [f for _, f, _ in split.closed],
        "imported_to": [t for _, _, t in split.closed],
    }


_PRESENT: dict[str, tuple[int, bool]] = {}  # database path -> (write_version, whether it holds any import)


def _any_imports(conn, path: str) -> bool:
    """Whether the database holds an import, read once per write: most hold none, and a rollup read then
    costs nothing more. One process writes a DuckDB file, so its write_version sees every import."""
    version = write_version(path)
    known = _PRESENT.get(path)
    if known is None or known[0] != version:
        known = _PRESENT[path] = (version, bool(conn.execute("SELECT EXISTS (SELECT 1 FROM imports)").fetchone()[0]))
    return known[1]


def params(conn, report: str, split: Plan, path: str) -> dict[str, list]:
    """The imported rows of the report's tables on the split's closed days without native data, as lists
    (DuckDB: the database at `path`, whose imports are looked for once per write)."""
    return rows_params(conn, report, split, present=report in REPORTS and _any_imports(conn, path))


def rows_params(conn, report: str, split: Plan, present: bool = True) -> dict[str, list]:
    """`params` on a connection that has `imported_totals`, `imported_dims` and `rollup_totals` relations
    (ClickHouse: its kept rows and the imported rows registered under those names); `present` False: no rows."""
    from clearanalytics.stats.engine import execute_rows

    combine = rollup_sql.COMBINE[report]
    found: dict[str, list] = {}
    for table in combine.tables:
        if not joins(report, table):
            continue
        dimension = combine.dimension if table == "dims" else None
        values: dict[str, Any] = _spans(split) | {"imported_dimension": dimension}
        rows = execute_rows(conn, _rows_sql(table, dimension), values) if present else []
        names = ("site_id", "day") + rollup_sql.COLUMNS[table]
        columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
        found |= {param(table, name): column for name, column in zip(names, columns, strict=True)}
    return found


def included(cur, query: Query, report: str) -> bool:
    """Whether `report`'s answer to `query` from rollups includes imported rows: an unfiltered query over
    closed days that have imported rows of the report's tables (and dimension) and no native pageview."""
    from clearanalytics.stats import rollups
    from clearanalytics.stats.engine import execute_rows

    split = rollups.plan(query)
    if split is None or report not in REPORTS:
        return False
    combine = rollup_sql.COMBINE[report]
    for table in (t for t in combine.tables if t in TABLES):
        dimension = combine.dimension if table == "dims" else None
        sql = f"SELECT count(*) FROM ({_rows_sql(table, dimension)})"
        if execute_rows(cur, sql, _spans(split) | {"imported_dimension": dimension})[0][0]:
            return True
    return False


def included_in(db, query: Query, report: str) -> bool:
    """`included` on the DuckDB file of `db`: nothing read when it holds no import (most: one dict lookup)."""
    if report not in REPORTS:
        return False
    with db.reading() as cur:
        return _any_imports(cur, str(db.path)) and included(cur, query, report)


def in_answer(report_sql: str, query: Query) -> bool:
    """Whether the app's answer of a report (rollup_sql.COMBINE name) to `query` includes imported days:
    what the API's X-ClearAnalytics-Imported header says; the app's event store answers (includes_imported)."""
    from flask import current_app

    store = current_app.extensions.get("clearanalytics.store")
    return report_sql in REPORTS and store is not None and store.includes_imported(query, report_sql)


def days_changed(cur: Any, site_id: str, days: list) -> None:
    """An import stored or deleted: the kept answers over those days are stale (the rollup cache is
    this package's to drive: tests/test_onedef.py)."""
    from clearanalytics.stats.rollup_cache import CACHE

    CACHE.invalidate(cur, site_id, days, ("traffic",))


def delete_import(cur: Any, import_id: str) -> str | None:
    """Delete one import's rows; the site's id, or None when there is no such import."""
    found = cur.execute("SELECT site_id FROM imports WHERE id = ?", [import_id]).fetchone()
    if found is None:
        return None
    days = [d for (d,) in cur.execute("SELECT day FROM imported_totals WHERE import_id = ?", [import_id]).fetchall()]
    for table in ("imported_totals", "imported_dims"):
        cur.execute(f"DELETE FROM {table} WHERE import_id = ?", [import_id])
    cur.execute("DELETE FROM imports WHERE id = ?", [import_id])
    days_changed(cur, found[0], days)
    return found[0]
