"""The storage seam: every write of events (and every report, via run_report) reaches them through an EventStore.

Why a seam: one DuckDB file is one machine. The next storage engine (ClickHouse, issue [4/7]) must
slot in beside DuckDB without the API, MCP, dashboard or chat changing, so the operations that
touch the event tables are named here once, each with what an implementation must guarantee,
and `open_store(settings)` picks the implementation. `DuckDBEventStore` (duckdb_store.py) is
the first one and the default: with no events URL set the embedded path stays one process,
one file, two commands.

Two sides of the data:

- Events (this seam): `pageviews`, `events`, `ecommerce_events`, `goal_completions` (EVENT_TABLES),
  plus whatever an implementation derives from them (DuckDB's per-day rollups, `rollup_*`).
  Append-mostly, large, read by reports.
- Accounts (clearanalytics.accounts, not behind this seam): `tenants`, `sites`, `users`,
  `memberships`, `api_tokens`, `goals`, `sessions` (dashboard logins) and `salts` (the daily
  visitor-hash salts, which every node must share). Small, transactional, read on every
  request. Today they live in the same DuckDB file as the events; a split set-up keeps them
  in their own database (PostgreSQL in [4/7]) and opens the event store beside it. Event
  rows refer to accounts only by id (`site_id`, `goal_id`), never by a foreign key, which is
  what lets the two sides live apart.

Whoever holds the accounts `Database` finds its event store with `store_of(db)`: the factory
registers the store it opens (`attach`), and a database nobody registered a store for gets
the DuckDB store over its own file. So a command, a test or a worker that has only a
`Database` still writes through the seam.
"""

from __future__ import annotations

import logging
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from clearanalytics.config import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from clearanalytics.accounts import Site
    from clearanalytics.db import Database
    from clearanalytics.goals import Goal
    from clearanalytics.ingest.store import Records
    from clearanalytics.stats.exports import ExportPage
    from clearanalytics.stats.query import Query
    from clearanalytics.stats.site_status import Installation
    from clearanalytics.storage.imports import StoredImport

EVENT_TABLES = ("pageviews", "events", "ecommerce_events", "goal_completions")
ACCOUNT_TABLES = ("tenants", "sites", "users", "memberships", "api_tokens", "goals", "sessions", "salts")
ACCOUNT_TABLES += ("shared_links",)  # shared links (clearanalytics/dashboard/share_links.py)
ACCOUNT_TABLES += ("report_subscriptions", "report_sends")  # email reports (clearanalytics/mail)


class StorageConfigError(ConfigError, ValueError):
    """An events URL this version cannot open; the message names the setting (a ConfigError: one CLI line)."""


class ImportPart(ABC):
    """Where one forked import worker writes its rows, apart from the live tables (see EventStore.import_parts)."""

    @abstractmethod
    def write_batch(self, records: Records) -> None:
        """Store rows (never engagement updates: a file with engagement lines is imported by one process)."""

    @abstractmethod
    def close(self) -> None:
        """Make the rows durable for the parent's merge and release the part."""


class EventStore(ABC):
    """The event side of storage. Implementations must be safe to call from several threads."""

    name: str = ""

    # -- schema --

    @abstractmethod
    def migrate(self) -> list[str]:
        """Bring the event schema up to date; returns the names of the migrations applied now ([] if none).

        Covers every table this store keeps (for DuckDB: the whole file, accounts included, since
        they share one `schema_version` ledger; a split store migrates only its event tables and
        derived data, in its own ledger). Must be safe to run twice and on every start, must refuse
        a schema newer than it knows (migrations.SchemaTooNewError) rather than write to it, and
        must leave a fresh store with the empty tables that write_batch and run_report expect.
        """

    # -- writes --

    @abstractmethod
    def write_batch(self, records: Records, *, idempotent: bool = False) -> None:
        """Store one batch of rows (all four tables) and its engagement updates, all or nothing.

        Why one call: the ingest writer commits every 0.25 s, an import every 25,000 events, and a
        crash replays spool segments; each is one batch. Guarantees:
        - inserts before updates (an engagement may point at a pageview of the same batch);
        - rows of a site that no longer exists are dropped (a removal that raced the spool). Which sites
          exist (and the goals, timezones and retained_from it needs) is the accounts side's answer,
          read inside this write's transaction after any delete_events that committed before it, never
          by a statement joining event tables to accounts tables (deletion.py relies on this order);
        - goal completions are settled against the goals current at commit time;
        - with `idempotent=True` a row whose id is already stored is skipped, so writing the same
          batch twice (a spool replay after a crash, a retried failed commit) stores it once.
          Engagement updates are absolute totals, so they are idempotent by construction;
        - derived data (rollups) of the days written is invalidated or kept exact, never stale;
        - on error nothing of the batch is visible (the writer keeps it and retries idempotently).
        """

    @abstractmethod
    def apply_engagements(self, updates: Iterable[tuple[str, int, int | None]]) -> None:
        """Raise pageviews' (id, duration, scroll_depth) to at least the given absolute totals, as one transaction.

        Why separate from inserts: engagement arrives after its pageview, often in a later batch. A
        value never goes down (greatest of old and new; a None scroll depth leaves it as it is), so
        applying the same update twice, or an older one late, changes nothing. An append-only
        engine may store them as rows and take the maximum at read time, as long as reports see the
        same numbers. Ids of unknown pageviews are ignored.
        """

    # -- reads --

    @abstractmethod
    def run_report(self, query: Query, report: str, *, cur: Any = None, **params: Any) -> list[dict[str, Any]]:
        """Rows of report `report` (a stats/sql name) for `query`, as dicts with the report's columns.

        Why here: the report SQL is the one part that differs by engine; the registry, the faces
        and the comparisons around it do not. Every implementation must return identical rows for
        identical data (the stats oracle tests run on each). `cur` is the read cursor the caller
        already holds (a web request's, on the accounts database): the DuckDB store reads the
        events through it (same file), a store with its own connection ignores it. `params` are
        the report's own parameters (`limit`, `goal_id`, `ranges`, `bucket`).
        """

    @abstractmethod
    def count_events(
        self, site_ids: Iterable[str], *, goal_ids: Iterable[str] = (), before: datetime | None = None, cur: Any = None
    ) -> dict[str, int]:
        """table -> rows that delete_events (or, with `before`, retain) would take: for confirmations.

        With `before`: exactly the EVENT_TABLES, counting the sites' raw rows created before it.
        Without: every table delete_events empties, the EVENT_TABLES among them (an implementation
        adds its derived tables, such as DuckDB's rollups).
        """

    @abstractmethod
    def purchase_transactions(self, site_id: str | None = None) -> dict[str, set[str]]:
        """site id -> transaction ids of its stored purchases: the pipeline drops a repeated purchase."""

    @abstractmethod
    def pageview(self, pageview_id: str) -> tuple[str, str, datetime, int, int | None] | None:
        """(site_id, visitor_hash, created_at, duration, scroll_depth) of a stored pageview, or None.

        The live pipeline asks for an engagement whose pageview it no longer remembers; the
        duration and scroll depth returned include every engagement applied so far.
        """

    @abstractmethod
    def recent_visits(self, since: datetime) -> tuple[list[tuple], list[tuple]]:
        """What a restarted server needs to continue the visits still open (ingest.visitors.Sessions):

        - (visitor_hash, session_hash of its latest row, latest created_at) over pageviews, events
          and e-commerce events created at or after `since`, one per visitor;
        - (visitor_hash, pathname, id of its latest pageview, latest created_at) per visitor and
          path, ordered by that time.
        """

    # -- exports and status reads (the raw rows, outside the reports) --

    @abstractmethod
    def export_text(self, page: ExportPage, fmt: str, *, cur: Any = None) -> Iterator[str]:
        """The text of one export page (/api/v1/export/*), as a generator of chunks; the caller closes it.

        Why here: the raw rows are the event side's, and the export's promise is that the bytes do not
        depend on the engine. Guarantees, identical bytes for identical data on every implementation:
        - the rows of `page.table` of `page.site_ids` only (a cursor of another tenant reaches none),
          for a timed table each site's own half-open UTC range (`page.ranges`), with ids after
          `page.cursor`, in id order (bytewise), at most `page.limit` of them;
        - each row encoded as `exports.formats` writes it (`fmt` "jsonl" or "csv"; a CSV starts with its
          header, even for no rows), its `domain` the page's (`page.domains`), pageviews with their
          engaged duration and scroll depth (every engagement applied so far);
        - `goals` are the accounts side's rows, read there, never from an event table;
        - the first chunk is computed on the first next(), so the caller can turn its error into a
          response before streaming; a page reads in chunks of at most stats.exports.CHUNK_ROWS rows.
        `cur` is the caller's cursor on the accounts database (the request's), used when the events
        share it (DuckDB reads the page in one snapshot on it); a store on its own connection ignores it.
        """

    @abstractmethod
    def installation(self, site_id: str, now: datetime, *, cur: Any = None) -> Installation:
        """What has arrived for a site: its rows ever (pageviews, events, e-commerce events), its
        pageviews since `now` - 24 h and its latest pageview's time (None when it has none): the
        dashboard's empty state and "verify installation" check. `cur` as for export_text."""

    @abstractmethod
    def goal_completion_totals(self, site_ids: Iterable[str], *, cur: Any = None) -> dict[str, int]:
        """goal id -> every completion it has ever had on these sites (goals with none are absent):
        the goals settings list. `cur` as for export_text."""

    # -- goals (defined on the accounts side, completed on this one) --

    @abstractmethod
    def backfill_goal(self, goal: Goal, *, within: Any = None) -> int:
        """A goal was added: record its completions over every stored event of its site; returns how many.

        Same rule as the live matcher (ingest.goalmatch.completions_of). `within` as for
        delete_events: the goal's creating transaction when accounts share this database, so a
        batch committed meanwhile is either backfilled here or re-matched by write_batch.
        """

    @abstractmethod
    def delete_goal_events(self, goal_id: str, *, within: Any = None) -> int:
        """A goal was removed: delete its completions; returns how many (`within` as for delete_events)."""

    # -- deletion and retention --

    @abstractmethod
    def delete_events(
        self, site_ids: Iterable[str], *, goal_ids: Iterable[str] = (), within: Any = None
    ) -> dict[str, int]:
        """Delete every event row (and derived row) of these sites and goals; returns rows per table.

        Why: removing a site or tenant, or `site reset`, must leave no row behind. `within` is the
        accounts transaction's cursor when accounts share this store's database (DuckDB), so the
        accounts rows and the event rows go in one commit; a store on its own database deletes in
        its own and relies on write_batch dropping rows of removed sites for anything in flight.
        Derived data of these sites is dropped too, including days before `retained_from`.
        """

    @abstractmethod
    def retain(self, site: Site, cutoff_day: date, cutoff_utc: datetime, now: datetime) -> dict[str, int]:
        """Delete the site's raw rows created before `cutoff_utc` (its local midnight of `cutoff_day`), keeping reports.

        The retained_from rule: before deleting, every per-day aggregate of the days that lose
        their rows is built, and the site's `retained_from` becomes max(old, cutoff_day). Days
        before `retained_from` are final: neither a later write into them (an import of history,
        deleted again by the next run) nor a timezone change may rebuild them from raw rows that
        are gone, and only `site reset` (delete_events) drops them. No write may land between
        the last aggregate build and the delete. Returns rows deleted per event table.
        """

    def shares_accounts(self) -> bool:
        """Whether the accounts live in this store's database, so one transaction can hold a change of
        both (`within=` of the operations below). False for a store on its own database."""
        return False

    def site_days_moved(self, site_id: str, *, within: Any = None) -> None:  # noqa: B027 - see below
        """A site's timezone changed, so its local days did: forget what is derived per local day.

        Days before the site's retained_from stay (their raw rows are gone). `within` as for
        delete_events: the accounts transaction that changed the timezone, when the accounts share this
        store's database; otherwise call it after that transaction commits. A store that keeps
        nothing per local day (the default) needs nothing.
        """

    # -- imported aggregates (import-plausible: storage/imports.py, stats/imported.py) --

    @abstractmethod
    def write_import(self, item: StoredImport) -> None:
        """Store one import whole, apart from the events; what is derived or kept for its days is dropped, so
        the reports add its days at once (only where the site has no native pageview: stats/imported.py)."""

    @abstractmethod
    def list_imports(self, site_id: str) -> list[StoredImport]:
        """The site's imports, oldest first, without their rows (`imports list`)."""

    @abstractmethod
    def delete_import(self, import_id: str) -> str | None:
        """Delete one import and its rows; the site's id, or None when there is no such import."""

    @abstractmethod
    def includes_imported(self, query: Query, report: str) -> bool:
        """Whether this store's answer of `report` (a rollup_sql.COMBINE name) to `query` includes imported
        days: the API's X-ClearAnalytics-Imported header and the dashboard's note (stats/imported.in_answer)."""

    # -- the parallel importer --

    @abstractmethod
    def import_parts(self, directory: Path, count: int) -> list[Path]:
        """Prepare `count` private parts in `directory` for forked import workers (before forking)."""

    @abstractmethod
    def open_import_part(self, part: Path) -> ImportPart:
        """Inside a forked worker: the writer of its own part (it must not use the parent's connection)."""

    @abstractmethod
    def merge_import_parts(self, parts: list[Path], drop_purchases: list[str]) -> None:
        """Copy the workers' parts in, in one transaction, leaving out the purchases (by event id) in
        `drop_purchases` and their goal completions (a transaction two workers both kept)."""

    # -- running it --

    @abstractmethod
    def probe(self) -> None:
        """Raise if the store cannot answer now (for /healthz)."""

    def degraded(self) -> str | None:
        """One line when the store answers correctly but not at full speed (DuckDB: its rollups are
        failing and raw events answer), for /healthz; None when all is well."""
        return None

    def needs_reopen(self, exc: BaseException) -> bool:
        """Whether `exc` left the store unusable until reopen() (DuckDB after a failed checkpoint)."""
        return False

    def reopen(self) -> None:  # noqa: B027 - most stores need nothing
        """Recover after an error for which needs_reopen() said so."""

    @abstractmethod
    def close(self) -> None:
        """Make every committed row durable and release the store."""


_STORES: weakref.WeakKeyDictionary[Any, EventStore] = weakref.WeakKeyDictionary()


def attach(db: Database, store: EventStore) -> EventStore:
    """Make `store` the event store of accounts database `db` for everything that holds only `db`."""
    _STORES[db] = store
    return store


def store_of(db: Database | EventStore) -> EventStore:
    """The event store of `db` (its registered one, else the DuckDB store over db's own file)."""
    if isinstance(db, EventStore):
        return db
    store = _STORES.get(db)
    if store is None:
        from clearanalytics.storage.duckdb_store import DuckDBEventStore

        store = attach(db, DuckDBEventStore(db))
    return store


def run_report(cur: Any, query: Query, report: str, **params: Any) -> list[dict[str, Any]]:
    """The report runner's one call into storage: the app's event store inside a request, else the store
    attached to the cursor's PostgreSQL accounts, else DuckDB on `cur`.

    Code that holds only a cursor (the stats functions, called by every face with the request's
    cursor) calls this instead of the DuckDB engine, so a second store answers every face.
    """
    from flask import current_app, has_app_context

    store = current_app.extensions.get("clearanalytics.store") if has_app_context() else None
    if store is None and getattr(cur, "database", None) is not None:  # a PostgreSQL accounts cursor
        store = store_of(cur.database)
    if store is None:
        from clearanalytics.stats import engine

        return engine.run(cur, query, report, **params)
    return store.run_report(query, report, cur=cur, **params)


def open_store(settings: Mapping[str, Any], db: Database) -> EventStore:
    """The factory: the store named by the EVENTS_URL setting, or DuckDB over `db` (the accounts database).

    A ClickHouse store is opened beside the accounts database `db`, migrated (its own ledger) and
    attached to it, so everything that holds only `db` (the CLI, removals, retention) writes through
    it. Every fault is one line naming the setting, never the password: a malformed URL
    (clickhouse_schema.parse_events_url), a store that cannot be reached or migrated at start.
    """
    from clearanalytics.storage.clickhouse_schema import parse_events_url

    address = parse_events_url(str(settings.get("EVENTS_URL") or ""))
    if address is None:
        return store_of(db)
    from clearanalytics.storage.clickhouse_store import ClickHouseEventStore

    store = None
    quiet = logging.getLogger("clickhouse_connect")  # it logs each failed request; the one line below says it
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        store = ClickHouseEventStore(address, db)
        store.migrate()
    except ConfigError:
        raise
    except Exception as exc:
        if store is not None:
            store.close()
        raise StorageConfigError(
            f"events_url: cannot open the ClickHouse event store at {address.describe()}: {_one_line(exc, address)}"
        ) from None
    finally:
        quiet.setLevel(level)
    return attach(db, store)


def _one_line(exc: BaseException, address: Any) -> str:
    """The root cause's first line (a refused connection, not the HTTP pool's retry story), without the store's
    password (a client may quote its URL back)."""
    from clearanalytics.health import describe

    root = exc
    while isinstance(root.__cause__ or root.__context__, BaseException):
        root = root.__cause__ or root.__context__
    text = describe(root if isinstance(root, OSError) else exc)
    return text.replace(address.password, "***") if address.password else text


__all__ = [
    "ACCOUNT_TABLES",
    "EVENT_TABLES",
    "EventStore",
    "ImportPart",
    "StorageConfigError",
    "attach",
    "open_store",
    "run_report",
    "store_of",
]
