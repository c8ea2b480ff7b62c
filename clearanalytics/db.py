"""The DuckDB file: one connection per process, a cursor per thread or request, one writer.

DuckDB allows a single read-write process per file. Inside that process every request
thread reads through its own cursor while writes go through `Database.transaction()`,
which serialises them behind one lock so that concurrent requests never race a commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from ulid import ULID

from clearanalytics.config import DATABASE_FILE_NAME
from clearanalytics.migrations import migrate

log = logging.getLogger(__name__)


class DatabaseLockedError(Exception):
    """Another process (usually a running `clearanalytics serve`) holds the file."""

    def __init__(self, message: str, path: Path):
        super().__init__(message)
        self.path = path


_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(path: Path | str) -> threading.RLock:
    """The one write lock of a database file in this process (the stats rollups take it to build days)."""
    key = resolved_path(path)
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.RLock())


_WRITE_VERSIONS: dict[str, int] = {}


def write_version(path: Path | str) -> int:
    """How many write transactions this process has committed to the file.

    DuckDB lets one process write a file, so while this number stands still nothing has
    changed the data: the stats rollups keep the open days' rows they read until it moves.
    """
    return _WRITE_VERSIONS.get(resolved_path(path), 0)


def note_commit(path: Path | str) -> None:
    """A write transaction of this process committed to the database `path` names (moves write_version)."""
    key = resolved_path(path)
    _WRITE_VERSIONS[key] = _WRITE_VERSIONS.get(key, 0) + 1


_RESOLVED: dict[str, str] = {}


def resolved_path(path: Path | str) -> str:
    """The file's resolved path, remembered: realpath() walks every directory with a syscall each,
    and write_version and the rollup cache ask several times per stats request (5% and 6.7% of a
    50-client run, py-spy)."""
    given = str(path)
    found = _RESOLVED.get(given)
    if found is None:
        found = _RESOLVED.setdefault(given, str(Path(given).resolve()))
    return found


def new_id() -> str:
    """A ULID string: sortable by creation time, as the reference's ids are."""
    return str(ULID())


def utcnow() -> datetime:
    """Naive UTC now: every TIMESTAMP column in the schema is UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


class Database:
    def __init__(
        self, path: Path, memory_limit: str | None = None, read_only: bool = False, threads: int | None = None
    ):
        self.path = Path(path)
        self.read_only = read_only
        self._config: dict[str, str | int] = {"memory_limit": memory_limit} if memory_limit else {}
        if threads:
            self._config["threads"] = threads  # DuckDB's own worker pool, shared by every cursor
        self._closed = False
        try:
            self._conn = duckdb.connect(str(self.path), read_only=read_only, config=self._config)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DatabaseLockedError(
                    f"{self.path} is in use by another process (is `clearanalytics serve` running?)", self.path
                ) from exc
            raise
        self._write_lock = write_lock(self.path)
        self._version_key = str(self.path.resolve())
        if not read_only:
            with self._write_lock:
                cur = self._conn.cursor()
                try:
                    self.applied_migrations = migrate(cur)
                except BaseException:  # e.g. SchemaTooNewError: leave the file as it was, unlocked
                    cur.close()
                    self._conn.close()
                    raise
                cur.close()

    @classmethod
    def in_data_dir(cls, data_dir: Path, **kwargs) -> Database:
        return cls(Path(data_dir) / DATABASE_FILE_NAME, **kwargs)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor for one thread or request; the caller closes it."""
        return self._conn.cursor()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One serialised write transaction: committed on success, rolled back on error."""
        with self._write_lock:
            cur = self._conn.cursor()
            cur.begin()
            try:
                yield cur
                cur.commit()
                note_commit(self._version_key)
            except BaseException:
                with suppress(duckdb.Error):  # a failed COMMIT has already ended the transaction
                    cur.rollback()
                raise
            finally:
                cur.close()

    def reopen(self) -> None:
        """A new connection after DuckDB invalidated the database (a checkpoint failed for lack of space).

        DuckDB refuses every statement on an invalidated instance until it is reopened; its
        committed rows are safe in the WAL, which the new instance replays.
        """
        with self._write_lock:
            with suppress(duckdb.Error):
                self._conn.close()
            self._conn = duckdb.connect(str(self.path), read_only=self.read_only, config=self._config)

    def close(self) -> None:
        """Checkpoint, then close: the main file alone then holds every committed row (no .wal needed).

        FORCE aborts readers still open (an export stream cut by shutdown) rather than skip the checkpoint.
        """
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
            try:
                if not self.read_only:
                    self._conn.execute("FORCE CHECKPOINT")
            except duckdb.Error as exc:
                log.error("checkpoint at close failed (the .wal keeps the rows): %s", str(exc).splitlines()[0])
            finally:
                self._conn.close()
