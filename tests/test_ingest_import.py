"""`clearanalytics import`: the same pipeline over historical JSONL, with a report of bad lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import run_cli
from tests.ingest_helpers import CHROME, FIREFOX, IngestClient, query_rows


def _write(path, docs) -> None:
    path.write_text("".join((d if isinstance(d, str) else json.dumps(d)) + "\n" for d in docs))


def _line(ts: str, path: str = "/", ip: str = "192.0.2.1", ua: str = CHROME, **extra) -> dict:
    return {"name": "pageview", "url": f"https://example.com{path}", "domain": "example.com", "timestamp": ts,
            "ip": ip, "user_agent": ua, **extra}  # fmt: skip


def test_import_sessions_durations_and_derivations(account, tmp_path):
    path = tmp_path / "events.jsonl"
    _write(
        path,
        [
            _line("2026-03-01T10:20:00Z", "/c", duration=30, scroll_depth=80),  # out of order on purpose
            _line("2026-03-01T10:00:00Z", "/a?utm_source=google&utm_medium=cpc", referrer="https://www.google.com/"),
            _line("2026-03-01T10:05:00+00:00", "/b", duration=12.6),
            _line("2026-03-01T11:30:00", "/d"),  # naive = UTC, 70 minutes later: a new session
            _line("2026-03-01T12:00:00+01:00", "/e", ip="192.0.2.2", ua=FIREFOX, language="nl-NL"),
        ],
    )
    result = run_cli("import", "--data-dir", account.data_dir, path)
    assert result.exit_code == 0, result.output
    assert "accepted 5, dropped 0, bad lines 0" in result.stderr
    rows = query_rows(
        account.data_dir,
        "SELECT pathname, created_at, duration, scroll_depth, channel, referrer_source, utm_medium, browser, "
        "language, visitor_hash, session_hash FROM pageviews ORDER BY created_at",
    )
    assert [r[:9] for r in rows] == [
        ("/a", datetime(2026, 3, 1, 10, 0), 0, None, "paid", "google", "cpc", "Chrome", None),
        ("/b", datetime(2026, 3, 1, 10, 5), 13, None, "direct", "direct", None, "Chrome", None),
        ("/c", datetime(2026, 3, 1, 10, 20), 30, 80, "direct", "direct", None, "Chrome", None),
        ("/e", datetime(2026, 3, 1, 11, 0), 0, None, "direct", "direct", None, "Firefox", "nl"),
        ("/d", datetime(2026, 3, 1, 11, 30), 0, None, "direct", "direct", None, "Chrome", None),
    ]
    visitor = {r[0]: r[9] for r in rows}
    session = {r[0]: r[10] for r in rows}
    assert visitor["/a"] == visitor["/b"] == visitor["/c"] == visitor["/d"] != visitor["/e"]
    assert session["/a"] == session["/b"] == session["/c"] != session["/d"]
    ids = query_rows(account.data_dir, "SELECT id FROM pageviews ORDER BY created_at")
    assert [i for (i,) in ids] == sorted(i for (i,) in ids)  # ULIDs follow the event time


def test_import_reports_bad_lines_and_drops(account, tmp_path):
    path = tmp_path / "mixed.jsonl"
    _write(
        path,
        [
            _line("2026-03-01T10:00:00Z"),
            "{not json",
            {k: v for k, v in _line("x").items() if k != "timestamp"},
            _line("yesterday"),
            {k: v for k, v in _line("2026-03-01T10:00:00Z").items() if k != "ip"},
            _line(
                "2026-03-01T10:00:00Z", ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
            ),
            {**_line("2026-03-01T10:00:00Z"), "domain": "elsewhere.org"},
            {**_line("2026-03-01T10:00:00Z"), "url": "not-a-url"},
            "",
            [1, 2],
            _line("2026-03-01T10:01:00Z", "/x"),
        ],
    )
    result = run_cli("import", "--data-dir", account.data_dir, path)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "accepted 2, dropped 2 (bot: 1, unknown-domain: 1), bad lines 6" in lines
    for expected in (
        "line 2: line is not valid JSON",
        "line 3: timestamp is required (ISO 8601)",
        "line 4: timestamp is not ISO 8601: 'yesterday'",
        "line 5: ip is required",
        "line 8: url must be an absolute http(s) URL",
        "line 10: line must be a JSON object",
    ):
        assert expected in lines
    assert query_rows(account.data_dir, "SELECT count(*) FROM pageviews") == [(2,)]


def test_import_site_option_and_purchases(account, tmp_path):
    path = tmp_path / "shop.jsonl"
    purchase = {"name": "purchase", "url": "https://shop.test/thanks", "domain": "ignored.org",
                "ecommerce": {"transaction_id": "T-1", "value": 10.5, "currency": "EUR"}}  # fmt: skip
    _write(
        path,
        [
            {**purchase, "timestamp": "2026-03-01T10:00:00Z", "ip": "192.0.2.1", "user_agent": CHROME},
            {**purchase, "timestamp": "2026-03-01T10:01:00Z", "ip": "192.0.2.1", "user_agent": CHROME},
            {"n": "pageview", "u": "https://shop.test/", "d": "ignored.org", "timestamp": "2026-03-01T09:59:00Z",
             "ip": "192.0.2.1", "user_agent": CHROME},
        ],
    )  # fmt: skip
    result = run_cli("import", "--data-dir", account.data_dir, path, "--site", "example.com")
    assert "accepted 2, dropped 1 (duplicate-transaction: 1), bad lines 0" in result.stderr
    assert query_rows(account.data_dir, "SELECT event_type, transaction_id, value::DOUBLE FROM ecommerce_events") == [
        ("purchase", "T-1", 10.5)
    ]
    again = run_cli("import", "--data-dir", account.data_dir, path, "--site", "example.com")
    assert "dropped 2 (duplicate-transaction: 2)" in again.stderr  # dedupe also against stored purchases
    unknown = run_cli("import", "--data-dir", account.data_dir, path, "--site", "nope.org")
    assert unknown.exit_code == 1 and "no site" in unknown.stderr


def test_import_uses_the_kept_salt_of_recent_days_only(account, tmp_path):
    now = datetime.now(UTC).replace(tzinfo=None)
    # five minutes ago, but never yesterday: the live pageview below must share its (UTC) day and salt
    recent = max(now - timedelta(minutes=5), now.replace(hour=0, minute=0, second=0, microsecond=0)).isoformat()
    old = (now - timedelta(days=10)).isoformat()
    path = tmp_path / "recent.jsonl"
    _write(path, [_line(recent, "/recent"), _line(old, "/old")])
    assert run_cli("import", "--data-dir", account.data_dir, path).exit_code == 0
    assert run_cli("import", "--data-dir", account.data_dir, path).exit_code == 0
    client = IngestClient(account.data_dir)
    client.pageview("https://example.com/live", ip="192.0.2.1")
    rows = client.rows("pageviews", "pathname, visitor_hash")
    with client.db.reading() as cur:
        salt_days = cur.execute("SELECT count(*) FROM salts").fetchone()[0]
    client.close()
    hashes = {}
    for pathname, visitor in rows:
        hashes.setdefault(pathname, []).append(visitor)
    assert hashes["/recent"][0] == hashes["/recent"][1] == hashes["/live"][0]  # today's stored salt
    assert hashes["/old"][0] != hashes["/old"][1]  # a day whose salt is gone: random per run
    assert salt_days == 1


def test_quickstart_loads_demo_traffic_once(tmp_path):
    data_dir = tmp_path / "demo"
    first = run_cli("quickstart", "--data-dir", data_dir, "--no-serve")
    assert first.exit_code == 0, first.output
    assert "Log in as admin@localhost" in first.stdout
    counts = query_rows(
        data_dir,
        "SELECT (SELECT count(*) FROM pageviews),"
        " (SELECT count(*) FROM ecommerce_events WHERE event_type = 'purchase'),"
        " (SELECT count(*) FROM goals), (SELECT count(*) FROM goal_completions),"
        " (SELECT count(DISTINCT channel) FROM pageviews), (SELECT count(DISTINCT device_type) FROM pageviews),"
        " (SELECT date_diff('day', min(created_at), max(created_at)) FROM pageviews)",
    )[0]
    pageviews, purchases, goals, completions, channels, devices, days = counts
    assert pageviews > 10_000 and purchases > 50 and goals == 3 and completions > 1000
    assert channels == 6 and devices == 3 and days >= 89
    second = run_cli("quickstart", "--data-dir", data_dir, "--no-serve")
    assert second.exit_code == 0 and "already set up" in second.stdout
    assert query_rows(data_dir, "SELECT count(*) FROM pageviews")[0][0] == pageviews
