"""The MCP tools beyond the reference's 12: realtime, custom properties, entry and exit pages, locations.

Listed after the 12 (tools._registry), read-only like them, and thin in the same way: each calls
the registry report that answers the matching /api/v1 route (stats/registry.py), on the same
Query, and passes its `data` through unchanged, so a tool's structuredContent equals the API's
for the same arguments; the output schemas are the API's (api_data). Only the summaries are
written here. They live apart from reports.py so that the 12 of the reference stay as they are.
"""

from __future__ import annotations

import duckdb

from clearanalytics import stats
from clearanalytics.mcp import results as r
from clearanalytics.mcp.reports import STR, api_data, by, listing, where
from clearanalytics.mcp.tools import COMMON_OUTPUT, Scope, ToolSpec, window


def sites_of(scope: Scope) -> str:
    """'example.com' or 'all sites of acme': realtime has no period to name."""
    return scope.domain or f"all sites of {scope.tenant.slug}"


def realtime(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.Realtime]:
    data = stats.REPORTS["realtime"](cur, scope.query)
    text = (
        f"Realtime for {sites_of(scope)}: {data['current_visitors']:,} current visitors (last 5 minutes); "
        f"last 30 minutes {data['visitors']:,} visitors and {data['pageviews']:,} pageviews; "
        f"pages {listing(data['pages'], by('pathname'), 'visitors', 'visitors')}; "
        f"sources {listing(data['sources'], by('source'), 'visitors', 'visitors')}."
    )
    return text, r.Realtime(tenant=scope.tenant.slug, domain=scope.domain, realtime=data)


def custom_properties(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.CustomProperties]:
    data = stats.REPORTS["properties"](cur, scope.query)
    name = scope.query.prop_name or ""
    text = f"Custom property {name!r} for {where(scope)}: {listing(data, by('value'), 'visitors', 'visitors')}."
    return text, r.CustomProperties(**window(scope), property=name, properties=data)


def entry_exit_pages(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.EntryExitPages]:
    entries = stats.REPORTS["entry-pages"](cur, scope.query)
    exits = stats.REPORTS["exit-pages"](cur, scope.query)
    text = (
        f"Entry and exit pages for {where(scope)}: "
        f"entry pages {listing(entries, by('pathname'), 'entries', 'sessions')}; "
        f"exit pages {listing(exits, by('pathname'), 'exits', 'sessions')}."
    )
    return text, r.EntryExitPages(**window(scope), entry_pages=entries, exit_pages=exits)


LEVELS = {"country": "countries", "region": "regions", "city": "cities"}  # level -> the registry report


def locations(cur: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, r.Locations]:
    level = (scope.choices or {}).get("level", "country")
    data = stats.REPORTS[LEVELS[level]](cur, scope.query)

    def place(row: dict) -> str:  # codes, as the API gives them: "DE", "DE-BY", "Munich (DE-BY)"
        if level == "city":
            return f"{row['city']} ({row['region'] or row['country_code'] or '(unknown)'})"
        return row[level if level == "region" else "country_code"] or "(unknown)"

    text = f"Visitors by {level} for {where(scope)}: {listing(data, place, 'visitors', 'visitors')}."
    return text, r.Locations(**window(scope), level=level, locations=data)


EXTENSIONS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "realtime",
        "Realtime",
        "The last 30 minutes (an extension beyond the reference): current visitors (a pageview in the last 5 "
        "minutes), unique visitors and pageviews of the 30 minutes, visitors and pageviews per UTC minute (all 30 "
        "listed), and the top pages and sources. period, from and to are not used.",
        r.Realtime,
        {"domain": COMMON_OUTPUT["domain"], "realtime": api_data("/stats/realtime")},
        realtime,
        lists=True,
    ),
    ToolSpec(
        "custom-properties",
        "Custom properties",
        "One custom property's values (an extension beyond the reference): the values the tracker sent with custom "
        "events under the property name, each with unique visitors and events, most visitors first.",
        r.CustomProperties,
        {"property": STR, "properties": api_data("/stats/properties")},
        custom_properties,
        lists=True,
        required=stats.REPORTS["properties"].required,
    ),
    ToolSpec(
        "entry-exit-pages",
        "Entry and exit pages",
        "Entry pages (the first page of each session) and exit pages (the last), an extension beyond the "
        "reference: per path, unique visitors and the sessions entering or leaving there, most sessions first.",
        r.EntryExitPages,
        {"entry_pages": api_data("/stats/entry-pages"), "exit_pages": api_data("/stats/exit-pages")},
        entry_exit_pages,
        lists=True,
    ),
    ToolSpec(
        "locations",
        "Locations",
        "Where visitors are (an extension beyond the reference): unique visitors and pageviews per country "
        "(ISO 3166-1 alpha-2 code; null is an unknown location), per region (ISO 3166-2, such as DE-BY) or per "
        "city (English name, with its country and region), most visitors first.",
        r.Locations,
        {
            "level": {"type": "string", "enum": list(LEVELS)},
            "locations": {
                "type": "array",
                "items": {"anyOf": [api_data(f"/stats/{report}")["items"] for report in LEVELS.values()]},
            },
        },
        locations,
        lists=True,
        choices=(("level", tuple(LEVELS), "country (the default), region or city: which rows to list."),),
    ),
)
