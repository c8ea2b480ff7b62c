"""The faces of issue [2/7]: typed tool results, one table of periods, and the MCP/chat bugs it caused.

Through the real faces: MCP over HTTP with the official SDK client on a live server
(test_mcp_tools' `served`: the stats dataset shifted to the real clock), and the chat through
its route on an app over the same dataset with the server clock pinned (`NOW`). Expected
numbers come from tests/stats_expected.py, the independent plain-Python computation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import timedelta
from types import UnionType
from typing import Literal, get_args, get_origin, get_type_hints

import jsonschema
import pytest
from chat_support import FakeProvider
from dashboard_helpers import session_for
from stats_dataset import NOW
from stats_expected import Expected
from test_chat_llm import openai_text, openai_tool_call

from clearanalytics import accounts
from clearanalytics.chat import answers
from clearanalytics.mcp import results
from clearanalytics.mcp.tools import list_tools
from tests import test_mcp_tools
from tests.mcp_client import with_session
from tests.split_helpers import stats_app
from tests.test_mcp_tools import TENANT_DOMAINS, api, in_one_hour

served = test_mcp_tools.served  # the live server on the shifted dataset (a module fixture of its own here)
ACME = TENANT_DOMAINS["acme"]
CSRF = "faces-csrf"


def call(server, token: str, name: str, arguments: dict):
    async def work(session):
        return await session.call_tool(name, arguments)

    return with_session(server.url, token, work)


def expected_goals(data, domains: list[str], params: dict, now, limit: int = 10) -> list[dict]:
    """Each goal counted on its own site's calendar, the busiest first, as the goals tool lists them."""
    rows = []
    for domain in domains:
        rows += [{"domain": domain} | row for row in Expected(data, [domain], params, now).goal_conversions()]
    rows.sort(key=lambda r: (-r["completions"], r["name"], r["id"]))
    return rows[:limit]


# --- the goals tool with from/to (was HTTP 500 "Internal error.") ---------------------------


def test_goals_with_a_custom_range_over_mcp(served):
    server, data = served
    schema = {t["name"]: t["outputSchema"] for t in list_tools()}["goals"]

    def fetch(now):
        start, end = (now - timedelta(days=20)).date().isoformat(), (now - timedelta(days=6)).date().isoformat()
        arguments = {"tenant": "acme", "from": start, "to": end}
        result = call(server, data.tokens["acme"], "goals", arguments)
        goals = (result.structured_content or {}).get("goals", [])
        completions = {
            g["id"]: api(server, data.tokens["acme"], f"goals/{g['id']}/completions", {"from": start, "to": end})
            for g in goals
        }
        return arguments, result, completions

    now, (arguments, result, completions) = in_one_hour(fetch)
    assert result.is_error is False, result.content
    structured = result.structured_content
    jsonschema.validate(structured, schema)
    assert structured["period"] == "custom"
    assert (structured["from"], structured["to"]) == (arguments["from"], arguments["to"])
    params = {"from": arguments["from"], "to": arguments["to"]}
    wanted = expected_goals(data, ACME, params, now)
    assert wanted and sum(g["completions"] for g in wanted) > 0  # the range holds conversions
    assert [{k: v for k, v in g.items() if k != "recent_conversions"} for g in structured["goals"]] == wanted
    for goal in structured["goals"]:
        assert goal["completions"] == completions[goal["id"]]["meta"]["total"]
        assert goal["recent_conversions"] == [
            {k: v for k, v in c.items() if k != "goal_id"} for c in completions[goal["id"]]["data"][:5]
        ]


@pytest.fixture(scope="module")
def pinned(stats_data_dir, stats_setup, request):
    """The stats dataset at its own NOW, and an app whose server clock is pinned there."""
    data_dir, data = stats_data_dir
    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    with stats_app(data_dir, data, stats_setup, pg, now=NOW.isoformat(), llm_provider="") as app:
        yield data, app


def ask(app, question: str, **config) -> list[dict]:
    """POST the question to the chat route as acme's owner (`config` for this question only); the events."""
    before = {key.upper(): app.config.get(key.upper()) for key in config}
    app.config.update({key.upper(): value for key, value in config.items()})
    try:
        client = app.test_client()
        with app.extensions["clearanalytics.db"].reading() as cur:
            user = accounts.get_user(cur, "owner@acme.test")
        session_for(app, client, user.id, CSRF)
        response = client.post("/dashboard/acme/chat", json={"question": question}, headers={"X-CSRF-Token": CSRF})
        assert response.status_code == 200, response.get_data(as_text=True)
        return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    finally:
        app.config.update(before)


def test_goals_last_week_through_the_chat_route(pinned):
    """Was: "I asked the goals tool, and it said: The goals tool failed: QueryError." """
    data, app = pinned
    events = ask(app, "goals last week")
    message = events[-1]["message"]
    # NOW is Wednesday 18 February in New York, Thursday the 19th in Tokyo: last week is 9-15 February.
    arguments = {"tenant": "acme", "from": "2026-02-09", "to": "2026-02-15"}
    assert message["tool_calls"] == [{"name": "goals", "arguments": arguments}]
    wanted = expected_goals(data, ACME, {"from": "2026-02-09", "to": "2026-02-15"}, NOW)
    assert sum(g["completions"] for g in wanted) > 0
    parts = "; ".join(f"{g['name']}: {g['completions']:,}" for g in wanted)
    assert message["text"] == f"Goal completions last week: {parts}. Period: 9–15 February 2026."
    assert message["charts"][0]["series"][0]["values"] == [g["completions"] for g in wanted]


# --- list-sites takes period and domain, as the reference says every tool does ----------------


def test_list_sites_takes_period_and_domain_over_mcp(served):
    server, data = served
    token = data.tokens["acme"]
    schema = {t["name"]: t["outputSchema"] for t in list_tools()}["list-sites"]
    shop = call(server, token, "list-sites", {"tenant": "acme", "period": "30d", "domain": "https://www.shop.example/"})
    assert shop.is_error is False, shop.content
    jsonschema.validate(shop.structured_content, schema)
    assert shop.structured_content == {
        "tenant": "acme",
        "sites": [{"domain": "shop.example", "timezone": "America/New_York", "currency": "EUR"}],
    }
    assert shop.content[0].text == "shop.example is a site of tenant acme (America/New_York, EUR)."
    every = call(server, token, "list-sites", {"tenant": "acme", "period": "12m"})
    assert [s["domain"] for s in every.structured_content["sites"]] == ["blog.example", "shop.example"]
    other = call(server, token, "list-sites", {"tenant": "acme", "domain": "rival.example"})
    assert other.is_error and "'rival.example' is not one of the sites of tenant 'acme'" in other.content[0].text


def test_an_llm_may_pass_period_and_domain_to_list_sites_through_the_chat_route(pinned):
    """The system prompt tells a model to pass domain=<the site on screen>; list-sites used to refuse it."""
    _data, app = pinned
    script = [openai_tool_call("c1", "list-sites", {"period": "7d", "domain": "blog.example"}), openai_text("Blog.")]
    with FakeProvider(script) as fake:
        events = ask(app, "which sites?", llm_provider="openai", llm_model="m", llm_base_url=fake.url)
    assert {"type": "tool_result", "name": "list-sites", "isError": False} in events
    fed_back = json.loads(fake.requests[1]["body"]["messages"][-1]["content"])
    assert fed_back["data"] == {
        "tenant": "acme",
        "sites": [{"domain": "blog.example", "timezone": "Asia/Tokyo", "currency": "EUR"}],
    }
    # The chat's "today" is the server clock's (NOW pinned): the engine's last day, Tokyo's 19 February.
    assert "Today is 2026-02-19." in fake.requests[0]["body"]["messages"][0]["content"]


# --- the chat's today is the server clock's ---------------------------------------------------


def test_yesterday_in_the_chat_is_the_server_clocks_yesterday(pinned):
    data, app = pinned
    message = ask(app, "How many visitors did I have yesterday?")[-1]["message"]
    assert message["tool_calls"][0]["arguments"] == {"tenant": "acme", "from": "2026-02-18", "to": "2026-02-18"}
    visitors = Expected(data, ACME, {"from": "2026-02-18", "to": "2026-02-18"}, NOW).overview_values()["visitors"]
    assert visitors > 0
    noun = "visitor" if visitors == 1 else "visitors"  # the chat's answers agree in number
    assert message["text"].startswith(f"You had {visitors:,} {noun} yesterday.")


# --- typed results --------------------------------------------------------------------------

CASES = [
    ("acme", None, {}),
    ("acme", "shop.example", {"period": "30d", "limit": 3}),
    ("acme", None, {"period": "24h"}),
    ("acme", "blog.example", {"period": "12m"}),
    ("rival", None, {"period": "90d"}),
]
LIST_TOOLS = {t["name"] for t in list_tools() if "limit" in t["inputSchema"]["properties"]}
# A result's shape is its tool's result type (mcp/results.py), whichever store answered: every case runs on one
# set-up or both, three on each (each with data: rows_seen), where all five ran on both. The numbers in those
# shapes are test_mcp_tools' (against the API and the reference, on both set-ups).
SHAPE_CASES = {"duckdb": (CASES[0], CASES[1], CASES[4]), "split": (CASES[0], CASES[2], CASES[3])}


@pytest.mark.parametrize("pick", range(3), ids=lambda i: f"case{i}")
def test_every_tool_answers_its_typed_shape_over_mcp(served, stats_setup, pick):
    """structuredContent has exactly the keys of the tool's TypedDict, every row exactly its row type's,
    and validates against the outputSchema generated from it."""
    server, data = served
    tenant, domain, extra = SHAPE_CASES[stats_setup][pick]
    tools = {t["name"]: t for t in list_tools()}
    calls = {name: {"tenant": tenant, **({"domain": domain} if domain else {}), **extra} for name in tools}
    for name in set(calls) - LIST_TOOLS:
        calls[name].pop("limit", None)
    calls["custom-properties"]["property"] = "plan"  # its required argument (mcp/extensions.py)

    async def work(session):
        return {name: await session.call_tool(name, arguments) for name, arguments in calls.items()}

    got = with_session(server.url, data.tokens[tenant], work)
    rows_seen = 0
    for name, result in got.items():
        assert result.is_error is False, (name, result.content)
        structured = result.structured_content
        jsonschema.validate(structured, tools[name]["outputSchema"])
        result_type = results.BY_TOOL[name]
        assert list(structured) == results.keys(result_type), name
        for key in results.own_keys(result_type):
            row_type = results.row_type(result_type, key)
            if row_type is None:
                continue
            value = structured[key]
            for row in value if isinstance(value, list) else [value]:
                assert set(row) == set(get_type_hints(row_type)), (name, key)
                rows_seen += 1
    assert rows_seen > 30  # with data, not only empty lists


JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def json_types(hint) -> set[str]:
    """The JSON Schema `type`s a Python annotation of results.py allows."""
    found = set()
    for each in get_args(hint) if isinstance(hint, UnionType) else (hint,):
        if get_origin(each) is Literal:
            found.add("string")
        elif get_origin(each) is list:
            found.add("array")
        else:
            found.add(JSON_TYPES.get(each, "object"))  # a row TypedDict
    return found


def test_each_output_schema_is_its_result_type():
    for tool in list_tools():
        result_type = results.BY_TOOL[tool["name"]]
        schema = tool["outputSchema"]
        assert list(schema["properties"]) == schema["required"] == results.keys(result_type)
        assert schema["additionalProperties"] is False
        for key, hint in get_type_hints(result_type).items():
            wanted = schema["properties"][key]["type"]
            assert json_types(hint) == ({wanted} if isinstance(wanted, str) else set(wanted)), (tool["name"], key)
        for key in results.own_keys(result_type):
            row_type = results.row_type(result_type, key)
            if row_type is None:
                continue
            described = schema["properties"][key]
            described = described.get("items", described)
            fields = get_type_hints(row_type)
            assert set(described["properties"]) == set(fields), (tool["name"], key)
            for field, hint in fields.items():
                wanted = described["properties"][field]["type"]
                assert json_types(hint) == ({wanted} if isinstance(wanted, str) else set(wanted)), (key, field)


def located_fields(tool: str, key: str, facet: str) -> set[str]:
    """The fields of an untyped list (the locations tool's): those of the API report the MCP schema names."""
    schema = next(t for t in list_tools() if t["name"] == tool)["outputSchema"]["properties"][key]["items"]["anyOf"]
    report = {"countries": 0, "regions": 1, "cities": 2}[facet]  # the tool's levels, in its schema's order
    return set(schema[report]["properties"])


def test_every_chat_facet_reads_a_known_list_of_a_known_tool():
    for name, facet in answers.FACETS.items():
        result_type = results.BY_TOOL[facet.tool]
        assert facet.key in results.own_keys(result_type), name
        row = results.row_type(result_type, facet.key)
        fields = set(get_type_hints(row)) if row else located_fields(facet.tool, facet.key, name)
        assert {facet.label, facet.value, *facet.fields} <= fields, name
    for tool, key in answers.TOTALS.items():
        assert results.row_type(results.BY_TOOL[tool], key) is not None


def test_the_chat_gets_the_registrys_typed_result_as_it_is(pinned):
    """RegistryRunner hands on run_tool's result object itself, not a JSON-parsed copy of it."""
    from clearanalytics.chat.tools import RegistryRunner
    from clearanalytics.mcp import tools as registry

    _data, app = pinned
    with app.extensions["clearanalytics.db"].reading() as cur:
        tenant = accounts.get_tenant(cur, "acme")
        user = accounts.get_user(cur, "owner@acme.test")
        runner = RegistryRunner(cur, tenant.id, user.id, now=NOW)
        answer = registry.run_tool(cur, registry.Caller(tenant.id, user.id), "top-pages", {"tenant": "acme"}, now=NOW)
        result = runner.call("top-pages", {"tenant": "acme"})
    assert result["structuredContent"] == answer.result
    assert result["structuredContent"]["pages"] == Expected(_data, ACME, {}, NOW).pages()
    assert result["content"] == [{"type": "text", "text": answer.summary}]


# --- one table of periods -------------------------------------------------------------------

ADDED_PERIOD = """
    import clearanalytics.stats.periods as p

    p.PERIODS += (p.NamedPeriod("14d", "Last 14 days", "the last 14 days", 14),)
    p.CODES = tuple(x.code for x in p.PERIODS)
    p.BY_CODE = {x.code: x for x in p.PERIODS}

    from datetime import date

    from clearanalytics.chat import loop, periods
    from clearanalytics.mcp import protocol, reports, tools

    period = tools.get_tool("top-pages").input_schema()["properties"]["period"]
    output = tools.get_tool("top-pages").output_schema()["properties"]["period"]
    print(period["enum"], "14d (the last 14 days)" in period["description"], output["enum"])
    print("14d" in protocol.INSTRUCTIONS, "14d is the last 14 days" in loop.PERIOD_WORDS)
    print(periods.parse_period("last 14 days", date(2026, 2, 18))[0].period, periods.ENUM_DAYS[14])
"""


def test_a_period_added_to_the_table_reaches_mcp_and_the_chat():
    """No face keeps a list of periods of its own: one more row in stats/periods.PERIODS is everywhere."""
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(ADDED_PERIOD)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "['24h', '7d', '30d', '90d', '12m', '14d'] True ['24h', '7d', '30d', '90d', '12m', '14d', 'custom']",
        "True True",
        "14d 14d",
    ]


def test_dead_code_is_gone():
    from clearanalytics.chat import periods, providers

    assert not hasattr(periods.Period, "length_days")
    assert not hasattr(providers.OpenAIProvider, "complete") and not hasattr(providers.AnthropicProvider, "complete")
