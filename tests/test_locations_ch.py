"""c003_locations, ClickHouse's side of m010_locations: the three nullable pageview columns, word for word
with and without a cluster (as tests/test_deploy.py checks c001 and c002), parsed by ClickHouse itself."""

from __future__ import annotations

import pytest

from clearanalytics.ingest.store import COLUMNS
from clearanalytics.storage.clickhouse_schema import location_ddl, migrate
from tests.chstore_helpers import chdb_directory, chdb_missing
from tests.test_deploy import Recorder

ADDED = (
    "ADD COLUMN IF NOT EXISTS country_code Nullable(String) AFTER scroll_depth, "
    "ADD COLUMN IF NOT EXISTS region Nullable(String) AFTER country_code, "
    "ADD COLUMN IF NOT EXISTS city Nullable(String) AFTER region"
)


def test_c003_without_a_cluster_word_for_word():
    client = Recorder()
    migrate(client, "clearanalytics")
    c002 = client.sent.index(("insert", "clearanalytics.schema_version", (2, "c002_data_versions")))
    assert client.sent[c002 + 1 : c002 + 3] == [  # c004 follows: tests/test_import_plausible_ch.py
        f"ALTER TABLE clearanalytics.pageviews {ADDED}",
        ("insert", "clearanalytics.schema_version", (3, "c003_locations")),
    ]


def test_c003_on_a_cluster_word_for_word():
    """The shards' local tables hold the rows, the Distributed table must show the same columns: both altered."""
    client = Recorder()
    migrate(client, "ca", cluster="events")
    c002 = client.sent.index(("insert", "ca.schema_version", (2, "c002_data_versions")))
    assert client.sent[c002 + 1 : c002 + 4] == [  # c004 follows: tests/test_import_plausible_ch.py
        f"ALTER TABLE ca.pageviews_local ON CLUSTER 'events' {ADDED}",
        f"ALTER TABLE ca.pageviews ON CLUSTER 'events' {ADDED}",
        ("insert", "ca.schema_version", (3, "c003_locations")),
    ]


def test_chdb_parses_the_cluster_statements_and_a_rerun_changes_nothing():
    reason = chdb_missing()
    if reason:
        pytest.skip(reason)
    import clickhouse_connect

    client = clickhouse_connect.get_client(dsn=f"chdb://{chdb_directory()}")
    for statement in location_ddl("ca", "events"):
        text = str(client.query("SELECT formatQuery({s:String})", parameters={"s": statement}).result_rows[0][0])
        assert text.startswith("ALTER TABLE ca.pageviews") and "ON CLUSTER events" in text, text
    client.command("CREATE DATABASE IF NOT EXISTS c003_test")
    try:
        assert migrate(client, "c003_test")[2] == "c003_locations"  # c004_imports after it
        for statement in location_ddl("c003_test"):  # interrupted before its ledger row: applied again, harmlessly
            client.command(statement)
        rows = client.query(
            "SELECT name, type FROM system.columns WHERE database = 'c003_test' AND table = 'pageviews' "
            "ORDER BY position"
        ).result_rows
        assert rows[-5:] == [("scroll_depth", "Nullable(Int32)"), ("country_code", "Nullable(String)"),
                             ("region", "Nullable(String)"), ("city", "Nullable(String)"),
                             ("created_at", "DateTime64(6, 'UTC')")]  # fmt: skip
        assert [name for name, _ in rows] == list(COLUMNS["pageviews"])  # the row format, column for column
    finally:
        client.command("DROP DATABASE IF EXISTS c003_test")
