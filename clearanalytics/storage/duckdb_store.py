"""The embedded event store: today's DuckDB file, accounts and events in one database.

Every operation runs on the `Database` the accounts use, so a removal deletes accounts rows
and event rows in one transaction, and every write is serialised behind the file's one write
lock. The write path itself is ingest/store.py's (`write_records`, `apply_updates`); reports
are the SQL of stats/sql run by clearanalytics.stats.engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import duckdb

from clearanalytics.db import Database, write_lock
from clearanalytics.health import needs_reopen
from clearanalytics.ingest.store import invalidate_site_rollups
from clearanalytics.storage import EVENT_TABLES, EventStore, ImportPart
from clearanalytics.storage.site_facts import SiteFacts, accounts_reading

if TYPE_CHECKING:
    from clearanalytics.accounts import Site
    from clearanalytics.goals import Goal
    from clearanalytics.ingest.store import Records
    from clearanalytics.stats.exports import ExportPage
    from clearanalytics.stats.query import Query
    from clearanalytics.stats.site_status import Installation
    from clearanalytics.storage.imports import StoredImport


class DuckDBEventStore(EventStore):
    name = "duckdb"

    def __init__(self, db: Database, accounts: Database | None = None):
        self.db = db
        # Where sites and goals are read (and retained_from written): the same file unless given.
        self.accounts = db if accounts is None else accounts

    def _accounts_in(self, within: Any) -> AbstractContextManager[Any]:
        """The accounts cursor for an event write on `within`: `within` itself when they share the file."""
        return accounts_reading(self.db, self.accounts, within)

    @contextmanager
    def _cursor(self, cur: Any = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """The caller's cursor when it is on this file (the accounts share it), else one of the store's own."""
        if cur is not None and self.shares_accounts():
            yield cur
        else:
            with self.db.reading() as own:
                yield own

    # -- schema --

    def migrate(self) -> list[str]:
        from clearanalytics.migrations import migrate

        with write_lock(self.db.path):
            cur = self.db.cursor()
            try:
                return migrate(cur)
            finally:
                cur.close()

    # -- writes --

    def write_batch(self, records: Records, *, idempotent: bool = False) -> None:
        from clearanalytics.ingest.store import write_records
        from clearanalytics.stats import rollups

        with self.db.transaction() as cur, self._accounts_in(cur) as accounts:
            write_records(cur, records, idempotent=idempotent, accounts=accounts)
        rollups.refresh_open_pieces(self.db)  # the open days that reports read lately, read again now

    def apply_engagements(self, updates: Iterable[tuple[str, int, int | None]]) -> None:
        from clearanalytics.ingest.store import apply_updates
        from clearanalytics.stats import rollups

        with self.db.transaction() as cur, self._accounts_in(cur) as accounts:
            apply_updates(cur, list(updates), SiteFacts(accounts))
        rollups.refresh_open_pieces(self.db)

    # -- reads --

    def run_report(self, query: Query, report: str, *, cur: Any = None, **params: Any) -> list[dict[str, Any]]:
        from clearanalytics.stats import engine

        with self._cursor(cur) as reader:
            return engine.run(reader, query, report, database_path=str(self.db.path), **params)

    def count_events(
        self, site_ids: Iterable[str], *, goal_ids: Iterable[str] = (), before: datetime | None = None, cur: Any = None
    ) -> dict[str, int]:
        with self._cursor(cur) as reader:
            return count_rows(reader, site_ids, goal_ids, before)

    def purchase_transactions(self, site_id: str | None = None) -> dict[str, set[str]]:
        with self.db.reading() as cur:
            rows = cur.execute(
                "SELECT site_id, list(DISTINCT transaction_id) FROM ecommerce_events "
                "WHERE event_type = 'purchase' AND transaction_id IS NOT NULL "
                "AND ($site IS NULL OR site_id = $site) GROUP BY site_id",
                {"site": site_id},
            ).fetchall()
        return {site: set(ids) for site, ids in rows}

    def pageview(self, pageview_id: str) -> tuple[str, str, datetime, int, int | None] | None:
        with self.db.reading() as cur:
            return cur.execute(
                "SELECT site_id, visitor_hash, created_at, duration, scroll_depth FROM pageviews WHERE id = ?",
                [pageview_id],
            ).fetchone()

    def recent_visits(self, since: datetime) -> tuple[list[tuple], list[tuple]]:
        with self.db.reading() as cur:
            sessions = cur.execute(
                """
                SELECT visitor_hash, arg_max(session_hash, created_at), max(created_at) FROM (
                    SELECT visitor_hash, session_hash, created_at FROM pageviews WHERE created_at >= $since
                    UNION ALL SELECT visitor_hash, session_hash, created_at FROM events WHERE created_at >= $since
                    UNION ALL SELECT visitor_hash, session_hash, created_at FROM ecommerce_events
                        WHERE created_at >= $since
                ) GROUP BY visitor_hash
                """,
                {"since": since},
            ).fetchall()
            pages = cur.execute(
                "SELECT visitor_hash, pathname, arg_max(id, created_at), max(created_at) FROM pageviews "
                "WHERE created_at >= ? GROUP BY visitor_hash, pathname ORDER BY 4",
                [since],
            ).fetchall()
        return sessions, pages

    # -- exports and status reads --

    def export_text(self, page: ExportPage, fmt: str, *, cur: Any = None) -> Iterator[str]:
        """stats.exports' page on the caller's cursor when the accounts share this file (one snapshot, and
        DuckDB writes the rows' text); otherwise on a cursor of the store's own, with goals from the accounts."""
        from clearanalytics.stats import exports

        if cur is not None and self.shares_accounts():
            return exports.export_text(cur, page, fmt)
        if page.table not in exports.TIMED_TABLES:
            return exports.accounts_text(self.accounts, page, fmt)
        return exports.export_text_own(self.db, page, fmt)

    def installation(self, site_id: str, now: datetime, *, cur: Any = None) -> Installation:
        from clearanalytics.stats import site_status

        with self._cursor(cur) as reader:
            return site_status.installation(reader, site_id, now)

    def goal_completion_totals(self, site_ids: Iterable[str], *, cur: Any = None) -> dict[str, int]:
        from clearanalytics.stats import site_status

        with self._cursor(cur) as reader:
            return site_status.goal_completion_totals(reader, list(site_ids))

    # -- goals --

    def backfill_goal(self, goal: Goal, *, within: Any = None) -> int:
        from clearanalytics.ingest.goalmatch import backfill

        if within is not None and self.shares_accounts():
            return backfill(within, goal)
        with self.db.transaction() as cur, self._accounts_in(cur) as accounts:
            return backfill(cur, goal, SiteFacts(accounts))

    def delete_goal_events(self, goal_id: str, *, within: Any = None) -> int:
        sql = "DELETE FROM goal_completions WHERE goal_id = ?"
        if within is not None and self.shares_accounts():
            return within.execute(sql, [goal_id]).fetchone()[0]
        with self.db.transaction() as cur:
            return cur.execute(sql, [goal_id]).fetchone()[0]

    # -- deletion and retention --

    def delete_events(
        self, site_ids: Iterable[str], *, goal_ids: Iterable[str] = (), within: Any = None
    ) -> dict[str, int]:
        if within is not None and self.shares_accounts():
            return delete_rows(within, site_ids, goal_ids)
        with self.db.transaction() as cur, self._accounts_in(cur) as accounts:
            return delete_rows(cur, site_ids, goal_ids, SiteFacts(accounts))

    def retain(self, site: Site, cutoff_day: date, cutoff_utc: datetime, now: datetime) -> dict[str, int]:
        """Rollups are built outside the write lock (the ingest writer keeps committing between chunks),
        then again under it, in the same locked section as the delete, so no write slips between.

        `retained_from` is the accounts side's: in the delete's transaction when they share the file
        (as one commit); otherwise moved first, in the accounts database, before any aggregate is built.
        Moved first, a write into those days meanwhile leaves their aggregates be (the delete then
        takes its rows); moved after the delete, such a write would drop aggregates that nothing
        could rebuild, the raw rows being gone."""
        shared = self.shares_accounts()
        if not shared:
            with self.accounts.transaction() as accounts:
                keep_from(accounts, site.id, cutoff_day)
        self._keep_rollups(site, cutoff_day, cutoff_utc, now)
        with write_lock(self.db.path):
            self._keep_rollups(site, cutoff_day, cutoff_utc, now)
            with self.db.transaction() as cur:
                rows = {
                    table: cur.execute(
                        f"DELETE FROM {table} WHERE site_id = ? AND created_at < ?", [site.id, cutoff_utc]
                    ).fetchone()[0]
                    for table in EVENT_TABLES
                }
                if shared:
                    keep_from(cur, site.id, cutoff_day)
        return rows

    def shares_accounts(self) -> bool:
        return self.accounts is self.db

    def site_days_moved(self, site_id: str, *, within: Any = None) -> None:
        if within is not None and self.shares_accounts():
            invalidate_site_rollups(within, site_id)
            return
        with self.db.transaction() as cur, self._accounts_in(cur) as accounts:
            invalidate_site_rollups(cur, site_id, SiteFacts(accounts))

    def _keep_rollups(self, site: Site, cutoff_day: date, cutoff_utc: datetime, now: datetime) -> None:
        """Build every rollup kind of the days about to lose their raw rows (missing ones only)."""
        from clearanalytics.stats import rollups
        from clearanalytics.stats.query import Query

        with self.db.reading() as cur:
            first = cur.execute(
                "SELECT min(created_at) FROM ("
                + " UNION ALL ".join(
                    f"SELECT min(created_at) AS created_at FROM {t} WHERE site_id = $s AND created_at < $c"
                    for t in EVENT_TABLES
                )
                + ")",
                {"s": site.id, "c": cutoff_utc},
            ).fetchone()[0]
            if first is None:
                return
            first_day = first.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(site.timezone)).date()
            rollups.build(cur, Query((site,), "custom", first_day, cutoff_day - timedelta(days=1), now))

    # -- imported aggregates (storage/imports.py, stats/imported.py) --

    def write_import(self, item: StoredImport) -> None:
        from clearanalytics.stats import imported
        from clearanalytics.storage.imports import write_duckdb

        with self.db.transaction() as cur:
            write_duckdb(cur, item)
            imported.days_changed(cur, item.site_id, [row[0] for row in item.totals])  # kept answers over them

    def list_imports(self, site_id: str) -> list[StoredImport]:
        from clearanalytics.storage.imports import read_duckdb

        with self.db.reading() as cur:
            return read_duckdb(cur, site_id)

    def delete_import(self, import_id: str) -> str | None:
        from clearanalytics.stats import imported

        with self.db.transaction() as cur:
            return imported.delete_import(cur, import_id)

    def includes_imported(self, query: Query, report: str) -> bool:
        from clearanalytics.stats import imported

        return imported.included_in(self.db, query, report)

    # -- the parallel importer --

    def import_parts(self, directory: Path, count: int) -> list[Path]:
        from clearanalytics.storage import duckdb_import

        return duckdb_import.create_parts(self.db, Path(directory), count)

    def open_import_part(self, part: Path) -> ImportPart:
        from clearanalytics.storage.duckdb_import import ScratchPart

        return ScratchPart(part)

    def merge_import_parts(self, parts: list[Path], drop_purchases: list[str]) -> None:
        from clearanalytics.storage import duckdb_import

        duckdb_import.merge_parts(self.db, parts, drop_purchases, self.accounts)

    # -- running it --

    def degraded(self) -> str | None:
        from clearanalytics.stats import rollups

        return rollups.degraded(self.db.path)

    def probe(self) -> None:
        with self.db.reading() as cur:
            cur.execute("SELECT 1").fetchone()

    def needs_reopen(self, exc: BaseException) -> bool:
        return needs_reopen(exc)

    def reopen(self) -> None:
        self.db.reopen()

    def close(self) -> None:
        self.db.close()


def keep_from(accounts_cur: Any, site_id: str, cutoff_day: date) -> None:
    """The site's retained_from becomes the later of its old value and `cutoff_day` (an accounts statement,
    read alike by DuckDB and PostgreSQL)."""
    accounts_cur.execute(
        "UPDATE sites SET retained_from = greatest(coalesce(retained_from, $day), $day) WHERE id = $id",
        {"day": cutoff_day, "id": site_id},
    )


# --- the event side of a removal, on a cursor (also inside the accounts transaction) -------------


def _event_side_tables(cur: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """table -> its id columns (site_id, goal_id) for the raw event tables, every rollup table and the
    imported aggregates (import-plausible).

    Read from the catalog, so a new rollup table is covered without a line here.
    """
    rows = cur.execute(
        "SELECT table_name, list(column_name ORDER BY column_name) FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND (list_contains($raw::VARCHAR[], table_name) OR table_name LIKE 'rollup\\_%' ESCAPE '\\' "
        "OR table_name LIKE 'imported\\_%' ESCAPE '\\' OR table_name = 'imports') "
        "AND column_name IN ('site_id', 'goal_id') GROUP BY table_name",
        {"raw": list(EVENT_TABLES)},
    ).fetchall()
    found = {name: tuple(columns) for name, columns in rows}
    ordered = [t for t in EVENT_TABLES if t in found] + sorted(t for t in found if t not in EVENT_TABLES)
    return {t: found[t] for t in ordered}


def _where(columns: tuple[str, ...], site_ids: list[str], goal_ids: list[str]) -> tuple[str, dict]:
    clauses, params = [], {}
    if "site_id" in columns and site_ids:
        clauses.append("list_contains($sites::VARCHAR[], site_id)")
        params["sites"] = site_ids
    if "goal_id" in columns and goal_ids:
        clauses.append("list_contains($goals::VARCHAR[], goal_id)")
        params["goals"] = goal_ids
    return " OR ".join(clauses), params


def count_rows(
    cur: duckdb.DuckDBPyConnection,
    site_ids: Iterable[str],
    goal_ids: Iterable[str] = (),
    before: datetime | None = None,
) -> dict[str, int]:
    """Rows per table that delete_rows would take, or (with `before`) the raw rows retention would."""
    sites, goals = sorted(site_ids), sorted(goal_ids)
    if before is not None:
        return {
            t: cur.execute(
                f"SELECT count(*) FROM {t} WHERE list_contains($sites::VARCHAR[], site_id) AND created_at < $before",
                {"sites": sites, "before": before},
            ).fetchone()[0]
            for t in EVENT_TABLES
        }
    counts = {}
    for table, columns in _event_side_tables(cur).items():
        where, params = _where(columns, sites, goals)
        if where:
            counts[table] = cur.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
    return counts


def delete_rows(
    cur: duckdb.DuckDBPyConnection,
    site_ids: Iterable[str],
    goal_ids: Iterable[str] = (),
    facts: SiteFacts | None = None,
) -> dict[str, int]:
    """Delete the event and rollup rows of these sites and goals inside the caller's transaction.

    `facts`: the accounts side's facts for the invalidation (None: read on `cur`, the embedded file)."""
    sites, goals = sorted(site_ids), sorted(goal_ids)
    deleted = {}
    for table, columns in _event_side_tables(cur).items():
        where, params = _where(columns, sites, goals)
        if where:
            deleted[table] = cur.execute(f"DELETE FROM {table} WHERE {where}", params).fetchone()[0]
    for site_id in sites:
        invalidate_site_rollups(cur, site_id, facts)  # also drops this process's memo of complete rollup days
    return deleted
