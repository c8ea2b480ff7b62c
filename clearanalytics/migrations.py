"""Schema migrations: ordered, named functions recorded in the `schema_version` ledger.

A database made by an older version is brought up to date in place when it is opened; one
made by a newer version is refused (SchemaTooNewError), since this code cannot know what the
newer schema means and writing to it could corrupt it. Never edit a migration that has
shipped; append a new one instead.

This list is the embedded DuckDB file's: accounts and event tables together (storage.ACCOUNT_TABLES,
storage.EVENT_TABLES), run by `Database` on open and by `DuckDBEventStore.migrate`. An event
store on another engine keeps its own list for its event tables (clearanalytics.storage).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import duckdb

from clearanalytics.account_ddl import MAIL_TABLES, SHARED_LINKS_CHAT, SHARED_LINKS_TABLE

Migration = Callable[[duckdb.DuckDBPyConnection], None]


def m001_accounts(cur: duckdb.DuckDBPyConnection) -> None:
    """Tenants, their sites, users, memberships and API tokens."""
    cur.execute(
        """
        CREATE TABLE tenants (
            id VARCHAR PRIMARY KEY,
            slug VARCHAR NOT NULL UNIQUE,
            name VARCHAR NOT NULL,
            plan VARCHAR NOT NULL DEFAULT 'business',
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE sites (
            id VARCHAR PRIMARY KEY,
            tenant_id VARCHAR NOT NULL,
            domain VARCHAR NOT NULL UNIQUE,
            timezone VARCHAR NOT NULL DEFAULT 'UTC',
            currency VARCHAR NOT NULL DEFAULT 'EUR',
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE users (
            id VARCHAR PRIMARY KEY,
            email VARCHAR NOT NULL UNIQUE,
            password_hash VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE memberships (
            tenant_id VARCHAR NOT NULL,
            user_id VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, user_id)
        );
        CREATE TABLE api_tokens (
            id VARCHAR PRIMARY KEY,
            tenant_id VARCHAR NOT NULL,
            user_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            token_hash VARCHAR NOT NULL,
            abilities VARCHAR[] NOT NULL,
            created_at TIMESTAMP NOT NULL,
            last_used_at TIMESTAMP,
            revoked_at TIMESTAMP
        );
        """
    )


def m002_tracking(cur: duckdb.DuckDBPyConnection) -> None:
    """Goals and the event tables. Timestamps are UTC; no raw IP column exists anywhere."""
    cur.execute(
        """
        CREATE TABLE goals (
            id VARCHAR PRIMARY KEY,
            site_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            config VARCHAR NOT NULL,
            is_active BOOLEAN NOT NULL DEFAULT TRUE,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        );
        CREATE TABLE pageviews (
            id VARCHAR NOT NULL,
            site_id VARCHAR NOT NULL,
            visitor_hash VARCHAR NOT NULL,
            session_hash VARCHAR NOT NULL,
            hostname VARCHAR NOT NULL,
            pathname VARCHAR NOT NULL,
            referrer VARCHAR,
            referrer_source VARCHAR NOT NULL,
            channel VARCHAR NOT NULL,
            utm_source VARCHAR,
            utm_medium VARCHAR,
            utm_campaign VARCHAR,
            utm_term VARCHAR,
            utm_content VARCHAR,
            ref VARCHAR,
            browser VARCHAR NOT NULL,
            os VARCHAR NOT NULL,
            device_type VARCHAR NOT NULL,
            language VARCHAR,
            duration INTEGER NOT NULL DEFAULT 0,
            scroll_depth INTEGER,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE events (
            id VARCHAR NOT NULL,
            site_id VARCHAR NOT NULL,
            visitor_hash VARCHAR NOT NULL,
            session_hash VARCHAR NOT NULL,
            pageview_id VARCHAR,
            name VARCHAR NOT NULL,
            hostname VARCHAR NOT NULL,
            pathname VARCHAR NOT NULL,
            props VARCHAR NOT NULL DEFAULT '{}',
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE ecommerce_events (
            id VARCHAR NOT NULL,
            site_id VARCHAR NOT NULL,
            visitor_hash VARCHAR NOT NULL,
            session_hash VARCHAR NOT NULL,
            pageview_id VARCHAR,
            event_type VARCHAR NOT NULL,
            transaction_id VARCHAR,
            value DECIMAL(18, 2),
            currency VARCHAR,
            items VARCHAR NOT NULL DEFAULT '[]',
            in_site_currency BOOLEAN NOT NULL DEFAULT TRUE,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE goal_completions (
            id VARCHAR NOT NULL,
            goal_id VARCHAR NOT NULL,
            site_id VARCHAR NOT NULL,
            visitor_hash VARCHAR NOT NULL,
            session_hash VARCHAR,
            pageview_id VARCHAR,
            event_id VARCHAR,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE salts (
            site_id VARCHAR NOT NULL,
            day DATE NOT NULL,
            salt VARCHAR NOT NULL,
            PRIMARY KEY (site_id, day)
        );
        """
    )


def m003_rollups(cur: duckdb.DuckDBPyConnection) -> None:
    """Per-site, per-local-day rollups (see clearanalytics/stats/rollups.py), and which days are built.

    A row in rollup_days means the rollup rows of that (site, kind, day) are complete and current;
    any write touching the day deletes it, and the next query rebuilds the day.
    """
    cur.execute(
        """
        CREATE TABLE rollup_days (
            site_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            day DATE NOT NULL,
            built_at TIMESTAMP NOT NULL,
            PRIMARY KEY (site_id, kind, day)
        );
        CREATE TABLE rollup_totals (
            site_id VARCHAR NOT NULL, day DATE NOT NULL,
            visitors BIGINT NOT NULL, pageviews BIGINT NOT NULL, sessions BIGINT NOT NULL,
            bounces BIGINT NOT NULL, total_duration BIGINT NOT NULL
        );
        CREATE TABLE rollup_hours (
            site_id VARCHAR NOT NULL, day DATE NOT NULL, hour INTEGER NOT NULL,
            visitors BIGINT NOT NULL, pageviews BIGINT NOT NULL
        );
        CREATE TABLE rollup_dims (
            site_id VARCHAR NOT NULL, day DATE NOT NULL, dimension VARCHAR NOT NULL,
            v1 VARCHAR, v2 VARCHAR, v3 VARCHAR,
            visitors BIGINT NOT NULL, pageviews BIGINT NOT NULL, total_duration BIGINT NOT NULL
        );
        CREATE TABLE rollup_ecommerce (
            site_id VARCHAR NOT NULL, day DATE NOT NULL,
            revenue DECIMAL(38, 2) NOT NULL, transactions BIGINT NOT NULL, purchasers BIGINT NOT NULL
        );
        CREATE TABLE rollup_funnel (
            site_id VARCHAR NOT NULL, day DATE NOT NULL, event_type VARCHAR NOT NULL, visitors BIGINT NOT NULL
        );
        CREATE TABLE rollup_products (
            site_id VARCHAR NOT NULL, day DATE NOT NULL, item_name VARCHAR NOT NULL,
            revenue DECIMAL(38, 2) NOT NULL, quantity HUGEINT NOT NULL, orders BIGINT NOT NULL
        );
        CREATE TABLE rollup_sources (
            site_id VARCHAR NOT NULL, day DATE NOT NULL, source VARCHAR NOT NULL,
            revenue DECIMAL(38, 2) NOT NULL, transactions BIGINT NOT NULL
        );
        CREATE TABLE rollup_goals (
            site_id VARCHAR NOT NULL, day DATE NOT NULL, goal_id VARCHAR NOT NULL,
            completions BIGINT NOT NULL, visitors BIGINT NOT NULL
        );
        """
    )


def m004_sessions(cur: duckdb.DuckDBPyConnection) -> None:
    """Server-side dashboard sessions (clearanalytics/sessions.py), so that one can be ended.

    The cookie carries a random session id; only its SHA-256 is stored, so a copy of the
    database does not hand out live sessions. Tokens of members removed before this version
    are marked revoked, as a removal now does, so that `token list` tells the truth.
    """
    cur.execute(
        """
        CREATE TABLE sessions (
            id_hash VARCHAR PRIMARY KEY,
            user_id VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            last_seen_at TIMESTAMP NOT NULL
        );
        """
    )
    cur.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM memberships m"
        " WHERE m.tenant_id = api_tokens.tenant_id AND m.user_id = api_tokens.user_id)",
        [datetime.now(UTC).replace(tzinfo=None)],
    )


def m005_site_retention(cur: duckdb.DuckDBPyConnection) -> None:
    """How many months of raw events a site keeps (NULL: forever), and the site-local day before
    which retention has deleted them (their rollups are final); see clearanalytics/retention.py."""
    cur.execute("ALTER TABLE sites ADD COLUMN retention_months INTEGER")
    cur.execute("ALTER TABLE sites ADD COLUMN retained_from DATE")


def m006_registry(cur: duckdb.DuckDBPyConnection) -> None:
    """The hostnames report added a `hostname` dimension to rollup_dims: forget the traffic rollups of
    every day that raw events can rebuild (on or after sites.retained_from), so the next query builds
    them with it. Days retention already purged keep their rollups, without hostnames: nothing can
    rebuild those (docs/METRICS.md says so)."""
    cur.execute(
        "DELETE FROM rollup_days WHERE kind = 'traffic' AND day >= "
        "coalesce((SELECT retained_from FROM sites WHERE sites.id = rollup_days.site_id), DATE '0001-01-01')"
    )


def m007_rollup_months(cur: duckdb.DuckDBPyConnection) -> None:
    """Monthly rollups: each rollup table's rows summed per (site, local month), built from the daily
    rows, so that a year reads twelve months instead of 365 days (stats/rollups.py). `rollup_months`
    lists the (site, kind, month) whose monthly rows are complete, as rollup_days does for days."""
    cur.execute(
        """
        CREATE TABLE rollup_months (
            site_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            month DATE NOT NULL,
            built_at TIMESTAMP NOT NULL,
            PRIMARY KEY (site_id, kind, month)
        )
        """
    )
    for table in ("totals", "hours", "dims", "ecommerce", "funnel", "products", "sources", "goals"):
        cur.execute(f"CREATE TABLE rollup_{table}_months AS SELECT * FROM rollup_{table} LIMIT 0")


def m008_props(cur: duckdb.DuckDBPyConnection) -> None:
    """The custom properties, entry pages and exit pages reports added the `prop`, `entry` and `exit`
    dimensions to rollup_dims (no new table): forget the traffic rollups, daily and monthly, of every day
    that raw events can rebuild (on or after sites.retained_from), so the next query builds them with those
    rows. Purged days keep their rollups without them (docs/METRICS.md says so), as m006_registry did."""
    kept_from = "coalesce((SELECT retained_from FROM sites WHERE sites.id = {table}.site_id), DATE '0001-01-01')"
    cur.execute(f"DELETE FROM rollup_days WHERE kind = 'traffic' AND day >= {kept_from.format(table='rollup_days')}")
    # a month is complete only when all its days are: a month with a rebuilt day is summed again
    cur.execute(
        "DELETE FROM rollup_months WHERE kind = 'traffic' AND month + INTERVAL 1 MONTH > "
        + kept_from.format(table="rollup_months")
    )


def m008_panels(cur: duckdb.DuckDBPyConnection) -> None:
    """The outbound links, file downloads and 404 pages panels added the `event_prop` and `event_page`
    dimensions to rollup_dims (no new table): forget the traffic rollups that raw events can rebuild, as
    m008_props did, so the next query builds them with those rows."""
    m008_props(cur)


_PAGEVIEW_COLUMNS_BEFORE_M010 = (
    "id, site_id, visitor_hash, session_hash, hostname, pathname, referrer, referrer_source, channel, utm_source, "
    "utm_medium, utm_campaign, utm_term, utm_content, ref, browser, os, device_type, language, duration, scroll_depth"
)


def m010_locations(cur: duckdb.DuckDBPyConnection) -> None:
    """Where visitors are (ingest/locations.py): three nullable pageview columns, `country_code` (ISO 3166-1
    alpha-2), `region` (ISO 3166-2) and `city` (an English name); NULL for the rows stored before, whose IPs
    are long gone.

    The table is rebuilt rather than ALTERed: DuckDB adds a column only at the end, and the row format
    (ingest/store.py COLUMNS, the spool, `SELECT *`) keeps `created_at` last, as ClickHouse's c003 does with
    AFTER. A one-time copy in this migration's transaction, in the rows' order (zone maps on created_at stay).
    The countries, regions and cities reports added the `country`, `region` and `city` dimensions to
    rollup_dims: the traffic rollups raw events can rebuild are forgotten, as m008_props did."""
    cur.execute(
        """
        CREATE TABLE pageviews_m010 (
            id VARCHAR NOT NULL,
            site_id VARCHAR NOT NULL,
            visitor_hash VARCHAR NOT NULL,
            session_hash VARCHAR NOT NULL,
            hostname VARCHAR NOT NULL,
            pathname VARCHAR NOT NULL,
            referrer VARCHAR,
            referrer_source VARCHAR NOT NULL,
            channel VARCHAR NOT NULL,
            utm_source VARCHAR,
            utm_medium VARCHAR,
            utm_campaign VARCHAR,
            utm_term VARCHAR,
            utm_content VARCHAR,
            ref VARCHAR,
            browser VARCHAR NOT NULL,
            os VARCHAR NOT NULL,
            device_type VARCHAR NOT NULL,
            language VARCHAR,
            duration INTEGER NOT NULL DEFAULT 0,
            scroll_depth INTEGER,
            country_code VARCHAR,
            region VARCHAR,
            city VARCHAR,
            created_at TIMESTAMP NOT NULL
        )
        """
    )
    cur.execute(
        f"INSERT INTO pageviews_m010 ({_PAGEVIEW_COLUMNS_BEFORE_M010}, created_at) "
        f"SELECT {_PAGEVIEW_COLUMNS_BEFORE_M010}, created_at FROM pageviews"
    )
    cur.execute("DROP TABLE pageviews")
    cur.execute("ALTER TABLE pageviews_m010 RENAME TO pageviews")
    m008_props(cur)


def m011_mail(cur: duckdb.DuckDBPyConnection) -> None:
    """Email reports (clearanalytics/mail/store.py): who wants which report of which site, and the sends ledger
    keyed by (subscription, period), claimed before sending so that a restart or a second node never repeats one."""
    cur.execute(MAIL_TABLES)


def m012_share(cur: duckdb.DuckDBPyConnection) -> None:
    """Read-only public links to one site's dashboard (clearanalytics/share_links.py): only a SHA-256 of the
    link's secret and a scrypt hash of its optional password are stored; `panels` NULL shows every panel,
    else the comma-separated panel ids; `embed_origins` the space-separated origins that may frame it. A link's
    tenant is its site's: it is removed with the site (deletion.REFERENCES), and with a tenant's sites."""
    cur.execute(SHARED_LINKS_TABLE)


def m013_imports(cur: duckdb.DuckDBPyConnection) -> None:
    """Imported daily aggregates (ingest/plausible.py, stats/imported.py): tables of their own beside the rollups,
    out of every rebuild; `imported_totals`/`imported_dims` have rollup_totals'/rollup_dims' columns plus import_id."""
    ids, sums = "import_id VARCHAR NOT NULL, site_id VARCHAR NOT NULL, day DATE NOT NULL", "BIGINT NOT NULL"
    cur.execute(
        "CREATE TABLE imports (id VARCHAR PRIMARY KEY, site_id VARCHAR NOT NULL, source VARCHAR NOT NULL, file_name "
        "VARCHAR NOT NULL, first_day DATE, last_day DATE, days INTEGER NOT NULL, created_at TIMESTAMP NOT NULL);"
        f"CREATE TABLE imported_totals ({ids}, visitors {sums}, pageviews {sums}, sessions {sums}, bounces {sums}, "
        f"total_duration {sums});"
        f"CREATE TABLE imported_dims ({ids}, dimension VARCHAR NOT NULL, v1 VARCHAR, v2 VARCHAR, v3 VARCHAR, "
        f"visitors {sums}, pageviews {sums}, total_duration {sums})"
    )


def m014_sharechat(cur: duckdb.DuckDBPyConnection) -> None:
    """A shared link may let its visitors use the chat, on its site and panels only (chat/share.py); off by default."""
    cur.execute(SHARED_LINKS_CHAT)


MIGRATIONS: tuple[Migration, ...] = (
    m001_accounts,
    m002_tracking,
    m003_rollups,
    m004_sessions,
    m005_site_retention,
    m006_registry,
    m007_rollup_months,
    m008_props,
    m008_panels,
    m010_locations,
    m011_mail,
    m012_share,
    m013_imports,
    m014_sharechat,
)


class SchemaTooNewError(Exception):
    """The database was written by a newer ClearAnalytics than this one."""

    def __init__(self, version: int, known: int):
        super().__init__(
            f"this database was written by a newer ClearAnalytics (schema {version}, this version knows {known});"
            " upgrade ClearAnalytics"
        )
        self.version = version
        self.known = known


def current_version(cur: duckdb.DuckDBPyConnection) -> int:
    cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    row = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0])


def migrate(cur: duckdb.DuckDBPyConnection, upto: int | None = None) -> list[str]:
    """Apply every migration newer than the ledger says, each in its own transaction.

    Refuses (SchemaTooNewError) a database whose ledger is ahead of MIGRATIONS.
    """
    applied: list[str] = []
    target = len(MIGRATIONS) if upto is None else upto
    version = current_version(cur)
    if version > len(MIGRATIONS):
        raise SchemaTooNewError(version, len(MIGRATIONS))
    for number in range(version + 1, target + 1):
        migration = MIGRATIONS[number - 1]
        cur.begin()
        try:
            migration(cur)
            cur.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [number, migration.__name__, datetime.now(UTC).replace(tzinfo=None)],
            )
            cur.commit()
        except Exception:
            cur.rollback()
            raise
        applied.append(migration.__name__)
    return applied
