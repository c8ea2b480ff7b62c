"""The one request layer through every face: the domain rule, tokens, memberships, error bodies, limits.

A live `clearanalytics serve` (API over HTTP, MCP through the official SDK client) and the
dashboard and chat routes in-process, on one data dir: tenant acme (example.com with 3 visitors,
shop.example with 2), tenant beta (beta.example, 5), tenant stranger (stranger.net) whose user
is a member of nothing else. The numbers are those rows, counted here.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from clearanalytics import accounts
from clearanalytics.db import Database, new_id, utcnow
from tests.app_helpers import new_app
from tests.chat_support import FixedTools
from tests.conftest import PASSWORD, LiveServer, make_account, run_cli
from tests.dashboard_helpers import close_app, session_for
from tests.mcp_client import rpc, with_session

VISITORS = {"example.com": 3, "shop.example": 2, "beta.example": 5}
DOMAIN_REFUSED = {"message": "This domain is not one of your sites."}
CSRF = "requestlayer-csrf"
EXPORT_ROUTES = ("pageviews", "goals", "goal-completions", "ecommerce-events")


def cli(*args) -> str:
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _seed(data_dir) -> None:
    """VISITORS[domain] visitors with one pageview each, an hour ago (inside every period)."""
    db = Database.in_data_dir(data_dir)
    when = utcnow() - timedelta(hours=1)
    try:
        with db.transaction() as cur:
            for domain, visitors in VISITORS.items():
                site = accounts.get_site(cur, domain)
                for n in range(visitors):
                    cur.execute(
                        "INSERT INTO pageviews (id, site_id, visitor_hash, session_hash, hostname, pathname,"
                        " referrer_source, channel, browser, os, device_type, created_at) VALUES"
                        " (?, ?, ?, ?, ?, '/', 'direct', 'direct', 'Firefox', 'Linux', 'desktop', ?)",
                        [new_id(), site.id, f"{domain}-v{n}", f"{domain}-s{n}", domain, when],
                    )
    finally:
        db.close()


def build(data) -> dict[str, str]:
    """The three tenants, the viewer, the seeded pageviews; the tokens by name."""
    acme = make_account(data)
    d = ("--data-dir", data)
    cli("site", "add", "shop.example", "--tenant", "acme", *d)
    beta = make_account(data, tenant="beta", site="beta.example", email="owner@beta.example")
    cli("tenant", "add", "stranger", "--name", "Stranger", *d)
    cli("site", "add", "stranger.net", "--tenant", "stranger", *d)
    cli("user", "add", "someone@stranger.net", "--tenant", "stranger", "--password", PASSWORD, *d)
    cli("user", "add", "viewer@example.com", "--tenant", "acme", "--role", "viewer", "--password", PASSWORD, *d)

    def token(*abilities: str) -> str:
        args = ["token", "create", "--tenant", "acme", "--email", acme.email, "--name", "t", *d]
        return cli(*args, *[x for ability in abilities for x in ("--ability", ability)])

    tokens = {
        "acme": acme.token,
        "beta": beta.token,
        "exports": token("export:read"),
        "goals_only": token("goals:read"),
        "stats_only": token("stats:read"),
        "burst": token(),
        "headers": token(),
    }
    _seed(data)
    return tokens


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The live server (API and MCP over HTTP)."""
    data = tmp_path_factory.mktemp("requestlayer") / "data"
    tokens = build(data)
    server = LiveServer(data).start()
    yield server, tokens
    server.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The same accounts and rows in a data dir of their own, for the dashboard and chat in-process."""
    data = tmp_path_factory.mktemp("requestlayer-app") / "data"
    build(data)
    app = new_app(data, llm_provider="")
    app.config["TESTING"] = True
    yield app
    close_app(app)


def api(env, path: str, token: str | None = "acme", **params) -> requests.Response:
    server, tokens = env
    headers = {"Authorization": f"Bearer {tokens[token]}"} if token else {}
    return requests.get(server.url + "/api/v1" + path, params=params, headers=headers, timeout=10)


# --- one domain rule ------------------------------------------------------------------------

SAME_SITE = ("example.com", "www.example.com", "WWW.Example.COM", "https://www.example.com/pricing", " example.com. ")


@pytest.mark.parametrize("domain", SAME_SITE)
def test_the_api_reads_www_a_scheme_and_a_path_as_the_site_itself(env, domain):
    response = api(env, "/stats/overview", domain=domain)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["visitors"], data["pageviews"]) == (3, 3)
    assert [row["pathname"] for row in api(env, "/stats/pages", domain=domain).json()["data"]] == ["/"]
    assert api(env, "/goals", domain=domain).json() == {"data": []}
    rows = [json.loads(line) for line in api(env, "/export/pageviews", "exports", domain=domain).text.splitlines()]
    assert len(rows) == 3 and {row["hostname"] for row in rows} == {"example.com"}


def test_the_api_still_refuses_other_tenants_domains_written_any_way(env):
    assert api(env, "/stats/overview", domain="www.shop.example").json()["data"]["visitors"] == 2
    for domain in ("beta.example", "www.beta.example", "https://beta.example/", "nobody.example", "not a domain"):
        response = api(env, "/stats/overview", domain=domain)
        assert (response.status_code, response.json()) == (403, DOMAIN_REFUSED), domain
    assert api(env, "/stats/overview", "beta", domain="www.beta.example").json()["data"]["visitors"] == 5


def test_mcp_reads_the_domain_by_the_same_rule(env):
    server, tokens = env

    async def work(session):
        answers = {}
        for domain in ("www.example.com", "https://www.shop.example/x", "www.beta.example"):
            answers[domain] = await session.call_tool("analytics-overview", {"tenant": "acme", "domain": domain})
        return answers

    answers = with_session(server.url, tokens["acme"], work)
    for domain, (site, visitors) in {
        "www.example.com": ("example.com", 3),
        "https://www.shop.example/x": ("shop.example", 2),
    }.items():
        result = answers[domain]
        assert not result.is_error, result
        assert result.structured_content["domain"] == site
        assert result.structured_content["overview"]["visitors"] == visitors
    refused = answers["www.beta.example"]
    assert refused.is_error
    assert refused.content[0].text == (
        "The domain 'www.beta.example' is not one of the sites of tenant 'acme' (its sites: example.com, shop.example)."
    )


def client_for(app, email: str):
    with app.extensions["clearanalytics.db"].reading() as cur:
        user = accounts.get_user(cur, email)
    client = app.test_client()
    session_for(app, client, user.id, CSRF)
    return client


def test_the_dashboard_shows_www_as_the_site_and_hides_other_tenants_sites(app):
    client = client_for(app, "owner@example.com")
    page = client.get("/dashboard/acme/www.example.com")
    assert page.status_code == 200
    assert "/dashboard/acme/example.com/data/" in page.text and "www.example.com" not in page.text
    data = client.get("/dashboard/acme/www.example.com/data/overview?period=7d")
    assert data.status_code == 200
    assert (data.json["data"]["visitors"], data.json["data"]["pageviews"]) == (3, 3)
    assert client.get("/dashboard/acme/WWW.shop.example/data/overview").json["data"]["visitors"] == 2
    for domain in ("beta.example", "www.beta.example", "nobody.example"):
        assert client.get(f"/dashboard/acme/{domain}").status_code == 404
        missing = client.get(f"/dashboard/acme/{domain}/data/overview")
        assert (missing.status_code, missing.json) == (404, {"message": "Not found."})


def test_the_chat_takes_the_pages_site_by_the_same_rule(app):
    tools = FixedTools()
    app.extensions["clearanalytics.chat.tools"] = lambda cursor, tenant_id, user_id: tools
    client = client_for(app, "owner@example.com")
    ask = {"question": "How many visitors did I have last week?", "site": "www.example.com"}
    response = client.post("/dashboard/acme/chat", json=ask, headers={"X-CSRF-Token": CSRF})
    events = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert response.status_code == 200, events
    assert events[0]["arguments"]["domain"] == "example.com"
    assert events[-1]["message"]["text"].startswith("You had 1,523 visitors on example.com last week.")
    assert tools.calls and {args["domain"] for _name, args in tools.calls} == {"example.com"}
    message = "The site field must be one of this tenant's sites."
    ask["site"] = "www.beta.example"
    refused = client.post("/dashboard/acme/chat", json=ask, headers={"X-CSRF-Token": CSRF})
    assert (refused.status_code, refused.json) == (422, {"message": message, "errors": {"site": [message]}})


# --- exports: a cursor is a row id -----------------------------------------------------------


@pytest.mark.parametrize("route", EXPORT_ROUTES)
@pytest.mark.parametrize(
    "cursor", ["zzz", "0" * 25, "01jz0000000000000000000000", "01JZ00000000000000000000001", "I" * 26]
)
def test_a_cursor_that_is_not_a_row_id_is_422_naming_cursor(env, route, cursor):
    response = api(env, f"/export/{route}", "exports", cursor=cursor)
    assert response.status_code == 422, (cursor, response.status_code, response.text)
    message = "The cursor field must be the id of the last row of the previous page."
    assert response.json() == {"message": message, "errors": {"cursor": [message]}}


def test_a_row_id_cursor_still_pages(env):
    first = [json.loads(line) for line in api(env, "/export/pageviews", "exports", limit=2).text.splitlines()]
    assert len(first) == 2
    rest = api(env, "/export/pageviews", "exports", cursor=first[-1]["id"]).text.splitlines()
    assert len(first) + len(rest) == VISITORS["example.com"] + VISITORS["shop.example"]


# --- Retry-After only where a client must wait ------------------------------------------------


def test_no_retry_after_on_answers_that_are_not_refusals(env):
    server, tokens = env
    answers = [
        api(env, "/goals", "headers"),
        api(env, "/stats/overview", "headers"),
        api(env, "/stats/overview", "goals_only"),  # a 403 is no reason to wait either
        api(env, "/goals", None),
        rpc(server.url, tokens["headers"], {"jsonrpc": "2.0", "id": 1, "method": "ping"}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 403, 401, 200]
    for answer in answers:
        assert answer.headers["X-RateLimit-Limit"] == "60"
        assert "Retry-After" not in answer.headers, answer.request.url


def test_retry_after_on_the_429(env):
    server, tokens = env
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {tokens['burst']}"
    statuses = [session.get(server.url + "/api/v1/goals", timeout=10) for _ in range(61)]
    assert [r.status_code for r in statuses] == [200] * 60 + [429]
    assert not any("Retry-After" in r.headers for r in statuses[:60])
    assert 1 <= int(statuses[-1].headers["Retry-After"]) <= 60
    assert statuses[-1].json() == {"message": "Too Many Attempts."}


# --- one token rule, one membership rule --------------------------------------------------------


def _refusal(response: requests.Response) -> tuple:
    return response.status_code, response.json(), response.headers.get("WWW-Authenticate")


def test_a_token_is_refused_alike_by_the_api_and_mcp(env):
    server, tokens = env
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    # No mcp:use here, no stats:read there: the same words, the same status, no challenge.
    assert _refusal(rpc(server.url, tokens["stats_only"], ping)) == (
        403,
        {"message": "This token lacks the mcp:use ability."},
        None,
    )
    assert _refusal(api(env, "/stats/overview", "goals_only")) == (
        403,
        {"message": "This token lacks the stats:read ability."},
        None,
    )
    # No token, or a bad one: 401 with the same Bearer challenge on both faces.
    for header, challenge in (
        (None, 'Bearer realm="ClearAnalytics"'),
        ("Bearer 01ZZZZZZZZZZZZZZZZZZZZZZZZ|secret", 'Bearer realm="ClearAnalytics", error="invalid_token"'),
    ):
        headers = {"Authorization": header} if header else {}
        on_api = requests.get(server.url + "/api/v1/stats/overview", headers=headers, timeout=10)
        on_mcp = rpc(server.url, None, ping, headers)
        assert _refusal(on_api) == _refusal(on_mcp) == (401, {"message": "Unauthenticated."}, challenge)


def test_a_non_member_is_refused_by_the_dashboard_and_the_chat(app):
    stranger = client_for(app, "someone@stranger.net")
    for path in ("/dashboard/acme/", "/dashboard/acme/example.com", "/dashboard/acme/settings/account"):
        assert stranger.get(path).status_code == 404, path
    data = stranger.get("/dashboard/acme/example.com/data/overview")
    assert data.status_code == 404 and "visitors" not in data.get_data(as_text=True)
    form = stranger.post("/dashboard/acme/settings/sites", data={"domain": "evil.example", "csrf_token": CSRF})
    assert form.status_code == 404
    for response in (
        stranger.get("/dashboard/acme/chat"),
        stranger.post("/dashboard/acme/chat", json={"question": "visitors"}, headers={"X-CSRF-Token": CSRF}),
        stranger.post("/dashboard/acme/chat/reset", headers={"X-CSRF-Token": CSRF}),
    ):
        assert (response.status_code, response.json) == (404, {"message": "Not found."})
    with app.extensions["clearanalytics.db"].reading() as cur:
        assert accounts.get_site(cur, "evil.example") is None
    # A member, but a viewer: the chat is open to them, the admin pages are 403 with the role named.
    viewer = client_for(app, "viewer@example.com")
    assert viewer.get("/dashboard/acme/chat").status_code == 200
    settings = viewer.get("/dashboard/acme/settings/sites")
    assert settings.status_code == 403 and "needs the admin role; yours is viewer" in settings.text
    # No session at all: the dashboard sends to the login page, the chat answers 401.
    anonymous = app.test_client()
    assert anonymous.get("/dashboard/acme/example.com").status_code == 302
    assert (anonymous.get("/dashboard/acme/chat").status_code, anonymous.get("/dashboard/acme/chat").json) == (
        401,
        {"message": "Unauthenticated."},
    )


def test_the_domain_rule_itself():
    assert [accounts.domain_key(raw) for raw in SAME_SITE] == ["example.com"] * len(SAME_SITE)
    assert accounts.domain_key("http://shop.example:8080/") is None  # a port is not forgiven: no such site
    assert [accounts.domain_key(raw) for raw in ("", "   ", "not a domain", "https://", "localhost")] == [None] * 5
