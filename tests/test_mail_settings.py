"""The dashboard's email report settings (issue 18 item 5): own subscriptions only, per site, CSRF on every form."""

from __future__ import annotations

import re

import pytest

from clearanalytics import accounts
from clearanalytics.mail import store
from tests.conftest import PASSWORD, make_account
from tests.dashboard_helpers import login, page_csrf

PAGE = "/dashboard/acme/settings/reports"


@pytest.fixture
def client(app, account):
    client = app.test_client()
    assert login(client, account.email, PASSWORD).status_code == 302
    return client


def _site_id(text: str, domain: str) -> str:
    section = text.split(f'data-site="{domain}"', 1)[1]
    return re.search(r'name="site_id" value="([0-9A-Z]+)"', section).group(1)


def _subs(app, email: str) -> dict[str, tuple]:
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        user = accounts.get_user(cur, email)
        sites = {s.id: s.domain for s in accounts.list_sites(cur)}
        found = store.user_subscriptions(cur, user.id, list(sites))
    return {sites[k]: (bool(v.weekly_since), bool(v.monthly_since), v.spike_threshold) for k, v in found.items()}


@pytest.mark.parametrize("app", [{"smtp_url": "", "now": "2026-02-18T15:30:00Z"}], indirect=True)
def test_a_member_sets_their_own_reports_per_site_with_csrf(client, app, account):
    page = client.get(PAGE)
    assert page.status_code == 200
    assert (
        '<a href="/dashboard/acme/settings/reports"' in page.text and 'aria-current="page">Email reports' in page.text
    )
    assert 'id="mail-not-configured"' in page.text  # no smtp_url: said, and the choices are still kept
    site_id = _site_id(page.text, "example.com")
    form = {"site_id": site_id, "weekly": "on", "spike_threshold": "250"}
    assert client.post(PAGE, data=form).status_code == 400  # no CSRF token: refused, nothing saved
    assert _subs(app, account.email) == {}
    saved = client.post(PAGE, data=form | {"csrf_token": page_csrf(client, PAGE)})
    assert saved.status_code == 302
    assert _subs(app, account.email) == {"example.com": (True, False, 250)}
    page = client.get(PAGE).text
    assert "Saved the email reports of example.com." in page
    assert re.search(r'name="weekly" id="weekly-1" checked>', page) and 'name="monthly" id="monthly-1">' in page
    assert 'value="250"' in page

    bad = client.post(PAGE, data={"site_id": site_id, "monthly": "on", "spike_threshold": "0",
                                  "csrf_token": page_csrf(client, PAGE)})  # fmt: skip
    assert bad.status_code == 422
    assert "The spike threshold must be a whole number from 1 to 10,000,000, or empty." in bad.text
    assert 'aria-invalid="true" aria-describedby="err-threshold-1"' in bad.text
    assert _subs(app, account.email) == {"example.com": (True, False, 250)}  # unchanged

    off = client.post(PAGE, data={"site_id": site_id, "monthly": "on", "spike_threshold": "",
                                  "csrf_token": page_csrf(client, PAGE)})  # fmt: skip
    assert off.status_code == 302
    assert _subs(app, account.email) == {"example.com": (False, True, None)}


def test_another_tenants_site_cannot_be_subscribed(client, app, account):
    other = make_account(account.data_dir, tenant="rival", site="rival.example", email="owner@rival.example")
    with app.extensions["clearanalytics.db"].reading() as cur:
        rival_site = accounts.get_site(cur, other.site)
    page = client.get(PAGE).text
    assert "rival.example" not in page
    refused = client.post(PAGE, data={"site_id": rival_site.id, "weekly": "on", "csrf_token": page_csrf(client, PAGE)})
    assert refused.status_code == 422 and "Choose one of this tenant&#39;s sites." in refused.text
    assert _subs(app, account.email) == {}
    assert client.get("/dashboard/rival/settings/reports").status_code == 404  # not a member there
