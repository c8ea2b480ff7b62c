"""Visitor and pageview reports: overview, time series, pages, sources, technology, campaigns.

Each function takes a read cursor and a Query and returns plain JSON-ready values in the
reference's shapes (the API wraps them in {"data": ...}). All of them honour Query.filters.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb

from clearanalytics.stats import engine
from clearanalytics.stats.query import Query, SiteRange

CHANNELS = ("direct", "organic", "social", "referral", "email", "paid")
CURRENT_WINDOW = timedelta(minutes=5)


def _overview_values(cur: duckdb.DuckDBPyConnection, query: Query) -> dict[str, Any]:
    row = engine.run_one(cur, query, "overview")
    return {
        "visitors": row["visitors"],
        "pageviews": row["pageviews"],
        "sessions": row["sessions"],
        "bounce_rate": engine.percent(row["bounces"], row["sessions"]),
        "avg_duration": engine.whole(row["total_duration"], row["sessions"]),
    }


def overview(cur: duckdb.DuckDBPyConnection, query: Query) -> dict[str, Any]:
    """Visitors, pageviews, bounce rate and mean session duration, each with its change."""
    now, before = _overview_values(cur, query), _overview_values(cur, query.previous())
    return {
        "visitors": now["visitors"],
        "pageviews": now["pageviews"],
        "bounce_rate": now["bounce_rate"],
        "avg_duration": now["avg_duration"],
        "visitors_change": engine.relative_change(now["visitors"], before["visitors"]),
        "pageviews_change": engine.relative_change(now["pageviews"], before["pageviews"]),
        "bounce_rate_change": engine.point_change(now["bounce_rate"], before["bounce_rate"]),
        "avg_duration_change": engine.relative_change(now["avg_duration"], before["avg_duration"]),
    }


def timeseries(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    """Visitors and pageviews per day (per hour for 24h), every bucket present."""
    found = {r["bucket"]: r for r in engine.run(cur, query, "timeseries", bucket=True)}
    return [
        {
            "date": bucket,
            "visitors": found[bucket]["visitors"] if bucket in found else 0,
            "pageviews": found[bucket]["pageviews"] if bucket in found else 0,
        }
        for bucket in query.buckets()
    ]


def pages(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return [
        {
            "pathname": r["pathname"],
            "visitors": r["visitors"],
            "pageviews": r["pageviews"],
            "avg_duration": engine.whole(r["total_duration"], r["pageviews"]),
        }
        for r in engine.run(cur, query, "pages")
    ]


def referrers(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return engine.run(cur, query, "referrers")


def browsers(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return engine.run(cur, query, "browsers")


def operating_systems(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return engine.run(cur, query, "operating_systems")


def devices(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return engine.run(cur, query, "devices")


def languages(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return engine.run(cur, query, "languages")


def campaigns(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return engine.run(cur, query, "campaigns")


def channels(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    """All six channels with visitors and pageviews (zeros included), most visitors first."""
    found = {r["channel"]: r for r in engine.run(cur, query, "channels")}
    rows = [
        {
            "channel": name,
            "visitors": found[name]["visitors"] if name in found else 0,
            "pageviews": found[name]["pageviews"] if name in found else 0,
        }
        for name in sorted(set(CHANNELS) | set(found))
    ]
    return sorted(rows, key=lambda r: (-r["visitors"], r["channel"]))


def hours(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    """Visitors and pageviews by hour of day 0-23 in each site's timezone, all 24 present.

    A visitor seen at 9:00 on two days counts on both days but once per hour of day.
    """
    found = {r["hour"]: r for r in engine.run(cur, query, "hours")}
    return [
        {
            "hour": hour,
            "visitors": found[hour]["visitors"] if hour in found else 0,
            "pageviews": found[hour]["pageviews"] if hour in found else 0,
        }
        for hour in range(24)
    ]


def current_visitors(cur: duckdb.DuckDBPyConnection, query: Query) -> int:
    """Unique visitors with a pageview in the five minutes up to the query's `now`."""
    start, end = query.now - CURRENT_WINDOW, query.now + timedelta(seconds=1)
    ranges = [SiteRange(s.id, s.timezone, start, end) for s in query.sites]
    return engine.run_one(cur, query, "current_visitors", ranges=ranges)["visitors"]
