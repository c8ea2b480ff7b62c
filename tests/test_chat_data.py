"""The chat on a known imported dataset, through the real MCP tool registry: answers carry the right numbers.

The dataset and the plain-Python reference are the stats tests' (tests/stats_dataset.py and
tests/stats_expected.py): its raw traffic goes through `clearanalytics import` (the real ingest
pipeline), and the expected numbers never go through the engine's SQL.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from app_helpers import app_on
from dashboard_helpers import session_for
from stats_dataset import NOW
from stats_expected import Expected

from clearanalytics import accounts
from clearanalytics.chat.engine import BuiltinEngine, ChatContext
from clearanalytics.chat.tools import RegistryRunner, TenantTools
from clearanalytics.stats.query import today_in
from tests.test_mcp_protocol import EXTENSION_TOOLS, TOOL_NAMES

ACME = ["shop.example", "blog.example"]


@pytest.fixture(scope="module")
def dataset(stats_import_data_dir):
    """The stats dataset imported into a real data dir, and an app over it on the dataset's pinned clock."""
    data_dir, data = stats_import_data_dir
    with app_on(data_dir, now=NOW) as app:
        yield data, app


def ask(dataset, question: str) -> dict:
    """The built-in engine on the MCP registry, in-process."""
    _data, app = dataset
    with app.extensions["clearanalytics.db"].reading() as cur:
        tenant = accounts.get_tenant(cur, "acme")
        user = accounts.get_user(cur, "owner@acme.test")
        sites = accounts.list_sites(cur, tenant.id)
        todays = {s.domain: today_in(s, NOW) for s in sites}
        tools = TenantTools(RegistryRunner(cur, tenant.id, user.id, now=NOW), "acme")
        ctx = ChatContext("acme", tools, max(todays.values()), [s.domain for s in sites], [], todays)
        events = list(BuiltinEngine().run(question, ctx))
    return events[-1]["message"]


def test_visitors_last_week(dataset):
    # NOW is Wednesday 2026-02-18 in New York and Thursday the 19th in Tokyo: last week is 9-15 February.
    expected = Expected(dataset[0], ACME, {"from": "2026-02-09", "to": "2026-02-15"}, NOW).overview_values()
    message = ask(dataset, "How many visitors did I have last week?")
    assert message["text"].startswith(f"You had {expected['visitors']:,} visitors last week.")
    assert message["tool_calls"][0] == {
        "name": "analytics-overview",
        "arguments": {"tenant": "acme", "from": "2026-02-09", "to": "2026-02-15"},
    }
    days = Expected(dataset[0], ACME, {"from": "2026-02-09", "to": "2026-02-15"}, NOW).timeseries()
    assert message["charts"][0]["labels"] == [d["date"] for d in days]
    assert message["charts"][0]["series"][0]["values"] == [d["visitors"] for d in days]


def test_pageviews_in_the_last_30_days_with_the_change(dataset):
    expected = Expected(dataset[0], ACME, {"period": "30d"}, NOW).overview()
    message = ask(dataset, "pageviews in the last 30 days")
    change = expected["pageviews_change"]
    words = "up" if change > 0 else "down"
    assert message["text"] == (
        f"You had {expected['pageviews']:,} pageviews in the last 30 days. "
        f"That is {words} {abs(change):.1f}% on the previous period. Period: 21 January – 19 February 2026."
    )


def test_top_pages_last_month_on_one_site(dataset):
    pages = Expected(dataset[0], ["shop.example"], {"from": "2026-01-01", "to": "2026-01-31", "limit": 3}, NOW).pages()
    message = ask(dataset, "top 3 pages on shop.example last month")
    shown = ", ".join(f"{p['pathname']} ({p['pageviews']:,})" for p in pages)
    assert message["text"] == f"Top pages on shop.example last month by pageviews: {shown}. Period: 1–31 January 2026."


def test_bounce_rate_yesterday_is_the_sites_own_yesterday(dataset):
    # New York's today is the 18th, so its yesterday is the 17th (Tokyo is already on the 19th).
    expected = Expected(dataset[0], ["shop.example"], {"from": "2026-02-17", "to": "2026-02-17"}, NOW)
    message = ask(dataset, "bounce rate yesterday on shop.example")
    assert message["text"].startswith(
        f"Your bounce rate on shop.example yesterday was {expected.overview_values()['bounce_rate']:.1f}%."
    )


def test_another_tenants_site_is_refused_before_any_tool(dataset):
    message = ask(dataset, "visitors on rival.example")
    assert message["text"].startswith('I could not read the site in your question: "rival.example". It is not one')
    assert message["tool_calls"] == [] and message["charts"] == []
    assert sorted(message["suggestions"]) == ["visitors on blog.example", "visitors on shop.example"]


def test_revenue_this_month(dataset):
    expected = Expected(dataset[0], ACME, {"from": "2026-02-01", "to": "2026-02-19"}, NOW).ecommerce_values()
    message = ask(dataset, "How much revenue did I make this month?")
    assert message["text"].startswith(f"Your revenue this month was {expected['revenue']:,.2f} EUR.")


def test_the_route_uses_the_registry_on_the_apis_clock(dataset):
    """No runner installed: the route calls the MCP registry itself, with the API's (pinned) NOW."""
    data, app = dataset
    client = app.test_client()
    with app.extensions["clearanalytics.db"].reading() as cur:
        user = accounts.get_user(cur, "owner@acme.test")
    session_for(app, client, user.id, "t")
    response = client.post(
        "/dashboard/acme/chat", json={"question": "visitors last week"}, headers={"X-CSRF-Token": "t"}
    )
    done = json.loads(response.get_data(as_text=True).splitlines()[-1])
    expected = Expected(data, ACME, {"from": "2026-02-09", "to": "2026-02-15"}, NOW).overview_values()
    assert done["type"] == "done"
    assert done["message"]["text"].startswith(f"You had {expected['visitors']:,} visitors last week.")


def test_an_llm_gets_the_registrys_tools_and_the_tenants_own_aggregates(dataset):
    from chat_support import FakeProvider

    from clearanalytics.chat.loop import run_llm
    from clearanalytics.chat.providers import OpenAIProvider

    data, app = dataset
    call = {"id": "call_1", "type": "function", "function": {"name": "analytics-overview", "arguments": ""}}
    call["function"]["arguments"] = json.dumps({"from": "2026-02-09", "to": "2026-02-15", "tenant": "rival"})
    script = [
        (200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": [call]}}]}),
        (200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Done."}}]}),
    ]
    with app.extensions["clearanalytics.db"].reading() as cur, FakeProvider(script) as fake:
        tenant = accounts.get_tenant(cur, "acme")
        user = accounts.get_user(cur, "owner@acme.test")
        tools = TenantTools(RegistryRunner(cur, tenant.id, user.id, now=NOW), "acme")
        ctx = ChatContext("acme", tools, date(2026, 2, 19), ACME)
        events = list(run_llm(OpenAIProvider(fake.url, "m"), "visitors last week?", ctx))
    listed = fake.requests[0]["body"]["tools"]
    assert sorted(t["function"]["name"] for t in listed) == sorted(TOOL_NAMES + EXTENSION_TOOLS)
    assert all(
        "from" in t["function"]["parameters"]["properties"] for t in listed if t["function"]["name"] != "list-sites"
    )
    fed_back = json.loads(fake.requests[1]["body"]["messages"][-1]["content"])
    expected = Expected(data, ACME, {"from": "2026-02-09", "to": "2026-02-15"}, NOW).overview()
    assert fed_back["data"]["tenant"] == "acme"  # the model asked for "rival"; the server answers for acme
    assert fed_back["data"]["overview"] == expected
    assert events[-1]["message"]["text"] == "Done."
