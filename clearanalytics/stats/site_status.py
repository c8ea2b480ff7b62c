"""Small per-site status reads for the dashboard and settings: has data arrived, is there e-commerce.

These are not reports over a period (those take a Query); they answer the questions the
dashboard asks before choosing what to show: the empty state with the tracking snippet,
the "verify installation" check, whether to show the e-commerce panels, and each goal's
all-time completion count in the goals settings.

The faces ask the event store (`EventStore.installation`, `EventStore.goal_completion_totals`);
the SQL here is the DuckDB store's, the ClickHouse store's is in storage/clickhouse_exports.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

INSTALLATION_SQL = """
SELECT
    (SELECT count(*) FROM pageviews WHERE site_id = $site_id) AS pageviews,
    (SELECT max(created_at) FROM pageviews WHERE site_id = $site_id) AS last_pageview_at,
    (SELECT count(*) FROM pageviews WHERE site_id = $site_id AND created_at >= $since) AS pageviews_24h,
    (SELECT count(*) FROM events WHERE site_id = $site_id) AS events,
    (SELECT count(*) FROM ecommerce_events WHERE site_id = $site_id) AS ecommerce_events
"""

GOAL_TOTALS_SQL = """
SELECT goal_id, count(*) FROM goal_completions WHERE list_contains($site_ids, site_id) GROUP BY goal_id
"""


@dataclass(frozen=True)
class Installation:
    """What has arrived for a site, ever and in the last 24 hours."""

    pageviews: int
    last_pageview_at: datetime | None
    pageviews_24h: int
    events: int
    ecommerce_events: int

    @property
    def has_data(self) -> bool:
        return self.pageviews > 0

    @property
    def has_ecommerce(self) -> bool:
        return self.ecommerce_events > 0


def installation(cur: duckdb.DuckDBPyConnection, site_id: str, now: datetime) -> Installation:
    row = cur.execute(INSTALLATION_SQL, {"site_id": site_id, "since": now - timedelta(hours=24)}).fetchone()
    return Installation(int(row[0]), row[1], int(row[2]), int(row[3]), int(row[4]))


def goal_completion_totals(cur: duckdb.DuckDBPyConnection, site_ids: list[str]) -> dict[str, int]:
    """Every completion each goal has ever had (the goals settings list; reports take a period)."""
    return {goal_id: int(n) for goal_id, n in cur.execute(GOAL_TOTALS_SQL, {"site_ids": site_ids}).fetchall()}
