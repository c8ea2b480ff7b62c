"""The tool registry as the AI chat calls it in-process: same tenant, membership and plan checks."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path

import jsonschema
import pytest
from flask import Flask

from clearanalytics import accounts
from clearanalytics.api.openapi import openapi_document
from clearanalytics.db import Database
from clearanalytics.mcp import tools
from tests.test_mcp_protocol import EXTENSION_TOOLS, TOOL_NAMES
from tests.test_mcp_tools import SAME_AS_API

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "analytics.duckdb")
    with database.transaction() as cur:
        acme = accounts.create_tenant(cur, "acme", "Acme")
        accounts.create_site(cur, acme, "example.com", "Europe/Amsterdam", "EUR")
        accounts.create_site(cur, acme, "shop.example.com", "America/New_York", "USD")
        owner = accounts.create_user(cur, "owner@example.com", "password-1")
        accounts.set_membership(cur, acme, owner, "owner")
    yield database
    database.close()


def caller(db) -> tools.Caller:
    with db.reading() as cur:
        return tools.Caller(accounts.get_tenant(cur, "acme").id, accounts.get_user(cur, "owner@example.com").id)


def test_list_tools_gives_the_wire_shape():
    listed = tools.list_tools()
    assert [t["name"] for t in listed] == TOOL_NAMES + EXTENSION_TOOLS == tools.tool_names()
    assert all(t["annotations"]["readOnlyHint"] is True for t in listed)
    assert all("inputSchema" in t and "outputSchema" in t for t in listed)


def test_call_tool_answers_a_dashboard_caller(db):
    with db.reading() as cur:
        result = tools.call_tool(cur, caller(db), "list-sites", {"tenant": "ACME "})
    assert result["isError"] is False
    assert result["structuredContent"] == {
        "tenant": "acme",
        "sites": [
            {"domain": "example.com", "timezone": "Europe/Amsterdam", "currency": "EUR"},
            {"domain": "shop.example.com", "timezone": "America/New_York", "currency": "USD"},
        ],
    }
    assert result["content"][0] == {"type": "text", "text": "Tenant acme has 2 site(s): example.com, shop.example.com."}


def test_an_unknown_tool_raises_for_the_caller_to_report(db):
    with db.reading() as cur, pytest.raises(tools.UnknownToolError) as caught:
        tools.call_tool(cur, caller(db), "drop-tables", {"tenant": "acme"})
    assert str(caught.value) == "Unknown tool: 'drop-tables'."


@pytest.mark.parametrize("in_request", [False, True], ids=["no-app", "in-a-request"])
def test_a_removed_member_and_a_free_plan_are_refused_in_process_too(db, in_request):
    """In a request the tenant, the role and the sites are kept until the next commit: both changes are commits."""
    who = caller(db)
    app = Flask(__name__)
    app.extensions["clearanalytics.db"] = db
    with app.app_context() if in_request else nullcontext():
        with db.reading() as cur:
            assert tools.call_tool(cur, who, "list-sites", {"tenant": "acme"})["isError"] is False  # now kept
        _refused_after_each_change(db, who)


def _refused_after_each_change(db, who) -> None:
    with db.transaction() as cur:
        accounts.update_tenant(cur, accounts.get_tenant(cur, "acme"), plan="free")
    with db.reading() as cur:
        result = tools.call_tool(cur, who, "list-sites", {"tenant": "acme"})
    assert result["isError"] is True
    assert result["content"][0]["text"] == (
        "Tenant 'acme' is on the free plan; AI Search needs the Pro, Growth or Business plan."
    )
    with db.transaction() as cur:
        acme = accounts.update_tenant(cur, accounts.get_tenant(cur, "acme"), plan="growth")
        accounts.remove_membership(cur, acme, accounts.get_user(cur, "owner@example.com"))
    with db.reading() as cur:
        result = tools.call_tool(cur, who, "list-sites", {"tenant": "acme"})
    assert result["isError"] is True
    assert result["content"][0]["text"] == "You are not a member of tenant 'acme'."


@pytest.mark.parametrize("raw", ["shop.example.com", "https://www.shop.example.com/pricing", " SHOP.example.com "])
def test_a_domain_may_be_given_as_a_url(db, raw):
    with db.reading() as cur:
        scope = tools.check_arguments(cur, caller(db), tools.get_tool("top-pages"), {"tenant": "acme", "domain": raw})
    assert scope.domain == "shop.example.com"
    assert [s.domain for s in scope.sites] == ["shop.example.com"]
    assert scope.currency == "USD"


@pytest.mark.parametrize("period", ["24h", "7d", "12m"])
def test_every_tool_answers_a_tenant_without_data_within_its_output_schema(db, period):
    """No sites, or sites without traffic: zeros and empty lists, never an error."""
    with db.transaction() as cur:
        empty = accounts.create_tenant(cur, "empty", "Empty")
        accounts.set_membership(cur, empty, accounts.get_user(cur, "owner@example.com"), "owner")
    with db.reading() as cur:
        user_id = accounts.get_user(cur, "owner@example.com").id
        for slug, who in (("empty", tools.Caller(empty.id, user_id)), ("acme", caller(db))):
            for tool in tools.list_tools():
                arguments = {"tenant": slug} | (
                    {"period": period} if "period" in tool["inputSchema"]["properties"] else {}
                )
                arguments |= {name: "plan" for name in tool["inputSchema"]["required"] if name != "tenant"}
                result = tools.call_tool(cur, who, tool["name"], arguments)
                assert result["isError"] is False, (slug, tool["name"], result["content"])
                jsonschema.validate(result["structuredContent"], tool["outputSchema"])
                assert json.loads(result["content"][1]["text"]) == result["structuredContent"]
            hours = tools.call_tool(cur, who, "hourly-breakdown", {"tenant": slug, "period": period})
            assert hours["structuredContent"]["hours"] == [
                {"hour": h, "visitors": 0, "pageviews": 0} for h in range(24)
            ]


def test_every_tool_is_documented():
    docs = (REPO_ROOT / "docs" / "MCP.md").read_text()
    readme = (REPO_ROOT / "README.md").read_text()
    for name in TOOL_NAMES:
        assert f"`{name}`" in docs, name
    assert "## Connect an AI assistant (MCP)" in readme
    assert '"Authorization": "Bearer YOUR_API_TOKEN"' in readme


def test_the_tools_rows_are_described_as_the_openapi_document_describes_the_apis():
    """Where a tool returns the API's rows, its outputSchema is the OpenAPI schema of that API's data."""
    paths = openapi_document()["paths"]
    output = {t["name"]: t["outputSchema"]["properties"] for t in tools.list_tools()}
    compared = 0
    for tool, sections in SAME_AS_API.items():
        for key, path in sections.items():
            response = paths[f"/{path}"]["get"]["responses"]["200"]
            data = response["content"]["application/json"]["schema"]["properties"]["data"]
            assert output[tool][key] == data, (tool, key)
            compared += 1
    assert compared == 13
    completion = paths["/goals/{goal}/completions"]["get"]["responses"]["200"]["content"]["application/json"]
    row = completion["schema"]["properties"]["data"]["items"]
    recent = output["goals"]["goals"]["items"]["properties"]["recent_conversions"]["items"]
    assert recent["properties"] == {k: v for k, v in row["properties"].items() if k != "goal_id"}
