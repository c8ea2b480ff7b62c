"""The accounts side on PostgreSQL (issue [4/7] item 3), served when `accounts_url` is set.

`CLEARANALYTICS_ACCOUNTS_URL` (`postgresql://...`) names the database; `PgDatabase` opens it
with the face of the DuckDB `Database` (reading(), transaction(), cursor()) so that the accounts
functions, which take a cursor, run on it unchanged where their SQL is portable; the accounts
schema is migrated by its own list and ledger (schema.py). docs/STORAGE.md, "PostgreSQL accounts",
lists the statements and the forms both engines read. `clearanalytics.stores` opens it beside the
event store (a ClickHouse one: PostgreSQL accounts without it are refused there).
"""

from __future__ import annotations

from clearanalytics.pgaccounts.adapter import PgCursor, PgDatabase, to_psycopg
from clearanalytics.pgaccounts.url import AccountsConfigError, describe, parse_accounts_url


def open_pg_accounts(url: str) -> PgDatabase:
    """PgDatabase(url), migrated; a database that cannot be reached at start is one `accounts_url:` line.

    Why one line rather than psycopg's traceback: `serve` and every CLI command start here, and the
    operator needs the address (never the password) and libpq's first words, nothing more.
    """
    params = parse_accounts_url(url)
    try:
        return PgDatabase(url)
    except Exception as exc:
        from clearanalytics.migrations import SchemaTooNewError

        if isinstance(exc, (SchemaTooNewError, AccountsConfigError)):
            raise
        raise AccountsConfigError(
            f"accounts_url: cannot open the PostgreSQL accounts at {describe(params)}: {redact(exc, params)}"
        ) from None


def redact(exc: BaseException, params: dict[str, str]) -> str:
    """The first line of a PostgreSQL error without the password (libpq may quote its URL or conninfo)."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    password = params.get("password")
    return text.replace(password, "***") if password else text


__all__ = [
    "AccountsConfigError",
    "PgCursor",
    "PgDatabase",
    "describe",
    "open_pg_accounts",
    "parse_accounts_url",
    "redact",
    "to_psycopg",
]
