"""`clearanalytics import-goatcounter`: GoatCounter's CSV export (arp242/goatcounter exportcsv.go, version 2)
gives, through the API, the totals computed from the file itself; a day with native data keeps its native data."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import defaultdict
from datetime import datetime

import duckdb

from tests.app_helpers import app_on
from tests.conftest import run_cli
from tests.ingest_helpers import CHROME, FIREFOX, query_rows
from tests.test_split_serve import chdb_url, cli, needs_chdb, setup_account, stored

HEADER = ["2Path", "Title", "Event", "UserAgent", "Browser", "System", "Session", "Bot", "Referrer",
          "Referrer scheme", "Screen size", "Location", "FirstVisit", "Date"]  # fmt: skip
S1, S2, S3, S4 = "287fb97cbed4e4f-8e4f5c975b8fee06", "c8b722d57674550-bcd20ab1989d7739", "1-2", "3-4"
ROWS = [  # as exportcsv.go writes them: Bot always "0" since 2.0, Event/FirstVisit as the database prints booleans
    ["/", "Home", "false", CHROME, "Chrome 120", "Windows 10", S1, "0", "", "", "1280,0,1", "US-CA", "true",
     "2026-03-01T09:00:00Z"],
    ["/pricing", "Pricing", "false", CHROME, "Chrome 120", "Windows 10", S1, "0", "", "", "1280,0,1", "US-CA",
     "false", "2026-03-01T09:05:00Z"],
    ["/", "Home", "false", FIREFOX, "Firefox 121", "Linux", S2, "0", "news.example.org/item?id=1", "h", "1680,0,1",
     "DE", "true", "2026-03-01T10:00:00Z"],
    ["/blog/a", "A", "false", FIREFOX, "Firefox 121", "Linux", S2, "0", "newsletter-march", "c", "1680,0,1", "DE",
     "false", "2026-03-01T10:02:00Z"],
    ["signup-click", "Sign up", "true", FIREFOX, "Firefox 121", "Linux", S2, "0", "", "", "1680,0,1", "DE",
     "false", "2026-03-01T10:03:00Z"],
    ["/", "Home", "false", "", "Safari 17", "macOS 14", S3, "0", "news.example.org", "h", "1440,0,2", "", "true",
     "2026-03-02T23:59:59Z"],
    ["/blog/a", "A", "false", "", "Safari 17", "macOS 14", S3, "0", "", "", "1440,0,2", "", "false",
     "2026-03-03T00:00:30Z"],
    ["/", "Home", "false", CHROME, "Chrome 120", "Windows 10", S4, "0", "", "", "1280,0,1", "FR", "true",
     "2026-03-03T08:00:00Z"],
    ["/", "Home", "false", CHROME, "Chrome 120", "Windows 10", S4, "1", "", "", "1280,0,1", "FR", "true",
     "2026-03-03T08:00:01Z"],  # a bot row (older exports): dropped
]  # fmt: skip


def _write(path, rows, header=HEADER, gz=False) -> None:
    out = io.StringIO()
    writer = csv.writer(out)  # Go's encoding/csv quotes as Python's minimal quoting does
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().replace("\r\n", "\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)


def _expected(path) -> dict:
    """Totals straight from the file: pageviews are non-event, non-bot rows; a visitor is a Session on a day."""
    with gzip.open(path, "rt") if path.suffix == ".gz" else path.open() as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["Event"] == "false" and r["Bot"] == "0"]
    days: dict[str, dict] = defaultdict(lambda: {"visitors": set(), "pageviews": 0})
    pages: dict[str, list] = defaultdict(lambda: [set(), 0])
    sources: dict[str, set] = defaultdict(set)
    for r in rows:
        day = r["Date"][:10]
        days[day]["visitors"].add(r["Session"])
        days[day]["pageviews"] += 1
        pages[r["2Path"]][0].add((day, r["Session"]))
        pages[r["2Path"]][1] += 1
        if r["Referrer"]:  # a http referrer's host; GoatCounter's campaign or made-up names are UTM sources
            source = ("host", r["Referrer"].split("/")[0]) if r["Referrer scheme"] == "h" else ("utm", r["Referrer"])
            sources[source].add((day, r["Session"]))
    return {
        "timeseries": {d: (len(v["visitors"]), v["pageviews"]) for d, v in sorted(days.items())},
        "visitors": sum(len(v["visitors"]) for v in days.values()),
        "pageviews": len(rows),
        "pages": {p: (len(v), n) for p, (v, n) in pages.items()},
        "sources": {s: len(v) for s, v in sources.items()},
    }


def _api(data_dir, token, path, **params):
    with app_on(data_dir, now=datetime(2026, 3, 10, 12)) as app:
        response = app.test_client().get(
            "/api/v1" + path, query_string=params, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def test_goatcounter_export_gives_the_files_totals(account, tmp_path):
    path = tmp_path / "goatcounter-export-example-20260310T000000Z-0.csv.gz"
    _write(path, ROWS, gz=True)
    result = run_cli("import-goatcounter", "--data-dir", account.data_dir, path, "--site", account.site)
    assert result.exit_code == 0, result.output
    assert "accepted 8, dropped 1 (bot: 1)" in result.stderr
    expected = _expected(path)
    period = {"from": "2026-03-01", "to": "2026-03-03"}
    series = _api(account.data_dir, account.token, "/stats/timeseries", **period)
    assert {r["date"]: (r["visitors"], r["pageviews"]) for r in series} == expected["timeseries"]
    overview = _api(account.data_dir, account.token, "/stats/overview", **period)
    assert (overview["visitors"], overview["pageviews"]) == (expected["visitors"], expected["pageviews"])
    pages = _api(account.data_dir, account.token, "/stats/pages", **period)
    assert {r["pathname"]: (r["visitors"], r["pageviews"]) for r in pages} == expected["pages"]
    referrers = _api(account.data_dir, account.token, "/stats/referrers", **period)
    got = {("host", r["referrer"]): r["visitors"] for r in referrers if r["referrer"]}
    campaigns = _api(account.data_dir, account.token, "/stats/campaigns", **period)
    got |= {("utm", r["utm_source"]): r["visitors"] for r in campaigns}
    assert got == expected["sources"]
    stored = query_rows(
        account.data_dir, "SELECT country_code, region, visitor_hash FROM pageviews ORDER BY created_at"
    )
    assert [s[:2] for s in stored][:4] == [("US", "US-CA"), ("US", "US-CA"), ("DE", None), ("DE", None)]
    assert all(S1 not in s[2] and S2 not in s[2] for s in stored)  # the session ids are hashed, never stored
    events = query_rows(account.data_dir, "SELECT name FROM events")
    assert events == [("signup-click",)]


def test_goatcounter_bad_files_name_line_and_field_and_store_nothing(account, tmp_path):
    cases = [
        (HEADER[:-1], ROWS, "line 1: header: not a GoatCounter CSV export (version 2)"),
        (["1Path", *HEADER[1:]], ROWS, "line 1: header"),
        (HEADER, [*ROWS[:2], [*ROWS[2][:13], "yesterday"]], "line 4: Date: is not an RFC 3339 time: 'yesterday'"),
        (HEADER, [*ROWS[:3], ROWS[3][:5]], "line 5: row: has 5 fields, want 14"),
        (HEADER, [ROWS[0], [*ROWS[1][:11], "California", *ROWS[1][12:]]], "line 3: Location: must be a country"),
        (HEADER, [[*ROWS[0][:2], "maybe", *ROWS[0][3:]]], "line 2: Event: must be true or false"),
        (HEADER, [["", *ROWS[0][1:]]], "line 2: Path: is required"),
        (HEADER, [ROWS[0], ["/" + "a" * 3000, *ROWS[1][1:]]], "line 3: Path: must be at most 2000 characters"),
    ]
    for number, (header, rows, message) in enumerate(cases):
        path = tmp_path / f"bad{number}.csv"
        _write(path, rows, header=header)
        result = run_cli("import-goatcounter", "--data-dir", account.data_dir, path, "--site", account.site)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Error: " + message), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert query_rows(account.data_dir, "SELECT count(*) FROM pageviews") == [(0,)]
    result = run_cli("import-goatcounter", "--data-dir", account.data_dir, tmp_path / "bad0.csv", "--site", "nope.org")
    assert result.exit_code == 1 and "no site 'nope.org'" in result.stderr


def test_goatcounter_rows_are_the_importers_lines(account, tmp_path):
    """The documented mapping, row by row (docs/SWITCHING.md)."""
    from clearanalytics.ingest.goatcounter import to_document

    row = dict(zip(HEADER, ROWS[3], strict=True))
    assert to_document(5, row, "example.com") == {
        "name": "pageview", "domain": "example.com", "timestamp": "2026-03-01T10:02:00+00:00",
        "url": "https://example.com/blog/a?utm_source=newsletter-march",
        "ip": f"goatcounter-session:{S2}", "user_agent": FIREFOX, "country_code": "DE", "region": None,
    }  # fmt: skip
    json.dumps(row)


def test_a_day_with_native_data_keeps_it_whole(account, tmp_path):
    native = tmp_path / "native.jsonl"
    line = {"name": "pageview", "url": "https://example.com/native", "domain": "example.com",
            "timestamp": "2026-03-03T12:00:00Z", "ip": "192.0.2.9", "user_agent": CHROME}  # fmt: skip
    native.write_text(json.dumps(line) + "\n")
    assert run_cli("import", "--data-dir", account.data_dir, native, "--workers", "1").exit_code == 0
    path = tmp_path / "export.csv"
    _write(path, ROWS)
    result = run_cli("import-goatcounter", "--data-dir", account.data_dir, path, "--site", account.site)
    assert result.exit_code == 0, result.output
    assert "accepted 6, dropped 3 (bot: 1, day-has-native-data: 2)" in result.stderr
    expected = _expected(path)["timeseries"] | {"2026-03-03": (1, 1)}  # the native day, not the export's
    series = _api(account.data_dir, account.token, "/stats/timeseries", **{"from": "2026-03-01", "to": "2026-03-03"})
    assert {r["date"]: (r["visitors"], r["pageviews"]) for r in series} == expected
    pages = _api(account.data_dir, account.token, "/stats/pages", **{"from": "2026-03-03", "to": "2026-03-03"})
    assert [(r["pathname"], r["pageviews"]) for r in pages] == [("/native", 1)]


def test_an_export_without_user_agents_keeps_browser_os_and_device(account, tmp_path):
    """GoatCounter 2.x exports leave UserAgent empty: its Browser/System names and the screen width are used."""
    path = tmp_path / "export.csv"
    _write(path, [ROWS[5], [*ROWS[6][:4], "Chrome 120", "Android 14", *ROWS[6][6:10], "390,0,3", *ROWS[6][11:]]])
    assert run_cli("import-goatcounter", "--data-dir", account.data_dir, path, "--site", account.site).exit_code == 0
    rows = query_rows(account.data_dir, "SELECT browser, os, device_type FROM pageviews ORDER BY created_at")
    assert rows == [("Safari", "macOS", "desktop"), ("Chrome", "Android", "mobile")]


@needs_chdb
def test_goatcounter_import_on_the_clickhouse_store(tmp_path):
    """The same calls as `import` (the pipeline, write_batch) and the timeseries report: they work on chdb too."""
    events_url = chdb_url(tmp_path)
    env = {"CLEARANALYTICS_EVENTS_URL": events_url}
    data_dir = tmp_path / "data"
    setup_account(env, data_dir)
    path = tmp_path / "export.csv"
    _write(path, ROWS)
    done = cli(env, "import-goatcounter", path, "--site", "example.com", "--data-dir", data_dir)
    assert done.returncode == 0 and "accepted 8, dropped 1 (bot: 1)" in done.stderr, done.stderr
    with duckdb.connect(str(data_dir / "clearanalytics.duckdb"), read_only=True) as conn:
        site_id = conn.execute("SELECT id FROM sites").fetchone()[0]
    assert stored(events_url, site_id)["counts"][site_id]["pageviews"] == 7
    again = cli(env, "import-goatcounter", path, "--site", "example.com", "--data-dir", data_dir)
    assert "accepted 0, dropped 9 (bot: 1, day-has-native-data: 8)" in again.stderr, again.stderr  # once only
