"""The dashboard's bridge to the stats engine: report names in URLs mapped to its functions.

The dashboard has no report SQL of its own. Each widget asks /dashboard/.../data/<name>
and gets exactly what the stats engine returns for the same Query the API would build,
so the numbers on screen and the numbers from the API cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from clearanalytics.stats.query import Query

Report = Callable[[duckdb.DuckDBPyConnection, Query], Any]


class ReportUnavailable(LookupError):
    """The stats engine does not (yet) answer this report."""


def _stats_reports() -> dict[str, Report]:
    """The engine's own name -> function table (`clearanalytics.stats.REPORTS`), the API's names."""
    from clearanalytics import stats

    return getattr(stats, "REPORTS", {})


REPORT_NAMES = (
    "overview",
    "timeseries",
    "pages",
    "referrers",
    "channels",
    "campaigns",
    "browsers",
    "operating-systems",
    "devices",
    "languages",
    "goals",
    "ecommerce/overview",
    "ecommerce/revenue-timeseries",
    "ecommerce/products",
    "ecommerce/funnel",
    "ecommerce/revenue-by-source",
)


def run_report(name: str, cur: duckdb.DuckDBPyConnection, query: Query) -> Any:
    report = _stats_reports().get(name)
    if report is None:
        raise ReportUnavailable(name)
    return report(cur, query)
