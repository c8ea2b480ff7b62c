"""Settings pages with the Flask test client: sites, tokens, members, tenant; escaping; every template renders."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import template_rendered

from clearanalytics import accounts
from tests.conftest import PASSWORD
from tests.dashboard_helpers import insert_pageview, insert_purchase, login, page_csrf

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def client(app, account):
    client = app.test_client()
    assert login(client, account.email, PASSWORD).status_code == 302
    return client


def post(client, path, data, page=None):
    data = dict(data, csrf_token=page_csrf(client, page or path))
    return client.post(path, data=data)


def test_add_and_edit_a_site(client):
    sites = "/dashboard/acme/settings/sites"
    bad = post(client, sites, {"domain": "not a domain", "timezone": "UTC", "currency": "EUR"})
    assert bad.status_code == 422
    assert "invalid domain &#39;not a domain&#39;" in bad.text
    assert 'aria-invalid="true" aria-describedby="err-domain"' in bad.text

    created = post(client, sites, {"domain": "Shop.Example", "timezone": "Europe/Amsterdam", "currency": "usd"})
    assert created.status_code == 302
    edit_url = created.headers["Location"]
    page = client.get(edit_url)
    assert "Added shop.example" in page.text
    snippet = "&lt;script defer data-domain=&#34;shop.example&#34; src=&#34;http://localhost/js/script.js&#34;&gt;"
    assert snippet in page.text
    assert "No events have arrived yet." in page.text

    duplicate = post(client, edit_url, {"domain": "example.com", "timezone": "UTC", "currency": "EUR"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.text
    saved = post(client, edit_url, {"domain": "shop.example", "timezone": "America/New_York", "currency": "GBP"})
    assert saved.status_code == 302
    listing = client.get(sites).text
    assert re.search(r"shop\.example</a></td>\s*<td[^>]*>America/New_York</td>\s*<td[^>]*>GBP</td>", listing)


def test_verify_installation_reports_arrived_pageviews(client, account):
    status = client.get("/dashboard/acme/example.com/data/installation").json["data"]
    assert status == {
        "installed": False,
        "pageviews": 0,
        "pageviews_24h": 0,
        "events": 0,
        "ecommerce_events": 0,
        "last_pageview_at": None,
    }
    empty_view = client.get("/dashboard/acme/example.com").text
    assert "No data for example.com yet" in empty_view and "data-domain=&#34;example.com&#34;" in empty_view


def test_token_created_once_used_and_revoked(client, app):
    tokens = "/dashboard/acme/settings/tokens"
    none_chosen = post(client, tokens, {"name": "nothing"})
    assert none_chosen.status_code == 422 and "Choose at least one ability." in none_chosen.text
    page = client.post(
        tokens,
        data={
            "name": "BigQuery <export>",
            "abilities": ["goals:read", "stats:read"],
            "csrf_token": page_csrf(client, tokens),
        },
    )
    assert page.status_code == 201
    plaintext = html.unescape(re.search(r'<code id="new-token">([^<]+)</code>', page.text).group(1))
    assert "BigQuery &lt;export&gt;" in page.text and "<export>" not in page.text
    assert client.get(tokens).text.count(plaintext) == 0  # shown once only

    api = app.test_client()
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert api.get("/api/v1/goals", headers=headers).status_code == 200
    listing = client.get(tokens).text
    token_id = plaintext.split("|")[0]
    row = re.search(rf'<tr data-token-id="{token_id}">(.*?)</tr>', listing, re.S).group(1)
    assert "never" not in row  # last use is shown once the API saw it
    assert "goals:read" in row and "stats:read" in row and "export:read" not in row

    revoked = post(client, f"{tokens}/{token_id}/revoke", {}, page=tokens)
    assert revoked.status_code == 302
    assert "revoked" in client.get(tokens).text
    assert api.get("/api/v1/goals", headers=headers).json == {"message": "Unauthenticated."}
    assert post(client, f"{tokens}/01NOSUCHTOKEN/revoke", {}, page=tokens).status_code == 404


def test_members_add_change_and_keep_one_owner(client, app, account):
    members = "/dashboard/acme/settings/members"
    needs_password = post(client, members, {"email": "new@example.com", "role": "viewer"})
    assert needs_password.status_code == 422 and "give a password" in needs_password.text
    added = post(client, members, {"email": "new@example.com", "role": "viewer", "password": "longenough1"})
    assert added.status_code == 302
    again = post(client, members, {"email": "new@example.com", "role": "admin"})
    assert again.status_code == 422 and "already a member" in again.text
    bad_role = post(client, members, {"email": "x@example.com", "role": "god", "password": "longenough1"})
    assert bad_role.status_code == 422

    page = client.get(members).text
    new_id = re.search(
        r'members/([0-9A-Z]+)/role"[^>]*>\s*<input[^>]*>\s*<label[^>]*>Role of new@example.com', page
    ).group(1)
    owner_id = re.search(
        rf'members/([0-9A-Z]+)/role"[^>]*>\s*<input[^>]*>\s*<label[^>]*>Role of {account.email}', page
    ).group(1)
    assert post(client, f"{members}/{new_id}/role", {"role": "admin"}, page=members).status_code == 302
    assert "new@example.com is now admin." in client.get(members).text

    demote = post(client, f"{members}/{owner_id}/role", {"role": "viewer"}, page=members)
    assert demote.status_code == 302
    assert "A tenant needs at least one owner." in client.get(members).text
    remove_self = post(client, f"{members}/{owner_id}/remove", {}, page=members)
    assert remove_self.status_code == 302
    assert "A tenant needs at least one owner." in client.get(members).text

    newcomer = app.test_client()
    assert login(newcomer, "new@example.com", "longenough1").status_code == 302
    assert newcomer.get("/dashboard/acme/settings/tokens").status_code == 200
    assert post(client, f"{members}/{new_id}/remove", {}, page=members).status_code == 302
    gone = newcomer.get("/dashboard/acme/settings/tokens")  # acme was their only tenant: the account went too
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")


@pytest.mark.parametrize("app", [{"plans": True}], indirect=True)  # an operator who sells hosting
def test_tenant_name_and_plan(client):
    tenant = "/dashboard/acme/settings/tenant"
    assert post(client, tenant, {"name": "", "plan": "pro"}).status_code == 422
    assert post(client, tenant, {"name": "Acme", "plan": "platinum"}).status_code == 422
    assert post(client, tenant, {"name": "Acme <b>Corp</b>", "plan": "free"}).status_code == 302
    page = client.get(tenant).text
    assert "Acme &lt;b&gt;Corp&lt;/b&gt;" in page and "<b>Corp</b>" not in page
    assert '<option value="free" selected>' in page


def test_without_plans_the_tenant_page_shows_the_plan_and_ignores_a_posted_one(client, app):
    tenant = "/dashboard/acme/settings/tenant"
    page = client.get(tenant).text
    assert 'name="plan"' not in page and "<select" not in page
    before = re.search(r"Plan: <strong>(\w+)</strong>", page).group(1)
    other = "business" if before != "business" else "pro"
    assert post(client, tenant, {"name": "Acme", "plan": other}).status_code == 302
    with app.extensions["clearanalytics.db"].reading() as cur:
        assert accounts.require_tenant(cur, "acme").plan == before
    assert f"Plan: <strong>{before}</strong>" in client.get(tenant).text


def test_filter_values_from_the_url_are_escaped(client):
    url = "/dashboard/acme/example.com?filter[page]=/<script>alert(1)</script>&period=bogus"
    insert_needed = client.get(url)
    text = insert_needed.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    assert "That period is not one the dashboard knows. Showing last 7 days instead." in text


def test_data_route_errors_are_json(client):
    base = "/dashboard/acme/example.com/data/"
    assert client.get(base + "nonsense").status_code == 404
    bad = client.get(base + "overview?period=5y")
    assert bad.status_code == 422
    assert bad.json["errors"] == {"period": ["The period field must be one of: 24h, 7d, 30d, 90d, 12m."]}
    assert client.get(base + "current-visitors").json == {"data": {"visitors": 0}}


def test_every_template_renders(app, client, account):
    insert_pageview(app.extensions["clearanalytics.db"], "example.com", "/")
    insert_purchase(app.extensions["clearanalytics.db"], "example.com")
    rendered: set[str] = set()

    def record(sender, template, context, **extra):
        rendered.add(template.name)

    template_rendered.connect(record, app)
    try:
        client.get("/dashboard/acme/example.com")
        client.get("/dashboard/acme/example.com?filter[page]=/")
        for page in ("sites", "goals", "tokens", "shared-links", "members", "tenant", "account", "reports"):
            client.get(f"/dashboard/acme/settings/{page}")
        goals_page = client.get("/dashboard/acme/settings/goals").text
        site_id = re.search(r'<option value="([0-9A-Z]+)" selected>', goals_page).group(1)
        post(
            client,
            "/dashboard/acme/settings/goals",
            {"site_id": site_id, "name": "G", "type": "event", "event_name": "e"},
        )
        goal_id = re.search(r'data-goal-id="([0-9A-Z]+)"', client.get("/dashboard/acme/settings/goals").text).group(1)
        client.get(f"/dashboard/acme/settings/goals/{goal_id}")
        site_id = re.search(r"settings/sites/([0-9A-Z]+)", client.get("/dashboard/acme/settings/sites").text).group(1)
        client.get(f"/dashboard/acme/settings/sites/{site_id}")
        client.get("/dashboard/acme/settings/danger")
        links = "/dashboard/acme/settings/shared-links"
        post(client, links, {"site": "example.com", "name": "L", "password": "long-enough", "all_panels": "on"})
        app.test_client().get(re.search(r"data-share-url>[^<]*(/share/[^<]+)<", client.get(links).text).group(1))
        client.get("/dashboard/acme/nosuch.example")
        app.test_client().get("/login")
        # The empty state appears for a site without data.
        post(
            client, "/dashboard/acme/settings/sites", {"domain": "empty.example", "timezone": "UTC", "currency": "EUR"}
        )
        client.get("/dashboard/acme/empty.example")
    finally:
        template_rendered.disconnect(record, app)
    pending = list(rendered)
    while pending:  # add what the rendered templates extend, include and import, transitively
        for name in re.findall(r'{%\s*(?:include|from|extends)\s+"([^"]+)"', (TEMPLATES / pending.pop()).read_text()):
            if name not in rendered and (TEMPLATES / name).exists():  # the chat panel is optional
                rendered.add(name)
                pending.append(name)
    every = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")}
    assert every - rendered == set()


def test_goals_created_backfilled_edited_and_deleted(client, app):
    db = app.extensions["clearanalytics.db"]
    for visitor, path in (("v1", "/pricing"), ("v2", "/pricing?plan=pro"), ("v3", "/docs")):
        insert_pageview(db, "example.com", path, visitor=visitor)
    goals_url = "/dashboard/acme/settings/goals"
    page = client.get(goals_url).text
    site_id = re.search(r'<option value="([0-9A-Z]+)" selected>example.com</option>', page).group(1)

    bad = post(client, goals_url, {"site_id": site_id, "name": "Broken", "type": "url", "match_type": "regex",
                                   "path": "(["})  # fmt: skip
    assert bad.status_code == 422 and "invalid regular expression" in bad.text
    foreign = post(client, goals_url, {"site_id": "01OTHERSITE", "name": "X", "type": "event", "event_name": "x"})
    assert foreign.status_code == 422 and "Choose one of your sites." in foreign.text

    created = post(client, goals_url, {"site_id": site_id, "name": "Pricing <visit>", "type": "url",
                                       "match_type": "prefix", "path": "/pricing"})  # fmt: skip
    assert created.status_code == 302
    listing = client.get(goals_url).text
    assert "Created the goal &#39;Pricing &lt;visit&gt;&#39;: 2 past completion(s) counted." in listing
    goal_id, row = re.search(r'<tr data-goal-id="([0-9A-Z]+)">(.*?)</tr>', listing, re.S).groups()
    assert "<code>prefix /pricing</code>" in row and re.search(r"data-completions>2<", row)
    event = post(client, goals_url, {"site_id": site_id, "name": "Signup", "type": "event", "event_name": "signup"})
    assert event.status_code == 302

    edit = f"{goals_url}/{goal_id}"
    assert "2 completions so far (all time)" in client.get(edit).text
    saved = post(client, edit, {"name": "Pricing", "match_type": "exact", "path": "/pricing"})
    assert saved.status_code == 302
    row = re.search(rf'<tr data-goal-id="{goal_id}">(.*?)</tr>', client.get(goals_url).text, re.S).group(1)
    assert "<code>exact /pricing</code>" in row and "paused" in row  # the box was left unticked

    assert post(client, f"{edit}/delete", {}, page=goals_url).status_code == 302
    after = client.get(goals_url).text
    assert goal_id not in after and "Signup" in after
    assert client.get(edit).status_code == 404


def test_change_own_password(client, app, account):
    url = "/dashboard/acme/settings/account"
    wrong = post(
        client, url, {"current_password": "nope", "new_password": "n3w-password", "confirm_password": "n3w-password"}
    )
    assert wrong.status_code == 422 and "That is not your current password." in wrong.text
    differ = post(client, url, {"current_password": PASSWORD, "new_password": "n3w-password", "confirm_password": "x"})
    assert differ.status_code == 422 and "The two new passwords differ." in differ.text
    short = post(client, url, {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"})
    assert short.status_code == 422 and "Use at least 8 characters." in short.text
    ok = post(
        client, url, {"current_password": PASSWORD, "new_password": "n3w-password", "confirm_password": "n3w-password"}
    )
    assert ok.status_code == 302
    fresh = app.test_client()
    assert login(fresh, account.email, PASSWORD).status_code == 401
    assert login(fresh, account.email, "n3w-password").status_code == 302
