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


def load_rows(store: ClickHouseEventStore, rows_by_table: dict[str, list[dict]]) -> None:
    """Insert rows given as dicts (tests/stats_dataset.py's derived rows) straight into the store's tables."""
    for table, rows in rows_by_table.items():
        if rows:
            columns = list(rows[0])
            store.client.insert(f"{store.db}.{table}", [[r[c] for c in columns] for r in rows], column_names=columns)


def stats_store(accounts: Database, data, rows: dict[str, list[dict]] | None = None) -> ClickHouseEventStore:
    """A ClickHouse store holding tests/stats_dataset.py's event rows, or `rows` (table -> dicts); the
    accounts stay in `accounts`."""
    store, _ = new_store(accounts)
    if rows is None:
        rows = {
            "pageviews": data.pageviews,
            "events": data.events,
            "ecommerce_events": data.ecommerce,
            "goal_completions": data.completions,
        }
    load_rows(store, rows)
    return store


def events_on_clickhouse(app, data) -> ClickHouseEventStore:
    """Serve `app`'s reports from a ClickHouse store holding `data`'s events (see `serve_events_from`)."""
    db = app.extensions["clearanalytics.db"]
    return serve_events_from(app, lambda: stats_store(db, data))


def serve_events_from(app, make_store) -> ClickHouseEventStore:
    """Empty the DuckDB file's event tables of `app`, then attach the store `make_store()` opens as its event
    store: a report or export still reading the file would come back empty and fail its comparison."""
    from clearanalytics import storage

    db = app.extensions["clearanalytics.db"]
    with db.transaction() as cur:
        for table in storage.EVENT_TABLES:
            cur.execute(f"DELETE FROM {table}")
    store = make_store()
    app.extensions["clearanalytics.store"] = storage.attach(db, store)
    return store
