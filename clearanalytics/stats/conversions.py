"""Goal reports: one goal's completions in a period, and every goal's conversion summary.

Goal definitions themselves (list_goals, get_goal) live in clearanalytics.goals; this module
only reads the completions that ingest recorded.
"""

from __future__ import annotations

from typing import Any

import duckdb

from clearanalytics import storage
from clearanalytics.goals import Goal, list_goals
from clearanalytics.stats import engine
from clearanalytics.stats.query import Query
from clearanalytics.timefmt import iso_utc


def goal_completions(cur: duckdb.DuckDBPyConnection, query: Query, goal: Goal) -> dict[str, Any]:
    """The newest `query.limit` completions of `goal` in the period, and how many there are in all.

    The query should hold the goal's own site, so that the period follows its timezone.
    """
    rows = storage.run_report(cur, query, "goal_completions", goal_id=goal.id)
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
        "meta": {
            "goal": {"id": goal.id, "name": goal.name, "type": goal.type},
            "total": rows[0]["total"] if rows else 0,
        },
    }


def goal_conversions(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    """Each goal of the query's sites with completions, unique converting visitors and conversion rate.

    conversion_rate = converting visitors / visitors of the goal's site in the period x 100.
    Ordered by completions descending, then name.
    """
    goals = list_goals(cur, query.site_ids)
    counts = {r["goal_id"]: r for r in storage.run_report(cur, query, "goal_conversions")}
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
