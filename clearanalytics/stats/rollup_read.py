"""The rollup read's one statement, holding only the sources a read has rows from.

A rollup answer (stats/rollups.py, and the ClickHouse store's kept rows, storage/clickhouse_reports.py)
unions per table up to five sources: the stored daily rows in two bands, the stored monthly rows, the
open days' rows and the imported days' rows (both passed as lists). Most reads have rows from two or
three: a week has no whole month and one band, a database without imports no imported rows. DuckDB
plans every branch of a statement, empty or not, and the planning is most of a small read's time (a
site's week: 3.2 ms with all five, 2.0 ms with the two it has; docs/PERFORMANCE.md), so each read runs
the statement of the sources its parameters fill. A report has a handful of such shapes, each built once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from clearanalytics.stats import imported, prelude, rollup_sql
from clearanalytics.stats.rollup_plan import NO_DAYS

SOURCES = ("band1", "band2", "months", "open", "imported")  # in the order a table's parts union them


def sources(report: str, params: dict[str, Any]) -> frozenset[tuple[str, str]]:
    """(table, source) of every source of `report` that the read's `params` give rows to."""
    found = set()
    for table in rollup_sql.COMBINE[report].tables:
        given = {
            "band1": params["band1_first"] != NO_DAYS[0],
            "band2": params["band2_first"] != NO_DAYS[0],
            "months": rollup_sql.uses_months(report) and bool(params["month_sites"]),
            "open": bool(params[rollup_sql.open_param(table, "site_id")]),
            "imported": imported.joins(report, table) and bool(params.get(imported.param(table, "site_id"))),
        }
        found |= {(table, source) for source, rows in given.items() if rows}
    return frozenset(found)


def statement(report: str, params: dict[str, Any]) -> str:
    """The rollup read of `report` for these parameters (rollup_plan.closed_params, the open and imported lists)."""
    return _statement(report, sources(report, params))


@cache
def _statement(report: str, present: frozenset[tuple[str, str]]) -> str:
    return prelude.statement(set(), parts(report, present), rollup_sql.COMBINE[report].sql)


def parts(report: str, present: frozenset[tuple[str, str]] | None = None) -> list[str]:
    """`closed` and `closed_months` where read, then `parts_<table>`: the union of its `present` sources
    (every source when None). A table with none keeps its open days' lists, empty: the combine reads a relation
    of the table's columns either way."""
    unions = {}
    for table in rollup_sql.COMBINE[report].tables:
        branches = _branches(report, table)
        names = [s for s in SOURCES if s in branches and (present is None or (table, s) in present)] or ["open"]
        unions[table] = {s: branches[s] for s in names}
    used = {s for branches in unions.values() for s in branches}
    ctes = [rollup_sql.CLOSED] if used & {"band1", "band2"} else []
    ctes += [rollup_sql.CLOSED_MONTHS] if "months" in used else []
    ctes += [f"parts_{t} AS (\n" + "\nUNION ALL\n".join(b.values()) + "\n)" for t, b in unions.items()]
    return ctes


def _branches(report: str, table: str) -> dict[str, str]:
    branches = rollup_sql.stored_rows(report, table) | {"open": rollup_sql.given_rows(table)}
    if imported.joins(report, table):
        branches["imported"] = rollup_sql.given_rows(table).replace("$open_", "$imported_")
    return branches
