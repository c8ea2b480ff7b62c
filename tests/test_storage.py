"""Every writer of events and the health probe reach storage through the seam: a store swapped in by
`storage.attach` (what the factory does for another engine) sees each of their operations.

The swapped-in store is the real DuckDB one with a ledger of calls on top, so the rows land
for real and each test also checks what was stored, read back through the store.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from clearanalytics import accounts, deletion, retention, storage
from clearanalytics.db import Database
from clearanalytics.health import check
from clearanalytics.ingest.importer import import_file
from clearanalytics.ingest.spool import encode
from clearanalytics.ingest.writer import Writer
from clearanalytics.storage import EVENT_TABLES, StorageConfigError, attach, open_store, store_of
from clearanalytics.storage.duckdb_store import DuckDBEventStore
from tests.test_storage_contract import _pageview

FAR = datetime(2100, 1, 1)


class LedgerStore(DuckDBEventStore):
    """The DuckDB store, noting which seam operation each caller used."""

    def __init__(self, db: Database):
        super().__init__(db)
        self.calls: list[tuple] = []

    def write_batch(self, records, *, idempotent=False):
        self.calls.append(("write_batch", len(records.rows["pageviews"]), idempotent))
        super().write_batch(records, idempotent=idempotent)

    def delete_events(self, site_ids, *, goal_ids=(), within=None):
        self.calls.append(("delete_events", sorted(site_ids), within is not None))
        return super().delete_events(site_ids, goal_ids=goal_ids, within=within)

    def retain(self, site, cutoff_day, cutoff_utc, now):
        self.calls.append(("retain", site.domain, cutoff_day))
        return super().retain(site, cutoff_day, cutoff_utc, now)

    def run_report(self, query, report, *, cur=None, **params):
        self.calls.append(("run_report", report, cur is not None))
        return super().run_report(query, report, cur=cur, **params)

    def backfill_goal(self, goal, *, within=None):
        self.calls.append(("backfill_goal", goal.name, within is not None))
        return super().backfill_goal(goal, within=within)

    def delete_goal_events(self, goal_id, *, within=None):
        self.calls.append(("delete_goal_events", within is not None))
        return super().delete_goal_events(goal_id, within=within)

    def probe(self):
        self.calls.append(("probe",))
        super().probe()


@pytest.fixture
def setup(tmp_path):
    db = Database(tmp_path / "db.duckdb")
    with db.transaction() as cur:
        tenant = accounts.create_tenant(cur, "t", "T")
        site = accounts.create_site(cur, tenant, "example.com")
    store = attach(db, LedgerStore(db))
    yield db, store, site
    db.close()


def _records(site, *paths_and_times):
    from clearanalytics.ingest.store import Records

    records = Records()
    for n, (path, at) in enumerate(paths_and_times):
        records.rows["pageviews"].append(_pageview(f"p{n}-{path}", site, f"v{n}", path, at))
    return records


def test_the_live_writer_commits_and_replays_through_the_store(setup, tmp_path):
    db, store, site = setup
    spool = tmp_path / "spool"
    spool.mkdir()
    leftover = _records(site, ("/a", datetime(2026, 3, 1, 10)), ("/b", datetime(2026, 3, 1, 11)))
    (spool / "20260301000000000000-1-000001.jsonl").write_text(encode(leftover))  # a crash left it
    writer = Writer(db, spool, interval=60)
    assert writer.start() == 1
    writer.submit(_records(site, ("/c", datetime(2026, 3, 2, 10))))
    assert writer.flush() == 1
    writer.close()
    assert store.calls == [("write_batch", 2, True), ("write_batch", 1, False)]
    assert store.count_events([site.id], before=FAR)["pageviews"] == 3


def test_an_import_writes_its_batches_through_the_store(setup, tmp_path):
    db, store, site = setup
    lines = [
        {"name": "pageview", "url": f"https://example.com/{i}", "timestamp": f"2026-03-0{i}T10:00:00Z"}
        | {"ip": f"10.0.0.{i}", "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"}
        for i in (1, 2, 3)
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = import_file(db, path, site_domain="example.com")
    assert report.accepted == 3
    assert store.calls == [("write_batch", 3, False)]
    assert store.count_events([site.id], before=FAR) == {
        "pageviews": 3,
        "events": 0,
        "ecommerce_events": 0,
        "goal_completions": 0,
    }


def test_removing_a_site_deletes_its_events_through_the_store_in_the_same_transaction(setup):
    db, store, site = setup
    store.write_batch(_records(site, ("/a", datetime(2026, 3, 1, 10))))
    removal = deletion.remove_site(db, site)
    assert store.calls[-1] == ("delete_events", [site.id], True)
    assert removal.rows["pageviews"] == 1 and removal.rows["sites"] == 1
    assert store.count_events([site.id], before=FAR) == dict.fromkeys(EVENT_TABLES, 0)


def test_retention_asks_the_store_to_retain(setup):
    db, store, site = setup
    store.write_batch(_records(site, ("/old", datetime(2026, 1, 10, 10)), ("/new", datetime(2026, 3, 9, 10))))
    with db.transaction() as cur:
        retention.set_months(cur, site, 1)
    plans = retention.apply(db, now=datetime(2026, 3, 10, 12))
    assert [(p.site.domain, p.rows["pageviews"]) for p in plans] == [("example.com", 1)]
    assert store.calls[-1] == ("retain", "example.com", date(2026, 2, 10))
    assert store.count_events([site.id], before=FAR)["pageviews"] == 1


def test_healthz_probes_the_store(setup):
    db, store, _ = setup
    assert check(db, None) == (200, {"status": "ok", "stores": {"events": {"kind": "duckdb", "status": "ok"}}})
    assert store.calls == [("probe",)]


def test_the_factory_keeps_duckdb_as_the_default_and_names_an_unknown_events_url(setup):
    db, store, _ = setup
    assert open_store({}, db) is store is store_of(db)
    assert isinstance(store_of(Database.__new__(Database)), DuckDBEventStore)  # nothing attached: the file's own
    with pytest.raises(StorageConfigError, match="events_url"):
        open_store({"EVENTS_URL": "clickhouse://localhost:8123"}, db)


def test_the_app_holds_the_store_and_ingest_writes_through_it(tmp_path):
    from tests.app_helpers import new_app

    app = new_app(tmp_path / "data", secret_key="x" * 32)
    try:
        store = app.extensions["clearanalytics.store"]
        service = app.extensions["clearanalytics.ingest"]
        assert store is store_of(app.extensions["clearanalytics.db"])
        assert service.writer.store is store and service.pipeline.store is store
    finally:
        app.extensions["clearanalytics.ingest"].close()
        app.extensions["clearanalytics.db"].close()


def test_the_report_runner_asks_the_apps_store(setup):
    from flask import Flask

    from clearanalytics.stats.query import Query

    db, store, site = setup
    store.write_batch(_records(site, ("/a", datetime(2026, 3, 1, 10)), ("/b", datetime(2026, 3, 2, 10))))
    query = Query((site,), "custom", date(2026, 3, 1), date(2026, 3, 2), datetime(2026, 3, 10))
    app = Flask(__name__)
    app.extensions["clearanalytics.store"] = store
    with db.reading() as cur:
        outside = storage.run_report(cur, query, "pages")  # no app: DuckDB on the cursor
        assert store.calls == [("write_batch", 2, False)]
        with app.app_context():
            inside = storage.run_report(cur, query, "pages")
    assert store.calls[1:] == [("run_report", "pages", True)]
    assert inside == outside
    assert [(r["pathname"], r["pageviews"]) for r in inside] == [("/a", 1), ("/b", 1)]


def test_adding_and_removing_a_goal_writes_completions_through_the_store(setup):
    from clearanalytics.ingest.goalmatch import add_goal, remove_goal

    db, store, site = setup
    store.write_batch(_records(site, ("/pricing", datetime(2026, 3, 1, 10)), ("/a", datetime(2026, 3, 1, 11))))
    goal, backfilled = add_goal(db, site.id, "Pricing", "url", {"path": "/pricing"})
    assert backfilled == 1
    assert store.count_events([site.id], before=FAR)["goal_completions"] == 1
    assert remove_goal(db, goal.id)
    assert store.calls[1:] == [("backfill_goal", "Pricing", True), ("delete_goal_events", True)]
    assert store.count_events([site.id], before=FAR)["goal_completions"] == 0
