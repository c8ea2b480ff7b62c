"""Every MCP tool on a live server, through the SDK client, against the API and the plain-Python reference.

The stats tests' dataset (two tenants, three sites in New York, Tokyo and UTC time, 46 days of
sessions, goals and purchases) is shifted so that its pinned `NOW` is the real clock's now,
loaded into a data dir, and served. For each tenant, domain and period (paired: PAIRS), every tool's
`structuredContent` must equal the API's `data` for the same arguments, and the reports that
have no API route (channels, hours of day, goal conversions) must equal
tests/stats_expected.py's independent computation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import requests

from clearanalytics.mcp.tools import list_tools
from tests import stats_dataset
from tests.conftest import LiveServer
from tests.mcp_client import with_session
from tests.split_helpers import split_server_env
from tests.stats_expected import Expected

TENANT_DOMAINS = {"acme": ["shop.example", "blog.example"], "rival": ["rival.example"]}
SCOPES = [("acme", None), ("acme", "shop.example"), ("acme", "blog.example"), ("rival", None)]
ARGUMENTS = [{}, {"period": "24h"}, {"period": "30d", "limit": 3}, {"period": "12m", "limit": 100}]
# What this module proves is that a tool asks the engine what the API asks it (scope, period and limit passed
# on alike); whether those answers are right is proven elsewhere: each API report against the reference on both
# set-ups in tests/test_api_stats.py (every period, limit and filter over acme's two sites, each single site with
# some), channels, hours and goal conversions in tests/test_stats_engine.py (every scope x period, DuckDB and
# ClickHouse). So every scope and every argument set runs here once per set-up, in pairs that differ between the
# two set-ups (8 of the 16 pairs: each scope with two argument sets, each argument set with two scopes), where
# all 16 ran on both before.
PAIRS = {
    "duckdb": [
        (SCOPES[0], ARGUMENTS[2]),
        (SCOPES[1], ARGUMENTS[3]),
        (SCOPES[2], ARGUMENTS[0]),
        (SCOPES[3], ARGUMENTS[1]),
    ],
    "split": [
        (SCOPES[0], ARGUMENTS[0]),
        (SCOPES[1], ARGUMENTS[1]),
        (SCOPES[2], ARGUMENTS[3]),
        (SCOPES[3], ARGUMENTS[2]),
    ],
}
# tool -> {structuredContent key: the /api/v1 path answering the same question}
SAME_AS_API = {
    "analytics-overview": {"overview": "stats/overview"},
    "top-pages": {"pages": "stats/pages"},
    "traffic-sources": {"referrers": "stats/referrers"},
    "device-and-browser": {
        "devices": "stats/devices",
        "browsers": "stats/browsers",
        "operating_systems": "stats/operating-systems",
    },
    "languages": {"languages": "stats/languages"},
    "campaigns": {"campaigns": "stats/campaigns"},
    "ecommerce-overview": {"ecommerce": "stats/ecommerce/overview"},
    "ecommerce-products": {
        "products": "stats/ecommerce/products",
        "funnel": "stats/ecommerce/funnel",
        "revenue_by_source": "stats/ecommerce/revenue-by-source",
    },
    "daily-breakdown": {"days": "stats/timeseries"},
}
LIST_TOOLS = {"top-pages", "traffic-sources", "device-and-browser", "languages", "campaigns", "goals"}
LIST_TOOLS |= {"ecommerce-products"}


def shifted(data: stats_dataset.Dataset, now: datetime) -> stats_dataset.Dataset:
    """The dataset moved in time so that its pinned NOW is `now`: the live server reads the real clock.

    Moving by a fraction of a day moves rows across local midnights, so the hashes are re-keyed
    with the new local day, as ingest's daily salt would have made them: a visitor or session
    never spans two local days (docs/METRICS.md), which the daily rollups rely on.
    """
    delta = now - stats_dataset.NOW
    zones = {site["id"]: ZoneInfo(site["timezone"]) for site in data.sites.values()}
    for table in (data.pageviews, data.events, data.ecommerce, data.completions):
        for row in table:
            row["created_at"] += delta
            day = row["created_at"].replace(tzinfo=UTC).astimezone(zones[row["site_id"]]).date().isoformat()
            row["visitor_hash"] = f"{row['visitor_hash']}-{day}"
            if row.get("session_hash"):
                row["session_hash"] = f"{row['session_hash']}-{day}"
    return data


@pytest.fixture(scope="module")
def served(tmp_path_factory, stats_setup, request):
    """A live server on the shifted dataset: the DuckDB file, or the stores apart (stats_setup)."""
    data_dir = tmp_path_factory.mktemp("mcp-tools") / "data"
    data = shifted(stats_dataset.build(), utcnow())
    env = {"CLEARANALYTICS_RATE_LIMIT": "100000/minute"}
    if stats_setup == "split":
        env |= split_server_env(data_dir.parent, data, request.getfixturevalue("pg_server"))
    else:
        stats_dataset.load(data_dir, data)
    server = LiveServer(data_dir, env=env).start()
    yield server, data
    server.stop()


def api(server, token: str, path: str, params: dict) -> dict:
    response = requests.get(
        f"{server.url}/api/v1/{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, (path, params, response.text)
    return response.json()


def call_all(server, token: str, calls: dict[str, dict]) -> dict:
    async def work(session):
        return {name: await session.call_tool(name, arguments) for name, arguments in calls.items()}

    return with_session(server.url, token, work)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def in_one_hour(fetch):
    """fetch(now), run again when the UTC hour turned meanwhile: periods move on the hour (local
    midnights are hour boundaries too in these timezones), so the tool, the API and the reference
    must all read one clock hour for their numbers to be comparable."""
    for _ in range(2):
        now = utcnow()
        got = fetch(now)
        if utcnow().replace(minute=0, second=0, microsecond=0) == now.replace(minute=0, second=0, microsecond=0):
            return now, got
    raise AssertionError("two hour boundaries passed during one test case")


@pytest.mark.parametrize("pair", range(4), ids=lambda i: f"pair{i}")
def test_every_tool_gives_the_apis_numbers(served, stats_setup, pair):
    server, data = served
    scope, arguments = PAIRS[stats_setup][pair]
    tenant, domain = scope
    token = data.tokens[tenant]
    period, limit = arguments.get("period", "7d"), arguments.get("limit", 10)
    base = {"tenant": tenant} | ({"domain": domain} if domain else {})
    calls = {}
    for name in [*SAME_AS_API, "goals", "hourly-breakdown"]:
        calls[name] = base | {k: v for k, v in arguments.items() if k != "limit" or name in LIST_TOOLS}

    def fetch(_now):
        results = call_all(server, token, calls)
        answers = {
            (name, key): api(server, token, path, {k: v for k, v in calls[name].items() if k != "tenant"})["data"]
            for name, sections in SAME_AS_API.items()
            for key, path in sections.items()
        }
        completions = {
            goal["id"]: api(server, token, f"goals/{goal['id']}/completions", {"period": period, "limit": 5})
            for goal in (results["goals"].structured_content or {}).get("goals", [])
        }
        return results, answers, completions

    now, (results, answers, completions) = in_one_hour(fetch)

    output_schemas = {tool["name"]: tool["outputSchema"] for tool in list_tools()}
    for name, result in results.items():
        assert result.is_error is False, (name, result.content)
        structured = result.structured_content
        jsonschema.validate(structured, output_schemas[name])  # with data, not only empty lists
        assert (structured["tenant"], structured["domain"], structured["period"]) == (tenant, domain, period)
        assert result.content[0].text and result.content[1].text.startswith("{")
    for (name, key), data_of_api in answers.items():
        assert results[name].structured_content[key] == data_of_api, (name, key)

    domains = [domain] if domain else TENANT_DOMAINS[tenant]
    reference = Expected(data, domains, {"period": period, "limit": limit}, now)
    assert results["hourly-breakdown"].structured_content["hours"] == reference.hours()
    assert [h["hour"] for h in reference.hours()] == list(range(24))
    assert results["traffic-sources"].structured_content["channels"] == reference.channels()

    # goals: each goal on its own site's calendar, as /goals/{goal}/completions counts it
    goals = results["goals"].structured_content["goals"]
    expected_goals = []
    for each in domains:
        expected_goals += Expected(data, [each], {"period": period}, now).goal_conversions()
    expected_goals.sort(key=lambda r: (-r["completions"], r["name"], r["id"]))
    assert [{k: v for k, v in g.items() if k not in ("domain", "recent_conversions")} for g in goals] == (
        expected_goals[:limit]
    )
    site_domains = {site["id"]: site["domain"] for site in data.sites.values()}
    goal_sites = {goal["id"]: goal["site_id"] for goal in data.goals}
    assert all(g["domain"] == site_domains[goal_sites[g["id"]]] for g in goals)
    for goal in goals:
        assert goal["completions"] == completions[goal["id"]]["meta"]["total"]
        assert goal["recent_conversions"] == [
            {k: v for k, v in c.items() if k != "goal_id"} for c in completions[goal["id"]]["data"]
        ]


def test_the_numbers_are_the_reference_computations_too(served):
    """Spot checks against the plain-Python reference, so that MCP and API cannot be wrong together."""
    server, data = served
    calls = {
        "analytics-overview": {"tenant": "acme", "period": "30d"},
        "top-pages": {"tenant": "acme", "period": "30d", "limit": 3},
        "ecommerce-products": {"tenant": "acme", "period": "30d", "domain": "shop.example"},
        "daily-breakdown": {"tenant": "acme"},
    }
    now, results = in_one_hour(lambda _now: call_all(server, data.tokens["acme"], calls))
    everything = Expected(data, TENANT_DOMAINS["acme"], {"period": "30d", "limit": 3}, now)
    shop = Expected(data, ["shop.example"], {"period": "30d"}, now)
    week = Expected(data, TENANT_DOMAINS["acme"], {}, now)
    assert results["analytics-overview"].structured_content["overview"] == everything.overview()
    assert results["analytics-overview"].structured_content["overview"]["visitors"] > 0
    assert results["top-pages"].structured_content["pages"] == everything.pages()
    products = results["ecommerce-products"].structured_content
    assert (products["products"], products["funnel"]) == (shop.products(), shop.funnel())
    assert products["revenue_by_source"] == shop.revenue_by_source()
    assert products["currency"] == "EUR"
    days = results["daily-breakdown"].structured_content
    assert days["days"] == week.timeseries() and len(days["days"]) == 7
    assert (days["from"], days["to"]) == (week.window.date_from.isoformat(), week.window.date_to.isoformat())


def test_list_sites_and_tenant_isolation(served):
    server, data = served
    results = call_all(
        server,
        data.tokens["acme"],
        {
            "list-sites": {"tenant": "acme"},
            "top-pages": {"tenant": "acme", "domain": "rival.example"},
            "analytics-overview": {"tenant": "rival"},
        },
    )
    assert results["list-sites"].structured_content["sites"] == [
        {"domain": "blog.example", "timezone": "Asia/Tokyo", "currency": "EUR"},
        {"domain": "shop.example", "timezone": "America/New_York", "currency": "EUR"},
    ]
    assert (
        results["top-pages"].is_error
        and "'rival.example' is not one of the sites" in results["top-pages"].content[0].text
    )
    assert results["analytics-overview"].is_error
    assert (
        results["analytics-overview"].content[0].text
        == "You are not a member of tenant 'rival'. Your tenant is 'acme'."
    )
