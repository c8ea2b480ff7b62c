"""The lock that orders event writes against goal changes and removals, on one node or many.

Why: an event write reads the accounts (the sites that exist, the active goals) and then stores its
rows; a goal change or a removal changes the accounts and then fixes the event side (backfills or
deletes). Each is correct only if no write reads the old accounts and lands its rows after the fix.
Where the events live in a transaction of their own that also reads the accounts (the DuckDB event
file: `accounts_reading` inside the write), that transaction's lock is the order. Where they do not
(ClickHouse has no transactions), the store takes `accounts_lock` around each write, and the fix
takes it exclusively:

- accounts in a DuckDB file: the file's write lock (one process writes it; `shared` makes no
  difference, which is today's behaviour);
- accounts in PostgreSQL: an advisory lock of the accounts database, so it holds across every node.
  Writes take it shared (nodes write at once), goal changes and removals exclusively. It is a
  transaction-scoped lock on a connection of the pool, so a process that dies mid-write releases it.

`writers_held(store)` is the section in which no write_batch of any node runs, whichever store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

# One advisory lock key per accounts database: the ASCII of "CA_EVWRI" (any constant would do).
LOCK_KEY = 0x43415F4556575249

_HELD = threading.local()  # id(db) -> "shared" | "exclusive": this thread's PostgreSQL locks, for re-entry


def is_postgres(db: Any) -> bool:
    """Whether `db` is an accounts database shared by several nodes (PostgreSQL), not a DuckDB file."""
    from clearanalytics.pgaccounts.adapter import PgDatabase

    return isinstance(db, PgDatabase)


def accounts_lock(db: Any, *, shared: bool = False) -> AbstractContextManager[Any]:
    """The event-write lock of accounts database `db`: shared for event writes, exclusive for what fixes them.

    Re-entrant within a thread (a goal change holds it while the store's own operations take it again).
    """
    if not is_postgres(db):
        from clearanalytics.db import write_lock

        return write_lock(db.path)
    return _advisory(db, shared)


@contextmanager
def _advisory(db: Any, shared: bool) -> Iterator[None]:
    held: dict[int, str] = _HELD.__dict__.setdefault("locks", {})
    mode = held.get(id(db))
    if mode == "exclusive" or (mode == "shared" and shared):
        yield
        return
    if mode == "shared":
        raise RuntimeError("the accounts lock is held shared by this thread: it cannot be made exclusive")
    cur = db.cursor()  # autocommit: the BEGIN below opens the transaction that scopes the lock
    try:
        cur.execute("BEGIN")
        cur.execute(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}(?)", [LOCK_KEY])
        held[id(db)] = "shared" if shared else "exclusive"
        try:
            yield
        finally:
            del held[id(db)]
            with suppress(Exception):  # nothing was written: COMMIT only releases the lock
                cur.execute("COMMIT")
    finally:
        cur.close()  # a connection left inside its transaction (COMMIT failed) is closed, so the lock goes


def writers_held(store: Any) -> AbstractContextManager[Any]:
    """No write_batch of any node runs inside: the events file's write lock for the DuckDB store (one
    process writes it, and each write reads the accounts inside its transaction), else the accounts lock
    held exclusively, which a store without transactions takes shared around each write (ClickHouse)."""
    from clearanalytics.storage.duckdb_store import DuckDBEventStore

    if isinstance(store, DuckDBEventStore):
        from clearanalytics.db import write_lock

        return write_lock(store.db.path)
    return accounts_lock(store.accounts)
