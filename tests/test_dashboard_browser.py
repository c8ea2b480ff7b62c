"""The dashboard in headless Chromium against a real `clearanalytics serve`: the acceptance of issue [5/7].

One server and one data dir for the module (the dataset in tests/dashboard_dataset.py, with
its numbers worked out by hand there); each test uses a fresh browser context.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests import dashboard_dataset
from tests.browser import DESKTOP, PHONE, expect, new_context, screenshot
from tests.conftest import PASSWORD, LiveServer, make_account
from tests.dashboard_helpers import add_member

pytest_plugins = ("tests.browser",)

SITE = "/dashboard/acme/example.com"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dashboard") / "data"
    account = make_account(data_dir)
    dashboard_dataset.load(data_dir)
    add_member(data_dir, "acme", "viewer@example.com", "viewer", PASSWORD)
    server = LiveServer(data_dir).start()
    server.account = account
    yield server
    server.stop()


def new_page(chromium, server, email="owner@example.com", viewport=DESKTOP, scheme="light"):
    """A fresh context on the analytics view of example.com, logged in (through the form once per user)."""
    states = server.__dict__.setdefault("states", {})
    context = new_context(
        chromium,
        viewport=viewport,
        color_scheme=scheme,
        locale="en-US",
        base_url=server.url,
        storage_state=states.get(email),
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(msg.text))
    page.confirm = False  # set True to accept the next confirm() (revoke buttons ask first)
    page.on("dialog", lambda dialog: _dialog(page, dialog))
    if email not in states:
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/acme/*")  # the first site by name: blog.example
        states[email] = context.storage_state()
    page.goto(SITE)
    return page


def _dialog(page, dialog) -> None:
    if dialog.type == "confirm" and page.confirm:
        page.confirm = False
        dialog.accept()
        return
    page.problems.append(f"{dialog.type}: {dialog.message}")  # an alert() would mean injected script ran
    dialog.dismiss()


def no_sideways_scroll(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], page.url


def kpis(page) -> dict[str, str]:
    page.wait_for_selector(".kpis[data-report=overview][data-status=ready]")
    cards = page.locator(".kpis[data-report=overview] .kpi")
    return {cards.nth(i).get_attribute("data-key"): cards.nth(i).locator("[data-value]").inner_text()
            for i in range(cards.count())}  # fmt: skip


def table(page, widget: str) -> list[list[str]]:
    page.wait_for_selector(f"#w-{widget}[data-status=ready], #w-{widget}[data-status=empty]")
    rows = page.locator(f"#w-{widget} tbody tr")
    return [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())]


def test_login_numbers_period_site_and_xss(chromium, server):
    page = new_page(chromium, server)
    assert page.url == server.url + SITE
    assert kpis(page) == {"visitors": "3", "pageviews": "4", "bounce_rate": "66.7%", "avg_duration": "33s"}
    assert page.locator(".kpi[data-key=visitors] [data-change]").inner_text() == "new: no data the period before"
    pages = table(page, "pages")
    assert sorted(pages) == sorted(
        [["/", "2", "2", "20s"], [dashboard_dataset.XSS_PATH, "1", "1", "0s"], ["/pricing", "1", "1", "1m 00s"]]
    )
    assert ["Chrome", "1"] in table(page, "browsers") and ["Firefox", "1"] in table(page, "browsers")
    # The XSS pathname is text in a link, never markup, and nothing ran.
    link = page.get_by_role("link", name=dashboard_dataset.XSS_PATH, exact=True)
    assert link.count() == 1
    assert page.locator("#w-pages tbody script").count() == 0
    screenshot(page, "analytics-7d-desktop")

    shop = page.locator(".kpis[data-report='ecommerce/overview']")
    page.wait_for_selector(".kpis[data-report='ecommerce/overview'][data-status=ready]")
    assert shop.locator("[data-value]").all_inner_texts() == ["€49.90", "1", "€49.90", "33.3%"]
    assert table(page, "products") == [["Pro plan", "€49.90", "1", "1"]]
    assert table(page, "funnel") == [
        ["View Product", "1", "0.0%"],
        ["Add to Cart", "1", "0.0%"],
        ["Begin Checkout", "1", "0.0%"],
        ["Purchase", "1", "0.0%"],
    ]
    assert table(page, "revenue-sources") == [["google", "€49.90", "1"]]

    page.click(".periods a:text-is('30d')")
    page.wait_for_load_state("networkidle")
    assert page.url == server.url + SITE + "?period=30d"
    assert kpis(page) == {"visitors": "4", "pageviews": "6", "bounce_rate": "50.0%", "avg_duration": "40s"}

    day = (datetime.now(UTC) - timedelta(days=20)).date().isoformat()
    page.click(".custom-range summary")
    page.fill("#range-from", day)
    page.fill("#range-to", day)
    page.click(".range-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == server.url + SITE + f"?from={day}&to={day}"
    numbers = kpis(page)
    assert (numbers["visitors"], numbers["pageviews"], numbers["avg_duration"]) == ("1", "2", "1m 00s")
    page.click(".periods a:text-is('30d')")

    page.click("#site-switcher summary")
    page.click("#site-switcher a:text-is('blog.example')")
    page.wait_for_load_state("networkidle")
    assert page.url == server.url + "/dashboard/acme/blog.example?period=30d"
    assert kpis(page)["visitors"] == "1"
    assert table(page, "pages") == [["/hello", "1", "1", "5s"]]
    assert page.problems == []


def test_chart_tooltips_by_pointer_and_keyboard(chromium, server):
    page = new_page(chromium, server)
    page.wait_for_selector(".chart-card[data-report=timeseries] svg")
    svg = page.locator(".chart-card[data-report=timeseries] svg")
    assert svg.locator("polyline:not(.cc-partial)").count() == 2
    # Today is still running: each line's last segment is dashed, and its tooltip says so.
    assert svg.locator("polyline.cc-partial").count() == 2
    box = svg.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 20, box["y"] + box["height"] / 2)
    tooltip = page.locator(".chart-card[data-report=timeseries] .cc-tooltip")
    assert tooltip.is_visible()
    assert re.search(r"Visitors: \d+", tooltip.inner_text())
    svg.focus()
    page.keyboard.press("End")
    last = tooltip.inner_text()
    assert "Incomplete: this day so far" in last
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    two_days_ago = tooltip.inner_text()
    assert two_days_ago != last and "Visitors: 2" in two_days_ago and "Pageviews: 3" in two_days_ago
    assert page.problems == []


def test_loading_and_error_states_with_retry(chromium, server):
    page = new_page(chromium, server)
    kpis(page)
    page.route("**/data/pages*", lambda route: route.fulfill(status=500, json={"message": "Server Error."}))
    page.reload()
    state = page.locator("#w-pages [data-state]")
    page.wait_for_selector("#w-pages[data-status=error]")
    assert state.inner_text().startswith("Could not load this panel: Server Error.")
    assert kpis(page)["visitors"] == "3"  # one failing panel leaves the others alone
    page.unroute("**/data/pages*")
    state.get_by_role("button", name="Retry").click()
    assert len(table(page, "pages")) == 3
    assert state.is_hidden()

    page.route("**/data/overview*", lambda route: None)  # never answered: the panel stays loading
    page.reload()
    assert page.locator(".kpis[data-report=overview] [data-state]").inner_text() == "Loading…"
    assert page.locator(".kpis[data-report=overview]").get_attribute("aria-busy") == "true"
    page.unroute("**/data/overview*")


def test_a_malformed_period_falls_back_for_page_and_panels(chromium, server):
    page = new_page(chromium, server)
    page.goto(SITE + "?period=5y&filter[page]=/")
    expected = "That period is not one the dashboard knows. Showing last 7 days instead."
    assert page.locator(".form-error").inner_text() == expected
    numbers = kpis(page)  # 7d, still filtered to "/"
    assert (numbers["visitors"], numbers["pageviews"]) == ("2", "2")
    assert page.problems == []


def test_clicking_a_page_filters_the_whole_view(chromium, server):
    page = new_page(chromium, server)
    table(page, "pages")
    page.focus("#w-pages tbody a:text-is('/pricing')")  # a real link: the keyboard works as well as a click
    page.keyboard.press("Enter")
    page.wait_for_url("**/example.com?filter*")
    assert page.url == server.url + SITE + "?filter%5Bpage%5D=%2Fpricing"
    chip = page.locator(".chip[data-filter=page]")
    assert chip.inner_text().replace("\n", " ").startswith("Page: /pricing")
    numbers = kpis(page)
    assert (numbers["visitors"], numbers["pageviews"]) == ("1", "1")
    assert table(page, "pages") == [["/pricing", "1", "1", "1m 00s"]]
    screenshot(page, "analytics-filtered-desktop")
    chip.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert page.url == server.url + SITE
    assert kpis(page)["visitors"] == "3"
    assert page.problems == []


def test_token_created_used_and_revoked(chromium, server):
    page = new_page(chromium, server)
    page.goto("/dashboard/acme/settings/tokens")
    page.fill("#f-name", "from the browser")
    page.uncheck("input[value='mcp:use']")
    page.click("button:text-is('Create token')")
    plaintext = page.locator("#new-token").inner_text().strip()
    assert "|" in plaintext
    screenshot(page, "tokens-created-desktop")
    headers = {"Authorization": f"Bearer {plaintext}"}
    answer = requests.get(
        server.url + "/api/v1/stats/overview?period=7d&domain=example.com", headers=headers, timeout=10
    )
    assert answer.status_code == 200 and answer.json()["data"]["visitors"] == 3

    page.goto("/dashboard/acme/settings/tokens")
    row = page.locator("tr", has_text="from the browser")
    assert "never" not in row.inner_text()  # last use shown
    page.confirm = True
    row.get_by_role("button", name=re.compile("Revoke")).click()
    page.wait_for_load_state("networkidle")
    assert "revoked" in page.locator("tr", has_text="from the browser").inner_text()
    assert page.problems == []
    refused = requests.get(server.url + "/api/v1/stats/overview", headers=headers, timeout=10)
    assert (refused.status_code, refused.json()) == (401, {"message": "Unauthenticated."})


def test_goal_created_and_its_completions_shown(chromium, server):
    page = new_page(chromium, server)
    page.goto("/dashboard/acme/settings/goals")
    page.select_option("#f-site_id", label="example.com")
    page.fill("#f-name", "Pricing visit")
    assert page.locator("#f-event_name").is_hidden()  # only the URL fields for a URL goal
    page.select_option("#f-match_type", "exact")
    page.fill("#f-path", "/pricing")
    page.click("button:text-is('Create goal')")
    assert "Created the goal 'Pricing visit': 2 past completion(s) counted." in page.locator(".flashes").inner_text()
    assert page.locator("#goal-list tr", has_text="Pricing visit").locator("[data-completions]").inner_text() == "2"
    screenshot(page, "settings-goals-desktop")
    page.goto(SITE)
    assert table(page, "goals") == [["Pricing visit", "1", "1", "33.3%"]]
    page.goto(SITE + "?period=30d")
    assert table(page, "goals") == [["Pricing visit", "2", "2", "50.0%"]]
    assert page.problems == []


def test_site_settings_snippet_copy_and_installation_check(chromium, server):
    page = new_page(chromium, server)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/dashboard/acme/settings/sites")
    page.get_by_role("link", name="Edit example.com").click()
    snippet = page.locator("#snippet-code").inner_text()
    assert snippet == f'<script defer data-domain="example.com" src="{server.url}/js/script.js"></script>'
    page.click("button:text-is('Copy snippet')")
    expect(page.locator("[data-copy]")).to_have_text("Copied")  # the clipboard answers asynchronously
    assert page.evaluate("navigator.clipboard.readText()") == snippet
    page.click("button:text-is('Check installation')")
    result = page.locator("[data-result]")
    expect(result).not_to_contain_text("Checking")  # (wait_for_function would need eval, which the CSP forbids)
    assert result.inner_text().startswith("Installed: 6 pageviews so far, 0 in the last 24 hours; last one at ")
    assert page.problems == []


def test_post_without_csrf_token_is_refused(chromium, server):
    page = new_page(chromium, server)
    status = page.evaluate(
        """async () => {
            const body = new URLSearchParams({domain: "evil.example", timezone: "UTC", currency: "EUR"});
            const answer = await fetch("/dashboard/acme/settings/sites", {method: "POST", body});
            return answer.status;
        }"""
    )
    assert status == 400
    page.goto("/dashboard/acme/settings/sites")
    assert "evil.example" not in page.content()


def test_viewer_cannot_open_admin_settings(chromium, server):
    page = new_page(chromium, server, email="viewer@example.com")
    assert kpis(page)["visitors"] == "3"
    for path in (
        "/dashboard/acme/settings/tokens",
        "/dashboard/acme/settings/sites",
        "/dashboard/acme/settings/members",
    ):
        response = page.goto(path)
        assert response.status == 403
        assert page.locator("h1").inner_text() == "Not allowed"
    page.goto("/dashboard/acme/settings")
    assert page.url.endswith("/settings/account")
    assert page.locator(".settings-nav a").all_inner_texts() == ["Email reports", "My account"]


@pytest.mark.parametrize(
    "viewport,suffix,scheme",
    [(DESKTOP, "desktop", "light"), (PHONE, "phone", "light"), (PHONE, "phone", "dark"), (DESKTOP, "desktop", "dark")],
    ids=["desktop-light", "phone-light", "phone-dark", "desktop-dark"],
)
def test_screenshots_of_the_main_views(chromium, server, viewport, suffix, scheme):
    page = new_page(chromium, server, viewport=viewport, scheme=scheme)
    kpis(page)
    table(page, "pages")
    no_sideways_scroll(page, viewport)
    screenshot(page, f"analytics-{suffix}-{scheme}")
    for name in ("sites", "tokens", "members"):
        page.goto(f"/dashboard/acme/settings/{name}")
        no_sideways_scroll(page, viewport)
        screenshot(page, f"settings-{name}-{suffix}-{scheme}")
    page.goto("/dashboard/acme/blog.example?period=24h")
    kpis(page)
    screenshot(page, f"analytics-24h-{suffix}-{scheme}")
    assert page.problems == []
