"""Tracker options and Plausible's script names: which names are served (any order, unknown ones 404), their
sizes, the route's caching, and each option's behaviour in a real Chromium.

The variants are composed by `clearanalytics.tracker.build` from the files on disk and served by the page
server at http://cdn.example/js/<name>, so the browser runs exactly what the route would serve.
"""

from __future__ import annotations

import gzip
import itertools
import json
from typing import Any

import pytest
from conftest import REPO_ROOT

from clearanalytics import tracker
from clearanalytics.tracker import OPTIONS, Variant, build, parse_variant, size_table

pytest_plugins = ("tests.browser",)

STATIC = REPO_ROOT / "static"
BASE = STATIC / "script.js"
GZIP_BUDGET = 1500

# Every script name Plausible's docs list besides the bare script.js (which is our base).
PLAUSIBLE_NAMES = {
    "script.outbound-links.js": {"outbound-links"},
    "script.file-downloads.js": {"file-downloads"},
    "script.hash.js": {"hash"},
    "script.tagged-events.js": {"tagged-events"},
    "script.revenue.js": {"revenue"},
    "script.pageview-props.js": {"pageview-props"},
    "script.manual.js": {"manual"},
    "plausible.js": set(),
    "plausible.hash.js": {"hash"},
    "plausible.outbound-links.js": {"outbound-links"},
    # Names Plausible's WordPress plugin and older snippets use, accepted as what our tracker already does.
    "script.compat.js": {"compat"},
    "script.pageleave.js": {"pageleave"},
    "script.local.js": {"local"},
    "plausible.compat.outbound-links.file-downloads.js": {"compat", "outbound-links", "file-downloads"},
}


# --- names ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "options"), PLAUSIBLE_NAMES.items())
def test_every_documented_plausible_name_maps_to_its_options_with_the_plausible_layer(name, options):
    assert parse_variant(name) == Variant(frozenset(options), plausible=True)


def test_the_bare_script_has_window_plausible_and_the_clearanalytics_family_not():
    assert parse_variant("script.js") == Variant(frozenset(), plausible=True)
    assert parse_variant("clearanalytics.js") == Variant(frozenset(), plausible=False)
    assert parse_variant("clearanalytics.outbound-links.404.js") == Variant(
        frozenset({"outbound-links", "404"}), plausible=False
    )


@pytest.mark.parametrize("family", ["script", "plausible", "clearanalytics"])
def test_dotted_combinations_in_any_order_name_the_same_variant(family):
    names = ["outbound-links", "file-downloads", "hash", "tagged-events", "revenue", "pageview-props", "manual"]
    for size in (2, 3):
        for combo in itertools.combinations(names, size):
            variants = {parse_variant(f"{family}.{'.'.join(order)}.js") for order in itertools.permutations(combo)}
            assert variants == {Variant(frozenset(combo), plausible=family != "clearanalytics")}
    every = ".".join(OPTIONS)
    assert parse_variant(f"{family}.{every}.js").options == frozenset(OPTIONS)


@pytest.mark.parametrize(
    "name",
    [
        "script.nonsense.js",
        "script.hash.hash.js",  # a repeat: Plausible builds no such name
        "script.outbound-links.js.map",
        "script.ecommerce.js",
        "script.exclusions.js",  # a real Plausible option we do not serve: a 404, not a silent base script
        "Script.hash.js",
        "tracker.js",
        "script..js",
        "script.hash..js",
        "plausible.js.js",
        "script.hash",
        "../script.js",
    ],
)
def test_unknown_names_are_none(name):
    assert parse_variant(name) is None


@pytest.mark.parametrize("name", ["script.nonsense.js", "script.hash.hash.js", "plausible.exclusions.js"])
def test_unknown_names_are_404_json(client, name):
    response = client.get(f"/js/{name}")
    assert response.status_code == 404
    assert response.mimetype == "application/json"


# --- sizes ---------------------------------------------------------------------------------------------------


def test_base_gzipped_fits_the_budget_and_variants_cost_only_their_options():
    base = len(gzip.compress(BASE.read_bytes(), compresslevel=9))  # `gzip -9 -c static/script.js | wc -c`
    assert base <= GZIP_BUDGET, f"base tracker is {base} bytes gzipped, over {GZIP_BUDGET}"
    rows = {name: (size, extra) for name, size, extra in size_table(STATIC)}
    assert rows["script.js"][1] == 0
    assert rows["script.js"][0] <= GZIP_BUDGET
    assert base == rows["script.js"][0]  # the base is served as it is in the file
    for option in ("revenue", "compat", "pageleave", "local"):  # options with no code cost nothing
        assert rows[f"clearanalytics.{option}.js"][1] == rows[f"script.{option}.js"][1] == 0
    for option in OPTIONS:
        # Without window.plausible the script differs by one character (P=0): its size by a byte at most.
        assert abs(rows[f"clearanalytics.{option}.js"][0] - rows[f"script.{option}.js"][0]) <= 1
    assert rows["clearanalytics.outbound-links.js"][1] > 0


def test_docs_quote_the_measured_sizes():
    """docs/TRACKING.md's table is the output of `python -m clearanalytics.tracker`, kept current."""
    docs = (REPO_ROOT / "docs" / "TRACKING.md").read_text()
    assert "python -m clearanalytics.tracker" in docs
    for name, size, extra in size_table(STATIC):
        assert f"| `{name}` | {size} | {extra:+d} |" in docs, f"docs/TRACKING.md has no current row for {name}"


# --- the route -----------------------------------------------------------------------------------------------


def test_a_variant_is_served_composed_with_its_own_etag_and_gzip(client):
    name = "script.file-downloads.outbound-links.js"
    expected = build(STATIC, parse_variant(name)).encode()
    plain = client.get(f"/js/{name}")
    assert plain.status_code == 200
    assert plain.data == expected
    assert plain.mimetype == "application/javascript"
    assert plain.headers["Access-Control-Allow-Origin"] == "*"
    assert plain.headers["Cache-Control"] == "public, max-age=3600"
    packed = client.get(f"/js/{name}", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == expected
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + '-gz"'
    assert client.get(f"/js/{name}", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    # The same options in another order are the same bytes.
    assert client.get("/js/script.outbound-links.file-downloads.js").data == expected
    assert client.get("/js/script.js").data == BASE.read_bytes()
    assert client.get("/js/plausible.js").data == BASE.read_bytes()  # Plausible's plain name is our base
    assert client.get("/js/clearanalytics.js").data == BASE.read_bytes().replace(b"history,1);", b"history,0);")


def test_fragments_are_spliced_inside_the_closure_before_the_stub():
    source = build(STATIC, parse_variant("script.404.js"))
    assert source.index("w.plausible=") < source.index(tracker.SPLICE_MARKER) < source.rindex("}(window,document")
    assert "option 404" not in source  # the readers' comments stay in the repository


def test_a_base_without_the_splice_point_is_an_error_not_a_silent_base():
    with pytest.raises(ValueError, match="splice point"):
        tracker.compose("!function(){}();", ["x=1;"])


# --- in the browser -------------------------------------------------------------------------------------------


def serve_variant(page_server: Any, name: str) -> str:
    page_server.add_page(f"/js/{name}", build(STATIC, parse_variant(name)), "application/javascript")
    return f"http://cdn.example/js/{name}"


def tag(src: str, **attrs: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attrs.items())
    return f'<script defer data-domain="example.com"{extra} src="{src}"></script>'


def page(script: str, body: str = "", head: str = "") -> str:
    return f"<!doctype html><html><head><title>t</title>{head}{script}</head><body>{body}</body></html>"


def without_engagement(events: list[dict]) -> list[dict]:
    return [e for e in events if e.get("name") != "engagement"]


LINKS = (
    '<a id="out" href="http://www.example.com/elsewhere">out</a>'
    '<a id="pdf" href="/files/report.PDF?v=2" download>pdf</a>'
    '<a id="cdnpdf" href="http://cdn.example/files/guide.pdf" download>cdn pdf</a>'
    '<a id="odt" href="/files/notes.odt" download>odt</a>'
    '<a id="inside" href="#about">inside</a>'
)


def clicked(events: list[dict]) -> list[dict]:
    return [e for e in without_engagement(events) if e.get("name") not in ("pageview", "sentinel")]


def click_and_collect(browser_page: Any, page_server: Any, selectors: list[str], expected: int) -> list[tuple]:
    """Click each, wait for `expected` events and then a sentinel (so a wrong extra one shows), sorted:
    requests travel on parallel connections and may arrive reordered."""
    for selector in selectors:
        browser_page.click(selector, modifiers=["Control"] if selector in ("#out", "#cdnpdf") else None)
    page_server.wait_for(lambda ev: len(clicked(ev)) >= expected)
    browser_page.evaluate("clearanalytics('sentinel')")
    events = page_server.wait_for(lambda ev: any(e.get("name") == "sentinel" for e in ev))
    return sorted((e["name"], e["props"]["url"]) for e in clicked(events))


def test_outbound_and_download_clicks_with_the_default_list(browser_page, page_server):
    src = serve_variant(page_server, "script.outbound-links.file-downloads.js")
    page_server.add_page("/", page(tag(src), LINKS))
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    # Ctrl-click: links to other hosts open in a new tab (a cross-origin `download` is a navigation), so this
    # page stays to send the rest.
    events = click_and_collect(browser_page, page_server, ["#pdf", "#cdnpdf", "#odt", "#inside", "#out"], 3)
    assert events == [
        ("File Download", "http://cdn.example/files/guide.pdf"),  # another host, but a file: a download only
        ("File Download", "http://example.com/files/report.PDF?v=2"),
        ("Outbound Link: Click", "http://www.example.com/elsewhere"),
    ]


def test_an_outbound_click_that_leaves_the_page_is_still_sent(browser_page, page_server):
    """No delay before following the link, as none is needed: fetch with keepalive outlives the page."""
    src = serve_variant(page_server, "clearanalytics.outbound-links.js")
    page_server.add_page("/", page(tag(src), LINKS))
    page_server.add_page("/elsewhere", "<!doctype html><title>elsewhere</title>")
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    with browser_page.expect_navigation():
        browser_page.click("#out")
    (event,) = [e for e in page_server.wait_for_names("Outbound Link: Click") if e["name"] == "Outbound Link: Click"]
    assert event["props"] == {"url": "http://www.example.com/elsewhere"}
    assert event["url"] == "http://example.com/"


def test_data_downloads_replaces_the_list_and_add_file_types_extends_it(browser_page, page_server):
    src = serve_variant(page_server, "clearanalytics.file-downloads.js")
    page_server.add_page(
        "/",
        page(
            tag(src, data_downloads="odt, zip", add_file_types="epub"),
            LINKS + ('<a id="epub" href="/b/book.epub" download>epub</a>'),
        ),
    )
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    events = click_and_collect(browser_page, page_server, ["#pdf", "#odt", "#epub", "#out"], 2)
    assert events == [  # no pdf (not in the replaced list), no outbound (option not loaded)
        ("File Download", "http://example.com/b/book.epub"),
        ("File Download", "http://example.com/files/notes.odt"),
    ]
    assert browser_page.evaluate("typeof plausible") == "undefined"  # the clearanalytics. family has no layer


def test_404_meta_sends_the_event_with_its_url_after_the_pageview(browser_page, page_server):
    src = serve_variant(page_server, "clearanalytics.404.js")
    meta = '<meta name="clearanalytics" content="404">'
    page_server.add_page("/gone", page(tag(src), head=meta))
    browser_page.goto(page_server.url("/gone?from=old"))
    events = page_server.wait_for_names("pageview", "404")
    assert sorted((e["name"], json.dumps(e.get("props"))) for e in without_engagement(events)) == [
        ("404", '{"url": "http://example.com/gone?from=old"}'),
        ("pageview", "null"),
    ]


def test_404_called_by_the_site_gets_the_url_and_an_unmarked_page_sends_none(browser_page, page_server):
    src = serve_variant(page_server, "clearanalytics.404.js")
    page_server.add_page("/fine", page(tag(src)))
    browser_page.goto(page_server.url("/fine"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("clearanalytics('404'); clearanalytics('404', {props: {path: '/x'}})")
    events = page_server.wait_for_names("404", "404")
    assert sorted(json.dumps(e.get("props")) for e in events if e["name"] == "404") == [
        '{"path": "/x"}',  # the site's own props are kept as given
        '{"url": "http://example.com/fine"}',
    ]


def test_hash_variant_counts_fragments_without_data_hash(browser_page, page_server):
    src = serve_variant(page_server, "script.hash.js")
    page_server.add_page("/app", page(tag(src)))
    browser_page.goto(page_server.url("/app#/a"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("location.hash = '#/b'")
    events = page_server.wait_for_names("pageview", "pageview")
    assert [(e["url"], e["hash"]) for e in events if e["name"] == "pageview"] == [
        ("http://example.com/app#/a", True),
        ("http://example.com/app#/b", True),
    ]


def test_manual_sends_only_the_pageviews_the_site_asks_for(browser_page, page_server):
    src = serve_variant(page_server, "script.manual.js")
    page_server.add_page("/list", page(tag(src)))
    browser_page.goto(page_server.url("/list?id=7"))
    browser_page.evaluate("history.pushState({}, '', '/list/other')")  # no automatic pageview
    calls = (
        "plausible('pageview', {u: 'http://example.com/list/:id'})",
        "plausible('pageview')",
        "plausible('pageview', {url: 'http://example.com/list/:id/edit'})",  # newer name of u
    )
    for sent, call in enumerate(calls, start=1):  # one at a time: separate requests may arrive in any order
        browser_page.evaluate(call)
        page_server.wait_for(lambda ev, n=sent: sum(e.get("name") == "pageview" for e in ev) >= n)
    browser_page.evaluate("plausible('sentinel')")
    events = page_server.wait_for(lambda ev: any(e.get("n") == "sentinel" for e in ev))
    assert [e["url"] for e in events if e.get("name") == "pageview"] == [
        "http://example.com/list/:id",
        "http://example.com/list/other",
        "http://example.com/list/:id/edit",
    ]


def test_tagged_events_from_classes_on_links_buttons_and_forms(browser_page, page_server):
    src = serve_variant(page_server, "script.tagged-events.js")
    body = (
        '<a id="cta" class="x plausible-event-name=CTA+Click plausible-event-position=top" href="#cta">'
        "<span id='inner'>Go</span></a>"
        '<button id="buy" class="plausible-event-name=Buy plausible-revenue-amount=9.5 '
        'plausible-revenue-currency=EUR">Buy</button>'
        '<form id="f" class="plausible-event-name=Form+Submit" onsubmit="return false">'
        '<button id="send" type="submit">Send</button></form>'
        '<button id="plain">plain</button>'
    )
    page_server.add_page("/", page(tag(src), body))
    browser_page.goto(page_server.url("/"))
    page_server.wait_for_names("pageview")
    for selector in ("#inner", "#buy", "#send", "#plain"):
        browser_page.click(selector)
    browser_page.evaluate("plausible('sentinel')")
    # Separate requests may arrive reordered: wait for the sentinel and the three clicks before it.
    events = page_server.wait_for(
        lambda ev: any(e.get("n") == "sentinel" for e in ev) and sum("n" in e for e in ev) >= 4
    )
    tagged = {e["n"]: (e.get("p"), e.get("$")) for e in events if "n" in e}
    assert tagged == {
        "CTA Click": ({"position": "top"}, None),
        "Buy": ({}, {"amount": "9.5", "currency": "EUR"}),
        "Form Submit": ({}, None),
        "sentinel": (None, None),
    }
    assert len([e for e in events if "n" in e]) == 4  # one each: a form counts on submit only


def test_pageview_props_from_event_attributes(browser_page, page_server):
    src = serve_variant(page_server, "script.pageview-props.js")
    page_server.add_page("/post", page(tag(src, event_author="Ann", event_section="news")))
    browser_page.goto(page_server.url("/post"))
    (pageview,) = page_server.wait_for_names("pageview")
    assert pageview["props"] == {"author": "Ann", "section": "news"}
    browser_page.evaluate("plausible('Like', {props: {section: 'own'}}); clearanalytics('native')")
    events = page_server.wait_for(lambda ev: any(e.get("name") == "native" for e in ev) and any(e.get("n") for e in ev))
    assert [e["p"] for e in events if e.get("n") == "Like"] == [{"section": "own", "author": "Ann"}]
    assert [e["props"] for e in events if e.get("name") == "native"] == [{"author": "Ann", "section": "news"}]


def test_plausible_call_forms_callback_u_interactive_and_the_queue(browser_page, page_server):
    src = serve_variant(page_server, "plausible.js")
    stub = (
        "<script>window.plausible = window.plausible || function() {"
        " (window.plausible.q = window.plausible.q || []).push(arguments) };"
        "plausible('Early', {props: {n: 1}});</script>"
    )
    page_server.add_page("/p", page(tag(src), head=stub))
    browser_page.goto(page_server.url("/p"))
    page_server.wait_for(lambda ev: any(e.get("n") == "Early" for e in ev))
    status = browser_page.evaluate(
        "new Promise(done => plausible('Later', {u: 'http://example.com/virtual', interactive: false,"
        " revenue: {amount: '12.30', currency: 'usd'}, callback: done}))"
    )
    assert status == {"status": 202}
    events = page_server.wait_for(lambda ev: any(e.get("n") == "Later" for e in ev))
    early, later = sorted((e for e in events if e.get("n")), key=lambda e: e["n"])
    assert {k: early[k] for k in ("n", "u", "d", "r", "p", "h")} == {
        "n": "Early", "u": "http://example.com/p", "d": "example.com", "r": None, "p": {"n": 1}, "h": 0,
    }  # fmt: skip
    assert {k: later[k] for k in ("n", "u", "i", "$")} == {
        "n": "Later", "u": "http://example.com/virtual", "i": False, "$": {"amount": "12.30", "currency": "usd"},
    }  # fmt: skip
    assert browser_page.evaluate("typeof plausible.q") == "undefined"


def test_callback_runs_when_the_browser_is_ignored(browser_page, page_server):
    src = serve_variant(page_server, "plausible.js")
    page_server.add_page("/p", page(tag(src)))
    browser_page.goto(page_server.url("/p"))
    page_server.wait_for_names("pageview")
    browser_page.evaluate("localStorage.clearanalytics_ignore = 'true'")
    called = browser_page.evaluate("new Promise(done => plausible('X', {callback: (r) => done(r === undefined)}))")
    assert called is True


def test_every_combination_of_options_compiles_and_all_of_them_run(browser_page, page_server):
    """Fragments share one closure, so a clash between two only shows in some combination: compile them all."""
    sources = {}
    for size in range(len(OPTIONS) + 1):
        for combo in itertools.combinations(OPTIONS, size):
            variant = Variant(frozenset(combo), plausible=True)
            sources.setdefault(tuple(variant.fragments()), build(STATIC, variant))
    page_server.add_page("/blank", page("", ""))
    browser_page.goto(page_server.url("/blank"))
    failures = browser_page.evaluate(
        "sources => sources.filter(s => { try { new Function(s); return false } catch (e) { return true } }).length",
        list(sources.values()),
    )
    assert (len(sources), failures) == (2**7, 0)  # 7 options with code; window.plausible is on here

    every = "script." + ".".join(OPTIONS) + ".js"
    src = serve_variant(page_server, every)
    page_server.add_page("/all", page(tag(src), LINKS))
    browser_page.goto(page_server.url("/all"))
    browser_page.evaluate("plausible('pageview'); plausible('Signup', {props: {plan: 'pro'}})")
    # The two requests travel on parallel connections, so wait for both, not for the second sent.
    events = page_server.wait_for(
        lambda ev: any(e.get("n") == "Signup" for e in ev) and any(e.get("name") == "pageview" for e in ev)
    )
    assert [e["url"] for e in events if e.get("name") == "pageview"] == ["http://example.com/all"]  # manual
