"""Goal settings read as numbers do elsewhere ([6/7] defect 7): thousands separators, and the period
("all time") said where the totals are shown."""

from __future__ import annotations

import re

import pytest

from clearanalytics import accounts
from clearanalytics.db import utcnow
from tests.conftest import PASSWORD
from tests.dashboard_helpers import login, page_csrf

PAGEVIEWS = 3064  # the number the issue saw printed as "3064"


@pytest.fixture
def client(app, account):
    db = app.extensions["clearanalytics.db"]
    with db.transaction() as cur:
        site = accounts.get_site(cur, "example.com")
        cur.execute(
            "INSERT INTO pageviews (id, site_id, visitor_hash, session_hash, hostname, pathname, referrer_source,"
            " channel, browser, os, device_type, created_at)"
            " SELECT 'pv' || i, ?, 'v' || i, 's' || i, 'example.com', '/signup', 'direct', 'direct', 'Firefox',"
            " 'Linux', 'desktop', ? FROM range(?) t(i)",
            [site.id, utcnow(), PAGEVIEWS],
        )
    client = app.test_client()
    assert login(client, account.email, PASSWORD).status_code == 302
    return client


def test_completions_have_separators_and_say_all_time(client):
    goals_url = "/dashboard/acme/settings/goals"
    page = client.get(goals_url).text
    site_id = re.search(r'<option value="([0-9A-Z]+)" selected>example.com</option>', page).group(1)
    data = {"site_id": site_id, "name": "Signup", "type": "url", "match_type": "exact", "path": "/signup",
            "csrf_token": page_csrf(client, goals_url)}  # fmt: skip
    assert client.post(goals_url, data=data).status_code == 302
    listing = client.get(goals_url).text
    assert '<th scope="col" class="num">Completions <span class="muted">(all time)</span></th>' in listing
    goal_id, row = re.search(r'<tr data-goal-id="([0-9A-Z]+)">(.*?)</tr>', listing, re.S).groups()
    assert 'data-label="Completions, all time" class="num" data-completions>3,064</td>' in row
    assert "3,064 completions so far (all time)." in client.get(f"{goals_url}/{goal_id}").text
