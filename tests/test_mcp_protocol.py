"""The MCP route on a live server: the SDK client's handshake, JSON-RPC errors, auth, plans, tenant checks."""

from __future__ import annotations

import pytest
import requests
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION

from tests.conftest import PASSWORD, LiveServer, make_account, run_cli
from tests.mcp_client import rpc, run_async, with_session

TOOL_NAMES = [
    "list-sites",
    "analytics-overview",
    "top-pages",
    "traffic-sources",
    "device-and-browser",
    "languages",
    "campaigns",
    "goals",
    "ecommerce-overview",
    "ecommerce-products",
    "daily-breakdown",
    "hourly-breakdown",
]
EXTENSION_TOOLS = ["realtime", "custom-properties", "entry-exit-pages", "locations"]  # after the 12 (mcp/extensions.py)
LIST_TOOLS = {
    "top-pages",
    "traffic-sources",
    "device-and-browser",
    "languages",
    "campaigns",
    "goals",
    "ecommerce-products",
    *EXTENSION_TOOLS,
}


def cli(*args):
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """acme (the token's tenant) plus: other (the owner is a viewer there), stranger (no access), freebie (free)."""
    data = tmp_path_factory.mktemp("mcp") / "data"
    account = make_account(data)
    d = ("--data-dir", data)
    cli("tenant", "add", "other", "--name", "Other", *d)
    cli("site", "add", "other.org", "--tenant", "other", *d)
    cli("user", "add", account.email, "--tenant", "other", *d)
    cli("tenant", "add", "stranger", "--name", "Stranger", *d)
    cli("site", "add", "stranger.net", "--tenant", "stranger", *d)
    cli("user", "add", "someone@stranger.net", "--tenant", "stranger", "--password", PASSWORD, *d)
    cli("tenant", "add", "freebie", "--name", "Freebie", "--plan", "free", *d)
    cli("user", "add", account.email, "--tenant", "freebie", *d)
    tokens = {
        "acme": account.token,
        "freebie": cli("token", "create", "--tenant", "freebie", "--email", account.email, "--name", "f", *d),
        "no-mcp": cli(
            "token",
            "create",
            "--tenant",
            "acme",
            "--email",
            account.email,
            "--name",
            "n",
            "--ability",
            "stats:read",
            *d,
        ),
    }
    server = LiveServer(data, env={"CLEARANALYTICS_RATE_LIMIT": "100000/minute"}).start()
    yield server, tokens
    server.stop()


def test_the_sdk_client_initializes_lists_the_tools_and_calls_one(env):
    server, tokens = env

    async def work(session):
        return (
            session.initialize_result,
            await session.list_tools(),
            await session.call_tool("list-sites", {"tenant": "acme"}),
        )

    init, listed, result = with_session(server.url, tokens["acme"], work)
    assert init.protocol_version == LATEST_HANDSHAKE_VERSION
    assert (init.server_info.name, init.server_info.version) == ("clearanalytics", "0.1.0")
    assert init.capabilities.tools is not None and init.capabilities.resources is None
    assert [t.name for t in listed.tools] == TOOL_NAMES + EXTENSION_TOOLS
    for tool in listed.tools:
        schema = tool.input_schema
        assert tool.annotations.read_only_hint is True, tool.name
        assert tool.description and len(tool.description) > 40, tool.name
        required = ["tenant", "property"] if tool.name == "custom-properties" else ["tenant"]
        assert schema["required"] == required and schema["properties"]["tenant"]["type"] == "string"
        assert tool.output_schema["type"] == "object" and "tenant" in tool.output_schema["required"]
        if tool.name != "list-sites":
            assert schema["properties"]["period"]["enum"] == ["24h", "7d", "30d", "90d", "12m"]
            assert schema["properties"]["period"]["default"] == "7d"
            assert schema["properties"]["domain"]["type"] == "string"
        limit = schema["properties"].get("limit")
        if tool.name in LIST_TOOLS:
            assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 10), tool.name
        else:
            assert limit is None, tool.name
    assert result.is_error is False
    assert result.structured_content == {
        "tenant": "acme",
        "sites": [{"domain": "example.com", "timezone": "UTC", "currency": "EUR"}],
    }
    assert result.content[0].text == "Tenant acme has 1 site(s): example.com."


def test_a_default_sdk_client_probes_discovery_then_falls_back_to_the_handshake(env):
    server, tokens = env

    async def main():
        headers = {"Authorization": f"Bearer {tokens['acme']}"}
        async with create_mcp_http_client(headers=headers) as http:
            transport = streamable_http_client(server.url + "/mcp/analytics", http_client=http)
            async with Client(transport) as client:
                return client.protocol_version, await client.call_tool("list-sites", {"tenant": "acme"})

    version, result = run_async(main)
    assert version == LATEST_HANDSHAKE_VERSION
    assert result.structured_content["sites"][0]["domain"] == "example.com"


INIT_PARAMS = {"capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}


@pytest.mark.parametrize(
    ("offered", "agreed"),
    [(v, v) for v in HANDSHAKE_PROTOCOL_VERSIONS] + [("1999-01-01", LATEST_HANDSHAKE_VERSION)],
)
def test_initialize_negotiates_the_protocol_version(env, offered, agreed):
    server, tokens = env
    body = {"jsonrpc": "2.0", "id": 7, "method": "initialize", "params": INIT_PARAMS | {"protocolVersion": offered}}
    response = rpc(server.url, tokens["acme"], body)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    result = response.json()["result"]
    assert (response.json()["id"], result["protocolVersion"]) == (7, agreed)
    assert result["capabilities"] == {"tools": {"listChanged": False}}
    assert result["serverInfo"]["name"] == "clearanalytics"
    assert "Mcp-Session-Id" not in response.headers  # stateless: no session is issued


def test_ping_notifications_and_client_responses(env):
    server, tokens = env
    ping = rpc(server.url, tokens["acme"], {"jsonrpc": "2.0", "id": "p1", "method": "ping"})
    assert (ping.status_code, ping.json()) == (200, {"jsonrpc": "2.0", "id": "p1", "result": {}})
    for body in (
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}},
        {"jsonrpc": "2.0", "id": 5, "result": {}},
    ):
        response = rpc(server.url, tokens["acme"], body, headers={"Mcp-Session-Id": "ignored"})
        assert (response.status_code, response.content) == (202, b""), body


@pytest.mark.parametrize(
    ("body", "status", "rid", "code"),
    [
        (b"{not json", 400, None, -32700),
        (b"", 400, None, -32700),
        ([{"jsonrpc": "2.0", "id": 1, "method": "ping"}], 400, None, -32600),
        ("just a string", 400, None, -32600),
        ({"id": 1, "method": "ping"}, 400, 1, -32600),
        ({"jsonrpc": "2.0", "id": 2, "method": 42}, 400, 2, -32600),
        ({"jsonrpc": "2.0", "id": 3, "method": "ping", "params": [1]}, 400, 3, -32600),
        ({"jsonrpc": "2.0", "id": True, "method": "ping"}, 400, None, -32600),
        ({"jsonrpc": "2.0", "id": None, "method": "ping"}, 400, None, -32600),
        ({"jsonrpc": "2.0", "id": 4}, 400, 4, -32600),
        ({"jsonrpc": "2.0", "id": 5, "method": "resources/list"}, 200, 5, -32601),
        ({"jsonrpc": "2.0", "id": 6, "method": "server/discover"}, 200, 6, -32601),
        ({"jsonrpc": "2.0", "id": 7, "method": "tools/call"}, 200, 7, -32602),
        ({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {"arguments": {}}}, 200, 8, -32602),
        ({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "nope"}}, 200, 9, -32602),
        ({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {"name": 3}}, 200, 10, -32602),
        ({"jsonrpc": "2.0", "id": 11, "method": "initialize", "params": {}}, 200, 11, -32602),
        ({"jsonrpc": "2.0", "id": "x", "method": "initialize"}, 200, "x", -32602),
    ],
)
def test_malformed_messages_get_the_protocol_error_objects(env, body, status, rid, code):
    server, tokens = env
    response = rpc(server.url, tokens["acme"], body if not isinstance(body, str) else '"just a string"')
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    answer = response.json()
    assert (answer["jsonrpc"], answer["id"], answer["error"]["code"]) == ("2.0", rid, code)
    assert answer["error"]["message"]
    assert "result" not in answer


def test_an_oversized_body_gets_413(env):
    server, tokens = env
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"_meta": {"padding": "x" * 1_000_000}}}
    response = rpc(server.url, tokens["acme"], body)
    assert (response.status_code, response.json()) == (
        413,
        {"message": "The request body is larger than 1000000 bytes."},
    )


def test_an_unsupported_protocol_version_header_gets_400(env):
    server, tokens = env
    response = rpc(
        server.url,
        tokens["acme"],
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"MCP-Protocol-Version": "2099-01-01"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == -32022
    assert error["data"] == {"supported": list(HANDSHAKE_PROTOCOL_VERSIONS), "requested": "2099-01-01"}
    ok = rpc(
        server.url,
        tokens["acme"],
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"MCP-Protocol-Version": "2025-06-18"},
    )
    assert ok.status_code == 200


def test_get_and_delete_are_not_allowed(env):
    server, tokens = env
    for method in ("GET", "DELETE"):
        response = requests.request(
            method, server.url + "/mcp/analytics", headers={"Authorization": f"Bearer {tokens['acme']}"}, timeout=5
        )
        assert (response.status_code, response.json()) == (405, {"message": "Method not allowed."})
        assert "POST" in response.headers["Allow"].split(", ")


@pytest.mark.parametrize(
    ("header", "challenge"),
    [
        (None, 'Bearer realm="ClearAnalytics"'),
        ("Basic dXNlcjpwYXNz", 'Bearer realm="ClearAnalytics", error="invalid_token"'),
        ("Bearer nonsense", 'Bearer realm="ClearAnalytics", error="invalid_token"'),
        ("Bearer 01ZZZZZZZZZZZZZZZZZZZZZZZZ|secret", 'Bearer realm="ClearAnalytics", error="invalid_token"'),
    ],
)
def test_no_or_a_bad_token_gets_401_with_a_bearer_challenge(env, header, challenge):
    server, _ = env
    headers = {"Authorization": header} if header else {}
    response = rpc(server.url, None, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == challenge
    assert response.json() == {"message": "Unauthenticated."}


def test_the_sdk_client_without_a_token_cannot_connect(env):
    server, _ = env
    with pytest.raises(BaseException) as caught:
        with_session(server.url, "", lambda session: session.list_tools())
    # The SDK surfaces a 401 without a JSON-RPC body as its generic "server returned an error".
    assert "MCPError" in repr(caught.value)


def test_each_token_has_its_own_mcp_rate_limit_beside_the_apis(account, live_server):
    server = live_server(account.data_dir, env={"CLEARANALYTICS_RATE_LIMIT": "3/minute"})
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    answers = [rpc(server.url, account.token, ping) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[-1].json() == {"message": "Too Many Attempts."}
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert all(a.headers["X-RateLimit-Limit"] == "3" for a in answers)
    goals = requests.get(server.url + "/api/v1/goals", headers={"Authorization": f"Bearer {account.token}"}, timeout=5)
    assert (goals.status_code, goals.headers["X-RateLimit-Remaining"]) == (200, "2")  # the API's own budget


def test_a_token_without_the_mcp_ability_gets_403(env):
    server, tokens = env
    response = rpc(server.url, tokens["no-mcp"], {"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert (response.status_code, response.json()) == (403, {"message": "This token lacks the mcp:use ability."})


def test_a_free_plan_tenant_gets_403_and_a_plan_change_applies_at_once(env):
    server, tokens = env
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    response = rpc(server.url, tokens["freebie"], ping)
    assert response.status_code == 403
    plans = "AI Search (MCP) is available on the Pro, Growth and Business plans"
    assert response.json() == {"message": f"{plans}; this tenant is on the free plan."}
    data_dir = server.data_dir
    try:
        cli("tenant", "plan", "acme", "free", "--data-dir", data_dir)  # through the control socket
        assert rpc(server.url, tokens["acme"], ping).status_code == 403
        cli("tenant", "plan", "acme", "pro", "--data-dir", data_dir)
        assert rpc(server.url, tokens["acme"], ping).status_code == 200
    finally:
        cli("tenant", "plan", "acme", "business", "--data-dir", data_dir)


def test_the_tenant_argument_must_be_the_tokens_own_tenant(env):
    server, tokens = env
    cases = {
        "stranger": "You are not a member of tenant 'stranger'. Your tenant is 'acme'.",
        "no-such-tenant": "You are not a member of tenant 'no-such-tenant'. Your tenant is 'acme'.",
        "other": "This API token belongs to tenant 'acme' and can only read that tenant; "
        "use a token created in tenant 'other' to query it.",
        "freebie": "This API token belongs to tenant 'acme' and can only read that tenant; "
        "use a token created in tenant 'freebie' to query it.",
    }

    async def work(session):
        return {
            slug: await session.call_tool(name, {"tenant": slug})
            for slug in cases
            for name in ("list-sites", "analytics-overview")
        }

    results = with_session(server.url, tokens["acme"], work)
    for slug, message in cases.items():
        result = results[slug]
        assert result.is_error is True, slug
        assert result.structured_content is None
        assert [c.text for c in result.content] == [message]


BAD_ARGUMENTS = [
    ("top-pages", {"tenant": "acme", "period": "1y"}, "The period argument must be one of: 24h, 7d, 30d, 90d, 12m"),
    ("analytics-overview", {"tenant": "acme", "period": 7}, "The period argument must be one of"),
    ("top-pages", {"tenant": "acme", "limit": 0}, "The limit argument must be an integer from 1 to 100 (got 0)."),
    ("top-pages", {"tenant": "acme", "limit": 101}, "The limit argument must be an integer from 1 to 100 (got 101)."),
    ("campaigns", {"tenant": "acme", "limit": "many"}, "The limit argument must be an integer from 1 to 100"),
    ("goals", {"tenant": "acme", "limit": True}, "The limit argument must be an integer from 1 to 100"),
    ("languages", {"tenant": "acme", "limit": 2.5}, "The limit argument must be an integer from 1 to 100"),
    (
        "top-pages",
        {"tenant": "acme", "domain": "other.org"},
        "The domain 'other.org' is not one of the sites of tenant 'acme' (its sites: example.com).",
    ),
    (
        "hourly-breakdown",
        {"tenant": "acme", "domain": "nowhere.example"},
        "The domain 'nowhere.example' is not one of the sites of tenant 'acme'",
    ),
    ("daily-breakdown", {"tenant": "acme", "domain": 12}, "The domain argument must be a string"),
    ("analytics-overview", {"tenant": "acme", "limit": 5}, "Unknown argument 'limit' for analytics-overview"),
    # list-sites takes period and domain like every tool (the reference); a wrong one is still an error
    ("list-sites", {"tenant": "acme", "period": "1y"}, "The period argument must be one of: 24h, 7d, 30d, 90d, 12m"),
    ("top-pages", {"tenant": "acme", "from": "2026-01-01"}, "The to field is required when from is present."),
    (
        "analytics-overview",
        {"tenant": "acme", "from": "2026-02-01", "to": "2026-01-01"},
        "The from field must be a date before or equal to to.",
    ),
    ("languages", {"tenant": "acme", "from": "last week", "to": "2026-01-01"}, "The from field must be a date in"),
    ("campaigns", {"tenant": "acme", "from": 20260101, "to": "2026-01-01"}, "The from argument must be a date in"),
    ("list-sites", {"tenant": "acme", "from": "2026-01-01"}, "The to field is required when from is present."),
    ("list-sites", {"tenant": "acme", "limit": 5}, "Unknown argument 'limit' for list-sites"),
    ("top-pages", {}, "The tenant argument is required"),
    ("top-pages", {"tenant": 5}, "The tenant argument is required"),
]


def test_each_bad_argument_gives_a_tool_error_naming_it(env):
    server, tokens = env

    async def work(session):
        return [await session.call_tool(name, arguments) for name, arguments, _ in BAD_ARGUMENTS]

    results = with_session(server.url, tokens["acme"], work)
    for (name, arguments, message), result in zip(BAD_ARGUMENTS, results, strict=True):
        assert result.is_error is True, (name, arguments)
        assert len(result.content) == 1
        assert result.content[0].text.startswith(message), (result.content[0].text, message)
