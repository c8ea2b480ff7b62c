"""The write side's tables: column orders, a batch of rows, and the bulk insert.

Rows travel as plain tuples in the column order below, from the pipeline through the
spool file to DuckDB. Inserts go through dicts of NumPy arrays (DuckDB scans them
directly), which is two orders of magnitude faster than executemany.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

import duckdb
import numpy as np

from clearanalytics.storage.site_facts import SiteFacts, facts_on

COLUMNS: dict[str, tuple[str, ...]] = {
    "pageviews": (
        "id",
        "site_id",
        "visitor_hash",
        "session_hash",
        "hostname",
        "pathname",
        "referrer",
        "referrer_source",
        "channel",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "ref",
        "browser",
        "os",
        "device_type",
        "language",
        "duration",
        "scroll_depth",
        "country_code",  # m010_locations; every row ends with created_at (the writers read it as row[-1])
        "region",
        "city",
        "created_at",
    ),  # fmt: skip
    "events": (
        "id",
        "site_id",
        "visitor_hash",
        "session_hash",
        "pageview_id",
        "name",
        "hostname",
        "pathname",
        "props",
        "created_at",
    ),  # fmt: skip
    "ecommerce_events": (
        "id",
        "site_id",
        "visitor_hash",
        "session_hash",
        "pageview_id",
        "event_type",
        "transaction_id",
        "value",
        "currency",
        "items",
        "in_site_currency",
        "created_at",
    ),  # fmt: skip
    "goal_completions": (
        "id",
        "goal_id",
        "site_id",
        "visitor_hash",
        "session_hash",
        "pageview_id",
        "event_id",
        "created_at",
    ),  # fmt: skip
}
TABLES = tuple(COLUMNS)
log = logging.getLogger(__name__)
_NUMERIC = {"duration": "int64", "value": "float64"}

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]  # every 10-bit value as two characters
_ALPHABET = np.frombuffer(_CROCKFORD.encode(), dtype=np.uint8)
_EPOCH = datetime(1970, 1, 1)
_MS = timedelta(milliseconds=1)


def ulid_at(ts: datetime) -> str:
    """A ULID whose time part is `ts` (naive UTC): ids sort by created_at, imports included.

    Hot in imports (one or two per event), so both halves avoid per-character Python work:
    the 48-bit time is five table lookups of 10 bits, the 80 random bits come ready-made
    from a list of random parts cut from one block of random characters.
    """
    millis = (ts - _EPOCH) // _MS
    p = _PAIRS
    time_part = p[millis >> 40] + p[(millis >> 30) & 1023] + p[(millis >> 20) & 1023] + p[(millis >> 10) & 1023]
    return time_part + p[millis & 1023] + _random_part()


class _RandomParts:
    """16 random Crockford characters per call, from lists of BLOCK made at a time.

    list.pop is atomic, so threads share the list without a lock; only a refill takes one.
    """

    BLOCK = 4096

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start afresh: a forked import worker must not repeat its parent's random parts."""
        self._lock = threading.Lock()
        self._parts: list[str] = []

    def __call__(self) -> str:
        while True:
            try:
                return self._parts.pop()
            except IndexError:
                with self._lock:
                    if not self._parts:
                        self._parts = self._block()

    def _block(self) -> list[str]:
        # The low 5 bits of uniformly random bytes are uniformly random 5-bit values.
        values = np.frombuffer(os.urandom(16 * self.BLOCK), dtype=np.uint8) & 31
        text = _ALPHABET[values].tobytes().decode()
        return [text[i : i + 16] for i in range(0, len(text), 16)]


_random_part = _RandomParts()


@dataclass
class Records:
    """Rows for each table plus pageview updates, produced by the pipeline for one or many events."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in TABLES})
    updates: list[tuple] = field(default_factory=list)
    goals_seen: set[str] = field(default_factory=set)  # fingerprints of the goal sets matched with

    def extend(self, other: Records) -> None:
        for table in TABLES:
            self.rows[table].extend(other.rows[table])
        self.updates.extend(other.updates)
        self.goals_seen |= other.goals_seen

    def __len__(self) -> int:
        return sum(len(r) for r in self.rows.values()) + len(self.updates)


def _arrays(table_columns: tuple[str, ...], rows: list[tuple]) -> dict[str, np.ndarray]:
    columns = list(zip(*rows, strict=True))
    arrays: dict[str, np.ndarray] = {}
    for name, values in zip(table_columns, columns, strict=True):
        if name in _NUMERIC and None not in values:
            arrays[name] = np.array(values, dtype=_NUMERIC[name])
        else:
            arrays[name] = np.array(values, dtype=object)
    return arrays


def insert_rows(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[tuple],
    idempotent: bool = False,
    invalidate: bool = True,
    sites: SiteFacts | None = None,
) -> None:
    """Bulk-insert rows; `idempotent` skips ids already present (used when replaying the spool).

    `invalidate=False` is for an import worker's scratch file, which has no rollups. `sites`: the
    accounts side's facts for the invalidation (None: read on `cur`, the embedded file).
    """
    if not rows:
        return
    columns = COLUMNS[table]
    batch = _arrays(columns, rows)  # noqa: F841  (DuckDB finds it by name)
    names = ", ".join(columns)
    select = ", ".join(f"batch.{c}" for c in columns)
    sql = f"INSERT INTO {table} ({names}) SELECT {select} FROM batch"
    if invalidate:
        _invalidate_rollups(cur, table, rows, sites)
    if idempotent:
        since = min(r[-1] for r in rows)
        sql += f" WHERE batch.id NOT IN (SELECT id FROM {table} WHERE created_at >= $since)"
        cur.execute(sql, {"since": since})
    else:
        cur.execute(sql)


def apply_updates(cur: duckdb.DuckDBPyConnection, updates: list[tuple], sites: SiteFacts | None = None) -> None:
    """Engagement: set each pageview's duration and scroll depth to at least the given values.

    Values are absolute totals, so replaying an update twice changes nothing.
    """
    if not updates:
        return
    latest: dict[str, tuple] = {}
    for pageview_id, duration, scroll in updates:
        old = latest.get(pageview_id)
        if old is not None:
            duration = max(duration, old[1])
            scroll = scroll if old[2] is None else old[2] if scroll is None else max(scroll, old[2])
        latest[pageview_id] = (pageview_id, duration, scroll)
    rows = list(latest.values())
    upd = {  # noqa: F841  (DuckDB finds it by name)
        "id": np.array([r[0] for r in rows], dtype=object),
        "duration": np.array([r[1] for r in rows], dtype="int64"),
        "scroll_depth": np.array([-1 if r[2] is None else r[2] for r in rows], dtype="int64"),
    }
    cur.execute(
        """
        UPDATE pageviews SET
            duration = greatest(pageviews.duration, upd.duration),
            scroll_depth = CASE WHEN upd.scroll_depth < 0 THEN pageviews.scroll_depth
                                ELSE greatest(coalesce(pageviews.scroll_depth, 0), upd.scroll_depth) END
        FROM upd WHERE pageviews.id = upd.id
        RETURNING pageviews.site_id, pageviews.created_at
        """
    )
    invalidate_rollups(cur, cur.fetchall(), sites=sites)


def _invalidate_rollups(
    cur: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], sites: SiteFacts | None = None
) -> None:
    """Closed days that receive rows (imports, backfills, late events) must have their rollups rebuilt."""
    site = COLUMNS[table].index("site_id")
    invalidate_rollups(cur, ((r[site], r[-1]) for r in rows), kinds_written(table), sites)


def kinds_written(table: str) -> tuple[str, ...]:
    """The rollup kinds that rows of `table` change (empty: all); a goal backfill only touches "goals"."""
    return ("goals",) if table == "goal_completions" else ()


def invalidate_rollups(
    cur: duckdb.DuckDBPyConnection,
    pairs: Iterable[tuple[str, datetime]],
    kinds: tuple[str, ...] = (),
    sites: SiteFacts | None = None,
) -> None:
    """Every write of event rows calls this, in its transaction, with the (site_id, created_at) it wrote:
    the rollups of those sites' local days from the earliest to the latest are rebuilt at the next query."""
    from clearanalytics.stats.rollup_cache import CACHE

    CACHE.invalidate_times(cur, pairs, kinds, sites)


def invalidate_site_rollups(cur: duckdb.DuckDBPyConnection, site_id: str, sites: SiteFacts | None = None) -> None:
    """Every rollup of a site is rebuilt at the next query: its timezone moved its local days, or it was erased."""
    from clearanalytics.stats.rollup_cache import CACHE

    CACHE.invalidate_site(cur, site_id, sites)


_SITE_COLUMN = {table: columns.index("site_id") for table, columns in COLUMNS.items()}


def _of_existing_sites(accounts_cur: Any, records: Records, sites: SiteFacts | None = None) -> Records:
    """Rows of a site removed while they waited in the queue or the spool are dropped (and logged),
    never written as rows of a site that no longer exists (clearanalytics.deletion).

    Which sites exist is the accounts side's answer (`sites`, else read on `accounts_cur`), not a
    read of `sites` in the event transaction: the accounts may live in another database."""
    named: set[str] = set()
    for table, rows in records.rows.items():
        named.update(map(itemgetter(_SITE_COLUMN[table]), rows))
    if not named:
        return records
    known = set(facts_on(accounts_cur, sites).of(sorted(named)))
    if len(known) == len(named):
        return records
    kept = Records(
        {t: [r for r in rows if r[_SITE_COLUMN[t]] in known] for t, rows in records.rows.items()},
        records.updates,
        records.goals_seen,
    )
    log.warning("dropped %d rows of removed sites", len(records) - len(kept))
    return kept


def write_records(
    cur: duckdb.DuckDBPyConnection, records: Records, idempotent: bool = False, accounts: Any = None
) -> None:
    """Inserts first, then updates: an engagement may point at a pageview in the same batch.

    Goal completions are settled first against the goals of this transaction (see
    clearanalytics.ingest.goalmatch.settle_completions): goal changes cannot race commits.
    `accounts` is the cursor the accounts side (sites, goals) is read on; None: `cur` itself, the
    embedded file where both sides live. No statement on `cur` reads an accounts table.
    """
    from clearanalytics.ingest.goalmatch import settle_completions

    accounts_cur = cur if accounts is None else accounts
    sites = SiteFacts(accounts_cur)
    records = _of_existing_sites(accounts_cur, records, sites)
    settle_completions(cur, records, idempotent, accounts=accounts_cur)
    for table in TABLES:
        insert_rows(cur, table, records.rows[table], idempotent=idempotent, sites=sites)
    apply_updates(cur, records.updates, sites)
