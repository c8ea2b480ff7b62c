"""Shared links in headless Chromium against a real `clearanalytics serve` (issue [7/7], acceptance for links).

An owner creates a link under Settings → Shared links, a visitor with no account opens it (with and
without a password) and sees the hand-worked numbers of tests/dashboard_dataset.py, every request the
page makes is replayed with the link's credential against another site, tenant and report, a page on
another origin embeds it (allowed, and refused by the browser when not allowed), and a revoke kills it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests

from tests import dashboard_dataset
from tests.browser import DESKTOP, expect, new_context, screenshot
from tests.conftest import PASSWORD, LiveServer, make_account

pytest_plugins = ("tests.browser",)

SETTINGS = "/dashboard/acme/settings/shared-links"
KPIS_7D = {"visitors": "3", "pageviews": "4", "bounce_rate": "66.7%", "avg_duration": "33s"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("shared") / "data"
    make_account(data_dir)
    dashboard_dataset.load(data_dir)  # example.com and blog.example in tenant acme
    make_account(data_dir, tenant="rival", site="rival.example", email="owner@rival.example")
    server = LiveServer(data_dir).start()
    yield server
    server.stop()


def watched(context):
    """A page that records every request it makes and every problem (script errors, console errors)."""
    page = context.new_page()
    page.requests, page.problems = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(msg.text))
    page.on("dialog", lambda dialog: dialog.accept())  # the revoke button asks first
    return page


def owner_page(chromium, server):
    context = new_context(chromium, viewport=DESKTOP, locale="en-US", base_url=server.url)
    page = watched(context)
    page.goto("/login")
    page.fill("#email", "owner@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/acme/*")
    page.goto(SETTINGS)
    return page


def create_link(page, name: str, password: str = "", origins: str = "") -> str:
    """Fill and send the settings form; returns the new link's absolute URL, read from the list."""
    page.select_option("#f-site", "example.com")
    page.fill("#f-name", name)
    page.fill("#f-password", password)
    page.fill("#f-embed_origins", origins)
    page.click("#share-form button[type=submit]")
    item = page.locator(".share-item", has_text=name)
    expect(item.locator("[data-share-url]")).to_be_visible()
    return item.locator("[data-share-url]").inner_text().strip()


def kpis(page) -> dict[str, str]:
    page.wait_for_selector(".kpis[data-report=overview][data-status=ready]")
    cards = page.locator(".kpis[data-report=overview] .kpi")
    return {cards.nth(i).get_attribute("data-key"): cards.nth(i).locator("[data-value]").inner_text()
            for i in range(cards.count())}  # fmt: skip


def test_create_use_leak_nothing_and_revoke(chromium, server):
    owner = owner_page(chromium, server)
    url = create_link(owner, "Client A")
    path = urlsplit(url).path
    assert url == server.url + path and re.fullmatch(r"/share/[0-9a-z]+\.[A-Za-z0-9_-]{32}", path)
    snippet = owner.locator(".share-item", has_text="Client A").locator("[data-share-iframe]").text_content()
    assert snippet.startswith(f'<iframe src="{url}?embed=true"')
    screenshot(owner, "shared-links-settings")

    visitor = watched(new_context(chromium, viewport=DESKTOP, locale="en-US"))  # no account, no cookies
    visitor.goto(url + "?period=7d")
    assert kpis(visitor) == KPIS_7D
    visitor.wait_for_selector("#w-pages[data-status=ready]")
    screenshot(visitor, "shared-view-7d")
    pages = visitor.locator("#w-pages tbody tr th").all_inner_texts()
    assert sorted(p.strip() for p in pages) == sorted(["/", "/pricing", dashboard_dataset.XSS_PATH])
    visitor.wait_for_load_state("networkidle")
    body = visitor.locator("body").inner_text()
    assert "blog.example" not in body and "Settings" not in body and "Log out" not in body
    assert visitor.locator("#ai-chat-slot *").count() == 0 and visitor.locator(".topbar.shared-bar").count() == 1
    visitor.click(".periods a:text-is('30d')")
    visitor.wait_for_load_state("networkidle")
    assert visitor.url == url + "?period=30d"
    assert kpis(visitor) == {"visitors": "4", "pageviews": "6", "bounce_rate": "50.0%", "avg_duration": "40s"}
    visitor.wait_for_load_state("networkidle")
    assert visitor.problems == []

    # Every request the page made is the shared page, its data routes or a static file ...
    own = [u for u in visitor.requests if urlsplit(u).netloc == urlsplit(server.url).netloc]
    data_routes = sorted({urlsplit(u).path for u in own if urlsplit(u).path.startswith(path + "/data/")})
    assert {r.rsplit("/data/", 1)[1] for r in data_routes} >= {"overview", "comparison", "timeseries", "pages",
                                                               "realtime", "current-visitors"}  # fmt: skip
    assert all(urlsplit(u).path in (path, *data_routes) or urlsplit(u).path.startswith("/static/") for u in own), own
    # ... and none of them, with the link's credential, reaches another site, tenant or report.
    key = path.removeprefix("/share/")
    for route in data_routes:
        report = route.rsplit("/data/", 1)[1]
        mine = requests.get(server.url + route, params={"period": "7d"}, timeout=30)
        assert mine.status_code == 200, report
        for params in ({"domain": "blog.example"}, {"site_id": "blog.example"}, {"tenant": "rival"}):
            other = requests.get(server.url + route, params={"period": "7d"} | params, timeout=30)
            assert other.json() == requests.get(server.url + route, params={"period": "7d"}, timeout=30).json()
        for where in ("acme/blog.example", "rival/rival.example", "acme/example.com"):
            elsewhere = f"/dashboard/{where}/data/{report}"
            answer = requests.get(server.url + elsewhere, headers={"Authorization": f"Bearer {key}"}, timeout=30)
            assert answer.status_code == 401, elsewhere
        api = requests.get(f"{server.url}/api/v1/stats/overview", params={"domain": "rival.example"},
                           headers={"Authorization": f"Bearer {key}"}, timeout=30)  # fmt: skip
        assert api.status_code == 401
    for report in ("installation", "hours"):  # reports the page never asks: not answered
        answer = requests.get(f"{server.url}{path}/data/{report}", params={"property": "x"}, timeout=30)
        assert answer.status_code == 404, report

    # Revoked in the settings: the very next request of the open page answers 404.
    item = owner.locator(".share-item", has_text="Client A")
    item.locator("button.danger").click()
    expect(owner.locator(".flash-ok")).to_contain_text("Revoked the shared link 'Client A'")
    expect(owner.locator(".share-item", has_text="Client A").locator(".badge-off")).to_have_text("revoked")
    answer = visitor.goto(url)
    assert answer.status == 404 and "Not found." in visitor.locator("body").inner_text()
    assert requests.get(server.url + data_routes[0], timeout=30).status_code == 404


def test_a_password_link_opens_only_with_its_password(chromium, server):
    owner = owner_page(chromium, server)
    url = create_link(owner, "Client B", password="open-sesame-42")
    expect(owner.locator(".share-item", has_text="Client B").locator(".badge")).to_have_text("password")
    visitor = watched(new_context(chromium, viewport=DESKTOP, locale="en-US"))
    visitor.goto(url + "?period=7d")
    assert visitor.locator("#share-password").is_visible() and "example.com" not in visitor.locator("body").inner_text()
    visitor.fill("#share-password", "not-the-password")
    visitor.click("button[type=submit]")
    expect(visitor.locator("#share-error")).to_have_text("Wrong password.")
    visitor.fill("#share-password", "open-sesame-42")
    visitor.click("button[type=submit]")
    assert visitor.url == url + "?period=7d"  # back to the view it asked for
    assert kpis(visitor) == KPIS_7D
    visitor.click(".periods a:text-is('30d')")
    assert kpis(visitor)["visitors"] == "4"
    other = watched(new_context(chromium, viewport=DESKTOP, locale="en-US"))  # the cookie is this browser's
    assert other.goto(url).status == 401
    # five wrong passwords from one client address (both browsers are 127.0.0.1: the first one's counts), then
    # 429 even for the right one
    for _ in range(4):
        other.fill("#share-password", "guess-guess")
        other.click("button[type=submit]")
        expect(other.locator("#share-error")).to_have_text("Wrong password.")
    other.fill("#share-password", "open-sesame-42")
    with other.expect_response(lambda r: r.request.method == "POST") as posted:
        other.click("button[type=submit]")
    assert posted.value.status == 429
    expect(other.locator("#share-error")).to_contain_text("Too many wrong passwords.")
    # the password form answers 401 (the view is not open yet), which Chromium logs; nothing else went wrong
    assert [p for p in visitor.problems if "status of 401" not in p] == []


def test_embedded_in_a_page_of_another_origin(chromium, server, page_server):
    owner = owner_page(chromium, server)
    allowed = create_link(owner, "Embed allowed", origins="http://example.com")
    closed = create_link(owner, "Embed closed", origins="https://client.example")
    for name, url in (("allowed", allowed), ("closed", closed)):
        frame = f'<iframe id="stats" src="{url}?embed=true&period=7d" width="1200" height="1400"></iframe>'
        page_server.add_page(f"/{name}.html", f"<!doctype html><title>Client</title><h1>Our stats</h1>{frame}")
    context = new_context(chromium, viewport=DESKTOP, locale="en-US")
    page = watched(context)
    page.goto(page_server.url("/allowed.html"))
    frame = page.frame_locator("#stats")
    expect(frame.locator(".kpis[data-report=overview][data-status=ready]")).to_be_attached()
    values = frame.locator(".kpis[data-report=overview] .kpi [data-value]").all_inner_texts()
    assert values == list(KPIS_7D.values())
    screenshot(page, "shared-view-embedded")
    assert frame.locator(".topbar").count() == 0  # embed mode: no top bar
    frame.locator(".periods a:text-is('30d')").click()  # its links stay in embed mode, inside the frame
    expect(frame.locator(".kpi[data-key=visitors] [data-value]")).to_have_text("4")
    assert frame.locator(".topbar").count() == 0
    # the pages widget done loading first: a link clicked while the widget renders its rows again is lost
    expect(frame.locator("#w-pages[data-status=ready]")).to_be_attached()
    frame.locator("#w-pages a", has_text="/pricing").click()  # a filter link too
    expect(frame.locator(".chip[data-filter=page]")).to_be_visible()
    expect(frame.locator(".kpi[data-key=visitors] [data-value]")).to_have_text("2")
    shown = page.frame(url=lambda u: "/share/" in u).url
    assert "embed=true" in shown and "period=30d" in shown and frame.locator(".topbar").count() == 0

    refused = watched(context)
    refused.goto(page_server.url("/closed.html"))
    refused.wait_for_load_state("load")
    child = refused.frame(url=lambda u: "/share/" in u) or refused.frames[-1]
    assert child.locator("[data-view=analytics]").count() == 0  # the browser showed nothing of it
    assert any("frame-ancestors" in line for line in refused.problems), refused.problems
