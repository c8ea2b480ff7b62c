"""The report registry: every report is one record, and every face is generated from REPORTS.

The API routes (api/stats.py), the OpenAPI paths and schemas (api/openapi_paths.py), the
dashboard's data routes and table panels (dashboard/views.py), the MCP output schemas and
`stats.run` all read these records; the runner (stats/runner.py) answers each one from its
declared shape, so period-over-period changes and zero-filled buckets are written once.
What a field of a record means: stats/report.py.

Adding a report = its SQL (daily rows and combine step in stats/rollup_sql.py, or a stats/sql/ file
for a figure with no daily form), one record here, its doc lines (docs/ARCHITECTURE.md).
The order here is the order of the OpenAPI paths and of `stats.REPORTS`.
"""

from __future__ import annotations

import copy
from typing import Any

from clearanalytics.stats import conversions, custom_props, ecommerce, engine, realtime, traffic
from clearanalytics.stats.report import COMPUTED, FILLED, POINT, RELATIVE, TOTALS, Field, Fill, Panel, Report

VISITORS = Field("visitors", "int", "Unique visitors (distinct daily visitor hashes).")
PAGEVIEWS = Field("pageviews", "int", "Pageviews.")
BUCKET = Field("date", "string", "YYYY-MM-DD, or YYYY-MM-DDTHH:00:00Z for hourly buckets (period=24h).")
REVENUE = Field("revenue", "number", "Revenue in the site's currency (purchases in another currency left out).")
TRANSACTIONS = Field("transactions", "int", "Purchases.")
VISITOR_COLUMN = ("visitors", "Visitors", "int", None)
# where visitors are (ingest/locations.py): codes only, the dashboard names them (Intl.DisplayNames)
COUNTRY = Field("country_code", "string?", "ISO 3166-1 alpha-2 country code, such as DE; null when unknown.")
REGION = Field("region", "string", "ISO 3166-2 region code, such as DE-BY.")
CITY_REGION = Field("region", "string?", "ISO 3166-2 region code, such as DE-BY; null when unknown.")
CITY = Field("city", "string", "The city's English name, such as Munich.")


def _every_bucket(query, _found: set) -> list[str]:
    return query.buckets()


BUCKETS = Fill("date", _every_bucket, column="bucket", label=engine.bucket_label)


def _breakdown(name: str, sql: str, field: Field, title: str, noun: str, panel: Panel, **faces: Any) -> Report:
    """A list of unique visitors per value of one pageview column, most first."""
    return Report(name, sql, f"{title} by visitors.", (field, VISITORS), limit=faces.pop("limit", True),
                  title=title, noun=noun, label_field=field.name, metric="visitors", panel=panel, **faces)  # fmt: skip


RECORDS: tuple[Report, ...] = (
    Report(
        "overview", "overview", "Visitors, pageviews, bounce rate and average session duration, with changes.",
        (Field("visitors", "int", VISITORS.description, change=RELATIVE),
         Field("pageviews", "int", PAGEVIEWS.description, change=RELATIVE),
         Field("bounce_rate", "number", "Sessions with one pageview and no event, in % of sessions.", change=POINT),
         Field("avg_duration", "int", "Mean session duration in whole seconds.", change=RELATIVE)),
        shape=TOTALS, row=traffic.overview_row, title="Overview", metric="visitors",
        panel="widgets/kpis.html", mcp=("analytics-overview", "overview"),
    ),
    Report(
        "timeseries", "timeseries", "Visitors and pageviews per day (per hour for 24h), zeros included.",
        (BUCKET, VISITORS, PAGEVIEWS), shape=FILLED, fill=BUCKETS, title="Visitors and pageviews", noun="day",
        label_field="date", metric="visitors", panel="widgets/chart.html", mcp=("daily-breakdown", "days"),
        chat="days",
    ),
    Report(
        "pages", "pages", "Top pages by pageviews.",
        (Field("pathname", "string", "The page's path."), VISITORS, PAGEVIEWS,
         Field("avg_duration", "int", "Mean engaged seconds of the path's pageviews.")),
        row=traffic.pages_row, limit=True, title="Top pages", noun="page", label_field="pathname",
        metric="pageviews", mcp=("top-pages", "pages"), chat="pages",
        panel=Panel("pages", "Top pages", (("pathname", "Page", "text", "page"), VISITOR_COLUMN,
                                           ("pageviews", "Pageviews", "int", None),
                                           ("avg_duration", "Avg. time", "duration", None)),
                    position=10, secondary=("avg_duration",)),
    ),
    Report(
        "referrers", "referrers", "Top referrer sources; referrer is the referring host, null for direct.",
        (Field("referrer_source", "string", "Search engine name, or the channel (social, email, referral, direct)."),
         Field("referrer", "string?", "The referring host; null for direct traffic."), VISITORS),
        limit=True, title="Referrers", noun="site", label_field="referrer", metric="visitors",
        mcp=("traffic-sources", "referrers"), chat="referrers",
        panel=Panel("referrers", "Referrers", (("referrer", "Referrer", "text", "referrer"),
                                               ("referrer_source", "Source", "text", "source"), VISITOR_COLUMN),
                    position=30),
    ),
    _breakdown("browsers", "browsers", Field("browser", "string", "Browser name."), "Browsers", "browser",
               Panel("browsers", "Browsers", (("browser", "Browser", "text", "browser"), VISITOR_COLUMN), 60),
               mcp=("device-and-browser", "browsers"), chat="browsers"),
    _breakdown("operating-systems", "operating_systems", Field("os", "string", "Operating system."),
               "Operating systems", "system", Panel("os", "Operating systems", (("os", "OS", "text", "os"),
                                                                                VISITOR_COLUMN), 70),
               mcp=("device-and-browser", "operating_systems"), chat="operating_systems"),
    _breakdown("devices", "devices", Field("device_type", "string", "desktop, mobile or tablet."), "Device types",
               "device type", Panel("devices", "Devices", (("device_type", "Device", "text", "device"),
                                                           VISITOR_COLUMN), 80),
               limit=False, mcp=("device-and-browser", "devices"), chat="devices"),
    _breakdown("languages", "languages", Field("language", "string?", "Browser language; null when not sent."),
               "Browser languages", "language",
               Panel("languages", "Languages", (("language", "Language", "text", "language"), VISITOR_COLUMN), 90),
               mcp=("languages", "languages"), chat="languages"),
    Report(
        "campaigns", "campaigns", "UTM campaigns: (utm_source, utm_medium, utm_campaign) with visitors and pageviews.",
        (Field("utm_source", "string?", "utm_source."), Field("utm_medium", "string?", "utm_medium."),
         Field("utm_campaign", "string?", "utm_campaign."), VISITORS, PAGEVIEWS),
        limit=True, title="Campaigns", noun="campaign", label_field="utm_campaign", metric="visitors",
        mcp=("campaigns", "campaigns"), chat="campaigns",
        panel=Panel("campaigns", "Campaigns", (("utm_campaign", "Campaign", "text", "utm_campaign"),
                                               ("utm_source", "Source", "text", "utm_source"),
                                               ("utm_medium", "Medium", "text", "utm_medium"), VISITOR_COLUMN,
                                               ("pageviews", "Pageviews", "int", None)),
                    position=40, empty="No UTM-tagged visits in this period.", secondary=("utm_medium", "pageviews")),
    ),
    Report(
        "channels", "channels", "All six channels with visitors and pageviews, zeros included, most visitors first.",
        (Field("channel", "string", "direct, organic, social, referral, email or paid."), VISITORS, PAGEVIEWS),
        shape=FILLED, fill=Fill("channel", traffic.channel_keys, order=lambda r: (-r["visitors"], r["channel"])),
        title="Channels", noun="channel", label_field="channel", metric="visitors", api=False,
        mcp=("traffic-sources", "channels"), chat="sources",
        panel=Panel("channels", "Channels", (("channel", "Channel", "text", "channel"), VISITOR_COLUMN),
                    position=20, hide_zero=True),
    ),
    Report(
        "hours", "hours", "Visitors and pageviews by local hour of day 0-23, all 24 present.",
        (Field("hour", "hour", "Hour of day in each site's timezone."), VISITORS, PAGEVIEWS),
        shape=FILLED, fill=Fill("hour", lambda _query, _found: list(range(24))), title="Hours of day", noun="hour",
        label_field="hour", metric="visitors", api=False, mcp=("hourly-breakdown", "hours"), chat="hours",
    ),
    Report(
        "ecommerce/overview", "ecommerce_overview",
        "Revenue, transactions, average order value and conversion rate, with changes.",
        (Field("revenue", "number", REVENUE.description, change=RELATIVE),
         Field("transactions", "int", TRANSACTIONS.description, change=RELATIVE),
         Field("avg_order_value", "number", "Revenue / transactions.", change=RELATIVE),
         Field("conversion_rate", "number", "Visitors who purchased, in % of visitors.", change=POINT)),
        shape=TOTALS, row=ecommerce.overview_row, title="E-commerce", metric="revenue",
        panel="widgets/ecommerce.html", mcp=("ecommerce-overview", "ecommerce"),
    ),
    Report(
        "ecommerce/revenue-timeseries", "revenue_timeseries", "Revenue and transactions per day (per hour for 24h).",
        (BUCKET, REVENUE, TRANSACTIONS), shape=FILLED, fill=BUCKETS, row=ecommerce.revenue_row, title="Revenue",
        noun="day", label_field="date", metric="revenue", panel="widgets/ecommerce.html",
    ),
    Report(
        "ecommerce/products", "products", "Top products by revenue, with quantity sold and orders.",
        (Field("item_name", "string", "Product name."), REVENUE, Field("quantity", "int", "Units sold."),
         Field("orders", "int", "Purchases that include the product.")),
        row=ecommerce.products_row, limit=True, title="Top products", noun="product", label_field="item_name",
        metric="revenue", mcp=("ecommerce-products", "products"), chat="products",
        panel=Panel("products", "Top products", (("item_name", "Product", "text", None),
                                                 ("revenue", "Revenue", "money", None),
                                                 ("quantity", "Quantity", "int", None),
                                                 ("orders", "Orders", "int", None)),
                    position=10, group="ecommerce", secondary=("orders",)),
    ),
    Report(
        "ecommerce/funnel", "funnel",
        "view_item, add_to_cart, begin_checkout, purchase: visitors and drop-off per step.",
        (Field("step", "string", "The e-commerce event.", enum=tuple(s for s, _ in ecommerce.FUNNEL_STEPS)),
         Field("label", "string", "The step's name."), VISITORS,
         Field("dropoff_rate", "number", "Visitors lost since the step before, in % of that step's.")),
        shape=COMPUTED, compute=ecommerce.funnel, title="Checkout funnel", noun="step", label_field="label",
        metric="visitors", mcp=("ecommerce-products", "funnel"), chat="funnel",
        panel=Panel("funnel", "Checkout funnel", (("label", "Step", "text", None), VISITOR_COLUMN,
                                                  ("dropoff_rate", "Drop-off", "pct", None)),
                    position=20, group="ecommerce"),
    ),
    Report(
        "ecommerce/revenue-by-source", "revenue_by_source", "Revenue by the source of each purchase's session entry.",
        (Field("source", "string", "The session's referrer source."), REVENUE, TRANSACTIONS),
        row=ecommerce.source_row, limit=True, title="Revenue by source", noun="source", label_field="source",
        metric="revenue", mcp=("ecommerce-products", "revenue_by_source"), chat="revenue_by_source",
        panel=Panel("revenue-sources", "Revenue by source", (("source", "Source", "text", None),
                                                             ("revenue", "Revenue", "money", None),
                                                             ("transactions", "Transactions", "int", None)),
                    position=30, group="ecommerce"),
    ),
    Report(
        "goals", "goal_conversions", "Each goal with completions, converting visitors and conversion rate.",
        (Field("id", "string", "The goal's id."), Field("name", "string", "The goal's name."),
         Field("type", "string", "url or event.", enum=("url", "event")),
         Field("is_active", "boolean", "False when paused."), Field("completions", "int", "Completions."),
         Field("visitors", "int", "Unique converting visitors."),
         Field("conversion_rate", "number", "Converting visitors, in % of the goal's site's visitors.")),
        shape=COMPUTED, compute=conversions.goal_conversions, title="Goals", noun="goal", label_field="name",
        metric="completions", api=False, mcp=("goals", "goals"), chat="goals",
        panel=Panel("goals", "Goals", (("name", "Goal", "text", None), ("completions", "Completions", "int", None),
                                       VISITOR_COLUMN, ("conversion_rate", "Conversion", "pct", None)),
                    position=50, empty="No goals yet: add one under Settings → Goals.", secondary=("visitors",)),
    ),
    Report(
        "hostnames", "hostnames", "Visitors and pageviews per hostname (an extension beyond the reference).",
        (Field("hostname", "string?", "The hostname the page was served from."), VISITORS, PAGEVIEWS),
        limit=True, title="Hostnames", noun="hostname", label_field="hostname", metric="visitors", extension=True,
        panel=Panel("hostnames", "Hostnames", (("hostname", "Hostname", "text", "hostname"), VISITOR_COLUMN,
                                               ("pageviews", "Pageviews", "int", None)),
                    position=100, secondary=("pageviews",)),
    ),
    Report(
        "properties", "properties",
        "One custom property's values (property=NAME) with visitors, events and, with filter[goal], conversion rate "
        "(an extension beyond the reference).",
        (Field("value", "string", "The property's value."),
         Field("visitors", "int", "Unique visitors with a custom event carrying the value."),
         Field("events", "int", "Custom events carrying the value."),
         Field("conversion_rate", "number?", "With filter[goal]: the value's visitors in the goal's converting "
               "sessions, in % of the value's visitors without that filter; null without it.")),
        shape=COMPUTED, compute=custom_props.properties, limit=True, title="Custom properties", noun="value",
        label_field="value", metric="visitors", extension=True,
        required=(("property", "The custom property's name, as the tracker sent it (1-300 characters)."),),
    ),
    Report(
        "scroll-depth", "scroll_depth",
        "Mean scroll depth per page, of the pageviews whose depth is known (an extension beyond the reference).",
        (Field("pathname", "string", "The page's path."),
         Field("visitors", "int", "Unique visitors with a known scroll depth on the path."),
         Field("pageviews", "int", "Pageviews with a known scroll depth."),
         Field("scroll_depth", "int", "Mean of their deepest scroll positions, in whole percent (half up).")),
        row=traffic.scroll_row, limit=True, title="Scroll depth", noun="page", label_field="pathname",
        metric="pageviews", extension=True,
        panel=Panel("scroll-depth", "Scroll depth", (("pathname", "Page", "text", "page"),
                                                     ("scroll_depth", "Scroll %", "int", None),
                                                     ("pageviews", "Pageviews", "int", None)),
                    position=16, secondary=("pageviews",)),
    ),
    *(Report(
        f"{name}-pages", f"{name}_pages",
        f"{title}: the {which} pageview of each session, sessions and visitors per path "
        "(an extension beyond the reference).",
        (Field("pathname", "string", "The page's path."), Field("visitors", "int", f"Unique visitors {verb} there."),
         Field(count, "int", f"Sessions {verb} there.")),
        limit=True, title=title, noun="page", label_field="pathname", metric=count, extension=True,
        panel=Panel(f"{name}-pages", title, (("pathname", "Page", "text", None), VISITOR_COLUMN,
                                            (count, count.title(), "int", None)),
                    position=position, secondary=(count,)),
    ) for name, count, title, which, verb, position in (("entry", "entries", "Entry pages", "first", "entering", 12),
                                                         ("exit", "exits", "Exit pages", "last", "leaving", 14))),
    Report(
        "property-names", "property_names",
        "The custom properties sent in the period, each with the custom events carrying it, most first "
        "(an extension beyond the reference).",
        (Field("property", "string", "The property's name, as the tracker sent it."),
         Field("events", "int", "Custom events carrying the property.")),
        limit=True, title="Custom properties", noun="property", label_field="property", metric="events",
        extension=True, panel="widgets/properties.html",
    ),
    *(Report(
        name, sql,
        f"{title}: {what}, with visitors and events, most visitors first (an extension beyond the reference).",
        (Field(key, "string", f"The {noun}."),
         Field("visitors", "int", f"Unique visitors who sent such a {event!r} event."),
         Field("events", "int", f"{event!r} events.")),
        limit=True, title=title, noun=noun, label_field=key, metric="visitors", extension=True,
        panel=Panel(name, title, ((key, heading, "text", dim), VISITOR_COLUMN, ("events", "Events", "int", None)),
                    position=position, empty=empty, secondary=("events",)),
    ) for name, sql, title, what, key, noun, heading, dim, event, position, empty in (
        ("outbound-links", "outbound_links", "Outbound links", "the `url` of each outbound link clicked", "url",
         "link's URL", "Link", None, "Outbound Link: Click", 52,
         "No outbound link clicks in this period. To count them, load the tracker as "
         "/js/script.outbound-links.js (options combine: script.outbound-links.file-downloads.js)."),
        ("file-downloads", "file_downloads", "File downloads", "the `url` of each file downloaded", "url",
         "file's URL", "File", None, "File Download", 54,
         "No file downloads in this period. To count them, load the tracker as /js/script.file-downloads.js; "
         'data-downloads="pdf,zip" on its script tag picks the file types.'),
        ("not-found-pages", "not_found_pages", "404 pages", "the path of each page not found", "pathname",
         "path of the page not found", "Page", "page", "404", 56,
         "No 404 pages in this period. To count them, load the tracker as /js/script.404.js and put "
         '<meta name="clearanalytics" content="404"> in your 404 page (or call clearanalytics(\'404\') there).'),
    )),
    # where visitors are (ingest/locations.py); the dashboard's filter keys are "country", "region", "city"
    *(Report(
        name, name, f"{title} by visitors with pageviews{note} (an extension beyond the reference).",
        (*fields, VISITORS, PAGEVIEWS), limit=True, title=title, noun=noun, label_field=fields[-1].name,
        metric="visitors", extension=True,
        panel="widgets/locations.html",  # one panel for the three: a world map beside a table with a tab each
    ) for name, title, noun, note, fields in (
        ("countries", "Countries", "country", " (country_code null: an unknown location)", (COUNTRY,)),
        ("regions", "Regions", "region", ", of the pageviews with a known region", (COUNTRY, REGION)),
        ("cities", "Cities", "city", ", of the pageviews with a known city", (COUNTRY, CITY_REGION, CITY)),
    )),
    realtime.RealtimeReport(
        "realtime", "last_30_minutes",  # sql: stats.realtime is the module; stats.last_30_minutes(cur, query)
        "The last 30 minutes: visitors per minute, current visitors, top pages and sources "
        "(an extension beyond the reference; period, from and to are not used).",
        realtime.FIELDS, shape=COMPUTED, compute=realtime.realtime, limit=True, title="Realtime", noun="minute",
        label_field="minute", metric="visitors", extension=True, panel="widgets/realtime.html",
    ),
)  # fmt: skip

REPORTS: dict[str, Report] = {r.name: r for r in RECORDS}
BY_SQL: dict[str, Report] = {r.sql: r for r in RECORDS}


def api_reports() -> list[Report]:
    """The reports with a GET /api/v1/stats/<name> route, in registry order."""
    return [r for r in RECORDS if r.api]


def panels(group: str) -> list[tuple[Report, Panel]]:
    """The dashboard's table panels of one group, in their position order."""
    found = [(r, r.panel) for r in RECORDS if isinstance(r.panel, Panel) and r.panel.group == group]
    return sorted(found, key=lambda pair: pair[1].position)


def data_schema(name: str) -> dict[str, Any]:
    """A copy of report `name`'s `data` schema, for callers that extend it (MCP output schemas)."""
    return copy.deepcopy(REPORTS[name].data_schema())
