"""The tracker in a real Chromium: what it sends, when, and when it must send nothing.

Pages are served by the page server (tests/browser.py) as http://example.com/...; the tracker comes
from http://cdn.example/js/script.js, so by default it posts to http://cdn.example/api/event, which the
page server records and answers as ingest would. Durations are exact because the page's clock is
Playwright's fake clock, moved by hand. The end-to-end test at the bottom runs against the real server.
"""

from __future__ import annotations

import html
import json
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from conftest import REPO_ROOT, make_account

from clearanalytics.config import DATABASE_FILE_NAME
from tests.browser import WAIT_SECONDS

pytest_plugins = ("tests.browser",)

TRACKER_SCRIPT = REPO_ROOT / "static" / "script.js"

SCRIPT_SRC = "http://cdn.example/js/script.js"
API = "/api/event"

# Counts the JSON answers the page has read, so that a test knows the tracker holds a pageview's id (an
# engagement is only sent with it, and a page left before the id came back has nothing to send then).
COUNT_ANSWERS = """
(() => {
  const json = Response.prototype.json;
  window.__answers = 0;
  Response.prototype.json = function () { return json.call(this).then((v) => { window.__answers++; return v; }); };
})();
"""

# Makes document.visibilityState controllable, since headless Chromium never hides a page by itself
# (a real hide happens in the pagehide tests, by leaving the page).
VISIBILITY_SWITCH = """
(() => {
  let state = 'visible';
  Object.defineProperty(Document.prototype, 'visibilityState', {configurable: true, get: () => state});
  Object.defineProperty(Document.prototype, 'hidden', {configurable: true, get: () => state !== 'visible'});
  window.__setVisibility = (next) => { state = next; document.dispatchEvent(new Event('visibilitychange')); };
})();
"""


def tracker_tag(src: str = SCRIPT_SRC, domain: str = "example.com", **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{html.escape(value)}"' for name, value in attrs.items())
    return f'<script defer data-domain="{domain}"{extra} src="{src}"></script>'


def page_html(tag: str = "", head: str = "", body: str = "<h1>Hello</h1>") -> str:
    return f"<!doctype html><html><head><title>t</title>{head}{tag or tracker_tag()}</head><body>{body}</body></html>"


def named(events: list[dict], name: str) -> list[dict]:
    return [event for event in events if event["name"] == name]


@pytest.fixture
def sent(browser_page: Any) -> list[dict]:
    """What the page posted, in the order it sent it (the server may receive requests reordered).

    Playwright hands events over during later calls, so read it after some page call (see `sentinel`).
    """
    bodies: list[dict] = []

    def record(request: Any) -> None:
        if request.method == "POST" and request.post_data:
            bodies.append(json.loads(request.post_data))

    browser_page.on("request", record)
    return bodies


def sentinel(page: Any, server: Any, sent: list[dict]) -> list[dict]:
    """Send a custom event and wait until the server has it; returns what the page sent, in order.

    The page sent everything before the sentinel earlier, so by then the page's log holds all of it.
    """
    page.evaluate("clearanalytics('sentinel')")
    server.wait_for_names("sentinel")
    page.evaluate("0")  # a round trip, so Playwright delivers the request events before it
    return list(sent)


# --- pageviews and the wire format ---------------------------------------------------------------------


def test_pageview_on_load_posts_the_wire_format_to_the_scripts_host(browser_page, page_server):
    page_server.add_page("/landing", page_html())
    browser_page.goto(page_server.url("/landing?utm_source=news"), referer="https://news.example/item")
    page_server.wait_for_names("pageview")

    (hit,) = page_server.posts()
    assert (hit.host, hit.path) == ("cdn.example", API)
    assert hit.headers["Content-Type"].startswith("text/plain")  # a simple request: no CORS preflight
    assert "Cookie" not in hit.headers
    assert hit.json() == {
        "name": "pageview",
        "referrer": "https://news.example/item",
        "language": "en-US",
        "domain": "example.com",
        "url": "http://example.com/landing?utm_source=news",
    }
    assert not [h for h in page_server.hits if h.method == "OPTIONS"]


def test_same_host_script_and_missing_data_domain(browser_page, page_server):
    page_server.add_page("/", page_html('<script defer src="/js/script.js"></script>'))
    browser_page.goto(page_server.url("/", host="www.example.com"))
    (event,) = page_server.wait_for_names("pageview")
    assert page_server.posts()[0].host == "www.example.com"
    assert event["domain"] == "www.example.com"  # no data-domain: the page's own hostname


def test_spa_navigation_sends_a_pageview_per_new_path(browser_page, page_server, sent):
    page_server.add_page("/a", page_html())
    browser_page.goto(page_server.url("/a"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("history.pushState({}, '', '/b')")
    browser_page.evaluate("history.replaceState({}, '', '/b?tab=2')")  # same path: not a new page
    browser_page.evaluate("history.replaceState({}, '', '/c')")
    browser_page.evaluate("history.pushState({}, '', '/c#section')")  # fragment without data-hash: same page
    with browser_page.expect_event("framenavigated"):
        browser_page.evaluate("history.back()")  # popstate back to /c: same page, nothing sent
    with browser_page.expect_event("framenavigated"):
        browser_page.evaluate("history.go(-1)")  # popstate back to /a
    events = sentinel(browser_page, page_server, sent)

    pageviews = named(events, "pageview")
    assert [(p["url"], p["referrer"]) for p in pageviews] == [
        ("http://example.com/a", ""),
        ("http://example.com/b", "http://example.com/a"),
        ("http://example.com/c", "http://example.com/b"),
        ("http://example.com/a", "http://example.com/c"),
    ]
    assert all(e["name"] in ("pageview", "engagement", "sentinel") for e in events)


def test_back_from_the_bfcache_is_a_new_pageview(browser_page, page_server, sent):
    # Playwright's Chromium keeps no back/forward cache, so the restore is the event the browser would fire.
    page_server.add_page("/a", page_html())
    browser_page.goto(page_server.url("/a"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("dispatchEvent(new PageTransitionEvent('pageshow', {persisted: false}))")  # a first show
    browser_page.evaluate("dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    events = sentinel(browser_page, page_server, sent)
    assert [e["url"] for e in named(events, "pageview")] == ["http://example.com/a"] * 2


def test_hash_routing_counts_fragments_only_with_data_hash(browser_page, page_server, sent):
    page_server.add_page("/app", page_html(tracker_tag(data_hash="")))
    browser_page.goto(page_server.url("/app#/home"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("location.hash = '#/settings'")
    events = sentinel(browser_page, page_server, sent)
    assert [(p["url"], p.get("hash")) for p in named(events, "pageview")] == [
        ("http://example.com/app#/home", True),
        ("http://example.com/app#/settings", True),
    ]
    browser_page.evaluate("clearanalytics('signup')")
    assert page_server.wait_for_names("signup")[-1]["hash"] is True


def test_without_data_hash_a_fragment_change_is_not_a_pageview(browser_page, page_server, sent):
    page_server.add_page("/app", page_html())
    browser_page.goto(page_server.url("/app#/home"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("location.hash = '#/settings'")
    browser_page.wait_for_function("location.hash === '#/settings'")
    events = sentinel(browser_page, page_server, sent)
    assert len(named(events, "pageview")) == 1
    assert "hash" not in events[0]


# --- custom and e-commerce events --------------------------------------------------------------------------

PURCHASE = {
    "transaction_id": "T-1001",
    "value": 59.9,
    "currency": "EUR",
    "items": [
        {"item_id": "SKU-1", "item_name": "Mug", "price": 12.5, "quantity": 2},
        {"item_id": "SKU-2", "item_name": "Poster", "price": 34.9, "quantity": 1},
    ],
}


def test_custom_event_props_become_strings(browser_page, page_server):
    page_server.add_page("/pricing", page_html())
    browser_page.goto(page_server.url("/pricing"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("clearanalytics('signup', {props: {plan: 'pro', seats: 3, trial: true}})")
    event = page_server.wait_for_names("signup")[-1]
    assert event == {
        "name": "signup",
        "referrer": "",
        "language": "en-US",
        "props": {"plan": "pro", "seats": "3", "trial": "true"},
        "domain": "example.com",
        "url": "http://example.com/pricing",
    }


@pytest.mark.parametrize("name", ["view_item", "add_to_cart", "begin_checkout", "purchase"])
def test_ecommerce_events_carry_their_block(browser_page, page_server, name):
    page_server.add_page("/checkout", page_html())
    browser_page.goto(page_server.url("/checkout"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate(f"clearanalytics({json.dumps(name)}, {json.dumps(PURCHASE | {'props': {'step': 1}})})")
    event = page_server.wait_for_names(name)[-1]
    assert event["ecommerce"] == PURCHASE
    assert event["props"] == {"step": "1"}
    assert event["url"] == "http://example.com/checkout"


def test_a_custom_event_has_no_ecommerce_block(browser_page, page_server):
    page_server.add_page("/", page_html())
    browser_page.goto(page_server.url("/"))
    browser_page.evaluate(f"clearanalytics('download', {json.dumps(PURCHASE)})")
    event = page_server.wait_for_names("download")[-1]
    assert "ecommerce" not in event and "props" not in event


def test_queue_stub_replays_calls_made_before_load(browser_page, page_server, sent):
    stub = (
        "<script>window.clearanalytics = window.clearanalytics || function () {"
        " (window.clearanalytics.q = window.clearanalytics.q || []).push(arguments) };"
        "clearanalytics('early', {props: {n: 1}});"
        f"clearanalytics('add_to_cart', {json.dumps(PURCHASE)});</script>"
    )
    page_server.add_page("/", page_html(head=stub))
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview", "early", "add_to_cart")
    events = sentinel(browser_page, page_server, sent)
    assert [e["name"] for e in events] == ["pageview", "early", "add_to_cart", "sentinel"]
    assert events[1]["props"] == {"n": "1"}
    assert events[2]["ecommerce"] == PURCHASE
    assert browser_page.evaluate("typeof clearanalytics.q") == "undefined"  # the real function replaced the stub


def test_data_api_overrides_the_endpoint(browser_page, page_server):
    page_server.add_page("/", page_html(tracker_tag(data_api="http://collector.example/collect")))
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    (hit,) = page_server.posts()
    assert (hit.host, hit.path) == ("collector.example", "/collect")


# --- engaged time and scroll depth --------------------------------------------------------------------------

T0 = 1_700_000_000  # the fake clock's start; only differences matter


def open_with_fake_clock(page: Any, server: Any, path: str, body: str = "<h1>Hello</h1>") -> dict:
    """Load `path` with a paused fake clock and a controllable visibility; returns the pageview answer's event."""
    server.add_page(path, page_html(body=body))
    page.add_init_script(COUNT_ANSWERS)
    page.add_init_script(VISIBILITY_SWITCH)
    page.clock.install(time=T0)
    page.clock.pause_at(T0 + 10)  # install() lets the clock run; pause it a little later
    page.goto(server.url(path))
    return server.wait_for_names("pageview")[0]


def wait_for_pageview_id(page: Any, answers: int = 1, timeout: float = WAIT_SECONDS) -> None:
    """Wait until the tracker has read `answers` JSON answers (so it holds the pageview id).

    Polled from Python: Playwright's wait_for_function runs on the page's timers, which the fake clock stops.
    A later evaluate runs in a later task, after the tracker's own promise callbacks.
    """
    deadline = time.monotonic() + timeout
    while page.evaluate("window.__answers") < answers:
        if time.monotonic() > deadline:
            pytest.fail("the tracker never read the pageview answer", pytrace=False)
        time.sleep(0.02)


def test_engaged_time_counts_only_while_visible_and_is_sent_as_deltas(browser_page, page_server):
    open_with_fake_clock(browser_page, page_server, "/article")
    wait_for_pageview_id(browser_page)
    browser_page.clock.run_for(2000)
    browser_page.evaluate("__setVisibility('hidden')")  # hidden: send the 2 s so far
    page_server.wait_for_names("pageview", "engagement")
    browser_page.clock.run_for(5000)  # hidden time is not engaged time
    browser_page.evaluate("__setVisibility('visible')")
    browser_page.clock.run_for(1500)
    browser_page.evaluate("history.pushState({}, '', '/next')")  # leaving: send the 1.5 s since the last send
    events = page_server.wait_for_names("pageview", "engagement", "engagement", "pageview")
    wait_for_pageview_id(browser_page, answers=2)  # the server has the second pageview; the page, its id?
    browser_page.clock.run_for(3000)
    browser_page.goto("about:blank")  # real pagehide: the second page's 3 s go by sendBeacon
    events = page_server.wait_for(lambda ev: len(named(ev, "engagement")) == 3)

    first, second = named(events, "pageview")
    assert first["url"].endswith("/article") and second["url"].endswith("/next")
    engagements = [(e["url"], e["pageview_id"], e["duration"]) for e in named(events, "engagement")]
    assert engagements == [
        ("http://example.com/article", "pv1", 2),
        ("http://example.com/article", "pv1", 1.5),
        ("http://example.com/next", "pv2", 3),
    ]
    beacon = page_server.posts()[-1]
    assert beacon.headers["Content-Type"] == "text/plain;charset=UTF-8"
    assert beacon.json()["domain"] == "example.com"


def test_nothing_is_sent_for_a_page_never_visible_since_the_last_send(browser_page, page_server):
    open_with_fake_clock(browser_page, page_server, "/")
    wait_for_pageview_id(browser_page)
    browser_page.clock.run_for(1000)
    browser_page.evaluate("__setVisibility('hidden')")
    page_server.wait_for_names("engagement")
    browser_page.clock.run_for(60_000)
    browser_page.goto("about:blank")  # pagehide while hidden: no engaged time left to send
    browser_page.goto(page_server.url("/"))  # a new page load proves the old page's beacons were flushed
    events = page_server.wait_for(lambda ev: len(named(ev, "pageview")) == 2)
    assert [e["duration"] for e in named(events, "engagement")] == [1]


@pytest.mark.parametrize("leave", ["hide", "navigate"])
def test_engagement_waits_for_a_slow_pageview_answer(browser_page, page_server, sent, leave):
    # The page is left (hidden, or another SPA page) before its pageview's id came back: the engaged time
    # is kept and sent as soon as the id arrives.
    open_with_fake_clock(browser_page, page_server, "/")
    wait_for_pageview_id(browser_page)
    page_server.hold_answers()
    browser_page.evaluate("history.pushState({}, '', '/two')")
    page_server.wait_for(lambda ev: len(named(ev, "pageview")) == 2)
    browser_page.clock.run_for(2500)
    if leave == "hide":
        browser_page.evaluate("__setVisibility('hidden')")
    else:
        browser_page.evaluate("history.pushState({}, '', '/three')")
    events = sentinel(browser_page, page_server, sent)  # arrives, but its answer is held too
    assert named(events, "engagement") == named(page_server.events(), "engagement") == []  # no id: nothing sent
    page_server.release_answers()
    events = page_server.wait_for_names("engagement")
    assert [(e["pageview_id"], e["duration"]) for e in named(events, "engagement")] == [("pv2", 2.5)]


TALL = '<div style="height: 4000px">tall</div>'


def test_scroll_depth_is_the_maximum_reached(browser_page, page_server):
    open_with_fake_clock(browser_page, page_server, "/long", body=TALL)
    wait_for_pageview_id(browser_page)
    scroll_to = "y => new Promise(done => { addEventListener('scroll', done, {once: true}); scrollTo(0, y); })"
    height = browser_page.evaluate("document.documentElement.scrollHeight")
    browser_page.evaluate(scroll_to, 2000)
    browser_page.evaluate(scroll_to, 100)  # scrolling back up does not lower the maximum
    browser_page.clock.run_for(1000)
    browser_page.evaluate("__setVisibility('hidden')")
    (engagement,) = named(page_server.wait_for_names("engagement"), "engagement")
    assert engagement["scroll_depth"] == round((2000 + 800) / height * 100)
    assert engagement["duration"] == 1


def test_a_short_page_is_read_to_the_end(browser_page, page_server):
    open_with_fake_clock(browser_page, page_server, "/short")
    wait_for_pageview_id(browser_page)
    browser_page.clock.run_for(1000)
    browser_page.evaluate("__setVisibility('hidden')")
    (engagement,) = named(page_server.wait_for_names("engagement"), "engagement")
    assert engagement["scroll_depth"] == 100


# --- when nothing may be sent ------------------------------------------------------------------------------


def assert_ignored(page: Any, server: Any, reason: str) -> None:
    """The tracker ran, said why it sends nothing, and sent nothing, also for a later event."""
    page.evaluate("clearanalytics('signup', {props: {a: 'b'}})")
    page.wait_for_function("() => typeof clearanalytics === 'function' && !clearanalytics.q")
    said = [line for line in page.console_lines if "clearanalytics" in line]
    assert said == [f"clearanalytics ignored: {reason}"] * 2
    assert server.posts() == []


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_loopback_pages_are_ignored(browser_page, page_server, host):
    page_server.add_page("/", page_html())
    browser_page.goto(page_server.loopback_url("/", host=host))
    assert_ignored(browser_page, page_server, "localhost")


def test_ipv6_loopback_page_is_ignored(browser_page, page_server):
    # Playwright plays the whole of http://[::1]/ (page, script, and a recorder for posts), because
    # Chromium forbids a page it did not load from an address to reach loopback hosts like cdn.example.
    posted: list[str] = []

    def serve(route: Any) -> None:
        request = route.request
        if request.method == "POST":
            posted.append(request.post_data or "")
            route.fulfill(status=202, body="{}")
        elif request.url.endswith("/js/script.js"):
            route.fulfill(body=TRACKER_SCRIPT.read_text(), content_type="application/javascript")
        else:
            route.fulfill(body=page_html(tracker_tag(src="/js/script.js")), content_type="text/html")

    browser_page.route(lambda url: url.startswith("http://[::1]/"), serve)
    browser_page.goto("http://[::1]/")
    assert_ignored(browser_page, page_server, "localhost")
    assert posted == []


def test_file_pages_are_ignored(browser_page, page_server, tmp_path):
    local = tmp_path / "page.html"
    local.write_text(page_html())
    browser_page.goto(local.as_uri())
    assert_ignored(browser_page, page_server, "file:")


def test_the_owners_opt_out_flag(browser_page, page_server):
    page_server.add_page("/", page_html())
    browser_page.add_init_script("localStorage.setItem('clearanalytics_ignore', 'true')")
    browser_page.goto(page_server.url("/"))
    assert_ignored(browser_page, page_server, "clearanalytics_ignore")


def test_any_other_opt_out_value_still_tracks(browser_page, page_server):
    page_server.add_page("/", page_html())
    browser_page.add_init_script("localStorage.setItem('clearanalytics_ignore', 'false')")
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")


def test_no_cookies_and_no_storage_written(browser_context, browser_page, page_server):
    page_server.add_page("/", page_html())
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("history.pushState({}, '', '/x')")
    browser_page.evaluate("purchase => clearanalytics('purchase', purchase)", PURCHASE)
    page_server.wait_for_names("pageview", "pageview", "purchase")
    assert browser_context.cookies() == []
    storage = browser_page.evaluate(
        "async () => ({cookie: document.cookie, local: localStorage.length, session: sessionStorage.length,"
        " idb: (await indexedDB.databases()).length})"
    )
    assert storage == {"cookie": "", "local": 0, "session": 0, "idb": 0}
    assert all("Cookie" not in hit.headers for hit in page_server.hits)


PRERENDER_SWITCH = """
(() => {
  let prerendering = true;
  Object.defineProperty(Document.prototype, 'prerendering', {configurable: true, get: () => prerendering});
  window.__activate = () => { prerendering = false; document.dispatchEvent(new Event('prerenderingchange')); };
})();
"""


def test_prerendering_waits_until_the_page_is_shown(browser_page, page_server, sent):
    early = "<script>addEventListener('load', () => clearanalytics('early'))</script>"
    page_server.add_page("/", page_html(body=early))
    browser_page.add_init_script(PRERENDER_SWITCH)
    browser_page.goto(page_server.url("/"))
    browser_page.wait_for_load_state("load")
    # Still the queue: the call made while prerendering waits in it, and nothing went out.
    assert browser_page.evaluate("clearanalytics.q.length") == 1
    assert sent == []
    browser_page.evaluate("__activate()")
    page_server.wait_for_names("pageview", "early")
    events = sentinel(browser_page, page_server, sent)
    assert [e["name"] for e in events] == ["pageview", "early", "sentinel"]


# --- end to end: the real server, the real rows ----------------------------------------------------------


def test_end_to_end_two_pageviews_with_durations_and_a_purchase(tmp_path, live_server, browser_page, page_server):
    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir)
    # The site embeds the script from its analytics host, here a relay to the real server: it records
    # what the server answered, so the test knows the last beacon is stored before stopping the server.
    page_server.relay("analytics.example", server.url)
    tag = tracker_tag(src="http://analytics.example/js/script.js", domain=account.site)
    page_server.add_page("/shop", page_html(tag, body="<h1>Shop</h1><p>Mugs and posters.</p>"))

    browser_page.add_init_script(COUNT_ANSWERS)
    browser_page.goto(page_server.url("/shop"))
    page_server.wait_for_names("pageview")
    browser_page.wait_for_timeout(2000)  # visible for a while: engaged time (not asserted as a timing)
    browser_page.evaluate("history.pushState({}, '', '/shop/cart')")
    page_server.wait_for_names("pageview", "engagement", "pageview")
    wait_for_pageview_id(browser_page, answers=2)  # else pagehide below could find the cart page without its id
    browser_page.wait_for_timeout(2000)
    browser_page.evaluate("purchase => clearanalytics('purchase', purchase)", PURCHASE)
    page_server.wait_for_names("purchase")
    browser_page.goto("about:blank")  # pagehide: the cart page's engaged time leaves by sendBeacon
    page_server.wait_for(lambda ev: len(named(ev, "engagement")) == 2)
    server.stop()  # SIGTERM: the writer commits what it holds

    script_hits = [h for h in page_server.hits if h.path == "/js/script.js"]
    assert [h.status for h in script_hits] == [200]  # the script came from the real route
    posts = page_server.posts()
    assert Counter(h.json()["name"] for h in posts) == {"pageview": 2, "engagement": 2, "purchase": 1}
    assert [h.status for h in posts] == [202] * 5
    dropped = [h.answer_headers for h in posts if "x-clearanalytics-dropped" in map(str.lower, h.answer_headers)]
    assert dropped == []
    # Each page's engagement names the id its pageview answer gave.
    ids = {h.json()["url"]: json.loads(h.answer)["id"] for h in posts if h.json()["name"] == "pageview"}
    assert {h.json()["url"]: h.json()["pageview_id"] for h in posts if h.json()["name"] == "engagement"} == ids
    pageview_ids = [ids["http://example.com/shop"], ids["http://example.com/shop/cart"]]

    with duckdb.connect(str(account.data_dir / DATABASE_FILE_NAME), read_only=True) as db:
        pageviews = db.execute(
            "SELECT id, hostname, pathname, duration, browser, device_type FROM pageviews ORDER BY created_at"
        ).fetchall()
        purchases = db.execute(
            "SELECT event_type, transaction_id, value, currency, items, pageview_id FROM ecommerce_events"
        ).fetchall()
    assert [row[:3] for row in pageviews] == [
        (pageview_ids[0], "example.com", "/shop"),
        (pageview_ids[1], "example.com", "/shop/cart"),
    ]
    assert all(row[3] > 0 for row in pageviews), pageviews
    assert [row[4:] for row in pageviews] == [("Chrome", "desktop")] * 2
    ((event_type, transaction_id, value, currency, items, pageview_id),) = purchases
    assert (event_type, transaction_id, value, currency) == ("purchase", "T-1001", Decimal("59.90"), "EUR")
    assert json.loads(items) == PURCHASE["items"]
    assert pageview_id == pageview_ids[1]
