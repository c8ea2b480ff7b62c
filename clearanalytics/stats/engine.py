"""The runner under every report: composes its statement from the shared prelude, binds parameters.

A report is one of two kinds:

- rollup-able (stats/rollup_sql.COMBINE): its daily rows (daily_sql.py) and one combine step. Long
  periods are answered from the stored daily rows (stats/rollups.py); everything else (filters, the
  24h period, open days only, `rollups.raw_only()`) runs the same daily SQL live over the query's
  ranges and the same combine, in one statement;
- single (SINGLE below): one plain SQL file in `stats/sql/<name>.sql`, for the figures with no
  additive daily form: the visitors of the last five minutes, one goal's list of completions, and the
  realtime view's last 30 minutes.

The relations a report reads (ranges, filters, sessions, local time, parts) are stats/prelude.py's.
Only fixed fragments are composed in code: the filter predicate (column names from the allowlist,
values as bound parameters) and the prelude's own variants. No request string ever becomes SQL text.
Rounding helpers live here too, so every report rounds the same way (half up).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from clearanalytics.stats import prelude, rollup_sql, session_filters
from clearanalytics.stats.query import Query, SiteRange

SQL_DIR = Path(__file__).resolve().parent / "sql"

# Single-SQL reports -> the prelude relations their sql/<name>.sql reads.
SINGLE: dict[str, tuple[str, ...]] = {
    "current_visitors": ("fpv",),  # a five-minute window: nothing to sum by day
    "goal_completions": ("ranges",),  # a list of rows, newest first: not a sum
    # realtime (stats/realtime.py): the last 30 minutes, per minute and whole, and its pages and sources
    "realtime_minutes": ("fpv",),
    "realtime_totals": ("fpv",),
    "realtime_pages": ("fpv",),
    "realtime_sources": ("fpv",),
}

# Parameters a report may be given by its caller, and their value when it is not (goal_conversions:
# the goals are the accounts side's; without them, only the goals with completions are listed).
# The properties report's (rollup_sql.COMBINE["properties"]): without a property, no rows; $values NULL: every value.
GOALS_UNKNOWN: dict[str, Any] = {"goal_ids": None, "goal_sites": None, "property": None, "values": None}

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@cache
def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`; names come from code, never from a request."""
    return (SQL_DIR / f"{name}.sql").read_text()


def compile_filters(query: Query) -> tuple[str, dict[str, Any]]:
    """The WHERE predicate for `fpv`: column names from the allowlist, values bound as $f0, $f1, ..."""
    clauses, params = [], {}
    for index, flt in enumerate(query.filters):
        if flt.session:  # a custom property or a goal: stats/session_filters.py
            clause, bound = session_filters.duckdb_clause(flt, index)
            clauses.append(clause)
            params |= bound
            continue
        column = flt.column  # a KeyError here means a Filter bypassed parse_filters: a bug, not input
        if flt.value is None:
            clauses.append(f"{column} IS NULL")
        else:
            params[f"f{index}"] = flt.value
            clauses.append(f"{column} = $f{index}")
    return (" AND ".join(clauses) or "TRUE"), params


def compose(query: Query, report: str) -> tuple[str, dict[str, Any]]:
    """The full SQL text of one live answer of `report` for `query`, and the filter parameters it needs."""
    predicate, params = compile_filters(query)
    grain = rollup_sql.grain_of(report, query.hourly) if report in rollup_sql.COMBINE else "whole"
    return _statement(report, predicate, bool(query.filters), grain), params


@cache
def _statement(report: str, predicate: str, filtered: bool, grain: str) -> str:
    """Cached: a report name from code, a predicate of allowlisted columns and `$f<n>` names only."""
    options = {"predicate": predicate, "filtered": filtered}
    if report in SINGLE:
        return prelude.statement(SINGLE[report], [], load_sql(report), **options)
    parts = rollup_sql.live_parts(report, grain)
    return prelude.statement(
        rollup_sql.live_reads(report), parts, rollup_sql.COMBINE[report].sql, grain=grain, **options
    )


def range_params(ranges: list[SiteRange] | tuple[SiteRange, ...]) -> dict[str, Any]:
    """The parameters of the prelude's `ranges`, and the scan bounds around them."""
    return scan_bounds(list(ranges)) | {
        "site_ids": [r.site_id for r in ranges],
        "timezones": [r.timezone for r in ranges],
        "range_starts": [r.start for r in ranges],
        "range_ends": [r.end for r in ranges],
    }


def execute(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run `sql` with the parameters it names (DuckDB refuses unused ones); rows as dicts."""
    rows = execute_rows(cur, sql, params)
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def execute_rows(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple]:
    """`execute`, rows as tuples."""
    used = set(_PARAM.findall(sql))
    return cur.execute(sql, {k: v for k, v in params.items() if k in used}).fetchall()


def run(
    cur: duckdb.DuckDBPyConnection,
    query: Query,
    report: str,
    *,
    ranges: list[SiteRange] | None = None,
    bucket: bool = False,
    database_path: str | None = None,
    **extra: Any,
) -> list[dict[str, Any]]:
    """Run report `report` for `query` and return its rows as dicts.

    `ranges` replaces the query's own time ranges (current visitors looks at the last five
    minutes); `extra` supplies the report's own named parameters such as `$goal_id`. Long periods
    are answered from the daily rollups where they can be (stats/rollups.py), with identical rows.
    `bucket` is accepted for callers of the time series; the report's definition already says
    that it groups by time bucket (rollup_sql.Combine.grain). `database_path`, when the caller knows
    it (the DuckDB store does), saves asking DuckDB for it on every report.
    """
    del bucket
    if ranges is None and report in rollup_sql.COMBINE:
        from clearanalytics.stats import rollups  # rollups composes its statements with this module

        rows = rollups.run(cur, query, report, database_path=database_path, **extra)
        if rows is not None:
            return rows
    sql, params = compose(query, report)
    ranges = query.ranges() if ranges is None else ranges
    params |= range_params(ranges) | {"limit": query.limit, "query_sites": query.site_ids} | GOALS_UNKNOWN | extra
    return execute(cur, sql, params)


def scan_bounds(ranges: list[SiteRange]) -> dict[str, datetime]:
    """Constant bounds around all ranges: DuckDB skips row groups outside them (zone maps), which it
    cannot do from the per-site range join alone. Empty ranges give an empty interval."""
    if not ranges:
        return {"scan_from": datetime(1970, 1, 1), "scan_to": datetime(1970, 1, 1)}
    return {"scan_from": min(r.start for r in ranges), "scan_to": max(r.end for r in ranges)}


def bucket_label(value: date | datetime) -> str:
    """`2026-02-18` for a day, `2026-02-18T15:00:00Z` for a UTC hour, as Query.buckets() labels them."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:00:00Z")
    return value.isoformat()


def run_one(cur: duckdb.DuckDBPyConnection, query: Query, report: str, **kwargs: Any) -> dict[str, Any]:
    rows = run(cur, query, report, **kwargs)
    return rows[0]


# --- rounding: half up, computed from exact integers and decimals --------------------------------


def _half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def percent(numerator: int | Decimal, denominator: int | Decimal) -> float:
    """numerator / denominator x 100 to one decimal; 0.0 when there is nothing to divide by."""
    if not denominator:
        return 0.0
    return float(_half_up(Decimal(numerator) * 100 / Decimal(denominator), "0.1"))


def whole(numerator: int | Decimal, denominator: int | Decimal) -> int:
    """A mean in whole units (seconds), rounded half up; 0 when empty."""
    if not denominator:
        return 0
    return int(_half_up(Decimal(numerator) / Decimal(denominator), "1"))


def money(value: int | float | Decimal | None) -> float:
    return float(_half_up(Decimal(str(value or 0)), "0.01"))


def money_ratio(numerator: Decimal | int, denominator: int) -> float:
    if not denominator:
        return 0.0
    return float(_half_up(Decimal(numerator) / Decimal(denominator), "0.01"))


def relative_change(current: float | int, previous: float | int) -> float | None:
    """Relative change in percent, of the values as shown; None when the previous value is 0."""
    if not previous:
        return None
    cur, prev = Decimal(str(current)), Decimal(str(previous))
    return float(_half_up((cur - prev) * 100 / prev, "0.1"))


def point_change(current: float, previous: float) -> float | None:
    """Change of a rate in percentage points; None when the previous rate is 0, like the counts."""
    if not previous:
        return None
    return float(_half_up(Decimal(str(current)) - Decimal(str(previous)), "0.1"))
