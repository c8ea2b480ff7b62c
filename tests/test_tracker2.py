"""The base `/js/script.js` defines `window.plausible`: a site on Plausible's plain snippet changes only the host.

The first test is Plausible's default snippet as its docs give it (the queue stub, a call before the script has
loaded, the same call after), loading the bare `/js/script.js` from a real `clearanalytics serve` through the page
server's relay, in a real Chromium; it reads the stored rows from the DuckDB file. The others run the script as
the route composes it, served by the page server: both queues, the `clearanalytics.` family that leaves a
Plausible function alone, and `manual` without `window.plausible`.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import REPO_ROOT, make_account

from clearanalytics import tracker
from clearanalytics.config import DATABASE_FILE_NAME
from clearanalytics.ingest.payload import parse_payload
from clearanalytics.tracker import build, parse_variant

pytest_plugins = ("tests.browser",)

STATIC = REPO_ROOT / "static"
ANALYTICS = "http://analytics.example"
SIGNUP_CALL = "plausible('Signup', {props: {plan: 'pro'}, revenue: {amount: 10, currency: 'EUR'}})"
PLAUSIBLE_STUB = (
    "window.plausible = window.plausible || function() {"
    " (window.plausible.q = window.plausible.q || []).push(arguments) };"
)
CLEARANALYTICS_STUB = (
    "window.clearanalytics = window.clearanalytics || function() {"
    " (window.clearanalytics.q = window.clearanalytics.q || []).push(arguments) };"
)


def html(head: str, body: str = "") -> str:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>"


def named(events: list[dict], name: str) -> int:
    return sum(1 for e in events if e.get("name", e.get("n")) == name)


def test_plain_script_js_with_plausibles_snippet_stores_the_exact_rows(
    tmp_path, live_server, browser_page, page_server
):
    import duckdb

    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir)
    page_server.relay("analytics.example", server.url)
    tag = f'<script defer data-domain="{account.site}" src="{ANALYTICS}/js/script.js"></script>'
    page_server.add_page("/signup", html(f"<script>{PLAUSIBLE_STUB}</script><script>{SIGNUP_CALL}</script>{tag}"))

    browser_page.goto(page_server.url("/signup"))
    page_server.wait_for(lambda ev: named(ev, "pageview") == 1 and named(ev, "Signup") == 1)  # the queued call
    assert browser_page.evaluate("typeof plausible.q") == "undefined"  # the stub was replaced, its queue drained
    browser_page.evaluate(SIGNUP_CALL)  # after the script loaded: the real function
    page_server.wait_for(lambda ev: named(ev, "Signup") == 2)
    server.stop()  # SIGTERM: the writer commits what it holds

    assert [(h.path, h.status) for h in page_server.hits if h.path.startswith("/js/")] == [("/js/script.js", 200)]
    posts = [h for h in page_server.hits if h.method == "POST" and h.path == "/api/event"]
    assert sorted(h.status for h in posts) == [202] * len(posts)
    assert not [h for h in posts if "x-clearanalytics-dropped" in map(str.lower, h.answer_headers)]
    signups = [h.json() for h in posts if h.json().get("n") == "Signup"]
    assert len(signups) == 2
    assert all(parse_payload(s).plausible for s in signups)  # sent in Plausible's own form
    assert [(s["u"], s["d"], s["p"], s["$"]) for s in signups] == [
        ("http://example.com/signup", account.site, {"plan": "pro"}, {"amount": 10, "currency": "EUR"})
    ] * 2

    with duckdb.connect(str(account.data_dir / DATABASE_FILE_NAME), read_only=True) as db:
        pageviews = db.execute("SELECT hostname, pathname FROM pageviews").fetchall()
        events = db.execute("SELECT name, hostname, pathname, props FROM events ORDER BY created_at").fetchall()
        sales = db.execute(
            "SELECT event_type, transaction_id, value, currency, items, in_site_currency FROM ecommerce_events"
        ).fetchall()
    assert pageviews == [("example.com", "/signup")]
    assert [(name, host, path, json.loads(props)) for name, host, path, props in events] == [
        ("Signup", "example.com", "/signup", {"plan": "pro"}),
        ("Signup", "example.com", "/signup", {"plan": "pro"}),
    ]
    assert sales == [("purchase", None, Decimal("10.00"), "EUR", "[]", True)] * 2


# --- the script as the route composes it, served by the page server ---------------------------------------------


def serve(page_server, name: str) -> str:
    page_server.add_page(f"/js/{name}", build(STATIC, parse_variant(name)), "application/javascript")
    return f'<script defer data-domain="example.com" src="http://cdn.example/js/{name}"></script>'


def test_both_queues_are_sent_after_the_first_pageview_each_in_its_own_form(browser_page, page_server):
    queued = "plausible('P1', {props: {n: 1}}); clearanalytics('C1', {props: {n: 2}}); plausible('P2');"
    page_server.add_page(
        "/", html(f"<script>{PLAUSIBLE_STUB}{CLEARANALYTICS_STUB}{queued}</script>" + serve(page_server, "script.js"))
    )
    browser_page.goto(page_server.url("/"))
    events = page_server.wait_for(lambda ev: named(ev, "P2") == 1 and named(ev, "C1") == 1 and named(ev, "P1") == 1)
    sent = sorted(
        (e.get("n") or e["name"], e.get("p") or e.get("props")) for e in events if e.get("name") != "pageview"
    )
    assert sent == [("C1", {"n": "2"}), ("P1", {"n": 1}), ("P2", None)]
    assert [e.get("n") is not None for e in events if e.get("name") != "pageview"].count(True) == 2
    assert browser_page.evaluate("[typeof plausible.q, typeof clearanalytics.q]") == ["undefined", "undefined"]


def test_callback_of_a_plausible_call_on_the_plain_script(browser_page, page_server):
    page_server.add_page("/", html(serve(page_server, "script.js")))
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    answer = browser_page.evaluate(
        "new Promise(done => plausible('Later', {url: 'http://example.com/virtual', interactive: false,"
        " revenue: {amount: '1.50', currency: 'EUR'}, callback: done}))"
    )
    assert answer == {"status": 202}
    (later,) = [e for e in page_server.events() if e.get("n") == "Later"]
    assert {k: later[k] for k in ("u", "i", "$", "h", "r")} == {
        "u": "http://example.com/virtual", "i": False, "$": {"amount": "1.50", "currency": "EUR"}, "h": 0, "r": None,
    }  # fmt: skip


def test_clearanalytics_family_leaves_a_plausible_function_alone(browser_page, page_server):
    """A site running Plausible's own script beside ours keeps its window.plausible and its queue."""
    page_server.add_page(
        "/",
        html(f"<script>{PLAUSIBLE_STUB}plausible('ForPlausible')</script>" + serve(page_server, "clearanalytics.js")),
    )
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("clearanalytics('sentinel')")
    events = page_server.wait_for_names("sentinel")
    assert browser_page.evaluate("[plausible.q.length, plausible.q[0][0]]") == [1, "ForPlausible"]
    assert sorted(e["name"] for e in events if e.get("name") != "engagement") == ["pageview", "sentinel"]


def test_manual_without_window_plausible_sends_pageviews_through_clearanalytics(browser_page, page_server):
    page_server.add_page("/list", html(serve(page_server, "clearanalytics.manual.js")))
    browser_page.goto(page_server.url("/list?id=7"))
    assert browser_page.evaluate("typeof plausible") == "undefined"
    browser_page.evaluate("history.pushState({}, '', '/list/other')")  # no automatic pageview
    answer = browser_page.evaluate(
        "new Promise(done => clearanalytics('pageview', {u: 'http://example.com/list/:id', callback: done}))"
    )
    assert answer == {"status": 202}
    browser_page.evaluate("clearanalytics('sentinel')")
    events = page_server.wait_for_names("pageview", "sentinel")
    assert [e["url"] for e in events if e.get("name") == "pageview"] == ["http://example.com/list/:id"]


def test_a_base_without_its_window_plausible_switch_is_an_error():
    with pytest.raises(ValueError, match="last line"):
        tracker.compose("!function(w){\nw.clearanalytics=w.clearanalytics||0}(window);", [], plausible=False)


PRERENDER_SWITCH = """
(() => {
  let prerendering = true;
  Object.defineProperty(Document.prototype, 'prerendering', {configurable: true, get: () => prerendering});
  window.__activate = () => { prerendering = false; document.dispatchEvent(new Event('prerenderingchange')); };
})();
"""


def test_plausible_called_while_prerendering_without_a_stub_waits_in_its_queue(browser_page, page_server):
    """The script defines Plausible's stub itself, as it does clearanalytics', so a page that calls plausible()
    on load with no stub of its own neither throws nor sends before it is shown."""
    early = "<script>addEventListener('load', () => plausible('Early', {props: {n: 1}}))</script>"
    page_server.add_page("/", html(serve(page_server, "script.js"), early))
    browser_page.add_init_script(PRERENDER_SWITCH)
    browser_page.goto(page_server.url("/"))
    browser_page.wait_for_load_state("load")
    assert browser_page.evaluate("plausible.q.length") == 1
    assert page_server.events() == []
    browser_page.evaluate("__activate()")
    events = page_server.wait_for(lambda ev: named(ev, "pageview") == 1 and named(ev, "Early") == 1)
    assert [(e.get("n"), e.get("p")) for e in events if e.get("n")] == [("Early", {"n": 1})]
