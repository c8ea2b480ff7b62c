"""The DuckDB store's parts for the parallel importer: one scratch DuckDB file per forked worker.

DuckDB lets one process write a file, so each worker (clearanalytics.ingest.import_workers)
writes its rows into a scratch file of its own, and the parent copies them in with one
INSERT ... SELECT per table, in one transaction.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from clearanalytics.db import Database
from clearanalytics.ingest.store import COLUMNS, TABLES, Records, insert_rows, invalidate_rollups, kinds_written
from clearanalytics.storage import ImportPart
from clearanalytics.storage.site_facts import SiteFacts, accounts_reading

# A scratch file is read once: compressing it cost a quarter of its write for nothing. Its
# cache of written blocks is kept small (as the parent's, importer.cache_capped): it is never read back here.
SCRATCH_CONFIG = {"threads": 1, "memory_limit": "32MB", "force_compression": "uncompressed"}


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def create_parts(db: Database, directory: Path, count: int) -> list[Path]:
    """`count` scratch files, each with the four tables in the database's own column types."""
    parts = [directory / f"part{w}.duckdb" for w in range(1, count + 1)]
    with db.reading() as cur:
        for w, part in enumerate(parts):
            cur.execute(f"ATTACH {_quoted(part)} AS import_part_{w}")
            try:
                for table in TABLES:
                    columns = ", ".join(COLUMNS[table])
                    cur.execute(f"CREATE TABLE import_part_{w}.{table} AS SELECT {columns} FROM main.{table} LIMIT 0")
            finally:
                cur.execute(f"DETACH import_part_{w}")
    return parts


class ScratchPart(ImportPart):
    """A worker's own connection to its scratch file (never the parent's)."""

    def __init__(self, part: Path):
        self.con = duckdb.connect(str(part), config=SCRATCH_CONFIG)

    def write_batch(self, records: Records) -> None:
        if records.updates:
            raise RuntimeError("engagement updates cannot be imported by workers")
        self.con.begin()
        for table in TABLES:
            insert_rows(self.con, table, records.rows[table], invalidate=False)  # a scratch file has no rollups
        self.con.commit()

    def close(self) -> None:
        self.con.close()


def merge_parts(db: Database, parts: list[Path], losers: list[str], accounts: Database | None = None) -> None:
    """Copy the parts in, in one transaction, leaving out the purchases `losers` and their goal completions.

    `accounts`: the accounts database, when it is not `db` (the sites' facts for the rollup invalidation)."""
    with db.reading() as cur:
        for w, part in enumerate(parts):
            cur.execute(f"ATTACH {_quoted(part)} AS import_part_{w} (READ_ONLY)")
        try:
            with db.transaction() as tx, accounts_reading(db, accounts, tx) as acc:
                sites = SiteFacts(acc)
                if losers:  # any already written by worker 0
                    tx.execute("DELETE FROM ecommerce_events WHERE list_contains($ids::VARCHAR[], id)", {"ids": losers})
                    tx.execute(
                        "DELETE FROM goal_completions WHERE list_contains($ids::VARCHAR[], event_id)", {"ids": losers}
                    )
                for table in TABLES:
                    _copy_table(tx, table, len(parts), losers, sites)
        finally:
            for w in range(len(parts)):
                cur.execute(f"DETACH import_part_{w}")


def _copy_table(cur: duckdb.DuckDBPyConnection, table: str, workers: int, losers: list[str], sites: SiteFacts) -> None:
    columns = ", ".join(COLUMNS[table])
    loser_column = {"ecommerce_events": "id", "goal_completions": "event_id"}.get(table)
    filtered = loser_column is not None and bool(losers)
    where = ""
    if filtered:
        where = f" WHERE {loser_column} IS NULL OR NOT list_contains($losers::VARCHAR[], {loser_column})"
    params = {"losers": losers} if filtered else {}
    if not workers:
        return
    union = " UNION ALL ".join(f"SELECT {columns} FROM import_part_{w}.{table}{where}" for w in range(workers))
    spans = cur.execute(
        f"SELECT site_id, min(created_at), max(created_at) FROM ({union}) GROUP BY site_id", params
    ).fetchall()
    cur.execute(f"INSERT INTO {table} ({columns}) {union}", params)
    pairs = [(site_id, ts) for site_id, first, last in spans for ts in (first, last)]
    invalidate_rollups(cur, pairs, kinds_written(table), sites)
