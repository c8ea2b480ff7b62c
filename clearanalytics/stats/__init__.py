"""The stats engine: the one place where read queries live (API, MCP, dashboard and chat call it).

Usage: parse parameters into a Query once, then call a report with a read cursor:

    from clearanalytics import stats
    query = stats.parse_query({"period": "30d", "filter[page]": "/pricing"}, sites, now=now)
    stats.overview(cur, query)            # -> dict in the reference's shape
    stats.REPORTS["pages"](cur, query)    # -> list of rows, by the API's report name

Every function takes (cursor, Query) and returns JSON-ready values; none of them commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clearanalytics.stats.conversions import goal_completions, goal_conversions
from clearanalytics.stats.ecommerce import FUNNEL_STEPS, funnel, products, revenue_by_source, revenue_timeseries
from clearanalytics.stats.ecommerce import overview as ecommerce_overview
from clearanalytics.stats.query import (
    FILTER_DIMENSIONS,
    PERIODS,
    Filter,
    Query,
    QueryError,
    parse_limit,
    parse_query,
)
from clearanalytics.stats.traffic import (
    CHANNELS,
    browsers,
    campaigns,
    channels,
    current_visitors,
    devices,
    hours,
    languages,
    operating_systems,
    overview,
    pages,
    referrers,
    timeseries,
)

Report = Callable[..., Any]

# The API's report names (the path after /api/v1/stats/) mapped to their functions.
REPORTS: dict[str, Report] = {
    "overview": overview,
    "timeseries": timeseries,
    "pages": pages,
    "referrers": referrers,
    "browsers": browsers,
    "operating-systems": operating_systems,
    "devices": devices,
    "languages": languages,
    "campaigns": campaigns,
    "channels": channels,
    "hours": hours,
    "ecommerce/overview": ecommerce_overview,
    "ecommerce/revenue-timeseries": revenue_timeseries,
    "ecommerce/products": products,
    "ecommerce/funnel": funnel,
    "ecommerce/revenue-by-source": revenue_by_source,
    "goals": goal_conversions,
}


def run(name: str, cur, query: Query) -> Any:
    """Answer report `name` (a key of REPORTS) for `query`."""
    return REPORTS[name](cur, query)


__all__ = [
    "CHANNELS",
    "FILTER_DIMENSIONS",
    "FUNNEL_STEPS",
    "PERIODS",
    "REPORTS",
    "Filter",
    "Query",
    "QueryError",
    "browsers",
    "campaigns",
    "channels",
    "current_visitors",
    "devices",
    "ecommerce_overview",
    "funnel",
    "goal_completions",
    "goal_conversions",
    "hours",
    "languages",
    "operating_systems",
    "overview",
    "pages",
    "parse_limit",
    "parse_query",
    "products",
    "referrers",
    "revenue_by_source",
    "revenue_timeseries",
    "run",
    "timeseries",
]
