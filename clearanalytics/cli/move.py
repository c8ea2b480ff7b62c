"""`clearanalytics move`: copy an embedded data dir into ClickHouse (events) and PostgreSQL (accounts).

Why a command of its own rather than export + import: the move must keep every id (tokens, goals,
sessions and salts refer to each other; a new id would break every API token and make every
visitor new), and must say, table by table and site by site, that both sides hold the same rows.

What it does, in order (docs/CLI.md, docs/DEPLOYMENT.md "Moving to ClickHouse and PostgreSQL"):
1. Refuses a data dir that a server holds (the DuckDB lock, as `restore` does), and holds that lock
   itself for the whole move, so no server starts on the data dir meanwhile. A spool a crashed
   server left behind is committed into the file first (as `backup` does): every event that was
   answered 202 moves.
2. Refuses targets that already hold rows, unless `--resume`.
3. Accounts: the eight tables in ONE PostgreSQL transaction, column for column: either all or none.
4. Events: each of the four event tables in chunks of one site and one month (the ClickHouse
   partition), each chunk in batches of `--batch-rows` rows. The pageviews' engagement is already
   folded into their DuckDB rows, so `pageview_engagements` stays empty.
5. Imported aggregates (import-plausible), each import with its id (cli/move_imports.py).
6. The days before a site's `retained_from` (retention kept only DuckDB's daily rollups of them): those
   rollup rows into the store's `retained_<table>`, the cutoff into `data_versions`.
7. Verifies both sides: per table and per site, the row count, the count of distinct ids, and a sum
   (pageview durations, e-commerce values); per table for the accounts (per site for goals and salts);
   per site the imports, their rows and summed visitors and pageviews.
8. Prints the settings to use on stdout, the password shown as `***`.

Safe to re-run: with `--resume`, accounts equal to the source's are left as they are (they were
committed at once), and each event chunk is compared by its count: a chunk already complete is
skipped, a partial one (a failure mid-chunk) is deleted and copied again, a missing one copied.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from clearanalytics.cli import CliError, data_dir_option, in_server, info, main, move_imports
from clearanalytics.config import DATABASE_FILE_NAME, load_config
from clearanalytics.db import Database, DatabaseLockedError
from clearanalytics.ingest.store import COLUMNS
from clearanalytics.storage import ACCOUNT_TABLES, EVENT_TABLES, StorageConfigError

_T = "DateTime64(6, 'UTC')"
_SUMS = {"pageviews": "duration", "ecommerce_events": "value"}  # the checksum column beside the counts
_PER_SITE_ACCOUNTS = ("sites", "goals", "salts")
DEFAULT_BATCH_ROWS = 50_000


@dataclass(frozen=True)
class Chunk:
    """One site's rows of one table in one month: the unit copied, compared and, if partial, copied again."""

    table: str
    site_id: str
    month: date

    def bounds(self) -> tuple[date, date]:
        nxt = date(self.month.year + self.month.month // 12, self.month.month % 12 + 1, 1)
        return self.month, nxt


def redact(url: str) -> str:
    """The URL as given with any password (in the authority or a `password=` parameter) shown as ***."""
    parts = urlsplit(url)
    if parts.password is not None:
        user, _, host = parts.netloc.rpartition("@")
        url = url.replace(parts.netloc, f"{user.split(':', 1)[0]}:***@{host}", 1)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", url)


def _first_line(exc: BaseException, secret: str = "") -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text.replace(secret, "***") if secret else text


# --- the source: the data dir's DuckDB file ------------------------------------------------------


@contextmanager
def _source(data_dir: Path) -> Iterator[Database]:
    """The data dir's database, held for the whole move; refused while a server holds it."""
    if in_server(data_dir):
        raise CliError(f"a server is running on {data_dir}; stop it first (move copies a data dir nobody writes to)")
    if not (Path(data_dir) / DATABASE_FILE_NAME).is_file():
        raise CliError(f"no database in {data_dir}")
    settings = load_config({"data_dir": str(data_dir)})
    try:  # DuckDB's memory_limit as for every command (256 MB unless set): a move reads the whole file
        db = Database.in_data_dir(data_dir, memory_limit=settings.get("MEMORY_LIMIT"))
    except DatabaseLockedError:
        raise CliError(
            f"a server is running on {data_dir} (its database is locked); stop it first, then run move again"
        ) from None
    try:
        from clearanalytics.ingest.writer import SPOOL_DIR_NAME, Writer
        from clearanalytics.storage import store_of

        replayed = Writer(db, Path(data_dir) / SPOOL_DIR_NAME, store=store_of(db)).replay()
        if replayed:
            info(f"move: committed {replayed} spooled events left by a stopped server")
        yield db
    finally:
        db.close()


def _duck_chunks(cur: Any, table: str) -> dict[Chunk, int]:
    rows = cur.execute(
        f"SELECT site_id, date_trunc('month', created_at)::DATE, count(*) FROM {table} GROUP BY 1, 2"
    ).fetchall()
    return {Chunk(table, site, month): int(n) for site, month, n in rows}


def _duck_checks(cur: Any, table: str) -> dict[str, tuple]:
    total = f"sum({_SUMS[table]})" if table in _SUMS else "0"
    sql = f"SELECT site_id, count(*), count(DISTINCT id), coalesce({total}, 0) FROM {table} GROUP BY site_id"
    return {site: (int(n), int(ids), total) for site, n, ids, total in cur.execute(sql).fetchall()}


def _columns(cur: Any, table: str, pg: bool = False) -> list[str]:
    sql = (
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND table_schema = current_schema()"
        " ORDER BY ordinal_position"
        if pg
        else "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position"
    )
    return [r[0] for r in cur.execute(sql, [table]).fetchall()]


# --- the accounts: PostgreSQL --------------------------------------------------------------------


class AccountsTarget:
    """The PostgreSQL accounts database: migrated on open (pgaccounts/schema.py), copied in one transaction."""

    def __init__(self, url: str):
        from clearanalytics.pgaccounts import describe, parse_accounts_url

        self.params = parse_accounts_url(url)  # an AccountsConfigError is one line already
        self.url = url
        self.description = describe(self.params)
        try:
            import psycopg

            self.conn = psycopg.connect(**({"connect_timeout": "10"} | self.params), autocommit=True)
        except Exception as exc:  # psycopg.OperationalError: refused, unknown host, bad password
            reason = _first_line(exc, self.params.get("password", ""))
            raise CliError(f"accounts_url: cannot connect to {self.description}: {reason}") from None
        from clearanalytics.pgaccounts.schema import migrate

        migrate(self.conn)

    def counts(self) -> dict[str, int]:
        return {t: int(self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in ACCOUNT_TABLES}

    def per_site(self, table: str) -> dict[str, int]:
        column = "id" if table == "sites" else "site_id"
        rows = self.conn.execute(f"SELECT {column}, count(*) FROM {table} GROUP BY 1").fetchall()
        return {site: int(n) for site, n in rows}

    def copy(self, cur: Any) -> dict[str, int]:
        """Every accounts row of the DuckDB cursor, by column name, in one transaction."""
        copied = {}
        with self.conn.transaction(), self.conn.cursor() as pg:
            for table in ACCOUNT_TABLES:
                columns = _columns(cur, table)
                if columns != _columns(pg, table, pg=True):
                    raise CliError(f"accounts_url: table {table} has other columns than the data dir's; not copied")
                rows = cur.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
                if rows:
                    marks = ", ".join(["%s"] * len(columns))
                    pg.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
                copied[table] = len(rows)
        return copied

    def close(self) -> None:
        self.conn.close()


# --- the events: ClickHouse ----------------------------------------------------------------------


class EventsTarget:
    """The ClickHouse event store: migrated on open (clickhouse_schema.migrate), filled chunk by chunk."""

    def __init__(self, url: str):
        from clearanalytics.storage.clickhouse_schema import connect, migrate, parse_events_url

        try:
            address = parse_events_url(url)
        except StorageConfigError as exc:
            raise CliError(str(exc)) from None
        if address is None:
            raise CliError("events_url: name a ClickHouse store (chdb:///DIR, clickhouse://HOST or https://HOST)")
        self.address, self.db, self.url = address, address.database, url
        try:
            self.client = connect(address)
            migrate(self.client, self.db, address.cluster)
        except StorageConfigError as exc:
            raise CliError(str(exc)) from None
        except Exception as exc:  # clickhouse-connect's errors: unreachable, refused, authentication
            raise CliError(
                f"events_url: cannot use {address.describe()}: {_first_line(exc, address.password)}"
            ) from None
        self.run = uuid.uuid4().hex[:12]  # every insert of this run has its own dedup token

    def _rows(self, sql: str, **params: Any) -> list[tuple]:
        return self.client.query(sql, parameters=params).result_rows

    def counts(self) -> dict[str, int]:
        from clearanalytics.storage.clickhouse_schema import ENGAGEMENTS

        return {t: int(self._rows(f"SELECT count() FROM {self.db}.{t}")[0][0]) for t in (*EVENT_TABLES, ENGAGEMENTS)}

    def chunks(self, table: str) -> dict[Chunk, int]:
        sql = f"SELECT site_id, toStartOfMonth(created_at), count() FROM {self.db}.{table} GROUP BY 1, 2"
        return {Chunk(table, site, month): int(n) for site, month, n in self._rows(sql)}

    def checks(self, table: str) -> dict[str, tuple]:
        total = f"sum({_SUMS[table]})" if table in _SUMS else "0"
        sql = f"SELECT site_id, count(), count(DISTINCT id), {total} FROM {self.db}.{table} GROUP BY site_id"
        return {site: (int(n), int(ids), total) for site, n, ids, total in self._rows(sql)}

    def _where(self, chunk: Chunk) -> tuple[str, dict[str, Any]]:
        since, until = (datetime.combine(d, time()) for d in chunk.bounds())
        where = f"site_id = {{site:String}} AND created_at >= {{since:{_T}}} AND created_at < {{until:{_T}}}"
        return where, {"site": chunk.site_id, "since": since, "until": until}

    def drop(self, chunk: Chunk) -> None:
        """A chunk a failed run left part-way: deleted, then copied again whole."""
        from clearanalytics.storage.clickhouse_schema import delete_from

        where, params = self._where(chunk)
        self.client.command(
            f"{delete_from(self.db, chunk.table, self.address.cluster)} WHERE {where}",
            parameters=params,
            settings={"lightweight_deletes_sync": 2},
        )

    def copy(self, cur: Any, chunk: Chunk, batch_rows: int) -> int:
        """The chunk's DuckDB rows in batches; each INSERT carries a token of this run, so the server's
        block deduplication never drops a batch identical to one a failed run inserted and `drop` removed."""
        columns = list(COLUMNS[chunk.table])
        since, until = chunk.bounds()
        cur.execute(
            f"SELECT {', '.join(columns)} FROM {chunk.table} WHERE site_id = ? AND created_at >= ? "
            "AND created_at < ? ORDER BY created_at, id",
            [chunk.site_id, since, until],
        )
        copied, number = 0, 0
        while rows := cur.fetchmany(batch_rows):
            token = f"move-{self.run}-{chunk.table}-{chunk.site_id}-{chunk.month}-{number}"
            self.client.insert(
                f"{self.db}.{chunk.table}", rows, column_names=columns, settings={"insert_deduplication_token": token}
            )
            copied, number = copied + len(rows), number + 1
        return copied

    def close(self) -> None:
        self.client.close()


# --- the command ---------------------------------------------------------------------------------


def _refuse_non_empty(kind: str, where: str, counts: dict[str, int]) -> None:
    held = {t: n for t, n in counts.items() if n}
    if held:
        listed = ", ".join(f"{t}={n}" for t, n in held.items())
        raise CliError(
            f"the {kind} store {where} already holds rows ({listed}); move fills empty stores only"
            " (--resume finishes a move that stopped part-way)"
        )


def _move_accounts(cur: Any, target: AccountsTarget, resume: bool) -> None:
    held = target.counts()
    if any(held.values()):
        source = {t: int(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in ACCOUNT_TABLES}
        if not resume:
            _refuse_non_empty("accounts", target.description, held)
        if held != source:  # the copy is one transaction: rows that differ were not written by a move of this dir
            listed = ", ".join(f"{t}={n}" for t, n in held.items() if n)
            raise CliError(
                f"the accounts store {target.description} holds other accounts than the data dir ({listed}),"
                " so no move of it left them there; give an empty database"
            )
        info("move: accounts already copied (left as they are)")
        return
    copied = target.copy(cur)
    info("move: accounts copied: " + ", ".join(f"{t}={n}" for t, n in copied.items()))


def _move_retained(cur: Any, target: EventsTarget) -> list[tuple[str, date]]:
    """The days before each site's `retained_from` have no raw events, only DuckDB's daily rollups: their
    rows go into the store's `retained_<table>` and the cutoff into `data_versions`, so the ClickHouse
    store answers those days as the DuckDB file did (docs/STORAGE.md). Safe to run again (rows replaced)."""
    from clearanalytics.stats import rollup_sql
    from clearanalytics.storage.clickhouse_schema import delete_from

    sites = cur.execute("SELECT id, domain, retained_from FROM sites WHERE retained_from IS NOT NULL").fetchall()
    for site_id, _, retained_from in sites:
        for table, columns in rollup_sql.COLUMNS.items():
            listed = ["site_id", "day", *columns]
            target.client.command(
                f"{delete_from(target.db, f'retained_{table}', target.address.cluster)} WHERE site_id = {{s:String}}",
                parameters={"s": site_id},
                settings={"lightweight_deletes_sync": 2},
            )
            rows = cur.execute(
                f"SELECT {', '.join(listed)} FROM rollup_{table} WHERE site_id = ? AND day < ? ORDER BY ALL",
                [site_id, retained_from],
            ).fetchall()
            if rows:
                target.client.insert(f"{target.db}.retained_{table}", rows, column_names=listed)
        target.client.insert(
            f"{target.db}.data_versions",
            [(uuid.uuid4().hex, site_id, "move", None, None, retained_from, datetime.now(UTC).replace(tzinfo=None))],
            column_names=["id", "site_id", "reason", "day_from", "day_to", "retained_from", "at"],
        )
    return [(domain, retained_from) for _, domain, retained_from in sites]


def _move_events(cur: Any, target: EventsTarget, resume: bool, batch_rows: int) -> None:
    for table in EVENT_TABLES:
        done = target.chunks(table) if resume else {}
        copied = skipped = 0
        for chunk, count in sorted(_duck_chunks(cur, table).items(), key=lambda kv: (kv[0].site_id, kv[0].month)):
            held = done.get(chunk, 0)
            if held == count:
                skipped += 1
                continue
            if held:
                target.drop(chunk)
            copied += target.copy(cur, chunk, batch_rows)
        info(f"move: {table}: {copied} rows copied" + (f", {skipped} complete chunks kept" if skipped else ""))


def _verify(cur: Any, accounts: AccountsTarget | None, events: EventsTarget | None) -> list[str]:
    """Both sides compared; returns the differences (empty: equal)."""
    differences = []
    if accounts is not None:
        held = accounts.counts()
        for table in ACCOUNT_TABLES:
            source = int(cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            if held[table] != source:
                differences.append(f"{table}: {source} rows in the data dir, {held[table]} in PostgreSQL")
        for table in _PER_SITE_ACCOUNTS:
            column = "id" if table == "sites" else "site_id"
            source = {
                s: int(n) for s, n in cur.execute(f"SELECT {column}, count(*) FROM {table} GROUP BY 1").fetchall()
            }
            if source != accounts.per_site(table):
                differences.append(f"{table}: the per-site counts differ")
        if not differences:
            info("move: verified accounts: " + ", ".join(f"{t}={n}" for t, n in held.items()))
    if events is not None:
        for table in EVENT_TABLES:
            source, held = _duck_checks(cur, table), events.checks(table)
            for site in sorted(set(source) | set(held)):
                if source.get(site) != held.get(site):
                    differences.append(
                        f"{table} of site {site}: (rows, ids, sum) {source.get(site)} in the data dir, "
                        f"{held.get(site)} in ClickHouse"
                    )
            rows = sum(v[0] for v in source.values())
            info(f"move: verified {table}: {rows} rows over {len(source)} site(s), counts, ids and sums equal")
    return differences


@main.command("move")
@data_dir_option
@click.option("--events-url", help="The ClickHouse store to fill (CLEARANALYTICS_EVENTS_URL's forms).")
@click.option("--accounts-url", help="The PostgreSQL database to fill (CLEARANALYTICS_ACCOUNTS_URL's form).")
@click.option("--resume", is_flag=True, help="Finish a move that stopped part-way (targets may hold its rows).")
@click.option(
    "--batch-rows", type=click.IntRange(1000, 1_000_000), default=DEFAULT_BATCH_ROWS, show_default=True,
    help="Rows per ClickHouse INSERT.",
)  # fmt: skip
def move_command(
    data_dir: Path, events_url: str | None, accounts_url: str | None, resume: bool, batch_rows: int
) -> None:
    """Copy the data dir's events into ClickHouse and its accounts into PostgreSQL, verify both, print the settings.

    Either URL may be given alone: only that side moves (the other stays in the data dir). The
    server must be stopped; a spool it left is committed first. Accounts are copied in one
    PostgreSQL transaction; events per table, site and month, then Plausible imports (import-plausible)
    one by one with their ids. Then both sides are compared per table and per site (rows, distinct
    ids, summed durations and values; imports, their rows and sums) and the settings to use
    are printed on stdout (CLEARANALYTICS_EVENTS_URL=..., CLEARANALYTICS_ACCOUNTS_URL=..., any
    password shown as ***). Targets must be empty; if a move stopped part-way, run it again with
    --resume: complete chunks are kept, partial ones copied again. The data dir is left as it was.
    """
    if not events_url and not accounts_url:
        raise CliError("give --events-url, --accounts-url or both")
    with _source(data_dir) as db:
        accounts = AccountsTarget(accounts_url) if accounts_url else None
        try:
            events = EventsTarget(events_url) if events_url else None
        except BaseException:
            if accounts is not None:
                accounts.close()
            raise
        try:
            with db.reading() as cur:
                if events is not None and not resume:  # both refusals before either side writes
                    held = events.counts() | move_imports.counts(events)
                    _refuse_non_empty("events", events.address.describe(), held)
                if accounts is not None:
                    _move_accounts(cur, accounts, resume)
                if events is not None:
                    _move_events(cur, events, resume, batch_rows)
                    move_imports.copy(cur, events, resume)  # Plausible's daily aggregates (import-plausible)
                retained = _move_retained(cur, events) if events is not None else []
                differences = _verify(cur, accounts, events)
                differences += move_imports.differences(cur, events) if events is not None else []
        finally:
            for target in (accounts, events):
                if target is not None:
                    target.close()
    if differences:
        raise CliError(f"the copy differs ({len(differences)}): {differences[0]}; run move again with --resume")
    for domain, day in retained:
        info(f"move: {domain}: the daily report rows before {day} (retention kept no raw events) copied")
    if events_url:
        click.echo(f"CLEARANALYTICS_EVENTS_URL={redact(events_url)}")
    if accounts_url:
        click.echo(f"CLEARANALYTICS_ACCOUNTS_URL={redact(accounts_url)}")
    if any("***" in redact(u) for u in (events_url, accounts_url) if u):
        info("note: *** stands for the password you gave; write it into the setting yourself")
