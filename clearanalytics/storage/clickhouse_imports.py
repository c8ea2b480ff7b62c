"""Imported daily aggregates on the ClickHouse store: writing, listing and deleting imports, and their rows in reports.

The tables are clickhouse_schema.c004_imports (DuckDB's m013_imports in ClickHouse types). ClickHouse has
no transactions, so an import is written `imports` row first, then its daily rows: an import cut off
part-way is listed, and `imports delete` removes whatever of it landed. Every import and deletion adds a
`data_versions` row naming its days (a write into the site's past), so each node learns of it through
the site's data version, as of any other write into closed days (storage/clickhouse_kept.py).

Reports: the rule and its SQL are stats/imported.py's. A node answers closed days from its kept rows in
an in-memory DuckDB database (`rollup_totals` among them); for a report in imported.REPORTS whose sites
have imports over the query's closed days, the imported rows of those days are read from ClickHouse,
registered there as `imported_totals` / `imported_dims`, and imported.rows_params keeps the days on
which the kept `rollup_totals` show no native pageview, exactly as on DuckDB. Which sites have imports
over which days is kept per (site, data version): a site without imports costs no query.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from clearanalytics.stats import imported, rollup_sql
from clearanalytics.stats.rollup_plan import Plan
from clearanalytics.storage.clickhouse_schema import DATA_VERSIONS, IMPORTS, delete_from
from clearanalytics.storage.imports import DIMS, IMPORT_COLUMNS, TOTALS, StoredImport

_DELETE = {"lightweight_deletes_sync": 2}  # a DELETE returns once its rows are gone
_BATCH = 100_000  # rows per INSERT of an import's daily rows
_VERSIONS = ["id", "site_id", "reason", "day_from", "day_to", "retained_from", "at"]


def write(client: Any, database: str, item: StoredImport) -> None:
    """One import into a ClickHouse database (the store, and `clearanalytics move`); its `data_versions` row last.
    Each INSERT carries a token of this write: a replicated table drops a block identical to one it stored
    lately, which an import written again after a deletion (a resumed move) would otherwise be."""
    run = uuid.uuid4().hex
    token = {"insert_deduplication_token": f"import-{run}"}
    client.insert(f"{database}.{IMPORTS}", [item.row()], column_names=list(IMPORT_COLUMNS), settings=token)
    for table, columns, rows in (("imported_totals", TOTALS, item.totals), ("imported_dims", DIMS, item.dims)):
        for start in range(0, len(rows), _BATCH):
            batch = [(item.id, item.site_id, *row) for row in rows[start : start + _BATCH]]
            token = {"insert_deduplication_token": f"import-{run}-{table}-{start}"}
            client.insert(f"{database}.{table}", batch, column_names=["import_id", "site_id", *columns], settings=token)
    changed(client, database, item.site_id, "import", item.first_day, item.last_day)


def changed(client: Any, database: str, site_id: str, reason: str, first: date | None, last: date | None) -> None:
    """A `data_versions` row: the site's imported days first..last changed (nothing to rebuild when None)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    row = (uuid.uuid4().hex, site_id, reason, first, last, None, now)
    client.insert(f"{database}.{DATA_VERSIONS}", [row], column_names=_VERSIONS)


def _naive(value: Any) -> Any:
    return value.replace(tzinfo=None) if isinstance(value, datetime) and value.tzinfo else value


class ClickHouseImports:
    """The store's import operations (EventStore.write_import and friends); mixed into ClickHouseEventStore."""

    client: Any
    db: str
    address: Any
    reports: Any

    def write_import(self, item: StoredImport) -> None:
        write(self.client, self.db, item)
        self.reports.forget_open({item.site_id})

    def list_imports(self, site_id: str) -> list[StoredImport]:
        sql = (
            f"SELECT {', '.join(IMPORT_COLUMNS)} FROM {self.db}.{IMPORTS} WHERE site_id = {{site:String}} "
            "ORDER BY created_at, id"
        )
        rows = self.client.query(sql, parameters={"site": site_id}).result_rows
        return [StoredImport(*(_naive(v) for v in row)) for row in rows]

    def delete_import(self, import_id: str) -> str | None:
        sql = f"SELECT site_id, first_day, last_day FROM {self.db}.{IMPORTS} WHERE id = {{id:String}}"
        found = self.client.query(sql, parameters={"id": import_id}).result_rows
        if not found:
            return None
        site_id, first, last = found[0]
        cluster = self.address.cluster
        for table in ("imported_totals", "imported_dims"):  # sharded like the events: each shard's local table
            self.client.command(
                f"{delete_from(self.db, table, cluster)} WHERE import_id = {{id:String}}",
                parameters={"id": import_id}, settings=_DELETE,
            )  # fmt: skip
        # `imports` is one replicated table (no Distributed one over it): its replicas follow the delete
        self.client.command(
            f"DELETE FROM {self.db}.{IMPORTS} WHERE id = {{id:String}}", parameters={"id": import_id}, settings=_DELETE
        )
        changed(self.client, self.db, site_id, "import", first, last)
        self.reports.forget_open({site_id})
        return site_id

    def includes_imported(self, query: Any, report: str) -> bool:
        return self.reports.imported_in(query, report)


Ensure = Callable[[str, date, date], None]  # (site_id, first, last): keep the site's rollup_totals of those days


class ImportedRows:
    """The report side: which sites have imports over which days (per data version), and their rows."""

    def __init__(self, client: Any, database: str):
        self.client = client
        self.db = database
        self._lock = threading.Lock()
        self._days: dict[tuple[str, int], list[tuple[date, date]]] = {}  # (site, version) -> its imports' spans

    def params(self, cursor: Any, report: str, split: Plan, versions: dict, ensure: Ensure) -> dict[str, list]:
        """imported.rows_params of the report over the split's closed days, on the node's kept rows (`cursor`);
        `versions` as ClickHouseReports.versions gives them; {} for a report imported rows never join."""
        found = imported.rows_params(None, report, split, present=False)
        spans = self._with_imports(split.closed, versions) if found else []
        if not spans:
            return found
        for site_id, first, last in spans:
            ensure(site_id, first, last)  # the native days: the kept rollup_totals of those days
        combine = rollup_sql.COMBINE[report]
        tables = [t for t in combine.tables if t in imported.TABLES]
        for table in tables:
            cursor.register(f"imported_{table}", self._rows(table, combine.dimension, spans))
        try:
            return imported.rows_params(cursor, report, Plan(tuple(spans), ()))
        finally:
            for table in tables:
                cursor.unregister(f"imported_{table}")

    def _rows(self, table: str, dimension: str | None, spans: list[tuple[str, date, date]]) -> Any:
        """The imported rows of `table` on the spans' days (site, first, last), as an Arrow table."""
        params: dict[str, Any] = {"dimension": dimension}
        days = []
        for i, (site_id, first, last) in enumerate(spans):
            days.append(f"(site_id = {{s{i}:String}} AND day BETWEEN {{a{i}:Date}} AND {{b{i}:Date}})")
            params |= {f"s{i}": site_id, f"a{i}": first, f"b{i}": last}
        narrow = " AND dimension = {dimension:String}" if table == "dims" and dimension else ""
        columns = ", ".join(("site_id", "day", *rollup_sql.COLUMNS[table]))
        sql = f"SELECT {columns} FROM {self.db}.imported_{table} WHERE ({' OR '.join(days)}){narrow}"
        return self.client.query_arrow(sql, parameters={k: v for k, v in params.items() if f"{{{k}:" in sql})

    def _with_imports(self, closed: tuple, versions: dict) -> list[tuple[str, date, date]]:
        """The closed spans (site, first, last) of sites that have an import over some of their days. A site
        at data version 0 has none: every import adds a data_versions row."""
        keys = {site_id: (site_id, versions.get(site_id, (0, None))[0]) for site_id, _, _ in closed}
        with self._lock:
            missing = [key for key in set(keys.values()) if key[1] and key not in self._days]
        if missing:
            sql = f"SELECT site_id, first_day, last_day FROM {self.db}.{IMPORTS} WHERE site_id IN {{s:Array(String)}}"
            rows = self.client.query(sql, parameters={"s": sorted({k[0] for k in missing})}).result_rows
            read = {key: [(a, b) for site_id, a, b in rows if site_id == key[0] and a is not None] for key in missing}
            with self._lock:
                if len(self._days) > 10_000:  # old versions are never asked again: keep it small
                    self._days.clear()
                self._days |= read
        with self._lock:
            return [
                (site_id, first, last)
                for site_id, first, last in closed
                if any(a <= last and first <= b for a, b in self._days.get(keys[site_id], []))
            ]
