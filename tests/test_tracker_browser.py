"""The tracker in a real Chromium: what it sends, when, and when it must send nothing.

Pages are served by the page server (tests/browser.py) as http://example.com/...; the tracker comes
from http://cdn.example/js/script.js, so by default it posts to http://cdn.example/api/event, which the
page server records and answers as ingest would. Durations are exact because the page's clock is
Playwright's fake clock, moved by hand. The end-to-end test at the bottom runs against the real server.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pytest

pytest_plugins = ("tests.browser",)

SCRIPT_SRC = "http://cdn.example/js/script.js"
API = "/api/event"

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


def sentinel(page: Any, server: Any) -> list[dict]:
    """Send a custom event and wait for it: every request the tracker made before it has been sent too."""
    page.evaluate("clearanalytics('sentinel')")
    return server.wait_for_names("sentinel")


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


def test_spa_navigation_sends_a_pageview_per_new_path(browser_page, page_server):
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
    events = sentinel(browser_page, page_server)

    pageviews = named(events, "pageview")
    assert [(p["url"], p["referrer"]) for p in pageviews] == [
        ("http://example.com/a", ""),
        ("http://example.com/b", "http://example.com/a"),
        ("http://example.com/c", "http://example.com/b"),
        ("http://example.com/a", "http://example.com/c"),
    ]
    assert all(e["name"] in ("pageview", "engagement", "sentinel") for e in events)


def test_hash_routing_counts_fragments_only_with_data_hash(browser_page, page_server):
    page_server.add_page("/app", page_html(tracker_tag(data_hash="")))
    browser_page.goto(page_server.url("/app#/home"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("location.hash = '#/settings'")
    events = page_server.wait_for(lambda ev: len(named(ev, "pageview")) == 2)
    assert [(p["url"], p.get("hash")) for p in named(events, "pageview")] == [
        ("http://example.com/app#/home", True),
        ("http://example.com/app#/settings", True),
    ]
    browser_page.evaluate("clearanalytics('signup')")
    assert page_server.wait_for_names("signup")[-1]["hash"] is True


def test_without_data_hash_a_fragment_change_is_not_a_pageview(browser_page, page_server):
    page_server.add_page("/app", page_html())
    browser_page.goto(page_server.url("/app#/home"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("location.hash = '#/settings'")
    browser_page.wait_for_function("location.hash === '#/settings'")
    events = sentinel(browser_page, page_server)
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


def test_queue_stub_replays_calls_made_before_load(browser_page, page_server):
    stub = (
        "<script>window.clearanalytics = window.clearanalytics || function () {"
        " (window.clearanalytics.q = window.clearanalytics.q || []).push(arguments) };"
        "clearanalytics('early', {props: {n: 1}});"
        f"clearanalytics('add_to_cart', {json.dumps(PURCHASE)});</script>"
    )
    page_server.add_page("/", page_html(head=stub))
    browser_page.goto(page_server.url("/"))
    events = page_server.wait_for_names("pageview", "early", "add_to_cart")
    assert [e["name"] for e in events] == ["pageview", "early", "add_to_cart"]
    assert events[1]["props"] == {"n": "1"}
    assert events[2]["ecommerce"] == PURCHASE
    assert browser_page.evaluate("typeof clearanalytics.q") == "undefined"  # the real function replaced the stub


def test_data_api_overrides_the_endpoint(browser_page, page_server):
    page_server.add_page("/", page_html(tracker_tag(data_api="http://collector.example/collect")))
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    (hit,) = page_server.posts()
    assert (hit.host, hit.path) == ("collector.example", "/collect")
