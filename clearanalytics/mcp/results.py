"""The fixed shape of every tool's result: one TypedDict per tool, one per kind of row.

A tool's report (reports.py) builds its result as the TypedDict named here, the MCP route
sends it as `structuredContent` unchanged, the tool's `outputSchema` is generated from the
same class (its keys, all required, nothing else; tools.ToolSpec.output_schema), and the
chat reads it by these keys (chat/answers.py). So a key renamed here is renamed for all three
at once, and a test (tests/test_faces.py) checks that every row type has exactly the
fields of the JSON Schema its rows are described by.

TypedDicts rather than dataclasses: the stats engine's rows are already dicts with these
keys, so a result is built without copying and is its own JSON.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict, get_args, get_origin, get_type_hints

# --- rows ------------------------------------------------------------------------------


class SiteRow(TypedDict):
    domain: str
    timezone: str
    currency: str


class OverviewFigures(TypedDict):
    """Changes are percent against the preceding period (points for bounce_rate); null when that was 0."""

    visitors: int
    pageviews: int
    bounce_rate: float
    avg_duration: int
    visitors_change: float | None
    pageviews_change: float | None
    bounce_rate_change: float | None
    avg_duration_change: float | None


class PageRow(TypedDict):
    pathname: str
    visitors: int
    pageviews: int
    avg_duration: int


class ChannelRow(TypedDict):
    channel: str
    visitors: int
    pageviews: int


class ReferrerRow(TypedDict):
    referrer_source: str
    referrer: str | None
    visitors: int


class DeviceRow(TypedDict):
    device_type: str
    visitors: int


class BrowserRow(TypedDict):
    browser: str
    visitors: int


class OsRow(TypedDict):
    os: str
    visitors: int


class LanguageRow(TypedDict):
    language: str | None
    visitors: int


class CampaignRow(TypedDict):
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    visitors: int
    pageviews: int


class RecentConversion(TypedDict):
    id: str
    visitor_hash: str
    pageview_id: str | None
    created_at: str  # UTC, 2026-02-17T14:22:00Z


class GoalRow(TypedDict):
    domain: str
    id: str
    name: str
    type: Literal["url", "event"]
    is_active: bool
    completions: int
    visitors: int
    conversion_rate: float
    recent_conversions: list[RecentConversion]


class EcommerceFigures(TypedDict):
    revenue: float
    transactions: int
    avg_order_value: float
    conversion_rate: float
    revenue_change: float | None
    transactions_change: float | None
    avg_order_value_change: float | None
    conversion_rate_change: float | None


class ProductRow(TypedDict):
    item_name: str
    revenue: float
    quantity: int
    orders: int


class FunnelStep(TypedDict):
    step: str
    label: str
    visitors: int
    dropoff_rate: float


class SourceRevenueRow(TypedDict):
    source: str
    revenue: float
    transactions: int


class DayRow(TypedDict):
    date: str  # local YYYY-MM-DD, or the UTC hour YYYY-MM-DDTHH:00:00Z for period 24h
    visitors: int
    pageviews: int


class HourRow(TypedDict):
    hour: int  # 0-23, in each site's timezone
    visitors: int
    pageviews: int


class PropertyRow(TypedDict):
    value: str
    visitors: int
    events: int
    conversion_rate: float | None  # null: the tool takes no goal filter


class EntryRow(TypedDict):
    pathname: str
    visitors: int
    entries: int


class ExitRow(TypedDict):
    pathname: str
    visitors: int
    exits: int


class MinuteRow(TypedDict):
    minute: str  # UTC minute start, 2026-02-18T14:22:00Z
    visitors: int
    pageviews: int


class RealtimePageRow(TypedDict):
    pathname: str
    visitors: int
    pageviews: int


class RealtimeSourceRow(TypedDict):
    source: str
    visitors: int
    pageviews: int


class RealtimeFigures(TypedDict):
    current_visitors: int
    visitors: int
    pageviews: int
    minutes: list[MinuteRow]
    pages: list[RealtimePageRow]
    sources: list[RealtimeSourceRow]


# --- results ---------------------------------------------------------------------------


class TenantResult(TypedDict):
    tenant: str


# The period every periodic result echoes; `from` is a Python keyword, hence this form.
Window = TypedDict(
    "Window",
    {"tenant": str, "domain": str | None, "period": str, "from": str, "to": str},
)


class ListSites(TenantResult):
    sites: list[SiteRow]


class AnalyticsOverview(Window):
    overview: OverviewFigures


class TopPages(Window):
    pages: list[PageRow]


class TrafficSources(Window):
    channels: list[ChannelRow]
    referrers: list[ReferrerRow]


class DeviceAndBrowser(Window):
    devices: list[DeviceRow]
    browsers: list[BrowserRow]
    operating_systems: list[OsRow]


class Languages(Window):
    languages: list[LanguageRow]


class Campaigns(Window):
    campaigns: list[CampaignRow]


class Goals(Window):
    goals: list[GoalRow]


class EcommerceOverview(Window):
    currency: str | None  # null when the sites use different currencies
    ecommerce: EcommerceFigures


class EcommerceProducts(Window):
    currency: str | None
    products: list[ProductRow]
    funnel: list[FunnelStep]
    revenue_by_source: list[SourceRevenueRow]


class DailyBreakdown(Window):
    days: list[DayRow]


class HourlyBreakdown(Window):
    hours: list[HourRow]


# The extensions beyond the reference's 12 (mcp/extensions.py).


class Realtime(TenantResult):
    domain: str | None  # no period: always the last 30 minutes
    realtime: RealtimeFigures


class CustomProperties(Window):
    property: str
    properties: list[PropertyRow]


class EntryExitPages(Window):
    entry_pages: list[EntryRow]
    exit_pages: list[ExitRow]


class Locations(Window):
    level: str  # country, region or city: which of the API's rows `locations` holds
    locations: list[dict[str, Any]]  # /stats/countries', /stats/regions' or /stats/cities' rows


ToolResult = (
    ListSites
    | AnalyticsOverview
    | TopPages
    | TrafficSources
    | DeviceAndBrowser
    | Languages
    | Campaigns
    | Goals
    | EcommerceOverview
    | EcommerceProducts
    | DailyBreakdown
    | HourlyBreakdown
    | Realtime
    | CustomProperties
    | EntryExitPages
    | Locations
)

# tool name -> its result type: what the chat casts a structuredContent to.
BY_TOOL: dict[str, type] = {
    "list-sites": ListSites,
    "analytics-overview": AnalyticsOverview,
    "top-pages": TopPages,
    "traffic-sources": TrafficSources,
    "device-and-browser": DeviceAndBrowser,
    "languages": Languages,
    "campaigns": Campaigns,
    "goals": Goals,
    "ecommerce-overview": EcommerceOverview,
    "ecommerce-products": EcommerceProducts,
    "daily-breakdown": DailyBreakdown,
    "hourly-breakdown": HourlyBreakdown,
    "realtime": Realtime,
    "custom-properties": CustomProperties,
    "entry-exit-pages": EntryExitPages,
    "locations": Locations,
}


def keys(result_type: type) -> list[str]:
    """A result's keys in declaration order (the common ones first)."""
    return list(get_type_hints(result_type))


def own_keys(result_type: type) -> list[str]:
    """The keys a tool adds to the common ones (tenant, or the Window)."""
    common = get_type_hints(Window if "period" in get_type_hints(result_type) else TenantResult)
    return [k for k in keys(result_type) if k not in common]


def row_type(result_type: type, key: str) -> type | None:
    """The TypedDict of `key`'s rows (list[Row] or a single Row), or None for a plain value."""
    hint: Any = get_type_hints(result_type)[key]
    if get_origin(hint) is list:
        hint = get_args(hint)[0]
    return hint if isinstance(hint, type) and hasattr(hint, "__required_keys__") else None
