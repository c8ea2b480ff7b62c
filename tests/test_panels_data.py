"""The dashboard's property picker and ready-made panels ([5/7] items 2 and 4): their reports on both set-ups.

`property-names` (the picker's list), `outbound-links`, `file-downloads` and `not-found-pages` are checked
against a plain-Python reference on both set-ups (`stats_setup`: the DuckDB file, and the stores apart:
PostgreSQL accounts, ClickHouse events), over periods the daily rollups serve (90d, 12m, from/to), live ones
(filters, 24h) and every scope. The stats dataset is extended here with the tracker's own events, derived
from its pageviews (same visitors and sessions): outbound clicks and downloads with a `url` prop, 404s sent
with our `url` or Plausible's `path`, and look-alikes the panels must leave out (a `url` on another event
name, a download without one). The view's filter state carries `filter[props.NAME]` (the picker's
click-to-filter) with its chip.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import timedelta
from html import unescape

import pytest

from tests import stats_dataset
from tests.conftest import copy_data_dir
from tests.dashboard_helpers import login
from tests.split_helpers import stats_app
from tests.stats_expected import SessionExpected
from tests.test_api_stats import SCOPES, get

OUTBOUND = ("https://github.com/clearanalytics", "https://example.org/a?b=<c>&d=é", "https://news.example/")
DOWNLOADS = ("/files/guide.pdf", "/files/price list.xlsx", "/files/app.dmg")
CASES = (
    {},
    {"period": "90d"},
    {"period": "12m", "limit": "2"},
    {"from": "2026-01-10", "to": "2026-02-18"},
    {"period": "24h"},
    {"period": "30d", "filter[page]": "/pricing"},
    {"period": "90d", "filter[goal]": "goal-shop.example-click"},
    {"period": "12m", "filter[props.plan]": "pro", "filter[browser]": "Safari"},
)
PANELS = {  # report -> (event name, the row's key: the `url` prop or the event's own path)
    "outbound-links": ("Outbound Link: Click", "url"),
    "file-downloads": ("File Download", "url"),
    "not-found-pages": ("404", "pathname"),
}


def tracker_events(data: stats_dataset.Dataset) -> list[dict]:
    """The tracker options' events, a few seconds after chosen pageviews, in their sessions (no randomness)."""
    rows = []
    for i, p in enumerate(sorted(data.pageviews, key=lambda p: p["id"])):
        host = p["hostname"]
        made = []
        if i % 5 == 0:
            extra = {"ref": "nav"} if i % 2 else {}
            made.append(("Outbound Link: Click", p["pathname"], {"url": OUTBOUND[i % 3]} | extra))
        if i % 7 == 3:
            made.append(("File Download", p["pathname"], {"url": f"https://{host}{DOWNLOADS[i % 3]}"}))
        if i % 9 == 4:
            missing = f"/old/{i % 4}"
            made.append(("404", missing, {"url": f"https://{host}{missing}"} if i % 2 else {"path": missing}))
        if i % 23 == 1:  # the same prop on other names, and a download without one: none of them in a panel
            made.append(("Signup", p["pathname"], {"url": OUTBOUND[0], "plan": "pro"}))
            made.append(("File Download", p["pathname"], {"kind": "pdf"}))
        if i % 4 == 0 and made:  # the same again: visitors with more than one event
            made.append(made[0])
        for n, (name, path, props) in enumerate(made):
            rows.append({"id": f"tk{i:06d}{n}", "site_id": p["site_id"], "visitor_hash": p["visitor_hash"],
                         "session_hash": p["session_hash"], "pageview_id": None, "name": name, "hostname": host,
                         "pathname": path, "props": json.dumps(props, ensure_ascii=False),
                         "created_at": p["created_at"] + timedelta(seconds=3 + n)})  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def panels_data(tmp_path_factory):
    data = stats_dataset.build()
    data.events.extend(tracker_events(data))
    data_dir = tmp_path_factory.mktemp("panels") / "data"
    stats_dataset.load(data_dir, data)
    return data_dir, data


@pytest.fixture(scope="module")
def app(panels_data, stats_setup, request):
    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    data_dir, data = panels_data
    with stats_app(data_dir, data, stats_setup, pg, now=stats_dataset.NOW, rate_limit="100000/minute") as app:
        yield app


def panel_rows(expected: SessionExpected, report: str, limit: int | None = None) -> list[dict]:
    """A ready-made panel's rows: the named events of the window (session filters applied) per url or path."""
    event, key = PANELS[report]
    groups = defaultdict(list)
    for e in expected.ev:
        props = json.loads(e["props"])
        if e["name"] == event and (key == "pathname" or "url" in props):
            groups[e["pathname"] if key == "pathname" else props["url"]].append(e)
    rows = [{key: value, "visitors": len({e["visitor_hash"] for e in found}), "events": len(found)}
            for value, found in groups.items()]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["visitors"], -r["events"], r[key]))[: limit or expected.limit]


def property_names(expected: SessionExpected, limit: int | None = None) -> list[dict]:
    """The picker's names: custom events of the window carrying each property."""
    counts = Counter(name for e in expected.ev for name in json.loads(e["props"]))
    rows = [{"property": name, "events": n} for name, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["events"], r["property"]))[: limit or expected.limit]


def _label(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items()) or "7d"


@pytest.mark.parametrize("scope", list(SCOPES), ids=lambda s: f"{s[0]}-{s[1] or 'all'}")
@pytest.mark.parametrize("params", CASES, ids=_label)
def test_the_panels_reports_match_the_reference(app, panels_data, scope, params):
    _dir, data = panels_data
    client = app.test_client()
    query = params | ({"domain": scope[1]} if scope[1] else {})
    expected = SessionExpected(data, SCOPES[scope], params, stats_dataset.NOW)
    for report in PANELS:
        response = get(client, data, scope[0], f"/stats/{report}", query)
        assert response.status_code == 200, (report, response.get_json())
        assert response.get_json() == {"data": panel_rows(expected, report)}, report
    response = get(client, data, scope[0], "/stats/property-names", query)
    assert response.get_json() == {"data": property_names(expected)}


def test_the_dataset_gives_every_panel_rows_and_ties(panels_data):
    """Guards the fixture: several rows per panel, look-alikes present but left out, a 404 sent both ways."""
    _dir, data = panels_data
    wide = SessionExpected(data, ["shop.example", "blog.example"], {"period": "90d"}, stats_dataset.NOW)
    for report in PANELS:
        rows = panel_rows(wide, report, 100)
        assert len(rows) >= 3 and all(r["events"] >= r["visitors"] >= 1 for r in rows), report
        assert any(r["events"] > r["visitors"] for r in rows), report  # someone clicked twice
    names = {r["property"] for r in property_names(wide, 100)}
    assert names == {"plan", "cta/position~", "url", "ref", "path", "kind"}
    sent = [json.loads(e["props"]) for e in wide.ev if e["name"] == "404"]
    assert any("url" in p for p in sent) and any("path" in p for p in sent)
    assert any(e["name"] == "Signup" for e in wide.ev)


def test_limit_and_bad_input(app, panels_data):
    _dir, data = panels_data
    client = app.test_client()
    expected = SessionExpected(data, ["shop.example", "blog.example"], {"period": "90d"}, stats_dataset.NOW)
    for report in (*PANELS, "property-names"):
        one = get(client, data, "acme", f"/stats/{report}", {"period": "90d", "limit": "1"}).get_json()["data"]
        assert len(one) == 1, report
        bad = get(client, data, "acme", f"/stats/{report}", {"limit": "0"})
        assert bad.status_code == 422 and list(bad.get_json()["errors"]) == ["limit"], report
    top = get(client, data, "acme", "/stats/outbound-links", {"period": "90d", "limit": "1"}).get_json()["data"]
    assert top == panel_rows(expected, "outbound-links", 1)


def test_the_dashboard_data_routes_answer_as_the_api(app, panels_data):
    _dir, data = panels_data
    browser = app.test_client()
    assert login(browser, "owner@acme.test", "correct-horse-battery").status_code == 302
    params = {"period": "90d", "filter[props.plan]": "free"}
    expected = SessionExpected(data, ["shop.example"], params, stats_dataset.NOW)
    answers = {report: panel_rows(expected, report) for report in PANELS} | {
        "property-names": property_names(expected),
        "properties": expected.properties("url"),
    }
    for report, rows in answers.items():
        mine = browser.get(f"/dashboard/acme/shop.example/data/{report}", query_string=params | {"property": "url"})
        assert mine.status_code == 200 and mine.get_json() == {"data": rows}, report
    # the realtime panel refreshes with the view's filters, a property filter too: the API's answer
    mine = browser.get("/dashboard/acme/shop.example/data/realtime", query_string={"filter[props.plan]": "free"})
    theirs = get(app.test_client(), data, "acme", "/stats/realtime",
                 {"filter[props.plan]": "free", "domain": "shop.example"})  # fmt: skip
    assert mine.status_code == theirs.status_code == 200 and mine.get_json() == theirs.get_json()


def test_the_view_carries_a_property_filter_with_its_chip(app, panels_data):
    """Clicking a value in the properties panel leads to filter[props.NAME]=VALUE: the page keeps it in the
    state every panel fetches with, and shows a removable chip (the name escaped); a bad name is dropped."""
    browser = app.test_client()
    assert login(browser, "owner@acme.test", "correct-horse-battery").status_code == 302
    page = browser.get("/dashboard/acme/shop.example", query_string={"period": "90d", "filter[props.plan]": "pro"})
    assert page.status_code == 200
    state = unescape(re.search(r'data-query="([^"]*)"', page.text).group(1))
    assert state == "period=90d&filter%5Bprops.plan%5D=pro"
    chip = re.search(r'<span class="chip" data-filter="props.plan">(.*?)<a class="chip-remove"', page.text, re.S)
    assert chip, page.text
    assert re.sub(r"<[^>]+>|\s+", " ", chip.group(1)).split() == ["Property", "plan:", "pro"]
    for panel in ('id="w-outbound-links"', 'id="w-file-downloads"', 'id="w-not-found-pages"', 'id="w-properties"'):
        assert panel in page.text
    hostile = browser.get("/dashboard/acme/shop.example", query_string={"filter[props.<b>x</b>]": "<i>y</i>"})
    assert hostile.status_code == 200 and "<b>x</b>" not in hostile.text and "<i>y</i>" not in hostile.text
    assert "Property &lt;b&gt;x&lt;/b&gt;:" in hostile.text
    long_name = browser.get("/dashboard/acme/shop.example", query_string={"filter[props." + "n" * 301 + "]": "v"})
    assert long_name.status_code == 200 and 'class="chip"' not in long_name.text


def test_m008_panels_rebuilds_the_rollups_built_before_the_new_dimensions(panels_data, tmp_path, monkeypatch):
    """A DuckDB file rolled up before these panels has no event_prop/event_page rows but marks those days
    complete; m008_panels forgets the traffic rollups raw events can rebuild, as m008_props did."""
    from clearanalytics import accounts, migrations, stats
    from clearanalytics.db import Database
    from clearanalytics.stats.rollup_cache import CACHE

    data_dir, data = copy_data_dir(panels_data[0], tmp_path / "data"), panels_data[1]
    domains = ["shop.example", "blog.example"]
    expected = SessionExpected(data, domains, {"period": "90d"}, stats_dataset.NOW)
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            sites = [accounts.get_site(cur, d) for d in domains]
            query = stats.parse_query({"period": "90d"}, sites, now=stats_dataset.NOW)
            assert stats.run("outbound-links", cur, query) == panel_rows(expected, "outbound-links")  # builds
        with db.transaction() as cur:
            for table in ("rollup_dims", "rollup_dims_months"):
                cur.execute(f"DELETE FROM {table} WHERE dimension IN ('event_prop', 'event_page')")
        CACHE.forget_answers()
        with db.reading() as cur:
            assert stats.run("outbound-links", cur, query) != panel_rows(expected, "outbound-links")
        with db.transaction() as cur:
            migrations.m008_panels(cur)
        for memo in ("_complete", "_built_until", "_answers"):
            monkeypatch.setattr(CACHE, memo, {})
        with db.reading() as cur:
            for report in PANELS:
                assert stats.run(report, cur, query) == panel_rows(expected, report), report
    finally:
        db.close()
