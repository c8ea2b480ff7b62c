"""Goal reports: one goal's completions in a period, and every goal's conversion summary.

Goal definitions themselves (list_goals, get_goal) live in clearanalytics.goals; this module
only reads the completions that ingest recorded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import duckdb

from clearanalytics import storage
from clearanalytics.goals import Goal, list_goals
from clearanalytics.stats import engine
from clearanalytics.stats.query import Query
from clearanalytics.timefmt import iso_utc

# How far back from the end of the period the newest completions are looked for, widening until a
# page is full: a list page usually comes from the last day, and DuckDB skips the older row groups.
NEWEST_WINDOWS = (timedelta(days=1), timedelta(days=7), timedelta(days=31))


def goal_completions(cur: duckdb.DuckDBPyConnection, query: Query, goal: Goal) -> dict[str, Any]:
    """The newest `query.limit` completions of `goal` in the period, and how many there are in all.

    The query should hold the goal's own site, so that the period follows its timezone. Filters do
    not apply (a completion list is of the goal, not of a segment). The total is the goal's count in
    the conversions report (answered from the daily rollups), so the whole period is never scanned
    for it; the rows are looked for newest first (NEWEST_WINDOWS).
    """
    query = replace(query, filters=())
    counts = storage.run_report(cur, query, "goal_conversions", **goal_params(list_goals(cur, query.site_ids)))
    total = next((r["completions"] for r in counts if r["goal_id"] == goal.id), 0)
    rows = _newest(cur, query, goal, min(total, query.limit))
    return {
        "data": [
            {
                "id": r["id"],
                "goal_id": r["goal_id"],
                "visitor_hash": r["visitor_hash"],
                "pageview_id": r["pageview_id"],
                "created_at": iso_utc(r["created_at"]),
            }
            for r in rows
        ],
        "meta": {"goal": {"id": goal.id, "name": goal.name, "type": goal.type}, "total": total},
    }


def _newest(cur: duckdb.DuckDBPyConnection, query: Query, goal: Goal, wanted: int) -> list[dict[str, Any]]:
    """The newest `query.limit` completions: from the last day of each site's range, then the last
    week, month, and the whole range, until `wanted` are found. Exact: when a window holds `wanted`
    rows, every row outside it is older than all of them."""
    if wanted <= 0:
        return []
    whole = query.ranges()
    for window in (*NEWEST_WINDOWS, None):
        ranges = whole if window is None else [replace(r, start=max(r.start, r.end - window)) for r in whole]
        rows = storage.run_report(cur, query, "goal_completions", goal_id=goal.id, ranges=ranges)
        if len(rows) >= wanted or ranges == whole:
            return rows
    return rows


def goal_params(goals: list[Goal]) -> dict[str, tuple[str, ...]]:
    """The goals of the conversions report as its parameters: the goals are the accounts side's, so the
    event side's statement takes them as values instead of reading `goals` (tuples: the answer's key)."""
    return {"goal_ids": tuple(g.id for g in goals), "goal_sites": tuple(g.site_id for g in goals)}


def goal_conversions(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    """Each goal of the query's sites with completions, unique converting visitors and conversion rate.

    conversion_rate = converting visitors / visitors of the goal's site in the period x 100.
    Ordered by completions descending, then name.
    """
    goals = list_goals(cur, query.site_ids)
    counts = {r["goal_id"]: r for r in storage.run_report(cur, query, "goal_conversions", **goal_params(goals))}
    visitors_by_site = {r["site_id"]: r["visitors"] for r in storage.run_report(cur, query, "site_visitors")}
    rows = []
    for goal in goals:
        found = counts.get(goal.id, {"completions": 0, "visitors": 0})
        site_visitors = visitors_by_site.get(goal.site_id, 0)
        rows.append(
            {
                "id": goal.id,
                "name": goal.name,
                "type": goal.type,
                "is_active": goal.is_active,
                "completions": found["completions"],
                "visitors": found["visitors"],
                "conversion_rate": engine.percent(found["visitors"], site_visitors),
            }
        )
    return sorted(rows, key=lambda r: (-r["completions"], r["name"], r["id"]))
