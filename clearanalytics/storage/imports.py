"""Imported daily aggregates as both event stores hold them: one import, its rows, and the DuckDB side's SQL.

Why a shape of its own: `import-plausible` (ingest/plausible.py) builds an import, each store writes it
(EventStore.write_import), and `clearanalytics move` reads the DuckDB file's imports and writes them
into ClickHouse (cli/move_imports.py); with one value for "an import", the two stores and the move
cannot disagree on its columns. The rows are the tables' own (migrations.m013_imports on DuckDB,
clickhouse_schema.c004_imports on ClickHouse): rollup_totals' and rollup_dims' columns after the
import id, the site and the day. How reports read them: stats/imported.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from clearanalytics.stats import rollup_sql

# the rows' columns after (import_id, site_id): the day, then rollup_totals' and rollup_dims' columns
TOTALS = ("day", *rollup_sql.COLUMNS["totals"])
DIMS = ("day", *rollup_sql.COLUMNS["dims"])
IMPORT_COLUMNS = ("id", "site_id", "source", "file_name", "first_day", "last_day", "days", "created_at")
LISTED = ("id", "source", "first_day", "last_day", "days", "file_name", "created_at")  # `imports list`'s columns
_TYPES = {"day": "DATE", "dimension": "VARCHAR", "v1": "VARCHAR", "v2": "VARCHAR", "v3": "VARCHAR"}


@dataclass(frozen=True)
class StoredImport:
    """One import: its `imports` row and its daily rows (TOTALS and DIMS columns, in that order)."""

    id: str
    site_id: str
    source: str
    file_name: str
    first_day: date | None
    last_day: date | None
    days: int
    created_at: datetime
    totals: list[tuple] = field(default_factory=list, compare=False)
    dims: list[tuple] = field(default_factory=list, compare=False)

    def listed(self) -> tuple:
        """The values of LISTED."""
        return tuple(getattr(self, name) for name in LISTED)

    def row(self) -> tuple:
        """The `imports` row (IMPORT_COLUMNS)."""
        return tuple(getattr(self, name) for name in IMPORT_COLUMNS)


def write_duckdb(cur: Any, item: StoredImport) -> None:
    """Write one import on a DuckDB cursor (the caller's transaction): each table in one statement."""
    marks = ", ".join("?" * len(IMPORT_COLUMNS))
    cur.execute(f"INSERT INTO imports ({', '.join(IMPORT_COLUMNS)}) VALUES ({marks})", list(item.row()))
    for table, columns, rows in (("imported_totals", TOTALS, item.totals), ("imported_dims", DIMS, item.dims)):
        _insert(cur, table, columns, [(item.id, item.site_id, *row) for row in rows])


def _insert(cur: Any, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """All rows in one statement, one list parameter per column (executemany is a statement per row)."""
    if not rows:
        return
    types = ("VARCHAR", "VARCHAR", *(_TYPES.get(c, "BIGINT") for c in columns))
    lists = [list(column) for column in zip(*rows, strict=True)]
    values = ", ".join(f"unnest(${i + 1}::{t}[])" for i, t in enumerate(types))
    cur.execute(f"INSERT INTO {table} (import_id, site_id, {', '.join(columns)}) SELECT {values}", lists)


def read_duckdb(cur: Any, site_id: str | None = None) -> list[StoredImport]:
    """The imports of a DuckDB file (of one site, or all), oldest first, without their rows (`with_rows`)."""
    found = cur.execute(
        f"SELECT {', '.join(IMPORT_COLUMNS)} FROM imports WHERE ? IS NULL OR site_id = ? ORDER BY created_at, id",
        [site_id, site_id],
    ).fetchall()
    return [StoredImport(*values) for values in found]


def with_rows(cur: Any, item: StoredImport) -> StoredImport:
    """`item` with its daily rows, read from a DuckDB file."""
    totals = _rows(cur, "imported_totals", TOTALS, item.id)
    return replace(item, totals=totals, dims=_rows(cur, "imported_dims", DIMS, item.id))


def _rows(cur: Any, table: str, columns: tuple[str, ...], import_id: str) -> list[tuple]:
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE import_id = ? ORDER BY ALL"
    return [tuple(row) for row in cur.execute(sql, [import_id]).fetchall()]
