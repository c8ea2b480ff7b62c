"""`clearanalytics import` split across forked workers stores what one process stores.

The same file goes into two fresh data dirs, once by one process and once by two
workers (the size threshold lowered so a small file qualifies). Ids, salts and hashes
differ between any two imports, so the rows are compared by what they mean: every
column but the ids and hashes, which rows share a visitor and a session, what each
pageview_id and goal completion points at, and the import report.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from clearanalytics import goals
from clearanalytics.db import Database
from clearanalytics.demo import generate
from clearanalytics.ingest import import_workers, importer
from clearanalytics.ingest.importer import import_file
from tests.conftest import make_account, run_cli
from tests.ingest_helpers import CHROME, FIREFOX, query_rows

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="import workers need os.fork (POSIX)")

NOW = datetime(2026, 6, 20, 12, 0)
SHOP_ZONE = "Asia/Kathmandu"  # UTC+05:45: local days cut UTC hours at a quarter past


@pytest.fixture(autouse=True)
def small_files_use_workers(monkeypatch):
    monkeypatch.setattr(importer, "PARALLEL_MIN_LINES", 0)


def _data_dir(tmp_path, name: str):
    account = make_account(tmp_path / name)
    result = run_cli("site", "add", "--data-dir", account.data_dir, "--tenant", account.tenant, "shop.example",
                     "--timezone", SHOP_ZONE)  # fmt: skip
    assert result.exit_code == 0, result.output
    db = Database.in_data_dir(account.data_dir)
    with db.transaction() as cur:
        site_ids = dict(cur.execute("SELECT domain, id FROM sites").fetchall())
        for domain in ("example.com", "shop.example"):
            goals.create_goal(cur, site_ids[domain], "Signup", "url", {"match_type": "prefix", "path": "/signup"})
            goals.create_goal(cur, site_ids[domain], "Bought", "event", {"event_name": "purchase"})
    db.close()
    return account.data_dir


def _purchase(ts: datetime, tx: str, ip: str, domain: str = "shop.example", value: float = 20.0) -> dict:
    return {"name": "purchase", "url": f"https://{domain}/thanks", "domain": domain, "timestamp": ts.isoformat(),
            "ip": ip, "user_agent": FIREFOX,
            "ecommerce": {"transaction_id": tx, "value": value, "currency": "EUR",
                          "items": [{"item_id": "sku-1", "price": value, "quantity": 1}]}}  # fmt: skip


def _lines() -> list[str]:
    """Demo traffic on two sites, purchases whose ids repeat across days, and bad lines."""
    docs: list = list(generate("example.com", days=10, visits_per_day=40, seed=3, now=NOW))
    docs += list(generate("shop.example", days=10, visits_per_day=25, seed=4, now=NOW))
    base = NOW - timedelta(days=5)
    docs += [
        _purchase(base + timedelta(hours=1), "TX-REPEATED", "198.51.100.1"),
        _purchase(base + timedelta(days=1, hours=1), "TX-REPEATED", "198.51.100.2", value=99.0),  # next day
        _purchase(base + timedelta(days=2, hours=1), "TX-REPEATED", "198.51.100.3"),
        _purchase(base + timedelta(days=3), "TX-REPEATED", "198.51.100.4", domain="example.com"),  # another site
        {"name": "pageview", "url": "https://example.com/x", "domain": "example.com", "ip": "198.51.100.5",
         "user_agent": CHROME},  # no timestamp
        {"name": "pageview", "url": "https://example.com/x", "domain": "example.com", "timestamp": "yesterday",
         "ip": "198.51.100.5", "user_agent": CHROME},
        {"name": "pageview", "url": "ftp://example.com/x", "domain": "example.com", "timestamp": base.isoformat(),
         "ip": "198.51.100.5", "user_agent": CHROME},  # a PayloadError from inside the pipeline
        {"name": "pageview", "url": "https://nobody.example/", "domain": "nobody.example",
         "timestamp": base.isoformat(), "ip": "198.51.100.5", "user_agent": CHROME},
        {"name": "pageview", "url": "https://example.com/", "domain": "example.com", "timestamp": base.isoformat(),
         "ip": "198.51.100.6", "user_agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"},
        ["not", "an", "object"],
    ]  # fmt: skip
    lines = [json.dumps(d) for d in docs]
    lines[40:40] = ["{not json", "", "   "]
    return lines


def _write(path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


def _canonical(data_dir) -> dict:
    """Everything an import stored, with ids and hashes replaced by what they point at."""
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            domains = dict(cur.execute("SELECT id, domain FROM sites").fetchall())
            goal_names = dict(cur.execute("SELECT id, name FROM goals").fetchall())
            pageviews = cur.execute(
                "SELECT id, site_id, visitor_hash, session_hash, created_at, pathname, hostname, referrer, "
                "referrer_source, channel, utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref, browser, "
                "os, device_type, language, duration, scroll_depth FROM pageviews"
            ).fetchall()
            events = cur.execute(
                "SELECT id, site_id, visitor_hash, session_hash, created_at, name, pathname, props, pageview_id "
                "FROM events"
            ).fetchall()
            commerce = cur.execute(
                "SELECT id, site_id, visitor_hash, session_hash, created_at, event_type, transaction_id, value, "
                "currency, items, in_site_currency, pageview_id FROM ecommerce_events"
            ).fetchall()
            completions = cur.execute(
                "SELECT goal_id, site_id, visitor_hash, session_hash, created_at, pageview_id, event_id "
                "FROM goal_completions"
            ).fetchall()
    finally:
        db.close()
    what: dict[str, tuple] = {}  # id -> a description without ids
    for row in pageviews:
        what[row[0]] = ("pageview", domains[row[1]], row[4], *row[5:])
    for row in events:
        what[row[0]] = ("event", domains[row[1]], row[4], row[5], row[6], row[7])
    for row in commerce:
        what[row[0]] = ("ecommerce", domains[row[1]], row[4], *row[5:11])
    visitors: dict[str, list] = defaultdict(list)
    sessions: dict[str, list] = defaultdict(list)
    linked = []
    for row in [*pageviews, *events, *commerce]:
        visitors[row[2]].append(what[row[0]][:3])
        sessions[row[3]].append(what[row[0]][:3])
    for row in [*events, *commerce]:
        linked.append((what[row[0]], what.get(row[-1])))
    goal_rows = []
    for goal_id, site_id, visitor, session, created_at, pageview_id, event_id in completions:
        goal_rows.append((goal_names[goal_id], domains[site_id], created_at, what.get(pageview_id),
                          what.get(event_id)))  # fmt: skip
        visitors[visitor].append(("completion", goal_names[goal_id], created_at))
        sessions[session].append(("completion", goal_names[goal_id], created_at))
    return {
        "rows": sorted(what.values(), key=repr),
        "visitors": sorted(sorted(v, key=repr) for v in visitors.values()),
        "sessions": sorted(sorted(s, key=repr) for s in sessions.values()),
        "links": sorted(linked, key=repr),
        "completions": sorted(goal_rows, key=repr),
    }


def _import(data_dir, path, workers: int, progress=None):
    db = Database.in_data_dir(data_dir)
    try:
        return import_file(db, path, progress=progress, workers=workers)
    finally:
        db.close()


def test_two_workers_store_exactly_what_one_process_stores(tmp_path):
    path = tmp_path / "events.jsonl"
    lines = _lines()
    _write(path, lines)
    serial_dir, parallel_dir = _data_dir(tmp_path, "serial"), _data_dir(tmp_path, "parallel")
    serial = _import(serial_dir, path, workers=1)
    steps: list[int] = []
    parallel = _import(parallel_dir, path, workers=2, progress=steps.append)

    assert (parallel.accepted, dict(parallel.dropped), parallel.error_count, parallel.errors) == (
        serial.accepted,
        dict(serial.dropped),
        serial.error_count,
        serial.errors,
    )
    non_blank = sum(1 for line in lines if line.strip())
    assert sum(steps) == non_blank  # the progress bar ends full, counting every line once
    assert serial.accepted + sum(serial.dropped.values()) + serial.error_count == non_blank
    assert serial.dropped["duplicate-transaction"] == 2  # the 2nd and 3rd TX-REPEATED on shop.example
    assert serial.dropped["unknown-domain"] == 1 and serial.dropped["bot"] == 1
    assert [(n, f) for n, f, _ in serial.errors] == [
        (41, "line"),  # "{not json"
        (len(lines) - 5, "timestamp"),
        (len(lines) - 4, "timestamp"),
        (len(lines) - 3, "url"),
        (len(lines), "line"),
    ]
    assert _canonical(parallel_dir) == _canonical(serial_dir)

    kept = query_rows(parallel_dir, "SELECT s.domain, e.value FROM ecommerce_events e JOIN sites s ON s.id = e.site_id "
                               "WHERE transaction_id = 'TX-REPEATED' ORDER BY 1")  # fmt: skip
    assert kept == [("example.com", 20.0), ("shop.example", 20.0)]  # the first on each site, not the 99.0
    bought = query_rows(parallel_dir, "SELECT count(*) FROM goal_completions c JOIN goals g ON g.id = c.goal_id "
                                 "WHERE g.name = 'Bought'")  # fmt: skip
    purchases = query_rows(parallel_dir, "SELECT count(*) FROM ecommerce_events WHERE event_type = 'purchase'")
    assert bought == purchases  # no completion left behind by a dropped duplicate
    assert not list(parallel_dir.glob(".import-*"))  # scratch files removed
    ids = query_rows(parallel_dir, "SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM pageviews UNION ALL "
                              "SELECT id FROM events UNION ALL SELECT id FROM ecommerce_events UNION ALL "
                              "SELECT id FROM goal_completions)")  # fmt: skip
    assert ids[0][0] == ids[0][1] > 1000


def test_a_transaction_already_stored_stays_a_duplicate_in_every_worker(tmp_path):
    data_dir = _data_dir(tmp_path, "data")
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    base = NOW - timedelta(days=3)
    _write(first, [json.dumps(_purchase(base, "TX-OLD", "198.51.100.1"))])
    _write(second, [json.dumps(_purchase(base + timedelta(days=d), "TX-OLD", f"198.51.100.{d}")) for d in (1, 2)])
    assert _import(data_dir, first, workers=1).accepted == 1
    report = _import(data_dir, second, workers=2)
    assert (report.accepted, dict(report.dropped)) == (0, {"duplicate-transaction": 2})
    assert query_rows(data_dir, "SELECT count(*) FROM ecommerce_events") == [(1,)]


def test_a_file_with_engagement_lines_is_imported_by_one_process(tmp_path, monkeypatch):
    forks: list[int] = []
    real_fork = import_workers._fork
    monkeypatch.setattr(import_workers, "_fork", lambda *a: forks.append(1) or real_fork(*a))
    path = tmp_path / "events.jsonl"
    lines = _lines()
    engagement = {"n": "engagement", "u": "https://example.com/", "d": "example.com", "e": 5000,
                  "timestamp": NOW.isoformat(), "ip": "198.51.100.9", "user_agent": CHROME}  # fmt: skip
    _write(path, [*lines, json.dumps(engagement)])
    serial_dir, parallel_dir = _data_dir(tmp_path, "serial"), _data_dir(tmp_path, "parallel")
    serial = _import(serial_dir, path, workers=1)
    parallel = _import(parallel_dir, path, workers=2)
    assert forks == [1]  # the workers started, found the engagement while placing lines, and stood down
    assert (parallel.accepted, dict(parallel.dropped), parallel.errors) == (
        serial.accepted,
        dict(serial.dropped),
        serial.errors,
    )
    assert _canonical(parallel_dir) == _canonical(serial_dir)
    assert not list(parallel_dir.glob(".import-*"))


def test_a_failing_worker_fails_the_import_with_its_error(tmp_path, monkeypatch):
    parent = os.getpid()
    real_run = import_workers.run_pipeline

    def run_or_fail(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("disk on fire")
        return real_run(*args, **kwargs)

    monkeypatch.setattr(import_workers, "run_pipeline", run_or_fail)
    data_dir = _data_dir(tmp_path, "data")
    path = tmp_path / "events.jsonl"
    _write(path, _lines())
    with pytest.raises(import_workers.ImportWorkerError, match="RuntimeError: disk on fire"):
        _import(data_dir, path, workers=2)
    assert not list(data_dir.glob(".import-*"))
    result = run_cli("import", "--data-dir", data_dir, "--workers", "2", path)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: import failed in a worker process: RuntimeError: disk on fire"
    )


def test_the_cli_imports_with_workers_and_says_what_it_stored(tmp_path):
    data_dir = _data_dir(tmp_path, "data")
    path = tmp_path / "events.jsonl"
    _write(path, _lines())
    result = run_cli("import", "--data-dir", data_dir, "--workers", "2", path)
    assert result.exit_code == 0, result.output
    stored = query_rows(data_dir, "SELECT (SELECT count(*) FROM pageviews) + (SELECT count(*) FROM events) + "
                             "(SELECT count(*) FROM ecommerce_events)")[0][0]  # fmt: skip
    assert f"accepted {stored}," in result.stderr
    assert "line 41: line is not valid JSON" in result.stderr
    bad = run_cli("import", "--data-dir", data_dir, "--workers", "0", path)
    assert bad.exit_code == 2 and "--workers" in bad.stderr


def test_a_worker_failing_while_placing_lines_fails_the_import_with_its_error(tmp_path, monkeypatch):
    parent = os.getpid()
    real_place = import_workers.Partitioner.place

    def place_or_fail(self, *args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("placing went wrong")
        return real_place(self, *args, **kwargs)

    monkeypatch.setattr(import_workers.Partitioner, "place", place_or_fail)
    data_dir = _data_dir(tmp_path, "data")
    path = tmp_path / "events.jsonl"
    _write(path, _lines())
    with pytest.raises(import_workers.ImportWorkerError, match="RuntimeError: placing went wrong"):
        _import(data_dir, path, workers=2)
    assert query_rows(data_dir, "SELECT count(*) FROM pageviews") == [(0,)]
    assert not list(data_dir.glob(".import-*"))
