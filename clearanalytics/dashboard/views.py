"""The analytics view of one site: period and filter state in the URL, widgets fed by JSON routes.

The page is rendered by the server with one partial per widget; each widget then fetches
its numbers from `/dashboard/<tenant>/<domain>/data/<report>` with the page's own query
string, so period and filters travel in the URL and a view can be bookmarked. Filters are
parsed into the Query like the API's, and applied by the stats engine, never in the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from flask import g, jsonify, render_template, request, url_for

from clearanalytics import accounts, stats
from clearanalytics.dashboard.auth import bp
from clearanalytics.ingest.referrers import network_name
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.request_scope import now as api_now
from clearanalytics.stats import comparison, imported, periods, registry, site_status
from clearanalytics.stats.query import (
    FILTER_DIMENSIONS,
    MAX_PROPERTY_NAME,
    PROPS_PREFIX,
    Query,
    QueryError,
    parse_query,
    today_in,
)
from clearanalytics.storage import store_of
from clearanalytics.timefmt import iso_utc
from clearanalytics.web_errors import json_error

FILTER_LABELS = {
    "page": "Page",
    "hostname": "Hostname",
    "referrer": "Referrer",
    "source": "Source",
    "channel": "Channel",
    "utm_source": "UTM source",
    "utm_medium": "UTM medium",
    "utm_campaign": "Campaign",
    "browser": "Browser",
    "os": "OS",
    "device": "Device",
    "language": "Language",
    "country": "Country",  # codes in the chip (DE, DE-BY); the Locations panel names them in the browser
    "region": "Region",
    "city": "City",
}
STATE_KEYS = ("period", "from", "to", "interval")
INTERVAL_LABELS = (("day", "Days"), ("week", "Weeks"), ("month", "Months"))
# The fixed widgets beside the registry's table panels; a shared link may show only some of them.
WIDGETS = ("kpis", "chart", "realtime", "ecommerce", "locations", "properties")


@dataclass(frozen=True)
class FilterChip:
    dimension: str
    label: str
    value: str
    remove_url: str


def _view_filter(dimension: str) -> bool:
    """A filter the view carries: a pageview dimension, or a custom property (`props.NAME`, the properties
    panel's click-to-filter), whose name is checked as the API checks it."""
    if dimension.startswith(PROPS_PREFIX):
        return 0 < len(dimension) - len(PROPS_PREFIX) <= MAX_PROPERTY_NAME
    return dimension in FILTER_DIMENSIONS


def filter_label(dimension: str) -> str:
    """A chip's label: "Property plan" for props.plan."""
    if dimension.startswith(PROPS_PREFIX):
        return f"Property {dimension[len(PROPS_PREFIX) :]}"
    return FILTER_LABELS[dimension]


def view_state() -> dict[str, str]:
    """The URL parameters that make up a view: period or from/to, and filter[...]."""
    state = {k: request.args[k] for k in STATE_KEYS if request.args.get(k)}
    for key, value in request.args.items():
        if key.startswith("filter[") and key.endswith("]") and _view_filter(key[7:-1]):
            state[key] = value
    return state


def analytics_url(domain: str | None = None, **state: str) -> str:
    return url_for("dashboard.analytics", tenant=g.tenant.slug, domain=domain or g.site.domain, **state)


def _period_state(state: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in state.items() if k in STATE_KEYS}


def chart_interval(query: Query) -> str:
    """The chart's buckets when the URL names none: days up to a month, weeks up to a quarter, then
    months, so 12 months draw 13 points rather than 365."""
    if query.hourly:
        return "hour"
    days = (query.date_to - query.date_from).days + 1
    return "day" if days <= 31 else "week" if days <= 92 else "month"


def last_bucket_running(query: Query, site) -> bool:
    """The period reaches today (or is the last 24 hours): its last bucket is still filling."""
    return query.hourly or query.date_to >= today_in(site, query.now)


def _filter_state(state: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in state.items() if k.startswith("filter[")}


def range_label(query: Query) -> str:
    """The period's name; its dates follow it on the page (once)."""
    if query.period in periods.BY_CODE:
        return periods.BY_CODE[query.period].label
    return "Custom range"


def plain_error(exc: QueryError, state: dict[str, str]) -> str:
    """A period the URL got wrong, said for a person rather than as the API's field message."""
    if exc.field in ("from", "to"):
        if state.get("from") and state.get("to") and state["from"] > state["to"]:
            start, end = state["from"], state["to"]
            return f"The range starts ({start}) after it ends ({end}): pick a start on or before the end."
        if "ten years" in exc.message:
            return "A custom range can span at most ten years."
        if "required" in exc.message:
            return "Pick both a start and an end date."
        return "That date could not be read: pick it with the calendar."
    if exc.field == "interval":
        return "Those chart buckets are not available for this period."
    return "That period is not one the dashboard knows."


def view_context(site, page_url: Callable[..., str]) -> dict:
    """What the analytics view of `site` shows, whoever looks: the period, its filters and their links.

    `page_url(**state)` is the view's own URL with that state: the dashboard's, or a shared link's
    (dashboard/shared.py), so both faces render the same page from one implementation."""
    state = view_state()
    error = range_error = typed_range = None
    try:
        query = parse_query(state, [site], now=api_now())
    except QueryError as exc:
        error = plain_error(exc, state)
        if exc.field in ("from", "to"):
            range_error, typed_range = error, (state.get("from", ""), state.get("to", ""))
        state = _filter_state(state)  # only period, from, to and interval can be malformed here
        query = parse_query(state, [site], now=api_now())
    interval = state.get("interval") or chart_interval(query)
    query = replace(query, interval=interval)
    filters = _filter_state(state)
    chips = [
        FilterChip(
            key[7:-1],
            filter_label(key[7:-1]),
            value or "(none)",
            page_url(**{k: v for k, v in state.items() if k != key}),
        )
        for key, value in sorted(filters.items())
    ]
    interval_links = (
        []
        if query.hourly
        else [(code, label, page_url(**(state | {"interval": code}))) for code, label in INTERVAL_LABELS]
    )
    return {
        "site": site,
        "query": query,
        "state": state,
        "query_state": state,
        "interval_links": interval_links,
        "partial_last": last_bucket_running(query, site),
        "filters": filters,
        "chips": chips,
        "error": error,
        "range_error": range_error,
        "typed_range": typed_range,
        "status": store_of(get_db()).installation(site.id, api_now(), cur=get_cursor()),
        "period_links": [(p.code, p.label, page_url(period=p.code, **filters)) for p in periods.PERIODS],
        "range_label": range_label(query),
        "base_url": page_url(),
        "clear_url": page_url(**_period_state(state)),
        "panels": {group: registry.panels(group) for group in ("main", "ecommerce")},
        "widgets": WIDGETS,
        "shared": None,
        "imported": _imported_note(query),
    }


@bp.get("/dashboard/<tenant>/<domain>")
def analytics(tenant: str, domain: str):
    site = g.site
    context = view_context(site, analytics_url)
    site_links = [(s.domain, analytics_url(domain=s.domain, **_period_state(context["state"]))) for s in g.sites]
    tenant_links = [
        (t.name, url_for("dashboard.tenant_home", tenant=t.slug), t.slug == g.tenant.slug)
        for t, _role in accounts.user_tenants(get_cursor(), g.user.id)
    ]
    return render_template(
        "analytics.html",
        site_links=site_links,
        tenant_links=tenant_links,
        data_base=url_for("dashboard.analytics", tenant=g.tenant.slug, domain=site.domain) + "/data/",
        **context,
    )


def _imported_note(query) -> str | None:
    """The view's note on imported days (stats/imported.py): included, or left out by a filter."""
    if imported.in_answer("overview", replace(query, filters=())):
        return "left out" if query.filters else "included"
    return None


def installation_json(status: site_status.Installation) -> dict:
    last = status.last_pageview_at
    return {
        "installed": status.has_data,
        "pageviews": status.pageviews,
        "pageviews_24h": status.pageviews_24h,
        "events": status.events,
        "ecommerce_events": status.ecommerce_events,
        "last_pageview_at": iso_utc(last) if last else None,
    }


@bp.get("/dashboard/<tenant>/<domain>/data/<path:report>")
def data(tenant: str, domain: str, report: str):
    """One widget's numbers, as JSON, straight from the report registry (any report, panel or not)."""
    return data_answer(g.site, report, request.args)


def data_answer(site, report: str, args: Mapping[str, str]):
    """Report `report` of `site` for the view's `args`: the one data route of the dashboard and of shared links."""
    if report == "current-visitors":
        query = parse_query({}, [site], now=api_now())
        return jsonify(data={"visitors": stats.current_visitors(get_cursor(), query)})
    if report == "comparison":
        try:
            query = parse_query(args, [site], now=api_now())
        except QueryError as exc:
            return json_error(422, exc.message, exc.field)
        return jsonify(data=comparison.coverage(get_cursor(), query))
    if report == "installation":
        return jsonify(data=installation_json(store_of(get_db()).installation(site.id, api_now(), cur=get_cursor())))
    found = stats.REPORTS.get(report)
    if found is None:
        return json_error(404, f"Unknown report {report!r}.")
    try:
        query = parse_query(args, [site], now=api_now())
    except QueryError as exc:
        return json_error(422, exc.message, exc.field)
    rows = found(get_cursor(), query)
    labels = _labels(report, rows)
    response = jsonify(data=rows, labels=labels) if labels else jsonify(data=rows)
    if imported.in_answer(found.sql, query):
        response.headers[imported.HEADER] = "true"
    return response


def _labels(report: str, rows) -> dict[str, dict[str, str]]:
    """Display text for values the dashboard filters by, beside the rows (which stay the API's own):
    {field: {value: text}}. A social referrer's source is the channel "social" in the API, as the
    reference has it; a person wants the network's name, keyed here by the referring host."""
    if report != "referrers":
        return {}
    names = {row["referrer"]: network_name(row["referrer"]) for row in rows if row["referrer_source"] == "social"}
    return {"referrer": {host: name for host, name in names.items() if name}} if any(names.values()) else {}
