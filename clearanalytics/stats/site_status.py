"""Small per-site status reads for the dashboard: has data arrived, is there e-commerce, who is here now.

These are not reports over a period (those take a Query); they answer the questions the
dashboard asks before choosing what to show: the empty state with the tracking snippet,
the "verify installation" check, whether to show the e-commerce panels, and the live
"current visitors" count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

CURRENT_VISITORS_WINDOW = timedelta(minutes=5)

INSTALLATION_SQL = """
SELECT
    (SELECT count(*) FROM pageviews WHERE site_id = $site_id) AS pageviews,
    (SELECT max(created_at) FROM pageviews WHERE site_id = $site_id) AS last_pageview_at,
    (SELECT count(*) FROM pageviews WHERE site_id = $site_id AND created_at >= $since) AS pageviews_24h,
    (SELECT count(*) FROM events WHERE site_id = $site_id) AS events,
    (SELECT count(*) FROM ecommerce_events WHERE site_id = $site_id) AS ecommerce_events
"""

CURRENT_VISITORS_SQL = """
SELECT count(DISTINCT visitor_hash) FROM (
    SELECT visitor_hash FROM pageviews
    WHERE site_id = $site_id AND created_at >= $since AND created_at <= $now
    UNION ALL
    SELECT visitor_hash FROM events
    WHERE site_id = $site_id AND created_at >= $since AND created_at <= $now
)
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


def current_visitors(cur: duckdb.DuckDBPyConnection, site_id: str, now: datetime) -> int:
    """Distinct visitors with a pageview or event in the last five minutes."""
    row = cur.execute(
        CURRENT_VISITORS_SQL, {"site_id": site_id, "since": now - CURRENT_VISITORS_WINDOW, "now": now}
    ).fetchone()
    return int(row[0])
