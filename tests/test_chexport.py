"""Exports and site status on the ClickHouse store give DuckDB's bytes and answers (issue [4/7]).

The export tests' dataset (tests/export_dataset.py: two tenants, a UTC site and a New York one,
formula and quoting traps, money, e-commerce items, goals with JSON configs, NULLs) is loaded into a
DuckDB data dir and, row for row, into a ClickHouse database on chdb (tests/chstore_helpers.py), with
a few rows more: events (for the installation counts), pageviews on the exact edges of a New York
day (one microsecond in and out), and an empty site. The accounts are the data dir's for both.
Each page is asked of both stores (`EventStore.export_text`) and the bytes must be equal, and the
rows parsed from them equal the dataset's own rows, computed here independently of both stores.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import PASSWORD, run_cli

from clearanalytics import accounts
from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.ingest.store import COLUMNS
from clearanalytics.pgaccounts import PgDatabase
from clearanalytics.stats import exports
from clearanalytics.stats.exports import parse_export
from clearanalytics.storage import ACCOUNT_TABLES, EVENT_TABLES
from clearanalytics.storage.clickhouse_store import ClickHouseEventStore
from clearanalytics.storage.duckdb_store import DuckDBEventStore
from tests.app_helpers import close_app, new_app
from tests.chstore_helpers import chdb_missing, new_store, serve_events_from
from tests.dashboard_helpers import login
from tests.export_dataset import (
    ROUTES,
    Seeded,
    expected_csv,
    expected_json,
    expected_rows,
    insert_rows,
    seed_exports,
    ulid_at,
)

pytestmark = pytest.mark.skipif(chdb_missing() is not None, reason=str(chdb_missing()))

NEW_YORK = ZoneInfo("America/New_York")


@dataclass
class Both:
    seeded: Seeded
    db: Database  # the data dir: accounts of both stores, events of the DuckDB one
    duck: DuckDBEventStore
    ch: ClickHouseEventStore
    sites: dict[str, list[Site]]  # tenant slug -> its sites
    cut_day: str  # a New York day whose edges have pageviews one microsecond in and out
    copies: dict[str, Path]  # closed copies of the data dir: "duckdb", "clickhouse" (the apps), "split"

    def page(self, table: str, fmt: str, tenant: str = "acme", **params: str) -> tuple[str, str]:
        """(DuckDB's text, ClickHouse's text) of one export page."""
        page = parse_export(table, params, self.sites[tenant], now=self.seeded.now)
        cur = self.db.cursor()
        try:
            duck = "".join(self.duck.export_text(page, fmt, cur=cur))
        finally:
            cur.close()
        return duck, "".join(self.ch.export_text(page, fmt))


def ch_insert(store: ClickHouseEventStore, table: str, rows: list[dict]) -> None:
    """The dataset's rows as they are, straight into ClickHouse (DuckDB's got them through read_json)."""
    columns = COLUMNS[table]
    values = [
        tuple(Decimal(r[c]) if c == "value" and r.get(c) is not None else r.get(c) for c in columns) for r in rows
    ]
    store.client.insert(f"{store.db}.{table}", values, column_names=list(columns))


def _edge_pageviews(seeded: Seeded, shop: str, day: datetime) -> list[dict]:
    """shop's pageviews one microsecond either side of both edges of New York day `day` (UTC times)."""
    start = day.replace(tzinfo=NEW_YORK).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    end = (day + timedelta(days=1)).replace(tzinfo=NEW_YORK).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    template = next(r for r in seeded.rows["pageviews"] if r["site_id"] == shop and r["utm_term"] is None)
    moments = [start - timedelta(microseconds=1), start, end - timedelta(microseconds=1), end]
    return [template | {"id": ulid_at(m), "created_at": m, "pathname": f"/edge{i}"} for i, m in enumerate(moments)]


def _events(seeded: Seeded) -> list[dict]:
    """Custom events, for the installation counts (the exports leave them out): 5, 3 and 1 per site."""
    rows = []
    for n, site_id in enumerate(sorted(seeded.domains)):
        for i in range(5 - 2 * n):
            moment = seeded.now - timedelta(hours=n, minutes=i)
            rows.append({"id": ulid_at(moment), "site_id": site_id, "visitor_hash": f"v{i}", "session_hash": f"s{i}",
                         "pageview_id": None, "name": "Signup", "hostname": "h", "pathname": "/",
                         "props": json.dumps({"plan": "pro", "n": i}), "created_at": moment})  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> Iterator[Both]:
    if chdb_missing():
        pytest.skip(chdb_missing())
    root = tmp_path_factory.mktemp("chexport")
    data_dir = root / "data"
    seeded = seed_exports(data_dir, pageviews=900)  # every 150 s back from 2 days ago: 37.5 hours
    assert run_cli("site", "add", "empty.example", "--data-dir", data_dir, "--tenant", "globex").exit_code == 0
    shop = next(site_id for site_id, domain in seeded.domains.items() if domain == "shop.example.org")
    day = datetime.combine((seeded.now - timedelta(days=3)).date(), datetime.min.time())
    extra = {"pageviews": _edge_pageviews(seeded, shop, day), "events": _events(seeded)}
    for table, rows in extra.items():
        insert_rows(data_dir, table, rows)
        seeded.rows.setdefault(table, []).extend(rows)
    copies = {name: shutil.copytree(data_dir, root / name) for name in ("duckdb", "clickhouse", "split")}
    db = Database.in_data_dir(data_dir)
    store, _ = new_store(db)
    for table in EVENT_TABLES:
        ch_insert(store, table, seeded.rows.get(table, []))
    with db.reading() as cur:
        sites = {
            slug: sorted((accounts.get_site(cur, seeded.domains[i]) for i in ids), key=lambda s: s.id)
            for slug, ids in seeded.tenant_sites.items()
        }
        sites["globex"].append(accounts.get_site(cur, "empty.example"))
    try:
        yield Both(seeded, db, DuckDBEventStore(db), store, sites, day.date().isoformat(), copies)
    finally:
        store.close()
        db.close()


def _parsed(table: str, fmt: str, text: str) -> list:
    if fmt == "jsonl":
        assert text == "" or text.endswith("\n")
        return [json.loads(line) for line in text.splitlines()]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [c.name for c in exports.TABLES[table]]
    return rows[1:]


def _expected(both: Both, table: str, fmt: str, tenant: str = "acme", keep=None) -> list:
    encode = expected_json if fmt == "jsonl" else expected_csv
    return [encode(both.seeded, table, row) for row in expected_rows(both.seeded, table, tenant, keep)]


# --- the pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("table", ["pageviews", "goals", "goal_completions", "ecommerce_events"])
def test_every_table_gives_the_same_bytes_on_both_stores(both, table, fmt):
    duck, ch = both.page(table, fmt)
    assert ch == duck
    expected = _expected(both, table, fmt)
    assert _parsed(table, fmt, ch) == expected
    sizes = {"pageviews": 900 + 4, "goals": 3, "goal_completions": 25, "ecommerce_events": 22}
    assert len(expected) == sizes[table]  # acme's rows: the dataset's, counted by hand


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_text_of_awkward_values_is_the_same(both, fmt):
    """Formula cells, quotes and line breaks, money, items, NULLs, booleans and sub-second times."""
    text = {table: both.page(table, fmt)[1] for table in ("pageviews", "ecommerce_events", "goals")}
    assert text == {table: both.page(table, fmt)[0] for table in text}
    if fmt == "csv":
        assert "'=1+2" in text["pageviews"] and '"say ""hi"", then\nnew line"' in text["pageviews"]
        assert ",99.98,EUR,true," in text["ecommerce_events"] and ",USD,false," in text["ecommerce_events"]
        assert ",'=Purchase goal,event," in text["goals"]
    else:
        assert '"utm_campaign":"=1+2"' in text["pageviews"] and '"referrer":null' in text["pageviews"]
        assert '"value":99.98,"currency":"EUR","in_site_currency":true' in text["ecommerce_events"]
        assert (
            '"items":[{"item_id":"SKU-0","item_name":"Pro, \\"Annual\\"","price":49.99,"quantity":1},'
            in (text["ecommerce_events"])
        )
        assert '"config":{"event_name":"purchase"},"is_active":true' in text["goals"]
        edges = {r["pathname"]: r["created_at"][11:] for r in _parsed("pageviews", fmt, text["pageviews"])}
        times = [edges[f"/edge{i}"] for i in range(4)]
        assert times == ["04:59:59Z", "05:00:00Z", "04:59:59Z", "05:00:00Z"]  # truncated, never rounded


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_cursor_walk_in_small_pages_and_chunks(both, fmt, monkeypatch):
    """Pages of 70 read in chunks of 30 (CHUNK_ROWS lowered for both stores): every page the same bytes."""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 30)
    rows, pages, cursor = [], 0, None
    while True:
        params = {"limit": "70"} | ({"cursor": cursor} if cursor else {})
        duck, ch = both.page("pageviews", fmt, **params)
        assert ch == duck
        page = _parsed("pageviews", fmt, ch)
        rows += page
        pages += 1
        if len(page) < 70:
            break
        cursor = page[-1]["id"] if fmt == "jsonl" else page[-1][0]
    assert rows == _expected(both, "pageviews", fmt)
    assert pages == 904 // 70 + 1  # 12 full pages and one of 64


def test_a_date_range_cutting_a_new_york_day(both):
    """One day: New York's from its local midnight (UTC 05:00 in winter) for shop, UTC's for example.com."""
    day = both.cut_day
    duck, ch = both.page("pageviews", "jsonl", **{"from": day, "to": day})
    assert ch == duck

    def local_day(row: dict) -> str:
        zone = NEW_YORK if both.seeded.domains[row["site_id"]] == "shop.example.org" else ZoneInfo("UTC")
        return row["created_at"].replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date().isoformat()

    expected = _expected(both, "pageviews", "jsonl", keep=lambda row: local_day(row) == day)
    got = _parsed("pageviews", "jsonl", ch)
    assert got == expected
    shop = [r for r in got if r["domain"] == "shop.example.org"]
    assert [r["pathname"] for r in shop if r["pathname"].startswith("/edge")] == ["/edge1", "/edge2"]
    assert len(shop) > 50 and len(got) - len(shop) > 100  # both sites have rows that day
    utc_day = [r for r in both.seeded.rows["pageviews"] if r["created_at"].date().isoformat() == day]
    assert any(local_day(r) != day for r in utc_day)  # the UTC day and New York's do differ here


def test_a_server_without_the_top_k_settings_gets_none_and_the_same_bytes(both, monkeypatch):
    """The chunk's top-k settings go only to a server that lists them (an unknown setting fails a query)."""
    assert both.ch._export_top_k(5000) == {
        "use_top_k_dynamic_filtering": 1,
        "use_top_k_dynamic_filtering_for_variable_length_types": 1,
        "query_plan_max_limit_for_top_k_optimization": 5000,
    }
    with_them = both.page("pageviews", "jsonl", limit="300")[1]
    monkeypatch.setattr(both.ch.client, "server_settings", {})
    assert both.ch._export_top_k(5000) == {}
    assert both.page("pageviews", "jsonl", limit="300") == (with_them, with_them)


def test_another_tenant_and_an_empty_range(both):
    duck, ch = both.page("goal_completions", "csv", tenant="globex")
    assert ch == duck and len(_parsed("goal_completions", "csv", ch)) == 12
    duck, ch = both.page("pageviews", "csv", **{"from": "2020-01-01", "to": "2020-01-02"})
    assert ch == duck == "id,domain," + duck.split("domain,", 1)[1] and duck.count("\r\n") == 1  # the header alone


def test_engagement_appended_after_the_pageview(tmp_path):
    """Engagement rows written after their pageviews (ClickHouse: appended rows) reach the export folded in."""
    seeded = seed_exports(tmp_path / "data", pageviews=40)
    db = Database.in_data_dir(tmp_path / "data")
    duck, (ch, _) = DuckDBEventStore(db), new_store(db)
    try:
        for table in EVENT_TABLES:
            ch_insert(ch, table, seeded.rows.get(table, []))
        acme = expected_rows(seeded, "pageviews", "acme")  # in the default range, in id order
        a, b, c = acme[3], acme[17], acme[31]  # in the first, the third and the fifth page of 7
        calls = [
            [(a["id"], a["duration"] + 100, 90), (b["id"], 0, None)],  # b: lower, no scroll: nothing changes
            [(c["id"], c["duration"] + 5, 10), (a["id"], a["duration"] + 50, None)],
            [(c["id"], c["duration"] + 3, None), ("UNKNOWN", 999, 99)],
        ]
        for updates in calls:
            for store in (duck, ch):
                store.apply_engagements(updates)
        engaged = {
            a["id"]: (a["duration"] + 100, max(90, a["scroll_depth"] or 0)),
            b["id"]: (b["duration"], b["scroll_depth"]),
            c["id"]: (c["duration"] + 5, max(10, c["scroll_depth"] or 0)),
        }
        sites = _sites(db, seeded, "acme")
        for fmt in ("jsonl", "csv"):
            cursor, pages = None, 0
            while True:
                page = parse_export("pageviews", {"limit": "7"} | ({"cursor": cursor} if cursor else {}), sites)
                with db.reading() as cur:
                    duck_page = "".join(duck.export_text(page, fmt, cur=cur))
                ch_page = "".join(ch.export_text(page, fmt))
                assert ch_page == duck_page
                rows = _parsed("pageviews", fmt, ch_page)
                pages += 1
                if len(rows) < 7:
                    break
                cursor = rows[-1]["id"] if fmt == "jsonl" else rows[-1][0]
            assert pages == 6  # 40 rows: five pages of 7 and one of 5
        page = parse_export("pageviews", {}, sites)
        rows = {r["id"]: r for r in _parsed("pageviews", "jsonl", "".join(ch.export_text(page, "jsonl")))}
        assert {pid: (rows[pid]["duration"], rows[pid]["scroll_depth"]) for pid in engaged} == engaged
        assert len(rows) == len(acme) == 40
        assert ch.pageview(c["id"])[3:] == duck.pageview(c["id"])[3:] == engaged[c["id"]]
    finally:
        ch.close()
        db.close()


def _sites(db: Database, seeded: Seeded, tenant: str) -> list[Site]:
    with db.reading() as cur:
        return [accounts.get_site(cur, seeded.domains[i]) for i in sorted(seeded.tenant_sites[tenant])]


# --- site status ---------------------------------------------------------------------------------------


def test_installation_counts_on_both_stores(both):
    now = both.seeded.now - timedelta(days=1, hours=6)  # its last 24 hours cut the pageviews
    rows = both.seeded.rows
    for site in [s for tenant in both.sites.values() for s in tenant]:
        duck = both.duck.installation(site.id, now)
        ch = both.ch.installation(site.id, now)
        assert ch == duck
        pageviews = [r["created_at"] for r in rows["pageviews"] if r["site_id"] == site.id]
        assert (ch.pageviews, ch.last_pageview_at, ch.pageviews_24h) == (
            len(pageviews),
            max(pageviews, default=None),
            sum(at >= now - timedelta(hours=24) for at in pageviews),
        )
        assert ch.events == sum(r["site_id"] == site.id for r in rows["events"])
        assert ch.ecommerce_events == sum(r["site_id"] == site.id for r in rows["ecommerce_events"])
    by_domain = {s.domain: both.ch.installation(s.id, now) for tenant in both.sites.values() for s in tenant}
    assert by_domain["example.com"].pageviews == 600 + 12 and by_domain["shop.example.org"].pageviews == 300 + 4
    assert 0 < by_domain["example.com"].pageviews_24h < 600
    empty = by_domain["empty.example"]
    assert (empty.pageviews, empty.last_pageview_at, empty.has_data) == (0, None, False)  # never 1970-01-01


def test_goal_completion_totals_on_both_stores(both):
    for tenant, sites in both.sites.items():
        ids = [s.id for s in sites]
        expected = Counter(r["goal_id"] for r in both.seeded.rows["goal_completions"] if r["site_id"] in ids)
        assert both.ch.goal_completion_totals(ids) == both.duck.goal_completion_totals(ids) == dict(expected)
        assert sum(expected.values()) == {"acme": 25, "globex": 12}[tenant]
    assert both.ch.goal_completion_totals([]) == both.duck.goal_completion_totals([]) == {}


# --- through the app: the routes and the dashboard ask the app's store -----------------------------------------


@pytest.fixture(scope="module")
def apps(both):
    """The same accounts in two apps: one on its DuckDB file, one whose events are the ClickHouse store's
    (its file's event rows deleted, so nothing can be answered from them)."""
    duck_app = new_app(both.copies["duckdb"], rate_limit="100000/minute")
    ch_app = new_app(both.copies["clickhouse"], rate_limit="100000/minute")
    db = ch_app.extensions["clearanalytics.db"]
    store = serve_events_from(ch_app, lambda: ClickHouseEventStore(both.ch.address, db))
    try:
        yield duck_app, ch_app
    finally:
        close_app(duck_app)
        close_app(ch_app)
        store.close()


def _get(app, path: str, token: str, **params):
    return app.test_client().get(path, query_string=params, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("table", list(ROUTES))
def test_the_export_routes_answer_the_same_from_either_store(both, apps, table):
    token = both.seeded.acme.token
    for fmt in ("jsonl", "csv"):
        cursor, walked = None, 0
        while True:
            params = {"format": fmt, "limit": "400"} | ({"cursor": cursor} if cursor else {})
            duck, ch = (_get(app, f"/api/v1/export/{ROUTES[table]}", token, **params) for app in apps)
            assert (ch.status_code, ch.headers["Content-Type"], ch.data) == (
                200,
                duck.headers["Content-Type"],
                duck.data,
            )
            rows = _parsed(table, fmt, ch.data.decode())
            walked += len(rows)
            if len(rows) < 400:
                break
            cursor = rows[-1]["id"] if fmt == "jsonl" else rows[-1][0]
        sizes = {"pageviews": 904, "goals": 3, "goal_completions": 25, "ecommerce_events": 22, "events": 21 + 8}
        assert walked == sizes[table]  # events: the dataset's 21 of acme in range and this module's 5 + 3


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/v1/export/bigquery-schema", {}),
        ("/api/v1/export/bigquery-schema", {"table": "ecommerce_events"}),
        ("/api/v1/export/powerbi-schema", {}),
        ("/api/v1/export/powerbi-schema", {"format": "pqm", "base_url": "https://a.example/api/v1"}),
    ],
)
def test_the_schemas_are_the_same_whichever_store(both, apps, path, params):
    """They describe the columns, not the rows: the same text with either store behind the app."""
    duck, ch = (_get(app, path, both.seeded.acme.token, **params) for app in apps)
    assert ch.status_code == duck.status_code == 200 and ch.data == duck.data
    if params.get("table"):
        assert [field["name"] for field in ch.json] == [c.name for c in exports.TABLES["ecommerce_events"]]


def test_the_dashboard_status_and_goal_totals_come_from_the_store(both, apps):
    pages = []
    for app in apps:
        client = app.test_client()
        assert login(client, both.seeded.acme.email, PASSWORD).status_code == 302
        status = client.get("/dashboard/acme/shop.example.org/data/installation").json["data"]
        goals_page = re.sub(r'(value|content)="[^"]+"', "", client.get("/dashboard/acme/settings/goals").text)  # CSRF
        pages.append((status, goals_page))
    assert pages[1] == pages[0]
    assert pages[1][0]["pageviews"] == 304 and pages[1][0]["ecommerce_events"] == 7
    assert pages[1][0]["installed"] is True
    totals = sorted(int(n.replace(",", "")) for n in re.findall(r"data-completions>([\d,]+)<", pages[1][1]))
    assert totals == [0, 12, 13]  # Old goal, =Purchase goal (shop: i % 3 == 1 of 37), Signup (i % 3 == 0)


# --- accounts apart: PostgreSQL --------------------------------------------------------------------------


def _copy_accounts(source: Database, target: PgDatabase) -> None:
    """The rows the exports read of the accounts (tenants, sites, goals), same ids, into PostgreSQL."""
    with source.reading() as cur, target.transaction() as pg:
        for table in ("tenants", "sites", "goals"):
            rows = cur.execute(f"SELECT * FROM {table}").fetchall()
            names = [d[0] for d in cur.description]
            marks = ", ".join("?" for _ in names)
            for row in rows:
                pg.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", list(row))


def test_accounts_in_postgresql_give_the_same_bytes_and_answers(both, pg_url):
    """Goals read on a PostgreSQL accounts database (plain SQL both engines read), beside ClickHouse events and
    beside a DuckDB events file without accounts tables: every table and status answer as the embedded file's."""
    pg = PgDatabase(pg_url)
    events = Database.in_data_dir(both.copies["split"])
    clickhouse = ClickHouseEventStore(both.ch.address, pg)
    try:
        _copy_accounts(both.db, pg)
        with events.transaction() as cur:
            for table in ACCOUNT_TABLES:  # any read of the accounts on the event side would now fail
                cur.execute(f"DROP TABLE {table}")
        stores = {
            "duckdb": DuckDBEventStore(events, accounts=pg),
            "clickhouse": clickhouse,
        }
        for table in ("pageviews", "goals", "goal_completions", "ecommerce_events"):
            for fmt in ("jsonl", "csv"):
                embedded = both.page(table, fmt, limit="500")[0]
                page = parse_export(table, {"limit": "500"}, both.sites["acme"], now=both.seeded.now)
                for name, store in stores.items():
                    assert "".join(store.export_text(page, fmt)) == embedded, (name, table, fmt)
        goals = _parsed("goals", "csv", "".join(stores["clickhouse"].export_text(page_of(both, "goals"), "csv")))
        assert [row[2] for row in goals] == ["Signup Page Visit", "'=Purchase goal", "Old goal"]
        now = both.seeded.now
        for site in both.sites["acme"] + both.sites["globex"]:
            answers = {name: store.installation(site.id, now) for name, store in stores.items()}
            assert answers["duckdb"] == answers["clickhouse"] == both.duck.installation(site.id, now)
        ids = [s.id for s in both.sites["acme"]]
        totals = {name: store.goal_completion_totals(ids) for name, store in stores.items()}
        assert totals["duckdb"] == totals["clickhouse"] == both.duck.goal_completion_totals(ids)
    finally:
        clickhouse.close()
        events.close()
        pg.close()


def page_of(both: Both, table: str) -> exports.ExportPage:
    return parse_export(table, {}, both.sites["acme"], now=both.seeded.now)
