"""The scale-out set-up's text: the `?cluster=NAME` DDL, and deploy/ (compose file, nginx config).

Nothing here runs a ClickHouse cluster or a container: chdb has no Replicated or Distributed engine
and this machine has no container engine. What can be checked is checked: the DDL word for word,
that chdb's own parser accepts every cluster statement (formatQuery), that the default DDL is the one
shipped before the option existed, and that the compose file names only settings the app reads.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from clearanalytics.storage import StorageConfigError
from clearanalytics.storage.clickhouse_schema import (
    RETAINED_COLUMNS,
    delete_from,
    event_table_ddl,
    ledger_ddl,
    migrate,
    parse_events_url,
    report_table_ddl,
)
from tests.chstore_helpers import chdb_directory, chdb_missing

T = "DateTime64(6, 'UTC')"
INDEX = "INDEX id_bloom id TYPE bloom_filter(0.01) GRANULARITY 1"


class Recorder:
    """A stand-in client that records what migrate sends (its ledger answers: empty)."""

    def __init__(self) -> None:
        self.sent: list[object] = []

    def command(self, sql: str, **_: object) -> None:
        self.sent.append(sql)

    def query(self, sql: str, **_: object):
        self.sent.append(sql)
        return type("Answer", (), {"result_rows": [(0,)]})()

    def insert(self, table: str, rows: list, **_: object) -> None:
        self.sent.append(("insert", table, rows[0][:2]))


# sha256 of repr() of each statement migrate() sent, one per line, recorded from the code BEFORE the
# cluster option existed (commit c13301f): the default set-up must not change by one character.
DEFAULT_MIGRATE_SHA256 = "016edf7d5b082194dfdc84336c25fbc84a31bf0a17be8f126bb69c6f6fda71c8"


def test_without_a_cluster_the_ddl_is_unchanged():
    client = Recorder()
    assert migrate(client, "clearanalytics") == ["c001_event_tables", "c002_data_versions", "c003_locations",
                                                 "c004_imports"]  # fmt: skip
    c001 = [s for s in client.sent if not isinstance(s, str)][0]  # c002 came after the recording: left out
    before_c002 = client.sent[: client.sent.index(c001) + 1]
    text = "".join(repr(s if isinstance(s, str) else ("insert", s[1])) + "\n" for s in before_c002)
    assert hashlib.sha256(text.encode()).hexdigest() == DEFAULT_MIGRATE_SHA256
    assert client.sent[:2] == [
        "CREATE DATABASE IF NOT EXISTS clearanalytics",
        f"CREATE TABLE IF NOT EXISTS clearanalytics.schema_version (version UInt32, name String, applied_at {T}) "
        "ENGINE = MergeTree ORDER BY version",
    ]
    assert delete_from("clearanalytics", "pageviews") == "DELETE FROM clearanalytics.pageviews"


def test_cluster_ddl_word_for_word():
    client = Recorder()
    assert migrate(client, "ca", cluster="events") == ["c001_event_tables", "c002_data_versions", "c003_locations",
                                                       "c004_imports"]  # fmt: skip
    sent = client.sent
    c002_end = sent.index(
        ("insert", "ca.schema_version", (2, "c002_data_versions"))
    )  # c003: tests/test_locations_ch.py, c004: tests/test_import_plausible_ch.py
    retained = [f"retained_{t}" for t in RETAINED_COLUMNS]
    names = [s.split(" ON CLUSTER")[0].removeprefix("CREATE TABLE IF NOT EXISTS ") for s in sent[14:c002_end]]
    assert names == ["ca.data_versions", *(n for t in retained for n in (f"ca.{t}_local", f"ca.{t}"))]
    assert "ReplicatedMergeTree('/clickhouse/tables/all/ca/data_versions', '{replica}')" in sent[14]
    assert sent[c002_end] == ("insert", "ca.schema_version", (2, "c002_data_versions"))
    assert sent[:3] == [
        "CREATE DATABASE IF NOT EXISTS ca ON CLUSTER 'events'",
        f"CREATE TABLE IF NOT EXISTS ca.schema_version ON CLUSTER 'events' (version UInt32, name String, "
        f"applied_at {T}) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/ca/schema_version', '{{replica}}') "
        "ORDER BY version",
        "SELECT max(version) FROM ca.schema_version",
    ]
    tables = ("pageviews", "events", "ecommerce_events", "goal_completions", "pageview_engagements")
    names = [s.split(" ON CLUSTER")[0].removeprefix("CREATE TABLE IF NOT EXISTS ") for s in sent[3:13]]
    assert names == [n for t in tables for n in (f"ca.{t}_local", f"ca.{t}")]
    assert sent[13] == ("insert", "ca.schema_version", (1, "c001_event_tables"))
    engagement_columns = (
        f"pageview_id String, site_id String, created_at {T}, duration Int32, scroll_depth Nullable(Int32)"
    )
    assert [" ".join(s.split()) for s in sent[11:13]] == [
        f"CREATE TABLE IF NOT EXISTS ca.pageview_engagements_local ON CLUSTER 'events' ( {engagement_columns}) "
        "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/ca/pageview_engagements_local', '{replica}') "
        "PARTITION BY toYYYYMM(created_at) ORDER BY (site_id, created_at) "
        "SETTINGS replicated_deduplication_window = 1000",
        f"CREATE TABLE IF NOT EXISTS ca.pageview_engagements ON CLUSTER 'events' ( {engagement_columns}) "
        "ENGINE = Distributed('events', 'ca', 'pageview_engagements_local', cityHash64(site_id))",
    ]
    local, distributed = (" ".join(s.split()) for s in sent[3:5])
    assert local.endswith(
        "created_at DateTime64(6, 'UTC'), INDEX id_bloom id TYPE bloom_filter(0.01) GRANULARITY 1) "
        "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/ca/pageviews_local', '{replica}') "
        "PARTITION BY toYYYYMM(created_at) ORDER BY (site_id, created_at) "
        "SETTINGS replicated_deduplication_window = 1000"
    )
    assert distributed.endswith(
        "scroll_depth Nullable(Int32), created_at DateTime64(6, 'UTC')) "
        "ENGINE = Distributed('events', 'ca', 'pageviews_local', cityHash64(site_id))"
    )
    # Each Distributed table has its local table's columns, without the index (it holds no data).
    for local, distributed in zip(sent[3:13:2], sent[4:13:2], strict=True):
        cols = local.split(" (", 1)[1].split(") ENGINE")[0].replace(f", {INDEX}", "")
        assert distributed.split(" (", 1)[1].split(") ENGINE")[0] == cols
    assert delete_from("ca", "pageviews", "events") == "DELETE FROM ca.pageviews_local ON CLUSTER 'events'"


def test_chdb_parses_every_cluster_statement():
    """chdb cannot run them (no Keeper, no cluster), but ClickHouse's own parser must accept them. Through this
    process's one chdb directory (tests/chstore_helpers.py): chdb refuses a second path in one process."""
    reason = chdb_missing()
    if reason:
        pytest.skip(reason)
    import clickhouse_connect

    client = clickhouse_connect.get_client(dsn=f"chdb://{chdb_directory()}")

    def formatted(statement: str) -> str:
        return str(client.query("SELECT formatQuery({s:String})", parameters={"s": statement}).result_rows[0][0])

    statements = ledger_ddl("ca", "events") + event_table_ddl("ca", "events") + report_table_ddl("ca", "events")
    for statement in statements:
        text = formatted(statement)
        assert text.startswith("CREATE ") and "ON CLUSTER events" in text, text
    with pytest.raises(Exception, match="Syntax error"):
        formatted(statements[2][:-5])  # the same, cut short


def test_the_events_url_names_the_cluster():
    assert parse_events_url("clickhouse://ca:pw@ch1:8123/analytics?cluster=events").cluster == "events"
    assert parse_events_url("https://ch1/analytics?cluster=events").cluster == "events"
    assert parse_events_url("clickhouse://ch1").cluster == ""
    assert parse_events_url("clickhouse://ch1?cluster=events").describe() == (
        "http://default@ch1:8123/clearanalytics (cluster events)"
    )
    with pytest.raises(StorageConfigError, match=r"^events_url: cluster needs ClickHouse servers"):
        parse_events_url("chdb:///tmp/x?cluster=events")
    with pytest.raises(StorageConfigError, match=r"^events_url: cluster name 'a-b' must be letters"):
        parse_events_url("clickhouse://ch1?cluster=a-b")


# --- sticky routing (bench/sticky.py): sessions are per node, salts are shared -----------------------


def test_round_robin_splits_sessions_that_sticky_routing_keeps(tmp_path):
    """Eight pageviews, three visitors, through real ingest pipelines sharing one accounts database.

        A 10.0.0.1  10:00 /  10:05 /docs  10:10 /pricing   one visit of three pages
        B 10.0.0.2  10:01 /  (bounce)     12:00 /  12:20 /docs   two visits
        C 10.0.0.3  10:02 /  10:03 /docs                   one visit of two pages

    One node: 4 sessions (A, B twice, C), 1 bounce (B at 10:01), 3 visitors.
    Round-robin over the time order (A B C C A A B B -> nodes 0 1 0 1 0 1 0 1): node 0 sees A 10:00+10:05,
    C 10:02, B 12:00; node 1 sees B 10:01, C 10:03, A 10:10, B 12:20. Each node starts its own session
    for a visitor (the hash includes the session's first moment on that node): 3 + 4 = 7 sessions, of
    which 6 have one pageview. The visitors stay 3: the salt is the same on both nodes.
    """
    from bench.sticky import AGENTS, Hit, measure, open_accounts, today_utc

    day = today_utc()

    def hit(ip: str, hh: int, mm: int, path: str = "/") -> Hit:
        return Hit(day + timedelta(hours=hh, minutes=mm), ip, AGENTS[0], path)

    a, b, c = "10.0.0.1", "10.0.0.2", "10.0.0.3"
    hits = sorted([
        hit(a, 10, 0), hit(a, 10, 5, "/docs"), hit(a, 10, 10, "/pricing"),
        hit(b, 10, 1), hit(b, 12, 0), hit(b, 12, 20, "/docs"),
        hit(c, 10, 2), hit(c, 10, 3, "/docs"),
    ])  # fmt: skip
    db = open_accounts(tmp_path / "data")
    try:
        results = measure(db, hits)
    finally:
        db.close()
    one = results["one node"]
    stuck = results["two nodes, sticky by client address"]
    spread = results["two nodes, round-robin"]
    assert (one.pageviews, one.sessions, one.bounces, one.visitors) == (8, 4, 1, 3)
    assert (stuck.pageviews, stuck.sessions, stuck.bounces, stuck.visitors) == (8, 4, 1, 3)
    assert (spread.pageviews, spread.sessions, spread.bounces, spread.visitors) == (8, 7, 6, 3)
    assert (one.bounce_rate, round(spread.bounce_rate, 1)) == (25.0, 85.7)


# --- deploy/: the compose file and nginx.conf (not run here: no container engine) --------------------

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
# Read by `serve` once the serving wiring of [4/7] is merged (helper `wire`); until then open_store reads it.
PENDING_SETTINGS = {"CLEARANALYTICS_EVENTS_URL"}
SECRETS = {"CLICKHOUSE_PASSWORD": "ch-pw", "POSTGRES_PASSWORD": "pg-pw", "CLEARANALYTICS_SECRET_KEY": "k" * 64}


def _compose() -> dict:
    import yaml

    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _interpolate(value: str) -> str:
    """Compose's ${NAME:?message} with the example secrets."""
    return re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: SECRETS[m.group(1)], value)


def test_compose_file_names_only_settings_the_app_reads():
    from clearanalytics.config import SETTINGS
    from clearanalytics.pgaccounts import parse_accounts_url

    compose = _compose()
    assert set(compose["services"]) == {"clickhouse", "postgres", "node1", "node2", "nginx"}
    known = {s.env_var for s in SETTINGS} | PENDING_SETTINGS
    volumes = []
    for name in ("node1", "node2"):
        node = compose["services"][name]
        env = {k: _interpolate(v) for k, v in node["environment"].items()}
        assert set(env) <= known, set(env) - known
        events = parse_events_url(env["CLEARANALYTICS_EVENTS_URL"])
        assert (events.kind, events.host, events.port, events.database, events.password) == (
            "server", "clickhouse", 8123, "clearanalytics", "ch-pw",
        )  # fmt: skip
        accounts = parse_accounts_url(env["CLEARANALYTICS_ACCOUNTS_URL"])
        assert (accounts["host"], accounts["dbname"], accounts["password"]) == ("postgres", "clearanalytics", "pg-pw")
        nginx_address = compose["services"]["nginx"]["networks"]["backend"]["ipv4_address"]
        assert env["CLEARANALYTICS_TRUSTED_PROXIES"] == nginx_address  # only nginx may name the client
        assert node["build"]["args"]["EXTRAS"] == "[clickhouse,postgres]"
        assert set(node["depends_on"]) == {"clickhouse", "postgres"}
        volumes += node["volumes"]
    assert volumes == ["node1-data:/data", "node2-data:/data"]  # a spool (data dir) of its own per node
    assert 'ARG EXTRAS=""' in (DEPLOY.parent / "Dockerfile").read_text()
    ch_env = compose["services"]["clickhouse"]["environment"]
    assert (ch_env["CLICKHOUSE_DB"], ch_env["CLICKHOUSE_USER"]) == ("clearanalytics", "clearanalytics")
    pg_env = compose["services"]["postgres"]["environment"]
    assert (pg_env["POSTGRES_DB"], pg_env["POSTGRES_USER"]) == ("clearanalytics", "clearanalytics")
    upstream = re.search(r"upstream clearanalytics \{(.*?)\}", (DEPLOY / "nginx.conf").read_text(), re.S).group(1)
    assert "hash $remote_addr consistent;" in upstream
    assert re.findall(r"server (\S+):8000", upstream) == ["node1", "node2"]


def test_docker_compose_accepts_the_file():
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose): only parsed with PyYAML")
    env = dict(os.environ) | SECRETS
    result = subprocess.run(
        [binary, "-f", str(DEPLOY / "docker-compose.yml"), "config", "-q"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr


def _nginx_conf(tmp_path: Path, upstreams: list[str], port: int) -> Path:
    """deploy/nginx.conf with the two node names swapped for loopback ports, a private prefix, and a
    header naming the node that answered (for the test only: it would tell clients internal addresses)."""
    text = (DEPLOY / "nginx.conf").read_text()
    for name, address in zip(("node1:8000", "node2:8000"), upstreams, strict=True):
        text = text.replace(f"server {name} ", f"server {address} ")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    temp_paths = "".join(
        f"    {k}_temp_path {tmp_path}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    test_only = "    access_log off;\n    add_header X-Served-By $upstream_addr always;\n"
    text = text.replace("http {", "http {\n" + temp_paths + test_only, 1)
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path


def _nginx(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["nginx", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-g", f"pid {tmp_path}/nginx.pid;", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_nginx_accepts_the_config(tmp_path):
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    conf = _nginx_conf(tmp_path, ["127.0.0.1:18001", "127.0.0.1:18002"], _free_port())
    result = _nginx("-t", "-c", str(conf), tmp_path=tmp_path)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


def _wait_listening(port: int, proc: subprocess.Popen) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise AssertionError(f"nginx exited: {proc.stderr.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("nginx never listened")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nginx_sends_each_client_address_to_one_node(tmp_path, account, live_server):
    """Two real `clearanalytics serve` nodes behind deploy/nginx.conf; 24 client addresses (127.0.0.x,
    every loopback address is this machine) ask three times each: each address always reaches the
    same node, and both nodes serve some."""
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    from conftest import copy_data_dir

    second_dir = copy_data_dir(account.data_dir, tmp_path / "node2")
    first, second = live_server(account.data_dir), live_server(second_dir)
    upstreams = [urlsplit(s.url).netloc for s in (first, second)]
    port = _free_port()
    conf = _nginx_conf(tmp_path, upstreams, port)
    nginx = subprocess.Popen(  # in the foreground: this test's own child, stopped and reaped below
        ["nginx", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf),
         "-g", f"pid {tmp_path}/nginx.pid; daemon off;"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_listening(port, nginx)
        served: dict[str, set[str]] = {}
        for n in range(2, 26):
            client = f"127.0.0.{n}"
            for _ in range(3):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(client, 0))
                try:
                    conn.request("GET", "/healthz")
                    answer = conn.getresponse()
                    answer.read()
                    assert answer.status == 200
                    served.setdefault(client, set()).add(answer.getheader("X-Served-By"))
                finally:
                    conn.close()
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
    assert all(len(nodes) == 1 for nodes in served.values()), served
    assert {node for nodes in served.values() for node in nodes} == set(upstreams)
