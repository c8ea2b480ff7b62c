"""The custom properties report: one property's values, and their conversion rate under a goal filter.

Why computed: the rows are one combine step (rollup_sql.COMBINE["properties"], from rollup_dims' `prop`
rows, so long periods read the daily rollups), but a conversion rate divides by the same values' visitors
without the goal filter, which is a second answer of the same report (narrowed to the values shown).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from clearanalytics import storage
from clearanalytics.stats import engine
from clearanalytics.stats.query import GOAL_FILTER, Query


def properties(cur: Any, query: Query) -> list[dict[str, Any]]:
    """Each value of `query.prop_name` with visitors and events, most visitors first.

    conversion_rate: null without a goal filter; with `filter[goal]=ID`, the visitors with the value in
    the goal's converting sessions (the rows' visitors) in % of the visitors with the value under the
    other filters, as the goals report divides converting visitors by visitors."""
    if query.prop_name is None:  # the API requires it (registry `required`); the dashboard asks for none yet
        return []
    rows = storage.run_report(cur, query, "properties", property=query.prop_name, values=None)
    if not any(f.dimension == GOAL_FILTER for f in query.filters):
        return [row | {"conversion_rate": None} for row in rows]
    if not rows:
        return []
    values = tuple(row["value"] for row in rows)
    base_query = replace(query, filters=tuple(f for f in query.filters if f.dimension != GOAL_FILTER), limit=len(rows))
    base = storage.run_report(cur, base_query, "properties", property=query.prop_name, values=values)
    visitors = {row["value"]: row["visitors"] for row in base}
    return [row | {"conversion_rate": engine.percent(row["visitors"], visitors.get(row["value"], 0))} for row in rows]
