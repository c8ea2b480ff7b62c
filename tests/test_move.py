"""`clearanalytics move`: the stats dataset's data dir copied into a real PostgreSQL and ClickHouse (chdb).

Expected numbers come from the Dataset object itself (tests/stats_dataset.py: the rows as built in
Python), never from the DuckDB file the command reads; the stores are read back with their own
clients. chdb: this process's one directory (tests/chstore_helpers.py), a fresh database per test.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from decimal import Decimal

import pytest
from conftest import run_cli

from clearanalytics.storage.clickhouse_schema import connect, parse_events_url
from tests.chstore_helpers import chdb_directory, chdb_missing

EVENT_TABLES = {
    "pageviews": "pageviews",
    "events": "events",
    "ecommerce_events": "ecommerce",
    "goal_completions": "completions",
}


@pytest.fixture
def events_url() -> str:
    reason = chdb_missing()
    if reason:
        pytest.skip(reason)
    return f"chdb://{chdb_directory()}?database=move_{uuid.uuid4().hex[:12]}"


def _ch(url: str):
    return connect(parse_events_url(url))


def _ch_per_site(url: str, table: str) -> dict[str, int]:
    client = _ch(url)
    try:
        db = parse_events_url(url).database
        return dict(client.query(f"SELECT site_id, count() FROM {db}.{table} GROUP BY site_id").result_rows)
    finally:
        client.close()


def _pg(url: str):
    import psycopg

    from clearanalytics.pgaccounts import parse_accounts_url

    return psycopg.connect(**parse_accounts_url(url), autocommit=True)


def _pg_count(url: str, sql: str) -> list[tuple]:
    with _pg(url) as conn:
        return conn.execute(sql).fetchall()


def _expected(data, attr: str) -> dict[str, int]:
    return dict(Counter(row["site_id"] for row in getattr(data, attr)))


def test_move_copies_every_row_verifies_and_prints_the_settings(stats_data_dir, pg_url, events_url):
    data_dir, data = stats_data_dir
    result = run_cli("move", "--data-dir", data_dir, "--events-url", events_url, "--accounts-url", pg_url)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"CLEARANALYTICS_EVENTS_URL={events_url}",
        f"CLEARANALYTICS_ACCOUNTS_URL={pg_url}",
    ]
    assert "move: verified pageviews: 1221 rows over 3 site(s)" in result.stderr

    # Events, per table and per site, as built in Python (1221 pageviews, 112 events, 481 e-commerce, 368 completions).
    for table, attr in EVENT_TABLES.items():
        assert _ch_per_site(events_url, table) == _expected(data, attr), table
    assert sum(_expected(data, "pageviews").values()) == 1221
    client, db = _ch(events_url), parse_events_url(events_url).database
    try:
        durations = dict(client.query(f"SELECT site_id, sum(duration) FROM {db}.pageviews GROUP BY 1").result_rows)
        values = dict(client.query(f"SELECT site_id, sum(value) FROM {db}.ecommerce_events GROUP BY 1").result_rows)
        engagements = client.query(f"SELECT count() FROM {db}.pageview_engagements").result_rows[0][0]
    finally:
        client.close()
    want_durations, want_values = Counter(), Counter()
    for row in data.pageviews:
        want_durations[row["site_id"]] += row["duration"] or 0
    for row in data.ecommerce:
        want_values[row["site_id"]] += Decimal(str(row["value"])) if row["value"] is not None else 0
    assert durations == dict(want_durations)
    assert {s: Decimal(v) for s, v in values.items()} == {s: v for s, v in want_values.items()}
    assert engagements == 0  # engagement is folded into the pageview rows already

    # Accounts: two tenants, each with one owner and one token; three sites; the goals per site.
    tables = ("tenants", "users", "memberships", "api_tokens", "sites", "goals")
    counts = {t: _pg_count(pg_url, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert counts == {"tenants": 2, "users": 2, "memberships": 2, "api_tokens": 2, "sites": 3, "goals": len(data.goals)}
    assert dict(_pg_count(pg_url, "SELECT site_id, count(*) FROM goals GROUP BY 1")) == dict(
        Counter(g["site_id"] for g in data.goals)
    )
    assert sorted(r[0] for r in _pg_count(pg_url, "SELECT id FROM sites")) == sorted(
        s["id"] for s in data.sites.values()
    )
    # The tokens keep working: the same hash is stored, so the API token of the dataset verifies.
    from clearanalytics.pgaccounts import PgDatabase
    from clearanalytics.web_auth import verify_token

    accounts = PgDatabase(pg_url)
    try:
        with accounts.reading() as cur:
            assert verify_token(cur, data.tokens["acme"]) is not None
    finally:
        accounts.close()

    # A second move into the same stores is refused in one line, and changes nothing.
    again = run_cli("move", "--data-dir", data_dir, "--events-url", events_url, "--accounts-url", pg_url)
    assert again.exit_code == 1
    assert again.stderr.count("\n") == 1 and again.stderr.startswith("Error: the events store ")
    assert "already holds rows (pageviews=1221, events=112, ecommerce_events=481, goal_completions=368)" in again.stderr
    assert _ch_per_site(events_url, "pageviews") == _expected(data, "pageviews")


def test_resume_finishes_a_move_that_stopped_part_way(stats_data_dir, pg_url, events_url):
    """A failure mid-copy leaves a partial chunk and missing tables: --resume completes exactly."""
    data_dir, data = stats_data_dir
    assert run_cli("move", "--data-dir", data_dir, "--events-url", events_url, "--accounts-url", pg_url).exit_code == 0
    client, db = _ch(events_url), parse_events_url(events_url).database
    try:  # as if the run died inside January's pageviews of one site, before the later tables
        first = f"SELECT site_id, min(created_at) FROM {db}.pageviews GROUP BY 1 ORDER BY 1 LIMIT 1"
        site, month = client.query(first).result_rows[0]
        client.command(
            f"DELETE FROM {db}.pageviews WHERE site_id = {{s:String}} AND created_at > {{t:DateTime64(6, 'UTC')}} "
            "AND toStartOfMonth(created_at) = toStartOfMonth({t:DateTime64(6, 'UTC')})",
            parameters={"s": site, "t": month},
            settings={"lightweight_deletes_sync": 2},
        )
        client.command(f"TRUNCATE TABLE {db}.goal_completions")
        assert client.query(f"SELECT count() FROM {db}.pageviews").result_rows[0][0] < 1221
    finally:
        client.close()
    refused = run_cli("move", "--data-dir", data_dir, "--events-url", events_url, "--accounts-url", pg_url)
    assert refused.exit_code == 1 and "--resume finishes a move" in refused.stderr

    resumed = run_cli("move", "--data-dir", data_dir, "--events-url", events_url, "--accounts-url", pg_url, "--resume")
    assert resumed.exit_code == 0, resumed.stderr
    assert "move: accounts already copied (left as they are)" in resumed.stderr
    for table, attr in EVENT_TABLES.items():
        assert _ch_per_site(events_url, table) == _expected(data, attr), table
    assert _pg_count(pg_url, "SELECT count(*) FROM goals")[0][0] == len(data.goals)


def test_one_side_alone(stats_data_dir, pg_url):
    data_dir, _ = stats_data_dir
    result = run_cli("move", "--data-dir", data_dir, "--accounts-url", pg_url)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"CLEARANALYTICS_ACCOUNTS_URL={pg_url}"]
    assert _pg_count(pg_url, "SELECT count(*) FROM tenants")[0][0] == 2


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--events-url", "ftp://example.org/x"], "Error: events_url: no event store for 'ftp'"),
        (["--accounts-url", "mysql://u:pw@localhost/x"], "Error: accounts_url: expected a postgresql:// URL"),
        (["--accounts-url", "postgresql://u:s3cret-pw@127.0.0.1:1/db"], "Error: accounts_url: cannot connect to"),
        ([], "Error: give --events-url, --accounts-url or both"),
    ],
)
def test_a_bad_url_is_one_line_without_the_password(stats_data_dir, args, start):
    data_dir, _ = stats_data_dir
    result = run_cli("move", "--data-dir", data_dir, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(start) and result.stderr.count("\n") == 1, result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_a_password_is_never_printed(stats_data_dir):
    from clearanalytics.cli.move import redact

    assert redact("clickhouse://ca:s3cret@ch.internal:8123/clearanalytics") == (
        "clickhouse://ca:***@ch.internal:8123/clearanalytics"
    )
    assert redact("postgresql://ca@db/clearanalytics?password=s3cret&sslmode=require") == (
        "postgresql://ca@db/clearanalytics?password=***&sslmode=require"
    )
    assert redact("chdb:///var/lib/ca/events?database=x") == "chdb:///var/lib/ca/events?database=x"


def test_refused_while_a_server_holds_the_data_dir(stats_data_dir, tmp_path, live_server, pg_url):
    from conftest import copy_data_dir

    source, _ = stats_data_dir
    data_dir = copy_data_dir(source, tmp_path / "live")
    live_server(data_dir)
    result = run_cli("move", "--data-dir", data_dir, "--accounts-url", pg_url)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: a server is running on {data_dir} (its database is locked); stop it first, then run move again\n"
    )
    # Refused before either target was touched: not even the schema was created.
    assert _pg_count(pg_url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == [(0,)]


def test_events_a_killed_server_left_in_its_spool_move_too(account, live_server, events_url):
    """Answered 202, then kill -9 before the writer's commit (flush interval 30 s): the events are only in
    the spool. The move commits them into the data dir first, so every acknowledged event reaches ClickHouse."""
    import requests
    from ingest_helpers import CHROME

    server = live_server(account.data_dir, env={"CLEARANALYTICS_FLUSH_INTERVAL": "30"})
    acked = set()
    for n in range(5):
        body = json.dumps({"name": "pageview", "url": f"https://{account.site}/p{n}", "domain": account.site})
        answer = requests.post(
            server.url + "/api/event", data=body, headers={"Content-Type": "text/plain", "User-Agent": CHROME}
        )
        assert answer.status_code == 202
        acked.add(answer.json()["id"])
    server.kill()
    assert list((account.data_dir / "spool").glob("*.jsonl")), "the kill should leave spooled events"

    result = run_cli("move", "--data-dir", account.data_dir, "--events-url", events_url)
    assert result.exit_code == 0, result.stderr
    assert "move: committed 5 spooled events left by a stopped server" in result.stderr
    client, db = _ch(events_url), parse_events_url(events_url).database
    try:
        stored = {r[0] for r in client.query(f"SELECT id FROM {db}.pageviews").result_rows}
    finally:
        client.close()
    assert stored == acked


def test_accounts_alone_refuse_a_database_that_holds_accounts(stats_data_dir, pg_url):
    data_dir, _ = stats_data_dir
    assert run_cli("move", "--data-dir", data_dir, "--accounts-url", pg_url).exit_code == 0
    again = run_cli("move", "--data-dir", data_dir, "--accounts-url", pg_url)
    assert again.exit_code == 1 and again.stderr.count("\n") == 1
    assert again.stderr.startswith("Error: the accounts store postgresql://postgres@")
    assert "already holds rows (tenants=2, sites=3, users=2, memberships=2, api_tokens=2, goals=6)" in again.stderr
    resumed = run_cli("move", "--data-dir", data_dir, "--accounts-url", pg_url, "--resume")
    assert resumed.exit_code == 0 and "move: accounts already copied (left as they are)" in resumed.stderr
    with _pg(pg_url) as conn:  # someone else's tenant: not what a move of this data dir leaves
        conn.execute("INSERT INTO tenants VALUES ('t-other', 'other', 'Other', 'business', now())")
    other = run_cli("move", "--data-dir", data_dir, "--accounts-url", pg_url, "--resume")
    assert other.exit_code == 1 and other.stderr.count("\n") == 1
    assert "holds other accounts than the data dir (tenants=3, sites=3" in other.stderr


def test_a_site_with_retention_keeps_the_reports_of_its_retained_days(stats_data_dir, events_url):
    """Retention left shop.example no raw events before 20 January, only DuckDB's daily rollups: after the
    move the ClickHouse store answers those days from them, as the DuckDB file does, and they stay final."""
    from datetime import date, datetime

    from clearanalytics import accounts
    from clearanalytics.db import Database
    from clearanalytics.stats import parse_query, rollup_plan
    from clearanalytics.storage import store_of
    from clearanalytics.storage.clickhouse_store import ClickHouseEventStore

    data_dir, data = stats_data_dir
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            site = accounts.get_site(cur, "shop.example")
        query = parse_query({"from": "2026-01-05", "to": "2026-02-10"}, [site], now=datetime(2026, 2, 18, 15, 30))
        duck = store_of(db)
        whole = duck.run_report(query, "overview")
        cutoff = date(2026, 1, 20)
        duck.retain(site, cutoff, rollup_plan.site_range(site.id, site.timezone, cutoff, cutoff).start, query.now)
        assert duck.run_report(query, "overview") == whole  # DuckDB answers the retained days from its rollups
        assert duck.count_events([site.id], before=datetime(2026, 1, 19))["pageviews"] == 0
    finally:
        db.close()
    result = run_cli("move", "--data-dir", data_dir, "--events-url", events_url)
    assert result.exit_code == 0, result.stderr
    assert "move: shop.example: the daily report rows before 2026-01-20 (retention kept no raw events) copied" in (
        result.stderr
    )
    db = Database.in_data_dir(data_dir)
    house = ClickHouseEventStore(parse_events_url(events_url), db)
    try:
        pages = store_of(db).run_report(query, "pages")
        assert house.run_report(query, "overview") == whole
        assert house.run_report(query, "pages") == pages
        assert whole[0]["visitors"] > 0
    finally:
        house.close()
        db.close()
