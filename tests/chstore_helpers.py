"""ClickHouse event stores for tests, on chdb (ClickHouse's engine in process).

chdb opens one directory at a time per process: while any client of it is open, another directory
is refused (test_chstore.test_chdb_opens_one_directory_at_a_time_per_process). So every test of a
process shares one directory (made on first use, removed at exit) and each store gets a database
of its own there: `new_store` is isolated from every other store without a subprocess, and a
store left open by one test cannot break the next. Under xdist each worker has its own directory.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from clearanalytics.db import Database
from clearanalytics.storage.clickhouse_schema import parse_events_url
from clearanalytics.storage.clickhouse_store import ClickHouseEventStore

_DIRECTORY: list[str] = []


def chdb_missing() -> str | None:
    """Why chdb cannot run here, or None (the `clickhouse` extra installs it)."""
    try:
        import chdb  # noqa: F401
        import clickhouse_connect  # noqa: F401
    except ImportError as exc:
        return f"chdb is not installed ({exc}): pip install '.[clickhouse]'"
    return None


def chdb_directory() -> str:
    """This process's one chdb directory."""
    if not _DIRECTORY:
        made = tempfile.mkdtemp(prefix="ca-chdb-")
        atexit.register(shutil.rmtree, made, True)
        _DIRECTORY.append(made)
    return _DIRECTORY[0]


def new_store(accounts: Database) -> tuple[ClickHouseEventStore, list[str]]:
    """A ClickHouse store in a fresh database of this process's chdb directory, and what migrating it applied."""
    reason = chdb_missing()
    if reason:
        pytest.skip(reason)
    database = "t_" + uuid.uuid4().hex[:16]
    store = ClickHouseEventStore(parse_events_url(f"chdb://{chdb_directory()}?database={database}"), accounts)
    return store, store.migrate()


def accounts_db(tmp_path: Path) -> Database:
    """The accounts side: a DuckDB file of its own (its event tables stay empty)."""
    return Database(tmp_path / "accounts.duckdb")
