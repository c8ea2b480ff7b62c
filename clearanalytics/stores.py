"""Which two stores a set-up uses, opened the same way by the server and by every CLI command.

Three set-ups, from the settings (docs/STORAGE.md, "Serving with the stores apart"):

- neither URL: the embedded default, one DuckDB file holding the accounts and the events;
- `events_url` alone: the events in ClickHouse, the accounts in the data dir's DuckDB file (one node);
- `events_url` and `accounts_url`: the events in ClickHouse, the accounts in PostgreSQL (several nodes).

`accounts_url` alone is refused in one line: the DuckDB event store reads its reports on the request's
cursor, which would then be PostgreSQL's, and one DuckDB file is one process anyway, so accounts shared
by several nodes would gain nothing. The data dir stays in every set-up: each node's spool (its
write-ahead log), its control socket, its secret key, and in the first two set-ups the DuckDB file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from clearanalytics.config import ConfigError
from clearanalytics.db import Database

ACCOUNTS_NEED_EVENTS = (
    "accounts_url: PostgreSQL accounts need a ClickHouse event store: set CLEARANALYTICS_EVENTS_URL too"
    " (or unset CLEARANALYTICS_ACCOUNTS_URL to keep both in the DuckDB file)"
)


class EventStoreInUseError(ConfigError):
    """The chdb directory is held by another process (a running `serve`): the CLI forwards to it."""


def check_settings(settings: Mapping[str, Any]) -> tuple[Any, dict[str, str] | None]:
    """(events address or None, accounts parameters or None), each URL checked before anything opens.

    Raises a ConfigError naming the setting: a malformed URL, or accounts_url without events_url.
    """
    from clearanalytics.pgaccounts import parse_accounts_url
    from clearanalytics.storage.clickhouse_schema import parse_events_url

    address = parse_events_url(str(settings.get("EVENTS_URL") or ""))
    accounts_url = str(settings.get("ACCOUNTS_URL") or "").strip()
    params = parse_accounts_url(accounts_url) if accounts_url else None
    if params is not None and address is None:
        raise ConfigError(ACCOUNTS_NEED_EVENTS)
    return address, params


def chdb_held_elsewhere(path: str) -> bool:
    """Whether another process holds chdb directory `path` (ClickHouse flocks its `status` file while open).

    Asked before a CLI process opens the directory: chdb's own refusal prints a C++ message on stderr
    and gives no way to tell it from other faults. Never ask in a process that has the directory open
    itself (its own lock answers True).
    """
    status = Path(path) / "status"
    try:
        fd = os.open(status, os.O_RDONLY)
    except OSError:
        return False  # no status file: nobody has it open
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def ensure_chdb_free(address: Any) -> None:
    """EventStoreInUseError when `address` is a chdb directory another process holds (for a new process only)."""
    if address is not None and address.kind == "chdb" and chdb_held_elsewhere(address.path):
        raise EventStoreInUseError(
            f"events_url: {address.describe()} is in use by another process (is `clearanalytics serve` running?)"
        )


def open_accounts(settings: Mapping[str, Any], params: dict[str, str] | None) -> Any:
    """The accounts database: PostgreSQL (migrated by pgaccounts/schema.py) or the data dir's DuckDB file."""
    if params is None:
        return Database.in_data_dir(
            settings["DATA_DIR"], memory_limit=settings.get("MEMORY_LIMIT"), threads=settings.get("DUCKDB_THREADS")
        )
    from clearanalytics.pgaccounts import open_pg_accounts

    return open_pg_accounts(str(settings["ACCOUNTS_URL"]))


def open_stores(settings: Mapping[str, Any], database: Any = None, *, command: bool = False) -> tuple[Any, Any]:
    """(accounts database, event store attached to it), for `create_app` and each CLI command.

    `database` (a test's) is used as the accounts database when given. With `command=True` a chdb
    directory held by a running server raises EventStoreInUseError, so the command is forwarded to it.
    """
    from clearanalytics.storage import open_store

    address, params = check_settings(settings)
    from clearanalytics.ingest import locations

    locations.configure(settings.get("GEOIP_DB"))  # the .mmdb checked at start: a fault is one line naming it
    if command:
        ensure_chdb_free(address)
    db = database if database is not None else open_accounts(settings, params)
    try:
        store = open_store(settings, db)
    except BaseException:
        if database is None:
            with suppress(Exception):
                db.close()
        raise
    return db, store


def close_stores(db: Any, store: Any) -> None:
    """The event store first (a ClickHouse client; with the default store, the same file), then the accounts."""
    try:
        store.close()
    finally:
        db.close()
