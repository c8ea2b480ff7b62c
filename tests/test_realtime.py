"""Realtime (issue [5/7] item 6): the last 30 minutes, against a plain-Python oracle on both event stores.

The stats dataset (tests/stats_dataset.py) with the clock pinned at chosen moments: the busiest
30 minutes of acme's two sites, three minutes after their last pageview (only the window's first
minutes hold rows), and a quiet night. The engine is asked directly on DuckDB and on ClickHouse
(`stats_backend`), and the API route on DuckDB and on the stores apart (`stats_setup`: PostgreSQL
accounts, ClickHouse events), its clock pinned through the app's NOW. The oracle below counts the
dataset's own rows: visitors per UTC minute, the window's totals, the five-minute current visitors,
pages and sources ranked by visitors, then pageviews, then name.
"""

from __future__ import annotations

import copy
import time
from collections import defaultdict
from datetime import datetime, timedelta

import jsonschema
import pytest
import requests
from conftest import PASSWORD, LiveServer, copy_data_dir, make_account
from flask import Flask

from clearanalytics import stats
from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.stats.realtime import SCHEMA
from tests.browser import DESKTOP, PHONE, expect, new_context, screenshot
from tests.chstore_helpers import events_on_clickhouse
from tests.split_helpers import stats_app
from tests.stats_expected import current_visitors

pytest_plugins = ("tests.browser",)

ACME = ["shop.example", "blog.example"]


def expected(data, domains: list[str], now: datetime, path: str | None = None, limit: int = 10) -> dict:
    """The realtime answer computed from the dataset's rows alone (filter[page] as `path`)."""
    site_ids = {data.sites[d]["id"] for d in domains}
    first = now.replace(second=0, microsecond=0) - timedelta(minutes=29)
    rows = [
        p
        for p in data.pageviews
        if p["site_id"] in site_ids
        and first <= p["created_at"] < first + timedelta(minutes=30)
        and (path is None or p["pathname"] == path)
    ]
    minutes = []
    for i in range(30):
        start = first + timedelta(minutes=i)
        inside = [p for p in rows if start <= p["created_at"] < start + timedelta(minutes=1)]
        minutes.append({"minute": start.strftime("%Y-%m-%dT%H:%M:00Z"),
                        "visitors": len({p["visitor_hash"] for p in inside}), "pageviews": len(inside)})  # fmt: skip
    current = current_visitors(data, domains, now)
    if path is not None:
        since = now - timedelta(minutes=5)
        current = len({p["visitor_hash"] for p in rows if since <= p["created_at"] <= now})
    return {
        "current_visitors": current,
        "visitors": len({p["visitor_hash"] for p in rows}),
        "pageviews": len(rows),
        "minutes": minutes,
        "pages": _ranked(rows, "pathname", "pathname", limit),
        "sources": _ranked(rows, "referrer_source", "source", limit),
    }


def _ranked(rows: list[dict], column: str, key: str, limit: int) -> list[dict]:
    visitors, pageviews = defaultdict(set), defaultdict(int)
    for p in rows:
        visitors[p[column]].add(p["visitor_hash"])
        pageviews[p[column]] += 1
    ranked = [{key: k, "visitors": len(v), "pageviews": pageviews[k]} for k, v in visitors.items()]
    ranked.sort(key=lambda r: (-r["visitors"], -r["pageviews"], r[key].encode()))
    return ranked[:limit]


def busiest(data, domains: list[str]) -> datetime:
    """The moment (a pageview's, plus 20 s) whose 30-minute window holds the most of `domains`' pageviews."""
    site_ids = {data.sites[d]["id"] for d in domains}
    times = sorted(p["created_at"] for p in data.pageviews if p["site_id"] in site_ids)
    best, best_count, lo = times[0], 0, 0
    for moment in times:
        end = moment + timedelta(seconds=20)
        first = end.replace(second=0, microsecond=0) - timedelta(minutes=29)
        while times[lo] < first:
            lo += 1
        count = sum(1 for t in times[lo:] if t <= moment)
        if count > best_count:
            best, best_count = end, count
    return best


def moments(data) -> dict[str, datetime]:
    latest = max(p["created_at"] for p in data.pageviews if p["site_id"] in {data.sites[d]["id"] for d in ACME})
    return {
        "busiest": busiest(data, ACME),
        "after-the-last": latest + timedelta(minutes=3, seconds=7),
        "quiet": datetime(2026, 1, 2, 3, 4, 5),  # before the dataset's first day
    }


def sites_of(data, domains: list[str]) -> list[Site]:
    return [Site(s["id"], "t", s["domain"], s["timezone"], s["currency"]) for d in domains for s in [data.sites[d]]]


# --- the engine, on each store ----------------------------------------------------------------------------


def _own_copy(loaded, tmp_path_factory, name: str):
    """A data dir and Dataset of this fixture's own: the engine's set-ups and the apps never share a file
    (on chdb the file's event tables are emptied; an app opens the file with its own settings)."""
    template, data = loaded
    return copy_data_dir(template, tmp_path_factory.mktemp(name) / "data"), copy.deepcopy(data)


@pytest.fixture(scope="module")
def engine_app(_stats_loaded, tmp_path_factory, stats_backend):
    data_dir, data = _own_copy(_stats_loaded, tmp_path_factory, "realtime-engine")
    app = Flask(__name__)
    app.extensions["clearanalytics.db"] = db = Database.in_data_dir(data_dir)
    app.extensions["clearanalytics.store"] = None
    if stats_backend == "chdb":
        events_on_clickhouse(app, data)
    yield app, data
    db.close()


@pytest.mark.parametrize("domains", [ACME, ["shop.example"], ["blog.example"], ["rival.example"]], ids="+".join)
@pytest.mark.parametrize("moment", ["busiest", "after-the-last", "quiet"])
def test_realtime_matches_the_oracle(engine_app, domains, moment):
    app, data = engine_app
    now = moments(data)[moment]
    with app.app_context(), app.extensions["clearanalytics.db"].reading() as cur:
        query = stats.parse_query({}, sites_of(data, domains), now=now)
        got = stats.run("realtime", cur, query)
    assert got == expected(data, domains, now)
    jsonschema.validate(got, SCHEMA)
    if moment == "busiest" and domains == ACME:
        assert got["pageviews"] >= 5 and sum(m["pageviews"] > 0 for m in got["minutes"]) >= 3  # a real test
        assert got["current_visitors"] >= 1 and len(got["pages"]) >= 2 and got["sources"]
    if moment == "after-the-last" and domains == ACME:
        assert got["minutes"][-1]["pageviews"] == 0 and got["pageviews"] > 0
    if moment == "quiet":
        assert got["pageviews"] == got["current_visitors"] == 0 and got["pages"] == got["sources"] == []
        assert [m["visitors"] for m in got["minutes"]] == [0] * 30


def test_realtime_takes_filters_and_limit(engine_app):
    app, data = engine_app
    now = moments(data)["busiest"]
    page = expected(data, ACME, now)["pages"][0]["pathname"]
    with app.app_context(), app.extensions["clearanalytics.db"].reading() as cur:
        filtered = stats.parse_query({"filter[page]": page}, sites_of(data, ACME), now=now)
        assert stats.run("realtime", cur, filtered) == expected(data, ACME, now, path=page)
        one = stats.parse_query({"limit": "1"}, sites_of(data, ACME), now=now)
        got = stats.run("realtime", cur, one)
        assert stats.last_30_minutes(cur, one) == got  # the record by its SQL name, as every report
    assert got == expected(data, ACME, now, limit=1) and len(got["pages"]) == len(got["sources"]) == 1


def test_the_window_is_whole_utc_minutes():
    from clearanalytics.stats.realtime import window

    assert window(datetime(2026, 2, 18, 15, 30, 59, 999999)) == (
        datetime(2026, 2, 18, 15, 1),
        datetime(2026, 2, 18, 15, 31),
    )
    assert window(datetime(2026, 2, 18, 0, 10)) == (datetime(2026, 2, 17, 23, 41), datetime(2026, 2, 18, 0, 11))


# --- the API route, on DuckDB and on the stores apart ---------------------------------------------------------


@pytest.fixture(scope="module")
def api(_stats_loaded, tmp_path_factory, stats_setup, request):
    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    data_dir, data = _own_copy(_stats_loaded, tmp_path_factory, "realtime-api")
    now = moments(data)["busiest"]
    with stats_app(data_dir, data, stats_setup, pg, now=now, rate_limit="100000/minute") as app:
        yield app.test_client(), data, now


def _get(client, data, tenant: str, **params):
    headers = {"Authorization": f"Bearer {data.tokens[tenant]}"}
    return client.get("/api/v1/stats/realtime", query_string=params, headers=headers)


def test_the_route_answers_the_oracle_with_the_pinned_clock(api):
    client, data, now = api
    response = _get(client, data, "acme")
    assert response.status_code == 200 and response.json == {"data": expected(data, ACME, now)}
    one = _get(client, data, "acme", domain="blog.example", limit="3")
    assert one.json == {"data": expected(data, ["blog.example"], now, limit=3)}
    rival = _get(client, data, "rival")
    assert rival.json == {"data": expected(data, ["rival.example"], now)}


def test_the_route_checks_the_tenant_and_its_parameters(api):
    client, data, _now = api
    assert _get(client, data, "acme", domain="rival.example").status_code == 403
    bad = _get(client, data, "acme", limit="0")
    assert bad.status_code == 422 and list(bad.json["errors"]) == ["limit"]
    bad = _get(client, data, "acme", **{"filter[nope]": "x"})
    assert bad.status_code == 422
    assert client.get("/api/v1/stats/realtime").status_code == 401


def test_openapi_marks_it_an_extension_with_its_schema(api):
    client, data, _now = api
    document = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {data.tokens['acme']}"}).json
    operation = document["paths"]["/stats/realtime"]["get"]
    assert operation["summary"].endswith("An extension beyond the reference.")
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["properties"]["data"] == SCHEMA


# --- the dashboard's Realtime panel in Chromium, against a real server ------------------------------------------


def _agent(n: int) -> str:
    """An ordinary desktop Chrome user agent of version 120 + n: each its own visitor (the IP is loopback)."""
    return (f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{120 + n}.0.0.0 "
            "Safari/537.36")  # fmt: skip


def _send(server, n: int, path: str) -> None:
    body = {"name": "pageview", "url": f"https://example.com{path}", "domain": "example.com"}
    response = requests.post(server.url + "/api/event", json=body, headers={"User-Agent": _agent(n)}, timeout=10)
    assert response.status_code in (200, 202, 204), response.text


def _until_stored(server, token: str, pageviews: int) -> None:
    """Wait (bounded) until the writer thread has stored `pageviews` pageviews of the last 30 minutes."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = requests.get(server.url + "/api/v1/stats/realtime", headers={"Authorization": f"Bearer {token}"},
                                timeout=10)  # fmt: skip
        if response.json()["data"]["pageviews"] >= pageviews:
            return
        time.sleep(0.3)
    raise AssertionError(f"the server never stored {pageviews} pageviews")


def test_the_realtime_panel_updates_without_a_reload(chromium, tmp_path):
    account = make_account(tmp_path / "data", abilities=("stats:read",))
    server = LiveServer(tmp_path / "data").start()
    try:
        for n, path in enumerate(["/", "/pricing", "/<b>bold</b>"]):
            _send(server, n, path)
        _until_stored(server, account.token, 3)
        context = new_context(chromium, viewport=DESKTOP, locale="en-US", base_url=server.url)
        page = context.new_page()
        problems = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto("/login")
        page.fill("#email", account.email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/acme/*")
        page.goto("/dashboard/acme/example.com")
        panel = page.locator("[data-widget=realtime]")
        expect(panel.locator("[data-rt=current]")).to_have_text("3")
        expect(panel.locator("[data-rt=pageviews]")).to_have_text("3")
        bars = panel.locator("svg.realtime-bars rect")
        expect(bars).to_have_count(30)
        visitors = [int(v) for v in bars.evaluate_all("els => els.map(e => e.getAttribute('data-visitors'))")]
        assert sum(visitors) >= 3 and visitors[:25] == [0] * 25  # this minute (or the one before): the newest bars
        pages = panel.locator("[data-rt=pages] .label").all_text_contents()
        assert sorted(pages) == ["/", "/<b>bold</b>", "/pricing"]  # the markup shown as text, never parsed
        assert panel.locator("[data-rt=pages] b").count() == 0
        assert panel.locator("[data-rt=sources] .label").all_text_contents() == ["direct"]
        updates = int(panel.get_attribute("data-updated"))
        page.evaluate("window.__stayed = 'yes'")  # gone if the page reloads
        _send(server, 3, "/pricing")
        expect(panel.locator("[data-rt=current]")).to_have_text("4")  # the 10 s refresh, no reload
        assert page.evaluate("window.__stayed") == "yes"
        assert int(panel.get_attribute("data-updated")) > updates
        expect(panel.locator("[data-rt=pages] li").first.locator(".label")).to_have_text("/pricing")
        screenshot(page, "realtime-desktop")
        page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "realtime-phone")
        assert not problems, problems
        context.close()
    finally:
        server.stop()
