"""The MCP tool `locations` ([5/7] item 8), an extension after the 12: through the official SDK client on a
live server (test_mcp_tools' `served`: the DuckDB file and the stores apart), each level's rows equal the
API's /stats/countries, /regions and /cities and the plain-Python reference; and the chat's LLM engine can
call it."""

from __future__ import annotations

import json
from datetime import date

import jsonschema
import pytest
from app_helpers import app_on
from chat_support import FakeProvider
from stats_dataset import NOW
from test_chat_llm import openai_text, openai_tool_call

from clearanalytics import accounts
from clearanalytics.chat.engine import ChatContext
from clearanalytics.chat.loop import run_llm
from clearanalytics.chat.providers import OpenAIProvider
from clearanalytics.chat.tools import RegistryRunner, TenantTools
from clearanalytics.mcp.tools import list_tools
from tests import test_mcp_tools
from tests.mcp_client import with_session
from tests.stats_expected import LocationExpected
from tests.test_mcp_tools import SCOPES, api, call_all, in_one_hour

served = test_mcp_tools.served  # the live server on the dataset shifted to the real clock
REPORTS = {"country": "countries", "region": "regions", "city": "cities"}
DOMAINS = {("acme", None): ["shop.example", "blog.example"], ("acme", "shop.example"): ["shop.example"],
           ("acme", "blog.example"): ["blog.example"], ("rival", None): ["rival.example"]}  # fmt: skip


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"{s[0]}-{s[1] or 'all'}")
@pytest.mark.parametrize("arguments", [{}, {"period": "30d", "limit": 3}, {"period": "90d", "limit": 100}],
                         ids=lambda a: "-".join(f"{k}={v}" for k, v in a.items()) or "default")  # fmt: skip
def test_each_level_gives_the_apis_rows_and_the_references(served, scope, arguments):
    server, data = served
    tenant, domain = scope
    token = data.tokens[tenant]
    base = {"tenant": tenant} | ({"domain": domain} if domain else {}) | arguments
    calls = {level: base | ({"level": level} if level != "country" else {}) for level in REPORTS}  # default: country

    def fetch(now):
        async def work(session):
            return {level: await session.call_tool("locations", args) for level, args in calls.items()}

        results = with_session(server.url, token, work)
        query = {k: v for k, v in base.items() if k != "tenant"}
        return results, {
            level: api(server, token, f"stats/{report}", query)["data"] for level, report in REPORTS.items()
        }

    now, (results, answers) = in_one_hour(fetch)
    schema = next(t["outputSchema"] for t in list_tools() if t["name"] == "locations")
    expected = LocationExpected(data, DOMAINS[scope], {k: str(v) for k, v in arguments.items()}, now)
    for level, result in results.items():
        assert result.is_error is False, result.content
        jsonschema.validate(result.structured_content, schema)
        content = result.structured_content
        assert (content["tenant"], content["domain"], content["level"]) == (tenant, domain, level)
        assert content["locations"] == answers[level] == getattr(expected, REPORTS[level])(), level
        assert result.content[0].text.startswith(f"Visitors by {level} for ")
    if arguments.get("period") == "90d" and tenant == "acme":  # with data, not only empty lists
        assert all(results[level].structured_content["locations"] for level in REPORTS)


def test_listed_after_the_others_with_a_level_argument(served):
    server, data = served

    async def work(session):
        return await session.list_tools()

    tool = with_session(server.url, data.tokens["acme"], work).tools[-1]
    assert tool.name == "locations" and "extension beyond the reference" in tool.description
    assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
    assert tool.input_schema["properties"]["level"] == {
        "type": "string", "enum": ["country", "region", "city"], "default": "country",
        "description": "country (the default), region or city: which rows to list."}  # fmt: skip
    assert tool.input_schema["required"] == ["tenant"]


def test_a_bad_level_is_a_tool_error_naming_it(served):
    server, data = served
    result = call_all(server, data.tokens["acme"], {"locations": {"tenant": "acme", "level": "planet"}})["locations"]
    assert result.is_error is True
    assert result.content[0].text == "The level argument must be one of: country, region, city (got 'planet')."


@pytest.fixture(scope="module")
def imported(stats_import_data_dir):
    data_dir, data = stats_import_data_dir
    with app_on(data_dir, now=NOW) as app:
        yield data, app


def test_an_llm_calls_locations(imported):
    """The import lines carry their own locations (tests/stats_dataset.py LOCATIONS): through the real MCP
    registry in process, the model gets the cities the reference computes."""
    data, app = imported
    script = [openai_tool_call("call_1", "locations", {"level": "city", "period": "30d"}), openai_text("Done.")]
    acme = ["shop.example", "blog.example"]
    with app.extensions["clearanalytics.db"].reading() as cur, FakeProvider(script) as fake:
        tenant = accounts.get_tenant(cur, "acme")
        user = accounts.get_user(cur, "owner@acme.test")
        tools = TenantTools(RegistryRunner(cur, tenant.id, user.id, now=NOW), "acme")
        ctx = ChatContext("acme", tools, date(2026, 2, 19), acme)
        events = list(run_llm(OpenAIProvider(fake.url, "m"), "which cities do visitors come from?", ctx))
    offered = {t["function"]["name"]: t["function"]["parameters"] for t in fake.requests[0]["body"]["tools"]}
    assert offered["locations"]["properties"]["level"]["enum"] == ["country", "region", "city"]
    answer = json.loads(fake.requests[1]["body"]["messages"][-1]["content"])
    cities = LocationExpected(data, acme, {"period": "30d"}, NOW).cities()
    assert answer["isError"] is False and answer["data"]["level"] == "city"
    assert answer["data"]["locations"] == cities and cities
    assert [c["name"] for c in events[-1]["message"]["tool_calls"]] == ["locations"]
