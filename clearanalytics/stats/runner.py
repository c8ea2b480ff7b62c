"""The runner: answers any registry record from its declared shape, so no report writes its own.

- TOTALS: the SQL's one row, converted; every metric that declares a change gets `<metric>_change`
  against the same query over the preceding period (relative in %, or percentage points).
- ROWS: the SQL's rows, converted, in the declared field order.
- FILLED: every key of the record's Fill present (each bucket of the period, hours 0-23, all six
  channels), missing ones with zero metrics, then in the Fill's order.
- COMPUTED: the record's own function, for reports that combine several queries (funnel, goals).

The SQL itself runs through `storage.run_report` (the event store: DuckDB's engine.run picks rollups or raw events).
"""

from __future__ import annotations

from typing import Any

import duckdb

from clearanalytics import storage
from clearanalytics.stats import engine
from clearanalytics.stats.query import Query
from clearanalytics.stats.report import COMPUTED, FILLED, POINT, RELATIVE, TOTALS, ZERO, Report

CHANGES = {RELATIVE: engine.relative_change, POINT: engine.point_change}


def answer(report: Report, cur: duckdb.DuckDBPyConnection, query: Query) -> Any:
    """The `data` of `report` for `query`: what the API, the dashboard and MCP return."""
    if report.shape == COMPUTED:
        return report.compute(cur, query)
    if report.shape == TOTALS:
        return _totals(report, cur, query)
    if report.shape == FILLED:
        return _filled(report, cur, query)
    return [_convert(report, row) for row in storage.run_report(cur, query, report.sql)]


def _convert(report: Report, row: dict[str, Any]) -> dict[str, Any]:
    """One SQL row as the record's row: converted, then exactly the declared fields in order."""
    if report.row is not None:
        row = row | report.row(row)
    return {f.name: row[f.name] for f in report.fields}


def _totals(report: Report, cur: duckdb.DuckDBPyConnection, query: Query) -> dict[str, Any]:
    now = _convert(report, storage.run_report(cur, query, report.sql)[0])
    before = _convert(report, storage.run_report(cur, query.previous(), report.sql)[0])
    return now | {f"{f.name}_change": CHANGES[f.change](now[f.name], before[f.name]) for f in report.changes}


def _filled(report: Report, cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    fill = report.fill
    column = fill.column or fill.field
    found = {}
    for row in storage.run_report(cur, query, report.sql, bucket=fill.buckets):
        key = fill.label(row[column])
        found[key] = _convert(report, row | {fill.field: key})
    zero = {f.name: ZERO[f.type] for f in report.fields if f.type in ZERO}
    rows = [found.get(key) or {f.name: key if f.name == fill.field else zero[f.name] for f in report.fields}
            for key in fill.keys(query, set(found))]  # fmt: skip
    return sorted(rows, key=fill.order) if fill.order else rows
