"""The 12 MCP tools: each a thin wrapper over the stats engine plus a one-line human summary.

A tool's numbers are the API's numbers: every report calls the same `clearanalytics.stats`
function as the matching /api/v1 endpoint, on the same Query, and passes its rows through
unchanged (same field names) under a key of `structuredContent`. Only the summary text
is written here. The output schemas describe those rows: where an /api/v1 endpoint returns
the same rows, its OpenAPI schema (api/openapi_paths.py) is used, so that the two cannot
drift apart; only the rows with no API route (sites, channels, hours, goal conversions) are
written here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from clearanalytics import stats
from clearanalytics.api import openapi_paths as api_schemas
from clearanalytics.goals import get_goal
from clearanalytics.mcp.tools import Scope, ToolSpec

RECENT_CONVERSIONS = 5

# --- JSON Schema helpers -------------------------------------------------------------------

INT = {"type": "integer"}
NUM = {"type": "number"}
STR = {"type": "string"}
NULL_STR = {"type": ["string", "null"]}


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


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

PERIOD_WORDS = {
    "24h": "the last 24 hours",
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "90d": "the last 90 days",
    "12m": "the last 12 months",
}


def where(scope: Scope) -> str:
    """'example.com, the last 7 days (2026-11-19 to 2026-11-25)'."""
    sites = scope.domain or f"all sites of {scope.tenant.slug}"
    if not scope.domain and len(scope.sites) == 1:
        sites = f"{scope.sites[0].domain} (the only site of {scope.tenant.slug})"
    if scope.query.hourly:
        return f"{sites}, {PERIOD_WORDS['24h']}"
    span = f"{scope.query.date_from.isoformat()} to {scope.query.date_to.isoformat()}"
    return f"{sites}, {PERIOD_WORDS.get(scope.query.period, 'a custom range')} ({span})"


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


def list_sites(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, dict[str, Any]]:
    sites = [{"domain": s.domain, "timezone": s.timezone, "currency": s.currency} for s in scope.sites]
    names = ", ".join(s["domain"] for s in sites) or "no sites yet"
    return f"Tenant {scope.tenant.slug} has {len(sites)} site(s): {names}.", {"sites": sites}


def analytics_overview(cur, scope):
    data = stats.overview(cur, scope.query)
    text = (
        f"{where(scope)}: {data['visitors']:,} visitors{change(data['visitors_change'])}, "
        f"{data['pageviews']:,} pageviews{change(data['pageviews_change'])}, "
        f"bounce rate {data['bounce_rate']}%, average visit {data['avg_duration']} s."
    )
    return text, {"overview": data}


def top_pages(cur, scope):
    data = stats.pages(cur, scope.query)
    return f"Top pages for {where(scope)}: {listing(data, by('pathname'), 'pageviews', 'pageviews')}.", {"pages": data}


def traffic_sources(cur, scope):
    channels = stats.channels(cur, scope.query)
    referrers = stats.referrers(cur, scope.query)
    text = (
        f"Traffic sources for {where(scope)}: channels {listing(channels, by('channel'), 'visitors', 'visitors')}; "
        f"top referrers {listing(referrers, lambda r: r['referrer'] or r['referrer_source'], 'visitors', 'visitors')}."
    )
    return text, {"channels": channels, "referrers": referrers}


def device_and_browser(cur, scope):
    data = {
        "devices": stats.devices(cur, scope.query),
        "browsers": stats.browsers(cur, scope.query),
        "operating_systems": stats.operating_systems(cur, scope.query),
    }
    text = (
        f"{where(scope)}: devices {listing(data['devices'], by('device_type'), 'visitors', 'visitors')}; "
        f"browsers {listing(data['browsers'], by('browser'), 'visitors', 'visitors')}; "
        f"operating systems {listing(data['operating_systems'], by('os'), 'visitors', 'visitors')}."
    )
    return text, data


def languages(cur, scope):
    data = stats.languages(cur, scope.query)
    return f"Visitor languages for {where(scope)}: {listing(data, by('language'), 'visitors', 'visitors')}.", {
        "languages": data
    }


def campaigns(cur, scope):
    data = stats.campaigns(cur, scope.query)
    shown = [
        {"name": "/".join(str(r[k] or "-") for k in ("utm_source", "utm_medium", "utm_campaign")), **r} for r in data
    ]
    return f"UTM campaigns for {where(scope)}: {listing(shown, by('name'), 'visitors', 'visitors')}.", {
        "campaigns": data
    }


def goals(cur, scope):
    # Each goal is counted on its own site's calendar, as /api/v1/goals/{goal}/completions counts it.
    found = []
    for site in scope.sites:
        own = stats.parse_query(
            {"period": scope.query.period, "limit": RECENT_CONVERSIONS}, [site], now=scope.query.now
        )
        found += [({"domain": site.domain} | row, own) for row in stats.goal_conversions(cur, own)]
    found.sort(key=lambda pair: (-pair[0]["completions"], pair[0]["name"], pair[0]["id"]))
    summary = []
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
    return text + ".", {"goals": summary}


def ecommerce_overview(cur, scope):
    data = stats.ecommerce_overview(cur, scope.query)
    text = (
        f"E-commerce for {where(scope)}: revenue {money(data['revenue'], scope)}"
        f"{change(data['revenue_change'])}, {data['transactions']:,} transactions"
        f"{change(data['transactions_change'])}, average order {money(data['avg_order_value'], scope)}, "
        f"conversion rate {data['conversion_rate']}%."
    )
    return text, {"currency": scope.currency, "ecommerce": data}


def ecommerce_products(cur, scope):
    data = {
        "products": stats.products(cur, scope.query),
        "funnel": stats.funnel(cur, scope.query),
        "revenue_by_source": stats.revenue_by_source(cur, scope.query),
    }
    steps = ", ".join(f"{s['label']} {s['visitors']:,}" for s in data["funnel"])
    currency = currency_label(scope)
    text = (
        f"E-commerce products for {where(scope)}: top products by revenue "
        f"{listing(data['products'], by('item_name'), 'revenue', currency, money=True)}; funnel {steps}; "
        f"revenue by source {listing(data['revenue_by_source'], by('source'), 'revenue', currency, money=True)}."
    )
    return text, {"currency": scope.currency} | data


def daily_breakdown(cur, scope):
    data = stats.timeseries(cur, scope.query)
    total = sum(r["pageviews"] for r in data)
    busiest = max(data, key=lambda r: (r["visitors"], r["date"]), default=None)
    unit = "hour" if scope.query.hourly else "day"
    peak = ""
    if busiest and busiest["visitors"]:
        peak = f"; busiest {unit} {busiest['date']} with {busiest['visitors']:,} visitors"
    return f"{len(data)} {unit}s for {where(scope)}: {total:,} pageviews{peak}.", {"days": data}


def hourly_breakdown(cur, scope):
    data = stats.hours(cur, scope.query)
    busiest = max(data, key=lambda r: (r["visitors"], -r["hour"]))
    peak = f"the busiest hour is {busiest['hour']:02d}:00 with {busiest['visitors']:,} visitors"
    text = f"Visitors by hour of day (site timezone) for {where(scope)}: {peak if busiest['visitors'] else 'none'}."
    return text, {"hours": data}


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "list-sites",
        "List sites",
        "List the websites (domains) of the tenant with their timezone and currency. "
        "Use this first to discover the valid values for the other tools' domain argument.",
        {"sites": rows(domain=STR, timezone=STR, currency=STR)},
        list_sites,
        periodic=False,
    ),
    ToolSpec(
        "analytics-overview",
        "Analytics overview",
        "Key metrics for a period: unique visitors, pageviews, bounce rate (%) and average session duration "
        "(seconds), each with its change against the previous period of the same length (percent; percentage "
        "points for bounce rate). Start here for 'how is my site doing' questions.",
        {"overview": api_data("/stats/overview")},
        analytics_overview,
    ),
    ToolSpec(
        "top-pages",
        "Top pages",
        "The most viewed pages (paths) by pageviews, with unique visitors and average time on page in seconds.",
        {"pages": api_data("/stats/pages")},
        top_pages,
        lists=True,
    ),
    ToolSpec(
        "traffic-sources",
        "Traffic sources",
        "Where visitors come from: unique visitors per channel (direct, organic, social, referral, email, paid; "
        "all six listed) and the top referring websites (referrer host, null for direct) by unique visitors.",
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
        {"languages": api_data("/stats/languages")},
        languages,
        lists=True,
    ),
    ToolSpec(
        "campaigns",
        "UTM campaigns",
        "UTM campaign performance: each (utm_source, utm_medium, utm_campaign) with unique visitors and pageviews.",
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
        {"days": api_data("/stats/timeseries")},
        daily_breakdown,
    ),
    ToolSpec(
        "hourly-breakdown",
        "Hourly breakdown",
        "Unique visitors and pageviews by hour of day (0-23, in each site's timezone) over the period, all 24 "
        "hours listed: use it to find peak traffic hours.",
        {"hours": rows(hour={"type": "integer", "minimum": 0, "maximum": 23}, visitors=INT, pageviews=INT)},
        hourly_breakdown,
    ),
)
