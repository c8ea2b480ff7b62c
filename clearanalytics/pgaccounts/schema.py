"""The accounts schema on PostgreSQL: its own ordered migrations and its own ledger.

Why not clearanalytics.migrations: that list is the embedded DuckDB file's, accounts and event
tables together, with DuckDB-only types (HUGEINT) and rollups that are the DuckDB store's
business. PostgreSQL holds the accounts side only, so it starts from the accounts tables as
the DuckDB migrations leave them (m001..m007), column for column and in the same order (the
accounts code inserts some rows by position: `INSERT INTO tenants VALUES (?, ?, ?, ?, ?)`).
Never edit a migration that has shipped; append one, as in the DuckDB list.

Two nodes may start at the same moment: each migration runs in one transaction (PostgreSQL's
DDL is transactional) under a transaction-scoped advisory lock, and re-reads the ledger once it
holds the lock, so the second node finds the work done and applies nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clearanalytics.account_ddl import MAIL_TABLES, SHARED_LINKS_CHAT, SHARED_LINKS_TABLE
from clearanalytics.migrations import SchemaTooNewError

LEDGER = "accounts_schema_version"
# pg_advisory_xact_lock's key: any constant that no other code of ours uses ("CA" "ac" "mi" "gr" in ASCII).
MIGRATION_LOCK = 0x4341_6163_6D69_6772

PgMigration = Callable[[Any], None]


def p001_accounts(cur: Any) -> None:
    """Tenants, sites, users, memberships, API tokens, goals, dashboard sessions and the daily salts.

    Indexes beyond the keys serve the lookups the accounts code makes by a non-key column
    (a tenant's sites, a site's goals, a user's memberships and sessions); DuckDB scans instead.
    """
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
            created_at TIMESTAMP NOT NULL,
            retention_months INTEGER,
            retained_from DATE
        );
        CREATE INDEX sites_tenant ON sites (tenant_id);
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
        CREATE INDEX memberships_user ON memberships (user_id);
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
        CREATE INDEX api_tokens_member ON api_tokens (tenant_id, user_id);
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
        CREATE INDEX goals_site ON goals (site_id);
        CREATE TABLE sessions (
            id_hash VARCHAR PRIMARY KEY,
            user_id VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            last_seen_at TIMESTAMP NOT NULL
        );
        CREATE INDEX sessions_user ON sessions (user_id);
        CREATE TABLE salts (
            site_id VARCHAR NOT NULL,
            day DATE NOT NULL,
            salt VARCHAR NOT NULL,
            PRIMARY KEY (site_id, day)
        );
        """
    )


def p002_mail(cur: Any) -> None:
    """Email reports: the same two tables as the DuckDB file's m011_mail, column for column."""
    cur.execute(MAIL_TABLES)


def p003_share(cur: Any) -> None:
    """Shared links, as migrations.m012_share makes them in the DuckDB file (plus an index by site)."""
    cur.execute(SHARED_LINKS_TABLE)
    cur.execute("CREATE INDEX shared_links_site ON shared_links (site_id)")


def p004_sharechat(cur: Any) -> None:
    """A shared link's chat switch, as migrations.m014_sharechat adds it in the DuckDB file."""
    cur.execute(SHARED_LINKS_CHAT)


PG_MIGRATIONS: tuple[PgMigration, ...] = (p001_accounts, p002_mail, p003_share, p004_sharechat)


def _version(cur: Any) -> int:
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {LEDGER} "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    return int(cur.execute(f"SELECT coalesce(max(version), 0) FROM {LEDGER}").fetchone()[0])


def migrate(conn: Any, upto: int | None = None) -> list[str]:
    """Apply the migrations the ledger lacks on psycopg connection `conn`; returns their names.

    Refuses (SchemaTooNewError) a database whose ledger is ahead of PG_MIGRATIONS.
    """
    from clearanalytics.pgaccounts.adapter import PgCursor

    applied: list[str] = []
    target = len(PG_MIGRATIONS) if upto is None else upto
    # One transaction under one lock for the whole run: a second node starting at the same moment waits, then
    # finds every migration applied (per-migration locks let two nodes take turns, each applying some), and a
    # failing migration leaves the ledger as it was (PostgreSQL's DDL is transactional).
    with conn.transaction():
        cur = PgCursor(conn.cursor())
        cur.execute("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK])
        version = _version(cur)
        if version > len(PG_MIGRATIONS):
            raise SchemaTooNewError(version, len(PG_MIGRATIONS))
        for number in range(version + 1, target + 1):
            migration = PG_MIGRATIONS[number - 1]
            migration(cur)
            cur.execute(f"INSERT INTO {LEDGER} VALUES (?, ?, now() AT TIME ZONE 'UTC')", [number, migration.__name__])
            applied.append(migration.__name__)
    return applied
