"""Backup and restore of a data dir: the database, the secret key and clearanalytics.toml.

A backup is a directory: a consistent DuckDB copy (made with `COPY FROM DATABASE` into a
freshly attached file, so it needs no server downtime and no WAL beside it), the secret key
(sessions and CSRF tokens stay valid), the config file, and manifest.json with the row count of
every table, which restore checks before it touches the target. It is written into a hidden
temporary directory beside DEST and renamed into place, so DEST is either complete or absent.

Inside a running server the ingest writer is flushed first: every event answered 202 before the
backup began is committed, and the copy is taken under the database's write lock, so no commit
lands halfway through it. Without a server, a crashed server's spool is replayed first for the
same reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import duckdb

from clearanalytics import __version__
from clearanalytics.config import CONFIG_FILE_NAME, DATABASE_FILE_NAME, SECRET_KEY_FILE_NAME
from clearanalytics.db import Database, utcnow, write_lock
from clearanalytics.migrations import MIGRATIONS

MANIFEST_NAME = "manifest.json"
FORMAT = 1
_ALIAS = "clearanalytics_backup_target"
# What restore replaces in a target dir: the database, its WAL, the spool of unflushed events.
_RESTORED_STATE = (DATABASE_FILE_NAME, DATABASE_FILE_NAME + ".wal", "spool", SECRET_KEY_FILE_NAME, CONFIG_FILE_NAME)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in one line."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    version: str
    schema_version: int
    tables: dict[str, int]
    files: list[str]

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, **self.__dict__}, indent=2, sort_keys=True) + "\n"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _table_counts(cur: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    names = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY table_name", [catalog]
        ).fetchall()
    ]
    return {n: cur.execute(f'SELECT count(*) FROM "{catalog}".main."{n}"').fetchone()[0] for n in names}


def _copy_database(db: Database, target: Path) -> tuple[int, dict[str, int]]:
    """Copy every table into `target` under the write lock; returns the schema version and row counts."""
    with write_lock(db.path), db.reading() as cur:
        catalog = cur.execute("SELECT current_database()").fetchone()[0]
        counts = _table_counts(cur, catalog)
        schema = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        cur.execute(f"ATTACH {_quote(target)} AS {_ALIAS}")
        try:
            cur.execute(f'COPY FROM DATABASE "{catalog}" TO {_ALIAS}')
            cur.execute(f"CHECKPOINT {_ALIAS}")
        finally:
            cur.execute(f"DETACH {_ALIAS}")
    return int(schema), counts


def _verify(path: Path, expected: dict[str, int]) -> None:
    """Open the copy on its own and compare every table's row count with the source's."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        catalog = conn.execute("SELECT current_database()").fetchone()[0]
        found = _table_counts(conn, catalog)
    finally:
        conn.close()
    if found != expected:
        differing = sorted(t for t in set(found) | set(expected) if found.get(t) != expected.get(t))
        raise BackupError(f"the copy differs from the database in table(s) {', '.join(differing)}")


def _private_copy(src: Path, dest: Path) -> None:
    shutil.copyfile(src, dest)
    os.chmod(dest, 0o600)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def take(db: Database, data_dir: Path, dest: Path) -> Manifest:
    """Write a complete backup of `data_dir` (whose open database is `db`) to the new directory `dest`.

    Inside a server (the command forwarded over the control socket), its ingest writer is
    flushed first; without one, the spool a crashed server left is replayed instead.
    """
    from clearanalytics.deletion import live_ingest
    from clearanalytics.storage import store_of

    store = store_of(db)
    if store.name != "duckdb":  # the events live on a server: back it up with that server's own tools
        raise BackupError(f"backup copies the embedded DuckDB file; the events are in a {store.name} store")
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists; give a new directory")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a directory")
    ingest = live_ingest(db)
    if ingest is not None:
        ingest.flush()
    else:
        from clearanalytics.ingest.writer import SPOOL_DIR_NAME, Writer

        Writer(db, Path(data_dir) / SPOOL_DIR_NAME, store=store).replay()
    tmp = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(mode=0o700)
    os.chmod(tmp, 0o700)
    try:
        schema, counts = _copy_database(db, tmp / DATABASE_FILE_NAME)
        os.chmod(tmp / DATABASE_FILE_NAME, 0o600)
        _verify(tmp / DATABASE_FILE_NAME, counts)
        files = [DATABASE_FILE_NAME]
        for name in (SECRET_KEY_FILE_NAME, CONFIG_FILE_NAME):
            if (Path(data_dir) / name).is_file():
                _private_copy(Path(data_dir) / name, tmp / name)
                files.append(name)
        manifest = Manifest(utcnow().isoformat(timespec="seconds") + "Z", __version__, schema, counts, files)
        fd = os.open(tmp / MANIFEST_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(manifest.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(tmp)
        os.rename(tmp, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(src: Path) -> Manifest:
    """The backup's manifest, checked against the database copy beside it."""
    src = Path(src)
    path = src / MANIFEST_NAME
    if not src.is_dir() or not path.is_file() or not (src / DATABASE_FILE_NAME).is_file():
        raise BackupError(f"{src} is not a clearanalytics backup (no {MANIFEST_NAME} and {DATABASE_FILE_NAME})")
    try:
        raw = json.loads(path.read_text())
        tables = {str(name): int(count) for name, count in dict(raw["tables"]).items()}
        files = [str(name) for name in raw["files"]]
        manifest = Manifest(str(raw["created_at"]), str(raw["version"]), int(raw["schema_version"]), tables, files)
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} is not a valid backup manifest: {exc}") from None
    if manifest.schema_version > len(MIGRATIONS):
        raise BackupError(
            f"the backup's schema version {manifest.schema_version} is newer than this clearanalytics "
            f"({len(MIGRATIONS)}): upgrade first"
        )
    try:
        _verify(src / DATABASE_FILE_NAME, manifest.tables)
    except duckdb.Error as exc:
        raise BackupError(f"{src / DATABASE_FILE_NAME} cannot be opened: {str(exc).splitlines()[0]}") from None
    return manifest


def _server_running(data_dir: Path) -> bool:
    """True when a process holds the target's database or answers on its control socket."""
    from clearanalytics.cli.control import socket_path

    sock_path = socket_path(data_dir)
    if sock_path.exists():
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(sock_path))
            return True
    db_path = Path(data_dir) / DATABASE_FILE_NAME
    if db_path.exists():
        try:
            duckdb.connect(str(db_path), read_only=True).close()
        except duckdb.IOException as exc:
            return "lock" in str(exc).lower()
    return False


def restore(src: Path, data_dir: Path, force: bool = False) -> Manifest:
    """Make `data_dir` a copy of the backup `src`: same database, secret key and config.

    Refuses a target with files in it unless `force`, and always one a server is running on.
    With `force`, the target's database, WAL, spool, secret key and config are replaced; other
    files are left alone. The files are staged in the target first, then renamed into place.
    """
    manifest = read_manifest(src)
    data_dir = Path(data_dir)
    if data_dir.resolve() == Path(src).resolve():
        raise BackupError(f"{src} is the backup itself: restore it into another data dir")
    if data_dir.exists() and not data_dir.is_dir():
        raise BackupError(f"{data_dir} is not a directory")
    if data_dir.is_dir():
        if _server_running(data_dir):
            raise BackupError(f"a server is running on {data_dir}; stop it first")
        if any(data_dir.iterdir()) and not force:
            raise BackupError(f"{data_dir} is not empty; give --force to replace its data")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    stage = data_dir / f".restore-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(mode=0o700)
    try:
        for name in manifest.files:
            _private_copy(Path(src) / name, stage / name)
        for name in _RESTORED_STATE:
            old = data_dir / name
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        for name in manifest.files:
            os.rename(stage / name, data_dir / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    _fsync_dir(data_dir)
    Database.in_data_dir(data_dir).close()  # applies any newer migrations now, not at first start
    return manifest
