"""What is ClickHouse's own in the ClickHouse event store (the shared contract is tests/test_storage_contract.py).

Run on chdb, ClickHouse's engine in process: one chdb directory per process, a database per store
(tests/chstore_helpers.py). Covered here: replays and retries that land part of a batch, the
server-side deduplication token, engagement as appended rows read as the greatest, the schema's
table layout, the events URL and its one-line errors, and run_report's refusal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from clearanalytics import deletion, retention
from clearanalytics.ingest import goalmatch, spool
from clearanalytics.ingest.store import Records
from clearanalytics.storage import StorageConfigError, attach, open_store
from clearanalytics.storage.clickhouse_schema import RETAINED_COLUMNS as RETAINED_TABLES
from clearanalytics.storage.clickhouse_schema import EventsURL, parse_events_url
from clearanalytics.storage.clickhouse_store import ClickHouseEventStore, engaged_pageviews
from tests.chstore_helpers import accounts_db, chdb_missing, new_store
from tests.test_storage_contract import A_RAW, B_RAW, Backend, _dataset, _pageview, _raw

needs_chdb = pytest.mark.skipif(chdb_missing() is not None, reason=str(chdb_missing()))


@pytest.fixture
def ch(tmp_path) -> Iterator[Backend]:
    if chdb_missing():
        pytest.skip(chdb_missing())
    db = accounts_db(tmp_path)
    store, applied = new_store(db)
    yield Backend(db, store, applied, applied, lambda: None)
    store.close()
    db.close()


def _count(store: ClickHouseEventStore, table: str) -> int:
    return int(store.client.query(f"SELECT count() FROM {store.db}.{table}").result_rows[0][0])


def _only(records: Records, *tables: str) -> Records:
    """The part of a batch that landed before a failure: some tables' rows, in the store's order."""
    part = Records()
    for table in tables:
        part.rows[table] = list(records.rows[table])
    part.goals_seen = set(records.goals_seen)
    return part


# --- replays and retries ---------------------------------------------------------------------------


def test_a_retry_after_a_batch_landed_in_part_stores_each_row_once(ch):
    data = _dataset(ch)
    ch.store.write_batch(_only(data.records, "pageviews"))  # the pageviews landed, then the commit failed
    assert _raw(ch.store, data.a)["pageviews"] == 4
    ch.store.write_batch(data.records, idempotent=True)  # the writer's retry of the whole batch
    assert _raw(ch.store, data.a) == A_RAW
    assert _raw(ch.store, data.b) == B_RAW


def test_a_replay_whose_completions_are_recomputed_does_not_double_them(ch):
    data = _dataset(ch)
    ch.store.write_batch(data.records)
    replay = _dataset_records_again(data.records)  # a spool replay: no goal fingerprint, new completion ids
    ch.store.write_batch(replay, idempotent=True)
    assert _raw(ch.store, data.a) == A_RAW


def _dataset_records_again(records: Records) -> Records:
    again = Records()
    for table in ("pageviews", "events", "ecommerce_events"):
        again.rows[table] = list(records.rows[table])
    return again


def test_the_same_insert_twice_is_dropped_by_the_server_token(ch):
    """Not idempotent=True: an identical insert retried (a client timeout while the first one landed)."""
    data = _dataset(ch)
    ch.store.write_batch(data.records)
    ch.store.write_batch(data.records)
    assert _raw(ch.store, data.a) == A_RAW
    assert _count(ch.store, "pageviews") == 6


# --- engagement as appended rows -------------------------------------------------------------------


def test_engagements_are_appended_rows_read_as_the_greatest(ch):
    data = _dataset(ch)
    ch.store.write_batch(data.records)
    ch.store.apply_engagements([("p2", 40, 80)])
    ch.store.apply_engagements([("p2", 25, None), ("p2", 30, 90)])  # folded to (30, 90) in the batch: one row
    ch.store.apply_engagements([("nowhere", 9, 9)])  # an unknown pageview: no row at all
    assert _count(ch.store, "pageview_engagements") == 2  # appended, never updated
    assert _count(ch.store, "pageviews") == 6  # the pageview rows themselves are untouched
    assert ch.store.pageview("p2")[3:] == (40, 90)
    sql = (
        f"SELECT id, duration, scroll_depth FROM {engaged_pageviews(ch.store.db)} "
        "WHERE site_id = {s:String} ORDER BY id SETTINGS join_use_nulls = 1"
    )
    rows = ch.store.client.query(sql, parameters={"s": data.a.id}).result_rows
    assert [tuple(r) for r in rows] == [("p1", 10, None), ("p2", 40, 90), ("p3", 5, None), ("p4", 0, None)]


def test_an_engagement_row_carries_its_pageviews_site_and_time_and_goes_with_it(ch):
    data = _dataset(ch)
    data.records.updates.append(("p1", 12, 40))  # a pageview of the same batch
    ch.store.write_batch(data.records)
    rows = ch.store.client.query(f"SELECT * FROM {ch.store.db}.pageview_engagements").result_rows
    assert [tuple(r) for r in rows] == [("p1", data.a.id, datetime(2026, 3, 1, 10, 0), 12, 40)]
    assert ch.store.delete_events([data.a.id])["pageview_engagements"] == 1
    assert _count(ch.store, "pageview_engagements") == 0


# --- schema ----------------------------------------------------------------------------------------


def test_the_tables_are_merge_trees_by_site_and_time_a_month_per_partition(ch):
    rows = ch.store.client.query(
        "SELECT name, engine, sorting_key, partition_key FROM system.tables WHERE database = {d:String} ORDER BY name",
        parameters={"d": ch.store.db},
    ).result_rows
    month = ("site_id, created_at", "toYYYYMM(created_at)")
    assert [tuple(r) for r in rows] == [
        ("data_versions", "MergeTree", "site_id", ""),
        ("ecommerce_events", "MergeTree", *month),
        ("events", "MergeTree", *month),
        ("goal_completions", "MergeTree", *month),
        ("imported_dims", "MergeTree", "site_id, day", ""),  # c004_imports
        ("imported_totals", "MergeTree", "site_id, day", ""),
        ("imports", "MergeTree", "site_id, id", ""),
        ("pageview_engagements", "MergeTree", *month),
        ("pageviews", "MergeTree", *month),
        *((f"retained_{t}", "MergeTree", "site_id, day", "") for t in sorted(RETAINED_TABLES)),
        ("schema_version", "MergeTree", "version", ""),
    ]
    assert ch.migrations == ["c001_event_tables", "c002_data_versions", "c003_locations", "c004_imports"]


def test_times_keep_microseconds_and_a_utc_month(ch):
    data = _dataset(ch)
    late = Records()
    at = datetime(2026, 3, 31, 23, 59, 59, 123456)  # 1 April in Berlin; March in UTC
    late.rows["pageviews"].append(_pageview("m1", data.a, "v4", "/", at))
    ch.store.write_batch(late)
    assert ch.store.pageview("m1")[2] == at
    parts = ch.store.client.query(
        f"SELECT DISTINCT _partition_id FROM {ch.store.db}.pageviews WHERE id = 'm1'"
    ).result_rows
    assert parts == [("202603",)]


def test_times_stay_utc_when_the_server_runs_in_another_zone(ch):
    """Every time parameter is typed DateTime64(6, 'UTC'): an untyped zone would be the session's, 9 h off here."""
    ch.store.client.set_client_setting("session_timezone", "Asia/Tokyo")
    data = _dataset(ch)
    ch.store.write_batch(data.records)
    assert ch.store.pageview("p1")[2] == datetime(2026, 3, 1, 10, 0)
    before = {"pageviews": 1, "events": 0, "ecommerce_events": 0, "goal_completions": 0}  # p1 alone
    assert ch.store.count_events([data.a.id], before=datetime(2026, 3, 1, 10, 3)) == before
    sessions, _ = ch.store.recent_visits(datetime(2026, 3, 2, 10, 0))  # v2's rows at 9:00 and 9:10 are older
    assert sorted(sessions) == [("v3", "s3", datetime(2026, 3, 3, 12, 0)), ("v8", "s8", datetime(2026, 3, 2, 11, 0))]
    assert ch.store.retain(data.a, date(2026, 3, 1), datetime(2026, 3, 1, 10, 3), datetime(2026, 3, 10)) == before
    assert ch.store.pageview("p2")[2] == datetime(2026, 3, 1, 10, 5)


# --- what is not there yet ---------------------------------------------------------------------------


# --- the events URL --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", None),
        ("duckdb:", None),
        ("chdb:///var/lib/ca/events", EventsURL("chdb", "clearanalytics", path="/var/lib/ca/events")),
        ("chdb:///d?database=ev_2", EventsURL("chdb", "ev_2", path="/d")),
        ("clickhouse://ch.internal", EventsURL("server", "clearanalytics", host="ch.internal", port=8123)),
        (
            "clickhouse://ca:s%40cret@ch.internal/ev?secure=true",
            EventsURL("server", "ev", host="ch.internal", port=8443, secure=True, username="ca", password="s@cret"),
        ),
        ("http://10.0.0.5:18123/", EventsURL("server", "clearanalytics", host="10.0.0.5", port=18123)),
        (
            "https://ch.example.com",
            EventsURL("server", "clearanalytics", host="ch.example.com", port=8443, secure=True),
        ),
    ],
)
def test_events_urls_parse(url, expected):
    assert parse_events_url(url) == expected


@pytest.mark.parametrize(
    ("url", "fault"),
    [
        ("postgresql://db/events", "no event store for 'postgresql'"),
        ("clickhouse", "is not a URL"),
        ("chdb://relative/dir", "absolute directory"),
        ("chdb://", "needs a directory"),
        ("chdb:///d?database=1x", "database name '1x'"),
        ("chdb:///d?db=x", "unknown parameter 'db'"),
        ("http://", "needs a host"),
        ("http://h:notaport", "malformed URL"),
        ("https://h:70000", "malformed URL"),
        ("http://h/a/b", "one database"),
        ("clickhouse://h?secure=maybe", "secure='maybe'"),
        ("clickhouse://h/ev-1", "database name 'ev-1'"),
    ],
)
def test_a_malformed_events_url_is_one_line_naming_the_setting(url, fault):
    with pytest.raises(StorageConfigError) as raised:
        parse_events_url(url)
    message = str(raised.value)
    assert message.startswith("events_url: ") and fault in message and "\n" not in message


def test_a_clickhouse_url_is_parsed_then_a_store_it_cannot_reach_is_one_line(tmp_path):
    """Served since [4/7]'s wiring (no longer refused): a malformed URL, then a server that does not answer
    at start (port 1 on loopback: nothing listens), each one line naming the setting, never the password."""
    db = accounts_db(tmp_path)
    try:
        with pytest.raises(StorageConfigError, match="events_url: malformed URL"):
            open_store({"EVENTS_URL": "http://h:notaport"}, db)
        with pytest.raises(StorageConfigError) as raised:
            open_store({"EVENTS_URL": "clickhouse://ca:secret@127.0.0.1:1/ev"}, db)
        message = str(raised.value)
        assert message.startswith("events_url: cannot open the ClickHouse event store at http://ca@127.0.0.1:1/ev: ")
        assert "secret" not in message and "\n" not in message
    finally:
        db.close()


@needs_chdb
def test_chdb_opens_one_directory_at_a_time_per_process(tmp_path):
    """Why the tests share one chdb directory (a database per store) instead of a directory per store:
    while a client of one directory is open, the engine refuses another; after close it may move."""
    script = textwrap.dedent(
        f"""
        from clearanalytics.storage.clickhouse_schema import connect, parse_events_url
        one = connect(parse_events_url("chdb://{tmp_path}/one"))
        again = connect(parse_events_url("chdb://{tmp_path}/one"))  # the same directory again: fine
        print(one.query("SELECT 1").result_rows, again.query("SELECT 2").result_rows)
        try:
            connect(parse_events_url("chdb://{tmp_path}/two"))
        except Exception as exc:
            print("refused:", "already initialized" in str(exc))
        one.close()
        again.close()
        print(connect(parse_events_url("chdb://{tmp_path}/two")).query("SELECT 3").result_rows)
        """
    )
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}  # this checkout's package
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.split("\n")[:3] == ["[(1,)] [(2,)]", "refused: True", "[(3,)]"], done.stderr[-2000:]


# --- the real callers, which find the store with store_of(db) ---------------------------------------


@pytest.fixture
def attached(ch) -> Backend:
    """The ClickHouse store made the event store of the accounts database, as open_store will."""
    attach(ch.accounts, ch.store)
    return ch


def test_a_spool_segment_replayed_twice_is_stored_once(attached, tmp_path):
    data = _dataset(attached)
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    for _ in range(2):  # a crash after the commit but before the segment was deleted, twice
        (spool_dir / "0001.jsonl").write_text(spool.encode(data.records), encoding="utf-8")
        assert spool.replay(attached.accounts, spool_dir) == 1
    assert _raw(attached.store, data.a) == A_RAW
    assert _raw(attached.store, data.b) == B_RAW


def test_goals_added_and_removed_through_goalmatch(attached):
    data = _dataset(attached)
    attached.store.write_batch(data.records)
    goal, completions = goalmatch.add_goal(attached.accounts, data.a.id, "Root", "url", {"path": "/"})
    assert completions == 2  # p1 and p3, backfilled inside the goal's accounts transaction
    assert _raw(attached.store, data.a)["goal_completions"] == 3
    assert goalmatch.remove_goal(attached.accounts, goal.id)
    assert _raw(attached.store, data.a)["goal_completions"] == 1


def test_a_site_removed_through_deletion_leaves_no_event_row(attached):
    data = _dataset(attached)
    attached.store.write_batch(data.records)
    removal = deletion.remove_site(attached.accounts, data.a)
    assert {t: removal.rows[t] for t in A_RAW} == A_RAW
    assert _raw(attached.store, data.a) == dict.fromkeys(A_RAW, 0)
    assert _raw(attached.store, data.b) == B_RAW
    attached.store.write_batch(data.records, idempotent=True)  # a spool replay after the removal: A dropped
    assert _raw(attached.store, data.a) == dict.fromkeys(A_RAW, 0)
    assert _raw(attached.store, data.b) == B_RAW


def test_retention_through_its_daily_run(attached):
    data = _dataset(attached)
    attached.store.write_batch(data.records)
    with attached.accounts.transaction() as cur:
        retention.set_months(cur, data.a, 1)
    (plan,) = retention.apply(attached.accounts, now=datetime(2026, 4, 2, 12, 0))
    assert (plan.site.id, plan.cutoff_day) == (data.a.id, date(2026, 3, 2))
    assert plan.rows == {"pageviews": 2, "events": 1, "ecommerce_events": 0, "goal_completions": 1}
    assert _raw(attached.store, data.a) == {"pageviews": 2, "events": 0, "ecommerce_events": 1, "goal_completions": 0}
    assert retention.apply(attached.accounts, now=datetime(2026, 4, 2, 12, 0)) == []
