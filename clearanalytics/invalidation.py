"""How long what a process keeps of the accounts may be trusted, when other processes commit to them too.

Kept per process: the request scope's `until_next_write` (a live token, a tenant's sites), the ingest's
domain -> site cache (ingest/state.py) and its goal cache (ingest/goalmatch.py). With the embedded DuckDB
file one process sees every commit (DuckDB lets one process write a file), so a value is kept until this
process's next commit: nothing changes there, and nothing here runs (`shared_version` is None).

With the accounts in PostgreSQL, several app nodes commit. Two mechanisms, one for speed and one as the bound:
- every write transaction of a PgDatabase notifies `NOTIFY_CHANNEL` at its commit (pgaccounts/adapter.py),
  and `start_invalidation(app, db)` runs one listener thread per process (its own connection, LISTEN): each
  notice from another node, and each (re)connection (notices may have been missed), moves the version, so
  a revoked token, a removed site or a changed goal reaches every node as soon as the notice arrives;
- a value is also kept at most `STALE_AFTER_SECONDS`, whatever the listener heard: a lost connection, a
  node started without the listener, or a write made outside the app (psql) are seen within that bound.
A node's own commits move its version at once (PgDatabase.commits), as on DuckDB.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Hashable
from typing import Any

from clearanalytics.accounts_lock import is_postgres
from clearanalytics.db import write_version

log = logging.getLogger(__name__)

STALE_AFTER_SECONDS = 5.0  # the bound: a value of the shared accounts is read again after this at the latest
LISTEN_TIMEOUT_SECONDS = 1.0  # how often the listener looks up from waiting (to notice close or stop)
RETRY_SECONDS = 1.0  # between reconnections of a lost listener


class Watch:
    """What one process has heard of other nodes' commits to a PostgreSQL accounts database."""

    def __init__(self, db: Any, ttl: float = STALE_AFTER_SECONDS):
        self._db = weakref.ref(db)
        self.ttl = ttl
        self.heard = 0  # notices from other nodes, plus one per (re)connection of the listener
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set while the listener is connected and LISTENing

    def version(self, db: Any) -> int:
        return db.commits + self.heard

    def note(self) -> None:
        with self._guard:
            self.heard += 1

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._listen, name="accounts-invalidation", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(LISTEN_TIMEOUT_SECONDS * 5)

    def _stopped(self) -> bool:
        db = self._db()
        return self._stop.is_set() or db is None or getattr(db, "_closed", False)

    def _listen(self) -> None:
        while not self._stopped():
            try:
                self._listen_once()
            except Exception as exc:  # the database went away: keep the TTL bound, and try again
                if self._stopped():
                    return  # closed while listening: the connection's end is no news
                log.warning("accounts invalidation: listener lost (%s); values are kept %.0f s at most meanwhile",
                            str(exc).splitlines()[0] if str(exc) else type(exc).__name__, self.ttl)  # fmt: skip
            self.listening.clear()
            self._stop.wait(RETRY_SECONDS)

    def _listen_once(self) -> None:
        import psycopg

        from clearanalytics.pgaccounts.adapter import NOTIFY_CHANNEL

        db = self._db()
        if db is None:
            return
        params = {"connect_timeout": "10"} | db.params
        own = db.node
        del db  # the listener must not keep the database alive
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.note()  # whatever was committed while nobody listened is news
            self.listening.set()
            while not self._stopped():
                for notice in conn.notifies(timeout=LISTEN_TIMEOUT_SECONDS):
                    if notice.payload != own:
                        self.note()


_WATCHES: weakref.WeakKeyDictionary[Any, Watch] = weakref.WeakKeyDictionary()
_WATCHES_GUARD = threading.Lock()


def watch_of(db: Any) -> Watch | None:
    """The watch of a shared (PostgreSQL) accounts database, made on first use; None for a DuckDB file."""
    if not is_postgres(db):
        return None
    watch = _WATCHES.get(db)
    if watch is None:
        with _WATCHES_GUARD:
            watch = _WATCHES.setdefault(db, Watch(db))
    return watch


def start_invalidation(app: Any, db: Any) -> Watch | None:
    """The hook for create_app: listen for other nodes' commits to `db` (PostgreSQL accounts); a no-op on DuckDB.

    The listener thread stops by itself once `db` is closed (or on `watch.stop()`)."""
    watch = watch_of(db)
    if watch is not None:
        watch.start()
        app.extensions["clearanalytics.invalidation"] = watch
    return watch


_SHARED_TYPES: dict[type, bool] = {}


def freshness(db: Any) -> tuple[Hashable, int, float | None]:
    """(namespace, version, ttl) for a value read from `db`'s accounts: keep it while the version stands
    (and, when ttl is not None, for at most ttl seconds). DuckDB: this process's commits to the file, no ttl.

    Asked on every request (a token, a tenant's sites): the DuckDB answer costs what it did before."""
    shared = _SHARED_TYPES.get(type(db))
    if shared is None:
        shared = _SHARED_TYPES.setdefault(type(db), is_postgres(db))
    if not shared:
        return str(db.path), write_version(db.path), None
    watch = watch_of(db)
    return db.node, watch.version(db), watch.ttl  # type: ignore[union-attr]


def shared_version(db: Any) -> tuple[int, float] | None:
    """For a cache that this process's own changes already reach (the ingest's site and goal caches, told by
    deletion.py and goalmatch): None on DuckDB (nobody else commits), else (version, ttl) to reload on."""
    watch = watch_of(db)
    return None if watch is None else (watch.version(db), watch.ttl)


class Stamp:
    """When a cache was filled: stale once `shared_version` moved or its ttl passed (never on DuckDB)."""

    __slots__ = ("_db", "_shared", "_version", "_at")

    def __init__(self, db: Any):
        self._db = db
        self._shared = is_postgres(db)  # decided once: the ingest asks per event, DuckDB must pay nothing
        self._version: int | None = None
        self._at = 0.0

    def taken(self) -> None:
        """Call before reading what the cache keeps: a commit during the read moves the version past it."""
        found = shared_version(self._db) if self._shared else None
        if found is not None:
            self._version, self._at = found[0], time.monotonic()

    def stale(self) -> bool:
        if not self._shared:
            return False
        version, ttl = shared_version(self._db)  # type: ignore[misc]
        return version != self._version or time.monotonic() - self._at > ttl
