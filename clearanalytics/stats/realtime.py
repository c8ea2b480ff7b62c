"""Realtime: the last 30 minutes of a site (or of all the token's sites), for the dashboard's live view.

Visitors and pageviews per UTC minute (30 buckets, the current minute last, zero-filled), the window's
unique visitors and pageviews, the current visitors (the five-minute rule of `traffic.current_visitors`,
the same figure as the dashboard's live counter), and the window's top pages and sources. Nothing here
sums by day, so each part is a SINGLE report (engine.SINGLE: stats/sql/realtime_*.sql on DuckDB,
clickhouse_sql.SINGLE on ClickHouse) over the window's ranges, which both stores answer alike.

The window is whole UTC minutes: from the start of the minute 29 minutes before `now`'s to the end of
`now`'s minute, so that a refresh within a minute shows the same buckets, and minute labels read the
same in every timezone (a zone 30 or 45 minutes off UTC still has whole UTC minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clearanalytics import storage
from clearanalytics.stats import traffic
from clearanalytics.stats.query import Query, SiteRange
from clearanalytics.stats.report import TYPES, Field, Report

MINUTES = 30


def window(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the realtime window for `now`: the 30 whole UTC minutes ending with now's."""
    current = now.replace(second=0, microsecond=0)
    return current - timedelta(minutes=MINUTES - 1), current + timedelta(minutes=1)


def minute_label(start: datetime, index: int) -> str:
    return (start + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:00Z")


def realtime(cur: Any, query: Query) -> dict[str, Any]:
    """The realtime `data` for `query` (its sites, filters, limit and `now`; its period is not used)."""
    start, end = window(query.now)
    ranges = [SiteRange(s.id, s.timezone, start, end) for s in query.sites]

    def run(report: str) -> list[dict[str, Any]]:
        return storage.run_report(cur, query, report, ranges=ranges, window_start=start)

    per_minute = {int(row["minute"]): row for row in run("realtime_minutes")}
    totals = run("realtime_totals")[0]
    return {
        "current_visitors": traffic.current_visitors(cur, query),
        "visitors": int(totals["visitors"]),
        "pageviews": int(totals["pageviews"]),
        "minutes": [
            {
                "minute": minute_label(start, i),
                "visitors": int(per_minute[i]["visitors"]) if i in per_minute else 0,
                "pageviews": int(per_minute[i]["pageviews"]) if i in per_minute else 0,
            }
            for i in range(MINUTES)
        ],
        "pages": [_counts(row, "pathname") for row in run("realtime_pages")],
        "sources": [_counts(row, "source") for row in run("realtime_sources")],
    }


def _counts(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {key: row[key], "visitors": int(row["visitors"]), "pageviews": int(row["pageviews"])}


def _list(key: str, description: str, key_text: str) -> dict[str, Any]:
    counts = {"visitors": dict(TYPES["int"]), "pageviews": dict(TYPES["int"])}
    return {
        "type": "array",
        "description": description,
        "items": {
            "type": "object",
            "properties": {key: {"type": "string", "description": key_text}} | counts,
            "required": [key, "visitors", "pageviews"],
            "additionalProperties": False,
        },
    }


FIELDS = (
    Field("current_visitors", "int", "Unique visitors with a pageview in the last five minutes."),
    Field("visitors", "int", "Unique visitors of the last 30 minutes."),
    Field("pageviews", "int", "Pageviews of the last 30 minutes."),
)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {f.name: f.schema() for f in FIELDS}
    | {
        "minutes": _list(
            "minute",
            "The last 30 UTC minutes, oldest first, the current one last; zeros included.",
            "The minute's start, such as 2026-02-18T14:22:00Z.",
        )  # fmt: skip
        | {"minItems": MINUTES, "maxItems": MINUTES},
        "pages": _list("pathname", "Pages of the last 30 minutes, most visitors first.", "The page's path."),
        "sources": _list(
            "source",
            "Referrer sources of the last 30 minutes, most visitors first.",
            "Search engine name, or the channel (social, email, referral, direct).",
        ),  # fmt: skip
    },
    "required": [*(f.name for f in FIELDS), "minutes", "pages", "sources"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class RealtimeReport(Report):
    """The realtime record: its `data` is one object with lists inside (a registry row is flat), so its own schema."""

    def data_schema(self) -> dict[str, Any]:
        import copy

        return copy.deepcopy(SCHEMA)
