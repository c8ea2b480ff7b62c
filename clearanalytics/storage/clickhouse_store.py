"""The ClickHouse event store: the write side and the lifecycle (reports are a later step of [4/7]).

The accounts stay on their own `Database`; this store reads them for what a write must check (the
sites that exist, the active goals) and writes `sites.retained_from` there.

How ClickHouse's guarantees map onto the seam's (docs/STORAGE.md, "ClickHouse store"):
- No transactions. A batch is one INSERT per table, in the order pageviews, events, e-commerce,
  goal completions, engagements. An INSERT of one table is atomic per partition (a month), not
  across tables: a failure can leave part of a batch visible until the writer retries it with
  `idempotent=True` (it keeps every failed batch and does so), which stores exactly the rows
  still missing, so the batch converges to once, never twice.
- Replays. `idempotent=True` skips rows whose id is stored (goal completions: whose goal and source
  event are stored), as DuckDB does; every INSERT also carries an insert_deduplication_token
  derived from its rows, so an identical insert retried while the first is still landing (a
  client timeout) is dropped by the server. Tables are plain MergeTree: reads need no FINAL.
- Engagement time is appended (one row per update, `pageview_engagements`) rather than updated;
  a pageview's duration and scroll depth are the greatest of its own and its engagement rows'.
- Serialisation with goal changes and removals: every write takes the accounts database's write
  lock (the one its transactions hold), so within a process a batch is settled against the
  goals and sites either before or after a change, never in between. Several nodes need the
  accounts store's own lock (PostgreSQL, later in [4/7]).
- Imported aggregates (import-plausible) are the mixin ClickHouseImports' (clickhouse_imports.py): tables of
  their own, each import and deletion a write into the site's past (a `data_versions` row).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clearanalytics.accounts_lock import accounts_lock
from clearanalytics.db import Database
from clearanalytics.ingest.store import COLUMNS, TABLES, Records
from clearanalytics.storage import EVENT_TABLES, EventStore, ImportPart
from clearanalytics.storage.clickhouse_exports import ClickHouseReads
from clearanalytics.storage.clickhouse_imports import ClickHouseImports
from clearanalytics.storage.clickhouse_reports import ClickHouseReports
from clearanalytics.storage.clickhouse_schema import (
    DATA_VERSIONS,
    ENGAGEMENTS,
    IMPORTED_TABLES,
    RETAINED_COLUMNS,
    EventsURL,
    connect,
    migrate,
)

if TYPE_CHECKING:
    from clearanalytics.accounts import Site
    from clearanalytics.goals import Goal
    from clearanalytics.stats.query import Query

_T = "DateTime64(6, 'UTC')"  # every time parameter names its zone: the server's own never applies
_DELETE = {"lightweight_deletes_sync": 2}  # a DELETE returns once its rows are gone on every replica
_ENGAGED_COLUMNS = ("pageview_id", "site_id", "created_at", "duration", "scroll_depth")
# deleted with their sites: the engagement rows, the retained days' report rows and the imports (c004_imports)
DERIVED_TABLES = (ENGAGEMENTS, *(f"retained_{t}" for t in RETAINED_COLUMNS), *IMPORTED_TABLES)
# A pageview's engaged totals: the greatest of its own and its engagement rows' (e); a NULL scroll is unknown.
_DURATION = "greatest(p.duration, coalesce(e.duration, 0))"
_SCROLL = (
    "multiIf(e.scroll IS NULL, p.scroll_depth, p.scroll_depth IS NULL, e.scroll, greatest(p.scroll_depth, e.scroll))"
)


def _past_before() -> datetime:
    """Rows created before this (a day ago, UTC) may fall on a site's closed days (two or more local days
    back): writing them changes the site's data version. Live traffic never does; imports do."""
    return datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)


def _set(name: str) -> str:
    """`x IN` this: a set built once from an Array parameter. `x IN {a:Array(String)}` itself tests
    every row against the whole array (a 50,000-id replay check took 7.4 s on chdb; as a set 0.36 s)."""
    return f"(SELECT arrayJoin({{{name}:Array(String)}}))"


class ClickHouseEventStore(ClickHouseReads, ClickHouseImports, EventStore):  # clickhouse_exports, clickhouse_imports
    name = "clickhouse"

    def __init__(self, address: EventsURL, accounts: Database, client: Any = None):
        self.address = address
        self.db = address.database
        self.accounts = accounts
        self.client = client if client is not None else connect(address)
        self.reports = ClickHouseReports(self.client, self.db)

    def _rows(self, sql: str, **params: Any) -> list[tuple]:
        return self.client.query(sql, parameters=params).result_rows

    def _lock(self, shared: bool = False) -> Any:
        """The accounts' event-write lock (clearanalytics.accounts_lock): shared around a write, exclusive
        around a goal change's or a removal's fix, on every node (PostgreSQL accounts) or in this process."""
        return accounts_lock(self.accounts, shared=shared)

    # -- schema --

    def migrate(self) -> list[str]:
        return migrate(self.client, self.db, self.address.cluster)  # hook: ?cluster=NAME (clickhouse_schema)

    # -- writes --

    def write_batch(self, records: Records, *, idempotent: bool = False) -> None:
        from clearanalytics.ingest.goalmatch import completions_of, load_goal_set
        from clearanalytics.ingest.store import _of_existing_sites

        with self._lock(shared=True):
            with self.accounts.reading() as cur:
                records = _of_existing_sites(cur, records)
                goal_set = load_goal_set(cur)
            rows = records.rows
            if (rows["pageviews"] or rows["events"] or rows["ecommerce_events"]) and records.goals_seen != {
                goal_set.fingerprint
            }:
                rows["goal_completions"] = completions_of(goal_set, rows)
                records.goals_seen = {goal_set.fingerprint}
            for table in TABLES:
                table_rows = rows[table]
                if idempotent and table_rows:
                    table_rows = self._not_stored(table, table_rows)
                self._insert(table, table_rows)
            written = self._append_engagements(records.updates, known=rows["pageviews"])
            for table in TABLES:
                site = COLUMNS[table].index("site_id")
                written += [(row[site], row[-1]) for row in rows[table]]
            self._written(written, "write")

    def _insert(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        token = hashlib.blake2b(repr((table, rows)).encode(), digest_size=16).hexdigest()
        self.client.insert(
            f"{self.db}.{table}",
            rows,
            column_names=list(COLUMNS[table]),
            settings={"insert_deduplication_token": token},
        )

    def _not_stored(self, table: str, rows: list[tuple]) -> list[tuple]:
        """The rows of a replayed batch not stored yet, found through the sort key (sites, time span)."""
        site = COLUMNS[table].index("site_id")
        span = {
            "sites": sorted({r[site] for r in rows}),
            "since": min(r[-1] for r in rows),
            "until": max(r[-1] for r in rows),
        }
        where = f"site_id IN {{sites:Array(String)}} AND created_at BETWEEN {{since:{_T}}} AND {{until:{_T}}}"
        if table == "goal_completions":  # a recomputed completion has a new id: its goal and source say it all
            key = "goal_id, coalesce(event_id, pageview_id)"
            stored = {tuple(r) for r in self._rows(f"SELECT {key} FROM {self.db}.{table} WHERE {where}", **span)}
            return [r for r in rows if (r[1], r[6] or r[5]) not in stored]
        ids = [r[0] for r in rows]
        found = self._rows(f"SELECT id FROM {self.db}.{table} WHERE {where} AND id IN {_set('ids')}", ids=ids, **span)
        stored = {r[0] for r in found}
        return [r for r in rows if r[0] not in stored]

    def apply_engagements(self, updates: Iterable[tuple[str, int, int | None]]) -> None:
        with self._lock(shared=True):
            self._written(self._append_engagements(list(updates)), "engagement")

    def _append_engagements(self, updates: list[tuple], known: list[tuple] = ()) -> list[tuple[str, datetime]]:
        """One row per pageview and batch: the greatest totals given, with the pageview's site and time.
        Returns the (site, created_at) of the pageviews given an engagement row."""
        if not updates:
            return []
        latest: dict[str, tuple[int, int | None]] = {}
        for pageview_id, duration, scroll in updates:
            old = latest.get(pageview_id)
            if old is not None:
                duration = max(duration, old[0])
                scroll = old[1] if scroll is None else scroll if old[1] is None else max(scroll, old[1])
            latest[pageview_id] = (duration, scroll)
        where = {r[0]: (r[1], r[-1]) for r in known if r[0] in latest}
        missing = sorted(set(latest) - set(where))
        if missing:
            sql = f"SELECT id, site_id, created_at FROM {self.db}.pageviews WHERE id IN {_set('ids')}"
            where.update({pid: (site, at) for pid, site, at in self._rows(sql, ids=missing)})
        rows = [(pid, *where[pid], *latest[pid]) for pid in sorted(where)]  # unknown pageviews: ignored
        if rows:
            self.client.insert(f"{self.db}.{ENGAGEMENTS}", rows, column_names=list(_ENGAGED_COLUMNS))
        return list(where.values())

    def _written(self, written: list[tuple[str, datetime]], reason: str) -> None:
        """After a write of rows (site, created_at): this node reads the written sites' open days again, and
        a site written into its past (rows older than a day) gets a new data version naming those days."""
        if written:
            self.reports.forget_open({site for site, _ in written})
        past: dict[str, tuple[date, date]] = {}
        before = _past_before()
        for site, at in written:
            if at < before:
                first, last = past.get(site, (at.date(), at.date()))
                past[site] = (min(first, at.date()), max(last, at.date()))
        for site, days in past.items():
            self._changed_past([site], reason, days=days)

    def _changed_past(
        self,
        site_ids: Iterable[str],
        reason: str,
        retained_from: date | None = None,
        days: tuple[date, date] | None = None,
    ) -> None:
        """Record a write into these sites' past (after it landed), on the UTC `days` it wrote (None: all):
        every node builds those kept closed days again at its next report (storage/clickhouse_kept.py says
        why after, not before)."""
        sites = sorted(set(site_ids))
        if sites:
            self.reports.forget_open(set(sites))
            now = datetime.now(UTC).replace(tzinfo=None)
            first, last = days or (None, None)
            rows = [(uuid.uuid4().hex, site, reason, first, last, retained_from, now) for site in sites]
            columns = ["id", "site_id", "reason", "day_from", "day_to", "retained_from", "at"]
            self.client.insert(f"{self.db}.{DATA_VERSIONS}", rows, column_names=columns)

    def _goal_sites(self, goal_ids: list[str]) -> list[str]:
        """The sites with completions of these goals (whose past their deletion changes)."""
        sql = f"SELECT DISTINCT site_id FROM {self.db}.goal_completions WHERE goal_id IN {{goals:Array(String)}}"
        return [site for (site,) in self._rows(sql, goals=goal_ids)] if goal_ids else []

    def site_days_moved(self, site_id: str, *, within: Any = None) -> None:
        """A timezone change moves every local day: the kept rows of the site are rebuilt."""
        self._changed_past([site_id], "timezone")

    # -- reads --

    def run_report(self, query: Query, report: str, *, cur: Any = None, **params: Any) -> list[dict[str, Any]]:
        """ClickHouse computes the report's daily rows, the combine step runs as on DuckDB (clickhouse_reports.py)."""
        return self.reports.run(query, report, **params)

    def _where(self, table: str, sites: list[str], goals: list[str]) -> str:
        clauses = []
        if sites:
            clauses.append("site_id IN {sites:Array(String)}")
        if goals and table == "goal_completions":
            clauses.append("goal_id IN {goals:Array(String)}")
        return " OR ".join(clauses)

    def count_events(
        self, site_ids: Iterable[str], *, goal_ids: Iterable[str] = (), before: datetime | None = None, cur: Any = None
    ) -> dict[str, int]:
        sites, goals = sorted(site_ids), sorted(goal_ids)
        if before is not None:
            where = f"site_id IN {{sites:Array(String)}} AND created_at < {{b:{_T}}}"
            return {
                t: int(self._rows(f"SELECT count() FROM {self.db}.{t} WHERE {where}", sites=sites, b=before)[0][0])
                for t in EVENT_TABLES
            }
        counts = {}
        for table in (*EVENT_TABLES, *DERIVED_TABLES):
            where = self._where(table, sites, goals)
            if where:
                sql = f"SELECT count() FROM {self.db}.{table} WHERE {where}"
                counts[table] = int(self._rows(sql, sites=sites, goals=goals)[0][0])
        return counts

    def purchase_transactions(self, site_id: str | None = None) -> dict[str, set[str]]:
        rows = self._rows(
            f"SELECT site_id, groupUniqArray(assumeNotNull(transaction_id)) FROM {self.db}.ecommerce_events "
            "WHERE event_type = 'purchase' AND transaction_id IS NOT NULL "
            "AND ({site:Nullable(String)} IS NULL OR site_id = {site:Nullable(String)}) GROUP BY site_id",
            site=site_id,
        )
        return {site: set(ids) for site, ids in rows}

    def pageview(self, pageview_id: str) -> tuple[str, str, datetime, int, int | None] | None:
        """The pageview with its engagement rows folded in: the greatest duration, the greatest known scroll."""
        rows = self._rows(
            "SELECT site_id, visitor_hash, created_at, duration, scroll_depth "
            f"FROM {engaged_pageviews(self.db, 'WHERE p.id = {id:String}')} LIMIT 1 SETTINGS join_use_nulls = 1",
            id=pageview_id,
        )
        if not rows:
            return None
        site, visitor, at, duration, scroll = rows[0]
        return site, visitor, at, int(duration), None if scroll is None else int(scroll)

    def recent_visits(self, since: datetime) -> tuple[list[tuple], list[tuple]]:
        union = " UNION ALL ".join(
            f"SELECT visitor_hash, session_hash, created_at FROM {self.db}.{t} WHERE created_at >= {{since:{_T}}}"
            for t in ("pageviews", "events", "ecommerce_events")
        )
        sessions = self._rows(
            "SELECT visitor_hash, argMax(session_hash, created_at), max(created_at) "
            f"FROM ({union}) GROUP BY visitor_hash",
            since=since,
        )
        pages = self._rows(
            f"SELECT visitor_hash, pathname, argMax(id, created_at), max(created_at) FROM {self.db}.pageviews "
            "WHERE created_at >= {since:DateTime64(6, 'UTC')} GROUP BY visitor_hash, pathname ORDER BY 4",
            since=since,
        )
        return [tuple(r) for r in sessions], [tuple(r) for r in pages]

    # -- goals --

    def backfill_goal(self, goal: Goal, *, within: Any = None) -> int:
        """The live matcher's rule (CompiledGoal) over the site's stored events, under the accounts lock."""
        from clearanalytics.ingest.goalmatch import CompiledGoal
        from clearanalytics.ingest.store import ulid_at

        compiled = CompiledGoal.of(goal)
        with self._lock():
            if compiled.type == "url":
                paths = self._rows(
                    f"SELECT DISTINCT pathname FROM {self.db}.pageviews WHERE site_id = {{s:String}}", s=goal.site_id
                )
                matching = [p for (p,) in paths if compiled.matches_path(p)]
                found = (
                    self._rows(
                        f"SELECT id, visitor_hash, session_hash, created_at FROM {self.db}.pageviews "
                        f"WHERE site_id = {{s:String}} AND pathname IN {_set('paths')}",
                        s=goal.site_id,
                        paths=matching,
                    )
                    if matching
                    else []
                )
                rows = [(ulid_at(ts), goal.id, goal.site_id, v, s, pid, None, ts) for pid, v, s, ts in found]
            else:
                found = self._rows(
                    f"SELECT id, visitor_hash, session_hash, pageview_id, created_at FROM {self.db}.events "
                    "WHERE site_id = {s:String} AND name = {n:String} UNION ALL "
                    f"SELECT id, visitor_hash, session_hash, pageview_id, created_at FROM {self.db}.ecommerce_events "
                    "WHERE site_id = {s:String} AND event_type = {n:String} "
                    f"AND id NOT IN (SELECT id FROM {self.db}.events WHERE site_id = {{s:String}})",
                    s=goal.site_id,
                    n=compiled.event_name,
                )
                rows = [(ulid_at(ts), goal.id, goal.site_id, v, s, pv, eid, ts) for eid, v, s, pv, ts in found]
            self._insert("goal_completions", rows)
            self._changed_past([goal.site_id], "goal")
        return len(rows)

    def delete_goal_events(self, goal_id: str, *, within: Any = None) -> int:
        with self._lock():
            sites = self._goal_sites([goal_id])
            deleted = self._delete("goal_completions", "goal_id = {g:String}", g=goal_id)
            self._changed_past(sites, "goal")
            return deleted

    def _delete(self, table: str, where: str, **params: Any) -> int:
        """Count, then a lightweight DELETE (synchronous): ClickHouse's DELETE reports no row count."""
        rows = int(self._rows(f"SELECT count() FROM {self.db}.{table} WHERE {where}", **params)[0][0])
        if rows:
            self.client.query(f"DELETE FROM {self.db}.{table} WHERE {where}", parameters=params, settings=_DELETE)
        return rows

    # -- deletion and retention --

    def delete_events(
        self, site_ids: Iterable[str], *, goal_ids: Iterable[str] = (), within: Any = None
    ) -> dict[str, int]:
        sites, goals = sorted(site_ids), sorted(goal_ids)
        deleted = {}
        with self._lock():
            changed = self._goal_sites(goals)
            for table in (*EVENT_TABLES, *DERIVED_TABLES):
                where = self._where(table, sites, goals)
                if where:
                    deleted[table] = self._delete(table, where, sites=sites, goals=goals)
            self._changed_past(sites + changed, "delete")
        return deleted

    def retain(self, site: Site, cutoff_day: date, cutoff_utc: datetime, now: datetime) -> dict[str, int]:
        """Deletes the raw rows before the cutoff and moves `retained_from`; no aggregates are kept yet.

        This store keeps no per-day rollups, so there is nothing to build first: the days before
        `retained_from` lose their rows for good (docs/STORAGE.md says what reports must do with them).
        """
        where = "site_id = {s:String} AND created_at < {c:DateTime64(6, 'UTC')}"
        with self._lock():
            _, retained_from = self.reports.versions([site.id]).get(site.id, (0, None))
            if retained_from is None or retained_from < cutoff_day:
                self.reports.keep_retained(site.id, site.timezone, retained_from, cutoff_day)
                self._changed_past([site.id], "retention", retained_from=cutoff_day)
            rows = {t: self._delete(t, where, s=site.id, c=cutoff_utc) for t in EVENT_TABLES}
            self._delete(ENGAGEMENTS, where, s=site.id, c=cutoff_utc)
            with self.accounts.transaction() as cur:
                cur.execute(
                    "UPDATE sites SET retained_from = greatest(coalesce(retained_from, $day), $day) WHERE id = $id",
                    {"day": cutoff_day, "id": site.id},
                )
        return rows

    # -- the parallel importer --

    def import_parts(self, directory: Path, count: int) -> list[Path]:
        raise NotImplementedError("the ClickHouse store has no parallel import yet: import with --workers 1")

    def open_import_part(self, part: Path) -> ImportPart:
        raise NotImplementedError("the ClickHouse store has no parallel import yet: import with --workers 1")

    def merge_import_parts(self, parts: list[Path], drop_purchases: list[str]) -> None:
        raise NotImplementedError("the ClickHouse store has no parallel import yet: import with --workers 1")

    # -- running it --

    def probe(self) -> None:
        self._rows(f"SELECT count() FROM {self.db}.schema_version")

    def close(self) -> None:
        """Each INSERT has returned only once its part is written; closing releases the client."""
        self.client.close()


def engaged_pageviews(database: str, where: str = "") -> str:
    """Pageviews with their engagement rows folded in (the greatest duration, the greatest known scroll
    depth), as a subquery: pageview() reads it, and the report port is to read pageviews through it.
    `where` filters the pageviews (as `p`); the query needs `join_use_nulls = 1`."""
    return (
        f"(SELECT p.* REPLACE ({_DURATION} AS duration, {_SCROLL} AS scroll_depth) FROM {database}.pageviews AS p "
        "LEFT JOIN (SELECT pageview_id, max(duration) AS duration, max(scroll_depth) AS scroll "
        f"FROM {database}.{ENGAGEMENTS} GROUP BY pageview_id) AS e ON e.pageview_id = p.id {where})"
    )
