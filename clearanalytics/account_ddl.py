"""Accounts tables created alike in the DuckDB file (migrations.py) and in PostgreSQL (pgaccounts/schema.py):
one text each, so the two stores' columns cannot drift apart (tests/test_pgaccounts.py compares them)."""

MAIL_TABLES = """
    CREATE TABLE report_subscriptions (
        id VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        site_id VARCHAR NOT NULL,
        weekly_since TIMESTAMP,
        monthly_since TIMESTAMP,
        spike_threshold INTEGER,
        created_at TIMESTAMP NOT NULL,
        UNIQUE (user_id, site_id)
    );
    CREATE TABLE report_sends (
        subscription_id VARCHAR NOT NULL,
        site_id VARCHAR NOT NULL,
        user_id VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        claimed_at TIMESTAMP NOT NULL,
        claimed_by VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        sent_at TIMESTAMP,
        PRIMARY KEY (subscription_id, period)
    );
"""

SHARED_LINKS_TABLE = """
    CREATE TABLE shared_links (
        id VARCHAR PRIMARY KEY,
        site_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        secret_hash VARCHAR NOT NULL,
        password_hash VARCHAR,
        panels VARCHAR,
        embed_origins VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
    );
"""

SHARED_LINKS_CHAT = "ALTER TABLE shared_links ADD COLUMN allow_chat BOOLEAN NOT NULL DEFAULT FALSE"
