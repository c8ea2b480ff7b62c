"""Plausible imports on the ClickHouse event store (chdb): the same ZIP imported into a DuckDB data dir and into a
data dir whose events live in ClickHouse gives the same API answers, header included, for every report imported
rows join (imported.REPORTS), over a day with native data too; list and delete; `move` carries imports.

The ZIP is tests/test_import_plausible.py's (Plausible's own file format); the DuckDB side is the reference, whose
numbers that module checks against the files themselves; here the timeseries is checked by hand as well, so the
two sides cannot agree on a wrong answer. chdb: this process's one directory (tests/chstore_helpers.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from clearanalytics import stores
from clearanalytics.stats import imported
from clearanalytics.stats.registry import api_reports
from clearanalytics.storage.clickhouse_schema import connect, import_table_ddl, migrate, parse_events_url
from tests.app_helpers import app_on
from tests.chstore_helpers import chdb_directory, chdb_missing
from tests.conftest import make_account, run_cli
from tests.test_deploy import Recorder
from tests.test_import_plausible import NATIVE_DAY, PERIOD, _native, _zip, served_series

NOW = datetime(2026, 3, 10, 12)
REPORTS = [r for r in api_reports() if r.sql in imported.REPORTS]
QUERIES = (
    PERIOD,  # three imported days, the middle one native
    {"from": NATIVE_DAY, "to": NATIVE_DAY},  # the native day alone: no imported figure
    PERIOD | {"filter[page]": "/native"},  # a filter: imported days left out
    {"from": "2026-02-01", "to": "2026-03-10"},  # a whole month (monthly rows), the imports, and the open days
    {"from": "2026-03-09", "to": "2026-03-10"},  # open days only: raw events
    PERIOD | {"limit": "1"},
)
# The queries whose answers hold imported rows (and the native day's, inside PERIOD): after a resumed move, what a
# lost or doubled copy would change. The other three hold none; the first comparison after the move asks them all.
WITH_IMPORTS = (QUERIES[0], QUERIES[3], QUERIES[5])
needs_chdb = pytest.mark.skipif(chdb_missing() is not None, reason=chdb_missing() or "")


def _events_url() -> str:
    return f"chdb://{chdb_directory()}?database=t_{uuid.uuid4().hex[:16]}"


@contextmanager
def _on(events_url: str | None) -> Iterator[None]:
    """CLEARANALYTICS_EVENTS_URL set (or unset) for what runs in this process meanwhile: the CLI and the app.

    The CLI runs in this process (run_cli), which holds its chdb directory once any store opened it (chdb keeps
    it for the process: tests/chstore_helpers.py). A command's "is a server holding the directory?" check
    (stores.chdb_held_elsewhere, which says to ask it only in a process without the directory open) would see
    this process's own lock and forward the command to a server that does not exist: no server runs here.
    """
    before = os.environ.pop("CLEARANALYTICS_EVENTS_URL", None)
    held = stores.chdb_held_elsewhere
    if events_url:
        os.environ["CLEARANALYTICS_EVENTS_URL"] = events_url
        stores.chdb_held_elsewhere = lambda path: False
    try:
        yield
    finally:
        stores.chdb_held_elsewhere = held
        os.environ.pop("CLEARANALYTICS_EVENTS_URL", None)
        if before is not None:
            os.environ["CLEARANALYTICS_EVENTS_URL"] = before


def _cli(events_url: str | None, *args):
    with _on(events_url):
        return run_cli(*args)


def _answers(data_dir: Path, token: str, events_url: str | None, reports=REPORTS, queries=QUERIES) -> dict:
    """(report path, query) -> (the API's data, its X-ClearAnalytics-Imported header), for every report and query
    (or those given: a test that reads only the timeseries asks for it alone, 1 request instead of 72)."""
    found = {}
    with _on(events_url), app_on(data_dir, now=NOW, rate_limit="100000/minute") as app:
        assert app.extensions["clearanalytics.store"].name == ("clickhouse" if events_url else "duckdb")
        client = app.test_client()
        for report in reports:
            for query in queries:
                response = client.get("/api/v1" + report.path, query_string=query,
                                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
                assert response.status_code == 200, (report.path, response.get_json())
                key = (report.path, tuple(sorted(query.items())))
                found[key] = (response.get_json()["data"], response.headers.get(imported.HEADER))
    return found


def _imported_into(tmp_path: Path, name: str, events_url: str | None):
    """A data dir (events in DuckDB, or at `events_url`) with the native day's visitor and the Plausible ZIP."""
    account = make_account(tmp_path / name)
    with _on(events_url):
        _native(account, tmp_path)
    path = tmp_path / "example_com_20260310.zip"
    if not path.exists():
        _zip(path)
    result = _cli(events_url, "import-plausible", "--data-dir", account.data_dir, path, "--site", account.site)
    assert result.exit_code == 0, result.output
    assert "3 days for example.com from 10 files" in result.stderr
    return account, result.stdout.strip()


def _period_series(data_dir: Path, token: str, events_url: str | None) -> tuple[list, str | None]:
    """_series of the timeseries alone, for PERIOD: what the list, delete and reset tests assert."""
    return _series(
        _answers(data_dir, token, events_url, [r for r in REPORTS if r.path == "/stats/timeseries"], [PERIOD])
    )


def _series(answers: dict, query: dict = PERIOD) -> tuple[list, str | None]:
    data, flag = answers[("/stats/timeseries", tuple(sorted(query.items())))]
    return [(r["date"], r["visitors"], r["pageviews"]) for r in data], flag


BY_HAND = [("2026-03-01", 10, 25), (NATIVE_DAY, 1, 2), ("2026-03-03", 5, 11)]  # the files' days; the native day's own


@needs_chdb
def test_the_same_zip_gives_the_same_answers_on_both_stores(tmp_path):
    duck, _ = _imported_into(tmp_path, "duck", None)
    events_url = _events_url()
    house, _ = _imported_into(tmp_path, "house", events_url)
    expected = _answers(duck.data_dir, duck.token, None)
    got = _answers(house.data_dir, house.token, events_url)
    assert _series(expected) == (BY_HAND, "true")
    assert _series(expected, {"from": NATIVE_DAY, "to": NATIVE_DAY}) == ([(NATIVE_DAY, 1, 2)], None)
    flags = {key: flag for key, (_, flag) in expected.items()}
    assert sum(flag == "true" for flag in flags.values()) == len(REPORTS) * 3  # PERIOD, its limit, the month
    for key, answer in expected.items():
        assert got[key] == answer, key


@needs_chdb
def test_list_and_delete_on_clickhouse(tmp_path):
    events_url = _events_url()
    house, import_id = _imported_into(tmp_path, "house", events_url)
    data_dir, token = house.data_dir, house.token
    listed = _cli(events_url, "imports", "list", "--data-dir", data_dir, "--site", house.site)
    fields = listed.stdout.rstrip("\n").split("\t")
    assert fields[:6] == [import_id, "plausible", "2026-03-01", "2026-03-03", "3", "example_com_20260310.zip"]
    assert datetime.fromisoformat(fields[6]).tzinfo is None and len(listed.stdout.splitlines()) == 1
    assert _period_series(data_dir, token, events_url) == (BY_HAND, "true")

    deleted = _cli(events_url, "imports", "delete", "--data-dir", data_dir, import_id)
    assert deleted.exit_code == 0 and f"deleted import {import_id}" in deleted.stderr
    native_only = [("2026-03-01", 0, 0), (NATIVE_DAY, 1, 2), ("2026-03-03", 0, 0)]
    assert _period_series(data_dir, token, events_url) == (native_only, None)
    assert _cli(events_url, "imports", "list", "--data-dir", data_dir, "--site", house.site).stdout == ""
    again = _cli(events_url, "imports", "delete", "--data-dir", data_dir, import_id)
    assert again.exit_code == 1 and again.stderr == (
        f"Error: no import '{import_id}'; see `clearanalytics imports list --site DOMAIN`\n"
    )
    client = connect(parse_events_url(events_url))
    try:  # nothing of it is left behind in ClickHouse
        db = parse_events_url(events_url).database
        for table in ("imports", "imported_totals", "imported_dims"):
            assert client.query(f"SELECT count() FROM {db}.{table}").result_rows == [(0,)], table
    finally:
        client.close()


@needs_chdb
def test_a_site_reset_on_clickhouse_erases_its_imports(tmp_path):
    events_url = _events_url()
    house, _ = _imported_into(tmp_path, "house", events_url)
    result = _cli(events_url, "site", "reset", "--data-dir", house.data_dir, house.site, "--yes")
    assert result.exit_code == 0, result.output
    assert _cli(events_url, "imports", "list", "--data-dir", house.data_dir, "--site", house.site).stdout == ""
    assert _period_series(house.data_dir, house.token, events_url) == ([(d, 0, 0) for d, _, _ in BY_HAND], None)


@needs_chdb
def test_move_carries_the_imports_with_equal_numbers(tmp_path):
    duck, import_id = _imported_into(tmp_path, "duck", None)
    before = _answers(duck.data_dir, duck.token, None)
    listed = _cli(None, "imports", "list", "--data-dir", duck.data_dir, "--site", duck.site).stdout
    events_url = _events_url()
    result = _cli(None, "move", "--data-dir", duck.data_dir, "--events-url", events_url)
    assert result.exit_code == 0, result.stderr
    assert "move: imports: 1 copied" in result.stderr
    assert "move: verified imports: 1 import(s), their rows and sums equal" in result.stderr
    assert _answers(duck.data_dir, duck.token, events_url) == before
    assert _series(before) == (BY_HAND, "true")
    imported_before = {key: answer for key, answer in before.items() if dict(key[1]) in WITH_IMPORTS}
    assert {flag for _, flag in imported_before.values()} == {"true"}
    assert _cli(events_url, "imports", "list", "--data-dir", duck.data_dir, "--site", duck.site).stdout == listed

    # a move stopped part-way through the import (its dims rows lost): --resume copies it again, whole
    client = connect(parse_events_url(events_url))
    try:
        db = parse_events_url(events_url).database
        client.command(f"DELETE FROM {db}.imported_dims WHERE 1", settings={"lightweight_deletes_sync": 2})
    finally:
        client.close()
    refused = _cli(None, "move", "--data-dir", duck.data_dir, "--events-url", events_url)
    assert refused.exit_code == 1 and "already holds rows" in refused.stderr and "imports=1" in refused.stderr
    resumed = _cli(None, "move", "--data-dir", duck.data_dir, "--events-url", events_url, "--resume")
    assert resumed.exit_code == 0, resumed.stderr
    assert "move: imports: 1 copied" in resumed.stderr
    assert _answers(duck.data_dir, duck.token, events_url, queries=WITH_IMPORTS) == imported_before
    complete = _cli(None, "move", "--data-dir", duck.data_dir, "--events-url", events_url, "--resume")
    assert "move: imports: 0 copied, 1 complete kept" in complete.stderr, complete.stderr
    assert _answers(duck.data_dir, duck.token, events_url, queries=WITH_IMPORTS) == imported_before  # not doubled
    deleted = _cli(events_url, "imports", "delete", "--data-dir", duck.data_dir, import_id)  # the same id there
    assert deleted.exit_code == 0, deleted.stderr


@needs_chdb
def test_move_with_the_accounts_too_carries_the_imports(tmp_path, pg_url):
    """Both stores moved (events into ClickHouse, accounts into PostgreSQL): the answers served with the stores
    apart equal the data dir's."""
    duck, _ = _imported_into(tmp_path, "duck", None)
    before = _answers(duck.data_dir, duck.token, None)
    events_url = _events_url()
    result = _cli(None, "move", "--data-dir", duck.data_dir, "--events-url", events_url, "--accounts-url", pg_url)
    assert result.exit_code == 0, result.stderr
    assert "move: verified imports: 1 import(s)" in result.stderr
    os.environ["CLEARANALYTICS_ACCOUNTS_URL"] = pg_url
    try:
        assert _answers(tmp_path / "served", duck.token, events_url) == before  # a new data dir: nothing but URLs
    finally:
        del os.environ["CLEARANALYTICS_ACCOUNTS_URL"]


# --- c004_imports, word for word (as tests/test_deploy.py checks c001 and c002) -------------------------

C004 = [
    "CREATE TABLE IF NOT EXISTS clearanalytics.imports (id String, site_id String, source String, file_name String, "
    "first_day Nullable(Date), last_day Nullable(Date), days Int32, created_at DateTime64(6, 'UTC')) "
    "ENGINE = MergeTree ORDER BY (site_id, id)",
    "CREATE TABLE IF NOT EXISTS clearanalytics.imported_totals (import_id String, site_id String, day Date, "
    "visitors Int64, pageviews Int64, sessions Int64, bounces Int64, total_duration Int64) "
    "ENGINE = MergeTree ORDER BY (site_id, day)",
    "CREATE TABLE IF NOT EXISTS clearanalytics.imported_dims (import_id String, site_id String, day Date, "
    "dimension String, v1 Nullable(String), v2 Nullable(String), v3 Nullable(String), visitors Int64, "
    "pageviews Int64, total_duration Int64) ENGINE = MergeTree ORDER BY (site_id, day)",
]


def test_c004_without_a_cluster_word_for_word():
    client = Recorder()
    migrate(client, "clearanalytics")
    c003 = client.sent.index(("insert", "clearanalytics.schema_version", (3, "c003_locations")))
    assert client.sent[c003 + 1 :] == [*C004, ("insert", "clearanalytics.schema_version", (4, "c004_imports"))]


def test_c004_on_a_cluster_word_for_word():
    """`imports` on every server (one replicated table, as data_versions); the daily rows sharded by site."""
    client = Recorder()
    migrate(client, "ca", cluster="events")
    c003 = client.sent.index(("insert", "ca.schema_version", (3, "c003_locations")))
    sent = client.sent[c003 + 1 :]
    assert sent[-1] == ("insert", "ca.schema_version", (4, "c004_imports"))
    assert sent[:-1] == import_table_ddl("ca", "events")
    assert sent[0] == C004[0].replace("clearanalytics.imports", "ca.imports ON CLUSTER 'events'").replace(
        "ENGINE = MergeTree", "ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/ca/imports', '{replica}')"
    )
    names = [s.split(" ON CLUSTER")[0].removeprefix("CREATE TABLE IF NOT EXISTS ") for s in sent[1:-1]]
    assert names == ["ca.imported_totals_local", "ca.imported_totals", "ca.imported_dims_local", "ca.imported_dims"]
    assert sent[1] == C004[1].replace(
        "clearanalytics.imported_totals", "ca.imported_totals_local ON CLUSTER 'events'"
    ).replace(
        "ENGINE = MergeTree",
        "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/ca/imported_totals_local', '{replica}')",
    )
    assert sent[4].endswith("ENGINE = Distributed('events', 'ca', 'imported_dims_local', cityHash64(site_id))")


@needs_chdb
def test_chdb_parses_the_cluster_statements():
    import clickhouse_connect

    client = clickhouse_connect.get_client(dsn=f"chdb://{chdb_directory()}")
    try:
        for statement in import_table_ddl("ca", "events"):
            text = str(client.query("SELECT formatQuery({s:String})", parameters={"s": statement}).result_rows[0][0])
            assert text.startswith("CREATE TABLE IF NOT EXISTS ca.") and "ON CLUSTER events" in text, text
    finally:
        client.close()


@needs_chdb
def test_a_node_shows_its_own_import_at_once_and_another_nodes_after_open_seconds(tmp_path, monkeypatch):
    """Two stores on one ClickHouse database (two nodes). The node that imports or deletes answers with it at
    once; the other within OPEN_SECONDS (the reports' clock moved by hand), through the site's data version."""
    from types import SimpleNamespace

    from clearanalytics import accounts
    from clearanalytics.db import Database
    from clearanalytics.ingest import plausible
    from clearanalytics.stats import parse_query
    from clearanalytics.storage import clickhouse_reports
    from clearanalytics.storage.clickhouse_store import ClickHouseEventStore

    clock = [1000.0]
    monkeypatch.setattr(clickhouse_reports, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    events_url = _events_url()
    house = make_account(tmp_path / "house")
    with _on(events_url):
        _native(house, tmp_path)
    path = tmp_path / "export.zip"
    _zip(path)
    db = Database.in_data_dir(house.data_dir)
    a_node = ClickHouseEventStore(parse_events_url(events_url), db)
    b_node = ClickHouseEventStore(parse_events_url(events_url), db)
    try:
        with db.reading() as cur:
            site = accounts.get_site(cur, house.site)
        query = parse_query(PERIOD, [site], now=NOW)

        def seen(node) -> tuple[list, bool]:
            rows = node.run_report(query, "timeseries")  # the report's own rows: days with data, unordered
            return sorted((str(r["bucket"]), r["visitors"], r["pageviews"]) for r in rows), node.includes_imported(
                query, "timeseries"
            )

        native_only = ([(NATIVE_DAY, 1, 2)], False)
        assert seen(a_node) == seen(b_node) == native_only
        item = plausible.as_import(site, plausible.read_zip(path), path.name)
        b_node.write_import(item)
        assert seen(b_node) == (BY_HAND, True)  # its own write: at once
        assert seen(a_node) == native_only  # within OPEN_SECONDS: what A read
        clock[0] += clickhouse_reports.OPEN_SECONDS
        assert seen(a_node) == (BY_HAND, True)
        assert a_node.delete_import(item.id) == site.id
        assert seen(a_node) == native_only
        clock[0] += clickhouse_reports.OPEN_SECONDS
        assert seen(b_node) == native_only
        assert a_node.list_imports(site.id) == b_node.list_imports(site.id) == []
    finally:
        a_node.close()
        b_node.close()
        db.close()


@needs_chdb
def test_a_server_on_clickhouse_takes_the_forwarded_commands(tmp_path, live_server):
    """`serve` on chdb holds the directory: import-plausible, imports list and delete are forwarded to it over the
    control socket (its own store writes them), and its API answers with the imported days, then without."""

    from tests.test_split_serve import chdb_url, cli, setup_account, token

    env = {"CLEARANALYTICS_EVENTS_URL": chdb_url(tmp_path)}  # a directory of its own: the server's process opens it
    data_dir = tmp_path / "data"
    setup_account(env, data_dir)
    path = tmp_path / "export.zip"
    _zip(path)
    api_token = token(env, data_dir, "stats:read")
    server = live_server(data_dir, env=env)

    def series():
        return served_series(server.url, api_token)

    assert series() == ([0, 0, 0], None)
    done = cli(env, "import-plausible", path, "--site", "example.com", "--data-dir", data_dir)
    assert done.returncode == 0, done.stderr
    import_id = done.stdout.strip()
    assert series() == ([25, 9, 11], "true")  # no native day here: every imported day counts
    listed = cli(env, "imports", "list", "--site", "example.com", "--data-dir", data_dir)
    assert listed.stdout.startswith(import_id + "\tplausible\t2026-03-01\t2026-03-03\t3\texport.zip\t"), listed.stderr
    assert cli(env, "imports", "delete", import_id, "--data-dir", data_dir).returncode == 0
    assert series() == ([0, 0, 0], None)
