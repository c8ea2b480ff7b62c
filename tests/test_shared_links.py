"""Shared links (issue [7/7] item 1): made in the settings, opened by the link alone, on both set-ups.

The app is the stats dataset's (tests/stats_dataset.py: tenants acme with shop.example and blog.example,
rival with rival.example), on the DuckDB file and with the stores apart (accounts in a real PostgreSQL,
events in ClickHouse), so every accounts query of shared links runs on both stores. The numbers a link
shows are computed independently from the dataset's rows (tests/stats_expected.py); the leak tests try
every data route the page can call, and every other face, with the link as the only credential.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from clearanalytics import accounts, deletion, share_links, stats
from tests import stats_dataset
from tests.app_helpers import tampered
from tests.dashboard_helpers import csrf_from, login
from tests.split_helpers import stats_app
from tests.stats_expected import Expected

SETTINGS = "/dashboard/acme/settings/shared-links"
OWNER, VIEWER, PASSWORD = "owner@acme.test", "viewer@acme.test", "correct-horse-battery"
LINK_URL = re.compile(r"data-share-url>([^<]+)<")
PAGE_EXTRAS = ("comparison", "current-visitors", "installation")  # data routes beside the registry's reports


@pytest.fixture(scope="module")
def setup(stats_data_dir, stats_setup, request):
    data_dir, data = stats_data_dir
    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    with stats_app(data_dir, data, stats_setup, pg, now=stats_dataset.NOW.isoformat()) as app:
        with app.extensions["clearanalytics.db"].transaction() as cur:
            viewer = accounts.create_user(cur, VIEWER, PASSWORD)
            accounts.set_membership(cur, accounts.require_tenant(cur, "acme"), viewer, "viewer")
        owner = app.test_client()
        assert login(owner, OWNER, PASSWORD).status_code == 302
        yield app, owner, data


def create(owner, expect: int = 302, **fields) -> str:
    """Create a link through the settings form; returns the new link's path (/share/<key>)."""
    page = owner.get(SETTINGS)
    before = set(LINK_URL.findall(page.text))
    form = {"site": "shop.example", "name": "Client", "csrf_token": csrf_from(page.text), "all_panels": "on"} | fields
    if fields.get("panels"):
        form.pop("all_panels")
    response = owner.post(SETTINGS, data=form)
    assert response.status_code == expect, response.text
    if expect != 302:
        return response.text
    added = set(LINK_URL.findall(owner.get(SETTINGS).text)) - before
    assert len(added) == 1, added
    return "/share/" + unescape(added.pop()).rsplit("/share/", 1)[1]


def revoke(owner, path: str) -> None:
    link_id = path.removeprefix("/share/").split(".", 1)[0]
    page = owner.get(SETTINGS).text
    response = owner.post(f"{SETTINGS}/{link_id}/revoke", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302


def test_the_shared_view_shows_the_sites_numbers_and_nothing_else(setup):
    app, owner, data = setup
    path = create(owner)
    visitor = app.test_client()  # no session: the link is the only credential
    page = visitor.get(path, query_string={"period": "30d"})
    assert page.status_code == 200
    html = page.text
    assert "shop.example" in html and 'data-base="' + path + '/data/"' in html
    for elsewhere in ("blog.example", "rival.example", "/dashboard/", ">Settings<", "chat.js", "csrf-token", "Log out"):
        assert elsewhere not in html, elsewhere
    assert "Set-Cookie" not in page.headers  # no session is started for a visitor
    for params in (
        {"period": "30d"},
        {"period": "7d", "filter[page]": "/pricing"},
        {"from": "2026-01-10", "to": "2026-02-01"},
    ):
        expected = Expected(data, ["shop.example"], params, stats_dataset.NOW)
        got = {r: visitor.get(f"{path}/data/{r}", query_string=params) for r in ("overview", "timeseries", "pages")}
        assert {r: a.status_code for r, a in got.items()} == {"overview": 200, "timeseries": 200, "pages": 200}
        assert got["overview"].json["data"] == expected.overview(), params
        assert got["timeseries"].json["data"] == expected.timeseries(), params
        assert got["pages"].json["data"] == expected.pages(), params


def test_a_limited_link_answers_only_its_panels_for_its_own_site(setup):
    app, owner, data = setup
    path = create(owner, panels=["kpis", "pages"])
    visitor = app.test_client()
    html = visitor.get(path).text
    assert 'data-report="overview"' in html and 'id="w-pages"' in html
    assert 'data-report="timeseries"' not in html and 'id="w-referrers"' not in html and "realtime" not in html
    allowed = {"overview", "comparison", "pages"}
    for report in [*stats.REPORTS, *PAGE_EXTRAS]:
        params = {name: "plan" for name, _ in stats.REPORTS[report].required} if report in stats.REPORTS else {}
        answer = visitor.get(f"{path}/data/{report}", query_string=params)
        assert answer.status_code == (200 if report in allowed else 404), report
    # parameters naming another site or tenant are not read: the numbers stay shop.example's
    mine = Expected(data, ["shop.example"], {"period": "30d"}, stats_dataset.NOW).overview()
    for extra in ({"site_id": data.sites["blog.example"]["id"]}, {"domain": "rival.example"}, {"tenant": "rival"}):
        answer = visitor.get(f"{path}/data/overview", query_string={"period": "30d"} | extra)
        assert answer.json["data"] == mine, extra


def test_the_links_credential_opens_no_other_face_site_tenant_or_link(setup):
    app, owner, data = setup
    path = create(owner)
    key = path.removeprefix("/share/")
    link_id, secret = key.split(".", 1)
    other = create(owner, site="blog.example")
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    for route in ("/dashboard/acme/shop.example/data/overview", "/dashboard/rival/rival.example/data/overview",
                  "/dashboard/acme/blog.example/data/overview"):  # fmt: skip
        assert visitor.get(route).status_code == 401, route
    bearer = {"Authorization": f"Bearer {key}"}
    for route in ("/api/v1/stats/overview?domain=shop.example", "/api/v1/stats/pages?domain=rival.example"):
        assert visitor.get(route, headers=bearer).status_code == 401, route
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    assert visitor.post("/mcp/analytics", json=call, headers=bearer).status_code == 401
    # another link's id with this link's secret, and this id with a changed secret, open nothing
    other_id = other.removeprefix("/share/").split(".", 1)[0]
    for wrong in (f"{other_id}.{secret}", f"{link_id}.{tampered(secret)}", link_id, f"{link_id}.", "x" * 300):
        assert visitor.get(f"/share/{wrong}").status_code == 404, wrong
        assert visitor.get(f"/share/{wrong}/data/overview").status_code == 404, wrong
    # the secret is not in the database: only its hash is
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        stored = cur.execute("SELECT * FROM shared_links WHERE id = ?", [link_id]).fetchone()
    assert secret not in str(stored) and accounts.hash_secret(secret) in stored


def test_a_revoked_link_answers_404_at_once(setup):
    app, owner, _data = setup
    path = create(owner)
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    assert visitor.get(f"{path}/data/overview").status_code == 200  # the lookup is kept until the next commit
    revoke(owner, path)
    assert visitor.get(path).status_code == 404
    assert visitor.get(f"{path}/data/overview").status_code == 404
    assert visitor.get(f"{path}/data/overview").json == {"message": "Not found."}
    assert "revoked" in owner.get(SETTINGS).text


def test_a_password_opens_the_link_and_wrong_ones_are_throttled(setup):
    app, owner, data = setup
    path = create(owner, password="open-sesame-42")
    bad = app.test_client()
    bad.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    page = bad.get(path)
    assert page.status_code == 401 and 'type="password"' in page.text and "shop.example" not in page.text
    assert bad.get(f"{path}/data/overview").status_code == 401
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    for _ in range(5):
        answer = bad.post(path, data={"form_token": token, "password": "guess-guess"})
        assert answer.status_code == 401 and "Wrong password." in answer.text
    throttled = bad.post(path, data={"form_token": token, "password": "open-sesame-42"})  # even the right one
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert bad.get(f"{path}/data/overview").status_code == 401
    assert bad.post(path, data={"form_token": "forged", "password": "open-sesame-42"}).status_code == 400
    good = app.test_client()  # another client is not held up
    good.environ_base["REMOTE_ADDR"] = "10.8.8.8"
    answer = good.post(path, data={"form_token": token, "password": "open-sesame-42"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(path)
    assert "HttpOnly" in answer.headers["Set-Cookie"] and f"Path={path}" in answer.headers["Set-Cookie"]
    assert good.get(path).status_code == 200
    expected = Expected(data, ["shop.example"], {"period": "7d"}, stats_dataset.NOW).overview()
    assert good.get(f"{path}/data/overview", query_string={"period": "7d"}).json["data"] == expected
    # the unlock cookie is this link's: another password link stays locked for the same browser
    second = create(owner, password="another-secret-9")
    assert good.get(second).status_code == 401 and good.get(f"{second}/data/overview").status_code == 401


def test_embedding_follows_the_links_origins(setup):
    app, owner, _data = setup
    path = create(owner, embed_origins="https://client.example\nhttp://example.com:8080")
    visitor = app.test_client()
    embed = visitor.get(path, query_string={"embed": "true"})
    csp = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://client.example http://example.com:8080" in csp
    assert "X-Frame-Options" not in embed.headers
    assert 'class="topbar' not in embed.text and "embed=true" in embed.text  # links keep the embed mode
    assert f'data-page-url="{path}"' in embed.text and '<input type="hidden" name="embed" value="true">' in embed.text
    plain = visitor.get(path)
    assert "frame-ancestors 'none'" in plain.headers["Content-Security-Policy"]
    assert plain.headers["X-Frame-Options"] == "DENY" and 'class="topbar shared-bar"' in plain.text
    closed = create(owner)  # no origins: only this server's own pages may frame it
    answer = visitor.get(closed, query_string={"embed": "true"})
    assert "frame-ancestors 'self';" in answer.headers["Content-Security-Policy"] + ";"
    data = visitor.get(f"{path}/data/overview", query_string={"embed": "true"})
    assert "frame-ancestors 'none'" in data.headers["Content-Security-Policy"]
    listing = owner.get(SETTINGS).text
    assert unescape(f'<iframe src="http://localhost{path}?embed=true"') in unescape(listing)


def test_the_settings_refuse_bad_input_and_viewers(setup):
    app, owner, data = setup
    page = owner.get(SETTINGS).text
    csrf = csrf_from(page)
    base = {"site": "shop.example", "name": "Client", "csrf_token": csrf}
    cases = (
        ({"embed_origins": "javascript:alert(1)", "all_panels": "on"}, "embed_origins", "invalid origin"),
        ({"panels": ["kpis", "settings"]}, "panels", "unknown panel"),
        ({}, "panels", "choose at least one panel"),
        ({"site": "rival.example", "all_panels": "on"}, "site", "is not a site of Acme"),
        ({"name": "", "all_panels": "on"}, "name", "name must be"),
        ({"password": "short", "all_panels": "on"}, "password", "at least 8"),
    )
    for fields, field, message in cases:
        answer = owner.post(SETTINGS, data=base | fields)
        assert answer.status_code == 422, fields
        assert f'id="err-{field}"' in answer.text and message in unescape(answer.text), fields
    assert owner.post(SETTINGS, data=base | {"csrf_token": "wrong", "all_panels": "on"}).status_code == 400
    viewer = app.test_client()
    assert login(viewer, VIEWER, PASSWORD).status_code == 302
    assert viewer.get(SETTINGS).status_code == 403
    viewer_csrf = csrf_from(viewer.get("/dashboard/acme/settings/account").text)
    assert viewer.post(SETTINGS, data=base | {"csrf_token": viewer_csrf, "all_panels": "on"}).status_code == 403
    path = create(owner)
    link_id = path.removeprefix("/share/").split(".", 1)[0]
    assert viewer.post(f"{SETTINGS}/{link_id}/revoke", data={"csrf_token": viewer_csrf}).status_code == 403
    assert "Shared links" not in viewer.get("/dashboard/acme/settings/account").text
    rival = app.test_client()
    assert login(rival, "owner@rival.test", PASSWORD).status_code == 302
    rival_csrf = csrf_from(rival.get("/dashboard/rival/settings/shared-links").text)
    rival_revoke = f"/dashboard/rival/settings/shared-links/{link_id}/revoke"
    assert rival.post(rival_revoke, data={"csrf_token": rival_csrf}).status_code == 404
    assert link_id not in rival.get("/dashboard/rival/settings/shared-links").text
    assert app.test_client().get(path).status_code == 200  # still live


def test_a_failure_behind_a_link_never_logs_its_secret(setup, monkeypatch, caplog):
    from clearanalytics.dashboard import views

    app, owner, _data = setup
    path = create(owner)
    secret = path.split(".", 1)[1]

    def broken(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "data_answer", broken)
    monkeypatch.setattr(views, "view_context", broken)
    visitor = app.test_client()
    with caplog.at_level("ERROR"):
        data = visitor.get(f"{path}/data/overview")
        page = visitor.get(path)
    assert (data.status_code, data.json) == (500, {"message": "Server Error."})
    assert page.status_code == 500 and "Traceback" not in page.text
    assert "unhandled error on GET /share/<key>" in caplog.text and secret not in caplog.text


def test_removing_the_site_kills_its_links(setup):
    """Last in the module: blog.example goes for good."""
    app, owner, _data = setup
    path = create(owner, site="blog.example")
    link_id = path.removeprefix("/share/").split(".", 1)[0]
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        site = accounts.get_site(cur, "blog.example")
    removal = deletion.remove_site(db, site)
    assert removal.rows["shared_links"] >= 1
    assert visitor.get(path).status_code == 404
    with db.reading() as cur:
        assert cur.execute("SELECT count(*) FROM shared_links WHERE id = ?", [link_id]).fetchone()[0] == 0
    assert link_id not in owner.get(SETTINGS).text


# --- several nodes over one PostgreSQL: a revoke on one reaches the others ----------------------------------


def _kept_links(node) -> int:
    """Live links node keeps in its request scope (so a 404 is its cache being dropped, not a miss)."""
    from clearanalytics import request_scope

    return sum(1 for (ns, key) in request_scope._UNTIL_WRITE if ns == node.accounts.node and key[0] == "shared-link")


def test_a_link_revoked_on_one_node_answers_404_on_the_other(pg_url, tmp_path):
    from tests.test_nodes import _app_node, wait_until

    a = _app_node(pg_url, tmp_path / "a")
    b = _app_node(pg_url, tmp_path / "b")
    try:
        with a.accounts.transaction() as cur:
            tenant = accounts.create_tenant(cur, "acme", "Acme")
            site = accounts.create_site(cur, tenant, "a.example")
            link, key = share_links.create_link(cur, site, "Client", a.app.config["SECRET_KEY"])
        route = f"/share/{key}/data/overview"
        assert [b.client.get(route).status_code for _ in range(3)] == [200, 200, 200]
        assert _kept_links(b) == 1  # B answers from what it keeps
        with a.accounts.transaction() as cur:
            share_links.revoke_link(cur, link.id, tenant.id)
        assert a.client.get(route).status_code == 404  # node A at once
        wait_until(lambda: b.client.get(route).status_code == 404, "node B to drop the link revoked on node A")
        assert b.client.get(f"/share/{key}").status_code == 404
    finally:
        b.close()
        a.close()
