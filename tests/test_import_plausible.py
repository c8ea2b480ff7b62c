"""`clearanalytics import-plausible`: Plausible CE's export ZIP (plausible/analytics lib/plausible/exports.ex) gives,
through the API, the totals its files say, for the days without native data; a native day keeps its own, whole."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from datetime import datetime

from tests.app_helpers import app_on
from tests.conftest import run_cli
from tests.ingest_helpers import CHROME
from tests.test_split_serve import cli, setup_account, token

SUFFIX = "_20260301_20260303.csv"
# CSVWithNames headers as export_queries selects them (a map select's keys come in sorted order)
FILES = {
    "imported_visitors": (["date", "visitors", "pageviews", "bounces", "visits", "visit_duration"], [
        ["2026-03-01", "10", "25", "4", "12", "900"],
        ["2026-03-02", "7", "9", "5", "8", "100"],  # the native day: left out
        ["2026-03-03", "5", "11", "1", "6", "300"],
    ]),
    "imported_sources": (["date", "source", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content",
                          "utm_term", "pageviews", "visitors", "visits", "visit_duration", "bounces"], [
        ["2026-03-01", "", "", "", "", "", "", "", "12", "6", "7", "400", "3"],
        ["2026-03-01", "Google", "", "", "", "", "", "", "9", "3", "3", "300", "1"],
        ["2026-03-01", "news.example.org", "news.example.org/item", "", "", "", "", "", "4", "1", "2", "200", "0"],
        ["2026-03-02", "Google", "", "", "", "", "", "", "9", "7", "8", "100", "5"],
        ["2026-03-03", "Google", "", "newsletter", "email", "march", "", "", "11", "5", "6", "300", "1"],
    ]),
    "imported_pages": (["date", "hostname", "page", "pageviews", "total_scroll_depth", "total_scroll_depth_visits",
                        "total_time_on_page", "total_time_on_page_visits", "visitors", "visits"], [
        ["2026-03-01", "example.com", "/", "15", "0", "0", "0", "0", "8", "9"],
        ["2026-03-01", "example.com", "/pricing", "10", "0", "0", "0", "0", "4", "5"],
        ["2026-03-02", "example.com", "/", "9", "0", "0", "0", "0", "7", "8"],
        ["2026-03-03", "example.com", "/pricing", "6", "0", "0", "0", "0", "3", "3"],
        ["2026-03-03", "example.com", "/blog", "5", "0", "0", "0", "0", "4", "4"],
    ]),
    "imported_entry_pages": (["date", "entry_page", "visitors", "entrances", "visit_duration", "bounces",
                              "pageviews"], [["2026-03-01", "/", "10", "12", "900", "4", "25"]]),
    "imported_exit_pages": (["date", "exit_page", "visitors", "visit_duration", "exits", "bounces", "pageviews"],
                            [["2026-03-01", "/pricing", "10", "900", "12", "4", "25"]]),
    "imported_custom_events": (["date", "name", "link_url", "path", "visitors", "events"],
                               [["2026-03-01", "Signup", "", "", "2", "2"]]),
    "imported_locations": (["date", "country", "region", "city", "visitors", "visits", "visit_duration", "bounces",
                            "pageviews"], [["2026-03-01", "DE", "DE-BY", "2867714", "6", "7", "500", "2", "15"],
                                           ["2026-03-01", "US", "", "0", "4", "5", "400", "2", "10"]]),
    "imported_devices": (["date", "device", "visitors", "visits", "visit_duration", "bounces", "pageviews"],
                         [["2026-03-01", "Desktop", "10", "12", "900", "4", "25"]]),
    "imported_browsers": (["date", "browser", "browser_version", "visitors", "visits", "visit_duration", "bounces",
                           "pageviews"], [["2026-03-01", "Firefox", "123.0", "4", "5", "400", "2", "10"],
                                          ["2026-03-01", "Firefox", "124.0", "2", "2", "100", "1", "5"],
                                          ["2026-03-01", "Chrome", "122.0", "4", "5", "400", "1", "10"]]),
    "imported_operating_systems": (["date", "operating_system", "operating_system_version", "visitors", "visits",
                                    "visit_duration", "bounces", "pageviews"],
                                   [["2026-03-01", "Mac", "14", "10", "12", "900", "4", "25"]]),
}  # fmt: skip
NATIVE_DAY = "2026-03-02"
PERIOD = {"from": "2026-03-01", "to": "2026-03-03"}


def _zip(path, files=FILES, suffix=SUFFIX) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, (header, rows) in files.items():
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([header, *rows])
            archive.writestr(name + suffix, out.getvalue())


def _read(path, table) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        return list(csv.DictReader(io.TextIOWrapper(archive.open(table + SUFFIX), encoding="utf-8")))


def _native(account, tmp_path) -> None:
    """One native visitor with two pageviews of /native on NATIVE_DAY."""
    base = {"name": "pageview", "url": "https://example.com/native", "domain": "example.com", "ip": "192.0.2.9"}
    lines = [base | {"timestamp": f"{NATIVE_DAY}T12:0{m}:00Z", "user_agent": CHROME} for m in (0, 1)]
    path = tmp_path / "native.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert run_cli("import", "--data-dir", account.data_dir, path, "--workers", "1").exit_code == 0


def _get(data_dir, token, path, **params):
    with app_on(data_dir, now=datetime(2026, 3, 10, 12)) as app:
        response = app.test_client().get(
            "/api/v1" + path, query_string=params, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"], response.headers.get("X-ClearAnalytics-Imported")


def _expected(path) -> dict:
    """From the files: every imported day but the native one, plus the native day's own numbers."""
    visitors = {r["date"]: (int(r["visitors"]), int(r["pageviews"])) for r in _read(path, "imported_visitors")}
    visitors[NATIVE_DAY] = (1, 2)
    pages: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in _read(path, "imported_pages"):
        if r["date"] != NATIVE_DAY:
            pages[r["page"]][0] += int(r["visitors"])
            pages[r["page"]][1] += int(r["pageviews"])
    pages["/native"] = [1, 2]
    sources: dict[str, int] = defaultdict(int)
    for r in _read(path, "imported_sources"):
        if r["date"] != NATIVE_DAY:
            sources[r["source"] or "direct"] += int(r["visitors"])
    sources["direct"] += 1
    return {"days": visitors, "pages": {p: tuple(v) for p, v in pages.items()}, "sources": dict(sources)}


def test_plausible_export_gives_the_files_totals_native_day_wins(account, tmp_path):
    _native(account, tmp_path)
    path = tmp_path / "example_com_20260310.zip"
    _zip(path)
    result = run_cli("import-plausible", "--data-dir", account.data_dir, path, "--site", account.site)
    assert result.exit_code == 0, result.output
    import_id = result.stdout.strip()
    assert f"import {import_id}: 3 days for example.com from 10 files" in result.stderr
    expected = _expected(path)
    token, data_dir = account.token, account.data_dir

    series, flag = _get(data_dir, token, "/stats/timeseries", **PERIOD)
    assert {r["date"]: (r["visitors"], r["pageviews"]) for r in series} == expected["days"]
    assert flag == "true"
    overview, flag = _get(data_dir, token, "/stats/overview", **PERIOD)
    days = expected["days"].values()
    assert (overview["visitors"], overview["pageviews"]) == (sum(v for v, _ in days), sum(p for _, p in days))
    assert flag == "true"
    pages, _ = _get(data_dir, token, "/stats/pages", **PERIOD)
    assert {r["pathname"]: (r["visitors"], r["pageviews"]) for r in pages} == expected["pages"]
    referrers, _ = _get(data_dir, token, "/stats/referrers", **PERIOD)
    got: dict[str, int] = defaultdict(int)
    for r in referrers:
        got[r["referrer_source"]] += r["visitors"]
    assert dict(got) == expected["sources"]
    hosts = {r["referrer"] for r in referrers}
    assert "news.example.org" in hosts
    browsers, _ = _get(data_dir, token, "/stats/browsers", **PERIOD)
    assert {r["browser"]: r["visitors"] for r in browsers} == {"Firefox": 6, "Chrome": 4 + 1}  # + the native one

    entries, flag = _get(data_dir, token, "/stats/entry-pages", **PERIOD)
    assert {r["pathname"]: (r["visitors"], r["entries"]) for r in entries} == {"/": (10, 12), "/native": (1, 1)}
    countries, _ = _get(data_dir, token, "/stats/countries", **PERIOD)
    assert {r["country_code"]: r["visitors"] for r in countries} == {"DE": 6, "US": 4, None: 1}
    languages, flag = _get(data_dir, token, "/stats/languages", **PERIOD)  # not in Plausible's export
    assert flag is None

    # only the native day: no imported figure, no header
    native, flag = _get(data_dir, token, "/stats/overview", **{"from": NATIVE_DAY, "to": NATIVE_DAY})
    assert (native["visitors"], native["pageviews"], flag) == (1, 2, None)
    # a filter: imported days are left out (they are not per session)
    filtered, flag = _get(data_dir, token, "/stats/timeseries", **PERIOD, **{"filter[page]": "/native"})
    assert {r["date"]: r["pageviews"] for r in filtered} == {"2026-03-01": 0, NATIVE_DAY: 2, "2026-03-03": 0}
    assert flag is None

    listed = run_cli("imports", "list", "--data-dir", data_dir, "--site", account.site)
    assert listed.stdout.split("\t")[:5] == [import_id, "plausible", "2026-03-01", "2026-03-03", "3"]
    deleted = run_cli("imports", "delete", "--data-dir", data_dir, import_id)
    assert deleted.exit_code == 0 and f"deleted import {import_id}" in deleted.stderr
    series, flag = _get(data_dir, token, "/stats/timeseries", **PERIOD)
    assert {r["date"]: r["pageviews"] for r in series} == {"2026-03-01": 0, NATIVE_DAY: 2, "2026-03-03": 0}
    assert flag is None
    assert run_cli("imports", "list", "--data-dir", data_dir, "--site", account.site).stdout == ""
    again = run_cli("imports", "delete", "--data-dir", data_dir, import_id)
    assert again.exit_code == 1 and f"Error: no import '{import_id}'" in again.stderr


def test_bad_plausible_files_name_file_line_and_column_and_store_nothing(account, tmp_path):
    visitors = FILES["imported_visitors"]
    cases = [
        ({k: v for k, v in FILES.items() if k != "imported_visitors"}, "not a Plausible export"),
        (FILES | {"imported_visitors": (visitors[0][:-1], [r[:-1] for r in visitors[1]])},
         f"imported_visitors{SUFFIX}: line 1: header: no 'visit_duration' column"),
        (FILES | {"imported_visitors": (visitors[0], [visitors[1][0], ["03/02/2026", *visitors[1][1][1:]]])},
         f"imported_visitors{SUFFIX}: line 3: date: is not a date (YYYY-MM-DD): '03/02/2026'"),
        (FILES | {"imported_pages": (FILES["imported_pages"][0], [["2026-03-01", "example.com", "/", "many",
                                                                   "0", "0", "0", "0", "1", "1"]])},
         f"imported_pages{SUFFIX}: line 2: pageviews: must be a whole number, not 'many'"),
    ]  # fmt: skip
    for number, (files, message) in enumerate(cases):
        path = tmp_path / f"bad{number}.zip"
        _zip(path, files)
        result = run_cli("import-plausible", "--data-dir", account.data_dir, path, "--site", account.site)
        assert result.exit_code == 1, result.output
        assert message in result.stderr and result.stderr.startswith("Error: "), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert run_cli("imports", "list", "--data-dir", account.data_dir, "--site", account.site).stdout == ""
    (tmp_path / "not.zip").write_text("hello")
    result = run_cli("import-plausible", "--data-dir", account.data_dir, tmp_path / "not.zip", "--site", account.site)
    assert result.exit_code == 1 and "not.zip: not a ZIP file" in result.stderr


def test_site_reset_erases_the_imports_too(account, tmp_path):
    path = tmp_path / "export.zip"
    _zip(path)
    assert run_cli("import-plausible", "--data-dir", account.data_dir, path, "--site", account.site).exit_code == 0
    result = run_cli("site", "reset", "--data-dir", account.data_dir, account.site, "--yes")
    assert result.exit_code == 0, result.output
    assert run_cli("imports", "list", "--data-dir", account.data_dir, "--site", account.site).stdout == ""
    overview, flag = _get(account.data_dir, account.token, "/stats/overview", **PERIOD)
    assert (overview["visitors"], overview["pageviews"], flag) == (0, 0, None)


def test_the_dashboard_says_when_imported_days_are_in_or_left_out(account, tmp_path):
    from tests.conftest import PASSWORD
    from tests.dashboard_helpers import login

    path = tmp_path / "export.zip"
    _zip(path)  # no native data at all: the dashboard shows the imported days, not the empty state
    assert run_cli("import-plausible", "--data-dir", account.data_dir, path, "--site", account.site).exit_code == 0
    base = f"/dashboard/{account.tenant}/{account.site}"
    with app_on(account.data_dir, now=datetime(2026, 3, 10, 12)) as app:
        client = app.test_client()
        assert login(client, account.email, PASSWORD).status_code == 302
        page = client.get(base, query_string=PERIOD).text
        assert "These figures include days imported from Plausible" in page and 'data-report="overview"' in page
        filtered = client.get(base, query_string=PERIOD | {"filter[page]": "/"}).text
        assert "Days imported from Plausible are left out while a filter is set" in filtered
        other = client.get(base, query_string={"from": "2026-02-01", "to": "2026-02-10"}).text
        assert "imported from Plausible" not in other
        data = client.get(base + "/data/timeseries", query_string=PERIOD)
        assert data.headers["X-ClearAnalytics-Imported"] == "true"
        assert [r["pageviews"] for r in data.get_json()["data"]] == [25, 9, 11]  # no native day here
        languages = client.get(base + "/data/languages", query_string=PERIOD)
        assert "X-ClearAnalytics-Imported" not in languages.headers


def served_series(url: str, api_token: str) -> tuple[list[int], str | None]:
    """A running server's pageviews per day over PERIOD, and its X-ClearAnalytics-Imported header."""
    import requests

    answer = requests.get(url + "/api/v1/stats/timeseries", params=PERIOD, timeout=30,
                          headers={"Authorization": f"Bearer {api_token}"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return [r["pageviews"] for r in answer.json()["data"]], answer.headers.get("X-ClearAnalytics-Imported")


def test_a_running_server_takes_the_commands_and_forgets_a_deleted_import_at_once(tmp_path, live_server):
    """Commands forwarded to a running server (its control socket): an import and a delete that its kept
    answers do not outlive, and the list. (On the ClickHouse store: tests/test_import_plausible_ch.py.)"""

    env: dict[str, str] = {}
    data_dir = tmp_path / "data"
    setup_account(env, data_dir)
    path = tmp_path / "export.zip"
    _zip(path)
    api_token = token(env, data_dir, "stats:read")
    server = live_server(data_dir, env=env)

    def series():
        return served_series(server.url, api_token)

    assert series() == ([0, 0, 0], None)  # read, and kept, before the import
    done = cli(env, "import-plausible", path, "--site", "example.com", "--data-dir", data_dir)  # forwarded
    assert done.returncode == 0, done.stderr
    import_id = done.stdout.strip()
    assert series() == ([25, 9, 11], "true")
    listed = cli(env, "imports", "list", "--site", "example.com", "--data-dir", data_dir)  # forwarded
    assert listed.stdout.startswith(import_id + "\tplausible\t2026-03-01\t2026-03-03\t3\t"), listed.stderr
    assert cli(env, "imports", "delete", import_id, "--data-dir", data_dir).returncode == 0
    assert series() == ([0, 0, 0], None)


def test_a_rollup_rebuild_neither_drops_nor_doubles_imported_days(account, tmp_path):
    path = tmp_path / "export.zip"
    _zip(path)
    assert run_cli("import-plausible", "--data-dir", account.data_dir, path, "--site", account.site).exit_code == 0
    before, _ = _get(account.data_dir, account.token, "/stats/timeseries", **PERIOD)
    assert run_cli("rollups", "--data-dir", account.data_dir).exit_code == 0
    after, flag = _get(account.data_dir, account.token, "/stats/timeseries", **PERIOD)
    assert after == before and [r["pageviews"] for r in after] == [25, 9, 11] and flag == "true"
