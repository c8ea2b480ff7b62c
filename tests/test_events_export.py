"""The custom events table exported (issue [5/7] item 7): `/api/v1/export/events` on both event stores.

The export tests' dataset (tests/export_dataset.py: two tenants, a UTC site and a New York one; its
custom events carry names and props that CSV must quote or neutralise, non-ASCII text, nested props and
events without a pageview) is loaded into a DuckDB data dir and, row for row, into a ClickHouse database
on chdb, with events one microsecond either side of both edges of a New York day. Each page is asked of
both stores and through the route of an app on each: the bytes must be equal, and the rows parsed from
them equal the dataset's own, encoded here independently of both stores (`expected_json`/`expected_csv`).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clearanalytics import accounts
from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.exports.bigquery import bigquery_schema
from clearanalytics.exports.columns import TABLES
from clearanalytics.exports.powerbi import power_query_script, powerbi_schema
from clearanalytics.stats import exports
from clearanalytics.stats.exports import parse_export
from clearanalytics.storage import EVENT_TABLES
from clearanalytics.storage.clickhouse_store import ClickHouseEventStore
from clearanalytics.storage.duckdb_store import DuckDBEventStore
from tests.app_helpers import close_app, new_app
from tests.chstore_helpers import chdb_missing, new_store, serve_events_from
from tests.export_dataset import Seeded, expected_csv, expected_json, expected_rows, insert_rows, seed_exports, ulid_at
from tests.test_chexport import ch_insert

pytestmark = pytest.mark.skipif(chdb_missing() is not None, reason=str(chdb_missing()))

NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
COLUMNS = ["id", "domain", "visitor_hash", "session_hash", "pageview_id", "name", "hostname", "pathname", "props",
           "created_at"]  # fmt: skip


@dataclass
class Both:
    seeded: Seeded
    db: Database
    duck: DuckDBEventStore
    ch: ClickHouseEventStore
    sites: dict[str, list[Site]]
    cut_day: str  # a New York day with events one microsecond either side of both its edges
    copy: Path  # a closed copy of the data dir, for the apps

    def page(self, fmt: str, tenant: str = "acme", **params: str) -> tuple[str, str]:
        """(DuckDB's text, ClickHouse's text) of one page of the events export."""
        page = parse_export("events", params, self.sites[tenant], now=self.seeded.now)
        cur = self.db.cursor()
        try:
            duck = "".join(self.duck.export_text(page, fmt, cur=cur))
        finally:
            cur.close()
        return duck, "".join(self.ch.export_text(page, fmt))


def _edge_events(seeded: Seeded, shop: str, day: datetime) -> list[dict]:
    """shop's events one microsecond either side of both edges of New York day `day` (UTC times)."""
    start = day.replace(tzinfo=NEW_YORK).astimezone(UTC).replace(tzinfo=None)
    end = (day + timedelta(days=1)).replace(tzinfo=NEW_YORK).astimezone(UTC).replace(tzinfo=None)
    template = next(r for r in seeded.rows["events"] if r["site_id"] == shop)
    moments = [start - timedelta(microseconds=1), start, end - timedelta(microseconds=1), end]
    return [template | {"id": ulid_at(m), "created_at": m, "pathname": f"/edge{i}"} for i, m in enumerate(moments)]


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> Iterator[Both]:
    if chdb_missing():
        pytest.skip(chdb_missing())
    root = tmp_path_factory.mktemp("events-export")
    data_dir = root / "data"
    seeded = seed_exports(data_dir, pageviews=30)
    shop = next(site_id for site_id, domain in seeded.domains.items() if domain == "shop.example.org")
    day = datetime.combine((seeded.now - timedelta(days=3)).date(), datetime.min.time())
    edges = _edge_events(seeded, shop, day)
    insert_rows(data_dir, "events", edges)
    seeded.rows["events"].extend(edges)
    copy = shutil.copytree(data_dir, root / "copy")
    db = Database.in_data_dir(data_dir)
    store, _ = new_store(db)
    for table in EVENT_TABLES:
        ch_insert(store, table, seeded.rows.get(table, []))
    with db.reading() as cur:
        sites = {
            slug: sorted((accounts.get_site(cur, seeded.domains[i]) for i in ids), key=lambda s: s.id)
            for slug, ids in seeded.tenant_sites.items()
        }
    try:
        yield Both(seeded, db, DuckDBEventStore(db), store, sites, day.date().isoformat(), copy)
    finally:
        store.close()
        db.close()


def _parsed(fmt: str, text: str) -> list:
    if fmt == "jsonl":
        assert text == "" or text.endswith("\n")
        return [json.loads(line) for line in text.splitlines()]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == COLUMNS
    return rows[1:]


def _expected(both: Both, fmt: str, tenant: str = "acme", keep=None) -> list:
    encode = expected_json if fmt == "jsonl" else expected_csv
    return [encode(both.seeded, "events", row) for row in expected_rows(both.seeded, "events", tenant, keep)]


# --- the table's definition ----------------------------------------------------------------------------


def test_the_events_table_is_defined_for_every_target():
    assert [c.name for c in TABLES["events"]] == COLUMNS
    bigquery = {f["name"]: (f["type"], f["mode"]) for f in bigquery_schema()["events"]}
    assert bigquery == {
        "id": ("STRING", "REQUIRED"), "domain": ("STRING", "REQUIRED"), "visitor_hash": ("STRING", "REQUIRED"),
        "session_hash": ("STRING", "REQUIRED"), "pageview_id": ("STRING", "NULLABLE"),
        "name": ("STRING", "REQUIRED"), "hostname": ("STRING", "REQUIRED"), "pathname": ("STRING", "REQUIRED"),
        "props": ("JSON", "REQUIRED"), "created_at": ("TIMESTAMP", "REQUIRED"),
    }  # fmt: skip
    powerbi = {c["name"]: (c["type"], c["nullable"]) for c in powerbi_schema()["events"]}
    assert powerbi["props"] == ("Edm.String", False) and powerbi["pageview_id"] == ("Edm.String", True)
    assert powerbi["created_at"] == ("Edm.DateTimeOffset", False) and list(powerbi) == COLUMNS
    script = power_query_script("https://a.example/api/v1")
    section = script.split("        events = ", 1)[1].split("\n        )", 1)[0]
    assert 'Export("export/events")' in section
    assert 'Table.ReplaceValue(Export("export/events"), "", null, Replacer.ReplaceValue, {"pageview_id"})' in section
    assert '{"props", type text}' in section and '{"created_at", type datetimezone}' in section
    assert "ecommerce_events or events." in script


# --- the pages, store by store ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_both_stores_give_the_same_bytes_and_the_datasets_rows(both, fmt):
    duck, ch = both.page(fmt)
    assert ch == duck
    expected = _expected(both, fmt)
    assert _parsed(fmt, ch) == expected
    assert len(expected) == 21 + 4  # acme's sites: 31 recent events, 10 of them globex's; the 4 New York edges


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_text_of_awkward_names_and_props(both, fmt):
    duck, ch = both.page(fmt)
    assert ch == duck
    if fmt == "csv":
        assert ",'=Download,www.example.com," in ch and ',"Café, ""quoted""",www.example.com,' in ch
        assert ",{}," in ch and ',"{""plan"":""pro"",""seats"":3}",' in ch
        assert '""city"":""Zürich""' in ch and '""nested"":{""a"":[1,2]}}' in ch
        assert '""formula"":""=1+2""' in ch  # JSON cells are never neutralised
    else:
        assert '"name":"=Download"' in ch and '"name":"Café, \\"quoted\\""' in ch and '"props":{},' in ch
        assert '"props":{"plan":"pro","seats":3},' in ch and '"city":"Zürich"' in ch  # not \\u00fc
        assert '"props":{"url":"https://example.com/file.pdf?x=1","ok":true,"none":null},' in ch
        assert '"pageview_id":null,' in ch


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_cursor_walk_in_small_pages_and_chunks(both, fmt, monkeypatch):
    """Pages of 4 read in chunks of 3 (CHUNK_ROWS lowered for both stores): every page the same bytes."""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 3)
    rows, pages, cursor = [], 0, None
    while True:
        duck, ch = both.page(fmt, limit="4", **({"cursor": cursor} if cursor else {}))
        assert ch == duck
        page = _parsed(fmt, ch)
        rows += page
        pages += 1
        if len(page) < 4:
            break
        cursor = page[-1]["id"] if fmt == "jsonl" else page[-1][0]
    assert rows == _expected(both, fmt)
    assert pages == 25 // 4 + 1  # six full pages and one of 1


def test_a_date_range_cutting_a_new_york_day(both):
    """One day: New York's from its local midnight (05:00 UTC in winter, 04:00 in summer) for shop, UTC's
    for example.com; the events a microsecond before and at the end are out."""
    day = both.cut_day
    duck, ch = both.page("jsonl", **{"from": day, "to": day})
    assert ch == duck

    def local_day(row: dict) -> str:
        zone = NEW_YORK if both.seeded.domains[row["site_id"]] == "shop.example.org" else UTC
        return row["created_at"].replace(tzinfo=UTC).astimezone(zone).date().isoformat()

    got = _parsed("jsonl", ch)
    assert got == _expected(both, "jsonl", keep=lambda row: local_day(row) == day)
    assert [r["pathname"] for r in got if r["pathname"].startswith("/edge")] == ["/edge1", "/edge2"]
    old = both.page("csv", **{"from": "2020-01-01", "to": "2020-01-02"})
    assert old[0] == old[1] == ",".join(COLUMNS) + "\r\n"  # the header alone


def test_old_events_need_an_explicit_range(both):
    """The three events of 45-47 days ago are outside the default 30 days, inside an explicit range."""
    start = (both.seeded.now - timedelta(days=60)).date().isoformat()
    duck, ch = both.page("jsonl", **{"from": start})
    assert ch == duck
    got = _parsed("jsonl", ch)
    assert got == _expected(both, "jsonl", keep=lambda row: True)
    assert len(got) == 25 + 2  # i = 31 (shop) and 33 (example.com); 32 is globex's


def test_tenant_isolation(both):
    duck, ch = both.page("jsonl", tenant="globex")
    assert ch == duck
    got = _parsed("jsonl", ch)
    assert got == _expected(both, "jsonl", tenant="globex") and len(got) == 10
    assert {r["domain"] for r in got} == {"globex.test"}
    # acme's cursor set before globex's first event still reaches none of globex's rows
    first_globex = got[0]["id"]
    acme = _parsed("jsonl", both.page("jsonl", cursor=first_globex)[1])
    assert acme and {r["domain"] for r in acme} <= {"example.com", "shop.example.org"}


# --- through the route, an app on each store --------------------------------------------------------------


@pytest.fixture(scope="module")
def apps(both):
    """The same accounts in two apps: one on its DuckDB file, one whose events are the ClickHouse store's
    (the file's event rows deleted, so nothing can be answered from them)."""
    duck_app = new_app(both.copy, rate_limit="100000/minute")
    ch_dir = shutil.copytree(both.copy, both.copy.parent / "ch-copy")
    ch_app = new_app(ch_dir, rate_limit="100000/minute")
    db = ch_app.extensions["clearanalytics.db"]
    store = serve_events_from(ch_app, lambda: ClickHouseEventStore(both.ch.address, db))
    try:
        yield duck_app, ch_app
    finally:
        close_app(duck_app)
        close_app(ch_app)
        store.close()


def _get(app, token: str, path: str = "/api/v1/export/events", **params):
    return app.test_client().get(path, query_string=params, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_route_walks_the_same_bytes_from_either_store(both, apps, fmt):
    token = both.seeded.acme.token
    rows, cursor = [], None
    while True:
        params = {"format": fmt, "limit": "10"} | ({"cursor": cursor} if cursor else {})
        duck, ch = (_get(app, token, **params) for app in apps)
        kind = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
        assert (ch.status_code, ch.headers["Content-Type"], ch.data) == (200, f"{kind}; charset=utf-8", duck.data)
        page = _parsed(fmt, ch.data.decode())
        rows += page
        if len(page) < 10:
            break
        cursor = page[-1]["id"] if fmt == "jsonl" else page[-1][0]
    assert rows == _expected(both, fmt)


def test_the_route_checks_its_parameters_and_the_tenant(both, apps):
    token = both.seeded.acme.token
    for app in apps:
        one = _get(app, token, domain="shop.example.org")
        shop = [r for r in _expected(both, "jsonl") if r["domain"] == "shop.example.org"]
        assert one.status_code == 200 and _parsed("jsonl", one.data.decode()) == shop
        assert _get(app, token, domain="globex.test").status_code == 403
        for params, field in [({"format": "xml"}, "format"), ({"cursor": "zzz"}, "cursor"),
                              ({"limit": "0"}, "limit"), ({"from": "2026-13-01"}, "from")]:  # fmt: skip
            response = _get(app, token, **params)
            assert response.status_code == 422 and list(response.json["errors"]) == [field], params
        assert app.test_client().get("/api/v1/export/events").status_code == 401


def test_the_schemas_list_events_and_openapi_marks_it_an_extension(both, apps):
    for app in apps:
        token = both.seeded.acme.token
        bigquery = _get(app, token, "/api/v1/export/bigquery-schema", table="events")
        assert bigquery.status_code == 200 and [f["name"] for f in bigquery.json] == COLUMNS
        pqm = _get(app, token, "/api/v1/export/powerbi-schema", format="pqm", base_url="https://a.example/api/v1")
        assert 'events = Table.TransformColumnTypes(\n            Table.ReplaceValue(Export("export/events")' in (
            pqm.data.decode()
        )
        document = _get(app, token, "/api/v1/openapi.json").json
        summary = document["paths"]["/export/events"]["get"]["summary"]
        assert summary.endswith("An extension beyond the reference.")
        assert not document["paths"]["/export/pageviews"]["get"]["summary"].endswith("reference.")
