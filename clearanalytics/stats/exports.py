"""Export queries: the raw rows of one table for the token's sites, a page at a time.

Each export page is one SQL statement whose select list comes from the table's column
definition (`clearanalytics.exports.columns`), restricted to the tenant's sites (so a
cursor of another tenant can never reach their rows), to each site's own date range
(resolved in the site's timezone by `stats.query`), to ids after the cursor, ordered by
id. The caller fetches the result in batches so that memory stays flat while it streams.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from clearanalytics.accounts import Site
from clearanalytics.db import utcnow
from clearanalytics.exports.columns import TABLES
from clearanalytics.stats.query import QueryError, SiteRange, parse_limit, parse_query, today_in

MAX_EXPORT_LIMIT = 10000
DEFAULT_DAYS_BACK = 30
MAX_CURSOR_LENGTH = 64
BATCH_SIZE = 1000
# Tables whose rows are events in time, exported for a date range; goals are exported whole.
TIMED_TABLES = ("pageviews", "goal_completions", "ecommerce_events")


@dataclass(frozen=True)
class ExportPage:
    """What to export: one table, the sites and their UTC ranges, the cursor and the page size."""

    table: str
    site_ids: tuple[str, ...]
    ranges: tuple[SiteRange, ...]  # empty for goals
    cursor: str | None
    limit: int


def parse_export(
    table: str, params: Mapping[str, str], sites: Sequence[Site], now: datetime | None = None
) -> ExportPage:
    """Validate from/to/cursor/limit; `from` defaults to 30 days ago and `to` to today, per site."""
    now = now or utcnow()
    limit = parse_limit(params.get("limit"), default=MAX_EXPORT_LIMIT, maximum=MAX_EXPORT_LIMIT)
    cursor = params.get("cursor") or None
    if cursor is not None and (len(cursor) > MAX_CURSOR_LENGTH or not cursor.isprintable()):
        raise QueryError("cursor", "The cursor field must be the id of the last row of the previous page.")
    ranges: list[SiteRange] = []
    if table in TIMED_TABLES:
        # Validate the dates even for a tenant without sites, against the UTC calendar.
        for site in list(sites) or [None]:
            today = today_in(site, now) if site else now.date()
            window = {
                "from": params.get("from") or (today - timedelta(days=DEFAULT_DAYS_BACK)).isoformat(),
                "to": params.get("to") or today.isoformat(),
            }
            query = parse_query(window, [site] if site else [], now=now)
            if site is not None:
                ranges.append(query.range_for(site))
    return ExportPage(table, tuple(s.id for s in sites), tuple(ranges), cursor, limit)


def select_list(table: str) -> str:
    """The table's exported columns in definition order; `domain` comes from the site."""
    return ", ".join("s.domain AS domain" if c.name == "domain" else f"t.{c.name}" for c in TABLES[table])


def _where(page: ExportPage) -> tuple[str, list]:
    """The tenant's sites (each in its own UTC range for timed tables) and the cursor."""
    params: list = []
    if not page.site_ids:
        where = ["FALSE"]
    elif page.table in TIMED_TABLES:
        one_site = "(t.site_id = ? AND t.created_at >= ? AND t.created_at < ?)"
        where = ["(" + " OR ".join(one_site for _ in page.ranges) + ")"]
        for r in page.ranges:
            params += [r.site_id, r.start, r.end]
    else:
        where = ["list_contains(?, t.site_id)"]
        params.append(list(page.site_ids))
    if page.cursor is not None:
        where.append("t.id > ?")
        params.append(page.cursor)
    return " AND ".join(where), params


def export_sql(page: ExportPage) -> tuple[str, list]:
    """The page's rows in id order.

    The page's last id is found first from the id column alone, then the full rows up to it
    are read: sorting whole rows to keep the first 10000 of millions costs several times more
    than sorting ids (measured on 2 million pageviews), while the second scan is cut short by
    DuckDB's min/max index on the ever-increasing ULIDs.
    """
    where, params = _where(page)
    sql = (
        f"WITH page_end AS (SELECT max(id) AS id FROM "
        f"(SELECT t.id FROM {page.table} t WHERE {where} ORDER BY t.id LIMIT ?)) "
        f"SELECT {select_list(page.table)} FROM {page.table} t JOIN sites s ON s.id = t.site_id "
        f"WHERE {where} AND t.id <= (SELECT id FROM page_end) ORDER BY t.id LIMIT ?"
    )
    return sql, params + [page.limit] + params + [page.limit]


def run_export(cur: duckdb.DuckDBPyConnection, page: ExportPage) -> duckdb.DuckDBPyConnection:
    """Execute the page's query on `cur` (which the caller owns and closes) and return it."""
    sql, params = export_sql(page)
    cur.execute(sql, params)
    names = [d[0] for d in cur.description]
    expected = [c.name for c in TABLES[page.table]]
    if names != expected:  # the definition and the SQL must never drift apart
        raise RuntimeError(f"export columns {names} differ from the definition {expected}")
    return cur


def batches(cur: duckdb.DuckDBPyConnection, size: int = BATCH_SIZE) -> Iterator[list[tuple]]:
    """The executed result, `size` rows at a time."""
    while rows := cur.fetchmany(size):
        yield rows
