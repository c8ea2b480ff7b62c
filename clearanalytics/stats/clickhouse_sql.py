"""The reports' daily rows in ClickHouse's dialect: the same relations and the same rows as prelude.py
and daily_sql.py, for the ClickHouse event store (storage/clickhouse_reports.py runs them).

Why a second text and not a translation: the two engines differ in what makes a query right, not
only in spelling (docs/STORAGE.md, "Reports on ClickHouse"). What differs here:

- Local time needs a constant time zone in ClickHouse (a per-row zone is refused, and
  `allow_nonconst_timezone_arguments` is silently wrong), so each site's zone is a parameter and a
  row's local day or hour is `multiIf(site_id = {s0}, toDate(created_at, {z0}), ...)`: one branch
  per site of the query, no clock table.
- Each site's range is a predicate on the sort key (site_id, created_at), so ClickHouse reads only
  the granules of those sites and times; there is no `ranges` join.
- A pageview's duration is the greatest of its own and its engagement rows' (engagement is appended,
  never updated: storage/clickhouse_store.py); only the daily queries that read `duration` join them.
- Part keys that a grain does not group by are constants ('' and 0) rather than NULL, so a JOIN on
  them matches without `IS NOT DISTINCT FROM`; the combine step (run in DuckDB on these rows by the
  store, the very text of rollup_sql.COMBINE) sets them back to NULL.
- Distinct counts are `uniqExact` (never `uniq`, which is approximate); counts are cast to Int64;
  a LEFT JOIN is run with `join_use_nulls = 1`, so a missing row is NULL as in DuckDB.

The part keys `{site}` and `{day}` work as in daily_sql.py: `{site}` is `site_id` at the grains that
group by site, else ''; every relation carries `day` (the local day, the UTC hour as epoch seconds,
or 0), and `{day}` is always that column.
"""

from __future__ import annotations

from clearanalytics.stats import session_filters
from clearanalytics.stats.daily_sql import DIMENSIONS

LOCAL_GRAINS = ("day", "days", "local")
SITE_KEY = {"day": "site_id", "site": "site_id"}  # other grains: ''
_TIME = "DateTime64(6, 'UTC')"


def range_predicate(count: int, alias: str = "", *, widen: bool = False) -> str:
    """Rows of the query's `count` sites inside their own ranges: `{s<i>}` from `{a<i>}` (or `{w<i>}`,
    a day earlier, when `widen`) up to `{b<i>}`. An empty query matches nothing."""
    col = f"{alias}." if alias else ""
    start = "w" if widen else "a"
    terms = [
        f"({col}site_id = {{s{i}:String}} AND {col}created_at >= {{{start}{i}:{_TIME}}}"
        f" AND {col}created_at < {{b{i}:{_TIME}}})"
        for i in range(count)
    ]
    return "(" + " OR ".join(terms) + ")" if terms else "0"


def local(function: str, count: int) -> str:
    """`function(created_at, zone)` in each row's own site's zone (a constant per branch)."""
    if count == 0:
        return f"{function}(created_at)"
    if count == 1:
        return f"{function}(created_at, {{z0:String}})"
    branches = ", ".join(
        f"site_id = {{s{i}:String}}, {function}(created_at, {{z{i}:String}})" for i in range(count - 1)
    )
    return f"multiIf({branches}, {function}(created_at, {{z{count - 1}:String}}))"


def day_column(grain: str, count: int) -> str:
    """The `day` every relation carries at `grain`: the local date, the UTC hour (epoch seconds), or 0."""
    if grain in ("day", "days"):
        return local("toDate", count)
    if grain == "hour":
        return "toInt64(toUnixTimestamp(toStartOfHour(created_at)))"
    return "0"


REFERRER_HOST = """multiIf(
        p.referrer IS NULL OR p.referrer = '' OR p.referrer_source = 'direct', NULL,
        p.referrer LIKE '%://%', lower(extract(p.referrer, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)')),
        p.referrer)"""


def relations(db: str, count: int, grain: str, predicate: str, engaged: bool) -> str:
    """`WITH` relations named as prelude.py's, for `count` sites at `grain`.

    pv/dpv: pageviews in range (with `referrer_host`, `day`, and the engaged duration when `engaged`);
    fpv: narrowed by the filters; spv/dspv: every pageview in range of the sessions with a pageview in
    fpv; ev, ec/dec, purchases/dpurchases, gc/dgc: custom, e-commerce and goal rows in range, of those
    sessions when filtered. ClickHouse inlines a CTE where it is read and never runs one nobody reads.
    """
    day = day_column(grain, count)
    filtered = predicate != "1"
    predicate = predicate.replace(session_filters.CH_EVENTS, f"{db}.events WHERE {range_predicate(count)}").replace(
        session_filters.CH_GOALS, f"{db}.goal_completions WHERE {range_predicate(count)}"
    )
    sessions = " AND (site_id, session_hash) IN (SELECT site_id, session_hash FROM fpv)" if filtered else ""
    duration = "greatest(p.duration, coalesce(e.duration, 0))" if engaged else "p.duration"
    # the greatest known scroll depth of the pageview's own and its engagement rows' (clickhouse_store._SCROLL)
    scroll = (
        "multiIf(e.scroll IS NULL, p.scroll_depth, p.scroll_depth IS NULL, e.scroll,"
        " greatest(p.scroll_depth, e.scroll))"
        if engaged
        else "p.scroll_depth"
    )
    engagement = (
        f"\n        LEFT JOIN (SELECT pageview_id, max(duration) AS duration, max(scroll_depth) AS scroll"
        f" FROM {db}.pageview_engagements"
        f" WHERE {range_predicate(count)} GROUP BY pageview_id) AS e ON e.pageview_id = p.id"
        if engaged
        else ""
    )
    pv = (
        f"SELECT p.* REPLACE ({duration} AS duration, {scroll} AS scroll_depth),"
        f" {REFERRER_HOST} AS referrer_host, {day} AS day\n"
        f"        FROM {db}.pageviews AS p{engagement}\n        WHERE {range_predicate(count, 'p')}"
    )

    def in_range(table: str) -> str:
        return f"SELECT *, {day} AS day FROM {db}.{table} WHERE {range_predicate(count)}{sessions}"

    parts = {
        "pv": pv,
        "fpv": f"SELECT * FROM pv WHERE {predicate}",
        "dpv": "SELECT * FROM fpv",
        "spv": "SELECT * FROM pv WHERE (site_id, session_hash) IN (SELECT site_id, session_hash FROM fpv)"
        if filtered
        else "SELECT * FROM pv",
        "dspv": "SELECT * FROM spv",
        "ev": in_range("events"),
        "ec": in_range("ecommerce_events"),
        "dec": "SELECT * FROM ec",
        "purchases": "SELECT * FROM ec WHERE event_type = 'purchase' AND in_site_currency",
        "dpurchases": "SELECT * FROM purchases",
        "gc": in_range("goal_completions"),
        "dgc": "SELECT * FROM gc",
    }
    return "WITH " + ",\n".join(f"{name} AS (\n        {sql}\n    )" for name, sql in parts.items())


# The daily queries of daily_sql.DAILY in ClickHouse's dialect; their rows: k_site, k_day, then the
# table's columns (rollup_sql.COLUMNS), renamed to site_id and day by the store.
DAILY: dict[str, str] = {
    "totals": """
SELECT p.k_site AS k_site, p.k_day AS k_day, p.visitors AS visitors, p.pageviews AS pageviews,
       s.sessions AS sessions, s.bounces AS bounces, s.total_duration AS total_duration
FROM (
    SELECT {site} AS k_site, day AS k_day, toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews
    FROM dpv GROUP BY k_site, k_day
) AS p
JOIN (
    SELECT {site} AS k_site, day AS k_day, toInt64(count()) AS sessions,
           toInt64(countIf(s_pageviews = 1 AND (site_id, session_hash) NOT IN (
               SELECT site_id, session_hash FROM ev UNION ALL SELECT site_id, session_hash FROM ec))) AS bounces,
           toInt64(sum(s_duration)) AS total_duration
    FROM (
        SELECT site_id, session_hash, day, count() AS s_pageviews, sum(duration) AS s_duration
        FROM dspv GROUP BY site_id, session_hash, day
    )
    GROUP BY k_site, k_day
) AS s ON p.k_site = s.k_site AND p.k_day = s.k_day
""",
    "totals_light": """
SELECT {site} AS k_site, day AS k_day, toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews,
       toInt64(0) AS sessions, toInt64(0) AS bounces, toInt64(0) AS total_duration
FROM dpv GROUP BY k_site, k_day
""",
    "ecommerce": """
SELECT {site} AS k_site, day AS k_day, coalesce(sum(value), toDecimal128(0, 2)) AS revenue,
       toInt64(count()) AS transactions, toInt64(uniqExact(visitor_hash)) AS purchasers
FROM dpurchases GROUP BY k_site, k_day
""",
    "ecommerce_light": """
SELECT {site} AS k_site, day AS k_day, coalesce(sum(value), toDecimal128(0, 2)) AS revenue,
       toInt64(count()) AS transactions, toInt64(0) AS purchasers
FROM dpurchases GROUP BY k_site, k_day
""",
    "hours": """
SELECT {site} AS k_site, day AS k_day, toInt32({hour}) AS hour,
       toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews
FROM dpv GROUP BY k_site, k_day, hour
""",
    "funnel": """
SELECT {site} AS k_site, day AS k_day, event_type, toInt64(uniqExact(visitor_hash)) AS visitors
FROM dec
WHERE event_type IN ('view_item', 'add_to_cart', 'begin_checkout') OR (event_type = 'purchase' AND in_site_currency)
GROUP BY k_site, k_day, event_type
""",
    # An item's price is read from its JSON text as a decimal (ingest writes numbers as Python's
    # json does), rounded half away from zero to cents; a missing quantity counts as 1; an item
    # without a name is listed by its item_id; unreadable JSON gives no items.
    "products": """
SELECT k_site, k_day, item_name, sum(p_revenue) AS revenue, sum(p_quantity) AS quantity, toInt64(count()) AS orders
FROM (
    SELECT k_site, k_day, item_name, purchase_id,
           sum(price * toDecimal128(quantity, 0)) AS p_revenue, sum(quantity) AS p_quantity
    FROM (
        SELECT {site} AS k_site, day AS k_day, id AS purchase_id,
               coalesce(nullIf(JSONExtract(item, 'item_name', 'Nullable(String)'), ''),
                        nullIf(JSONExtract(item, 'item_id', 'Nullable(String)'), '')) AS item_name,
               coalesce(toDecimal128(round(toDecimal128OrNull(JSONExtractRaw(item, 'price'), 10), 2), 2),
                        toDecimal128(0, 2)) AS price,
               coalesce(JSONExtract(item, 'quantity', 'Nullable(Int64)'), 1) AS quantity
        FROM dpurchases ARRAY JOIN JSONExtractArrayRaw(items) AS item
    )
    WHERE item_name IS NOT NULL
    GROUP BY k_site, k_day, item_name, purchase_id
)
GROUP BY k_site, k_day, item_name
""",
    "sources": """
SELECT {site} AS k_site, day AS k_day, coalesce(e.source, 'direct') AS source,
       sum(value) AS revenue, toInt64(count()) AS transactions
FROM dpurchases
LEFT JOIN (
    SELECT site_id, session_hash,
           argMin(coalesce(nullIf(utm_source, ''), nullIf(referrer_source, ''), 'direct'), (created_at, id)) AS source
    FROM {db}.pageviews
    WHERE {widened} AND (site_id, session_hash) IN (SELECT site_id, session_hash FROM purchases)
    GROUP BY site_id, session_hash
) AS e USING (site_id, session_hash)
GROUP BY k_site, k_day, source
""",
    "goals": """
SELECT {site} AS k_site, day AS k_day, goal_id, toInt64(count()) AS completions,
       toInt64(uniqExact(visitor_hash)) AS visitors
FROM dgc GROUP BY k_site, k_day, goal_id
""",
}

# The report bodies with no daily form (engine.SINGLE), over the relations above.
SINGLE: dict[str, str] = {
    "current_visitors": "SELECT toInt64(uniqExact(visitor_hash)) AS visitors FROM fpv",
    "goal_completions": """
SELECT id, goal_id, visitor_hash, pageview_id, created_at FROM gc
WHERE goal_id = {goal_id:String}
ORDER BY created_at DESC, id DESC
LIMIT {limit:UInt32}
""",
    # realtime (stats/realtime.py): DuckDB's stats/sql/realtime_*.sql, the same rows and order (bytewise ties)
    "realtime_minutes": """
SELECT intDiv(toUnixTimestamp64Micro(created_at) - toUnixTimestamp64Micro({window_start:DateTime64(6, 'UTC')}),
              60000000) AS minute,
       toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews
FROM fpv GROUP BY minute
""",
    "realtime_totals": "SELECT toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews FROM fpv",
    "realtime_pages": """
SELECT pathname, toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews
FROM fpv GROUP BY pathname
ORDER BY visitors DESC, pageviews DESC, pathname
LIMIT {limit:UInt32}
""",
    "realtime_sources": """
SELECT referrer_source AS source, toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews
FROM fpv GROUP BY source
ORDER BY visitors DESC, pageviews DESC, source
LIMIT {limit:UInt32}
""",
}


# daily_sql.OWN_DIMENSIONS in ClickHouse's dialect: a custom property's (name, value) pairs (also per event
# name), custom events per (name, path), and each session's first and last path (ties by id, as DuckDB's
# row_number orders them).
_NULL = "CAST(NULL AS Nullable(String))"
OWN_DAILY: dict[str, str] = {
    "scroll": f"""
SELECT {{site}} AS k_site, day AS k_day, 'scroll' AS dimension, pathname AS v1, {_NULL} AS v2, {_NULL} AS v3,
       toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews,
       toInt64(sum(scroll_depth)) AS total_duration
FROM dpv WHERE scroll_depth IS NOT NULL
GROUP BY k_site, k_day, v1, v2, v3
""",
    "prop": f"""
SELECT {{site}} AS k_site, day AS k_day, 'prop' AS dimension, kv.1 AS v1, kv.2 AS v2, {_NULL} AS v3,
       toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews, toInt64(0) AS total_duration
FROM ev ARRAY JOIN JSONExtractKeysAndValues(props, 'String') AS kv
GROUP BY k_site, k_day, v1, v2, v3
""",
    "event_prop": """
SELECT {site} AS k_site, day AS k_day, 'event_prop' AS dimension, name AS v1, kv.1 AS v2, kv.2 AS v3,
       toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews, toInt64(0) AS total_duration
FROM ev ARRAY JOIN JSONExtractKeysAndValues(props, 'String') AS kv
GROUP BY k_site, k_day, v1, v2, v3
""",
    "event_page": f"""
SELECT {{site}} AS k_site, day AS k_day, 'event_page' AS dimension, name AS v1, pathname AS v2, {_NULL} AS v3,
       toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews, toInt64(0) AS total_duration
FROM ev
GROUP BY k_site, k_day, v1, v2, v3
""",
    **{
        name: f"""
SELECT {{site}} AS k_site, day AS k_day, '{name}' AS dimension, v1, {_NULL} AS v2, {_NULL} AS v3,
       toInt64(uniqExact(visitor_hash)) AS visitors, toInt64(count()) AS pageviews, toInt64(0) AS total_duration
FROM (
    SELECT site_id, session_hash, any(day) AS day, any(visitor_hash) AS visitor_hash,
           {pick}(pathname, (created_at, id)) AS v1
    FROM dspv GROUP BY site_id, session_hash
)
GROUP BY k_site, k_day, v1, v2, v3
"""
        for name, pick in (("entry", "argMin"), ("exit", "argMax"))
    },
}


def dimension_daily(name: str, light: bool) -> str:
    """The rollup_dims rows of one dimension (daily_sql._dimension_daily's rule)."""
    if name in OWN_DAILY:
        return OWN_DAILY[name]
    v1, v2, v3, where = DIMENSIONS[name]
    values = ", ".join(
        f"{'CAST(NULL AS Nullable(String))' if v == 'NULL' else v} AS v{i}" for i, v in enumerate((v1, v2, v3), 1)
    )
    measures = (
        "toInt64(0) AS pageviews, toInt64(0) AS total_duration"
        if light
        else "toInt64(count()) AS pageviews, toInt64(sum(duration)) AS total_duration"
    )
    return f"""
SELECT {{site}} AS k_site, day AS k_day, '{name}' AS dimension, {values},
       toInt64(uniqExact(visitor_hash)) AS visitors, {measures}
FROM dpv WHERE {where}
GROUP BY k_site, k_day, v1, v2, v3
"""


def daily(table: str, *, dimension: str | None, light: bool, grain: str, count: int, db: str) -> str:
    """The daily query of `table` for a report, with its part keys and its site and zone branches filled."""
    if table == "dims":
        text = dimension_daily(dimension, light)
    else:
        text = DAILY[f"{table}_light" if light and f"{table}_light" in DAILY else table]
    return (
        text.replace("{site}", SITE_KEY.get(grain, "''"))
        .replace("{hour}", local("toHour", count))
        .replace("{widened}", range_predicate(count, widen=True))
        .replace("{db}", db)
    )


def compile_filters(query_filters) -> tuple[str, dict[str, str]]:
    """engine.compile_filters' predicate in ClickHouse's parameter syntax: allowlisted columns, bound values."""
    clauses, params = [], {}
    for index, flt in enumerate(query_filters):
        if flt.session:  # a custom property or a goal: stats/session_filters.py
            clause, bound = session_filters.clickhouse_clause(flt, index)
            clauses.append(clause)
            params |= bound
            continue
        column = flt.column
        if flt.value is None:
            clauses.append(f"{column} IS NULL")
        else:
            params[f"f{index}"] = flt.value
            clauses.append(f"{column} = {{f{index}:String}}")
    return (" AND ".join(clauses) or "1"), params
