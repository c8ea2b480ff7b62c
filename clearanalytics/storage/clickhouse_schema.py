"""The ClickHouse event store's address, connection and schema (its own migration ledger).

Why apart from the store: the URL is parsed at the edge (open_store, and the tests) into one typed
value whose errors are one line naming the setting, and the schema is a list of named migrations
like the DuckDB file's (clearanalytics.migrations), recorded in a ledger of its own in the store's
database: the accounts live elsewhere, so the two ledgers move independently.

ClickHouse has no transactions, so a migration is written to be re-run safely (`IF NOT EXISTS`):
one interrupted before its ledger row is simply applied again on the next start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from clearanalytics.migrations import SchemaTooNewError
from clearanalytics.storage import StorageConfigError

DEFAULT_DATABASE = "clearanalytics"
ENGAGEMENTS = "pageview_engagements"  # engaged time as appended rows (see clickhouse_store)
DATA_VERSIONS = "data_versions"  # writes into closed days, counted per site (see c002_data_versions)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SCHEMES = {"chdb": None, "clickhouse": 8123, "http": 8123, "https": 8443}


@dataclass(frozen=True)
class EventsURL:
    """Where the ClickHouse events live: an embedded chdb directory, or a server over HTTP(S)."""

    kind: str  # "chdb" or "server"
    database: str
    path: str = ""  # chdb: the engine's directory
    host: str = ""
    port: int = 0
    secure: bool = False
    username: str = "default"
    password: str = ""
    cluster: str = ""  # ?cluster=NAME: ON CLUSTER DDL, Replicated local tables under Distributed ones

    def describe(self) -> str:
        """The address without the password, for logs and errors."""
        if self.kind == "chdb":
            return f"chdb://{self.path} (database {self.database})"
        scheme = "https" if self.secure else "http"
        cluster = f" (cluster {self.cluster})" if self.cluster else ""
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.database}{cluster}"


def _fail(message: str) -> StorageConfigError:
    return StorageConfigError(f"events_url: {message}")


def parse_events_url(url: str) -> EventsURL | None:
    """The typed address of CLEARANALYTICS_EVENTS_URL; None when unset or `duckdb:` (the embedded file).

    chdb:///ABSOLUTE/PATH[?database=NAME], clickhouse://[user[:password]@]host[:port][/NAME][?secure=true]
    (HTTP, port 8123, or HTTPS 8443 with secure=true), http(s)://[user[:password]@]host[:port][/NAME].
    Every malformed URL raises StorageConfigError with one line naming the setting and the fault.
    """
    url = (url or "").strip()
    if not url or url.startswith("duckdb:"):
        return None
    if "://" not in url:
        raise _fail(f"{url.split(':', 1)[0]!r} is not a URL (expected chdb:///path, clickhouse://host or https://host)")
    scheme = url.split("://", 1)[0].lower()
    if scheme not in _SCHEMES:
        raise _fail(f"no event store for {scheme!r} (use chdb://, clickhouse://, http:// or https://)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _fail(f"malformed URL ({exc})") from None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    allowed = (
        {"database", "cluster"}
        if scheme == "chdb"
        else {"cluster", "secure"}
        if scheme == "clickhouse"
        else {"cluster"}
    )
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise _fail(f"unknown parameter {unknown[0]!r} in the URL")
    if scheme == "chdb":
        if "cluster" in query:
            raise _fail("cluster needs ClickHouse servers: chdb is one engine in this process")
        return _chdb(parts.netloc, parts.path, query)
    return _server(scheme, parts, port, query)


def _database(name: str) -> str:
    if not _NAME.match(name):
        raise _fail(f"database name {name!r} must be letters, digits and _ (not starting with a digit)")
    return name


def _chdb(netloc: str, path: str, query: dict[str, str]) -> EventsURL:
    if netloc:
        raise _fail(f"chdb needs an absolute directory, as chdb:///var/lib/clearanalytics/events (got host {netloc!r})")
    if not path or path == "/":
        raise _fail("chdb needs a directory, as chdb:///var/lib/clearanalytics/events")
    return EventsURL("chdb", _database(query.get("database", DEFAULT_DATABASE)), path=unquote(path))


def _server(scheme: str, parts: Any, port: int | None, query: dict[str, str]) -> EventsURL:
    if not parts.hostname:
        raise _fail(f"{scheme}:// needs a host, as {scheme}://clickhouse.internal:8123")
    secure = scheme == "https" or query.get("secure", "").lower() in ("1", "true", "yes")
    if "secure" in query and query["secure"].lower() not in ("1", "true", "yes", "0", "false", "no"):
        raise _fail(f"secure={query['secure']!r} must be true or false")
    default_port = 8443 if secure else _SCHEMES[scheme]
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > 1:
        raise _fail(f"the path names one database, not {parts.path!r}")
    return EventsURL(
        "server",
        _database(unquote(segments[0]) if segments else DEFAULT_DATABASE),
        host=parts.hostname,
        port=port or default_port,
        secure=secure,
        username=unquote(parts.username or "default"),
        password=unquote(parts.password or ""),
        cluster=_cluster(query["cluster"]) if "cluster" in query else "",
    )


def _cluster(name: str) -> str:
    if not _NAME.match(name):
        raise _fail(f"cluster name {name!r} must be letters, digits and _ (as in the servers' remote_servers)")
    return name


def connect(address: EventsURL) -> Any:
    """A clickhouse-connect client for the address (the `clickhouse` extra: pip install '.[clickhouse]').

    One chdb directory per process (the engine refuses a second); a server client shares no session
    between threads, so concurrent calls never meet ClickHouse's "session is locked".
    """
    try:
        import clickhouse_connect
    except ImportError:
        raise _fail(
            "the ClickHouse store needs the clickhouse extra: pip install 'clearanalytics[clickhouse]'"
        ) from None
    if address.kind == "chdb":
        return clickhouse_connect.get_client(dsn=f"chdb://{address.path}")
    return clickhouse_connect.get_client(
        host=address.host,
        port=address.port,
        username=address.username,
        password=address.password,
        secure=address.secure,
        autogenerate_session_id=False,
    )


# --- the schema -----------------------------------------------------------------------------------

_ORDER = "PARTITION BY toYYYYMM(created_at) ORDER BY (site_id, created_at)"
# The server drops an insert whose block (or insert_deduplication_token) it stored in the last 1,000.
_SETTINGS = "SETTINGS non_replicated_deduplication_window = 1000"
_TIME = "DateTime64(6, 'UTC')"  # DuckDB's TIMESTAMP: microseconds, naive UTC
_ID_INDEX = "INDEX id_bloom id TYPE bloom_filter(0.01) GRANULARITY 1"  # pageview(id), engagements, replays

_TABLES = {
    "pageviews": f"""
        id String, site_id String, visitor_hash String, session_hash String, hostname String, pathname String,
        referrer Nullable(String), referrer_source String, channel String,
        utm_source Nullable(String), utm_medium Nullable(String), utm_campaign Nullable(String),
        utm_term Nullable(String), utm_content Nullable(String), ref Nullable(String),
        browser String, os String, device_type String, language Nullable(String),
        duration Int32 DEFAULT 0, scroll_depth Nullable(Int32), created_at {_TIME}, {_ID_INDEX}""",
    "events": f"""
        id String, site_id String, visitor_hash String, session_hash String, pageview_id Nullable(String),
        name String, hostname String, pathname String, props String DEFAULT '{{}}', created_at {_TIME}, {_ID_INDEX}""",
    "ecommerce_events": f"""
        id String, site_id String, visitor_hash String, session_hash String, pageview_id Nullable(String),
        event_type String, transaction_id Nullable(String), value Nullable(Decimal(18, 2)),
        currency Nullable(String), items String DEFAULT '[]', in_site_currency Bool DEFAULT true,
        created_at {_TIME}, {_ID_INDEX}""",
    "goal_completions": f"""
        id String, goal_id String, site_id String, visitor_hash String, session_hash Nullable(String),
        pageview_id Nullable(String), event_id Nullable(String), created_at {_TIME}, {_ID_INDEX}""",
    # One row per engagement update: the pageview's id, site and created_at (so retention and
    # deletion take them with their pageview), and the absolute totals; read as the greatest.
    ENGAGEMENTS: f"""
        pageview_id String, site_id String, created_at {_TIME}, duration Int32, scroll_depth Nullable(Int32)""",
}


# --- a cluster (?cluster=NAME): never run here, chdb has no Replicated or Distributed engine -----------

LOCAL_SUFFIX = "_local"  # on a cluster, `pageviews` is the Distributed table over each shard's `pageviews_local`
# One site's rows on one shard: every report joins and windows within a site (sessions, engagement rows,
# goal completions), so a shard answers its sites alone. The price: one site never outgrows one shard.
SHARDING_KEY = "cityHash64(site_id)"
_REPLICATED_SETTINGS = "SETTINGS replicated_deduplication_window = 1000"


def _on(cluster: str) -> str:
    return f" ON CLUSTER '{cluster}'" if cluster else ""


def _replicated(path: str) -> str:
    """A ReplicatedMergeTree whose replicas meet at `path` in ClickHouse Keeper; {replica} is each server's macro."""
    return f"ReplicatedMergeTree('{path}', '{{replica}}')"


def event_table_ddl(database: str, cluster: str = "") -> list[str]:
    """c001's statements. Without a cluster: one MergeTree per table. With one: per table, a
    ReplicatedMergeTree `<table>_local` on every server (its shard's path from the `{shard}` macro)
    and the Distributed `<table>` over them, both ON CLUSTER, so the store reads and inserts by the
    same names either way."""
    if not cluster:
        return [
            f"CREATE TABLE IF NOT EXISTS {database}.{table} ({columns}) ENGINE = MergeTree {_ORDER} {_SETTINGS}"
            for table, columns in _TABLES.items()
        ]
    statements = []
    for table, columns in _TABLES.items():
        local = f"{table}{LOCAL_SUFFIX}"
        path = f"/clickhouse/tables/{{shard}}/{database}/{local}"
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {database}.{local}{_on(cluster)} ({columns}) "
            f"ENGINE = {_replicated(path)} {_ORDER} {_REPLICATED_SETTINGS}"
        )
        plain = columns.replace(f", {_ID_INDEX}", "")  # a Distributed table holds no data, so no index
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {database}.{table}{_on(cluster)} ({plain}) "
            f"ENGINE = Distributed('{cluster}', '{database}', '{local}', {SHARDING_KEY})"
        )
    return statements


def ledger_ddl(database: str, cluster: str = "") -> list[str]:
    """The database and the schema ledger. On a cluster the ledger is one ReplicatedMergeTree that every
    server holds a replica of (no {shard} in its path): whichever node migrates, every node reads it."""
    engine = _replicated(f"/clickhouse/tables/all/{database}/schema_version") if cluster else "MergeTree"
    return [
        f"CREATE DATABASE IF NOT EXISTS {database}{_on(cluster)}",
        f"CREATE TABLE IF NOT EXISTS {database}.schema_version{_on(cluster)} "
        f"(version UInt32, name String, applied_at {_TIME}) ENGINE = {engine} ORDER BY version",
    ]


def delete_from(database: str, table: str, cluster: str = "") -> str:
    """`DELETE FROM` what holds the rows: a Distributed table refuses DELETE, so on a cluster each
    shard's local table, on every server. (The store's deletes do not use it yet: docs/STORAGE.md.)"""
    if not cluster:
        return f"DELETE FROM {database}.{table}"
    return f"DELETE FROM {database}.{table}{LOCAL_SUFFIX}{_on(cluster)}"


def c001_event_tables(client: Any, database: str, cluster: str = "") -> None:
    """The four event tables (DuckDB's columns), ordered by site and time, a month per partition, and
    the engagement rows."""
    for statement in event_table_ddl(database, cluster):
        client.command(statement)


def c002_data_versions(client: Any, database: str, cluster: str = "") -> None:
    """Two things the reports need besides raw events.

    `data_versions`: one row per write into a site's closed days (older than a day: imports, late
    engagement, goal backfills, deletions, retention, a timezone change), with the UTC days its rows
    fall on (`day_from`..`day_to`; NULL: every day of the site). A site's row count is its data
    version: a node whose kept closed days (storage/clickhouse_kept.py) were built at another count
    reads the rows it has not seen and builds those days again, so a write on one node reaches the
    others' kept rows without any message between them. A retention run's row carries its cutoff day
    (`retained_from`).

    `retained_<table>`: the daily report rows (site, local day) of the days a retention run deleted,
    built before it deletes, so those days keep their reports as on DuckDB (its rollups) and stay final.
    """
    for statement in report_table_ddl(database, cluster):
        client.command(statement)


def report_table_ddl(database: str, cluster: str = "") -> list[str]:
    """c002's statements. On a cluster `data_versions` is one table every server holds a replica of (each
    node counts every write), and each `retained_<table>` is sharded by site like the events."""
    versions = (
        "(id String, site_id String, reason String, day_from Nullable(Date), day_to Nullable(Date), "
        f"retained_from Nullable(Date), at {_TIME})"
    )
    engine = _replicated(f"/clickhouse/tables/all/{database}/{DATA_VERSIONS}") if cluster else "MergeTree"
    statements = [
        f"CREATE TABLE IF NOT EXISTS {database}.{DATA_VERSIONS}{_on(cluster)} {versions} "
        f"ENGINE = {engine} ORDER BY site_id"
    ]
    for table, columns in RETAINED_COLUMNS.items():
        listed = "site_id String, day Date, " + ", ".join(f"{name} {kind}" for name, kind in columns)
        name = f"retained_{table}"
        if not cluster:
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {database}.{name} ({listed}) ENGINE = MergeTree ORDER BY (site_id, day)"
            )
            continue
        local = f"{name}{LOCAL_SUFFIX}"
        path = f"/clickhouse/tables/{{shard}}/{database}/{local}"
        statements += [
            f"CREATE TABLE IF NOT EXISTS {database}.{local}{_on(cluster)} ({listed}) "
            f"ENGINE = {_replicated(path)} ORDER BY (site_id, day)",
            f"CREATE TABLE IF NOT EXISTS {database}.{name}{_on(cluster)} ({listed}) "
            f"ENGINE = Distributed('{cluster}', '{database}', '{local}', {SHARDING_KEY})",
        ]
    return statements


LOCATION_COLUMNS = ("country_code", "region", "city")  # ingest/locations.py; DuckDB's m010_locations


def location_ddl(database: str, cluster: str = "") -> list[str]:
    """c003's statements: the three nullable columns before `created_at` in `pageviews` (rows written before
    read NULL: an unknown location). On a cluster the shards' local tables and the Distributed one alike, ON CLUSTER."""
    after = ("scroll_depth", *LOCATION_COLUMNS)  # before created_at, as DuckDB's m010_locations and the row format
    added = ", ".join(
        f"ADD COLUMN IF NOT EXISTS {name} Nullable(String) AFTER {previous}"
        for previous, name in zip(after, LOCATION_COLUMNS, strict=False)
    )
    tables = ["pageviews"] if not cluster else [f"pageviews{LOCAL_SUFFIX}", "pageviews"]
    return [f"ALTER TABLE {database}.{table}{_on(cluster)} {added}" for table in tables]


def c003_locations(client: Any, database: str, cluster: str = "") -> None:
    """Where visitors are: `country_code`, `region` and `city` on pageviews (ALTER ... IF NOT EXISTS: safe to
    run again). Kept report rows need nothing: each node keeps them in memory per dimension, so the new
    `country`, `region` and `city` dimensions start empty on every node."""
    for statement in location_ddl(database, cluster):
        client.command(statement)


IMPORTS = "imports"  # one row per import (storage/imports.py); its daily rows in imported_totals / imported_dims
_IMPORTED = {
    "imported_totals": "visitors Int64, pageviews Int64, sessions Int64, bounces Int64, total_duration Int64",
    "imported_dims": "dimension String, v1 Nullable(String), v2 Nullable(String), v3 Nullable(String), "
    "visitors Int64, pageviews Int64, total_duration Int64",
}


IMPORTED_TABLES = (IMPORTS, *_IMPORTED)


def import_table_ddl(database: str, cluster: str = "") -> list[str]:
    """c004's statements. On a cluster `imports` is one table every server holds a replica of (like
    `data_versions`: a node looks a site's imports up in it), and the daily rows are sharded by site like
    the events, so the shard that answers a site's reports holds its imported rows."""
    listed = (
        "(id String, site_id String, source String, file_name String, first_day Nullable(Date), "
        f"last_day Nullable(Date), days Int32, created_at {_TIME})"
    )
    engine = _replicated(f"/clickhouse/tables/all/{database}/{IMPORTS}") if cluster else "MergeTree"
    table = f"{database}.{IMPORTS}{_on(cluster)}"
    statements = [f"CREATE TABLE IF NOT EXISTS {table} {listed} ENGINE = {engine} ORDER BY (site_id, id)"]
    for name, sums in _IMPORTED.items():
        columns = f"(import_id String, site_id String, day Date, {sums})"
        if not cluster:
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {database}.{name} {columns} ENGINE = MergeTree ORDER BY (site_id, day)"
            )
            continue
        local = f"{name}{LOCAL_SUFFIX}"
        path = f"/clickhouse/tables/{{shard}}/{database}/{local}"
        statements += [
            f"CREATE TABLE IF NOT EXISTS {database}.{local}{_on(cluster)} {columns} "
            f"ENGINE = {_replicated(path)} ORDER BY (site_id, day)",
            f"CREATE TABLE IF NOT EXISTS {database}.{name}{_on(cluster)} {columns} "
            f"ENGINE = Distributed('{cluster}', '{database}', '{local}', {SHARDING_KEY})",
        ]
    return statements


def c004_imports(client: Any, database: str, cluster: str = "") -> None:
    """Imported daily aggregates (import-plausible), DuckDB's m013_imports: `imports`, and `imported_totals` /
    `imported_dims` with the rollup tables' columns after the import id, the site and the day. Reports add
    them to the closed days without native pageviews (stats/imported.py, storage/clickhouse_imports.py)."""
    for statement in import_table_ddl(database, cluster):
        client.command(statement)


_CH_TYPES = {"BIGINT": "Int64", "INTEGER": "Int32", "HUGEINT": "Int64", "VARCHAR": "Nullable(String)"}


def _retained_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    """The retained tables' columns: the DuckDB rollup tables' (rollup_sql.COLUMNS), in ClickHouse types."""
    from clearanalytics.stats import rollup_sql

    def kind(sql_type: str) -> str:
        return "Nullable(Decimal(38, 2))" if sql_type.startswith("DECIMAL") else _CH_TYPES[sql_type]

    return {
        table: tuple((c, kind(t)) for c, t in zip(rollup_sql.COLUMNS[table], rollup_sql.TYPES[table], strict=True))
        for table in rollup_sql.COLUMNS
    }


RETAINED_COLUMNS = _retained_columns()


ClickHouseMigration = Callable[..., None]  # (client, database, cluster)
MIGRATIONS: tuple[ClickHouseMigration, ...] = (c001_event_tables, c002_data_versions, c003_locations, c004_imports)


def migrate(client: Any, database: str, cluster: str = "") -> list[str]:
    """Apply every migration newer than the store's ledger; refuses a ledger ahead of MIGRATIONS.

    `cluster` (the events URL's `?cluster=NAME`): every statement ON CLUSTER, Replicated and
    Distributed tables (event_table_ddl). Untested against a cluster: chdb runs neither engine.
    """
    for statement in ledger_ddl(database, cluster):
        client.command(statement)
    version = int(client.query(f"SELECT max(version) FROM {database}.schema_version").result_rows[0][0] or 0)
    if version > len(MIGRATIONS):
        raise SchemaTooNewError(version, len(MIGRATIONS))
    applied = []
    for number in range(version + 1, len(MIGRATIONS) + 1):
        migration = MIGRATIONS[number - 1]
        migration(client, database, cluster)
        now = datetime.now(UTC).replace(tzinfo=None)
        client.insert(
            f"{database}.schema_version",
            [(number, migration.__name__, now)],
            column_names=["version", "name", "applied_at"],
        )
        applied.append(migration.__name__)
    return applied
