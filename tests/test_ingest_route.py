"""POST /api/event through the Flask test client on a real data dir; rows read back from DuckDB."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_account
from tests.ingest_helpers import CHROME, FIREFOX, IngestClient

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def ingest(account):
    client = IngestClient(account.data_dir)
    yield client
    client.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One app for the many table-driven cases that store nothing."""
    client = IngestClient(make_account(tmp_path_factory.mktemp("shared") / "data").data_dir)
    yield client
    client.close()


def test_pageview_is_stored_with_every_derivation(ingest):
    r = ingest.pageview(
        "https://www.example.com/blog/post?utm_source=newsletter&utm_medium=email&utm_campaign=feb&secret=1",
        referrer="https://mail.google.com/mail/u/0/",
        language="de-AT",
        ua=IPHONE,
    )
    assert r.status_code == 202
    pageview_id = r.get_json()["id"]
    assert len(pageview_id) == 26
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    cols = (
        "id, hostname, pathname, referrer, referrer_source, channel, utm_source, utm_medium, utm_campaign, "
        "utm_term, utm_content, ref, browser, os, device_type, language, duration, scroll_depth"
    )
    assert ingest.rows("pageviews", cols) == [
        (
            pageview_id,
            "example.com",
            "/blog/post",
            "mail.google.com",
            "email",
            "email",
            "newsletter",
            "email",
            "feb",
            None,
            None,
            None,
            "Safari",
            "iOS",
            "mobile",
            "de",
            0,
            None,
        )  # fmt: skip
    ]


def test_language_falls_back_to_accept_language(ingest):
    ingest.post(
        {"name": "pageview", "url": "https://example.com/", "domain": "example.com"},
        **{"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"},
    )
    ingest.post({"name": "pageview", "url": "https://example.com/", "domain": "example.com"}, ip="192.0.2.1")
    assert ingest.rows("pageviews", "language") == [("fr",), (None,)]


def test_visitor_and_session_hashes(ingest):
    ingest.pageview("https://example.com/a")
    ingest.pageview("https://example.com/b")
    ingest.pageview("https://example.com/a", ip="198.51.100.20")
    ingest.pageview("https://example.com/a", ua=FIREFOX)
    rows = ingest.rows("pageviews", "visitor_hash, session_hash")
    assert rows[0] == rows[1]
    assert len({r[0] for r in rows}) == 3 and len({r[1] for r in rows}) == 3
    assert all(len(v) == 16 and len(s) == 16 for v, s in rows)
    with ingest.db.reading() as cur:
        salts = cur.execute("SELECT count(*) FROM salts").fetchone()[0]
        columns = {c[0] for c in cur.execute("DESCRIBE pageviews").fetchall()}
    assert salts == 1
    assert not {"ip", "client_ip", "user_agent"} & columns


def test_engagement_adds_time_only_from_the_same_visitor(ingest):
    pageview_id = ingest.pageview("https://example.com/").get_json()["id"]
    engagement = {"name": "engagement", "url": "https://example.com/", "domain": "example.com"}
    assert (
        ingest.post({**engagement, "pageview_id": pageview_id, "duration": 10.4, "scroll_depth": 30}).status_code == 202
    )
    assert (
        ingest.post({**engagement, "pageview_id": pageview_id, "duration": 5.3, "scroll_depth": 20}).status_code == 202
    )
    other = ingest.post({**engagement, "pageview_id": pageview_id, "duration": 100}, ip="198.51.100.99")
    assert other.status_code == 202 and other.headers["X-ClearAnalytics-Dropped"] == "other-visitor"
    unknown = ingest.post({**engagement, "pageview_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "duration": 1})
    assert unknown.headers["X-ClearAnalytics-Dropped"] == "unknown-pageview"
    assert ingest.rows("pageviews", "duration, scroll_depth") == [(16, 30)]  # 10.4 + 5.3 = 15.7 -> 16


def test_engagement_is_capped_per_pageview(ingest):
    pageview_id = ingest.pageview("https://example.com/").get_json()["id"]
    engagement = {"name": "engagement", "url": "https://example.com/", "domain": "example.com"}
    for _ in range(3):
        ingest.post({**engagement, "pageview_id": pageview_id, "duration": 1000})
    assert ingest.rows("pageviews", "duration") == [(1800,)]


def test_engagement_after_flush_and_restart_reads_the_stored_total(account):
    first = IngestClient(account.data_dir)
    pageview_id = first.pageview("https://example.com/").get_json()["id"]
    first.post({"name": "engagement", "url": "https://example.com/", "domain": "example.com",
                "pageview_id": pageview_id, "duration": 20})  # fmt: skip
    first.close()
    second = IngestClient(account.data_dir)
    second.post({"name": "engagement", "url": "https://example.com/", "domain": "example.com",
                 "pageview_id": pageview_id, "duration": 7, "scroll_depth": 55})  # fmt: skip
    assert second.rows("pageviews", "duration, scroll_depth") == [(27, 55)]
    second.close()


def test_custom_event_with_props_links_to_the_last_pageview(ingest):
    pageview_id = ingest.pageview("https://example.com/pricing").get_json()["id"]
    r = ingest.post(
        {
            "name": "signup",
            "url": "https://example.com/pricing?x=1",
            "domain": "example.com",
            "props": {"plan": "pro", "seats": 5},
        }  # fmt: skip
    )
    assert r.status_code == 202 and r.get_json() == {}
    [(pv, name, path, props)] = ingest.rows("events", "pageview_id, name, pathname, props")
    assert (pv, name, path, json.loads(props)) == (pageview_id, "signup", "/pricing", {"plan": "pro", "seats": "5"})


def test_purchase_dedupe_and_currency_flag(ingest):
    purchase = {
        "name": "purchase",
        "url": "https://example.com/thanks",
        "domain": "example.com",
        "ecommerce": {
            "transaction_id": "TXN-001",
            "value": 49.99,
            "currency": "EUR",
            "items": [{"item_id": "sku-1", "item_name": "Shirt", "price": 24.995, "quantity": 2}],
        },
    }
    assert ingest.post(purchase).status_code == 202
    again = ingest.post(purchase, ip="198.51.100.5")
    assert again.status_code == 202 and again.headers["X-ClearAnalytics-Dropped"] == "duplicate-transaction"
    dollars = {**purchase, "ecommerce": {**purchase["ecommerce"], "transaction_id": "TXN-002", "currency": "usd"}}
    assert ingest.post(dollars).status_code == 202
    cart = {"name": "add_to_cart", "url": "https://example.com/p", "domain": "example.com",
            "ecommerce": {"items": [{"item_id": "sku-1", "price": 10, "quantity": 1}]}}  # fmt: skip
    assert ingest.post(cart).status_code == 202
    rows = ingest.rows(
        "ecommerce_events", "event_type, transaction_id, value::DOUBLE, currency, in_site_currency, items"
    )
    assert [r[:5] for r in rows] == [
        ("purchase", "TXN-001", 49.99, "EUR", True),
        ("purchase", "TXN-002", 49.99, "USD", False),
        ("add_to_cart", None, None, "EUR", True),
    ]
    assert json.loads(rows[0][5]) == [{"item_id": "sku-1", "item_name": "Shirt", "price": 24.995, "quantity": 2}]
    assert ingest.rows("events") == []


def test_purchase_dedupe_survives_a_restart(account):
    purchase = {"name": "purchase", "url": "https://example.com/", "domain": "example.com",
                "ecommerce": {"transaction_id": "T-9", "value": 5, "currency": "EUR"}}  # fmt: skip
    first = IngestClient(account.data_dir)
    first.post(purchase)
    first.close()
    second = IngestClient(account.data_dir)
    assert second.post(purchase).headers["X-ClearAnalytics-Dropped"] == "duplicate-transaction"
    assert len(second.rows("ecommerce_events")) == 1
    second.close()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"name": "pageview", "url": "https://unknown.org/", "domain": "unknown.org"}, "unknown-domain"),
        ({"name": "pageview", "url": "https://example.com/", "domain": "example.com", "ua": "curl/8.4.0"}, "bot"),
        (
            {"name": "pageview", "url": "https://example.com/", "domain": "example.com",
             "ua": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
            "bot",
        ),
    ],
)  # fmt: skip
def test_dropped_events_answer_202_with_the_reason(shared, payload, reason):
    payload = dict(payload)
    ua = payload.pop("ua", CHROME)
    before = shared.rows("pageviews", "count(*)", order="1")
    r = shared.post(payload, ua=ua)
    assert r.status_code == 202
    assert r.headers["X-ClearAnalytics-Dropped"] == reason
    assert shared.rows("pageviews", "count(*)", order="1") == before


def test_www_domain_resolves_to_the_site(ingest):
    assert (
        "id"
        in ingest.post({"name": "pageview", "url": "https://www.example.com/", "domain": "www.example.com"}).get_json()
    )


def test_preflight(shared):
    r = shared.client.options("/api/event", headers={"Origin": "https://example.com"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in r.headers["Access-Control-Allow-Headers"]


GOOD = {"name": "pageview", "url": "https://example.com/", "domain": "example.com"}
ENGAGE = {"name": "engagement", "url": "https://example.com/", "domain": "example.com",
          "pageview_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}  # fmt: skip
BUY = {"name": "purchase", "url": "https://example.com/", "domain": "example.com"}

BAD_INPUT = [
    (b"{not json", "body"),
    (b"[1, 2]", "body"),
    (b"\xff\xfe", "body"),
    (b"", "body"),
    (b'{"name": "pageview", "domain": "example.com", "url": "https://example.com/", "x": "' + b"a" * 17000 + b'"}',
     "body"),
    ({"url": "https://example.com/", "domain": "example.com"}, "name"),
    ({**GOOD, "name": 5}, "name"),
    ({**GOOD, "name": "x" * 500}, "name"),
    ({"name": "pageview", "domain": "example.com"}, "url"),
    ({"name": "pageview", "url": "https://example.com/"}, "domain"),
    ({**GOOD, "url": "/relative/path"}, "url"),
    ({**GOOD, "url": "javascript:alert(1)"}, "url"),
    ({**GOOD, "url": "https://[::1/"}, "url"),
    ({**GOOD, "url": "https://example.com/" + "a" * 3000}, "url"),
    ({**GOOD, "props": ["a"]}, "props"),
    ({**GOOD, "props": {"a": {"nested": 1}}}, "props"),
    ({**GOOD, "referrer": 12}, "referrer"),
    ({**ENGAGE, "duration": -1}, "duration"),
    ({**ENGAGE, "duration": 10**9}, "duration"),
    ({**ENGAGE, "duration": "ten"}, "duration"),
    ({**ENGAGE, "duration": True}, "duration"),
    ({**ENGAGE, "duration": 5, "scroll_depth": 140}, "scroll_depth"),
    ({**ENGAGE, "pageview_id": "nope"}, "pageview_id"),
    ({**GOOD, "name": "engagement", "duration": 3}, "pageview_id"),
    (BUY, "ecommerce"),
    ({**BUY, "ecommerce": "cheap"}, "ecommerce"),
    ({**BUY, "ecommerce": {"value": -5, "currency": "EUR"}}, "ecommerce.value"),
    ({**BUY, "ecommerce": {"value": "5", "currency": "EUR"}}, "ecommerce.value"),
    ({**BUY, "ecommerce": {"value": 5, "currency": "EURO"}}, "ecommerce.currency"),
    ({**BUY, "ecommerce": {"value": 5}}, "ecommerce.currency"),
    ({**BUY, "ecommerce": {"currency": "EUR"}}, "ecommerce.value"),
    ({**BUY, "ecommerce": {"value": 5, "currency": "EUR", "items": "x"}}, "ecommerce.items"),
    ({**BUY, "ecommerce": {"value": 5, "currency": "EUR", "items": [{"item_id": "a", "quantity": 0}]}},
     "ecommerce.items[0].quantity"),
    ({**BUY, "ecommerce": {"value": 5, "currency": "EUR", "items": [{"item_id": "a", "price": -1}]}},
     "ecommerce.items[0].price"),
    ({**BUY, "ecommerce": {"value": 5, "currency": "EUR", "items": [{"quantity": 1}]}}, "ecommerce.items[0].item_id"),
    ({**BUY, "ecommerce": {"value": 5, "currency": "EUR", "transaction_id": ["x"]}}, "ecommerce.transaction_id"),
    ({"n": "pageview", "d": "example.com"}, "u"),
    ({"n": "engagement", "u": "https://example.com/", "d": "example.com", "e": -4}, "e"),
    ({"n": "Purchase", "u": "https://example.com/", "d": "example.com", "$": {"amount": "x", "currency": "EUR"}},
     "$.amount"),
    ({"n": "Purchase", "u": "https://example.com/", "d": "example.com", "$": {"amount": 5, "currency": 1}},
     "$.currency"),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "field"), BAD_INPUT, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD_INPUT)])
def test_bad_input_is_a_400_naming_the_field(shared, payload, field):
    raw = payload if isinstance(payload, bytes) else None
    r = shared.post(payload, raw=raw)
    assert r.status_code == 400, r.get_data(as_text=True)
    body = r.get_json()
    assert list(body["errors"]) == [field]
    assert body["message"].startswith(field)
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_oversized_content_length_is_refused_before_reading(shared):
    r = shared.client.post("/api/event", data=b"x" * 20000, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and list(r.get_json()["errors"]) == ["body"]


def test_plausible_payloads(ingest):
    base = {"u": "https://example.com/docs?utm_source=hn", "d": "example.com", "r": "https://news.ycombinator.com/"}
    assert ingest.post({"n": "pageview", **base}).status_code == 202
    assert ingest.post({"n": "engagement", **base, "e": 12500, "sd": 75}).status_code == 202
    assert ingest.post({"n": "engagement", **base, "e": 2500, "sd": 50}).status_code == 202
    r = ingest.post({"n": "Signup", **base, "p": json.dumps({"plan": "team"}), "i": True})
    assert r.status_code == 202
    r = ingest.post({"n": "Purchase", **base, "$": {"amount": "19.50", "currency": "EUR"}, "p": {"sku": "b"}})
    assert r.status_code == 202
    assert ingest.post({"n": "pageview", "u": "https://example.com/#/a", "d": "example.com", "h": 1}).status_code == 202
    assert ingest.rows("pageviews", "pathname, referrer, channel, utm_source, duration, scroll_depth") == [
        ("/docs", "news.ycombinator.com", "social", "hn", 15, 75),
        ("/#/a", None, "direct", None, 0, None),
    ]
    assert ingest.rows("events", "name, props") == [("Signup", '{"plan": "team"}'), ("Purchase", '{"sku": "b"}')]
    assert ingest.rows("ecommerce_events", "event_type, value::DOUBLE, currency") == [("purchase", 19.5, "EUR")]


def test_plausible_engagement_without_a_pageview_is_dropped(ingest):
    r = ingest.post({"n": "engagement", "u": "https://example.com/x", "d": "example.com", "e": 500})
    assert r.headers["X-ClearAnalytics-Dropped"] == "unknown-pageview"


def test_trusted_proxy_forwarded_for_decides_the_visitor(account):
    client = IngestClient(account.data_dir, {"trusted_proxies": "127.0.0.1"})
    for forwarded in ("198.51.100.1", "198.51.100.1", "198.51.100.2"):
        client.post(GOOD, ip="127.0.0.1", **{"X-Forwarded-For": forwarded})
    client.post(GOOD, ip="192.0.2.50", **{"X-Forwarded-For": "198.51.100.1"})  # untrusted peer: header ignored
    hashes = [r[0] for r in client.rows("pageviews", "visitor_hash")]
    assert hashes[0] == hashes[1] and len(set(hashes)) == 3
    client.close()


def test_salts_are_kept_two_local_days_only(ingest):
    from datetime import UTC, datetime, timedelta

    with ingest.db.reading() as cur:
        site_id = cur.execute("SELECT id FROM sites WHERE domain = 'example.com'").fetchone()[0]
    today = datetime.now(UTC).date()
    with ingest.db.transaction() as cur:
        for days_ago in (5, 2, 1):
            cur.execute("INSERT INTO salts VALUES (?, ?, ?)", [site_id, today - timedelta(days=days_ago), "00" * 32])
    ingest.pageview()
    with ingest.db.reading() as cur:
        days = [r[0] for r in cur.execute("SELECT day FROM salts ORDER BY day").fetchall()]
    assert days == [today - timedelta(days=1), today]


def test_random_payloads_never_cause_a_500(shared):
    import random

    rng = random.Random(2026)
    values = [None, True, 0, -1, 1e308, float("nan"), "", "x" * 3000, "https://example.com/", "example.com",
              [], {}, ["a"], {"a": {"b": 1}}, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "\u0000\ud7ff", 10**30]  # fmt: skip
    keys = ["name", "url", "domain", "referrer", "language", "props", "hash", "ecommerce", "pageview_id", "duration",
            "scroll_depth", "n", "u", "d", "r", "p", "$", "e", "sd", "h"]  # fmt: skip
    names = ["pageview", "engagement", "purchase", "add_to_cart", "signup", "Purchase"]
    for _ in range(300):
        payload = {k: rng.choice(values) for k in rng.sample(keys, rng.randint(0, 8))}
        if rng.random() < 0.7:
            payload.update(name=rng.choice(names), url="https://example.com/x", domain="example.com")
        if rng.random() < 0.3:
            payload["ecommerce"] = {"value": rng.choice(values), "currency": rng.choice(values),
                                    "items": rng.choice(values), "transaction_id": rng.choice(values)}  # fmt: skip
        raw = json.dumps(payload, allow_nan=True).encode()
        r = shared.post(None, raw=raw)
        assert r.status_code in (202, 400), (payload, r.get_data(as_text=True))


def test_flask_route_and_wsgi_fast_path_answer_alike(shared):
    """The blueprint route (behind the fast path) and the fast path share answer(); check both."""
    from functools import partial

    from flask import Flask
    from werkzeug.test import Client

    flask_only = Client(partial(Flask.wsgi_app, shared.app))  # Flask itself, without the middlewares around it
    cases = [
        ({"name": "pageview", "url": "https://example.com/", "domain": "example.com"}, 202),
        ({"name": "pageview", "url": "https://example.com/", "domain": "nope.org"}, 202),
        ({"name": "pageview", "domain": "example.com"}, 400),
    ]
    for payload, status in cases:
        for client in (flask_only, shared.client):
            r = client.post("/api/event", data=json.dumps(payload), headers={"User-Agent": CHROME})
            assert r.status_code == status
            assert r.headers["Access-Control-Allow-Origin"] == "*"
            assert r.headers.get("X-ClearAnalytics-Dropped") == (
                None if "nope" not in payload["domain"] else "unknown-domain"
            )
            body = json.loads(r.get_data())
            assert set(body) == ({"id"} if status == 202 and "nope" not in payload["domain"] else
                                 {"message", "errors"} if status == 400 else set())  # fmt: skip
    for client in (flask_only, shared.client):
        r = client.options("/api/event")
        assert r.status_code == 204 and r.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
        assert client.post("/api/event", data=b"x" * 20000).status_code == 400
    assert shared.client.get("/api/event").status_code == 405


def test_a_failed_commit_is_retried_by_the_next_flush(account):
    """A batch that cannot be committed (here: the table is briefly gone) stays spooled and is retried."""
    ingest = IngestClient(account.data_dir, {"flush_interval": 600})  # only explicit flushes
    with ingest.db.transaction() as cur:
        cur.execute("ALTER TABLE pageviews RENAME TO pageviews_away")
    pageview_id = ingest.pageview("https://example.com/retry").get_json()["id"]
    assert ingest.service.flush() == 0
    assert [p for p in (ingest.db.path.parent / "spool").glob("*.jsonl") if p.stat().st_size]
    with ingest.db.transaction() as cur:
        cur.execute("ALTER TABLE pageviews_away RENAME TO pageviews")
    assert ingest.service.flush() == 1
    assert ingest.rows("pageviews", "id, pathname") == [(pageview_id, "/retry")]
    ingest.close()
