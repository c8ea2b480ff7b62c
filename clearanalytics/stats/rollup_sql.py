"""One definition per rollup-able report: its daily rows (daily_sql.py) and ONE combine step over them.

Each report's combine query reads `parts_<table>` for every table it declares and returns the
report's columns, order and limit. The parts are where the two paths differ, and only there:

- from rollups (stats/rollups.py): the stored rows of the closed days UNION ALL the open days' rows,
  computed live by the same daily query at the day grain (or passed back as parameters, kept since
  the last write);
- live (filtered queries, the 24h period, `rollups.raw_only()`, periods without a closed day, or a
  rollup failure in production): every part computed by the same daily query over the query's
  ranges, at the grain the combine needs (prelude.GRAINS, daily_sql.PART_KEYS).

Reports with no additive daily form stay one plain SQL file in sql/ (engine.SINGLE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clearanalytics.stats import daily_sql, location_sql
from clearanalytics.stats.daily_sql import DAILY, Daily, daily  # noqa: F401  (the daily side)

# Every rollup_dims dimension, the pageview columns' and the sessions' (custom properties, entry and exit
# pages): the builds (rollup_build.py, ClickHouse's retained rows) fill one statement per name.
DIMENSIONS: tuple[str, ...] = (*daily_sql.DIMENSIONS, *daily_sql.OWN_DIMENSIONS)


@dataclass(frozen=True)
class Combine:
    """How one report adds its parts up.

    `tables`: the rollup tables whose parts it reads; `dimension`: the rollup_dims breakdown;
    `grain`: "whole" (sums over the whole range and all sites), "site" (per site), "local" (the
    whole range, reading local time: hours of day) or "bucket" (groups by `day` as the time bucket:
    the local day, or the UTC hour for 24h);
    `light`: tables read in their light form (without the distinct counts the report never shows).
    """

    tables: tuple[str, ...]
    sql: str
    dimension: str | None = None
    grain: str = "whole"
    light: frozenset[str] = field(default_factory=frozenset)


def _single(dimension: str, column: str) -> Combine:
    sql = f"""
SELECT v1 AS {column}, sum(visitors) AS visitors FROM parts_dims WHERE dimension = '{dimension}'
GROUP BY v1
ORDER BY visitors DESC, {column} ASC NULLS LAST
LIMIT $limit
"""
    return Combine(("dims",), sql, dimension, light=frozenset({"dims"}))


COMBINE: dict[str, Combine] = {
    # visitors, pageviews, sessions, bounces and total session duration (a session counts when it
    # has a pageview matching the filters; its pageviews and duration then cover all of them in range)
    "overview": Combine(
        ("totals",),
        """
SELECT coalesce(sum(visitors), 0) AS visitors, coalesce(sum(pageviews), 0) AS pageviews,
       coalesce(sum(sessions), 0) AS sessions, coalesce(sum(bounces), 0) AS bounces,
       coalesce(sum(total_duration), 0) AS total_duration
FROM parts_totals
""",
    ),
    "timeseries": Combine(
        ("totals",),
        "SELECT day AS bucket, sum(visitors) AS visitors, sum(pageviews) AS pageviews FROM parts_totals GROUP BY day",
        grain="bucket",
        light=frozenset({"totals"}),
    ),
    # the denominator of each goal's conversion rate
    "site_visitors": Combine(
        ("totals",),
        "SELECT site_id, sum(visitors) AS visitors FROM parts_totals GROUP BY site_id",
        grain="site",
        light=frozenset({"totals"}),
    ),
    "hours": Combine(
        ("hours",),
        "SELECT hour, sum(visitors) AS visitors, sum(pageviews) AS pageviews FROM parts_hours GROUP BY hour",
        grain="local",
    ),
    # top paths by pageviews; total_duration / pageviews is the path's mean engaged time
    "pages": Combine(
        ("dims",),
        """
SELECT v1 AS pathname, sum(visitors) AS visitors, sum(pageviews) AS pageviews, sum(total_duration) AS total_duration
FROM parts_dims WHERE dimension = 'page'
GROUP BY v1
ORDER BY pageviews DESC, pathname ASC
LIMIT $limit
""",
        "page",
    ),
    # visitors per (referrer_source, referring host); the host is NULL for direct traffic
    "referrers": Combine(
        ("dims",),
        """
SELECT v1 AS referrer_source, v2 AS referrer, sum(visitors) AS visitors
FROM parts_dims WHERE dimension = 'referrer'
GROUP BY v1, v2
ORDER BY visitors DESC, referrer_source ASC, referrer ASC NULLS FIRST
LIMIT $limit
""",
        "referrer",
        light=frozenset({"dims"}),
    ),
    "channels": Combine(
        ("dims",),
        """
SELECT v1 AS channel, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'channel' GROUP BY v1
""",
        "channel",
    ),
    # tagged traffic only
    "campaigns": Combine(
        ("dims",),
        """
SELECT v1 AS utm_source, v2 AS utm_medium, v3 AS utm_campaign, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'campaign'
GROUP BY v1, v2, v3
ORDER BY visitors DESC, utm_source ASC NULLS LAST, utm_medium ASC NULLS LAST, utm_campaign ASC NULLS LAST
LIMIT $limit
""",
        "campaign",
    ),
    "browsers": _single("browser", "browser"),
    "operating_systems": _single("os", "os"),
    "devices": _single("device", "device_type"),
    "languages": _single("language", "language"),
    "hostnames": Combine(
        ("dims",),
        """
SELECT v1 AS hostname, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'hostname'
GROUP BY v1
ORDER BY visitors DESC, pageviews DESC, hostname ASC NULLS LAST
LIMIT $limit
""",
        "hostname",
    ),
    # where visitors are: countries, regions, cities (stats/location_sql.py)
    **{name: Combine(("dims",), sql, dimension) for name, (sql, dimension) in location_sql.COMBINE.items()},
    # One custom property's values: visitors with an event carrying the value, and those events; $values
    # (a list, or NULL for all) narrows to given values (stats/properties.py: the conversion rate's base).
    "properties": Combine(
        ("dims",),
        """
SELECT v2 AS value, sum(visitors) AS visitors, sum(pageviews) AS events
FROM parts_dims
WHERE dimension = 'prop' AND v1 = $property
  AND ($values::VARCHAR[] IS NULL OR list_contains($values::VARCHAR[], v2))
GROUP BY v2
ORDER BY visitors DESC, events DESC, value ASC
LIMIT $limit
""",
        "prop",
    ),
    # The property picker's names: events carrying each, summed over its values (one value per event, so
    # exact); no visitors, which the per-value rows would count once per value.
    "property_names": Combine(
        ("dims",),
        """
SELECT v1 AS property, sum(pageviews) AS events FROM parts_dims WHERE dimension = 'prop'
GROUP BY v1 ORDER BY events DESC, property ASC LIMIT $limit
""",
        "prop",
    ),
    # Ready-made panels: `url` values of one tracker event (static/tracker/*.js), the paths of `404` events.
    **{
        sql: Combine(
            ("dims",),
            f"""
SELECT {value} AS {column}, sum(visitors) AS visitors, sum(pageviews) AS events
FROM parts_dims WHERE dimension = '{dimension}' AND v1 = '{event}'{narrow}
GROUP BY {value}
ORDER BY visitors DESC, events DESC, {column} ASC
LIMIT $limit
""",
            dimension,
        )
        for sql, dimension, event, narrow, value, column in (
            ("outbound_links", "event_prop", "Outbound Link: Click", " AND v2 = 'url'", "v3", "url"),
            ("file_downloads", "event_prop", "File Download", " AND v2 = 'url'", "v3", "url"),
            ("not_found_pages", "event_page", "404", "", "v2", "pathname"),
        )
    },
    # pageviews with a known scroll depth, their visitors and the sum of their depths (in total_duration)
    "scroll_depth": Combine(
        ("dims",),
        """
SELECT v1 AS pathname, sum(visitors) AS visitors, sum(pageviews) AS pageviews, sum(total_duration) AS total_scroll
FROM parts_dims WHERE dimension = 'scroll'
GROUP BY v1
ORDER BY pageviews DESC, pathname ASC
LIMIT $limit
""",
        "scroll",
    ),
    # the first (last) pageview of each session: sessions and their visitors per path
    **{
        f"{name}_pages": Combine(
            ("dims",),
            f"""
SELECT v1 AS pathname, sum(visitors) AS visitors, sum(pageviews) AS {count}
FROM parts_dims WHERE dimension = '{name}'
GROUP BY v1
ORDER BY {count} DESC, visitors DESC, pathname ASC
LIMIT $limit
""",
            name,
        )
        for name, count in (("entry", "entries"), ("exit", "exits"))
    },
    # revenue and transactions of site-currency purchases, and the visitors conversion_rate divides
    # (purchasers over visitors with a pageview)
    "ecommerce_overview": Combine(
        ("totals", "ecommerce"),
        """
SELECT
    (SELECT coalesce(sum(visitors), 0) FROM parts_totals) AS visitors,
    (SELECT coalesce(sum(revenue), 0) FROM parts_ecommerce) AS revenue,
    (SELECT coalesce(sum(transactions), 0) FROM parts_ecommerce) AS transactions,
    (SELECT coalesce(sum(purchasers), 0) FROM parts_ecommerce) AS purchasers
""",
        light=frozenset({"totals"}),
    ),
    "revenue_timeseries": Combine(
        ("ecommerce",),
        """
SELECT day AS bucket, sum(revenue) AS revenue, sum(transactions) AS transactions
FROM parts_ecommerce GROUP BY day
""",
        grain="bucket",
        light=frozenset({"ecommerce"}),
    ),
    "funnel": Combine(
        ("funnel",),
        "SELECT event_type, sum(visitors) AS visitors FROM parts_funnel GROUP BY event_type",
    ),
    "products": Combine(
        ("products",),
        """
SELECT item_name, sum(revenue) AS revenue, sum(quantity) AS quantity, sum(orders) AS orders
FROM parts_products
GROUP BY item_name
ORDER BY revenue DESC, item_name ASC
LIMIT $limit
""",
    ),
    "revenue_by_source": Combine(
        ("sources",),
        """
SELECT source, sum(revenue) AS revenue, sum(transactions) AS transactions
FROM parts_sources
GROUP BY source
ORDER BY revenue DESC, source ASC
LIMIT $limit
""",
    ),
    # every goal of the query's sites, with zeros for those without completions. The goals (id, site)
    # are the accounts side's, passed as $goal_ids and $goal_sites (conversions.goal_params); without
    # them (NULL, engine.GOALS_UNKNOWN) only the goals with completions, which is all the events know.
    "goal_conversions": Combine(
        ("goals",),
        """
WITH counted AS (
    SELECT goal_id, sum(completions) AS completions, sum(visitors) AS visitors FROM parts_goals GROUP BY goal_id
)
SELECT g.id AS goal_id, coalesce(c.completions, 0) AS completions, coalesce(c.visitors, 0) AS visitors
FROM (SELECT unnest($goal_ids::VARCHAR[]) AS id, unnest($goal_sites::VARCHAR[]) AS site_id) g
LEFT JOIN counted c ON c.goal_id = g.id
WHERE list_contains($query_sites::VARCHAR[], g.site_id)
UNION ALL
SELECT goal_id, completions, visitors FROM counted WHERE $goal_ids::VARCHAR[] IS NULL
""",
    ),
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


def kinds_of(report: str) -> tuple[str, ...]:
    """The rollup kinds `report` reads, sorted: what a write must touch to change its answer."""
    return tuple(sorted({TABLE_KIND[t] for t in COMBINE[report].tables}))


def tables_of(kind: str) -> list[str]:
    """The rollup tables of one kind, in table order."""
    return [table for table, k in TABLE_KIND.items() if k == kind]


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
# The columns a table's rows are keyed by (besides site and day); every other column is a sum, so a
# month's row is the sum of its days' rows (distinct counts too: daily_sql.py says why).
KEYS: dict[str, tuple[str, ...]] = {
    "totals": (),
    "hours": ("hour",),
    "dims": ("dimension", "v1", "v2", "v3"),
    "ecommerce": (),
    "funnel": ("event_type",),
    "products": ("item_name",),
    "sources": ("source",),
    "goals": ("goal_id",),
}
TYPES: dict[str, tuple[str, ...]] = {t: tuple(sql_type for _, sql_type in cols) for t, cols in _STORED.items()}


CLOSED = """closed AS (
    SELECT unnest($closed_sites::VARCHAR[]) AS site_id,
           unnest($closed_from::DATE[]) AS day_from,
           unnest($closed_to::DATE[]) AS day_to
)"""


def grain_of(report: str, hourly: bool) -> str:
    """The grain a live answer of `report` computes its parts at (prelude.GRAINS)."""
    grain = COMBINE[report].grain
    if grain == "bucket":
        return "hour" if hourly else "days"
    return grain


def _daily_of(report: str, table: str) -> Daily:
    combine = COMBINE[report]
    return daily(table, combine.dimension if table == "dims" else None, table in combine.light)


def live_reads(report: str, table: str | None = None) -> set[str]:
    """The prelude relations the live daily rows of `report` (of one of its tables) read."""
    tables = (table,) if table else COMBINE[report].tables
    return {name for t in tables for name in _daily_of(report, t).reads}


def _columns(table: str) -> str:
    return ", ".join(("site_id", "day") + COLUMNS[table])


def live_rows(report: str, table: str, grain: str = "day") -> str:
    """The rows of `table` per part of `grain`, as `report` reads them, computed from raw events."""
    return f"SELECT {_columns(table)} FROM ({_daily_of(report, table).text(grain)}) live"


def open_param(table: str, column: str) -> str:
    return f"open_{table}_{column}"


def given_rows(table: str) -> str:
    """Daily rows of `table` passed as one list parameter per column (kept open days, see rollups.py)."""
    names = ("site_id", "day") + COLUMNS[table]
    types = ("VARCHAR", "DATE") + TYPES[table]
    return "SELECT " + ", ".join(
        f"unnest(${open_param(table, c)}::{t}[]) AS {c}" for c, t in zip(names, types, strict=True)
    )


CLOSED_MONTHS = """closed_months AS (
    SELECT unnest($month_sites::VARCHAR[]) AS site_id, unnest($month_starts::DATE[]) AS month
)"""


def uses_months(report: str) -> bool:
    """Whether `report` may read monthly rows: not the time series, whose buckets are days."""
    return COMBINE[report].grain != "bucket"


def stored_rows(report: str, table: str) -> dict[str, str]:
    """The rows of `table` stored for the closed days (relation `closed`), one SELECT per source: "band1" and
    "band2" (daily rows), and for a report that may read them "months" (the monthly rows of relation
    `closed_months`). rollup_read.py unions those a read has rows from."""
    dimension = COMBINE[report].dimension if table == "dims" else None
    narrow = f" AND x.dimension = '{dimension}'" if dimension else ""
    columns = ", ".join(f"x.{c}" for c in ("site_id", "day") + COLUMNS[table])
    # Scanned once per band (two disjoint constant ranges, see rollup_plan._bands): DuckDB skips the row
    # groups outside it (zone maps), as for raw events.
    sources = {
        band: f"SELECT {columns} FROM rollup_{table} x\n"
        f"    JOIN closed k ON x.site_id = k.site_id AND x.day BETWEEN k.day_from AND k.day_to{narrow}\n"
        f"    WHERE x.day BETWEEN ${band}_first AND ${band}_last"
        for band in ("band1", "band2")
    }
    if uses_months(report):
        sources["months"] = (
            f"SELECT {columns} FROM rollup_{table}_months x\n"
            f"    JOIN closed_months m ON x.site_id = m.site_id AND x.day = m.month{narrow}"
        )
    return sources


def month_rows(table: str) -> str:
    """The monthly rows of `table` summed from its daily rows, for the (site, month) pairs of relation `wanted`."""
    keys = ", ".join(f"x.{c}" for c in KEYS[table])
    sums = ", ".join(
        f"sum(x.{c})::{t} AS {c}" for c, t in zip(COLUMNS[table], TYPES[table], strict=True) if c not in KEYS[table]
    )
    columns = ", ".join(("site_id", "day") + COLUMNS[table])
    return f"""
INSERT INTO rollup_{table}_months ({columns})
SELECT site_id, day, {", ".join(COLUMNS[table])} FROM (
    SELECT x.site_id, w.month AS day{", " + keys if keys else ""}, {sums}
    FROM rollup_{table} x
    JOIN wanted w ON x.site_id = w.site_id AND x.day >= w.month AND x.day < w.month + INTERVAL 1 MONTH
    GROUP BY ALL
)
"""


def live_parts(report: str, grain: str) -> list[str]:
    """`parts_<table>` of a live answer: every day (or hour, or site, or the whole range) computed live."""
    return [f"parts_{t} AS (\n{_daily_of(report, t).text(grain).strip()}\n)" for t in COMBINE[report].tables]
