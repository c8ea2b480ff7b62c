"""The analytics view of one site: period and filter state in the URL, widgets fed by JSON routes.

The page is rendered by the server with one partial per widget; each widget then fetches
its numbers from `/dashboard/<tenant>/<domain>/data/<report>` with the page's own query
string, so period and filters travel in the URL and a view can be bookmarked. Filters are
parsed into the Query like the API's, and applied by the stats engine, never in the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, jsonify, render_template, request, url_for

from clearanalytics import accounts, stats
from clearanalytics.dashboard.auth import bp
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.request_scope import now as api_now
from clearanalytics.stats import periods, registry, site_status
from clearanalytics.stats.query import FILTER_DIMENSIONS, Query, QueryError, parse_query
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
    "country": "Country",  # the Locations panel (templates/widgets/locations.html)
    "region": "Region",
    "city": "City",
}
STATE_KEYS = ("period", "from", "to")


@dataclass(frozen=True)
class FilterChip:
    dimension: str
    label: str
    value: str
    remove_url: str


def view_state() -> dict[str, str]:
    """The URL parameters that make up a view: period or from/to, and filter[...]."""
    state = {k: request.args[k] for k in STATE_KEYS if request.args.get(k)}
    for key, value in request.args.items():
        if key.startswith("filter[") and key.endswith("]") and key[7:-1] in FILTER_DIMENSIONS:
            state[key] = value
    return state


def analytics_url(domain: str | None = None, **state: str) -> str:
    return url_for("dashboard.analytics", tenant=g.tenant.slug, domain=domain or g.site.domain, **state)


def _period_state(state: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in state.items() if k in STATE_KEYS}


def _filter_state(state: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in state.items() if k.startswith("filter[")}


def range_label(query: Query) -> str:
    if query.period in periods.BY_CODE:
        return periods.BY_CODE[query.period].label
    return f"{query.date_from.isoformat()} to {query.date_to.isoformat()}"


@bp.get("/dashboard/<tenant>/<domain>")
def analytics(tenant: str, domain: str):
    site = g.site
    state = view_state()
    error = None
    try:
        query = parse_query(state, [site], now=api_now())
    except QueryError as exc:
        error = exc.message
        state = _filter_state(state)  # only period, from and to can be malformed here
        query = parse_query(state, [site], now=api_now())
    status = store_of(get_db()).installation(site.id, api_now(), cur=get_cursor())
    filters = _filter_state(state)
    chips = [
        FilterChip(
            key[7:-1],
            FILTER_LABELS[key[7:-1]],
            value or "(none)",
            analytics_url(**{k: v for k, v in state.items() if k != key}),
        )
        for key, value in sorted(filters.items())
    ]
    period_links = [(p.code, p.label, analytics_url(period=p.code, **filters)) for p in periods.PERIODS]
    site_links = [(s.domain, analytics_url(domain=s.domain, **_period_state(state))) for s in g.sites]
    tenant_links = [
        (t.name, url_for("dashboard.tenant_home", tenant=t.slug), t.slug == g.tenant.slug)
        for t, _role in accounts.user_tenants(get_cursor(), g.user.id)
    ]
    return render_template(
        "analytics.html",
        site=site,
        query=query,
        state=state,
        filters=filters,
        chips=chips,
        error=error,
        status=status,
        period_links=period_links,
        range_label=range_label(query),
        site_links=site_links,
        tenant_links=tenant_links,
        data_base=url_for("dashboard.analytics", tenant=g.tenant.slug, domain=site.domain) + "/data/",
        base_url=analytics_url(),
        clear_url=analytics_url(**_period_state(state)),
        panels={group: registry.panels(group) for group in ("main", "ecommerce")},
    )


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
    if report == "current-visitors":
        query = parse_query({}, [g.site], now=api_now())
        return jsonify(data={"visitors": stats.current_visitors(get_cursor(), query)})
    if report == "installation":
        return jsonify(data=installation_json(store_of(get_db()).installation(g.site.id, api_now(), cur=get_cursor())))
    found = stats.REPORTS.get(report)
    if found is None:
        return json_error(404, f"Unknown report {report!r}.")
    try:
        query = parse_query(request.args, [g.site], now=api_now())
    except QueryError as exc:
        return json_error(422, exc.message, exc.field)
    return jsonify(data=found(get_cursor(), query))
