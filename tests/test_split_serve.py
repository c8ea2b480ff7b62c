"""Serving with the stores apart ([4/7] item 1): `clearanalytics serve` with CLEARANALYTICS_EVENTS_URL (ClickHouse
through chdb) and CLEARANALYTICS_ACCOUNTS_URL (a real PostgreSQL, tests/pg_server.py), and /healthz per store.

Each end-to-end test runs the real server and the real CLI as subprocesses: chdb lets one process hold a
directory, so the test process never opens the server's; the events are counted afterwards through the
store, in a process of their own (`stored`). Reports on ClickHouse are not needed (they are being ported).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest
import requests

from tests.chstore_helpers import chdb_directory, chdb_missing
from tests.conftest import PASSWORD, REPO_ROOT, cli_env
from tests.ingest_helpers import CHROME

needs_chdb = pytest.mark.skipif(chdb_missing() is not None, reason=chdb_missing() or "")

# Counts what the ClickHouse store holds, in its own process (the server's chdb directory, once it stopped).
_STORED = """
import json, sys
from clearanalytics.storage.clickhouse_schema import parse_events_url
from clearanalytics.storage.clickhouse_store import ClickHouseEventStore
store = ClickHouseEventStore(parse_events_url(sys.argv[1]), accounts=None)
tables = ("pageviews", "events", "ecommerce_events", "goal_completions", "pageview_engagements")
counts = {site: {t: n for t, n in store.count_events([site]).items() if t in tables} for site in sys.argv[2:]}
ids = [r[0] for r in store.client.query(f"SELECT id FROM {store.db}.pageviews").result_rows]
store.close()
print(json.dumps({"counts": counts, "pageview_ids": ids}))
"""


def stored(events_url: str, *site_ids: str) -> dict:
    """{"counts": {site: count_events of the raw tables}, "pageview_ids": [...]}, read through ClickHouseEventStore
    in a new process (what the store derives from them, such as retained days' rows, is left out)."""
    done = subprocess.run(
        [sys.executable, "-c", _STORED, events_url, *site_ids],
        capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cli(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess:
    """The CLI in its own process with the split settings (forwarded to the server while it runs)."""
    return subprocess.run(
        [sys.executable, "-m", "clearanalytics", *[str(a) for a in args]],
        capture_output=True, text=True, env=cli_env() | env, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip


def setup_account(env: dict[str, str], data_dir: Path) -> None:
    done = cli(env, "setup", "--data-dir", data_dir, "--tenant", "acme", "--tenant-name", "Acme",
               "--site", "example.com", "--email", "owner@example.com", "--password", PASSWORD)  # fmt: skip
    assert done.returncode == 0, done.stderr


def post_event(url: str, name: str, path: str, domain: str = "example.com") -> requests.Response:
    body = json.dumps({"name": name, "url": f"https://{domain}{path}", "domain": domain})
    return requests.post(
        url + "/api/event", data=body, headers={"Content-Type": "text/plain", "User-Agent": CHROME}, timeout=10
    )


def send_traffic(url: str, domain: str, pageviews: int, signups: int) -> set[str]:
    """`pageviews` pageviews and `signups` custom events, each answered 202; the pageview ids."""
    ids = set()
    for i in range(pageviews):
        answer = post_event(url, "pageview", f"/p{i}", domain)
        assert answer.status_code == 202, answer.text
        ids.add(answer.json()["id"])
    for i in range(signups):
        answer = post_event(url, "Signup", f"/p{i}", domain)
        assert answer.status_code == 202, answer.text
    return ids


def committed(server, token: str) -> int:
    """clearanalytics_writer_committed_events from /metrics: what the writer has stored so far."""
    text = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10).text
    return int(float(re.search(r"^clearanalytics_writer_committed_events_total (\S+)$", text, re.M).group(1)))


def wait_for(condition, what: str, timeout: float = 60) -> None:
    """Poll until true; a deadline only against hanging, never a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def token(env: dict[str, str], data_dir: Path, *abilities: str) -> str:
    args = ["token", "create", "--data-dir", data_dir, "--tenant", "acme", "--email", "owner@example.com"]
    for ability in abilities:
        args += ["--ability", ability]
    done = cli(env, *args, "--name", "split")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def ok(events: str, accounts: str) -> dict:
    """/healthz's body when both stores answer."""
    stores = {"events": {"kind": events, "status": "ok"}, "accounts": {"kind": accounts, "status": "ok"}}
    return {"status": "ok", "stores": stores}


def chdb_url(tmp_path: Path) -> str:
    return f"chdb://{tmp_path / 'chdb'}?database=events_{uuid.uuid4().hex[:8]}"


# --- ClickHouse events, accounts in the data dir's DuckDB file --------------------------------------


@needs_chdb
def test_serve_on_chdb_stores_tracker_events_in_clickhouse_and_reports_both_stores(tmp_path, live_server):
    events_url = chdb_url(tmp_path)
    env = {"CLEARANALYTICS_EVENTS_URL": events_url}
    data_dir = tmp_path / "data"
    setup_account(env, data_dir)
    server = live_server(data_dir, env=env)
    assert requests.get(server.url + "/healthz", timeout=10).json() == ok("clickhouse", "duckdb")

    # The server holds the chdb directory: the CLI forwards to it, as it does for a locked DuckDB file.
    metrics_token = token(env, data_dir, "metrics:read")
    api_token = token(env, data_dir, "goals:read")
    answer = requests.get(server.url + "/api/v1/goals", headers={"Authorization": f"Bearer {api_token}"}, timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"data": []})

    ids = send_traffic(server.url, "example.com", pageviews=23, signups=4)
    wait_for(lambda: committed(server, metrics_token) == 27, "27 committed events")
    assert server.signal(signal.SIGTERM) == 0

    with duckdb.connect(str(data_dir / "clearanalytics.duckdb"), read_only=True) as conn:
        site_id = conn.execute("SELECT id FROM sites WHERE domain = 'example.com'").fetchone()[0]
        local = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("pageviews", "events")]
    assert local == [0, 0]  # nothing went to the DuckDB file's event tables
    found = stored(events_url, site_id)
    assert found["counts"][site_id] == {
        "pageviews": 23, "events": 4, "ecommerce_events": 0, "goal_completions": 0, "pageview_engagements": 0,
    }  # fmt: skip
    assert set(found["pageview_ids"]) == ids


@needs_chdb
@pytest.mark.parametrize("accounts", ["duckdb", "postgresql"])
def test_cli_commands_open_the_clickhouse_store_themselves_when_no_server_runs(tmp_path, request, accounts):
    """import, retention and site reset in their own processes: each opens the ClickHouse store, counts and
    deletes there (the plans used to count on the accounts cursor; import capped DuckDB's memory on
    PostgreSQL and would fork workers the store cannot take)."""
    events_url = chdb_url(tmp_path)
    env = {"CLEARANALYTICS_EVENTS_URL": events_url}
    if accounts == "postgresql":
        env["CLEARANALYTICS_ACCOUNTS_URL"] = request.getfixturevalue("pg_url")
    data_dir = tmp_path / "data"
    setup_account(env, data_dir)
    lines = [
        {"name": "pageview", "url": f"https://example.com/h{i}", "domain": "example.com", "ip": "203.0.113.9",
         "user_agent": CHROME, "timestamp": f"2025-0{1 + i % 3}-10T10:00:00Z"}
        for i in range(9)
    ]  # fmt: skip
    history = tmp_path / "history.jsonl"
    history.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = cli(env, "import", history, "--workers", "2", "--data-dir", data_dir)
    assert (done.returncode, done.stderr) == (
        1,
        "Error: --workers: the clickhouse event store imports with one process (--workers 1)\n",
    )
    done = cli(env, "import", history, "--data-dir", data_dir)  # the default: one process on this store
    assert done.returncode == 0 and "accepted 9, dropped 0" in done.stderr, done.stderr
    if accounts == "postgresql":
        site_id = _pg_rows(env["CLEARANALYTICS_ACCOUNTS_URL"], "SELECT id FROM sites")[0][0]
    else:
        with duckdb.connect(str(data_dir / "clearanalytics.duckdb"), read_only=True) as conn:
            site_id = conn.execute("SELECT id FROM sites").fetchone()[0]
    assert stored(events_url, site_id)["counts"][site_id]["pageviews"] == 9

    done = cli(env, "rollups", "--data-dir", data_dir)  # the DuckDB store's own: none on ClickHouse
    assert (done.returncode, done.stderr) == (
        0,
        "rollups: the clickhouse event store keeps no daily rollups; nothing to build\n",
    )
    done = cli(env, "site", "retention", "example.com", "--months", "1", "--data-dir", data_dir)
    assert done.returncode == 0, done.stderr
    done = cli(env, "retention", "--data-dir", data_dir)
    assert done.returncode == 0 and "retention: would delete 9 raw rows from 1 site(s)" in done.stderr, done.stderr
    assert "pageviews=9" in done.stdout
    done = cli(env, "site", "reset", "example.com", "--yes", "--data-dir", data_dir)
    assert (done.returncode, done.stdout) == (0, "reset the stats of example.com\n"), done.stderr
    assert "pageviews: 9" in done.stderr
    assert stored(events_url, site_id)["counts"][site_id]["pageviews"] == 0


def test_a_malformed_or_unreachable_events_url_stops_serve_in_one_line_without_the_password(tmp_path):
    for url, expected in [
        ("clickhouse://ca:s3cret@127.0.0.1:notaport/ev", "Error: events_url: malformed URL"),
        ("clickhouse://ca:s3cret@127.0.0.1:1/ev", "Error: events_url: cannot open the ClickHouse event store at "
         "http://ca@127.0.0.1:1/ev: "),
    ]:  # fmt: skip
        done = cli({"CLEARANALYTICS_EVENTS_URL": url}, "serve", "--data-dir", tmp_path / "data", "--port", "0")
        assert done.returncode == 1 and "listening" not in done.stdout
        assert done.stderr.startswith(expected) and done.stderr.count("\n") == 1, done.stderr
        assert "s3cret" not in done.stderr


def test_postgresql_accounts_that_do_not_answer_stop_serve_in_one_line_without_the_password(tmp_path):
    env = {
        "CLEARANALYTICS_EVENTS_URL": f"chdb://{tmp_path / 'chdb'}",
        "CLEARANALYTICS_ACCOUNTS_URL": f"postgresql://ca:s3cret@/accounts?host={tmp_path / 'no-server-here'}",
    }
    done = cli(env, "serve", "--data-dir", tmp_path / "data", "--port", "0")
    assert done.returncode == 1 and "listening" not in done.stdout
    where = f"postgresql://ca@{tmp_path}/no-server-here/accounts"
    assert done.stderr.startswith(f"Error: accounts_url: cannot open the PostgreSQL accounts at {where}: "), done.stderr
    assert done.stderr.endswith("failed: No such file or directory\n")  # libpq's first line: no socket there
    assert done.stderr.count("\n") == 1 and "s3cret" not in done.stderr
    assert not (tmp_path / "chdb").exists()  # the accounts are opened first: nothing else was created


@needs_chdb
def test_healthz_answers_503_naming_the_event_store_that_fails_its_probe(tmp_path):
    """In process (chdb: this process's one directory): the store's database dropped under a running app."""
    from clearanalytics.storage.clickhouse_store import ClickHouseEventStore
    from tests.app_helpers import close_app, new_app

    database = f"t_{uuid.uuid4().hex[:16]}"
    app = new_app(tmp_path / "data", events_url=f"chdb://{chdb_directory()}?database={database}")
    try:
        store = app.extensions["clearanalytics.store"]
        assert isinstance(store, ClickHouseEventStore) and store.db == database
        client = app.test_client()
        health = client.get("/healthz")
        assert (health.status_code, health.get_json()) == (200, ok("clickhouse", "duckdb"))
        store.client.command(f"DROP DATABASE {database}")
        health = client.get("/healthz")
        doc = health.get_json()
        assert health.status_code == 503 and health.headers["Retry-After"] == "5"
        assert doc["status"] == "error" and doc["cause"].startswith("events store (clickhouse): ")
        assert doc["stores"]["accounts"] == {"kind": "duckdb", "status": "ok"}
        assert doc["stores"]["events"]["status"] == "error" and database in doc["stores"]["events"]["cause"]
    finally:
        close_app(app)
        app.extensions["clearanalytics.store"].close()


# --- ClickHouse events, PostgreSQL accounts --------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def acme_id(pg_url: str) -> str:
    return _pg_rows(pg_url, "SELECT id FROM sites WHERE domain = 'example.com'")[0][0]


def _pg_rows(pg_url: str, sql: str, *params) -> list[tuple]:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


@needs_chdb
def test_serve_with_postgresql_accounts_and_clickhouse_events(tmp_path, live_server, pg_url, pg_server):
    events_url = chdb_url(tmp_path)
    env = {"CLEARANALYTICS_EVENTS_URL": events_url, "CLEARANALYTICS_ACCOUNTS_URL": pg_url}
    data_dir = tmp_path / "data"
    setup_account(env, data_dir)
    assert _pg_rows(pg_url, "SELECT domain FROM sites") == [("example.com",)]  # the accounts are in PostgreSQL
    server = live_server(data_dir, env=env)
    assert requests.get(server.url + "/healthz", timeout=10).json() == ok("clickhouse", "postgresql")

    # The CLI against the PostgreSQL accounts while the server holds the chdb directory (forwarded).
    for args in (("tenant", "add", "beta", "--name", "Beta"), ("site", "add", "beta.example", "--tenant", "beta")):
        done = cli(env, *args, "--data-dir", data_dir)
        assert done.returncode == 0, done.stderr
    metrics_token = token(env, data_dir, "metrics:read")
    api_token = token(env, data_dir, "goals:read")
    auth = {"Authorization": f"Bearer {api_token}"}
    assert requests.get(server.url + "/api/v1/goals", headers=auth, timeout=10).json() == {"data": []}

    ids = send_traffic(server.url, "example.com", pageviews=17, signups=3)
    ids |= send_traffic(server.url, "beta.example", pageviews=5, signups=0)
    wait_for(lambda: committed(server, metrics_token) == 25, "25 committed events")

    # The dashboard on PostgreSQL: log in (a session row), settings pages, a site and a token created there.
    browser = requests.Session()
    page = browser.get(server.url + "/login", timeout=10)
    login = browser.post(server.url + "/login", timeout=10, allow_redirects=False, data={
        "csrf_token": _csrf(page.text), "email": "owner@example.com", "password": PASSWORD})  # fmt: skip
    assert (login.status_code, login.headers["Location"]) == (302, "/dashboard")
    assert _pg_rows(pg_url, "SELECT count(*) FROM sessions") == [(1,)]
    for path in ("settings/sites", "settings/tokens", "settings/members", "settings/tenant", "settings/account",
                 "settings/danger"):  # fmt: skip
        assert browser.get(f"{server.url}/dashboard/acme/{path}", timeout=10).status_code == 200, path
    csrf = _csrf(browser.get(server.url + "/dashboard/acme/settings/sites", timeout=10).text)
    created = browser.post(server.url + "/dashboard/acme/settings/sites", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf, "domain": "new.example", "timezone": "Europe/Berlin", "currency": "EUR"})  # fmt: skip
    assert created.status_code == 302
    assert _pg_rows(pg_url, "SELECT timezone FROM sites WHERE domain = 'new.example'") == [("Europe/Berlin",)]
    made = browser.post(server.url + "/dashboard/acme/settings/tokens", timeout=10, data={
        "csrf_token": csrf, "name": "from the dashboard", "abilities": ["goals:read"]})  # fmt: skip
    shown = re.search(r"[0-9A-Z]{26}\|[\w-]{20,}", made.text).group(0)
    answer = requests.get(server.url + "/api/v1/goals", headers={"Authorization": f"Bearer {shown}"}, timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"data": []})

    # A goal added through the CLI: stored in PostgreSQL, backfilled in ClickHouse (one pageview of /p1).
    goal = ("goal", "add", "--site", "example.com", "--name", "Pricing", "--path", "/p1")
    done = cli(env, *goal, "--data-dir", data_dir)
    assert done.returncode == 0 and "1 existing completion(s) backfilled" in done.stderr, done.stderr
    goals = requests.get(server.url + "/api/v1/goals", headers=auth, timeout=10).json()["data"]
    assert [g["name"] for g in goals] == ["Pricing"]

    # The pages and reports that read events, now through the ClickHouse store (merged from main): exact.
    for path in ("example.com", "settings/goals", f"settings/sites/{acme_id(pg_url)}"):
        assert browser.get(f"{server.url}/dashboard/acme/{path}", timeout=30).status_code == 200, path
    stats = token(env, data_dir, "stats:read")
    params = {"domain": "example.com", "period": "24h"}
    answer = requests.get(
        server.url + "/api/v1/stats/overview", params, headers={"Authorization": f"Bearer {stats}"}, timeout=30
    )
    overview = answer.json()["data"]
    assert (overview["pageviews"], overview["visitors"]) == (17, 1)  # one client: one visitor

    # Revoked through the CLI: the next request is refused.
    done = cli(env, "token", "revoke", api_token.split("|")[0], "--data-dir", data_dir)
    assert done.returncode == 0, done.stderr
    assert requests.get(server.url + "/api/v1/goals", headers=auth, timeout=10).status_code == 401

    # Removing a site deletes its events in ClickHouse (the plan counts them there, not on PostgreSQL).
    beta = _pg_rows(pg_url, "SELECT id FROM sites WHERE domain = 'beta.example'")[0][0]
    acme = _pg_rows(pg_url, "SELECT id FROM sites WHERE domain = 'example.com'")[0][0]
    done = cli(env, "site", "remove", "beta.example", "--yes", "--data-dir", data_dir)
    assert (done.returncode, done.stdout) == (0, "removed site beta.example\n"), done.stderr
    assert "pageviews: 5" in done.stderr

    # PostgreSQL goes away under the running server: /healthz says which store, without a secret.
    pg_server.drop_database(pg_url.split("?")[0].rsplit("/", 1)[-1])
    health = requests.get(server.url + "/healthz", timeout=30)
    doc = health.json()
    assert health.status_code == 503 and doc["cause"].startswith("accounts store (postgresql): ")
    assert doc["stores"]["events"] == {"kind": "clickhouse", "status": "ok"}
    assert doc["stores"]["accounts"]["status"] == "error"
    server.stop()

    found = stored(events_url, acme, beta)
    assert found["counts"][acme] == {
        "pageviews": 17, "events": 3, "ecommerce_events": 0, "goal_completions": 1, "pageview_engagements": 0,
    }  # fmt: skip
    assert sum(found["counts"][beta].values()) == 0
    assert len(found["pageview_ids"]) == 17 and set(found["pageview_ids"]) < ids
