"""The stats dataset served with the stores apart: accounts in a real PostgreSQL, events in ClickHouse (chdb).

Why: issue [4/7] asks that the stats oracles run on both set-ups, so the modules that compare every
endpoint, tool and face with the plain-Python reference take `stats_backend` ("duckdb" or "split") and
build their app with `stats_app`. On "split" the app is create_app with both URLs, exactly as `serve`
opens it; the accounts are written into PostgreSQL (new tokens, in the module's own copy of the
Dataset) and the event rows straight into a fresh ClickHouse database of this process's chdb directory.
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from tests import stats_dataset
from tests.app_helpers import app_on, close_app, new_app
from tests.chstore_helpers import chdb_directory, load_rows


@contextmanager
def stats_app(data_dir: Path, data: stats_dataset.Dataset, backend: str, pg_server=None, **settings) -> Iterator[Flask]:
    """An app over the stats dataset on `backend`: the module's DuckDB data dir, or the stores apart."""
    if backend == "duckdb":
        with app_on(data_dir, **settings) as app:
            yield app
        return
    name = pg_server.create_database()
    own_dir = Path(tempfile.mkdtemp(prefix="ca-split-")) / "data"
    events = f"chdb://{chdb_directory()}?database=t_{uuid.uuid4().hex[:16]}"
    app = new_app(own_dir, accounts_url=pg_server.url(name), events_url=events, **settings)
    try:
        stats_dataset.fill_accounts(app.extensions["clearanalytics.db"], data)
        tables = {"pageviews": data.pageviews, "events": data.events, "ecommerce_events": data.ecommerce,
                  "goal_completions": data.completions}  # fmt: skip
        load_rows(app.extensions["clearanalytics.store"], tables)
        yield app
    finally:
        close_app(app)
        pg_server.drop_database(name)
        shutil.rmtree(own_dir.parent, ignore_errors=True)


# Loads event rows (a pickle of table -> dicts) into a ClickHouse store in a process of its own: the server
# under test opens that chdb directory next, and this test process holds another one.
_LOAD = """
import pickle, sys
from clearanalytics.storage.clickhouse_schema import parse_events_url
from clearanalytics.storage.clickhouse_store import ClickHouseEventStore
store = ClickHouseEventStore(parse_events_url(sys.argv[1]), accounts=None)
store.migrate()
for table, rows in pickle.load(open(sys.argv[2], "rb")).items():
    if rows:
        columns = list(rows[0])
        store.client.insert(f"{store.db}.{table}", [[r[c] for c in columns] for r in rows], column_names=columns)
store.close()
"""


def split_server_env(work_dir: Path, data: stats_dataset.Dataset, pg_server) -> dict[str, str]:
    """The environment of a `serve` on the stores apart, holding `data`: its accounts written into a fresh
    PostgreSQL database (tokens renewed in `data`), its events into a chdb directory of its own."""
    from clearanalytics.pgaccounts import open_pg_accounts

    accounts_url = pg_server.url(pg_server.create_database())
    db = open_pg_accounts(accounts_url)
    try:
        stats_dataset.fill_accounts(db, data)
    finally:
        db.close()
    events_url = f"chdb://{work_dir / 'events'}"
    rows = work_dir / "rows.pickle"
    tables = {"pageviews": data.pageviews, "events": data.events, "ecommerce_events": data.ecommerce,
              "goal_completions": data.completions}  # fmt: skip
    rows.write_bytes(pickle.dumps(tables))
    subprocess.run([sys.executable, "-c", _LOAD, events_url, str(rows)], check=True, cwd=Path(__file__).parent.parent)
    return {"CLEARANALYTICS_EVENTS_URL": events_url, "CLEARANALYTICS_ACCOUNTS_URL": accounts_url}
