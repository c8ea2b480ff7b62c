"""Dashboard security with the Flask test client: login, sessions, CSRF, throttling, headers and roles."""

from __future__ import annotations

import re

import pytest

from clearanalytics import accounts
from clearanalytics.dashboard.security import LoginThrottle
from clearanalytics.db import Database
from clearanalytics.web_auth import CONTENT_SECURITY_POLICY
from tests.app_helpers import new_app
from tests.conftest import PASSWORD, make_account
from tests.dashboard_helpers import add_member, close_app, csrf_from, login, make_app, page_csrf

SITE_URL = "/dashboard/acme/example.com"


def test_pages_need_a_login_and_come_back_after_it(client, account):
    response = client.get(SITE_URL + "?period=30d")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/dashboard/acme/example.com?period%3D30d"
    data_route = client.get(SITE_URL + "/data/overview")
    assert (data_route.status_code, data_route.json) == (401, {"message": "Unauthenticated."})

    response = login(client, account.email, PASSWORD, next_url=SITE_URL + "?period=30d")
    assert (response.status_code, response.headers["Location"]) == (302, SITE_URL + "?period=30d")
    assert client.get(SITE_URL).status_code == 200


def test_wrong_password_and_unknown_email_look_alike(client, account):
    wrong = login(client, account.email, "not-the-password")
    unknown = login(client, "nobody@example.com", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.text and "Wrong email or password." in unknown.text
    assert client.get(SITE_URL).status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_login_never_redirects_off_site(client, account, target):
    response = login(client, account.email, PASSWORD, next_url=target)
    assert (response.status_code, response.headers["Location"]) == (302, "/dashboard")


def test_session_cookie_flags(app, account):
    plain = app.test_client()
    cookie = login(plain, account.email, PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    tls = app.test_client()
    tls.get("/login", base_url="https://localhost")
    page = tls.get("/login", base_url="https://localhost")
    response = tls.post(
        "/login",
        base_url="https://localhost",
        data={"email": account.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_logout_needs_post_with_csrf_and_ends_the_session(client, account):
    login(client, account.email, PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get(SITE_URL).status_code == 200
    token = page_csrf(client, SITE_URL)
    response = client.post("/logout", data={"csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert client.get(SITE_URL).status_code == 302


def test_state_changing_requests_without_the_csrf_token_are_refused(client, account):
    no_token = client.post("/login", data={"email": account.email, "password": PASSWORD})
    assert no_token.status_code == 400
    assert "expired" in no_token.text
    login(client, account.email, PASSWORD)
    sites = "/dashboard/acme/settings/sites"
    for data in ({"domain": "new.example"}, {"domain": "new.example", "csrf_token": "forged"}):
        response = client.post(sites, data=data)
        assert response.status_code == 400
    header = client.post(sites, data={"domain": "new.example"}, headers={"X-CSRF-Token": "forged"})
    assert (header.status_code, header.json) == (400, {"message": "CSRF token missing or invalid."})
    assert "new.example" not in client.get(sites).text

    ok = client.post(
        sites,
        data={"domain": "new.example", "timezone": "UTC", "currency": "EUR", "csrf_token": page_csrf(client, sites)},
    )
    assert ok.status_code == 302
    assert "new.example" in client.get(sites).text


def test_login_throttling_per_email_and_ip(client, account):
    for _ in range(5):
        assert login(client, account.email, "wrong-password").status_code == 401
    blocked = login(client, account.email, PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in blocked.text
    assert client.get(SITE_URL).status_code == 302  # the right password did not log in


def test_throttle_counts_per_account_and_per_ip_and_forgets_after_the_window():
    throttle = LoginThrottle(per_account=3, per_ip=5, window=60)
    for t in range(3):
        throttle.failed("a@x.io", "1.1.1.1", now=t)
    assert throttle.retry_after("a@x.io", "1.1.1.1", now=10) == 51
    assert throttle.retry_after("a@x.io", "2.2.2.2", now=10) == 0
    assert throttle.retry_after("b@x.io", "1.1.1.1", now=10) == 0
    for t in range(2):
        throttle.failed(f"c{t}@x.io", "1.1.1.1", now=20)
    assert throttle.retry_after("d@x.io", "1.1.1.1", now=21) > 0  # 5 failures from one IP
    assert throttle.retry_after("a@x.io", "1.1.1.1", now=81) == 0
    throttle.failed("e@x.io", "3.3.3.3", now=0)
    throttle.succeeded("e@x.io", "3.3.3.3")
    assert throttle.retry_after("e@x.io", "3.3.3.3", now=1) == 0


def test_security_headers_and_no_inline_script_or_style(client, account):
    login_page = client.get("/login")
    assert login_page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY
    login(client, account.email, PASSWORD)
    for path in (
        SITE_URL,
        "/dashboard/acme/settings/sites",
        "/dashboard/acme/settings/tokens",
        "/dashboard/acme/settings/members",
        "/dashboard/acme/settings/tenant",
        "/dashboard/acme/settings/account",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\ssrc=)", response.text), path
        assert not re.search(r"\sstyle=", response.text), path
        assert not re.search(r"\son[a-z]+=", response.text), path


ROLE_PAGES = {
    "/dashboard/acme/settings/sites": "admin",
    "/dashboard/acme/settings/tokens": "admin",
    "/dashboard/acme/settings/members": "owner",
    "/dashboard/acme/settings/tenant": "owner",
}


@pytest.mark.parametrize("role", ["viewer", "admin", "owner"])
def test_roles_gate_the_settings(account, role):
    email = f"{role}@example.com"
    add_member(account.data_dir, "acme", email, role, PASSWORD)
    app = make_app(account.data_dir)
    try:
        client = app.test_client()
        login(client, email, PASSWORD)
        rank = {"viewer": 0, "admin": 1, "owner": 2}
        assert client.get(SITE_URL).status_code == 200
        assert client.get("/dashboard/acme/settings/account").status_code == 200
        for path, needed in ROLE_PAGES.items():
            expected = 200 if rank[role] >= rank[needed] else 403
            assert client.get(path).status_code == expected, (role, path)
        token = page_csrf(client, "/dashboard/acme/settings/account")
        created = client.post(
            "/dashboard/acme/settings/tokens", data={"name": "x", "abilities": "stats:read", "csrf_token": token}
        )
        assert created.status_code == (403 if role == "viewer" else 201)
        settings_link = client.get("/dashboard/acme/settings")
        assert settings_link.headers["Location"].endswith("/account" if role == "viewer" else "/sites")
        nav = client.get("/dashboard/acme/settings/account").text
        assert (">API tokens</a>" in nav) == (role != "viewer")
        assert (">Members</a>" in nav) == (role == "owner")
    finally:
        close_app(app)


def test_a_tenant_without_sites_sends_admins_to_add_one_and_tells_viewers(tmp_path):
    data_dir = tmp_path / "data"
    make_account(data_dir)
    db = Database.in_data_dir(data_dir)
    with db.transaction() as cur:
        accounts.create_tenant(cur, "empty", "Empty Co")
    db.close()
    add_member(data_dir, "empty", "owner@example.com", "admin", PASSWORD)
    add_member(data_dir, "empty", "viewer@example.com", "viewer", PASSWORD)
    app = make_app(data_dir)
    try:
        admin, viewer = app.test_client(), app.test_client()
        login(admin, "owner@example.com", PASSWORD)
        login(viewer, "viewer@example.com", PASSWORD)
        assert admin.get("/dashboard/empty/").headers["Location"] == "/dashboard/empty/settings/sites"
        page = viewer.get("/dashboard/empty/")
        assert page.status_code == 404 and "Empty Co has no sites yet." in page.text
    finally:
        close_app(app)


def test_a_tenant_named_data_gets_html_pages(tmp_path):
    data_dir = tmp_path / "data"
    make_account(data_dir, tenant="data", site="data.example")
    app = make_app(data_dir)
    try:
        client = app.test_client()
        assert client.get("/dashboard/data/data.example").status_code == 302  # to the login page, not JSON
        login(client, "owner@example.com", PASSWORD)
        page = client.get("/dashboard/data/data.example")
        assert page.status_code == 200 and page.mimetype == "text/html"
        assert client.get("/dashboard/data/data.example/data/nosuch").json == {"message": "Unknown report 'nosuch'."}
    finally:
        close_app(app)


def test_other_tenants_are_invisible(tmp_path):
    data_dir = tmp_path / "data"
    make_account(data_dir)
    make_account(data_dir, tenant="globex", site="globex.example", email="boss@globex.example")
    app = make_app(data_dir)
    try:
        client = app.test_client()
        login(client, "owner@example.com", PASSWORD)
        assert client.get("/dashboard/globex/globex.example").status_code == 404
        assert 'id="tenant-switcher"' not in client.get(SITE_URL).text  # one tenant: no switcher
        assert client.get("/dashboard/acme/globex.example").status_code == 404
        assert client.get("/dashboard/globex/settings/sites").status_code == 404
        assert client.get("/dashboard/nosuch/settings/sites").status_code == 404
        assert client.get("/dashboard/acme/globex.example/data/current-visitors").status_code == 404
    finally:
        close_app(app)


def test_behind_a_trusted_proxy_scheme_and_client_address_come_from_its_headers(account):
    app = new_app(account.data_dir, trusted_proxies="127.0.0.1")
    try:
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}

        def attempt(remote: str, forwarded_for: str, password: str):
            client = app.test_client()
            environ = {"REMOTE_ADDR": remote}
            page = client.get("/login", environ_base=environ)
            return client.post(
                "/login",
                environ_base=environ,
                headers=proxied | {"X-Forwarded-For": forwarded_for},
                data={"email": account.email, "password": password, "csrf_token": csrf_from(page.text)},
            )

        ok = attempt("127.0.0.1", "203.0.113.7", PASSWORD)
        assert "Secure" in ok.headers["Set-Cookie"] and "Strict-Transport-Security" in ok.headers
        spoofed = attempt("198.51.100.9", "203.0.113.7", PASSWORD)  # not our proxy: its headers are ignored
        assert "Secure" not in spoofed.headers["Set-Cookie"] and "Strict-Transport-Security" not in spoofed.headers

        for _ in range(5):
            assert attempt("127.0.0.1", "203.0.113.7", "wrong-password").status_code == 401
        assert attempt("127.0.0.1", "203.0.113.7", PASSWORD).status_code == 429
        # Another client behind the same proxy is not locked out by the first one's failures.
        assert attempt("127.0.0.1", "203.0.113.8", PASSWORD).status_code == 302
    finally:
        close_app(app)


def test_the_tenant_switcher_lists_every_tenant_of_the_user(tmp_path):
    data_dir = tmp_path / "data"
    make_account(data_dir)
    make_account(data_dir, tenant="globex", site="globex.example", email="boss@globex.example")
    add_member(data_dir, "globex", "owner@example.com", "viewer", PASSWORD)
    app = make_app(data_dir)
    try:
        client = app.test_client()
        login(client, "owner@example.com", PASSWORD)
        page = client.get(SITE_URL).text
        switcher = re.search(r'id="tenant-switcher">(.*?)</details>', page, re.S).group(1)
        assert re.findall(r'<a href="([^"]+)"', switcher) == ["/dashboard/acme/", "/dashboard/globex/"]
        other = client.get("/dashboard/globex/", follow_redirects=True)
        assert other.request.path == "/dashboard/globex/globex.example" and other.status_code == 200
        assert client.get("/dashboard/globex/settings/sites").status_code == 403  # a viewer there
    finally:
        close_app(app)
