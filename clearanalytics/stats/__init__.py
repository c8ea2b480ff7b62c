"""The stats engine: the one place where read queries live (API, MCP, dashboard and chat call it).

Usage: parse parameters into a Query once, then run a report of the registry with a read cursor:

    from clearanalytics import stats
    query = stats.parse_query({"period": "30d", "filter[page]": "/pricing"}, sites, now=now)
    stats.run("pages", cur, query)        # -> the API's `data` of /api/v1/stats/pages
    stats.REPORTS["pages"]                # -> its record: fields, shape, labels, faces
    stats.pages(cur, query)               # the same as stats.run("pages", ...), by the record's SQL name

The reports are the records of stats/registry.py. Every report takes (cursor, Query) and returns
JSON-ready values; none of them commits.
"""

from __future__ import annotations

from typing import Any

from clearanalytics.stats.conversions import goal_completions
from clearanalytics.stats.query import FILTER_DIMENSIONS, PERIODS, Filter, Query, QueryError, parse_limit, parse_query
from clearanalytics.stats.registry import BY_SQL, REPORTS
from clearanalytics.stats.report import Report
from clearanalytics.stats.traffic import CHANNELS, current_visitors


def run(name: str, cur, query: Query) -> Any:
    """Answer report `name` (a key of REPORTS) for `query`."""
    return REPORTS[name](cur, query)


def __getattr__(name: str) -> Report:
    """stats.<sql name>, e.g. stats.operating_systems(cur, query): the registry's record of that SQL (callable)."""
    if name in BY_SQL:
        return BY_SQL[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# What the registry cannot replace: the Query and its parsing, the filter and period lists, and the
# two answers that are not reports of a period (the last five minutes; one goal's completions).
__all__ = [
    "CHANNELS",
    "FILTER_DIMENSIONS",
    "PERIODS",
    "REPORTS",
    "Filter",
    "Query",
    "QueryError",
    "Report",
    "current_visitors",
    "goal_completions",
    "parse_limit",
    "parse_query",
    "run",
]
