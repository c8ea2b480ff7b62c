"""The quickstart's demo data fills the [5/7] panels: custom properties, outbound links, downloads, 404s,
entry and exit pages, scroll depth and realtime.

The data dir is built as `clearanalytics quickstart --no-serve` builds it (`ensure_account`, then
`load_demo`, the function its `_load_demo_traffic` calls) with a fixed `now`, so the test can generate the
very same lines and compute every expected number from them, then read the reports through the REST API.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from clearanalytics.cli import database
from clearanalytics.cli.admin import ensure_account
from clearanalytics.cli.serve import QUICKSTART
from clearanalytics.demo import generate, load_demo
from tests.conftest import run_cli
from tests.ingest_helpers import query_rows

NOW = datetime(2026, 6, 20, 12, 0)
DOMAIN = QUICKSTART["site"]
RANGE = {"from": (NOW - timedelta(days=91)).date().isoformat(), "to": NOW.date().isoformat(), "limit": "100"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(data dir, token, lines, stored custom events as (name, props)): the quickstart's demo site filled with
    the lines `generate` gives for NOW."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    ensure_account(data_dir, password=secrets.token_urlsafe(12), **QUICKSTART)
    with database(data_dir) as db:
        report = load_demo(db, DOMAIN, now=NOW)
    lines = list(generate(DOMAIN, now=NOW))
    assert report.accepted == len(lines) and report.error_count == 0
    made = run_cli("token", "create", "--data-dir", data_dir, "--tenant", QUICKSTART["tenant"],
                   "--email", QUICKSTART["email"], "--name", "demo-panels")  # fmt: skip
    assert made.exit_code == 0, made.output
    stored = query_rows(data_dir, "SELECT name, props FROM events")  # read before an app holds the file open
    return data_dir, made.stdout.strip(), lines, [(name, json.loads(props)) for name, props in stored]


@pytest.fixture
def api(demo, make_app):
    data_dir, token = demo[:2]
    client = make_app(data_dir, testing=True).test_client()

    def get(report: str, **params: str) -> list[dict]:
        response = client.get(f"/api/v1/stats/{report}", query_string={**RANGE, **params},
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert response.status_code == 200, response.get_json()
        return response.get_json()["data"]

    return get


def _visitor(line: dict) -> tuple:
    """The importer's visitor: one per (site-local day, IP, user agent); the demo site is on UTC."""
    return line["timestamp"][:10], line["ip"], line["user_agent"]


def _path(line: dict) -> str:
    return urlsplit(line["url"]).path


def _prop_rows(lines: list[dict], name: str | None, prop: str) -> dict[str, tuple[int, int]]:
    """value -> (visitors, events) of the custom events (of `name`, or any) carrying `prop`."""
    visitors, events = defaultdict(set), Counter()
    for line in lines:
        if line["name"] != "pageview" and (name is None or line["name"] == name) and prop in line.get("props", {}):
            value = line["props"][prop]
            visitors[value].add(_visitor(line))
            events[value] += 1
    return {value: (len(visitors[value]), events[value]) for value in events}


def test_the_plan_property_lists_every_plan_with_the_lines_visitors(demo, api):
    expected = _prop_rows(demo[2], "signup", "plan")
    assert set(expected) == {"starter", "team", "business"}
    rows = api("properties", property="plan")
    assert {r["value"]: (r["visitors"], r["events"]) for r in rows} == expected
    assert all(r["conversion_rate"] is None for r in rows)
    assert [r["visitors"] for r in rows] == sorted((r["visitors"] for r in rows), reverse=True)


@pytest.mark.parametrize(
    ("event", "prop", "looks_like"),
    [("Outbound Link: Click", "url", lambda v: v.startswith("https://") and DOMAIN not in urlsplit(v).netloc),
     ("File Download", "url", lambda v: v.startswith(f"https://{DOMAIN}/downloads/") and v[-4:] in (".pdf", ".zip")),
     ("404", "url", lambda v: v.startswith("/")),
     ("CTA Click", "position", lambda v: v in ("hero", "header", "footer"))],
)  # fmt: skip
def test_each_tracker_event_is_there_with_its_property(demo, api, event, prop, looks_like):
    expected = _prop_rows(demo[2], event, prop)
    assert len(expected) >= 3 and all(looks_like(value) for value in expected)
    stored = Counter(props.get(prop) for name, props in demo[3] if name == event)
    assert stored == {value: events for value, (_, events) in expected.items()}
    # The properties report counts every custom event carrying the property (`url`: three of them), by visitors.
    rows = api("properties", property=prop)
    assert {r["value"]: (r["visitors"], r["events"]) for r in rows} == _prop_rows(demo[2], None, prop)
    assert set(expected) <= {r["value"] for r in rows}


def test_404_pages_are_pageviews_of_missing_paths_each_with_its_event(demo):
    lines = demo[2]
    events = [(_path(x), x["timestamp"], x["ip"]) for x in lines if x["name"] == "404"]
    views = {(_path(x), x["timestamp"], x["ip"]) for x in lines if x["name"] == "pageview"}
    assert events and set(events) <= views
    assert all(x["props"]["url"] == _path(x) for x in lines if x["name"] == "404")


def _sessions(lines: list[dict]) -> list[list[dict]]:
    """Each visitor's pageviews, cut where 30 minutes pass without one (visitors.SESSION_GAP)."""
    by_visitor = defaultdict(list)
    for line in lines:
        if line["name"] == "pageview":
            by_visitor[_visitor(line)].append(line)
    sessions = []
    for views in by_visitor.values():
        views.sort(key=lambda x: x["timestamp"])
        current = [views[0]]
        for view in views[1:]:
            gap = datetime.fromisoformat(view["timestamp"]) - datetime.fromisoformat(current[-1]["timestamp"])
            if gap > timedelta(minutes=30):
                sessions.append(current)
                current = []
            current.append(view)
        sessions.append(current)
    return sessions


def test_entry_and_exit_pages_are_the_sessions_first_and_last_pages(demo, api):
    sessions = _sessions(demo[2])
    entries = Counter(_path(s[0]) for s in sessions)
    exits = Counter(_path(s[-1]) for s in sessions)
    got_entries = {r["pathname"]: r["entries"] for r in api("entry-pages")}
    got_exits = {r["pathname"]: r["exits"] for r in api("exit-pages")}
    assert len(got_entries) > 5 and len(got_exits) > 5
    assert sum(got_entries.values()) == sum(got_exits.values()) == len(sessions)
    assert got_entries == dict(entries)
    assert got_exits == dict(exits)


def test_scroll_depth_is_the_mean_of_each_pages_lines(demo, api):
    depths = defaultdict(list)
    for line in demo[2]:
        if line["name"] == "pageview":
            depths[_path(line)].append(line["scroll_depth"])
    rows = api("scroll-depth")
    assert len(rows) == len(depths) > 10
    for row in rows:
        values = depths[row["pathname"]]
        assert row["pageviews"] == len(values)
        assert row["scroll_depth"] == int(sum(values) / len(values) + 0.5)


def test_someone_is_on_the_site_in_the_last_30_minutes_even_at_night():
    """The realtime panel counts the visitors of the last 30 minutes; the daytime curve alone leaves 3 a.m. empty."""
    night = datetime(2026, 6, 20, 3, 0)
    lines = list(generate(DOMAIN, now=night))
    recent = {_visitor(x) for x in lines if night - datetime.fromisoformat(x["timestamp"]) <= timedelta(minutes=30)}
    assert len(recent) >= 4
    assert max(datetime.fromisoformat(x["timestamp"]) for x in lines) <= night
