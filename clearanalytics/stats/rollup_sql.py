"""The SQL of the daily rollups: how one local day is summarised, and how days are added back up.

Each rollup table has a *daily* query, written against the relations of engine.PRELUDE (so it
shares the raw reports' definitions of range, timezone, referrer host, purchases...) and grouped
by (site_id, local day). The same daily query fills the rollup tables for closed days and
summarises the open days on the fly, so both halves of an answer are computed the same way.

Each report served from rollups has a *combine* query that reads `parts_<table>` (stored rows of
closed days UNION ALL daily rows of open days) and returns exactly the columns, order and limit
of the report's raw SQL in sql/<report>.sql.

Why sums are exact: a visitor hash is keyed with a salt of the site's local calendar day, and a
session belongs to one visitor hash, so no visitor, session or bounce is shared by two days; the
distinct counts of a period are the sums of the daily distinct counts (docs/METRICS.md).
"""

from __future__ import annotations

# Local day of e-commerce events and goal completions, from the prelude's quarter-hour `clock`.
_LOCAL = "e.created_at + to_seconds(c.offset_seconds) AS local_time"
_CLOCK_JOIN = "JOIN clock c ON e.site_id = c.site_id AND epoch_us(e.created_at) // 900000000 = c.quarter"

DAILY: dict[str, str] = {
    "totals": """
WITH sess AS (
    SELECT site_id, session_hash, local_time::DATE AS day, count(*) AS pageviews, sum(duration) AS duration
    FROM lpv GROUP BY site_id, session_hash, day
),
active_sessions AS (
    SELECT site_id, session_hash FROM ev
    UNION
    SELECT site_id, session_hash FROM ec
),
sess_days AS (
    SELECT s.site_id, s.day, count(*) AS sessions,
           count(*) FILTER (WHERE s.pageviews = 1 AND a.session_hash IS NULL) AS bounces,
           sum(s.duration) AS total_duration
    FROM sess s LEFT JOIN active_sessions a ON s.site_id = a.site_id AND s.session_hash = a.session_hash
    GROUP BY s.site_id, s.day
),
pv_days AS (
    SELECT site_id, local_time::DATE AS day, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
    FROM lpv GROUP BY site_id, day
)
SELECT p.site_id, p.day, p.visitors, p.pageviews, s.sessions, s.bounces, s.total_duration
FROM pv_days p JOIN sess_days s ON p.site_id = s.site_id AND p.day = s.day
""",
    # totals for reports that only read visitors and pageviews: no session pass over the open days.
    "totals_light": """
SELECT site_id, local_time::DATE AS day, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews,
       0 AS sessions, 0 AS bounces, 0 AS total_duration
FROM lpv GROUP BY site_id, day
""",
    # ecommerce for reports that never read purchasers: no distinct count over the open days.
    "ecommerce_light": """
SELECT site_id, local_time::DATE AS day, coalesce(sum(value), 0) AS revenue, count(*) AS transactions,
       0 AS purchasers
FROM lpurchases GROUP BY site_id, day
""",
    "hours": """
SELECT site_id, local_time::DATE AS day, hour(local_time) AS hour,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM lpv GROUP BY site_id, day, hour(local_time)
""",
    # {dimension}, {v1}, {v2}, {v3}, {where}, {group} come from DIMENSIONS.
    "dims": """
SELECT site_id, local_time::DATE AS day, '{dimension}' AS dimension, {v1} AS v1, {v2} AS v2, {v3} AS v3,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews, sum(duration) AS total_duration
FROM lpv WHERE {where}
GROUP BY site_id, day{group}
""",
    "ecommerce": """
SELECT site_id, local_time::DATE AS day, coalesce(sum(value), 0) AS revenue, count(*) AS transactions,
       count(DISTINCT visitor_hash) AS purchasers
FROM lpurchases GROUP BY site_id, day
""",
    "funnel": f"""
WITH lec AS (SELECT e.*, {_LOCAL} FROM ec e {_CLOCK_JOIN})
SELECT site_id, local_time::DATE AS day, event_type, count(DISTINCT visitor_hash) AS visitors
FROM lec
WHERE event_type IN ('view_item', 'add_to_cart', 'begin_checkout')
   OR (event_type = 'purchase' AND in_site_currency)
GROUP BY site_id, day, event_type
""",
    "products": """
WITH lines AS (
    SELECT site_id, local_time::DATE AS day, id AS purchase_id,
           unnest(try(from_json(items,
               '[{"item_id": "VARCHAR", "item_name": "VARCHAR", "price": "DECIMAL(18,2)", "quantity": "BIGINT"}]'
           ))) AS item
    FROM lpurchases
),
named AS (
    SELECT site_id, day, purchase_id,
           coalesce(nullif(item.item_name, ''), nullif(item.item_id, '')) AS item_name,
           coalesce(item.price, 0) AS price,
           coalesce(item.quantity, 1) AS quantity
    FROM lines
)
-- per purchase first, then count them: the same as count(DISTINCT purchase_id), without the
-- distinct aggregate's extra hash tables and join (a third of the open days' cost at 10 M)
SELECT site_id, day, item_name, sum(revenue) AS revenue, sum(quantity) AS quantity, count(*) AS orders
FROM (
    SELECT site_id, day, item_name, purchase_id, sum(price * quantity) AS revenue, sum(quantity) AS quantity
    FROM named
    WHERE item_name IS NOT NULL
    GROUP BY site_id, day, item_name, purchase_id
) per_purchase
GROUP BY site_id, day, item_name
""",
    "sources": """
WITH session_pageviews AS (
    SELECT p.site_id, p.session_hash, p.utm_source, p.referrer_source, p.created_at, p.id
    FROM pageviews p
    JOIN ranges r ON p.site_id = r.site_id
    SEMI JOIN purchases s ON p.site_id = s.site_id AND p.session_hash = s.session_hash
    WHERE p.created_at >= r.range_start - INTERVAL 1 DAY AND p.created_at < r.range_end
      AND p.created_at >= $scan_from - INTERVAL 1 DAY AND p.created_at < $scan_to
),
entries AS (
    SELECT site_id, session_hash,
           coalesce(nullif(utm_source, ''), nullif(referrer_source, ''), 'direct') AS source
    FROM session_pageviews
    QUALIFY row_number() OVER (PARTITION BY site_id, session_hash ORDER BY created_at, id) = 1
)
SELECT p.site_id, p.local_time::DATE AS day, coalesce(e.source, 'direct') AS source,
       sum(p.value) AS revenue, count(*) AS transactions
FROM lpurchases p
LEFT JOIN entries e ON p.site_id = e.site_id AND p.session_hash = e.session_hash
GROUP BY p.site_id, day, coalesce(e.source, 'direct')
""",
    "goals": f"""
WITH completions AS (
    SELECT e.*, {_LOCAL}
    FROM goal_completions e
    JOIN ranges r ON e.site_id = r.site_id
    {_CLOCK_JOIN}
    WHERE e.created_at >= r.range_start AND e.created_at < r.range_end
      AND e.created_at >= $scan_from AND e.created_at < $scan_to
)
SELECT site_id, local_time::DATE AS day, goal_id, count(*) AS completions, count(DISTINCT visitor_hash) AS visitors
FROM completions GROUP BY site_id, day, goal_id
""",
}

# The rollup_dims breakdowns: report dimension -> (v1, v2, v3, which pageviews count).
DIMENSIONS: dict[str, tuple[str, str, str, str]] = {
    "page": ("pathname", "NULL", "NULL", "TRUE"),
    "referrer": ("referrer_source", "referrer_host", "NULL", "TRUE"),
    "channel": ("channel", "NULL", "NULL", "TRUE"),
    "campaign": (
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_source IS NOT NULL OR utm_medium IS NOT NULL OR utm_campaign IS NOT NULL",
    ),
    "browser": ("browser", "NULL", "NULL", "TRUE"),
    "os": ("os", "NULL", "NULL", "TRUE"),
    "device": ("device_type", "NULL", "NULL", "TRUE"),
    "language": ("language", "NULL", "NULL", "TRUE"),
    "hostname": ("hostname", "NULL", "NULL", "TRUE"),
}

# Which family of rollup_days a table belongs to: a goal backfill only invalidates "goals".
TABLE_KIND = {
    "totals": "traffic",
    "hours": "traffic",
    "dims": "traffic",
    "ecommerce": "ecommerce",
    "funnel": "ecommerce",
    "products": "ecommerce",
    "sources": "ecommerce",
    "goals": "goals",
}
KINDS = ("traffic", "ecommerce", "goals")


# Reports whose combine query reads only visitors and pageviews from parts_totals.
LIGHT_TOTALS = {"timeseries", "site_visitors", "ecommerce_overview"}
# Reports whose combine query reads only revenue and transactions from parts_ecommerce.
LIGHT_ECOMMERCE = {"revenue_timeseries"}


def daily(table: str, dimension: str | None = None) -> str:
    """The daily query of `table`; for rollup_dims one dimension, or all of them (for a build)."""
    if table != "dims":
        return DAILY[table]
    names = [dimension] if dimension else list(DIMENSIONS)
    parts = []
    for name in names:
        v1, v2, v3, where = DIMENSIONS[name]
        group = "".join(f", {v}" for v in (v1, v2, v3) if v != "NULL")
        sql = DAILY["dims"].format(dimension=name, v1=v1, v2=v2, v3=v3, where=where, group=group)
        parts.append(sql.replace("NULL AS", "NULL::VARCHAR AS"))
    return "\nUNION ALL\n".join(parts)


def _single(dimension: str, column: str) -> str:
    return f"""
SELECT v1 AS {column}, sum(visitors) AS visitors FROM parts_dims WHERE dimension = '{dimension}'
GROUP BY v1
ORDER BY visitors DESC, {column} ASC NULLS LAST
LIMIT $limit
"""


# report name (as in sql/<name>.sql) -> (tables it reads, dims dimension or None, combine query).
COMBINE: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "overview": (
        ("totals",),
        None,
        """
SELECT coalesce(sum(visitors), 0) AS visitors, coalesce(sum(pageviews), 0) AS pageviews,
       coalesce(sum(sessions), 0) AS sessions, coalesce(sum(bounces), 0) AS bounces,
       coalesce(sum(total_duration), 0) AS total_duration
FROM parts_totals
""",
    ),
    "timeseries": (
        ("totals",),
        None,
        "SELECT day AS bucket, sum(visitors) AS visitors, sum(pageviews) AS pageviews FROM parts_totals GROUP BY day",
    ),
    "site_visitors": (
        ("totals",),
        None,
        "SELECT site_id, sum(visitors) AS visitors FROM parts_totals GROUP BY site_id",
    ),
    "hours": (
        ("hours",),
        None,
        "SELECT hour, sum(visitors) AS visitors, sum(pageviews) AS pageviews FROM parts_hours GROUP BY hour",
    ),
    "pages": (
        ("dims",),
        "page",
        """
SELECT v1 AS pathname, sum(visitors) AS visitors, sum(pageviews) AS pageviews, sum(total_duration) AS total_duration
FROM parts_dims WHERE dimension = 'page'
GROUP BY v1
ORDER BY pageviews DESC, pathname ASC
LIMIT $limit
""",
    ),
    "referrers": (
        ("dims",),
        "referrer",
        """
SELECT v1 AS referrer_source, v2 AS referrer, sum(visitors) AS visitors
FROM parts_dims WHERE dimension = 'referrer'
GROUP BY v1, v2
ORDER BY visitors DESC, referrer_source ASC, referrer ASC NULLS FIRST
LIMIT $limit
""",
    ),
    "channels": (
        ("dims",),
        "channel",
        """
SELECT v1 AS channel, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'channel' GROUP BY v1
""",
    ),
    "campaigns": (
        ("dims",),
        "campaign",
        """
SELECT v1 AS utm_source, v2 AS utm_medium, v3 AS utm_campaign, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'campaign'
GROUP BY v1, v2, v3
ORDER BY visitors DESC, utm_source ASC NULLS LAST, utm_medium ASC NULLS LAST, utm_campaign ASC NULLS LAST
LIMIT $limit
""",
    ),
    "browsers": (("dims",), "browser", _single("browser", "browser")),
    "operating_systems": (("dims",), "os", _single("os", "os")),
    "devices": (("dims",), "device", _single("device", "device_type")),
    "languages": (("dims",), "language", _single("language", "language")),
    "hostnames": (
        ("dims",),
        "hostname",
        """
SELECT v1 AS hostname, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'hostname'
GROUP BY v1
ORDER BY visitors DESC, pageviews DESC, hostname ASC NULLS LAST
LIMIT $limit
""",
    ),
    "ecommerce_overview": (
        ("totals", "ecommerce"),
        None,
        """
SELECT
    (SELECT coalesce(sum(visitors), 0) FROM parts_totals) AS visitors,
    (SELECT coalesce(sum(revenue), 0) FROM parts_ecommerce) AS revenue,
    (SELECT coalesce(sum(transactions), 0) FROM parts_ecommerce) AS transactions,
    (SELECT coalesce(sum(purchasers), 0) FROM parts_ecommerce) AS purchasers
""",
    ),
    "revenue_timeseries": (
        ("ecommerce",),
        None,
        """
SELECT day AS bucket, sum(revenue) AS revenue, sum(transactions) AS transactions
FROM parts_ecommerce GROUP BY day
""",
    ),
    "funnel": (
        ("funnel",),
        None,
        "SELECT event_type, sum(visitors) AS visitors FROM parts_funnel GROUP BY event_type",
    ),
    "products": (
        ("products",),
        None,
        """
SELECT item_name, sum(revenue) AS revenue, sum(quantity) AS quantity, sum(orders) AS orders
FROM parts_products
GROUP BY item_name
ORDER BY revenue DESC, item_name ASC
LIMIT $limit
""",
    ),
    "revenue_by_source": (
        ("sources",),
        None,
        """
SELECT source, sum(revenue) AS revenue, sum(transactions) AS transactions
FROM parts_sources
GROUP BY source
ORDER BY revenue DESC, source ASC
LIMIT $limit
""",
    ),
    "goal_conversions": (
        ("goals",),
        None,
        """
WITH counted AS (
    SELECT goal_id, sum(completions) AS completions, sum(visitors) AS visitors FROM parts_goals GROUP BY goal_id
)
SELECT g.id AS goal_id, coalesce(c.completions, 0) AS completions, coalesce(c.visitors, 0) AS visitors
FROM goals g
LEFT JOIN counted c ON c.goal_id = g.id
WHERE list_contains($query_sites::VARCHAR[], g.site_id)
""",
    ),
}

# Rollup table -> its stored columns after (site_id, day), in table order, with their SQL types
# (the open days' rows are cast to them; a test compares them with the tables).
_STORED: dict[str, tuple[tuple[str, str], ...]] = {
    "totals": (("visitors", "BIGINT"), ("pageviews", "BIGINT"), ("sessions", "BIGINT"), ("bounces", "BIGINT"),
               ("total_duration", "BIGINT")),
    "hours": (("hour", "INTEGER"), ("visitors", "BIGINT"), ("pageviews", "BIGINT")),
    "dims": (("dimension", "VARCHAR"), ("v1", "VARCHAR"), ("v2", "VARCHAR"), ("v3", "VARCHAR"),
             ("visitors", "BIGINT"), ("pageviews", "BIGINT"), ("total_duration", "BIGINT")),
    "ecommerce": (("revenue", "DECIMAL(38,2)"), ("transactions", "BIGINT"), ("purchasers", "BIGINT")),
    "funnel": (("event_type", "VARCHAR"), ("visitors", "BIGINT")),
    "products": (("item_name", "VARCHAR"), ("revenue", "DECIMAL(38,2)"), ("quantity", "HUGEINT"),
                 ("orders", "BIGINT")),
    "sources": (("source", "VARCHAR"), ("revenue", "DECIMAL(38,2)"), ("transactions", "BIGINT")),
    "goals": (("goal_id", "VARCHAR"), ("completions", "BIGINT"), ("visitors", "BIGINT")),
}  # fmt: skip
COLUMNS: dict[str, tuple[str, ...]] = {t: tuple(name for name, _ in cols) for t, cols in _STORED.items()}
TYPES: dict[str, tuple[str, ...]] = {t: tuple(sql_type for _, sql_type in cols) for t, cols in _STORED.items()}

CLOSED = """
closed AS (
    SELECT unnest($closed_sites::VARCHAR[]) AS site_id,
           unnest($closed_from::DATE[]) AS day_from,
           unnest($closed_to::DATE[]) AS day_to
)"""


def open_days(table: str, dimension: str | None, light: bool = False) -> str:
    """The open days' rows of `table`, summarised from raw events (a body for engine.PRELUDE)."""
    columns = ", ".join(("site_id", "day") + COLUMNS[table])
    return f"SELECT {columns} FROM ({DAILY[f'{table}_light'] if light else daily(table, dimension)}) open_days"


def open_param(table: str, column: str) -> str:
    return f"open_{table}_{column}"


def parts(table: str, dimension: str | None, light: bool, open_given: bool) -> str:
    """`parts_<table>`: stored rows of the closed days, then the open days' rows: summarised from raw
    events in this statement, or (`open_given`) passed as parameters, read earlier by `open_days`."""
    names = ("site_id", "day") + COLUMNS[table]
    stored_columns = ", ".join(f"x.{c}" for c in names)
    if open_given:
        types = ("VARCHAR", "DATE") + TYPES[table]
        params = zip(names, types, strict=True)
        open_rows = "SELECT " + ", ".join(f"unnest(${open_param(table, c)}::{t}[]) AS {c}" for c, t in params)
    else:
        open_rows = open_days(table, dimension, light)
    narrow = f" AND x.dimension = '{dimension}'" if dimension else ""
    return f"""
parts_{table} AS (
    SELECT {stored_columns} FROM rollup_{table} x
    JOIN closed k ON x.site_id = k.site_id AND x.day BETWEEN k.day_from AND k.day_to{narrow}
    UNION ALL
    {open_rows}
)"""


def light_tables(report: str) -> set[str]:
    """The tables whose open days `report` reads in their light form (without distinct counts it never shows)."""
    light = {"totals"} if report in LIGHT_TOTALS else set()
    return light | ({"ecommerce"} if report in LIGHT_ECOMMERCE else set())


def combined(report: str, open_given: bool) -> str:
    """The report body for engine.PRELUDE: parts of every table it needs, then the combine query."""
    tables, dimension, final = COMBINE[report]
    light = light_tables(report)
    ctes = ",".join([CLOSED] + [parts(t, dimension if t == "dims" else None, t in light, open_given) for t in tables])
    final = final.strip()
    if final.startswith("WITH "):  # the combine query's own CTEs join the list
        return f"WITH {ctes},\n{final[5:]}"
    return f"WITH {ctes}\n{final}"
