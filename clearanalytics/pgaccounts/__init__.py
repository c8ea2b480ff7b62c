"""The accounts side on PostgreSQL (issue [4/7] item 3): in progress, not served yet.

`CLEARANALYTICS_ACCOUNTS_URL` (`postgresql://...`) names the database; `PgDatabase` opens it
with the face of the DuckDB `Database` (reading(), transaction(), cursor()) so that the accounts
functions, which take a cursor, run on it unchanged where their SQL is portable; the accounts
schema is migrated by its own list and ledger (schema.py). docs/STORAGE.md, "PostgreSQL accounts
(in progress)", lists which statements already run here and which still need rewriting; until
every one does, `serve` refuses the setting in one line (`refuse_until_served`) rather than
answer some requests from PostgreSQL and others from the DuckDB file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clearanalytics.pgaccounts.adapter import PgCursor, PgDatabase, to_psycopg
from clearanalytics.pgaccounts.url import AccountsConfigError, describe, parse_accounts_url


def refuse_until_served(settings: Mapping[str, Any]) -> None:
    """One line (a ConfigError) when ACCOUNTS_URL is set: checked first, so a typo is named as such."""
    url = str(settings.get("ACCOUNTS_URL") or "").strip()
    if not url:
        return
    params = parse_accounts_url(url)
    raise AccountsConfigError(
        f"accounts_url: PostgreSQL accounts ({describe(params)}) are not served by this version yet;"
        " unset it to keep the accounts in the DuckDB file"
    )


__all__ = [
    "AccountsConfigError",
    "PgCursor",
    "PgDatabase",
    "describe",
    "parse_accounts_url",
    "refuse_until_served",
    "to_psycopg",
]
