"""A site that used Plausible changes only the script's host: its snippet, its calls and its script options work.

The page is Plausible's own snippet form (the queue stub, then `plausible(...)` with props and revenue), loading
`/js/script.outbound-links.file-downloads.js` from a real `clearanalytics serve` (through the page server's relay,
which records what the server answered). The test reads the stored rows from the DuckDB file, then restarts the
server and asks the reports: goal completions and e-commerce revenue.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import requests
from conftest import make_account, run_cli

from clearanalytics.config import DATABASE_FILE_NAME
from clearanalytics.ingest.payload import parse_payload
from tests.ingest_helpers import IngestClient

pytest_plugins = ("tests.browser",)

ANALYTICS = "http://analytics.example"
SIGNUP_CALL = "plausible('Signup', {props: {plan: 'pro'}, revenue: {amount: 10, currency: 'EUR'}})"
# Plausible's snippet: the queue stub, then a call made before the script has loaded.
SNIPPET = (
    "<script>window.plausible = window.plausible || function() {"
    " (window.plausible.q = window.plausible.q || []).push(arguments) }</script>"
    f"<script>{SIGNUP_CALL}</script>"
)
GOALS = ("Signup", "Outbound Link: Click", "File Download", "404")


def script_tag(name: str, domain: str) -> str:
    return f'<script defer data-domain="{domain}" src="{ANALYTICS}/js/{name}"></script>'


def html(head: str, body: str = "") -> str:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>"


def named(events: list[dict], name: str) -> int:
    return sum(1 for e in events if e.get("name", e.get("n")) == name)


def test_plausible_snippet_page_lands_in_rows_and_reports(tmp_path, live_server, browser_page, page_server):
    import duckdb

    account = make_account(tmp_path / "data")
    for goal in GOALS:
        made = run_cli("goal", "add", "--site", account.site, "--name", goal, "--event", goal, "--data-dir",
                       account.data_dir)  # fmt: skip
        assert made.exit_code == 0, made.output
    server = live_server(account.data_dir)
    page_server.relay("analytics.example", server.url)

    links = (
        '<a id="pdf" href="/files/price-list.pdf" download>Price list</a>'
        '<a id="out" href="http://shop.example/partner">Partner</a>'
    )
    page_server.add_page(
        "/signup", html(SNIPPET + script_tag("script.outbound-links.file-downloads.js", account.site), links)
    )
    page_server.add_page(
        "/missing-page",
        html('<meta name="clearanalytics" content="404">' + script_tag("script.404.js", account.site)),
    )

    browser_page.goto(page_server.url("/signup"))
    page_server.wait_for(lambda ev: named(ev, "pageview") == 1 and named(ev, "Signup") == 1)
    browser_page.evaluate(SIGNUP_CALL)  # after the script loaded: the real function
    browser_page.click("#pdf")
    browser_page.click("#out", modifiers=["Control"])  # a new tab: this page stays
    page_server.wait_for(
        lambda ev: named(ev, "Signup") == 2 and named(ev, "File Download") == 1 and named(ev, "Outbound Link: Click")
    )
    browser_page.goto(page_server.url("/missing-page"))
    page_server.wait_for(lambda ev: named(ev, "pageview") == 2 and named(ev, "404") == 1)
    server.stop()  # SIGTERM: the writer commits what it holds

    scripts = sorted((h.path, h.status) for h in page_server.hits if h.path.startswith("/js/"))
    assert scripts == [("/js/script.404.js", 200), ("/js/script.outbound-links.file-downloads.js", 200)]
    posts = [h for h in page_server.hits if h.method == "POST" and h.path == "/api/event"]
    assert sorted(h.status for h in posts) == [202] * len(posts)
    assert not [h for h in posts if "x-clearanalytics-dropped" in map(str.lower, h.answer_headers)]
    signups = [h.json() for h in posts if h.json().get("n") == "Signup"]
    assert all(parse_payload(s).plausible for s in signups)  # sent in Plausible's own form

    with duckdb.connect(str(account.data_dir / DATABASE_FILE_NAME), read_only=True) as db:
        pageviews = db.execute("SELECT hostname, pathname FROM pageviews ORDER BY pathname").fetchall()
        events = db.execute("SELECT name, pathname, props FROM events ORDER BY name, created_at").fetchall()
        sales = db.execute(
            "SELECT event_type, transaction_id, value, currency, items, in_site_currency FROM ecommerce_events"
        ).fetchall()
        completions = dict(
            db.execute(
                "SELECT g.name, count(*) FROM goal_completions c JOIN goals g ON g.id = c.goal_id GROUP BY g.name"
            ).fetchall()
        )
        goal_ids = dict(db.execute("SELECT name, id FROM goals").fetchall())
    assert pageviews == [("example.com", "/missing-page"), ("example.com", "/signup")]
    assert [(name, path, json.loads(props)) for name, path, props in events] == [
        ("404", "/missing-page", {"url": "http://example.com/missing-page"}),
        ("File Download", "/signup", {"url": "http://example.com/files/price-list.pdf"}),
        ("Outbound Link: Click", "/signup", {"url": "http://shop.example/partner"}),
        ("Signup", "/signup", {"plan": "pro"}),
        ("Signup", "/signup", {"plan": "pro"}),
    ]
    # Plausible's revenue is an e-commerce purchase in the site's currency (EUR), once per call.
    assert sales == [("purchase", None, Decimal("10.00"), "EUR", "[]", True)] * 2
    assert completions == {"Signup": 2, "Outbound Link: Click": 1, "File Download": 1, "404": 1}

    # The reports, from a server started again on the same file.
    server = live_server(account.data_dir)
    api = server.url + "/api/v1"
    auth = {"Authorization": f"Bearer {account.token}"}

    def get(path: str, **params: Any) -> dict:
        answer = requests.get(api + path, params={"domain": account.site, **params}, headers=auth, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    overview = get("/stats/ecommerce/overview", period="7d")["data"]
    assert (overview["revenue"], overview["transactions"], overview["avg_order_value"]) == (20.0, 2, 10.0)
    totals = {goal: get(f"/goals/{goal_ids[goal]}/completions", period="7d")["meta"]["total"] for goal in GOALS}
    assert totals == {"Signup": 2, "Outbound Link: Click": 1, "File Download": 1, "404": 1}


# --- Plausible's Events API with its long names (a server posting, as Plausible's docs show) -------------------

LONG = {"name": "Purchase", "url": "https://example.com/checkout", "domain": "example.com"}


@pytest.fixture
def ingest(account):
    client = IngestClient(account.data_dir)
    yield client
    client.close()


def test_long_named_revenue_lands_as_a_purchase_and_a_custom_event(ingest):
    body = LONG | {"props": {"sku": "b", "qty": 2}, "revenue": {"amount": "19.50", "currency": "eur"}}
    assert parse_payload(body).plausible  # `revenue` is not a native key: Plausible's form, not silently lost
    assert ingest.post(body).status_code == 202
    meta = LONG | {"meta": {"plan": "team"}, "revenue": {"amount": 5, "currency": "EUR"}}
    assert ingest.post(meta).status_code == 202
    assert ingest.rows("events", "name, pathname, props") == [
        ("Purchase", "/checkout", '{"sku": "b", "qty": "2"}'),
        ("Purchase", "/checkout", '{"plan": "team"}'),
    ]
    assert ingest.rows("ecommerce_events", "event_type, value::DOUBLE, currency, in_site_currency") == [
        ("purchase", 19.5, "EUR", True),
        ("purchase", 5.0, "EUR", True),
    ]


def test_long_named_body_without_revenue_is_the_native_form(ingest):
    body = LONG | {"name": "Signup", "props": {"plan": "pro"}}
    assert not parse_payload(body).plausible
    assert ingest.post(body).status_code == 202
    assert ingest.rows("events", "name, props") == [("Signup", '{"plan": "pro"}')]


SHORT = {"n": "Signup", "u": "https://example.com/", "d": "example.com"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (SHORT | {"$": {"amount": 10}}, "$.currency"),
        (SHORT | {"$": {"currency": "EUR"}}, "$.amount"),
        (SHORT | {"$": 10}, "$"),
        (LONG | {"revenue": {"amount": 10, "currency": "euro"}}, "revenue.currency"),
        (LONG | {"revenue": {"amount": "ten", "currency": "EUR"}}, "revenue.amount"),
        (LONG | {"revenue": [10]}, "revenue"),
        ({"name": "X", "domain": "example.com", "revenue": {"amount": 1, "currency": "EUR"}}, "url"),
        (LONG | {"props": {"a": {"b": 1}}, "revenue": {"amount": 1, "currency": "EUR"}}, "props"),
    ],
)
def test_plausible_revenue_mistakes_are_400_naming_the_field(ingest, body, field):
    answer = ingest.post(body)
    assert answer.status_code == 400
    assert list(answer.get_json()["errors"]) == [field]
