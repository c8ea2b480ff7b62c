"""Whether a period-over-period change means anything: how much of each period has data.

A fresh install (or the demo) has a previous period with one day of data, and "+16102.5%" against
it says nothing. The dashboard shows a change only when the previous period is comparable; this
counts, for the current and the previous period, the buckets (days, or hours for 24h) that hold at
least one pageview, from the same daily rows the timeseries reads, on either event store.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from clearanalytics.stats.query import Query
from clearanalytics.stats.registry import REPORTS

# The previous period counts as comparable when it has data on at least this share of as many
# buckets as the current one: a half-empty previous period already doubles every figure's change.
COMPARABLE_SHARE = 0.5


def _buckets_with_data(cur: Any, query: Query) -> int:
    rows = REPORTS["timeseries"](cur, replace(query, interval="hour" if query.hourly else "day"))
    return sum(1 for row in rows if row["pageviews"] > 0)


def coverage(cur: Any, query: Query) -> dict[str, Any]:
    """Buckets with data now and before, and whether the *_change figures compare like with like."""
    now, before = _buckets_with_data(cur, query), _buckets_with_data(cur, query.previous())
    unit = "hour" if query.hourly else "day"
    return {
        "unit": unit,
        "buckets": len(query.buckets()),
        "with_data": now,
        "previous_with_data": before,
        "comparable": before > 0 and before >= now * COMPARABLE_SHARE,
    }
