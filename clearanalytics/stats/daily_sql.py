"""The daily rows of every rollup-able report: one query per rollup table, grouped by (site_id, day).

Each query reads the prelude's part relations (`dpv`, `dspv`, `dpurchases`, `dec`, `dgc`: see
stats/prelude.py) and writes its part keys as `{site}` and `{day}`, filled per grain from PART_KEYS.
The same text serves every grain: (site, local day) to fill the rollup tables for closed days and
to summarise the open days; for a live answer, only what the report's combine step groups by (the
local day or UTC hour of all sites together, the site, or nothing: the whole range). A report's
combine step (rollup_sql.COMBINE) sums the parts.

Why sums are exact: a visitor hash is keyed with a salt of the site's local calendar day and a
session belongs to one visitor hash, so no visitor, session or bounce is shared by two sites or two
local days (docs/METRICS.md). A distinct count over a period is therefore the sum of the daily
distinct counts; a part finer than a day (an hour) is exact when the combine groups by it, and a
part of the whole range is the plain distinct count itself.
"""

from __future__ import annotations

from dataclasses import dataclass

# The part keys per grain (prelude.GRAINS): what `{site}` and `{day}` stand for in a daily query.
# A constant is not a grouping key under GROUP BY ALL, so a whole-range answer groups by nothing but
# the report's own keys: as fast as a plain query over the raw events.
PART_KEYS: dict[str, tuple[str, str]] = {
    "day": ("site_id", "day"),
    "days": ("NULL::VARCHAR", "day"),
    "local": ("NULL::VARCHAR", "NULL::DATE"),
    "hour": ("NULL::VARCHAR", "day"),
    "site": ("site_id", "NULL::DATE"),
    "whole": ("NULL::VARCHAR", "NULL::DATE"),
}


@dataclass(frozen=True)
class Daily:
    """The daily query of one rollup table: rows per part from the prelude relations it reads.

    The text writes the part keys as `{site}` and `{day}` (filled from PART_KEYS, fixed fragments
    only) and groups with GROUP BY ALL."""

    reads: tuple[str, ...]
    sql: str

    def text(self, grain: str = "day") -> str:
        site, day = PART_KEYS[grain]
        return self.sql.replace("{site}", site).replace("{day}", day)


DAILY: dict[str, Daily] = {
    # A session's figures count on its day (dspv: all pageviews in range of the sessions with a
    # pageview matching the filters); it bounces with one pageview and no custom or e-commerce event.
    "totals": Daily(
        ("dpv", "dspv", "ev", "ec"),
        """
WITH sess AS (
    SELECT site_id, session_hash, {day} AS day, count(*) AS pageviews, sum(duration) AS duration
    FROM dspv GROUP BY ALL
),
active_sessions AS (
    SELECT site_id, session_hash FROM ev
    UNION
    SELECT site_id, session_hash FROM ec
),
sess_days AS (
    SELECT {site} AS site_id, {day} AS day, count(*) AS sessions,
           count(*) FILTER (WHERE s.pageviews = 1 AND a.session_hash IS NULL) AS bounces,
           sum(s.duration) AS total_duration
    FROM sess s LEFT JOIN active_sessions a USING (site_id, session_hash)
    GROUP BY ALL
),
pv_days AS (
    SELECT {site} AS site_id, {day} AS day, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
    FROM dpv GROUP BY ALL
)
SELECT p.site_id, p.day, p.visitors, p.pageviews, s.sessions, s.bounces, s.total_duration
FROM pv_days p JOIN sess_days s ON p.site_id IS NOT DISTINCT FROM s.site_id AND p.day IS NOT DISTINCT FROM s.day
""",
    ),
    # totals for reports that only read visitors and pageviews: no session pass at all.
    "totals_light": Daily(
        ("dpv",),
        """
SELECT {site} AS site_id, {day} AS day, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews,
       0 AS sessions, 0 AS bounces, 0 AS total_duration
FROM dpv GROUP BY ALL
""",
    ),
    # Site-currency purchases: revenue, transactions and the purchasers conversion_rate divides.
    "ecommerce": Daily(
        ("dpurchases",),
        """
SELECT {site} AS site_id, {day} AS day, coalesce(sum(value), 0) AS revenue, count(*) AS transactions,
       count(DISTINCT visitor_hash) AS purchasers
FROM dpurchases GROUP BY ALL
""",
    ),
    # ecommerce for reports that never read purchasers: no distinct count.
    "ecommerce_light": Daily(
        ("dpurchases",),
        """
SELECT {site} AS site_id, {day} AS day, coalesce(sum(value), 0) AS revenue, count(*) AS transactions,
       0 AS purchasers
FROM dpurchases GROUP BY ALL
""",
    ),
    # Hour of day (0-23) in each pageview's own site's timezone: needs local_time (grain day or local).
    "hours": Daily(
        ("dpv",),
        """
SELECT {site} AS site_id, {day} AS day, hour(local_time) AS hour,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM dpv GROUP BY ALL
""",
    ),
    # Unique visitors per e-commerce step (purchases only in the site currency).
    "funnel": Daily(
        ("dec",),
        """
SELECT {site} AS site_id, {day} AS day, event_type, count(DISTINCT visitor_hash) AS visitors
FROM dec
WHERE event_type IN ('view_item', 'add_to_cart', 'begin_checkout')
   OR (event_type = 'purchase' AND in_site_currency)
GROUP BY ALL
""",
    ),
    # Revenue (price x quantity), quantity and orders per item name, from the items JSON of
    # site-currency purchases. An item without a name is listed by its item_id; a missing quantity
    # counts as 1; unreadable items JSON is skipped rather than failing the report.
    "products": Daily(
        ("dpurchases",),
        """
WITH lines AS (
    SELECT {site} AS site_id, {day} AS day, id AS purchase_id,
           unnest(try(from_json(items,
               '[{"item_id": "VARCHAR", "item_name": "VARCHAR", "price": "DECIMAL(18,2)", "quantity": "BIGINT"}]'
           ))) AS item
    FROM dpurchases
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
    ),
    # Each purchase goes to the source of its session's entry pageview (the session's first
    # pageview, looked for from a day before the range): utm_source, else referrer_source, else
    # 'direct'. A purchase whose session has no pageview counts as direct.
    "sources": Daily(
        ("ranges", "purchases", "dpurchases"),
        """
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
SELECT {site} AS site_id, {day} AS day, coalesce(e.source, 'direct') AS source,
       sum(p.value) AS revenue, count(*) AS transactions
FROM dpurchases p
LEFT JOIN entries e USING (site_id, session_hash)
GROUP BY ALL
""",
    ),
    # Completions and unique converting visitors per goal (of sessions matching the filters).
    "goals": Daily(
        ("dgc",),
        """
SELECT {site} AS site_id, {day} AS day, goal_id, count(*) AS completions, count(DISTINCT visitor_hash) AS visitors
FROM dgc GROUP BY ALL
""",
    ),
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
    # where visitors are: a region row carries its country, a city row its country and region
    "country": ("country_code", "NULL", "NULL", "TRUE"),
    "region": ("country_code", "region", "NULL", "region IS NOT NULL"),
    "city": ("country_code", "region", "city", "city IS NOT NULL"),
}


# The rollup_dims breakdowns with a daily query of their own: dimension -> (the prelude relations it
# reads, its daily rows). Same columns as the others; what `pageviews` and `total_duration` hold is
# named per dimension.
# - scroll: v1 the path; visitors, pageviews and in `total_duration` the sum of scroll depths, all of the
#   pageviews with a known scroll depth (NULL: the tracker never reported one);
# - prop: v1 the custom property's name, v2 its value; visitors with a custom event carrying that pair,
#   and in `pageviews` those events (props are an object of string values: ingest/payload.py);
# - event_prop: v1 a custom event's name, v2 a property's name, v3 its value; visitors with an event of that
#   name carrying that pair, and in `pageviews` those events (the outbound links and file downloads panels:
#   `url` of `Outbound Link: Click` and `File Download`, stats/event_panels.py);
# - event_page: v1 a custom event's name, v2 the path it was sent from; visitors and, in `pageviews`, the
#   events (the 404 pages panel: the paths of `404` events, whatever props the site sends with them);
# - entry, exit: v1 the path of each session's first (last) pageview in range, ties by id; visitors, and
#   in `pageviews` the sessions entering (leaving) there. A session lies in one local day (its visitor hash
#   does), so these sum per (site, local day) like every other dimension; with filters they are the
#   entries and exits of the sessions the filters keep (dspv).
OWN_DIMENSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "scroll": (
        ("dpv",),
        """
SELECT {site} AS site_id, {day} AS day, 'scroll' AS dimension, pathname AS v1, NULL::VARCHAR AS v2, NULL::VARCHAR AS v3,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews, sum(scroll_depth) AS total_duration
FROM dpv WHERE scroll_depth IS NOT NULL
GROUP BY ALL
""",
    ),
    "prop": (
        ("dev",),
        """
SELECT {site} AS site_id, {day} AS day, 'prop' AS dimension, kv.key AS v1, kv.value AS v2, NULL::VARCHAR AS v3,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews, 0 AS total_duration
FROM (SELECT *, unnest(map_entries(json_transform(props, '"MAP(VARCHAR, VARCHAR)"'))) AS kv FROM dev) pairs
GROUP BY ALL
""",
    ),
    "event_prop": (
        ("dev",),
        """
SELECT {site} AS site_id, {day} AS day, 'event_prop' AS dimension, name AS v1, kv.key AS v2, kv.value AS v3,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews, 0 AS total_duration
FROM (SELECT *, unnest(map_entries(json_transform(props, '"MAP(VARCHAR, VARCHAR)"'))) AS kv FROM dev) pairs
GROUP BY ALL
""",
    ),
    "event_page": (
        ("dev",),
        """
SELECT {site} AS site_id, {day} AS day, 'event_page' AS dimension, name AS v1, pathname AS v2, NULL::VARCHAR AS v3,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews, 0 AS total_duration
FROM dev
GROUP BY ALL
""",
    ),
    **{
        name: (
            ("dspv",),
            f"""
SELECT {{site}} AS site_id, {{day}} AS day, '{name}' AS dimension, pathname AS v1, NULL::VARCHAR AS v2,
       NULL::VARCHAR AS v3, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews, 0 AS total_duration
FROM (
    SELECT * FROM dspv
    QUALIFY row_number() OVER (PARTITION BY site_id, session_hash ORDER BY created_at {order}, id {order}) = 1
) ends
GROUP BY ALL
""",
        )
        for name, order in (("entry", "ASC"), ("exit", "DESC"))
    },
}


def _dimension_daily(name: str, light: bool) -> str:
    """Visitors, pageviews and engaged time per value of one dimension (its columns from DIMENSIONS);
    `light`: visitors only (zeros for the others), for the reports that show nothing else."""
    if name in OWN_DIMENSIONS:
        return OWN_DIMENSIONS[name][1]
    v1, v2, v3, where = DIMENSIONS[name]
    values = ", ".join(f"{'NULL::VARCHAR' if v == 'NULL' else v} AS v{i}" for i, v in enumerate((v1, v2, v3), 1))
    measures = (
        "0 AS pageviews, 0 AS total_duration" if light else "count(*) AS pageviews, sum(duration) AS total_duration"
    )
    return f"""
SELECT {{site}} AS site_id, {{day}} AS day, '{name}' AS dimension, {values},
       count(DISTINCT visitor_hash) AS visitors, {measures}
FROM dpv WHERE {where}
GROUP BY ALL
"""


def daily(table: str, dimension: str | None = None, light: bool = False) -> Daily:
    """The daily query of `table`; for rollup_dims one dimension, or all of them (for a build)."""
    if table == "dims":
        names = [dimension] if dimension else [*DIMENSIONS, *OWN_DIMENSIONS]
        reads = sorted({r for n in names for r in (OWN_DIMENSIONS[n][0] if n in OWN_DIMENSIONS else ("dpv",))})
        return Daily(tuple(reads), "\nUNION ALL\n".join(_dimension_daily(n, light) for n in names))
    return DAILY[f"{table}_light" if light else table]
