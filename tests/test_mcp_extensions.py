"""The MCP tools beyond the reference's 12 (realtime, custom-properties, entry-exit-pages) on a live server.

Through the official SDK client, on the stats dataset shifted to the real clock (test_mcp_tools' `served`,
which runs on the DuckDB file and on the stores apart): the tool list is the 12 in their order then the
extensions, and each extension's structuredContent equals the API's `data` for the same arguments.
"""

from __future__ import annotations

import jsonschema
import pytest

from clearanalytics.mcp.tools import list_tools
from tests import test_mcp_tools
from tests.mcp_client import with_session
from tests.test_mcp_protocol import EXTENSION_TOOLS, TOOL_NAMES
from tests.test_mcp_tools import SCOPES, api, call_all, in_one_hour, utcnow

served = test_mcp_tools.served  # the live server on the shifted dataset (a module fixture of its own here)

# tool -> {structuredContent key: the /api/v1 path answering the same question}
SAME_AS_API = {
    "realtime": {"realtime": "stats/realtime"},
    "custom-properties": {"properties": "stats/properties"},
    "entry-exit-pages": {"entry_pages": "stats/entry-pages", "exit_pages": "stats/exit-pages"},
}
ARGUMENTS = [{}, {"period": "24h"}, {"period": "30d", "limit": 3}, {"period": "12m", "limit": 100}]


def in_one_minute(fetch):
    """fetch(), again when the UTC minute turned meanwhile: realtime's 30 buckets move every minute."""
    for _ in range(3):
        before = utcnow().replace(second=0, microsecond=0)
        got = fetch()
        if utcnow().replace(second=0, microsecond=0) == before:
            return got
    raise AssertionError("three minute boundaries passed during one test case")


def test_the_extensions_are_listed_after_the_12(served):
    server, data = served

    async def work(session):
        return await session.list_tools()

    listed = with_session(server.url, data.tokens["acme"], work)
    extensions = ["realtime", "custom-properties", "entry-exit-pages", "locations"]  # locations: test_locations_mcp
    assert [t.name for t in listed.tools] == TOOL_NAMES + extensions
    assert extensions == EXTENSION_TOOLS
    new = {t.name: t for t in listed.tools[12:]}
    for tool in new.values():
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
        assert "extension beyond the reference" in tool.description, tool.name
        assert tool.input_schema["properties"]["limit"]["maximum"] == 100
    assert new["custom-properties"].input_schema["required"] == ["tenant", "property"]
    assert new["custom-properties"].input_schema["properties"]["property"]["type"] == "string"
    assert new["realtime"].input_schema["required"] == new["entry-exit-pages"].input_schema["required"] == ["tenant"]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"{s[0]}-{s[1] or 'all'}")
@pytest.mark.parametrize("arguments", ARGUMENTS, ids=lambda a: "-".join(f"{k}={v}" for k, v in a.items()) or "default")
def test_each_extension_gives_the_apis_data(served, scope, arguments):
    server, data = served
    tenant, domain = scope
    token = data.tokens[tenant]
    base = {"tenant": tenant} | ({"domain": domain} if domain else {}) | arguments
    calls = {name: dict(base) for name in SAME_AS_API}
    calls["custom-properties"]["property"] = "plan"

    def fetch(_now=None):
        results = call_all(server, token, calls)
        answers = {
            (name, key): api(server, token, path, {k: v for k, v in calls[name].items() if k != "tenant"})["data"]
            for name, sections in SAME_AS_API.items()
            for key, path in sections.items()
        }
        return results, answers

    _now, (results, answers) = in_one_hour(lambda now: in_one_minute(fetch))
    schemas = {tool["name"]: tool["outputSchema"] for tool in list_tools()}
    for name, result in results.items():
        assert result.is_error is False, (name, result.content)
        jsonschema.validate(result.structured_content, schemas[name])
        assert (result.structured_content["tenant"], result.structured_content["domain"]) == (tenant, domain)
        assert result.content[0].text and result.content[1].text.startswith("{")
    for (name, key), data_of_api in answers.items():
        assert results[name].structured_content[key] == data_of_api, (name, key)
    assert "period" not in results["realtime"].structured_content  # the last 30 minutes, whatever the period
    assert len(results["realtime"].structured_content["realtime"]["minutes"]) == 30
    props = results["custom-properties"].structured_content
    assert props["property"] == "plan" and props["period"] == arguments.get("period", "7d")
    if arguments.get("period") in ("30d", "12m"):  # with data, not only empty lists
        assert props["properties"] and results["entry-exit-pages"].structured_content["entry_pages"]
        assert results["entry-exit-pages"].structured_content["exit_pages"]
        assert "Custom property 'plan' for " in results["custom-properties"].content[0].text


def test_a_missing_or_bad_property_is_a_tool_error_naming_it(served):
    server, data = served

    async def work(session):
        return [
            await session.call_tool("custom-properties", {"tenant": "acme"}),
            await session.call_tool("custom-properties", {"tenant": "acme", "property": ""}),
            await session.call_tool("custom-properties", {"tenant": "acme", "property": "x" * 301}),
            await session.call_tool("custom-properties", {"tenant": "acme", "property": 7}),
        ]

    missing, empty, too_long, number = with_session(server.url, data.tokens["acme"], work)
    for result in (missing, empty, number):
        assert result.is_error is True and result.structured_content is None
        assert result.content[0].text.startswith("The property argument is required: The custom property's name")
    assert too_long.is_error is True
    assert too_long.content[0].text == "The property field must name a property (1-300 characters)."
