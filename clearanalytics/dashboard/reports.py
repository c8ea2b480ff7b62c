"""The dashboard's bridge to the stats engine: report names in URLs mapped to its functions.

The dashboard has no report SQL of its own. Each widget asks /dashboard/.../data/<name>
and gets exactly what the stats engine returns for the same Query the API would build,
so the numbers on screen and the numbers from the API cannot disagree. The names are the
engine's own (`clearanalytics.stats.REPORTS`), which are the API's paths after /stats/.
"""

from __future__ import annotations

from typing import Any

import duckdb

from clearanalytics import stats
from clearanalytics.stats.query import Query

REPORT_NAMES: tuple[str, ...] = tuple(stats.REPORTS)


class ReportUnavailable(LookupError):
    """The stats engine has no report of this name."""


def run_report(name: str, cur: duckdb.DuckDBPyConnection, query: Query) -> Any:
    if name not in stats.REPORTS:
        raise ReportUnavailable(name)
    return stats.run(name, cur, query)
