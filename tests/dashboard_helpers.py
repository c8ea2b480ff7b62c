"""Helpers shared by the dashboard tests: an in-process app on a real data dir, and logging in."""

from __future__ import annotations

import re
from pathlib import Path

from clearanalytics import accounts
from clearanalytics.db import Database
from tests.app_helpers import close_app, new_app

__all__ = ["close_app"]  # imported from here by the dashboard tests

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client, email: str, password: str, next_url: str | None = None):
    page = client.get("/login")
    data = {"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data)


def session_for(app, client, user_id: str, csrf: str) -> None:
    """Log `client` in as `user_id` without the form: a real server-side session, a known CSRF token."""
    from clearanalytics import sessions

    with app.extensions["clearanalytics.db"].transaction() as cur:
        sid = sessions.start(cur, user_id)
    with client.session_transaction() as session:
        session["user_id"], session["sid"], session["csrf"] = user_id, sid, csrf


def page_csrf(client, path: str) -> str:
    """The CSRF token of the logged-in session, read from a page's forms."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return csrf_from(response.text)


def add_member(data_dir: Path, tenant_slug: str, email: str, role: str, password: str) -> None:
    """A user with a role in a tenant, written straight into the data dir (no server running)."""
    db = Database.in_data_dir(data_dir)
    try:
        with db.transaction() as cur:
            tenant = accounts.require_tenant(cur, tenant_slug)
            user = accounts.get_user(cur, email) or accounts.create_user(cur, email, password)
            accounts.set_membership(cur, tenant, user, role)
    finally:
        db.close()


def make_app(data_dir: Path):
    """The dashboard's app with Flask's TESTING on; close it with `close_app` (or use conftest's `make_app`)."""
    return new_app(data_dir, testing=True)


def insert_pageview(db: Database, domain: str, pathname: str = "/", when=None, visitor: str = "v1") -> None:
    """One stored pageview, for tests that only need 'this site has data' (reports use real imports)."""
    from clearanalytics.db import new_id, utcnow

    with db.transaction() as cur:
        site = accounts.get_site(cur, domain)
        cur.execute(
            "INSERT INTO pageviews (id, site_id, visitor_hash, session_hash, hostname, pathname, referrer_source,"
            " channel, browser, os, device_type, created_at) VALUES (?, ?, ?, ?, ?, ?, 'direct', 'direct',"
            " 'Firefox', 'Linux', 'desktop', ?)",
            [new_id(), site.id, visitor, visitor + "-s", domain, pathname, when or utcnow()],
        )


def insert_purchase(db: Database, domain: str, value: float = 10.0) -> None:
    from clearanalytics.db import new_id, utcnow

    with db.transaction() as cur:
        site = accounts.get_site(cur, domain)
        cur.execute(
            "INSERT INTO ecommerce_events (id, site_id, visitor_hash, session_hash, event_type, transaction_id,"
            " value, currency, created_at) VALUES (?, ?, 'v1', 'v1-s', 'purchase', ?, ?, ?, ?)",
            [new_id(), site.id, new_id(), value, site.currency, utcnow()],
        )
