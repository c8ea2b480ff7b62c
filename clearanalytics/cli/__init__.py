"""The `clearanalytics` command: a thin Click layer over accounts, ingest and the server.

Every failure a user can cause ends as one `Error: ...` line on stderr and a non-zero
exit, never a traceback: the group turns known exceptions into ClickExceptions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import duckdb

from clearanalytics import __version__
from clearanalytics.accounts import AccountError
from clearanalytics.config import DATABASE_FILE_NAME, SETTINGS_BY_NAME, ConfigError, load_config
from clearanalytics.db import Database, DatabaseLockedError
from clearanalytics.migrations import SchemaTooNewError
from clearanalytics.permissions import restrict_umask, secure_data_dir
from clearanalytics.stores import EventStoreInUseError, close_stores, open_stores

_DATA_DIR = SETTINGS_BY_NAME["data_dir"]


class CliError(click.ClickException):
    """One clear line on stderr, exit status 1."""


class ClearAnalyticsGroup(click.Group):
    def make_context(self, info_name, args, parent=None, **extra):
        ctx = super().make_context(info_name, list(args), parent=parent, **extra)
        ctx.meta.setdefault("clearanalytics.argv", list(args))
        return ctx

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except AccountError as exc:
            raise CliError(str(exc)) from None
        except DatabaseLockedError as exc:
            from clearanalytics.cli.control import forward

            code = forward(exc.path.parent, ctx.meta.get("clearanalytics.argv", []))
            if code is None:
                raise CliError(str(exc)) from None
            ctx.exit(code)
        except (ConfigError, SchemaTooNewError) as exc:
            raise CliError(str(exc)) from None
        except PermissionError as exc:
            raise CliError(f"permission denied: {exc.filename or exc}") from None
        except duckdb.Error as exc:
            raise CliError(f"database error: {str(exc).splitlines()[0]}") from None
        except OSError as exc:
            raise CliError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
        except Exception as exc:
            if not type(exc).__module__.startswith(("psycopg", "clickhouse_connect")):
                raise  # a store apart (PostgreSQL, ClickHouse) failing mid-command: one line, as DuckDB's
            raise CliError(f"database error: {(str(exc).strip().splitlines() or [type(exc).__name__])[0]}") from None


def data_dir_option(func):
    """`--data-dir` on every command, falling back to $CLEARANALYTICS_DATA_DIR, then the default."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=_DATA_DIR.env_var,
        default=_DATA_DIR.default,
        show_default=True,
        help=_DATA_DIR.help,
    )
    @functools.wraps(func)
    def wrapper(*args, data_dir: Path, **kwargs):
        from clearanalytics.cli.control import forwarded_data_dir

        # A forwarded command acts on the server that received it, whatever the client's spelling.
        return func(*args, data_dir=forwarded_data_dir() or data_dir, **kwargs)

    return wrapper


def prepare_data_dir(data_dir: Path) -> Path:
    """Create the data dir, or fail with one line when it cannot be written."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise CliError(f"data dir {data_dir} is not writable: {exc.strerror or exc}") from None
    secure_data_dir(data_dir)
    return data_dir


_SHARED_DATABASES: dict[Path, Database] = {}


@contextmanager
def shared_database(data_dir: Path, db: Database) -> Iterator[None]:
    """Inside `serve`, commands forwarded over the control socket use the server's open database."""
    key = Path(data_dir).resolve()
    _SHARED_DATABASES[key] = db
    try:
        yield
    finally:
        _SHARED_DATABASES.pop(key, None)


def in_server(data_dir: Path) -> bool:
    """True when this command was forwarded into a running server (which must never fork)."""
    return Path(data_dir).resolve() in _SHARED_DATABASES


@contextmanager
def database(data_dir: Path) -> Iterator[Database]:
    """The data dir's database, opened for one command and closed after it."""
    shared = _SHARED_DATABASES.get(Path(data_dir).resolve())
    if shared is not None:
        yield shared
        return
    prepare_data_dir(data_dir)
    settings = load_config({"data_dir": str(data_dir)})
    settings["DUCKDB_THREADS"] = None  # a command keeps DuckDB's own default, as before the stores were split
    try:
        db, store = open_stores(settings, command=True)  # the accounts, and the event store attached to them
    except EventStoreInUseError as exc:  # a running server holds the chdb directory: forward to it
        raise DatabaseLockedError(str(exc), Path(data_dir) / DATABASE_FILE_NAME) from None
    try:
        yield db
    finally:
        close_stores(db, store)


def info(message: str) -> None:
    """Human messages go to stderr so that stdout stays machine-readable."""
    click.echo(message, err=True)


@click.group(cls=ClearAnalyticsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clearanalytics")
def main() -> None:
    """ClearAnalytics: self-hosted, privacy-first web analytics."""
    restrict_umask()  # the database, its WAL, the spool and the key are private whatever the caller's umask


from clearanalytics.cli import admin, imports, maintenance, move, removal, reports, rollups, serve, tracking  # noqa: E402,F401  (registers commands)
