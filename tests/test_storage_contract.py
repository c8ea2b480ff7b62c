"""The EventStore contract (clearanalytics.storage), run against every implementation.

Written against the interface alone: each backend below yields an accounts database (sites and
goals are made through clearanalytics.accounts/goals) and an event store; every check reads the
events back through the store (count_events, run_report, pageview, purchase_transactions), with
exact numbers from the small dataset below. The ClickHouse store runs on chdb (tests/chstore_helpers.py);
it answers no report yet ([4/7]'s report port is a later step), so the checks that read a report
use the `reads_reports` fixture, with which `backend` skips such a backend with the reason printed
(REPORTS_PENDING), and each has a twin below without the report lines that runs on every backend.

The dataset (all UTC): site A (a.example, UTC) with a url goal on /pricing, site B (b.example).
    A  p1 v1 s1 /         2026-03-01 10:00  10 s
    A  p2 v1 s1 /pricing  2026-03-01 10:05   0 s   -> one goal completion
    A  e1 v1 s1 signup    2026-03-01 10:06
    A  p3 v2 s2 /         2026-03-02 09:00   5 s
    A  x1 v2 s2 purchase  2026-03-02 09:10  T1, 30 EUR
    A  p4 v3 s3 /blog     2026-03-03 12:00   0 s
    B  q1 v9 s9 /         2026-03-01 11:00
    B  q2 v8 s8 /x        2026-03-02 11:00
A over 1-3 March: 3 visitors, 4 pageviews, 3 sessions, 1 bounce (s3; s2 has a purchase), 15 s.
(Visitor hashes are salted per day and sessions end after 30 minutes: none crosses a day.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from clearanalytics import accounts, goals
from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.ingest.store import COLUMNS, Records
from clearanalytics.migrations import MIGRATIONS, SchemaTooNewError
from clearanalytics.stats.query import Query
from clearanalytics.storage import EVENT_TABLES, EventStore, open_store

NOW = datetime(2026, 3, 10, 12, 0)
FAR = datetime(2100, 1, 1)
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 3)
NOTHING = dict.fromkeys(EVENT_TABLES, 0)


@dataclass
class Backend:
    accounts: Database  # sites and goals live here (in DuckDB: the same file as the events)
    store: EventStore
    migrations: list[str]  # what opening a fresh store applied
    expected_migrations: list[str]  # this implementation's whole list
    mark_schema_newer: Callable[[], None]  # make the store's ledger claim a version this code does not know


def _duckdb(tmp_path) -> Backend:
    db = Database(tmp_path / "events.duckdb")

    def newer() -> None:
        with db.transaction() as cur:
            cur.execute("INSERT INTO schema_version VALUES (?, 'm999_future', now())", [len(MIGRATIONS) + 1])

    return Backend(db, open_store({}, db), db.applied_migrations, [m.__name__ for m in MIGRATIONS], newer)


def _chdb(tmp_path) -> Backend:
    from clearanalytics.storage.clickhouse_schema import MIGRATIONS as CH_MIGRATIONS
    from tests.chstore_helpers import accounts_db, chdb_missing, new_store

    if chdb_missing():
        pytest.skip(chdb_missing())
    db = accounts_db(tmp_path)
    store, applied = new_store(db)

    def newer() -> None:
        store.client.insert(
            f"{store.db}.schema_version",
            [(len(CH_MIGRATIONS) + 1, "c999_future", NOW)],
            ["version", "name", "applied_at"],
        )

    return Backend(db, store, applied, [m.__name__ for m in CH_MIGRATIONS], newer)


BACKENDS: dict[str, Callable[..., Backend]] = {"duckdb": _duckdb, "chdb": _chdb}
# Backends that answer no report yet, and why: the report checks skip them with this reason.
REPORTS_PENDING: dict[str, str] = {}  # backend -> why it answers no reports (none now)


def _open(name: str, tmp_path) -> Iterator[Backend]:
    made = BACKENDS[name](tmp_path)
    yield made
    made.store.close()
    made.accounts.close()


@pytest.fixture
def reads_reports() -> None:
    """Marks a test that reads reports (run_report): `backend` skips a backend without them, saying why."""


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path) -> Iterator[Backend]:
    if "reads_reports" in request.fixturenames and request.param in REPORTS_PENDING:
        pytest.skip(REPORTS_PENDING[request.param])
    yield from _open(request.param, tmp_path)


@dataclass
class Dataset:
    a: Site
    b: Site
    goal_id: str
    records: Records


def _row(table: str, **values) -> tuple:
    return tuple(values.get(column) for column in COLUMNS[table])


def _pageview(pid: str, site: Site, visitor: str, path: str, at: datetime, duration: int = 0) -> tuple:
    return _row(
        "pageviews",
        id=pid,
        site_id=site.id,
        visitor_hash=visitor,
        session_hash="s" + visitor[1:],
        hostname=site.domain,
        pathname=path,
        referrer_source="Direct",
        channel="Direct",
        browser="Firefox",
        os="Linux",
        device_type="Desktop",
        language="en",
        duration=duration,
        created_at=at,
    )


def _dataset(backend: Backend) -> Dataset:
    with backend.accounts.transaction() as cur:
        tenant = accounts.create_tenant(cur, "t", "T")
        a = accounts.create_site(cur, tenant, "a.example")
        b = accounts.create_site(cur, tenant, "b.example", timezone="Europe/Berlin")
        goal = goals.create_goal(cur, a.id, "Pricing", "url", {"path": "/pricing"})
    records = Records()
    records.rows["pageviews"] += [
        _pageview("p1", a, "v1", "/", datetime(2026, 3, 1, 10, 0), 10),
        _pageview("p2", a, "v1", "/pricing", datetime(2026, 3, 1, 10, 5)),
        _pageview("p3", a, "v2", "/", datetime(2026, 3, 2, 9, 0), 5),
        _pageview("p4", a, "v3", "/blog", datetime(2026, 3, 3, 12, 0)),
        _pageview("q1", b, "v9", "/", datetime(2026, 3, 1, 11, 0)),
        _pageview("q2", b, "v8", "/x", datetime(2026, 3, 2, 11, 0)),
    ]
    records.rows["events"].append(
        _row(
            "events",
            id="e1",
            site_id=a.id,
            visitor_hash="v1",
            session_hash="s1",
            pageview_id="p2",
            name="signup",
            hostname=a.domain,
            pathname="/pricing",
            props="{}",
            created_at=datetime(2026, 3, 1, 10, 6),
        )
    )
    records.rows["ecommerce_events"].append(
        _row(
            "ecommerce_events",
            id="x1",
            site_id=a.id,
            visitor_hash="v2",
            session_hash="s2",
            pageview_id="p3",
            event_type="purchase",
            transaction_id="T1",
            value=30.0,
            currency="EUR",
            items=json.dumps([{"sku": "K", "price": 30, "quantity": 1}]),
            in_site_currency=True,
            created_at=datetime(2026, 3, 2, 9, 10),
        )
    )
    return Dataset(a, b, goal.id, records)


def _query(site: Site) -> Query:
    return Query((site,), "custom", FIRST, LAST, NOW)


def _raw(store: EventStore, site: Site) -> dict[str, int]:
    return store.count_events([site.id], before=FAR)


def _overview(store: EventStore, site: Site) -> dict:
    (row,) = store.run_report(_query(site), "overview")
    return {k: int(v) for k, v in row.items()}


A_RAW = {"pageviews": 4, "events": 1, "ecommerce_events": 1, "goal_completions": 1}
B_RAW = {"pageviews": 2, "events": 0, "ecommerce_events": 0, "goal_completions": 0}
A_OVERVIEW = {"visitors": 3, "pageviews": 4, "sessions": 3, "bounces": 1, "total_duration": 15}


def _retain_site_a_before_2_march(backend: Backend, data: Dataset) -> date:
    """Write the dataset, then retain site A from 2 March: what it deletes and keeps, on every backend."""
    backend.store.write_batch(data.records)
    cutoff = date(2026, 3, 2)
    assert backend.store.count_events([data.a.id], before=datetime(2026, 3, 2)) == {
        "pageviews": 2,
        "events": 1,
        "ecommerce_events": 0,
        "goal_completions": 1,
    }
    deleted = backend.store.retain(data.a, cutoff, datetime(2026, 3, 2), NOW)
    assert deleted == {"pageviews": 2, "events": 1, "ecommerce_events": 0, "goal_completions": 1}
    assert _raw(backend.store, data.a) == {"pageviews": 2, "events": 0, "ecommerce_events": 1, "goal_completions": 0}
    return cutoff


def _delete_site_a(backend: Backend, data: Dataset) -> None:
    """Delete site A's events (and its goal's completions): exactly what count_events counted, all of it."""
    counted = backend.store.count_events([data.a.id], goal_ids=[data.goal_id])
    deleted = backend.store.delete_events([data.a.id], goal_ids=[data.goal_id])
    assert deleted == counted
    assert {t: deleted[t] for t in EVENT_TABLES} == A_RAW
    assert _raw(backend.store, data.a) == NOTHING


def test_write_batch_twice_stores_it_once(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    backend.store.write_batch(data.records, idempotent=True)  # a spool replay of a committed segment
    assert _raw(backend.store, data.a) == A_RAW  # the /pricing goal completion settled at commit, once
    assert _raw(backend.store, data.b) == B_RAW
    assert backend.store.purchase_transactions() == {data.a.id: {"T1"}}
    assert backend.store.purchase_transactions(data.b.id) == {}


def test_write_batch_drops_rows_of_a_site_that_no_longer_exists(backend):
    data = _dataset(backend)
    ghost = Site("gone", data.a.tenant_id, "gone.example", "UTC", "EUR")
    records = Records()
    records.rows["pageviews"] += [
        _pageview("g1", ghost, "v5", "/", datetime(2026, 3, 2)),
        data.records.rows["pageviews"][0],
    ]
    backend.store.write_batch(records)
    assert _raw(backend.store, ghost) == NOTHING
    assert _raw(backend.store, data.a)["pageviews"] == 1


@pytest.mark.usefixtures("reads_reports")
def test_engagements_raise_totals_and_never_lower_them(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    assert _overview(backend.store, data.a)["total_duration"] == 15
    backend.store.apply_engagements([("p2", 40, 80), ("nowhere", 9, 9)])  # an unknown pageview is ignored
    assert backend.store.pageview("p2") == (data.a.id, "v1", datetime(2026, 3, 1, 10, 5), 40, 80)
    backend.store.apply_engagements([("p2", 25, None), ("p2", 40, 80)])  # older, and the same again
    assert backend.store.pageview("p2") == (data.a.id, "v1", datetime(2026, 3, 1, 10, 5), 40, 80)
    assert _overview(backend.store, data.a) == A_OVERVIEW | {"total_duration": 55}
    assert backend.store.pageview("nowhere") is None


def test_engagements_in_the_batch_of_their_pageview(backend):
    data = _dataset(backend)
    data.records.updates.append(("p4", 7, 30))  # inserts first, then the update
    backend.store.write_batch(data.records)
    assert backend.store.pageview("p4")[3:] == (7, 30)


@pytest.mark.usefixtures("reads_reports")
def test_run_report_exact_rows(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    assert _overview(backend.store, data.a) == A_OVERVIEW
    assert _overview(backend.store, data.b) == {
        "visitors": 2,
        "pageviews": 2,
        "sessions": 2,
        "bounces": 2,
        "total_duration": 0,
    }
    pages = [
        (r["pathname"], int(r["visitors"]), int(r["pageviews"]), int(r["total_duration"]))
        for r in backend.store.run_report(_query(data.a), "pages")
    ]
    assert pages == [("/", 2, 2, 15), ("/blog", 1, 1, 0), ("/pricing", 1, 1, 0)]


def test_a_goal_added_later_is_backfilled_and_a_removed_one_leaves_no_completion(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    with backend.accounts.transaction() as cur:
        blog = goals.create_goal(cur, data.a.id, "Blog", "url", {"path": "/blog"})
        signup = goals.create_goal(cur, data.a.id, "Signed up", "event", {"event_name": "signup"})
        assert backend.store.backfill_goal(blog, within=cur) == 1  # p4
    assert backend.store.backfill_goal(signup) == 1  # e1
    assert _raw(backend.store, data.a)["goal_completions"] == 3
    assert backend.store.delete_goal_events(data.goal_id) == 1  # /pricing
    with backend.accounts.transaction() as cur:
        assert backend.store.delete_goal_events(blog.id, within=cur) == 1
    assert _raw(backend.store, data.a)["goal_completions"] == 1
    assert backend.store.delete_goal_events(blog.id) == 0


@pytest.mark.usefixtures("reads_reports")
def test_delete_events_of_one_site(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    _overview(backend.store, data.a)  # lets a store build whatever it derives, so that goes too
    _delete_site_a(backend, data)
    assert _overview(backend.store, data.a) == dict.fromkeys(A_OVERVIEW, 0)
    assert backend.store.purchase_transactions() == {}
    assert _raw(backend.store, data.b) == B_RAW  # the other site keeps every row
    again = backend.store.delete_events([data.a.id])
    assert {t: again[t] for t in EVENT_TABLES} == NOTHING


@pytest.mark.usefixtures("reads_reports")
def test_retain_deletes_before_the_cutoff_and_keeps_the_reports(backend):
    data = _dataset(backend)
    cutoff = _retain_site_a_before_2_march(backend, data)
    assert _overview(backend.store, data.a) == A_OVERVIEW  # 1 March answered from what was kept
    assert backend.store.retain(data.a, cutoff, datetime(2026, 3, 2), NOW) == NOTHING
    assert _raw(backend.store, data.b) == B_RAW
    with backend.accounts.reading() as cur:
        assert cur.execute("SELECT retained_from FROM sites WHERE id = ?", [data.a.id]).fetchone() == (cutoff,)


@pytest.mark.usefixtures("reads_reports")
def test_retained_days_stay_final_when_history_is_written_into_them(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    backend.store.retain(data.a, date(2026, 3, 2), datetime(2026, 3, 2), NOW)
    late = Records()
    late.rows["pageviews"].append(_pageview("p9", data.a, "v7", "/late", datetime(2026, 3, 1, 15, 0)))
    backend.store.write_batch(late)  # an import of history into a retained day
    assert _overview(backend.store, data.a) == A_OVERVIEW  # the kept day is not rebuilt from one raw row


def test_migrate_a_fresh_store(backend):
    assert backend.migrations == backend.expected_migrations  # opening applied the whole list
    assert backend.store.migrate() == []  # and running it again changes nothing
    assert _raw(backend.store, Site("x", "t", "x.example", "UTC", "EUR")) == NOTHING
    backend.mark_schema_newer()
    with pytest.raises(SchemaTooNewError):
        backend.store.migrate()


def test_probe_answers_on_a_working_store(backend):
    backend.store.probe()  # raises when the store cannot answer


# --- the write side of the report checks above, on every backend (reports not read) ------------


def test_engagements_raise_totals_and_never_lower_them_in_the_store(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    assert backend.store.pageview("p1") == (data.a.id, "v1", datetime(2026, 3, 1, 10, 0), 10, None)
    backend.store.apply_engagements([("p2", 40, 80), ("nowhere", 9, 9)])  # an unknown pageview is ignored
    assert backend.store.pageview("p2") == (data.a.id, "v1", datetime(2026, 3, 1, 10, 5), 40, 80)
    backend.store.apply_engagements([("p2", 25, None), ("p2", 40, 80), ("p1", 5, None)])  # older, and the same
    assert backend.store.pageview("p2") == (data.a.id, "v1", datetime(2026, 3, 1, 10, 5), 40, 80)
    assert backend.store.pageview("p1") == (data.a.id, "v1", datetime(2026, 3, 1, 10, 0), 10, None)
    backend.store.apply_engagements([("p2", 41, None)])  # a None scroll keeps the old one
    assert backend.store.pageview("p2")[3:] == (41, 80)
    assert backend.store.pageview("nowhere") is None


def test_delete_events_of_one_site_in_the_store(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    backend.store.apply_engagements([("p1", 30, 50)])
    _delete_site_a(backend, data)
    assert backend.store.pageview("p1") is None
    assert backend.store.purchase_transactions() == {}
    assert _raw(backend.store, data.b) == B_RAW  # the other site keeps every row
    assert backend.store.pageview("q1") == (data.b.id, "v9", datetime(2026, 3, 1, 11, 0), 0, None)
    again = backend.store.delete_events([data.a.id])
    assert {t: again[t] for t in EVENT_TABLES} == NOTHING


def test_retain_deletes_before_the_cutoff_in_the_store(backend):
    data = _dataset(backend)
    cutoff = _retain_site_a_before_2_march(backend, data)
    assert backend.store.pageview("p1") is None
    assert backend.store.pageview("p3") == (data.a.id, "v2", datetime(2026, 3, 2, 9, 0), 5, None)
    assert backend.store.retain(data.a, cutoff, datetime(2026, 3, 2), NOW) == NOTHING
    assert _raw(backend.store, data.b) == B_RAW
    backend.store.retain(data.a, date(2026, 3, 1), datetime(2026, 3, 1), NOW)  # an earlier cutoff keeps the later day
    with backend.accounts.reading() as cur:
        assert cur.execute("SELECT retained_from FROM sites WHERE id = ?", [data.a.id]).fetchone() == (cutoff,)


def test_recent_visits_continue_open_visits(backend):
    data = _dataset(backend)
    backend.store.write_batch(data.records)
    sessions, pages = backend.store.recent_visits(datetime(2026, 3, 2))
    assert sorted(sessions) == [
        ("v2", "s2", datetime(2026, 3, 2, 9, 10)),  # the purchase is v2's latest row
        ("v3", "s3", datetime(2026, 3, 3, 12, 0)),
        ("v8", "s8", datetime(2026, 3, 2, 11, 0)),
    ]
    assert pages == [
        ("v2", "/", "p3", datetime(2026, 3, 2, 9, 0)),
        ("v8", "/x", "q2", datetime(2026, 3, 2, 11, 0)),
        ("v3", "/blog", "p4", datetime(2026, 3, 3, 12, 0)),
    ]
