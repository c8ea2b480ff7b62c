"""The auth matrix of /api/v1 on a real `clearanalytics serve` process over real HTTP.

401 (no, malformed, unknown, revoked token), 403 (missing ability; a domain that is not the
tenant's, whether another tenant has it or nobody), 404 (unknown goal; another tenant's goal),
422 (the reference's body), 429 (the 61st request in a minute, with Retry-After), the rate-limit
headers on every response, and tenant isolation: tenant A's token never sees a byte of B's.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from clearanalytics.db import Database, utcnow
from tests.conftest import make_account, run_cli

STATS_PATHS = (
    "/stats/overview",
    "/stats/timeseries",
    "/stats/pages",
    "/stats/referrers",
    "/stats/browsers",
    "/stats/operating-systems",
    "/stats/devices",
    "/stats/languages",
    "/stats/campaigns",
    "/stats/ecommerce/overview",
    "/stats/ecommerce/revenue-timeseries",
    "/stats/ecommerce/products",
    "/stats/ecommerce/funnel",
    "/stats/ecommerce/revenue-by-source",
)


def _token(data_dir, tenant: str, email: str, *abilities: str) -> str:
    args = ["token", "create", "--data-dir", data_dir, "--tenant", tenant, "--email", email, "--name", "t"]
    for ability in abilities:
        args += ["--ability", ability]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _seed(data_dir) -> dict:
    """Pageviews, a purchase and a goal with a completion for each tenant's site, written before serving."""
    db = Database.in_data_dir(data_dir)
    now = utcnow() - timedelta(hours=1)
    goals = {}
    try:
        with db.transaction() as cur:
            for domain, visitors in (("example.com", 3), ("beta.example", 5)):
                site_id = cur.execute("SELECT id FROM sites WHERE domain = ?", [domain]).fetchone()[0]
                for n in range(visitors):
                    cur.execute(
                        "INSERT INTO pageviews (id, site_id, visitor_hash, session_hash, hostname, pathname,"
                        " referrer_source, channel, browser, os, device_type, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, 'direct', 'direct', 'Chrome', 'Linux', 'desktop', ?)",
                        [f"{domain}-pv{n}", site_id, f"{domain}-v{n}", f"{domain}-s{n}", domain, f"/{domain}", now],
                    )
                cur.execute(
                    "INSERT INTO ecommerce_events (id, site_id, visitor_hash, session_hash, event_type,"
                    " transaction_id, value, currency, items, created_at)"
                    " VALUES (?, ?, ?, ?, 'purchase', 'T1', ?, 'EUR', ?, ?)",
                    [f"{domain}-ec", site_id, f"{domain}-v0", f"{domain}-s0", visitors * 10, json.dumps(
                        [{"item_id": "x", "item_name": f"item of {domain}", "price": visitors * 10, "quantity": 1}]
                    ), now],
                )  # fmt: skip
                goals[domain] = f"goal-{domain}"
                cur.execute(
                    'INSERT INTO goals VALUES (?, ?, \'Signup\', \'url\', \'{"match_type": "exact", "path": "/"}\','
                    " TRUE, ?, ?)",
                    [goals[domain], site_id, now, now],
                )
                cur.execute(
                    "INSERT INTO goal_completions (id, goal_id, site_id, visitor_hash, pageview_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [f"{domain}-gc", goals[domain], site_id, f"{domain}-v0", f"{domain}-pv0", now],
                )
    finally:
        db.close()
    return goals


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Two tenants (acme: example.com; beta: beta.example), tokens of several kinds, one live server."""
    from tests.conftest import LiveServer

    data_dir = tmp_path_factory.mktemp("auth") / "data"
    acme = make_account(data_dir)
    beta = make_account(data_dir, tenant="beta", site="beta.example", email="owner@beta.example")
    tokens = {
        "acme": acme.token,
        "beta": beta.token,
        "goals_only": _token(data_dir, "acme", acme.email, "goals:read"),
        "stats_only": _token(data_dir, "acme", acme.email, "stats:read"),
        "export_mcp": _token(data_dir, "acme", acme.email, "export:read", "mcp:use"),
        "revoked": _token(data_dir, "acme", acme.email),
        "burst": _token(data_dir, "acme", acme.email),
        # Separate budgets, so that no test spends another's 60 requests a minute.
        "acme_domains": _token(data_dir, "acme", acme.email),
        "acme_422": _token(data_dir, "acme", acme.email),
    }
    assert run_cli("token", "revoke", "--data-dir", data_dir, tokens["revoked"].split("|")[0]).exit_code == 0
    goals = _seed(data_dir)
    live = LiveServer(data_dir).start()
    yield live, tokens, goals
    live.stop()


def call(server, path: str, token: str | None = None, header: str | None = None, **params):
    live, tokens, _ = server
    headers = {}
    if header is not None:
        headers["Authorization"] = header
    elif token is not None:
        headers["Authorization"] = f"Bearer {tokens[token]}"
    return requests.get(live.url + "/api/v1" + path, params=params, headers=headers, timeout=10)


def assert_limited_json(response, status: int, body: dict | None = None):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-RateLimit-Limit"] == "60"
    assert int(response.headers["X-RateLimit-Remaining"]) >= 0
    if body is not None:
        assert response.json() == body


@pytest.mark.parametrize("path", [*STATS_PATHS, "/goals", "/goals/anything/completions"])
@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer 01ABC|wrong-secret", "revoked"],
)
def test_401_for_every_missing_malformed_unknown_or_revoked_token(server, path, header):
    response = call(server, path, token="revoked") if header == "revoked" else call(server, path, header=header)
    assert_limited_json(response, 401, {"message": "Unauthenticated."})


@pytest.mark.parametrize("path", STATS_PATHS)
def test_403_without_the_stats_read_ability(server, path):
    for token in ("goals_only", "export_mcp"):
        assert_limited_json(
            call(server, path, token=token), 403, {"message": "This token lacks the stats:read ability."}
        )
    assert call(server, path, token="stats_only").status_code == 200


def test_403_without_the_goals_read_ability(server):
    _, _, goals = server
    for path in ("/goals", f"/goals/{goals['example.com']}/completions"):
        for token in ("stats_only", "export_mcp"):
            assert_limited_json(
                call(server, path, token=token), 403, {"message": "This token lacks the goals:read ability."}
            )
        assert call(server, path, token="goals_only").status_code == 200


@pytest.mark.parametrize("path", [*STATS_PATHS, "/goals"])
@pytest.mark.parametrize("domain", ["beta.example", "nobody.example", "BETA.example"])
def test_403_for_a_domain_that_is_not_the_tenants_whoever_has_it(server, path, domain):
    assert_limited_json(
        call(server, path, token="acme_domains", domain=domain),
        403,
        {"message": "This domain is not one of your sites."},
    )


def test_404_for_an_unknown_goal_and_for_another_tenants_goal(server):
    _, _, goals = server
    for goal_id in ("01JMNOSUCHGOAL", goals["beta.example"], "%00", "x'; DROP TABLE goals; --"):
        response = call(server, f"/goals/{goal_id}/completions", token="acme")
        assert_limited_json(response, 404)
        assert "message" in response.json() and "data" not in response.json()
    # Beta sees its own goal, with its own completion only.
    body = call(server, f"/goals/{goals['beta.example']}/completions", token="beta").json()
    assert [c["id"] for c in body["data"]] == ["beta.example-gc"] and body["meta"]["total"] == 1


@pytest.mark.parametrize(
    "params,field",
    [
        ({"period": "week"}, "period"),
        ({"from": "2026-02-10"}, "to"),
        ({"to": "2026-02-10"}, "from"),
        ({"from": "2026-02-11", "to": "2026-02-10"}, "from"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"filter[secret]": "x"}, "filter[secret]"),
    ],
)
def test_422_names_the_field_in_the_reference_shape(server, params, field):
    for path in ("/stats/pages", "/stats/ecommerce/products"):
        response = call(server, path, token="acme_422", **params)
        assert_limited_json(response, 422)
        body = response.json()
        assert set(body) == {"message", "errors"} and list(body["errors"]) == [field]
        assert body["message"] == body["errors"][field][0]


def test_a_tenant_never_sees_another_tenants_data(server):
    _, _, goals = server
    for token, own, other in (("acme", "example.com", "beta.example"), ("beta", "beta.example", "example.com")):
        visitors = 3 if own == "example.com" else 5
        overview = call(server, "/stats/overview", token=token).json()["data"]
        assert (overview["visitors"], overview["pageviews"]) == (visitors, visitors)
        pages = call(server, "/stats/pages", token=token).json()["data"]
        assert [p["pathname"] for p in pages] == [f"/{own}"]
        products = call(server, "/stats/ecommerce/products", token=token).json()["data"]
        assert [p["item_name"] for p in products] == [f"item of {own}"]
        assert call(server, "/stats/ecommerce/overview", token=token).json()["data"]["revenue"] == visitors * 10
        listed = call(server, "/goals", token=token).json()["data"]
        assert [g["id"] for g in listed] == [goals[own]]
        raw = "".join(call(server, path, token=token, period="30d").text for path in STATS_PATHS)
        assert other not in raw and goals[other] not in raw


def test_unknown_api_paths_are_json_404s(server):
    """No route, no limit to count against: the body is JSON all the same."""
    response = call(server, "/stats/nope", token="acme")
    assert response.status_code == 404 and response.json() == {"message": "Not found."}


def test_429_after_60_requests_in_a_minute_with_retry_after(server):
    live, tokens, _ = server
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {tokens['burst']}"
    remaining = []
    for _ in range(60):  # the window opens at the first request, so 61 quick ones always cross it
        response = session.get(live.url + "/api/v1/goals", timeout=10)
        assert response.status_code == 200
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == list(range(59, -1, -1))
    response = session.get(live.url + "/api/v1/goals", timeout=10)
    assert_limited_json(response, 429, {"message": "Too Many Attempts."})
    assert int(response.headers["Retry-After"]) >= 1
    # Another token has its own budget.
    assert call(server, "/goals", token="acme").status_code == 200


@pytest.mark.parametrize("value", ["lots", "60/fortnight", ""])
def test_an_unreadable_rate_limit_fails_at_start_not_on_every_request(tmp_path, value):
    from clearanalytics.app import create_app
    from clearanalytics.config import ConfigError

    with pytest.raises(ConfigError, match="rate_limit"):
        create_app({"data_dir": str(tmp_path), "rate_limit": value})


def test_the_rate_limit_setting_is_read_from_the_environment(tmp_path, live_server):
    account = make_account(tmp_path / "data")
    live = live_server(account.data_dir, env={"CLEARANALYTICS_RATE_LIMIT": "2/minute"})
    headers = {"Authorization": f"Bearer {account.token}"}
    statuses = [requests.get(live.url + "/api/v1/goals", headers=headers, timeout=10) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert [r.headers["X-RateLimit-Limit"] for r in statuses] == ["2", "2", "2"]
