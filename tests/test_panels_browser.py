"""The property picker, the ready-made panels and realtime, in headless Chromium against a real server ([5/7]).

A real `clearanalytics serve` on a fresh data dir, fed through the real ingest route (`POST /api/event`) with
a known list of pageviews and custom events, each visitor its own user agent (the IP is loopback). Every
number the page must show is worked out from that list in plain Python below, never read back from the
server: the picker's names (events carrying each property), a property's values (visitors, events), the
key figures of a property filter (the sessions with such an event), and the rows of the outbound links,
file downloads and 404 pages panels. The realtime test has a server of its own, since it adds traffic.
Screenshots at 1366x900 and 390x844, light and dark, land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest
import requests

from tests.browser import PHONE, expect, new_context, screenshot
from tests.conftest import PASSWORD, LiveServer, make_account

pytest_plugins = ("tests.browser",)

SITE = "/dashboard/acme/example.com"
WIDE = {"width": 1366, "height": 900}
GITHUB, NEWS = "https://github.com/clearanalytics/clearanalytics", "https://news.example/a-very-long-path/to/an-article"
GUIDE, ZIP = "https://example.com/files/getting-started-guide.pdf", "https://example.com/files/app.zip"

# (visitor, event name, path, props): the whole dataset, sent in this order.
SENT = (
    (0, "pageview", "/", {}),
    (0, "pageview", "/pricing", {}),
    (1, "pageview", "/", {}),
    (2, "pageview", "/blog/hello", {}),
    (3, "pageview", "/", {}),
    (4, "pageview", "/docs", {}),
    (5, "pageview", "/", {}),
    (0, "Signup", "/pricing", {"plan": "pro", "cta": "header"}),
    (1, "Signup", "/", {"plan": "pro", "cta": "header"}),
    (2, "Signup", "/blog/hello", {"plan": "free", "cta": "footer"}),
    (3, "Signup", "/", {"plan": "team"}),
    (0, "Signup", "/pricing", {"plan": "pro", "cta": "header"}),
    (0, "Outbound Link: Click", "/pricing", {"url": GITHUB}),
    (1, "Outbound Link: Click", "/", {"url": GITHUB}),
    (0, "Outbound Link: Click", "/pricing", {"url": GITHUB}),
    (2, "Outbound Link: Click", "/blog/hello", {"url": NEWS}),
    (3, "File Download", "/", {"url": GUIDE}),
    (4, "File Download", "/docs", {"url": GUIDE}),
    (5, "File Download", "/", {"url": ZIP}),
    (4, "pageview", "/missing-page", {}),
    (4, "404", "/missing-page", {"url": "https://example.com/missing-page"}),
    (5, "pageview", "/gone", {}),
    (5, "404", "/gone", {"url": "https://example.com/gone"}),
    (1, "pageview", "/gone", {}),
    (1, "404", "/gone", {"url": "https://example.com/gone"}),
)


def agent(n: int) -> str:
    """An ordinary desktop Chrome user agent of version 120 + n: each its own visitor (the IP is loopback)."""
    return (f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{120 + n}.0.0.0 "
            "Safari/537.36")  # fmt: skip


def send(server: LiveServer, visitor: int, name: str, path: str, props: dict) -> None:
    body = {"name": name, "url": f"https://example.com{path}", "domain": "example.com"}
    if props:
        body["props"] = props
    response = requests.post(server.url + "/api/event", json=body, headers={"User-Agent": agent(visitor)}, timeout=10)
    assert response.status_code in (200, 202, 204), response.text


def until_stored(server: LiveServer, token: str, pageviews: int, events: int) -> None:
    """Wait (bounded) until the writer thread has stored them: the realtime pageviews and the events carrying
    a property (every custom event here carries one)."""
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        realtime = requests.get(server.url + "/api/v1/stats/realtime", headers=headers, timeout=10).json()["data"]
        names = requests.get(server.url + "/api/v1/stats/property-names", headers=headers, timeout=10).json()["data"]
        if realtime["pageviews"] >= pageviews and sum(n["events"] for n in names) >= events:
            return
        time.sleep(0.3)
    raise AssertionError(f"the server never stored {pageviews} pageviews and {events} property events")


# --- the expected numbers, from SENT alone ---------------------------------------------------------------


def custom_events(visitors: set[int] | None = None) -> list[tuple]:
    return [s for s in SENT if s[1] != "pageview" and (visitors is None or s[0] in visitors)]


def picker_names() -> list[str]:
    counts = Counter(key for _v, _n, _p, props in custom_events() for key in props)
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def ranked(events: list[tuple], key) -> list[list[str]]:
    """[[value, visitors, events]] as the tables show them: most visitors, then events, then the value."""
    groups = defaultdict(list)
    for event in events:
        value = key(event)
        if value is not None:
            groups[value].append(event[0])
    rows = sorted(groups.items(), key=lambda kv: (-len(set(kv[1])), -len(kv[1]), kv[0]))
    return [[value, str(len(set(who))), str(len(who))] for value, who in rows]


def property_rows(name: str, visitors: set[int] | None = None) -> list[list[str]]:
    return ranked(custom_events(visitors), lambda e: e[3].get(name))


def panel_rows(event: str) -> list[list[str]]:
    if event == "404":
        return ranked(custom_events(), lambda e: e[2] if e[1] == "404" else None)
    return ranked(custom_events(), lambda e: e[3].get("url") if e[1] == event else None)


def with_value(name: str, value: str) -> set[int]:
    """The visitors (each one session here) with a custom event carrying the property's value."""
    return {v for v, _n, _p, props in custom_events() if props.get(name) == value}


# --- the server and the page ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("panels-browser") / "data"
    account = make_account(data_dir, abilities=("stats:read",))
    server = LiveServer(data_dir).start()
    try:
        for visitor, name, path, props in SENT:
            send(server, visitor, name, path, props)
        until_stored(server, account.token, sum(s[1] == "pageview" for s in SENT), len(custom_events()))
        server.account = account
        yield server
    finally:
        server.stop()


def open_page(chromium, server, path: str = SITE, viewport=WIDE, scheme: str = "light"):
    """A fresh context logged in through the form (once per server), on `path`."""
    context = new_context(chromium, viewport=viewport, color_scheme=scheme, locale="en-US", base_url=server.url,
                          storage_state=server.__dict__.get("state"))  # fmt: skip
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(msg.text))
    if "state" not in server.__dict__:
        page.goto("/login")
        page.fill("#email", server.account.email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/acme/*")
        server.state = context.storage_state()
    page.goto(path)
    return page


def table(page, widget: str) -> list[list[str]]:
    page.wait_for_selector(f"#w-{widget}[data-status=ready], #w-{widget}[data-status=empty]")
    rows = page.locator(f"#w-{widget} tbody tr")
    return [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())]


def kpis(page) -> dict[str, str]:
    page.wait_for_selector(".kpis[data-report=overview][data-status=ready]")
    cards = page.locator(".kpis[data-report=overview] .kpi")
    return {cards.nth(i).get_attribute("data-key"): cards.nth(i).locator("[data-value]").inner_text()
            for i in range(cards.count())}  # fmt: skip


def properties_panel(page, name: str) -> list[list[str]]:
    page.wait_for_selector(f"#w-properties[data-property='{name}'][data-status=ready]")
    return table(page, "properties")


def test_the_picker_lists_the_names_and_shows_each_propertys_values(chromium, server):
    page = open_page(chromium, server)
    picker = page.locator("#w-properties select")
    expect(picker).to_be_visible()
    names = picker_names()
    assert names == ["url", "plan", "cta"]  # the dataset's shape: 10, 5 and 4 events
    assert picker.locator("option").all_inner_texts() == names
    assert picker.input_value() == "url"
    assert properties_panel(page, "url") == property_rows("url")
    picker.select_option("plan")
    assert properties_panel(page, "plan") == property_rows("plan") == [["pro", "2", "3"], ["free", "1", "1"],
                                                                       ["team", "1", "1"]]  # fmt: skip
    assert page.locator("#w-properties thead th").first.inner_text().strip().lower() == "plan"
    picker.select_option("cta")
    assert properties_panel(page, "cta") == property_rows("cta") == [["header", "2", "3"], ["footer", "1", "1"]]
    assert page.problems == []


def test_clicking_a_value_filters_the_whole_dashboard(chromium, server):
    page = open_page(chromium, server)
    page.locator("#w-properties select").select_option("plan")
    properties_panel(page, "plan")
    page.locator("#w-properties tbody a", has_text="pro").click()
    page.wait_for_url("**/example.com?filter*")
    assert page.url == server.url + SITE + "?filter%5Bprops.plan%5D=pro"
    chip = page.locator(".chip[data-filter='props.plan']")
    assert " ".join(chip.inner_text().split()).startswith("Property plan: pro")
    kept = with_value("plan", "pro")
    pageviews = [s for s in SENT if s[1] == "pageview" and s[0] in kept]
    numbers = kpis(page)
    assert (numbers["visitors"], numbers["pageviews"]) == (str(len(kept)), str(len(pageviews))) == ("2", "4")
    assert numbers["bounce_rate"] == "0.0%"  # each kept session has an event: none bounced
    pages = Counter(s[2] for s in pageviews)
    assert sorted(row[0] for row in table(page, "pages")) == sorted(pages)
    assert properties_panel(page, "plan") == property_rows("plan", kept) == [["pro", "2", "3"]]
    assert page.locator("#w-properties select").input_value() == "plan"  # the panel stays on the filter's property
    assert table(page, "outbound-links") == ranked(
        custom_events(kept), lambda e: e[3].get("url") if e[1] == "Outbound Link: Click" else None)  # fmt: skip
    page.locator(".filters").screenshot(path=str(_shots() / "panels-property-chip.png"))
    chip.get_by_role("link").click()
    page.wait_for_url(server.url + SITE)
    assert kpis(page)["visitors"] == "6"
    assert page.problems == []


def test_the_outbound_downloads_and_404_panels_show_the_exact_rows(chromium, server):
    page = open_page(chromium, server)
    assert table(page, "outbound-links") == panel_rows("Outbound Link: Click") == [[GITHUB, "2", "3"], [NEWS, "1", "1"]]
    assert table(page, "file-downloads") == panel_rows("File Download") == [[GUIDE, "2", "2"], [ZIP, "1", "1"]]
    assert table(page, "not-found-pages") == panel_rows("404") == [["/gone", "2", "2"], ["/missing-page", "1", "1"]]
    assert page.locator("#w-not-found-pages tbody a", has_text="/gone").get_attribute("href").endswith(
        "?filter%5Bpage%5D=%2Fgone")  # fmt: skip
    # a view with none of them: each panel says how to turn its option on
    page.goto(SITE + "?filter%5Bpage%5D=%2Fblog%2Fhello")
    table(page, "outbound-links")
    assert table(page, "file-downloads") == [] and table(page, "not-found-pages") == []
    downloads = page.locator("#w-file-downloads [data-state]")
    expect(downloads).to_contain_text("/js/script.file-downloads.js")
    expect(downloads).to_contain_text('data-downloads="pdf,zip"')
    expect(page.locator("#w-not-found-pages [data-state]")).to_contain_text(
        '<meta name="clearanalytics" content="404">')  # fmt: skip
    page.goto(SITE + "?filter%5Bpage%5D=%2Fdocs&filter%5Bbrowser%5D=Firefox")
    expect(page.locator("#w-outbound-links [data-state]")).to_contain_text("/js/script.outbound-links.js")
    expect(page.locator("#w-properties [data-state]")).to_contain_text("No custom properties in this period.")
    expect(page.locator("#w-properties .props-picker")).to_be_hidden()
    assert page.problems == []


def test_the_realtime_panel_shows_new_events_without_a_reload(chromium, tmp_path):
    account = make_account(tmp_path / "data", abilities=("stats:read",))
    server = LiveServer(tmp_path / "data").start()
    try:
        for visitor in range(3):
            send(server, visitor, "pageview", "/", {})
        until_stored(server, account.token, 3, 0)
        server.account = account
        page = open_page(chromium, server, SITE + "?period=24h")
        panel = page.locator("[data-widget=realtime]")
        expect(panel.locator("[data-rt=visitors]")).to_have_text("3")
        expect(panel.locator("[data-rt=pageviews]")).to_have_text("3")
        page.evaluate("window.__stayed = 'yes'")  # gone if the page reloads or navigates
        url, origin = page.url, page.evaluate("performance.timeOrigin")
        for visitor, path in ((7, "/pricing"), (8, "/pricing"), (0, "/docs")):
            send(server, visitor, "pageview", path, {})
        expect(panel.locator("[data-rt=visitors]")).to_have_text("5")  # the 10 s refresh, polled by expect
        expect(panel.locator("[data-rt=pageviews]")).to_have_text("6")
        expect(panel.locator("[data-rt=pages] .label")).to_have_text(["/", "/pricing", "/docs"])  # by visitors
        assert page.evaluate("window.__stayed") == "yes" and page.url == url
        assert page.evaluate("performance.timeOrigin") == origin  # the same document, never reloaded
        assert page.problems == []
    finally:
        server.stop()


@pytest.mark.parametrize(
    "viewport,suffix,scheme",
    [(WIDE, "desktop", "light"), (WIDE, "desktop", "dark"), (PHONE, "phone", "light"), (PHONE, "phone", "dark")],
    ids=["desktop-light", "desktop-dark", "phone-light", "phone-dark"],
)
def test_screenshots_of_the_panels(chromium, server, viewport, suffix, scheme):
    page = open_page(chromium, server, viewport=viewport, scheme=scheme)
    for widget in ("outbound-links", "file-downloads", "not-found-pages"):
        table(page, widget)
    properties_panel(page, "url")
    page.wait_for_selector("[data-widget=realtime] [data-rt=state][data-state=ready]", state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    for widget in ("outbound-links", "file-downloads", "not-found-pages", "properties"):
        box = page.locator(f"#w-{widget}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], widget
    screenshot(page, f"panels-{suffix}-{scheme}")
    page.locator(".grid").screenshot(path=str(_shots() / f"panels-grid-{suffix}-{scheme}.png"))
    for widget in ("outbound-links", "file-downloads", "not-found-pages", "properties"):
        page.locator(f"#w-{widget}").screenshot(path=str(_shots() / f"panels-{widget}-{suffix}-{scheme}.png"))
    page.locator("[data-widget=realtime]").screenshot(path=str(_shots() / f"panels-realtime-{suffix}-{scheme}.png"))
    assert page.problems == []


def _shots():
    from tests.browser import SCREENSHOTS

    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
