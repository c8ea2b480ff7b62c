"""The ClickHouse store's reads outside the reports: the raw exports and the site status counts.

Why apart from clickhouse_store: these are the faces' plain reads (the export stream, the dashboard's
"has data arrived" and goal totals), not the store's write path or lifecycle; ClickHouseEventStore
takes them in as a mixin (`ClickHouseReads`).

The export keeps DuckDB's promise byte for byte (stats/exports.py): the same rows (the tenant's
sites, each in its own UTC range, ids after the cursor), in the same order (id, bytewise in both
engines), in the same chunks; ClickHouse reads each chunk and the Python encoders write its text
(`stats.exports.encoded_text`), the encoders DuckDB's own text is held to (tests/test_export_speed.py).
Pageviews carry their engagement rows folded in by the rule `engaged_pageviews` uses (the greatest
duration, the greatest known scroll depth), the engagement rows read for the chunk's pageviews only.
`goals` are the accounts side's (`stats.exports.accounts_text`).

No snapshot: ClickHouse has no transactions, so the chunks of a page are separate reads. A row
stored meanwhile with an id past the last chunk read can appear in the page, as it would on the
next page; no row appears twice and none is skipped that was stored before the page began.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from clearanalytics.exports.columns import TABLES
from clearanalytics.storage.clickhouse_schema import ENGAGEMENTS

if TYPE_CHECKING:
    from clearanalytics.stats.exports import ExportPage
    from clearanalytics.stats.site_status import Installation

_T = "DateTime64(6, 'UTC')"  # every time parameter names its zone: the server's own never applies
# A chunk is `ORDER BY id LIMIT n` over the page's ranges: with these, ClickHouse (the versions that have
# them; chdb 26.9 does) keeps the heap's bound as a filter while it reads, so rows past it are never
# sorted, as DuckDB's Top-N does. Off by default for a String key and above 1,000 rows. On chdb 26.9 over
# 3 M pageviews a 5,000-row chunk took 0.05-0.14 s instead of 0.25-0.42 s, the same rows. A server that
# does not know them gets none (`_export_top_k`): an unknown setting would fail the query.
TOP_K_SETTINGS = ("use_top_k_dynamic_filtering", "use_top_k_dynamic_filtering_for_variable_length_types")
TOP_K_LIMIT = "query_plan_max_limit_for_top_k_optimization"  # set to the chunk's size (stats.exports.CHUNK_ROWS)


def _where(page: ExportPage, after: str | None, id_column: str = "id") -> tuple[str, dict[str, Any]]:
    """The sites, each in its UTC range (and the union of the ranges as plain bounds, which the sort key
    (site_id, created_at) uses), and the ids after `after`."""
    params: dict[str, Any] = {
        "sites": [r.site_id for r in page.ranges],
        "lo": min(r.start for r in page.ranges),
        "hi": max(r.end for r in page.ranges),
    }
    one_site = []
    for i, r in enumerate(page.ranges):
        one_site.append(f"(site_id = {{s{i}:String}} AND created_at >= {{a{i}:{_T}}} AND created_at < {{b{i}:{_T}}})")
        params |= {f"s{i}": r.site_id, f"a{i}": r.start, f"b{i}": r.end}
    where = (
        f"site_id IN {{sites:Array(String)}} AND created_at >= {{lo:{_T}}} AND created_at < {{hi:{_T}}} "
        f"AND ({' OR '.join(one_site)})"
    )
    if after is not None:
        where += f" AND {id_column} > {{after:String}}"
        params["after"] = after
    return where, params


def chunk_sql(database: str, page: ExportPage, after: str | None, limit: int) -> tuple[str, dict[str, Any]]:
    """The next `limit` rows of a timed table after `after`, in id order, in the export's column order
    (`site_id` where the export has `domain`); pageviews with their engagement rows folded in."""
    from clearanalytics.storage.clickhouse_store import _DURATION, _SCROLL  # engaged_pageviews' rule

    where, params = _where(page, after)
    params["n"] = int(limit)
    names = ["site_id" if c.name == "domain" else c.name for c in TABLES[page.table]]
    chunk = f"SELECT * FROM {database}.{page.table} WHERE {where} ORDER BY id LIMIT {{n:UInt32}}"
    if page.table != "pageviews":
        return f"SELECT {', '.join(names)} FROM ({chunk}) ORDER BY id", params
    engaged = {"duration": f"{_DURATION} AS duration", "scroll_depth": f"{_SCROLL} AS scroll_depth"}
    select = ", ".join(engaged.get(name, f"p.{name}") for name in names)
    e_where, _ = _where(page, after, "pageview_id")
    sql = (
        f"WITH chunk AS ({chunk}) SELECT {select} FROM chunk AS p LEFT JOIN ("
        f"SELECT pageview_id, max(duration) AS duration, max(scroll_depth) AS scroll FROM {database}.{ENGAGEMENTS} "
        f"WHERE {e_where} AND pageview_id IN (SELECT id FROM chunk) GROUP BY pageview_id"
        ") AS e ON e.pageview_id = p.id ORDER BY p.id SETTINGS join_use_nulls = 1"
    )
    return sql, params


class ClickHouseReads:
    """export_text, installation and goal_completion_totals of ClickHouseEventStore (see the seam's
    docstrings in clearanalytics.storage). Uses the store's `client`, `db` (its database) and `accounts`;
    its own helpers are named `_export_*`, so that no method of the store shadows them."""

    client: Any
    db: str
    accounts: Any

    def _export_read(self, sql: str, params: dict[str, Any], settings: dict[str, Any] | None = None) -> list[tuple]:
        return self.client.query(sql, parameters=params, settings=settings).result_rows

    def _export_top_k(self, limit: int) -> dict[str, Any]:
        """The top-k settings that this server knows (clickhouse-connect reads system.settings on connecting)."""
        known = getattr(self.client, "server_settings", None) or {}
        wanted = dict.fromkeys(TOP_K_SETTINGS, 1) | {TOP_K_LIMIT: max(int(limit), 1)}
        return {name: value for name, value in wanted.items() if name in known}

    def _export_chunk(self, page: ExportPage, domains: dict[str, str], after: str | None, limit: int) -> list[tuple]:
        if not page.ranges:
            return []
        rows = self._export_read(*chunk_sql(self.db, page, after, limit), settings=self._export_top_k(limit))
        return [(row[0], domains[row[1]], *row[2:]) for row in rows]

    def export_text(self, page: ExportPage, fmt: str, *, cur: Any = None) -> Iterator[str]:
        from clearanalytics.stats import exports

        if page.table not in exports.TIMED_TABLES:
            yield from exports.accounts_text(self.accounts, page, fmt)
            return
        if page.domains is None:
            with self.accounts.reading() as accounts:
                domains = exports.site_domains(page, accounts)
        else:
            domains = exports.site_domains(page, None)
        yield from exports.encoded_text(page, fmt, lambda after, limit: self._export_chunk(page, domains, after, limit))

    def installation(self, site_id: str, now: datetime, *, cur: Any = None) -> Installation:
        from clearanalytics.stats.site_status import Installation

        db = self.db
        (row,) = self._export_read(
            f"SELECT count(), maxOrNull(created_at), countIf(created_at >= {{since:{_T}}}), "
            f"(SELECT count() FROM {db}.events WHERE site_id = {{s:String}}), "
            f"(SELECT count() FROM {db}.ecommerce_events WHERE site_id = {{s:String}}) "
            f"FROM {db}.pageviews WHERE site_id = {{s:String}}",
            {"s": site_id, "since": now - timedelta(hours=24)},
        )
        return Installation(int(row[0]), row[1], int(row[2]), int(row[3]), int(row[4]))

    def goal_completion_totals(self, site_ids: Iterable[str], *, cur: Any = None) -> dict[str, int]:
        rows = self._export_read(
            f"SELECT goal_id, count() FROM {self.db}.goal_completions WHERE site_id IN {{sites:Array(String)}} "
            "GROUP BY goal_id",
            {"sites": sorted(site_ids)},
        )
        return {goal_id: int(n) for goal_id, n in rows}
