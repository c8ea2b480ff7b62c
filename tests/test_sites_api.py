"""Sites and goals over the API ([7/7] item 4): GET/POST /sites, DELETE /sites/{site}, POST /goals, DELETE
/goals/{goal}, with the abilities sites:write and goals:write.

On both set-ups (`stats_setup`: the DuckDB file; accounts in a real PostgreSQL with events in chdb): the stats
dataset (tests/stats_dataset.py: tenant acme with shop.example and blog.example, tenant rival with
rival.example) is served by a real app; a created goal's backfill is checked against counts made here from
the dataset's own rows, a created site against events posted to /api/event, a removal against the event
store's rows. Every test fails on the code before these routes (404 for each route, no such abilities).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import duckdb
import pytest
import requests

from clearanalytics import accounts
from clearanalytics.config import DATABASE_FILE_NAME
from tests import stats_dataset
from tests.chstore_helpers import chdb_missing
from tests.conftest import PASSWORD, make_token, run_cli
from tests.dashboard_helpers import login, page_csrf
from tests.ingest_helpers import CHROME
from tests.split_helpers import stats_app
from tests.test_split_serve import chdb_url, committed, post_event, setup_account, stored, wait_for
from tests.test_split_serve import token as cli_token

API = "/api/v1"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
WRITE = ("sites:write", "goals:write")


class Setup:
    """The app of one set-up, its test client, the dataset, and tokens made in its accounts database."""

    def __init__(self, app, data: stats_dataset.Dataset, name: str):
        self.app, self.data, self.name = app, data, name
        self.client = app.test_client()
        self.db = app.extensions["clearanalytics.db"]
        self.store = app.extensions["clearanalytics.store"]

    def token(self, tenant: str, *abilities: str, role: str = "owner") -> str:
        """A token of the tenant's owner, or of a new member with `role`, carrying `abilities`."""
        with self.db.transaction() as cur:
            the_tenant = accounts.get_tenant(cur, tenant)
            if role == "owner":
                user = accounts.get_user(cur, f"owner@{tenant}.test")
            else:
                email = f"{role}-{len(accounts.list_tokens(cur))}@{tenant}.test"
                user = accounts.create_user(cur, email, "correct-horse-battery")
                accounts.set_membership(cur, the_tenant, user, role)
            return accounts.create_token(cur, the_tenant, user, "provisioning", list(abilities))[1]

    def call(self, method: str, path: str, token: str, **kwargs):
        return self.client.open(API + path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def domains(self, tenant: str) -> list[str]:
        with self.db.reading() as cur:
            return [s.domain for s in accounts.list_sites(cur, accounts.get_tenant(cur, tenant).id)]


@pytest.fixture(scope="module")
def setup(stats_data_dir, stats_setup, request):
    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    data_dir, data = stats_data_dir
    with stats_app(data_dir, data, stats_setup, pg, rate_limit="100000/minute") as app:
        yield Setup(app, data, stats_setup)


@pytest.fixture(scope="module")
def acme(setup) -> str:
    return setup.token("acme", "stats:read", "goals:read", *WRITE)


@pytest.fixture(scope="module")
def rival(setup) -> str:
    return setup.token("rival", "stats:read", "goals:read", *WRITE)


def site_id(setup: Setup, domain: str) -> str:
    return setup.data.sites[domain]["id"]


# --- listing ----------------------------------------------------------------------------------------


def test_sites_lists_the_tokens_tenants_sites_only(setup, acme, rival):
    shop, blog = setup.data.sites["shop.example"], setup.data.sites["blog.example"]
    answer = setup.call("GET", "/sites", acme)
    assert answer.status_code == 200
    listed = {s["domain"]: s for s in answer.get_json()["data"]}
    assert listed["shop.example"] == {"id": shop["id"], "domain": "shop.example", "timezone": "America/New_York",
                                      "currency": "EUR"}  # fmt: skip
    assert listed["blog.example"]["timezone"] == blog["timezone"] == "Asia/Tokyo"
    assert "rival.example" not in listed
    assert [s["domain"] for s in setup.call("GET", "/sites", rival).get_json()["data"]] == setup.domains("rival")
    assert "shop.example" not in setup.domains("rival")
    # Any token that reads stats, or provisions sites, may list them; one that only reads goals may not.
    assert setup.call("GET", "/sites", setup.token("acme", "sites:write")).status_code == 200
    refused = setup.call("GET", "/sites", setup.token("acme", "goals:read"))
    assert refused.status_code == 403
    assert refused.get_json() == {"message": "This token lacks the stats:read or sites:write ability."}
    assert setup.call("GET", "/sites", "nope|nope").status_code == 401


# --- abilities and roles ------------------------------------------------------------------------------


def test_writes_need_their_ability_and_the_default_token_has_none(setup):
    goal = setup.data.goals[0]["id"]
    for token in (setup.data.tokens["acme"], setup.token("acme", "stats:read", "goals:read", "goals:write")):
        answer = setup.call("POST", "/sites", token, json={"domain": "nope-1.example"})
        assert answer.status_code == 403
        assert answer.get_json() == {"message": "This token lacks the sites:write ability."}
        assert setup.call("DELETE", "/sites/shop.example", token).status_code == 403
    for token in (setup.data.tokens["acme"], setup.token("acme", "stats:read", "sites:write")):
        answer = setup.call("POST", "/goals", token, json={"domain": "shop.example", "type": "event",
                                                          "event_name": "x"})  # fmt: skip
        assert answer.status_code == 403
        assert answer.get_json() == {"message": "This token lacks the goals:write ability."}
        assert setup.call("DELETE", f"/goals/{goal}", token).status_code == 403
    assert "nope-1.example" not in setup.domains("acme")
    assert goal in {g["id"] for g in setup.call("GET", "/goals", setup.data.tokens["acme"]).get_json()["data"]}


def test_a_write_needs_the_role_the_dashboard_needs(setup):
    """A viewer's token writes nothing; an admin's adds sites and goals but removes no site (owners only)."""
    viewer = setup.token("acme", *WRITE, role="viewer")
    assert setup.call("POST", "/sites", viewer, json={"domain": "viewer.example"}).get_json() == {
        "message": "Adding a site needs the admin role; this token's user is viewer."
    }
    answer = setup.call("POST", "/goals", viewer, json={"domain": "shop.example", "type": "event", "event_name": "v"})
    assert answer.status_code == 403
    admin = setup.token("acme", *WRITE, role="admin")
    created = setup.call("POST", "/sites", admin, json={"domain": "admin-made.example"})
    assert created.status_code == 201
    goal = setup.call("POST", "/goals", admin, json={"domain": "admin-made.example", "type": "event",
                                                     "event_name": "a"})  # fmt: skip
    assert goal.status_code == 201
    assert setup.call("DELETE", f"/goals/{goal.get_json()['id']}", viewer).status_code == 403
    assert setup.call("DELETE", f"/goals/{goal.get_json()['id']}", admin).get_json()["deleted"] is True
    refused = setup.call("DELETE", "/sites/admin-made.example", admin)
    assert refused.status_code == 403
    assert refused.get_json() == {"message": "Removing a site needs the owner role; this token's user is admin."}
    assert "admin-made.example" in setup.domains("acme")
    assert "viewer.example" not in setup.domains("acme")


# --- isolation --------------------------------------------------------------------------------------


def test_another_tenants_site_or_goal_is_not_found_like_a_missing_one(setup, acme, rival):
    shop_goal = "goal-shop.example-signup"
    missing = {"message": "Site not found."}
    for ref in (site_id(setup, "shop.example"), "shop.example", "WWW.Shop.Example", "nowhere.example"):
        answer = setup.call("DELETE", f"/sites/{ref}", rival)
        assert (answer.status_code, answer.get_json()) == (404, missing), ref
    for ref in (shop_goal, "no-such-goal"):
        answer = setup.call("DELETE", f"/goals/{ref}", rival)
        assert (answer.status_code, answer.get_json()) == (404, {"message": "Goal not found."}), ref
    # A goal for another tenant's site is refused in the same words as one for nobody's site.
    for domain in ("shop.example", "nowhere.example"):
        answer = setup.call("POST", "/goals", rival, json={"domain": domain, "type": "event", "event_name": "x"})
        assert answer.status_code == 422
        assert answer.get_json() == {"message": f"{domain!r} is none of your sites.",
                                     "errors": {"domain": [f"{domain!r} is none of your sites."]}}  # fmt: skip
    assert set(setup.domains("acme")) >= {"shop.example", "blog.example"}
    goals = {g["id"] for g in setup.call("GET", "/goals", acme).get_json()["data"]}
    assert shop_goal in goals
    rival_goals = setup.call("GET", "/goals", rival).get_json()["data"]
    assert {g["id"] for g in rival_goals} & goals == set()


# --- bad input ----------------------------------------------------------------------------------------

SITE_BAD = [
    ({}, "domain", "The domain field is required."),
    ({"domain": ""}, "domain", "The domain field is required."),
    ({"domain": 42}, "domain", "The domain field must be a string."),
    ({"domain": "not a domain"}, "domain", "invalid domain 'not a domain': expected a host name like example.com"),
    ({"domain": "shop.example"}, "domain", "site 'shop.example' already exists"),  # the tenant's own
    ({"domain": "www.rival.example"}, "domain", "site 'rival.example' already exists"),  # another's: the same
    ({"domain": "ok-1.example", "timezone": "Mars/Olympus"}, "timezone",
     "unknown timezone 'Mars/Olympus': use an IANA name like Europe/Amsterdam"),
    ({"domain": "ok-1.example", "timezone": ["UTC"]}, "timezone", "The timezone field must be a string."),
    ({"domain": "ok-1.example", "currency": "EURO"}, "currency",
     "invalid currency 'EURO': use a 3-letter ISO 4217 code"),
    ({"domain": "ok-1.example", "timezon": "UTC"}, "timezon", "The timezon field is not known here."),
    ({"domain": "x" * 2001}, "domain", "The domain field must be at most 2000 characters."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field", "message"), SITE_BAD)
def test_a_bad_site_is_422_naming_the_field_and_creates_nothing(setup, acme, body, field, message):
    before = setup.domains("acme") + setup.domains("rival")
    answer = setup.call("POST", "/sites", acme, json=body)
    assert answer.status_code == 422
    assert answer.get_json() == {"message": message, "errors": {field: [message]}}
    assert setup.domains("acme") + setup.domains("rival") == before


GOAL_BAD = [
    ({"type": "event", "event_name": "x"}, "site", "The site field is required."),
    ({"domain": "shop.example", "event_name": "x"}, "type", "The type field is required."),
    ({"domain": "shop.example", "type": "funnel"}, "type",
     "unknown goal type 'funnel': one of url, event (Plausible's page is url)"),
    ({"site_id": "shop.example", "goal_type": "funnel"}, "goal_type",
     "unknown goal type 'funnel': one of url, event (Plausible's page is url)"),
    ({"domain": "shop.example", "type": "url"}, "path", "a path pattern of 1 to 500 characters is required"),
    ({"domain": "shop.example", "type": "url", "path": "/a", "match_type": "fuzzy"}, "match_type",
     "unknown match type 'fuzzy': one of exact, prefix, contains, wildcard, regex"),
    ({"domain": "shop.example", "type": "url", "path": "(", "match_type": "regex"}, "path",
     "invalid regular expression: missing ), unterminated subpattern at position 0"),
    ({"site_id": "shop.example", "goal_type": "page", "page_path": "/" + "p" * 600}, "page_path",
     "a path pattern of 1 to 500 characters is required"),
    ({"domain": "shop.example", "type": "event"}, "event_name", "an event name of 1 to 120 characters is required"),
    ({"domain": "shop.example", "type": "event", "event_name": "e" * 121}, "event_name",
     "an event name of 1 to 120 characters is required"),
    ({"domain": "shop.example", "type": "event", "event_name": "x", "name": "n" * 201}, "name",
     "a name of 1 to 200 characters is required"),
    ({"domain": "shop.example", "type": "event", "event_name": "x", "path": "/"}, "path",
     "The path field does not belong to a event goal."),
    ({"domain": "shop.example", "type": "url", "path": "/", "event_name": "x"}, "event_name",
     "The event_name field does not belong to a url goal."),
    ({"domain": "shop.example", "site_id": "shop.example", "type": "event", "event_name": "x"}, "site_id",
     "Give one of domain and site_id, not both."),
    ({"domain": "shop.example", "type": "event", "event_name": 7}, "event_name",
     "The event_name field must be a string."),
    ({"domain": "shop.example", "type": "event", "event_name": "x", "goal": "y"}, "goal",
     "The goal field is not known here."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field", "message"), GOAL_BAD)
def test_a_bad_goal_is_422_naming_the_field_and_creates_nothing(setup, acme, body, field, message):
    before = setup.call("GET", "/goals", acme).get_json()["data"]
    answer = setup.call("POST", "/goals", acme, json=body)
    assert answer.status_code == 422
    assert answer.get_json() == {"message": message, "errors": {field: [message]}}
    assert setup.call("GET", "/goals", acme).get_json()["data"] == before


@pytest.mark.parametrize("path", ["/sites", "/goals"])
@pytest.mark.parametrize(
    ("data", "content_type"),
    [("[1, 2]", "application/json"), ("{not json", "application/json"), ('"x"', "text/plain")],
)
def test_a_body_that_is_not_an_object_is_422_naming_the_body(setup, acme, path, data, content_type):
    answer = setup.call("POST", path, acme, data=data, content_type=content_type)
    message = "The request body must be a JSON object or form fields."
    assert (answer.status_code, answer.get_json()) == (422, {"message": message, "errors": {"body": [message]}})


# --- what a created site and a removal do --------------------------------------------------------------


def _pageview(setup: Setup, domain: str, path: str, ua: str, ip: str):
    payload = {"name": "pageview", "url": f"https://{domain}{path}", "domain": domain}
    return setup.client.post(
        "/api/event",
        data=json.dumps(payload),
        headers={"User-Agent": ua, "Content-Type": "text/plain"},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_a_created_site_is_tracked_and_its_removal_deletes_its_events(setup, acme, rival):
    # Plausible's documented call: form fields (curl -F), domain and timezone.
    created = setup.call("POST", "/sites", acme, data={"domain": "Client-A.example", "timezone": "Europe/Amsterdam"})
    assert created.status_code == 201
    site = created.get_json()
    assert site == {"id": site["id"], "domain": "client-a.example", "timezone": "Europe/Amsterdam", "currency": "EUR"}
    assert "client-a.example" in setup.domains("acme") and "client-a.example" not in setup.domains("rival")
    sent = [("/", CHROME, "203.0.113.7"), ("/pricing", CHROME, "203.0.113.7"), ("/", FIREFOX, "203.0.113.8")]
    for path, ua, ip in sent:
        assert _pageview(setup, "client-a.example", path, ua, ip).status_code == 202
    setup.app.extensions["clearanalytics.ingest"].flush()
    assert setup.store.count_events([site["id"]])["pageviews"] == 3
    overview = setup.call("GET", "/stats/overview", acme, query_string={"domain": "client-a.example", "period": "24h"})
    assert overview.status_code == 200
    assert (overview.get_json()["data"]["pageviews"], overview.get_json()["data"]["visitors"]) == (3, 2)
    pages = setup.call("GET", "/stats/pages", acme, query_string={"domain": "client-a.example", "period": "24h"})
    assert {(p["pathname"], p["pageviews"]) for p in pages.get_json()["data"]} == {("/", 2), ("/pricing", 1)}
    goal = setup.call("POST", "/goals", acme, json={"domain": "client-a.example", "type": "url", "path": "/pricing"})
    assert (goal.status_code, goal.get_json()["backfilled"], goal.get_json()["name"]) == (201, 1, "Visit /pricing")

    assert setup.call("DELETE", "/sites/client-a.example", rival).status_code == 404
    removed = setup.call("DELETE", f"/sites/{site['id']}", acme)
    assert removed.status_code == 200
    body = removed.get_json()
    assert (body["deleted"], body["domain"], body["rows"]["pageviews"], body["rows"]["goals"]) == (
        True, "client-a.example", 3, 1)  # fmt: skip
    assert not any(setup.store.count_events([site["id"]], goal_ids=[goal.get_json()["id"]]).values())
    assert "client-a.example" not in setup.domains("acme")
    assert setup.call("GET", "/stats/overview", acme, query_string={"domain": "client-a.example"}).status_code == 403
    # Tracking for the removed domain is refused from then on; the ids are gone.
    _pageview(setup, "client-a.example", "/", CHROME, "203.0.113.9")
    setup.app.extensions["clearanalytics.ingest"].flush()
    assert not any(setup.store.count_events([site["id"]]).values())
    assert setup.call("DELETE", f"/sites/{site['id']}", acme).status_code == 404


# --- what a created goal does -------------------------------------------------------------------------


def _completions(setup: Setup, token: str, goal_id: str) -> int:
    answer = setup.call("GET", f"/goals/{goal_id}/completions", token,
                        query_string={"from": "2026-01-01", "to": "2026-02-28"})  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["meta"]["total"]


def test_a_created_goal_is_backfilled_exactly_and_removed_with_its_completions(setup, acme, rival):
    data = setup.data
    shop, blog = site_id(setup, "shop.example"), site_id(setup, "blog.example")
    pricing = sum(1 for p in data.pageviews if p["site_id"] == shop and p["pathname"] == "/pricing")
    blog_pages = sum(1 for p in data.pageviews if p["site_id"] == shop and p["pathname"].startswith("/blog/"))
    clicks = sum(1 for e in data.events if e["site_id"] == blog and e["name"] == "cta_click")
    assert pricing and blog_pages and clicks  # the dataset has what is counted

    ours = setup.call("POST", "/goals", acme, json={"domain": "shop.example", "name": "Pricing", "type": "url",
                                                    "path": "/pricing"})  # fmt: skip
    assert ours.status_code == 201
    goal = ours.get_json()
    assert goal | {"id": "", "created_at": "", "updated_at": ""} == {
        "id": "", "name": "Pricing", "type": "url", "config": {"match_type": "exact", "path": "/pricing"},
        "is_active": True, "created_at": "", "updated_at": "", "domain": "shop.example", "backfilled": pricing,
    }  # fmt: skip
    assert _completions(setup, acme, goal["id"]) == pricing
    # Plausible's shapes: site_id is the domain, goal_type page/event, page_path with a wildcard.
    page = setup.call("POST", "/goals", acme, json={"site_id": "shop.example", "goal_type": "page",
                                                    "page_path": "/blog/*"}).get_json()  # fmt: skip
    assert (page["config"], page["name"], page["backfilled"]) == (
        {"match_type": "wildcard", "path": "/blog/*"}, "Visit /blog/*", blog_pages)  # fmt: skip
    event = setup.call("POST", "/goals", acme, data={"site_id": blog, "goal_type": "event", "event_name": "cta_click"})
    assert event.status_code == 201
    assert (event.get_json()["name"], event.get_json()["backfilled"]) == ("cta_click", clicks)
    assert _completions(setup, acme, event.get_json()["id"]) == clicks
    listed = {g["id"]: g for g in setup.call("GET", "/goals", acme).get_json()["data"]}
    assert listed[goal["id"]] == {k: v for k, v in goal.items() if k not in ("domain", "backfilled")}

    assert setup.call("DELETE", f"/goals/{goal['id']}", rival).status_code == 404
    assert _completions(setup, acme, goal["id"]) == pricing
    removed = setup.call("DELETE", f"/goals/{goal['id']}", acme)
    assert (removed.status_code, removed.get_json()) == (200, {"deleted": True, "id": goal["id"]})
    # Its completions are gone from the event store (goalmatch.remove_goal, as the CLI and the dashboard do it).
    assert setup.store.count_events([], goal_ids=[goal["id"]])["goal_completions"] == 0
    assert goal["id"] not in {g["id"] for g in setup.call("GET", "/goals", acme).get_json()["data"]}
    assert setup.call("GET", f"/goals/{goal['id']}/completions", acme).status_code == 404
    assert setup.call("DELETE", f"/goals/{goal['id']}", acme).status_code == 404
    # The other goals of the site keep theirs.
    assert _completions(setup, acme, "goal-shop.example-signup") == sum(
        1 for c in data.completions if c["goal_id"] == "goal-shop.example-signup"
    )


# --- the token, the rate limit and the document (one set-up: nothing here depends on the stores) -------


def test_tokens_get_the_write_abilities_only_when_named(account):
    default = make_token(account, name="default")
    named = make_token(account, "stats:read", "sites:write", "goals:write", name="named")
    listed = run_cli("token", "list", "--data-dir", account.data_dir).stdout
    rows = {line.split("\t")[2]: line.split("\t")[3] for line in listed.splitlines()}
    assert rows["default"] == "stats:read,export:read,goals:read,mcp:use"
    assert rows["named"] == "stats:read,sites:write,goals:write"
    assert default and named


@pytest.mark.parametrize("app", [{"rate_limit": "2/minute"}], indirect=True)
def test_writes_share_the_tokens_rate_limit(account, client):
    token = make_token(account, "sites:write", name="limited")
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [client.post(f"{API}/sites", headers=headers, json={"domain": f"r{n}.example"}) for n in range(3)]
    assert [r.status_code for r in statuses] == [201, 201, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0


def test_the_openapi_document_marks_the_new_operations_as_extensions(account, client):
    document = client.get(f"{API}/openapi.json", headers={"Authorization": f"Bearer {account.token}"}).get_json()
    operations = {
        ("/sites", "get"): "stats:read",
        ("/sites", "post"): "sites:write",
        ("/sites/{site}", "delete"): "sites:write",
        ("/goals", "post"): "goals:write",
        ("/goals/{goal}", "delete"): "goals:write",
    }
    for (path, method), ability in operations.items():
        operation = document["paths"][path][method]
        assert operation["summary"].endswith("An extension beyond the reference."), (path, method)
        assert operation["x-extension"] is True
        assert ability in operation["description"]
    assert "x-extension" not in document["paths"]["/goals"]["get"]
    assert document["paths"]["/goals"]["get"]["summary"] == "All configured goals."


def test_the_dashboards_token_form_offers_the_write_abilities_unticked(account, app):
    browser = app.test_client()
    assert login(browser, account.email, PASSWORD).status_code == 302
    tokens = "/dashboard/acme/settings/tokens"
    form = browser.get(tokens).text
    for ability in WRITE:
        assert f'<input type="checkbox" name="abilities" value="{ability}">' in form  # offered, not ticked
    assert '<input type="checkbox" name="abilities" value="stats:read" checked>' in form
    made = browser.post(tokens, data={"name": "provisioning", "abilities": ["sites:write"],
                                      "csrf_token": page_csrf(browser, tokens)})  # fmt: skip
    assert made.status_code == 201
    token = html.unescape(re.search(r'<code id="new-token">([^<]+)</code>', made.text).group(1))
    created = app.test_client().post(f"{API}/sites", headers={"Authorization": f"Bearer {token}"},
                                     json={"domain": "from-dashboard.example"})  # fmt: skip
    assert (created.status_code, created.get_json()["domain"]) == (201, "from-dashboard.example")


def test_api_md_documents_every_write_route_and_the_plausible_mapping():
    text = (Path(__file__).resolve().parent.parent / "docs" / "API.md").read_text()
    for route in ("GET /sites", "POST /sites", "DELETE /sites/{site}", "POST /goals", "DELETE /goals/{goal}"):
        assert f"`{route}`" in text, route
    for plausible in ("POST /api/v1/sites", "DELETE /api/v1/sites/:site_id", "PUT /api/v1/sites/goals"):
        assert plausible in text, plausible
    for ability in WRITE:
        assert f"`{ability}`" in text


# --- end to end: a real `clearanalytics serve` on each set-up ------------------------------------------


@pytest.mark.parametrize("stores", ["duckdb", "split"])
def test_a_script_provisions_a_site_on_a_running_server_and_removes_it(stores, tmp_path, live_server, request):
    """The agency's script against `serve`: the site is created, tracked, given a backfilled goal, reported on,
    and removed with every event row (read from the event store once the server has stopped)."""
    env: dict[str, str] = {}
    if stores == "split":
        if chdb_missing():
            pytest.skip(chdb_missing())
        env = {"CLEARANALYTICS_EVENTS_URL": chdb_url(tmp_path),
               "CLEARANALYTICS_ACCOUNTS_URL": request.getfixturevalue("pg_url")}  # fmt: skip
    data_dir = tmp_path / "data"
    setup_account(env, data_dir)
    script = cli_token(env, data_dir, "stats:read", "goals:read", "sites:write", "goals:write", "metrics:read")
    server = live_server(data_dir, env=env)
    auth = {"Authorization": f"Bearer {script}"}

    created = requests.post(f"{server.url}{API}/sites", headers=auth, timeout=30,
                            data={"domain": "client.example", "timezone": "Europe/Amsterdam"})  # fmt: skip
    assert created.status_code == 201, created.text
    site = created.json()
    for i in range(5):
        assert post_event(server.url, "pageview", f"/p{i}", "client.example").status_code == 202
    for _ in range(2):
        assert post_event(server.url, "Signup", "/p0", "client.example").status_code == 202
    wait_for(lambda: committed(server, script) == 7, "7 committed events")

    signup = requests.post(f"{server.url}{API}/goals", headers=auth, timeout=60,
                           json={"domain": "client.example", "type": "event", "event_name": "Signup"})  # fmt: skip
    assert (signup.status_code, signup.json()["backfilled"]) == (201, 2), signup.text
    page = requests.post(f"{server.url}{API}/goals", headers=auth, timeout=60,
                         json={"site_id": "client.example", "goal_type": "page", "page_path": "/p3"})  # fmt: skip
    assert (page.status_code, page.json()["backfilled"]) == (201, 1), page.text
    overview = requests.get(f"{server.url}{API}/stats/overview", headers=auth, timeout=30,
                            params={"domain": "client.example", "period": "24h"}).json()["data"]  # fmt: skip
    assert (overview["pageviews"], overview["visitors"]) == (5, 1)

    removed = requests.delete(f"{server.url}{API}/sites/client.example", headers=auth, timeout=60)
    assert removed.status_code == 200, removed.text
    assert (removed.json()["rows"]["pageviews"], removed.json()["rows"]["events"]) == (5, 2)
    listed = requests.get(f"{server.url}{API}/sites", headers=auth, timeout=30).json()["data"]
    assert [s["domain"] for s in listed] == ["example.com"]
    server.stop()
    if stores == "split":
        counts = stored(env["CLEARANALYTICS_EVENTS_URL"], site["id"])["counts"][site["id"]]
    else:
        with duckdb.connect(str(data_dir / DATABASE_FILE_NAME), read_only=True) as con:
            counts = {t: con.execute(f"SELECT count(*) FROM {t} WHERE site_id = ?", [site["id"]]).fetchone()[0]
                      for t in ("pageviews", "events", "goal_completions")}  # fmt: skip
    assert counts and not any(counts.values()), counts
