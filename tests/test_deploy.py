"""The scale-out set-up's text: the `?cluster=NAME` DDL, and deploy/ (compose file, nginx config).

Nothing here runs a ClickHouse cluster or a container: chdb has no Replicated or Distributed engine
and this machine has no container engine. What can be checked is checked: the DDL word for word,
that chdb's own parser accepts every cluster statement (formatQuery), that the default DDL is the one
shipped before the option existed, and that the compose file names only settings the app reads.
"""

from __future__ import annotations

import hashlib

import pytest

from clearanalytics.storage import StorageConfigError
from clearanalytics.storage.clickhouse_schema import (
    delete_from,
    event_table_ddl,
    ledger_ddl,
    migrate,
    parse_events_url,
)

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
    assert migrate(client, "clearanalytics") == ["c001_event_tables"]
    text = "".join(repr(s if isinstance(s, str) else ("insert", s[1])) + "\n" for s in client.sent)
    assert hashlib.sha256(text.encode()).hexdigest() == DEFAULT_MIGRATE_SHA256
    assert client.sent[:2] == [
        "CREATE DATABASE IF NOT EXISTS clearanalytics",
        f"CREATE TABLE IF NOT EXISTS clearanalytics.schema_version (version UInt32, name String, applied_at {T}) "
        "ENGINE = MergeTree ORDER BY version",
    ]
    assert delete_from("clearanalytics", "pageviews") == "DELETE FROM clearanalytics.pageviews"


def test_cluster_ddl_word_for_word():
    client = Recorder()
    assert migrate(client, "ca", cluster="events") == ["c001_event_tables"]
    sent = client.sent
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
    """chdb cannot run them (no Keeper, no cluster), but ClickHouse's own parser must accept them."""
    try:
        import chdb
    except ImportError as exc:
        pytest.skip(f"chdb is not installed ({exc}): pip install '.[clickhouse]'")

    def literal(text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    statements = ledger_ddl("ca", "events") + event_table_ddl("ca", "events")
    for statement in statements:
        formatted = str(chdb.query(f"SELECT formatQuery({literal(statement)})", "TSVRaw")).strip()
        assert formatted.startswith("CREATE ") and "ON CLUSTER events" in formatted, formatted
    with pytest.raises(Exception, match="Syntax error"):
        chdb.query(f"SELECT formatQuery({literal(statements[2][:-5])})", "TSVRaw")  # the same, cut short


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
