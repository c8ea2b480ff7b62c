"""Visitor and pageview reports: the row conversions the registry's records name, and current visitors.

The SQL (stats/rollup_sql.py, stats/sql/) counts; these functions turn a SQL row into the reference's row where the
two differ (a mean from a total, a rate from counts). Changes against the previous period and
zero-filled buckets are the runner's (stats/runner.py), declared per record in stats/registry.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb

from clearanalytics import storage
from clearanalytics.stats import engine
from clearanalytics.stats.query import Query, SiteRange

CHANNELS = ("direct", "organic", "social", "referral", "email", "paid")
CURRENT_WINDOW = timedelta(minutes=5)


def overview_row(row: dict[str, Any]) -> dict[str, Any]:
    """Bounce rate and mean session duration from the session counts."""
    return {
        "visitors": row["visitors"],
        "pageviews": row["pageviews"],
        "bounce_rate": engine.percent(row["bounces"], row["sessions"]),
        "avg_duration": engine.whole(row["total_duration"], row["sessions"]),
    }


def pages_row(row: dict[str, Any]) -> dict[str, Any]:
    """A path's mean engaged time from its total."""
    return {
        "pathname": row["pathname"],
        "visitors": row["visitors"],
        "pageviews": row["pageviews"],
        "avg_duration": engine.whole(row["total_duration"], row["pageviews"]),
    }


def scroll_row(row: dict[str, Any]) -> dict[str, Any]:
    """A path's mean scroll depth from the sum of its known depths."""
    return {"scroll_depth": engine.whole(row["total_scroll"], row["pageviews"])}


def channel_keys(_query: Query, found: set) -> list[str]:
    """All six channels, even unused ones (and any other the data holds)."""
    return sorted(set(CHANNELS) | found)


def current_visitors(cur: duckdb.DuckDBPyConnection, query: Query) -> int:
    """Unique visitors with a pageview in the five minutes up to the query's `now`."""
    start, end = query.now - CURRENT_WINDOW, query.now + timedelta(seconds=1)
    ranges = [SiteRange(s.id, s.timezone, start, end) for s in query.sites]
    return storage.run_report(cur, query, "current_visitors", ranges=ranges)[0]["visitors"]
