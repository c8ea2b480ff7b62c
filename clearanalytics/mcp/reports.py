"""The 12 MCP tools: each a thin wrapper over the stats engine plus a one-line human summary.

A tool's numbers are the API's numbers: every report calls the same `clearanalytics.stats`
function as the matching /api/v1 endpoint, on the same Query, and passes its rows through
unchanged (same field names) in its typed result (results.py), which MCP sends as
`structuredContent` and the chat reads in-process. Only the summary text is written here.
The output schemas describe those rows: where an /api/v1 endpoint returns the same rows, its
OpenAPI schema (api/openapi_paths.py) is used, so that the two cannot drift apart; only the
rows with no API route (sites, channels, hours, goal conversions) are written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import duckdb

from clearanalytics import stats
from clearanalytics.accounts import Site
from clearanalytics.api import openapi_paths as api_schemas
from clearanalytics.goals import get_goal
from clearanalytics.mcp import results as r
from clearanalytics.mcp.tools import Scope, ToolSpec, window
from clearanalytics.stats import periods

RECENT_CONVERSIONS = 5

# --- JSON Schema helpers -------------------------------------------------------------------

INT = {"type": "integer"}
NUM = {"type": "number"}
STR = {"type": "string"}
NULL_STR = {"type": ["string", "null"]}


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def rows(**properties: Any) -> dict[str, Any]:
    return {"type": "array", "items": obj(**properties)}


def api_data(path: str) -> dict[str, Any]:
    """The schema of the API's `data` for the same rows, e.g. api_data("/stats/pages")."""
    return api_schemas.stats_data(path)


def recent_conversions() -> dict[str, Any]:
    """A goal's recent conversions: the API's completion rows without goal_id (the goal is the parent)."""
    fields = {k: v for k, v in api_schemas.COMPLETION_FIELDS.items() if k != "goal_id"}
    return {"type": "array", "items": api_schemas.obj(fields)}


# --- summaries -----------------------------------------------------------------------------


def where(scope: Scope) -> str:
    """'example.com, the last 7 days (2026-11-19 to 2026-11-25)'."""
    sites = scope.domain or f"all sites of {scope.tenant.slug}"
    if not scope.domain and len(scope.sites) == 1:
        sites = f"{scope.sites[0].domain} (the only site of {scope.tenant.slug})"
    if scope.query.hourly:
        return f"{sites}, {periods.words(scope.query.period)}"
    span = f"{scope.query.date_from.isoformat()} to {scope.query.date_to.isoformat()}"
    return f"{sites}, {periods.words(scope.query.period)} ({span})"


def change(value: float | None) -> str:
    return "" if value is None else f" ({value:+g}%)"


def listing(items: list[dict[str, Any]], label: Callable[[dict], Any], metric: str, unit: str, money=False) -> str:
    """The first five rows as 'a 12, b 7 and 3 more (unit)'."""
    if not items:
        return "none"
    shown = ", ".join(f"{label(item)} {item[metric]:,{'.2f' if money else ''}}" for item in items[:5])
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    return f"{shown}{more} ({unit})"


def by(key: str) -> Callable[[dict], Any]:
    return lambda item: item[key] if item[key] is not None else "(unknown)"


def currency_label(scope: Scope) -> str:
    """The sites' currency; with several, money is summed in each site's own currency."""
    if scope.currency:
        return scope.currency
    return "in mixed currencies" if scope.sites else "(no sites)"


def money(value: float, scope: Scope) -> str:
    return f"{value:,.2f} {currency_label(scope)}"


# --- the tools -----------------------------------------------------------------------------


def list_sites(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.ListSites]:
    sites = [r.SiteRow(domain=s.domain, timezone=s.timezone, currency=s.currency) for s in scope.sites]
    if scope.domain:  # the domain argument narrows the list to that site
        site = sites[0]
        text = f"{site['domain']} is a site of tenant {scope.tenant.slug} ({site['timezone']}, {site['currency']})."
    else:
        names = ", ".join(s["domain"] for s in sites) or "no sites yet"
        text = f"Tenant {scope.tenant.slug} has {len(sites)} site(s): {names}."
    return text, r.ListSites(tenant=scope.tenant.slug, sites=sites)


def analytics_overview(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.AnalyticsOverview]:
    data = stats.overview(cur, scope.query)
    text = (
        f"{where(scope)}: {data['visitors']:,} visitors{change(data['visitors_change'])}, "
        f"{data['pageviews']:,} pageviews{change(data['pageviews_change'])}, "
        f"bounce rate {data['bounce_rate']}%, average visit {data['avg_duration']} s."
    )
    return text, r.AnalyticsOverview(**window(scope), overview=data)


def top_pages(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.TopPages]:
    data = stats.pages(cur, scope.query)
    text = f"Top pages for {where(scope)}: {listing(data, by('pathname'), 'pageviews', 'pageviews')}."
    return text, r.TopPages(**window(scope), pages=data)


def traffic_sources(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.TrafficSources]:
    channels = stats.channels(cur, scope.query)
    referrers = stats.referrers(cur, scope.query)
    text = (
        f"Traffic sources for {where(scope)}: channels {listing(channels, by('channel'), 'visitors', 'visitors')}; "
        f"top referrers {listing(referrers, lambda r: r['referrer'] or r['referrer_source'], 'visitors', 'visitors')}."
    )
    return text, r.TrafficSources(**window(scope), channels=channels, referrers=referrers)


def device_and_browser(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.DeviceAndBrowser]:
    result = r.DeviceAndBrowser(
        **window(scope),
        devices=stats.devices(cur, scope.query),
        browsers=stats.browsers(cur, scope.query),
        operating_systems=stats.operating_systems(cur, scope.query),
    )
    text = (
        f"{where(scope)}: devices {listing(result['devices'], by('device_type'), 'visitors', 'visitors')}; "
        f"browsers {listing(result['browsers'], by('browser'), 'visitors', 'visitors')}; "
        f"operating systems {listing(result['operating_systems'], by('os'), 'visitors', 'visitors')}."
    )
    return text, result


def languages(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.Languages]:
    data = stats.languages(cur, scope.query)
    text = f"Visitor languages for {where(scope)}: {listing(data, by('language'), 'visitors', 'visitors')}."
    return text, r.Languages(**window(scope), languages=data)


def campaigns(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.Campaigns]:
    data = stats.campaigns(cur, scope.query)
    shown = [
        {"name": "/".join(str(row[k] or "-") for k in ("utm_source", "utm_medium", "utm_campaign")), **row}
        for row in data
    ]
    text = f"UTM campaigns for {where(scope)}: {listing(shown, by('name'), 'visitors', 'visitors')}."
    return text, r.Campaigns(**window(scope), campaigns=data)


def on_site(query: stats.Query, site: Site, limit: int) -> stats.Query:
    """The query on one site's own calendar: a named period ends at that site's today, as
    /api/v1/goals/{goal}/completions resolves it; a custom from/to range is the same dates."""
    if query.period == "custom":
        return replace(query, sites=(site,), limit=limit)
    return stats.parse_query({"period": query.period, "limit": limit}, [site], now=query.now)


def goals(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.Goals]:
    # Each goal is counted on its own site's calendar, as /api/v1/goals/{goal}/completions counts it.
    found = []
    for site in scope.sites:
        own = on_site(scope.query, site, RECENT_CONVERSIONS)
        found += [({"domain": site.domain} | row, own) for row in stats.goal_conversions(cur, own)]
    found.sort(key=lambda pair: (-pair[0]["completions"], pair[0]["name"], pair[0]["id"]))
    summary: list[r.GoalRow] = []
    for row, own in found[: scope.query.limit]:
        recent = stats.goal_completions(cur, own, get_goal(cur, row["id"]))["data"]
        summary.append(row | {"recent_conversions": [{k: v for k, v in c.items() if k != "goal_id"} for c in recent]})
    text = f"Goals for {where(scope)}: " + (
        "; ".join(
            f"{g['name']} on {g['domain']}: {g['completions']:,} completions ({g['conversion_rate']}% converted)"
            for g in summary
        )
        or "no goals are set up yet"
    )
    return text + ".", r.Goals(**window(scope), goals=summary)


def ecommerce_overview(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.EcommerceOverview]:
    data = stats.ecommerce_overview(cur, scope.query)
    text = (
        f"E-commerce for {where(scope)}: revenue {money(data['revenue'], scope)}"
        f"{change(data['revenue_change'])}, {data['transactions']:,} transactions"
        f"{change(data['transactions_change'])}, average order {money(data['avg_order_value'], scope)}, "
        f"conversion rate {data['conversion_rate']}%."
    )
    return text, r.EcommerceOverview(**window(scope), currency=scope.currency, ecommerce=data)


def ecommerce_products(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.EcommerceProducts]:
    result = r.EcommerceProducts(
        **window(scope),
        currency=scope.currency,
        products=stats.products(cur, scope.query),
        funnel=stats.funnel(cur, scope.query),
        revenue_by_source=stats.revenue_by_source(cur, scope.query),
    )
    steps = ", ".join(f"{s['label']} {s['visitors']:,}" for s in result["funnel"])
    currency = currency_label(scope)
    text = (
        f"E-commerce products for {where(scope)}: top products by revenue "
        f"{listing(result['products'], by('item_name'), 'revenue', currency, money=True)}; funnel {steps}; "
        f"revenue by source {listing(result['revenue_by_source'], by('source'), 'revenue', currency, money=True)}."
    )
    return text, result


def daily_breakdown(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.DailyBreakdown]:
    data = stats.timeseries(cur, scope.query)
    total = sum(row["pageviews"] for row in data)
    busiest = max(data, key=lambda row: (row["visitors"], row["date"]), default=None)
    unit = "hour" if scope.query.hourly else "day"
    peak = ""
    if busiest and busiest["visitors"]:
        peak = f"; busiest {unit} {busiest['date']} with {busiest['visitors']:,} visitors"
    text = f"{len(data)} {unit}s for {where(scope)}: {total:,} pageviews{peak}."
    return text, r.DailyBreakdown(**window(scope), days=data)


def hourly_breakdown(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.HourlyBreakdown]:
    data = stats.hours(cur, scope.query)
    busiest = max(data, key=lambda row: (row["visitors"], -row["hour"]))
    peak = f"the busiest hour is {busiest['hour']:02d}:00 with {busiest['visitors']:,} visitors"
    text = f"Visitors by hour of day (site timezone) for {where(scope)}: {peak if busiest['visitors'] else 'none'}."
    return text, r.HourlyBreakdown(**window(scope), hours=data)


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "list-sites",
        "List sites",
        "List the websites (domains) of the tenant with their timezone and currency. "
        "Use this first to discover the valid values for the other tools' domain argument.",
        r.ListSites,
        {"sites": rows(domain=STR, timezone=STR, currency=STR)},
        list_sites,
    ),
    ToolSpec(
        "analytics-overview",
        "Analytics overview",
        "Key metrics for a period: unique visitors, pageviews, bounce rate (%) and average session duration "
        "(seconds), each with its change against the previous period of the same length (percent; percentage "
        "points for bounce rate). Start here for 'how is my site doing' questions.",
        r.AnalyticsOverview,
        {"overview": api_data("/stats/overview")},
        analytics_overview,
    ),
    ToolSpec(
        "top-pages",
        "Top pages",
        "The most viewed pages (paths) by pageviews, with unique visitors and average time on page in seconds.",
        r.TopPages,
        {"pages": api_data("/stats/pages")},
        top_pages,
        lists=True,
    ),
    ToolSpec(
        "traffic-sources",
        "Traffic sources",
        "Where visitors come from: unique visitors per channel (direct, organic, social, referral, email, paid; "
        "all six listed) and the top referring websites (referrer host, null for direct) by unique visitors.",
        r.TrafficSources,
        {
            "channels": rows(channel=STR, visitors=INT, pageviews=INT),
            "referrers": api_data("/stats/referrers"),
        },
        traffic_sources,
        lists=True,
    ),
    ToolSpec(
        "device-and-browser",
        "Devices and browsers",
        "Device types (desktop, mobile, tablet), browsers and operating systems, each by unique visitors.",
        r.DeviceAndBrowser,
        {
            "devices": api_data("/stats/devices"),
            "browsers": api_data("/stats/browsers"),
            "operating_systems": api_data("/stats/operating-systems"),
        },
        device_and_browser,
        lists=True,
    ),
    ToolSpec(
        "languages",
        "Languages",
        "Visitor languages from browser settings (e.g. en, de, nl) by unique visitors.",
        r.Languages,
        {"languages": api_data("/stats/languages")},
        languages,
        lists=True,
    ),
    ToolSpec(
        "campaigns",
        "UTM campaigns",
        "UTM campaign performance: each (utm_source, utm_medium, utm_campaign) with unique visitors and pageviews.",
        r.Campaigns,
        {"campaigns": api_data("/stats/campaigns")},
        campaigns,
        lists=True,
    ),
    ToolSpec(
        "goals",
        "Goals and conversions",
        "Conversion goals with their completion count, converting visitors and conversion rate in the period, "
        f"and each goal's {RECENT_CONVERSIONS} most recent conversions (UTC timestamps). "
        "limit caps the number of goals.",
        r.Goals,
        {
            "goals": {
                "type": "array",
                "items": obj(
                    domain=STR,
                    id=STR,
                    name=STR,
                    type=api_schemas.GOAL["properties"]["type"],
                    is_active={"type": "boolean"},
                    completions=INT,
                    visitors=INT,
                    conversion_rate=NUM,
                    recent_conversions=recent_conversions(),
                ),
            }
        },
        goals,
        lists=True,
    ),
    ToolSpec(
        "ecommerce-overview",
        "E-commerce overview",
        "E-commerce totals: revenue, transactions, average order value (in the sites' currency) and conversion "
        "rate (% of visitors who purchased), each with its change against the previous period.",
        r.EcommerceOverview,
        {
            "currency": NULL_STR,
            "ecommerce": api_data("/stats/ecommerce/overview"),
        },
        ecommerce_overview,
    ),
    ToolSpec(
        "ecommerce-products",
        "E-commerce products",
        "Top products by revenue (with quantity and orders), the purchase funnel (view item, add to cart, "
        "begin checkout, purchase: unique visitors and drop-off %), and revenue by traffic source.",
        r.EcommerceProducts,
        {
            "currency": NULL_STR,
            "products": api_data("/stats/ecommerce/products"),
            "funnel": api_data("/stats/ecommerce/funnel"),
            "revenue_by_source": api_data("/stats/ecommerce/revenue-by-source"),
        },
        ecommerce_products,
        lists=True,
    ),
    ToolSpec(
        "daily-breakdown",
        "Daily breakdown",
        "Unique visitors and pageviews per day (local date of each site), every day of the period listed, zeros "
        "included; for period 24h, per hour (UTC hour start). Use it for trends.",
        r.DailyBreakdown,
        {"days": api_data("/stats/timeseries")},
        daily_breakdown,
    ),
    ToolSpec(
        "hourly-breakdown",
        "Hourly breakdown",
        "Unique visitors and pageviews by hour of day (0-23, in each site's timezone) over the period, all 24 "
        "hours listed: use it to find peak traffic hours.",
        r.HourlyBreakdown,
        {"hours": rows(hour={"type": "integer", "minimum": 0, "maximum": 23}, visitors=INT, pageviews=INT)},
        hourly_breakdown,
    ),
)
