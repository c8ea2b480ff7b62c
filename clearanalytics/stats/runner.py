"""The runner: answers any registry record from its declared shape, so no report writes its own.

- TOTALS: the SQL's one row, converted; every metric that declares a change gets `<metric>_change`
  against the same query over the preceding period (relative in %, or percentage points).
- ROWS: the SQL's rows, converted, in the declared field order.
- FILLED: every key of the record's Fill present (each bucket of the period, hours 0-23, all six
  channels), missing ones with zero metrics, then in the Fill's order. Date buckets with
  `interval=week|month` are the daily rows summed (see `_coarser`).
- COMPUTED: the record's own function, for reports that combine several queries (funnel, goals).

The SQL itself runs through `storage.run_report` (the event store: DuckDB's engine.run picks rollups or raw events).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
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
    rows = sorted(rows, key=fill.order) if fill.order else rows
    if fill.field == "date" and query.interval in ("week", "month"):
        return _coarser(report, rows, query)
    return rows


def _week_or_month(day: str, query: Query) -> str:
    """The bucket of a local day: its ISO week's Monday or its month's first day, but never before the
    period's first day, so a period starting mid-week begins with a short bucket labelled by its own start."""
    found = date.fromisoformat(day)
    first = found - timedelta(days=found.weekday()) if query.interval == "week" else found.replace(day=1)
    return max(first, query.date_from).isoformat()


def _coarser(report: Report, rows: list[dict[str, Any]], query: Query) -> list[dict[str, Any]]:
    """Daily rows summed per week or month. Visitors add up because a visitor hash is daily (as the
    overview counts them: distinct daily hashes); amounts are summed as decimals so cents stay exact."""
    buckets: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = _week_or_month(row["date"], query)
        total = buckets.setdefault(key, {f.name: key if f.name == "date" else Decimal(0) for f in report.fields})
        for f in report.fields:
            if f.name != "date":
                total[f.name] += Decimal(str(row[f.name]))
    cast = {f.name: (int if f.type == "int" else float) for f in report.fields if f.name != "date"}
    return [{name: cast[name](value) if name in cast else value for name, value in total.items()}
            for total in buckets.values()]  # fmt: skip
