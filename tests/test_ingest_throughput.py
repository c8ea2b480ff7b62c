"""Ingest under concurrency ([3/7] item 7): shared spool writes keep every 202 a promise.

Concurrent submitters share one spool write per round instead of queueing on a lock held
across os.write. These tests check what that must not change: exact row counts from many
threads posting at once to a real server whose writer rotates its segment many times a
second, every acknowledged event stored exactly once after a kill -9 under load (both fsync
modes), and a spool segment with torn bytes in the middle replaying every whole line.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import threading
from collections import Counter
from urllib.parse import urlsplit

import pytest
import ua_parser
from ua_parser import basic as ua_basic
from ua_parser import regex as ua_regex
from ua_parser.loaders import load_builtins

from clearanalytics.demo import USER_AGENTS
from clearanalytics.ingest.spool import encode, replay
from clearanalytics.ingest.writer import Writer
from clearanalytics.queue_log import ThrottledWarnings
from tests.conftest import make_account
from tests.ingest_helpers import CHROME, query_rows
from tests.test_durability import Load, database_with_site, one_pageview, stored_ids

THREADS = 8
PER_THREAD = 60


def post_pageviews(url: str, worker: int, count: int, acked: list[str], statuses: Counter) -> None:
    """`count` pageviews of distinct paths over one keep-alive connection; the ids of the 202s go to `acked`."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    for i in range(count):
        body = json.dumps({"name": "pageview", "url": f"https://example.com/t{worker}/{i}", "domain": "example.com"})
        headers = {"Content-Type": "text/plain", "User-Agent": CHROME, "X-Forwarded-For": f"198.51.100.{worker + 1}"}
        conn.request("POST", "/api/event", body, headers)
        response = conn.getresponse()
        doc = json.loads(response.read() or b"{}")
        statuses[response.status] += 1
        if response.status == 202:
            acked.append(doc["id"])
    conn.close()


@pytest.mark.parametrize("fsync", ["off", "batch"])
def test_many_threads_posting_at_once_store_exactly_every_event(tmp_path, live_server, fsync):
    account = make_account(tmp_path / "data")
    # A 20 ms flush interval rotates the spool segment dozens of times while the threads write.
    env = {"CLEARANALYTICS_FLUSH_INTERVAL": "0.02", "CLEARANALYTICS_FSYNC": fsync}
    server = live_server(account.data_dir, env=env)
    acked: list[str] = []
    statuses: Counter[int] = Counter()
    threads = [
        threading.Thread(target=post_pageviews, args=(server.url, n, PER_THREAD, acked, statuses))
        for n in range(THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.stop()  # a clean stop commits everything accepted

    assert statuses == Counter({202: THREADS * PER_THREAD})
    rows = query_rows(account.data_dir, "SELECT id, pathname FROM pageviews")
    assert len(rows) == THREADS * PER_THREAD
    assert {row[0] for row in rows} == set(acked)
    assert sorted(row[1] for row in rows) == sorted(f"/t{n}/{i}" for n in range(THREADS) for i in range(PER_THREAD))
    assert not list((account.data_dir / "spool").glob("*.jsonl")), "every segment committed and deleted"


@pytest.mark.parametrize("fsync", ["off", "batch"])
def test_kill_9_under_concurrent_load_keeps_every_acknowledged_event_exactly_once(tmp_path, live_server, fsync):
    account = make_account(tmp_path / "data")
    env = {"CLEARANALYTICS_FLUSH_INTERVAL": "0.05", "CLEARANALYTICS_FSYNC": fsync}
    server = live_server(account.data_dir, env=env)
    load = Load(server.url, threads=THREADS)
    load.wait_for_acks(600)
    server.kill()  # SIGKILL: no flush, no checkpoint; some events only in the spool
    acked = load.stop()
    restarted = live_server(account.data_dir)  # replays the spool
    restarted.stop()

    stored = stored_ids(account.data_dir / "clearanalytics.duckdb")
    assert acked <= stored, f"{len(acked - stored)} of {len(acked)} acknowledged pageviews lost"
    assert len(stored - acked) <= THREADS  # at most one request per connection was cut off before its 202
    twice = query_rows(account.data_dir, "SELECT pathname FROM pageviews GROUP BY pathname HAVING count(*) > 1")
    assert twice == [], f"stored twice: {twice[:5]}"


def test_a_torn_line_in_the_middle_of_a_segment_replays_every_whole_line(tmp_path):
    db = database_with_site(tmp_path)
    spool = tmp_path / "spool"
    spool.mkdir()
    events = [one_pageview(i) for i in range(6)]
    lines = [encode(records).encode() for records in events]
    torn = encode(one_pageview(99)).encode()
    # Whole, whole, torn bytes glued to a whole line, whole, torn bytes on a line of their own, whole, torn tail.
    segment = b"".join(
        [lines[0], lines[1], torn[:40], lines[2], lines[3], torn[:25] + b"\n", lines[4], lines[5], torn[:30]]
    )
    (spool / "20261205000000000000-1-000001.jsonl").write_bytes(segment)

    assert replay(db, spool) == 6
    with db.reading() as cur:
        stored = {row[0] for row in cur.execute("SELECT id FROM pageviews").fetchall()}
    db.close()
    assert stored == {records.rows["pageviews"][0][0] for records in events}
    assert not list(spool.glob("*.jsonl"))


def test_submitters_queue_behind_a_running_write_and_share_the_next_one(tmp_path, monkeypatch):
    """While one os.write is in progress the others queue their lines (no lock held across it), then share one write."""
    db = database_with_site(tmp_path)
    writer = Writer(db, tmp_path / "spool", interval=60)
    writer.start()
    real_write = os.write
    writes: list[int] = []
    first_started, release_first = threading.Event(), threading.Event()

    def slow_write(fd: int, data) -> int:
        writes.append(bytes(data).count(b"\n"))
        if len(writes) == 1:
            first_started.set()
            release_first.wait(30)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", slow_write)
    events = [one_pageview(i) for i in range(8)]
    first = threading.Thread(target=writer.submit, args=(events[0],))
    first.start()
    assert first_started.wait(30)
    others = [threading.Thread(target=writer.submit, args=(records,)) for records in events[1:]]
    for t in others:
        t.start()
    queued = threading.Event()

    def wait_queued() -> None:
        while len(writer._queue) < len(others):
            threading.Event().wait(0.01)
        queued.set()

    watcher = threading.Thread(target=wait_queued, daemon=True)
    watcher.start()
    assert queued.wait(30), "the other submitters never queued while the first write ran"
    release_first.set()
    for t in [first, *others]:
        t.join(30)
    monkeypatch.setattr(os, "write", real_write)

    assert writes == [1, len(others)], "the queued lines should share the next write"
    writer.close()
    with db.reading() as cur:
        stored = {row[0] for row in cur.execute("SELECT id FROM pageviews").fetchall()}
    db.close()
    assert stored == {records.rows["pageviews"][0][0] for records in events}


def test_writer_numbers_a_line_for_fdatasync_only_after_it_is_written(tmp_path, monkeypatch):
    """fsync=batch: a submit that returns was covered by an fdatasync of a file that held its line."""
    db = database_with_site(tmp_path)
    writer = Writer(db, tmp_path / "spool", interval=0.02, fsync="batch")
    real_fdatasync = os.fdatasync
    synced: set[str] = set()

    def recording_fdatasync(fd: int) -> None:
        with open(f"/proc/self/fd/{fd}", "rb") as fh:
            before = fh.read().decode().splitlines()
        real_fdatasync(fd)
        synced.update(before)

    monkeypatch.setattr(os, "fdatasync", recording_fdatasync)
    writer.start()
    uncovered: list[str] = []

    def submitter(n: int) -> None:
        for i in range(30):
            records = one_pageview(n * 100 + i)
            writer.submit(records)
            pid = records.rows["pageviews"][0][0]
            if not any(pid in line for line in list(synced)):
                uncovered.append(pid)

    threads = [threading.Thread(target=submitter, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    assert uncovered == []
    with db.reading() as cur:
        assert cur.execute("SELECT count(*), count(DISTINCT id) FROM pageviews").fetchone() == (240, 240)
    db.close()


def test_waitress_queue_warnings_are_one_line_a_minute_with_a_count():
    now = [1000.0]
    logger = logging.getLogger("tests.queue_log")
    logger.propagate = False
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    throttled = ThrottledWarnings(logger, interval=60, clock=lambda: now[0])
    try:
        for depth in range(1, 1001):
            throttled.warning("Task queue depth is %d", depth)
        now[0] += 61
        throttled.warning("Task queue depth is %d", 7)
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == [
        "Task queue depth is 1",
        "Task queue depth is 7 (and 999 more times in the last 61 s)",
    ]


def test_a_server_with_queued_requests_logs_the_queue_depth_once(tmp_path, live_server):
    """The fewest waitress threads serve allows (one worker, no admission queue: 1 + 0 + 4 for the light
    routes) and 24 connections posting at once: most requests queue in waitress."""
    account = make_account(tmp_path / "data")
    server = live_server(account.data_dir, env={"CLEARANALYTICS_THREADS": "1", "CLEARANALYTICS_REQUEST_QUEUE": "0"})
    acked: list[str] = []
    statuses: Counter[int] = Counter()
    threads = [threading.Thread(target=post_pageviews, args=(server.url, n, 40, acked, statuses)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.stop()
    assert statuses == Counter({202: 24 * 40})
    queue_lines = [line for line in server.log_text().splitlines() if "Task queue depth" in line]
    assert len(queue_lines) == 1, f"{len(queue_lines)} queue-depth lines, e.g. {queue_lines[:3]}"


def test_user_agents_are_parsed_by_the_native_resolver_with_the_pure_python_answers():
    """ua-parser[regex] installs ua-parser-rs, which ua-parser picks by itself: a new user agent costs
    about 0.1 ms instead of 4 ms of GIL-held regex matching. Same rules, so the same answers."""
    resolver = ua_parser.parser.resolver
    assert isinstance(getattr(resolver, "parser", resolver), ua_regex.Resolver)
    pure = ua_parser.Parser(ua_basic.Resolver(load_builtins()))
    for _name, agent in USER_AGENTS:
        native, expected = ua_parser.parse(agent), pure.parse(agent)
        assert (native.user_agent, native.os, native.device) == (expected.user_agent, expected.os, expected.device)
