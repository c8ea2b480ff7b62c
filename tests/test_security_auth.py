"""Access that must end, and budgets that must hold, on a real `clearanalytics serve` over real HTTP.

- A removed member's token dies with the membership: 401 on stats, exports and MCP, `token list`
  says revoked (issue 12, item 7).
- Sessions live on the server: an old cookie replayed after logout, after a password change and
  after the member's removal gets the login page (HTML) or 401 (JSON, chat) (item 9).
- The 60/minute budget belongs to the token however the scheme is spelt (item 10).
- A database from a newer ClearAnalytics is refused with one line by serve and the CLI (item 13).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import requests
from conftest import PASSWORD, make_account, run_cli, run_cli_subprocess
from dashboard_helpers import add_member, csrf_from

from clearanalytics import accounts
from clearanalytics.db import Database, utcnow
from clearanalytics.migrations import MIGRATIONS

MEMBER, MEMBER_PASSWORD = "member@example.com", "member-password-1"
# Three visitors, four pageviews, an hour and a half ago: what a live token reads below.
VISITS = ("a", "a", "b", "c")
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}
# One keep-alive connection for the token calls: a hundred kept responses must not hold a hundred
# sockets (waitress stops accepting at its connection_limit of 100).
HTTP = requests.Session()


def _seed_pageviews(data_dir: Path) -> None:
    db = Database.in_data_dir(data_dir)
    try:
        with db.transaction() as cur:
            site_id = accounts.get_site(cur, "example.com").id
            when = utcnow() - timedelta(minutes=90)
            for n, visitor in enumerate(VISITS):
                cur.execute(
                    "INSERT INTO pageviews (id, site_id, visitor_hash, session_hash, hostname, pathname,"
                    " referrer_source, channel, browser, os, device_type, created_at) VALUES"
                    " (?, ?, ?, ?, 'example.com', ?, 'direct', 'direct', 'Chrome', 'Linux', 'desktop', ?)",
                    [f"pv{n}", site_id, visitor, visitor, f"/p{n}", when],
                )
    finally:
        db.close()


def _user_id(data_dir: Path, email: str) -> str:
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            return accounts.get_user(cur, email).id
    finally:
        db.close()


def _member_token(data_dir: Path, tenant: str, name: str) -> str:
    result = run_cli("token", "create", "--data-dir", data_dir, "--tenant", tenant, "--email", MEMBER, "--name", name)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def team(tmp_path):
    """Tenant acme (business plan) with its owner and a viewer, each with a token; four pageviews."""
    owner = make_account(tmp_path / "data")
    add_member(owner.data_dir, "acme", MEMBER, "viewer", MEMBER_PASSWORD)
    member_token = _member_token(owner.data_dir, "acme", "m")
    _seed_pageviews(owner.data_dir)
    return owner, member_token, _user_id(owner.data_dir, MEMBER)


def _api(url: str, token: str, path: str, header_scheme: str = "Bearer", **params) -> requests.Response:
    headers = {"Authorization": f"{header_scheme} {token}"}
    return HTTP.get(f"{url}/api/v1{path}", params=params, headers=headers, timeout=10)


def _mcp(url: str, token: str, body: dict, header_scheme: str = "Bearer") -> requests.Response:
    headers = MCP_ACCEPT | {"Authorization": f"{header_scheme} {token}"}
    return HTTP.post(f"{url}/mcp/analytics", json=body, headers=headers, timeout=10)


OVERVIEW_CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "analytics-overview", "arguments": {"tenant": "acme", "period": "24h"}},
}


def _mcp_pageviews(body: dict) -> object:
    """The overview tool's pageviews, or the text of the tool error it answered instead."""
    result = body["result"]
    return result["structuredContent"]["overview"]["pageviews"] if not result["isError"] else result["content"]


def _reads(url: str, token: str) -> dict[str, object]:
    """What the token gets from stats, exports and MCP: the numbers when allowed, else the status."""
    stats = _api(url, token, "/stats/overview", period="24h")
    export = _api(url, token, "/export/pageviews")
    mcp = _mcp(url, token, OVERVIEW_CALL)
    return {
        "stats": stats.json()["data"]["visitors"] if stats.status_code == 200 else stats.status_code,
        "export": sorted(line.split('"id":"')[1][:3] for line in export.text.splitlines())
        if export.status_code == 200
        else export.status_code,
        "mcp": _mcp_pageviews(mcp.json()) if mcp.status_code == 200 else mcp.status_code,
    }


ALLOWED = {"stats": 3, "export": ["pv0", "pv1", "pv2", "pv3"], "mcp": 4}
REFUSED = {"stats": 401, "export": 401, "mcp": 401}


def _browser_login(url: str, email: str, password: str) -> requests.Session:
    browser = requests.Session()
    csrf = csrf_from(browser.get(f"{url}/login", timeout=10).text)
    response = browser.post(
        f"{url}/login", data={"email": email, "password": password, "csrf_token": csrf}, allow_redirects=False
    )
    assert response.status_code == 302, response.text
    return browser


def _post_form(browser: requests.Session, url: str, page: str, action: str, data: dict) -> requests.Response:
    csrf = csrf_from(browser.get(url + page, timeout=10).text)
    return browser.post(url + action, data=data | {"csrf_token": csrf}, allow_redirects=False, timeout=10)


def _token_statuses(data_dir: Path) -> dict[str, str]:
    """`token list` (forwarded to the running server): token name -> active/revoked."""
    result = run_cli_subprocess("token", "list", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    return {line.split("\t")[2]: line.split("\t")[-1] for line in result.stdout.splitlines()}


COOKIE = "session"


def _replay(url: str, cookie: str) -> dict[str, object]:
    """An old session cookie sent again: what the dashboard page, a data route and the chat answer."""
    jar = {COOKIE: cookie}
    page = requests.get(f"{url}/dashboard/acme/settings/account", cookies=jar, allow_redirects=False, timeout=10)
    data = requests.get(f"{url}/dashboard/acme/example.com/data/current-visitors", cookies=jar, timeout=10)
    chat = requests.get(f"{url}/dashboard/acme/chat", cookies=jar, timeout=10)
    return {
        "page": (page.status_code, page.headers.get("Location", "").split("?")[0]),
        "data": (data.status_code, data.json()),
        "chat": (chat.status_code, chat.json()),
    }


LIVE = {
    "page": (200, ""),
    "data": (200, {"data": {"visitors": 0}}),  # current visitors: nobody in the last five minutes
    "chat": (200, {"data": {"messages": []}}),
}


ENDED = {
    "page": (302, "/login"),
    "data": (401, {"message": "Unauthenticated."}),
    "chat": (401, {"message": "Unauthenticated."}),
}


# --- item 7 and 9: removal ---------------------------------------------------------------------


def test_a_member_removed_in_the_dashboard_loses_tokens_and_sessions(team, live_server):
    """The member also belongs to tenant beta, so the account stays: only acme's access ends, and
    every session (a session is the user's, not a tenant's)."""
    owner, member_token, member_id = team
    run_cli("tenant", "add", "beta", "--name", "Beta", "--data-dir", owner.data_dir)
    add_member(owner.data_dir, "beta", MEMBER, "viewer", MEMBER_PASSWORD)
    beta_token = _member_token(owner.data_dir, "beta", "in-beta")
    server = live_server(owner.data_dir)
    assert _reads(server.url, member_token) == ALLOWED
    member = _browser_login(server.url, MEMBER, MEMBER_PASSWORD)
    old_cookie = member.cookies[COOKIE]
    assert _replay(server.url, old_cookie) == LIVE

    admin = _browser_login(server.url, owner.email, PASSWORD)
    members = "/dashboard/acme/settings/members"
    removed = _post_form(admin, server.url, members, f"{members}/{member_id}/remove", {})
    assert removed.status_code == 302 and "Removed member@example.com" in admin.get(server.url + members).text

    assert _reads(server.url, member_token) == REFUSED
    assert _token_statuses(owner.data_dir) == {"tests": "active", "in-beta": "active"}  # acme's is gone
    assert _replay(server.url, old_cookie) == ENDED
    assert _reads(server.url, owner.token) == ALLOWED  # the owner keeps everything
    beta_sites = _api(server.url, beta_token, "/goals")
    assert (beta_sites.status_code, beta_sites.json()["data"]) == (200, [])  # still a member of beta


def test_a_member_removed_with_the_cli_loses_tokens_and_sessions(team, live_server):
    owner, member_token, _member_id = team
    server = live_server(owner.data_dir)
    old_cookie = _browser_login(server.url, MEMBER, MEMBER_PASSWORD).cookies[COOKIE]
    assert _reads(server.url, member_token) == ALLOWED
    result = run_cli_subprocess("user", "remove", MEMBER, "--tenant", "acme", "--yes", "--data-dir", owner.data_dir)
    assert result.returncode == 0, result.stderr
    assert _reads(server.url, member_token) == REFUSED
    assert _token_statuses(owner.data_dir) == {"tests": "active"}  # acme was the member's only tenant
    assert _replay(server.url, old_cookie) == ENDED


def test_a_membership_gone_by_any_path_disarms_its_tokens(team, make_app):
    """The rule is checked at every request, not only kept by the removal code: a membership row
    deleted by any code path (a tenant's deletion, a manual fix) leaves no token working."""
    owner, member_token, member_id = team
    app = make_app(owner.data_dir)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {member_token}"}
    assert client.get("/api/v1/stats/overview?period=24h", headers=headers).json["data"]["visitors"] == 3
    with app.extensions["clearanalytics.db"].transaction() as cur:
        cur.execute("DELETE FROM memberships WHERE user_id = ?", [member_id])
    assert client.get("/api/v1/stats/overview?period=24h", headers=headers).status_code == 401
    assert client.get("/api/v1/export/pageviews", headers=headers).status_code == 401
    assert client.post("/mcp/analytics", json=OVERVIEW_CALL, headers=headers | MCP_ACCEPT).status_code == 401
    app.extensions["clearanalytics.db"].close()


def test_tokens_of_members_removed_before_the_upgrade_are_listed_revoked(tmp_path):
    """m004 marks the tokens of memberships already gone as revoked, so `token list` is true at once."""
    from clearanalytics.migrations import migrate

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    con = duckdb.connect(str(data_dir / "clearanalytics.duckdb"))
    migrate(con, upto=3)  # a database as the previous version left it
    tenant = accounts.create_tenant(con, "acme", "Acme")
    kept, gone = accounts.create_user(con, "kept@example.com", PASSWORD), accounts.create_user(con, MEMBER, PASSWORD)
    for user, name in ((kept, "kept"), (gone, "gone")):
        accounts.set_membership(con, tenant, user, "owner")
        accounts.create_token(con, tenant, user, name)
    con.execute("DELETE FROM memberships WHERE user_id = ?", [gone.id])  # removed the old way
    con.close()
    listed = run_cli("token", "list", "--data-dir", data_dir)
    assert sorted(line.split("\t")[2] + ":" + line.split("\t")[-1] for line in listed.stdout.splitlines()) == [
        "gone:revoked",
        "kept:active",
    ]


# --- item 9: logout and password change ---------------------------------------------------------


def test_logout_ends_that_session_and_no_other(team, live_server):
    owner, _token, _member_id = team
    server = live_server(owner.data_dir)
    laptop = _browser_login(server.url, owner.email, PASSWORD)
    phone = _browser_login(server.url, owner.email, PASSWORD)
    laptop_cookie, phone_cookie = laptop.cookies[COOKIE], phone.cookies[COOKIE]
    assert _replay(server.url, laptop_cookie) == LIVE

    out = _post_form(laptop, server.url, "/dashboard/acme/settings/account", "/logout", {})
    assert (out.status_code, out.headers["Location"]) == (302, "/login")
    assert _replay(server.url, laptop_cookie) == ENDED
    assert _replay(server.url, phone_cookie) == LIVE


def test_a_password_change_ends_every_session_of_the_user(team, live_server):
    owner, _token, _member_id = team
    server = live_server(owner.data_dir)
    laptop = _browser_login(server.url, owner.email, PASSWORD)
    phone = _browser_login(server.url, owner.email, PASSWORD)
    laptop_cookie, phone_cookie = laptop.cookies[COOKIE], phone.cookies[COOKIE]
    member_cookie = _browser_login(server.url, MEMBER, MEMBER_PASSWORD).cookies[COOKIE]

    url = "/dashboard/acme/settings/account"
    form = {"current_password": PASSWORD, "new_password": "n3w-password!", "confirm_password": "n3w-password!"}
    changed = _post_form(laptop, server.url, url, url, form)
    assert changed.status_code == 302, changed.text
    assert _replay(server.url, laptop_cookie) == ENDED  # the cookie from before the change
    assert _replay(server.url, phone_cookie) == ENDED
    # The browser that changed it continues in a fresh session; other users are untouched.
    assert "Changed your password." in laptop.get(server.url + url, timeout=10).text
    assert _replay(server.url, laptop.cookies[COOKIE]) == LIVE
    assert _replay(server.url, member_cookie) == LIVE


def test_sessions_are_stored_as_hashes_only(team, make_app):
    owner, _token, _member_id = team
    app = make_app(owner.data_dir)
    client = app.test_client()
    csrf = csrf_from(client.get("/login").text)
    client.post("/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf})
    with client.session_transaction() as session:
        sid = session["sid"]
    with app.extensions["clearanalytics.db"].reading() as cur:
        rows = cur.execute("SELECT * FROM sessions").fetchall()
    app.extensions["clearanalytics.db"].close()
    assert len(rows) == 1 and len(rows[0][0]) == 64 and sid not in str(rows)


# --- item 10: one budget per token -----------------------------------------------------------


SPELLINGS = ("Bearer", "bearer", "BEARER")


def test_the_rate_limit_is_per_token_whatever_the_schemes_spelling(team, live_server):
    owner, member_token, _member_id = team
    server = live_server(owner.data_dir)
    answers = [_api(server.url, owner.token, "/goals", SPELLINGS[n % 3]) for n in range(60)]
    assert [a.status_code for a in answers] == [200] * 60
    assert [int(a.headers["X-RateLimit-Remaining"]) for a in answers] == list(range(59, -1, -1))
    for scheme in SPELLINGS:
        refused = _api(server.url, owner.token, "/goals", scheme)
        assert (refused.status_code, refused.json()) == (429, {"message": "Too Many Attempts."})
    assert _api(server.url, member_token, "/goals").status_code == 200  # another token, its own budget

    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    answers = [_mcp(server.url, owner.token, ping, SPELLINGS[n % 3]) for n in range(60)]
    assert [a.status_code for a in answers] == [200] * 60
    for scheme in SPELLINGS:
        assert _mcp(server.url, owner.token, ping, scheme).status_code == 429


# --- item 13: a newer schema is refused --------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("tenant", "list"),
        ("token", "list"),
        ("site", "add", "new.example", "--tenant", "acme"),
        ("setup", "--tenant", "acme", "--tenant-name", "A", "--site", "example.com", "--email", "o@example.com"),
        ("serve", "--port", "0"),
    ],
)
def test_a_database_from_a_newer_version_is_refused_in_one_line(tmp_path, command):
    account = make_account(tmp_path / "data")
    newer = len(MIGRATIONS) + 1
    con = duckdb.connect(str(account.data_dir / "clearanalytics.duckdb"))
    con.execute("INSERT INTO schema_version VALUES (?, 'm999_from_the_future', now())", [newer])
    con.close()

    result = run_cli_subprocess(*command, "--data-dir", account.data_dir, timeout=60)
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"Error: this database was written by a newer ClearAnalytics (schema {newer}, "
        f"this version knows {len(MIGRATIONS)}); upgrade ClearAnalytics"
    ]
    assert "listening" not in result.stdout
    con = duckdb.connect(str(account.data_dir / "clearanalytics.duckdb"))
    version = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    domains = con.execute("SELECT domain FROM sites").fetchall()
    con.close()
    assert (version, domains) == (newer, [("example.com",)])  # refused before anything was written
