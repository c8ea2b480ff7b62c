"""`clearanalytics move`'s imported aggregates (import-plausible): the data dir's imports into ClickHouse.

Why they move with the events: they are the site's history on the event side (a Plausible import of the
years before the switch), and the ClickHouse store holds and reports them as the DuckDB file does
(storage/clickhouse_imports.py). Each import keeps its id, so `imports list` and `imports delete` name the
same imports after the move. Copied one import at a time (its rows in memory, then INSERTs of at most
100,000 rows), written as the store writes one (`imports` row first, then its rows, then a `data_versions`
row, so every node's reports see it). With `--resume`, an import the target holds whole (same row
counts) is kept, a partial one deleted and copied again. Verified per site: imports, rows and sums.
"""

from __future__ import annotations

from typing import Any

from clearanalytics.cli import info
from clearanalytics.storage.clickhouse_imports import write
from clearanalytics.storage.clickhouse_schema import IMPORTS, delete_from
from clearanalytics.storage.imports import read_duckdb, with_rows

_DELETE = {"lightweight_deletes_sync": 2}
# per site: imports, and per imported table its rows and summed visitors and pageviews
_CHECK = (
    "SELECT site_id, count(), sum(visitors), sum(pageviews) FROM {table} GROUP BY site_id",
    "SELECT site_id, count(), 0, 0 FROM {table} GROUP BY site_id",
)


def counts(target: Any) -> dict[str, int]:
    """The target's imports (a non-empty target is refused unless --resume)."""
    return {IMPORTS: int(target.client.query(f"SELECT count() FROM {target.db}.{IMPORTS}").result_rows[0][0])}


def copy(cur: Any, target: Any, resume: bool) -> None:
    """Every import of the data dir (DuckDB cursor `cur`) into the ClickHouse `target` (move.EventsTarget)."""
    held = _held(target) if resume else {}
    copied = kept = 0
    for item in read_duckdb(cur):
        item = with_rows(cur, item)
        if held.get(item.id) == (len(item.totals), len(item.dims)):
            kept += 1
            continue
        if item.id in held:
            _drop(target, item.id)
        write(target.client, target.db, item)
        copied += 1
    info(f"move: imports: {copied} copied" + (f", {kept} complete kept" if kept else ""))


def _held(target: Any) -> dict[str, tuple[int, int]]:
    """import id -> (its imported_totals rows, its imported_dims rows) in the target."""
    ids = [r[0] for r in target.client.query(f"SELECT id FROM {target.db}.{IMPORTS}").result_rows]
    rows = {}
    for table in ("imported_totals", "imported_dims"):
        sql = f"SELECT import_id, count() FROM {target.db}.{table} GROUP BY import_id"
        rows[table] = dict(target.client.query(sql).result_rows)
    return {i: (int(rows["imported_totals"].get(i, 0)), int(rows["imported_dims"].get(i, 0))) for i in ids}


def _drop(target: Any, import_id: str) -> None:
    """An import a stopped move left part-way: its rows deleted (then copied again whole)."""
    cluster = target.address.cluster
    for table in ("imported_totals", "imported_dims"):
        target.client.command(
            f"{delete_from(target.db, table, cluster)} WHERE import_id = {{id:String}}",
            parameters={"id": import_id},
            settings=_DELETE,
        )
    target.client.command(
        f"DELETE FROM {target.db}.{IMPORTS} WHERE id = {{id:String}}", parameters={"id": import_id}, settings=_DELETE
    )


def differences(cur: Any, target: Any) -> list[str]:
    """Both sides' imports compared per site: imports, and each imported table's rows and summed visitors
    and pageviews; returns the differences (empty: equal)."""
    found = []
    checks = (("imports", _CHECK[1]), ("imported_totals", _CHECK[0]), ("imported_dims", _CHECK[0]))
    for table, sql in checks:
        source = {s: tuple(int(v) for v in r) for s, *r in cur.execute(sql.format(table=table)).fetchall()}
        rows = target.client.query(sql.format(table=f"{target.db}.{table}")).result_rows
        held = {s: tuple(int(v) for v in r) for s, *r in rows}
        found += [
            f"{table} of site {site}: (rows, visitors, pageviews) {source.get(site)} in the data dir, "
            f"{held.get(site)} in ClickHouse"
            for site in sorted(set(source) | set(held))
            if source.get(site) != held.get(site)
        ]
    if not found:
        imports = sum(v[0] for v in _per_site(cur))
        info(f"move: verified imports: {imports} import(s), their rows and sums equal")
    return found


def _per_site(cur: Any) -> list[tuple]:
    return [tuple(r) for _, *r in cur.execute(_CHECK[1].format(table="imports")).fetchall()]
