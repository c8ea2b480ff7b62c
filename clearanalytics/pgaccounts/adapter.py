"""A PostgreSQL accounts database with the face of `clearanalytics.db.Database`.

Why an adapter rather than a second implementation of every accounts operation: the accounts
code (accounts.py, sessions.py, goals.py, retention.py, site_settings.py, web_auth.py) is
plain functions over a cursor, `cur.execute(sql, params).fetchone()`, with `?` placeholders,
and nearly all of its SQL is portable as written (docs/STORAGE.md lists each statement). Giving
psycopg's cursor that face lets the same functions, with their validation, hashing and
revocation rules, run on both engines: one rule, one place, the existing tests as the contract.
What is DuckDB-only is rewritten in a form both engines read, statement by statement.

Differences from the DuckDB `Database` that callers must know:
- Writes are not serialised by a process lock: two nodes write at once, so a check-then-insert
  (`create_tenant` looks for the slug first) can lose a race to the UNIQUE constraint; PgCursor
  turns that UniqueViolation on a tenant slug, site domain or user email into the AccountError
  the check would have raised (errors.py). Code that must create a row once whatever the race
  uses INSERT ... ON CONFLICT (salts.py).
- A DELETE answers no row: DuckDB's `DELETE ...` returns its count as a row, psycopg gives
  `rowcount`; PgCursor.rowcount is there for the code that needs it (deletion.apply).
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

from clearanalytics.db import note_commit, write_lock
from clearanalytics.pgaccounts.errors import as_account_error
from clearanalytics.pgaccounts.url import describe, parse_accounts_url

# One token at a time: a quoted literal or identifier (its `?` and `$` kept, its `%` doubled: psycopg reads
# placeholders everywhere, quotes or not), a `$name` (DuckDB's named parameter), a `?`, or a bare `%`.
# Every write transaction notifies this channel at its commit, so other nodes drop what they keep of the accounts.
NOTIFY_CHANNEL = "clearanalytics_accounts"

_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\$([A-Za-z_]\w*)|\?|%""")


_OBJECTS = itertools.count(1)


@lru_cache(maxsize=1024)
def to_psycopg(sql: str) -> str:
    """DuckDB's placeholders (`?`, `$name`) as psycopg's (`%s`, `%(name)s`); quoted text keeps its `?` and `$`."""

    def swap(match: re.Match) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return token.replace("%", "%%")

    return _TOKENS.sub(swap, sql)


class PgCursor:
    """psycopg's cursor with DuckDB's calling convention: execute(sql, params) returns the cursor."""

    def __init__(self, cursor: Any, on_close: Any = None, database: Any = None):
        self._cur = cursor
        self._on_close = on_close
        # The PgDatabase it reads: storage.run_report finds the event store attached to it, for code that
        # holds only this cursor outside a request (a CLI command, a test).
        self.database = database

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> PgCursor:
        from psycopg.errors import UniqueViolation

        try:
            if params is None:  # psycopg reads no placeholders then, so a literal % stays single
                self._cur.execute(sql)
            else:
                self._cur.execute(to_psycopg(sql), params)
        except UniqueViolation as exc:  # a duplicate that a concurrent writer committed first
            mapped = as_account_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        return self

    def fetchone(self) -> tuple | None:
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def description(self) -> Any:
        return self._cur.description

    def close(self) -> None:
        self._cur.close()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close()


class PgDatabase:
    """The accounts in PostgreSQL: migrated on open, a small pool of connections, a cursor per thread or request.

    The pool is a stack of idle connections (none held while idle beyond `max_idle`); psycopg's
    own pool package would do as well and can replace it once serving needs its health checks.
    """

    kind = "postgresql"

    def __init__(self, url: str, max_idle: int = 8, connect_timeout: int = 10):
        self.params = parse_accounts_url(url)
        self.description = describe(self.params)
        # Not a file: this object's key for db.write_lock and db.write_version, so that the writes made
        # through it are serialised and seen as for the DuckDB file (the ClickHouse store settles a batch
        # either before or after a goal change or removal; request_scope keeps account rows until a commit).
        # One key per object, not per URL: two objects on one database are two nodes (tests do that).
        where = self.description.removeprefix("postgresql://").replace("/", "_")
        self.path = Path("/.postgresql", f"{where}#{next(_OBJECTS)}")
        self._write_lock = write_lock(self.path)
        self._connect_timeout = connect_timeout
        self._idle: list[Any] = []
        self._guard = threading.Lock()
        self._max_idle = max_idle
        self._closed = False
        self.node = secrets.token_hex(8)  # the payload of this object's commit notices: its own are not news
        self.commits = 0  # write transactions committed through this object (clearanalytics.invalidation)
        self._commits_guard = threading.Lock()
        conn = self._connect()
        try:
            from clearanalytics.pgaccounts.schema import migrate

            self.applied_migrations = migrate(conn)
        finally:
            self._give_back(conn)

    def _connect(self) -> Any:
        import psycopg

        params = {"connect_timeout": str(self._connect_timeout)} | self.params
        return psycopg.connect(**params, autocommit=True)

    def _take(self) -> Any:
        with self._guard:
            if self._closed:
                raise RuntimeError("the accounts database is closed")
            conn = self._idle.pop() if self._idle else None
        return conn if conn is not None and not conn.closed else self._connect()

    def _give_back(self, conn: Any) -> None:
        from psycopg import pq

        healthy = not conn.closed and conn.info.transaction_status == pq.TransactionStatus.IDLE
        with self._guard:
            if healthy and not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        with suppress(Exception):
            conn.close()

    def cursor(self) -> PgCursor:
        """A cursor for one thread or request, each statement its own transaction; the caller closes it."""
        conn = self._take()
        return PgCursor(conn.cursor(), on_close=lambda: self._give_back(conn), database=self)

    @contextmanager
    def reading(self) -> Iterator[PgCursor]:
        cur = self.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[PgCursor]:
        """One write transaction: committed on success, rolled back on error (READ COMMITTED).

        Serialised within this process behind the database's write lock, as the DuckDB file's are;
        other nodes write at the same time. It notifies NOTIFY_CHANNEL (delivered at COMMIT, never on
        rollback) and counts itself once committed: every node's caches of the accounts follow
        (clearanalytics.invalidation)."""
        with self._write_lock:
            conn = self._take()
            try:
                with conn.transaction():
                    cur = PgCursor(conn.cursor())
                    try:
                        yield cur
                        cur.execute("SELECT pg_notify(?, ?)", [NOTIFY_CHANNEL, self.node])
                    finally:
                        cur.close()
                with self._commits_guard:
                    self.commits += 1
                note_commit(self.path)
            finally:
                self._give_back(conn)

    def probe(self) -> None:
        """Raise when the accounts database cannot answer (for /healthz once it is served)."""
        with self.reading() as cur:
            cur.execute("SELECT 1").fetchone()

    def close(self) -> None:
        with self._guard:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            with suppress(Exception):
                conn.close()
