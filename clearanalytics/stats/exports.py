"""Export queries: the raw rows of one table for the token's sites, a page at a time.

A page is read in chunks of at most CHUNK_ROWS rows, each one SQL statement restricted to the
tenant's sites (so that a cursor of another tenant can never reach their rows), to each site's
own date range (resolved in the site's timezone by `stats.query`) and to ids after the cursor
(or the previous chunk's last id), in id order: a Top-N that DuckDB cuts short (see
`_chunk_rows`), so that a page costs the same at the start and at the end of 10 M rows. DuckDB
writes the rows' text (`exports.sqltext`); the Python encoders (`exports.formats`) write the
tables and the rare rows it cannot write the same way. The page reads one snapshot.

This is the DuckDB store's export (`EventStore.export_text` is what the route calls). Beside it:
`encoded_text`, a page from any engine's row chunks written by the Python encoders (the ClickHouse
store's, storage/clickhouse_exports.py), and `accounts_text`, the goals read on an accounts database
of its own (DuckDB or PostgreSQL) in plain SQL both engines read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from clearanalytics.accounts import Site
from clearanalytics.db import Database, utcnow
from clearanalytics.exports.columns import TABLES
from clearanalytics.exports.formats import csv_header, csv_rows, jsonl_chunks
from clearanalytics.exports.sqltext import sql_encodable, text_query
from clearanalytics.stats.query import QueryError, SiteRange, parse_limit, parse_query, today_in

MAX_EXPORT_LIMIT = 10000
DEFAULT_DAYS_BACK = 30
MAX_CURSOR_LENGTH = 64
CHUNK_ROWS = 5000  # DuckDB keeps ORDER BY ... LIMIT n a Top-N for n up to 5000 (see _chunk_rows)
# Tables whose rows are events in time, exported for a date range; goals are exported whole.
TIMED_TABLES = ("pageviews", "goal_completions", "ecommerce_events", "events")


@dataclass(frozen=True)
class ExportPage:
    """What to export: one table, the sites and their UTC ranges, the cursor and the page size."""

    table: str
    site_ids: tuple[str, ...]
    ranges: tuple[SiteRange, ...]  # empty for goals
    cursor: str | None
    limit: int
    # Each site's domain, in site_ids' order: the accounts side's, handed over so that the export's
    # statements never join `sites` (None: read from `sites` on the export's cursor, the embedded file).
    domains: tuple[str, ...] | None = None


def parse_export(
    table: str, params: Mapping[str, str], sites: Sequence[Site], now: datetime | None = None
) -> ExportPage:
    """Validate from/to/cursor/limit; `from` defaults to 30 days ago and `to` to today, per site."""
    now = now or utcnow()
    limit = parse_limit(params.get("limit"), default=MAX_EXPORT_LIMIT, maximum=MAX_EXPORT_LIMIT)
    cursor = params.get("cursor") or None
    if cursor is not None and (len(cursor) > MAX_CURSOR_LENGTH or not cursor.isprintable()):
        raise QueryError("cursor", "The cursor field must be the id of the last row of the previous page.")
    ranges: list[SiteRange] = []
    if table in TIMED_TABLES:
        # Validate the dates even for a tenant without sites, against the UTC calendar.
        for site in list(sites) or [None]:
            today = today_in(site, now) if site else now.date()
            window = {
                "from": params.get("from") or (today - timedelta(days=DEFAULT_DAYS_BACK)).isoformat(),
                "to": params.get("to") or today.isoformat(),
            }
            query = parse_query(window, [site] if site else [], now=now)
            if site is not None:
                ranges.append(query.range_for(site))
    return ExportPage(table, tuple(s.id for s in sites), tuple(ranges), cursor, limit, tuple(s.domain for s in sites))


def select_list(table: str) -> str:
    """The table's exported columns in definition order; `domain` comes from the site."""
    return ", ".join("s.domain AS domain" if c.name == "domain" else f"c.{c.name}" for c in TABLES[table])


def _where(page: ExportPage, after: str | None) -> tuple[str, list]:
    """The tenant's sites (each in its own UTC range for timed tables) and the rows after `after`.

    The union of the sites' ranges is added as plain bounds on created_at: DuckDB pushes those
    (unlike the OR of each site's range) into the scan, whose min/max index then skips the row
    groups outside the export's dates.
    """
    params: list = []
    if not page.site_ids:
        where = ["FALSE"]
    elif page.table in TIMED_TABLES:
        one_site = "(t.site_id = ? AND t.created_at >= ? AND t.created_at < ?)"
        where = ["(" + " OR ".join(one_site for _ in page.ranges) + ")"]
        for r in page.ranges:
            params += [r.site_id, r.start, r.end]
        if page.ranges:
            where += ["t.created_at >= ?", "t.created_at < ?"]
            params += [min(r.start for r in page.ranges), max(r.end for r in page.ranges)]
    else:
        where = ["list_contains(?, t.site_id)"]
        params.append(list(page.site_ids))
    if after is not None:
        where.append("t.id > ?")
        params.append(after)
    return " AND ".join(where), params


def _chunk_rows(page: ExportPage, after: str | None, limit: int) -> tuple[str, list]:
    """The next `limit` (at most CHUNK_ROWS) rows after `after`, in id order, as a CTE named chunk.

    At most CHUNK_ROWS so that DuckDB always plans ORDER BY id LIMIT n as a Top-N: it sorts a
    heap of n rows and pushes the heap's largest id into the scan, so that the min/max index skips
    every row group after the chunk (the rows are stored about in id order, as ingest and imports
    write them). Above 5000, and with the sites' filter making it expect few rows, DuckDB sorts
    every row after the cursor instead, which made each page of a 10 M export cost seconds.
    The Top-N keeps row ids only; the chunk's whole rows are then read by row id (DuckDB pushes
    the ids' range into that scan), rather than carrying every column through the sort.
    """
    if limit > CHUNK_ROWS:
        raise ValueError(f"a chunk holds at most {CHUNK_ROWS} rows")
    where, params = _where(page, after)
    sites_cte, _, sites_params = _sites_of(page)
    return (
        f"WITH {sites_cte}"
        f"ids AS (SELECT t.rowid AS rid FROM {page.table} t WHERE {where} ORDER BY t.id LIMIT {int(limit)}), "
        f"chunk AS (SELECT c.* FROM {page.table} c SEMI JOIN ids ON c.rowid = ids.rid)"
    ), sites_params + params


def _sites_of(page: ExportPage) -> tuple[str, str, list]:
    """(a CTE defining relation `s` or "", the relation to join for each row's domain, its parameters).

    The domains are the page's own (the accounts side's, handed over), so no statement of an export
    reads `sites`; a page built without them reads the table, on the embedded file."""
    if page.domains is None:
        return "", "sites", []
    cte = "s AS (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::VARCHAR[]) AS domain), "
    return cte, "s", [list(page.site_ids), list(page.domains)]


def chunk_text_sql(page: ExportPage, after: str | None, limit: int, fmt: str, whole: bool = True) -> tuple[str, list]:
    """One chunk, its text written by DuckDB (`sqltext`).

    `whole`: one row of (the chunk's text, its last id, its row count, how many rows the Python
    encoders must write, which the text leaves out): a single string costs far less to fetch than
    5000 rows. Otherwise the chunk's rows in id order as (id, line, raw): a NULL line and the row's
    values for each row that the Python encoders must write.
    """
    cte, params = _chunk_rows(page, after, limit)
    lines = text_query(TABLES[page.table], fmt, "page_rows")
    sites = _sites_of(page)[1]
    rows = f"{cte}, page_rows AS (SELECT {select_list(page.table)} FROM chunk c JOIN {sites} s ON s.id = c.site_id) "
    if whole:
        sql = (
            f"{rows}SELECT coalesce(string_agg(line, '' ORDER BY id), ''), max(id), count(*), "
            f"count(*) FILTER (WHERE line IS NULL) FROM ({lines})"
        )
    else:
        sql = f"{rows}SELECT id, line, raw FROM ({lines}) ORDER BY id"
    return sql, params


def chunk_rows_sql(page: ExportPage, after: str | None, limit: int) -> tuple[str, list]:
    """One chunk's rows in id order, for the tables that the Python encoders write (`formats`)."""
    cte, params = _chunk_rows(page, after, limit)
    sites = _sites_of(page)[1]
    sql = f"{cte} SELECT {select_list(page.table)} FROM chunk c JOIN {sites} s ON s.id = c.site_id ORDER BY c.id"
    return sql, params


def _chunk(cur: duckdb.DuckDBPyConnection, page: ExportPage, after: str | None, limit: int, fmt: str):
    """(text, last id, rows) of the next chunk: written by DuckDB where it writes the same bytes."""
    columns = TABLES[page.table]
    encode = jsonl_chunks if fmt == "jsonl" else csv_rows
    if sql_encodable(columns):
        text, last, count, handed_back = cur.execute(*chunk_text_sql(page, after, limit, fmt)).fetchone()
        if not handed_back:
            return text, last, count
        rows = cur.execute(*chunk_text_sql(page, after, limit, fmt, whole=False)).fetchall()
        text = "".join(
            line if line is not None else "".join(encode(columns, [[tuple(raw.values())]])) for _, line, raw in rows
        )
        return text, rows[-1][0] if rows else None, len(rows)
    cur.execute(*chunk_rows_sql(page, after, limit))
    _check_columns(cur, page.table)
    rows = cur.fetchall()
    return "".join(encode(columns, [rows])), rows[-1][0] if rows else None, len(rows)


def _check_columns(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    names = [d[0] for d in cur.description]
    expected = [c.name for c in TABLES[table]]
    if names != expected:  # the definition and the SQL must never drift apart
        raise RuntimeError(f"export columns {names} differ from the definition {expected}")


def export_text(cur: duckdb.DuckDBPyConnection, page: ExportPage, fmt: str) -> Iterator[str]:
    """The page's text, one chunk of up to CHUNK_ROWS rows at a time (a CSV starts with its header).

    Runs on `cur`, which the caller owns and closes; the page reads one snapshot (a transaction
    that closing the cursor ends), as when it was one statement. The first chunk is read before
    anything is yielded, so that the caller can call next() to surface an error as a response.
    """
    header = csv_header(TABLES[page.table]) if fmt == "csv" else ""
    cur.begin()
    remaining, after = page.limit, page.cursor
    while True:
        want = min(remaining, CHUNK_ROWS)
        text, last, count = _chunk(cur, page, after, want, fmt) if want else ("", None, 0)
        if header or text:
            yield header + text
            header = ""
        remaining -= count
        if count < want or remaining <= 0:
            break
        after = last
    cur.rollback()  # nothing was written; ends the snapshot


def export_text_own(db: Database, page: ExportPage, fmt: str) -> Iterator[str]:
    """export_text on a cursor of its own on `db` (an event file apart from the accounts), closed with the stream."""
    cur = db.cursor()
    try:
        yield from export_text(cur, page, fmt)
    finally:
        cur.close()


# --- pages encoded in Python, for the stores whose engine does not write the text -----------------

ChunkReader = Callable[[str | None, int], Sequence[Sequence[Any]]]


def encoded_text(page: ExportPage, fmt: str, read_chunk: ChunkReader) -> Iterator[str]:
    """The page's text from `read_chunk(after, limit)`: up to `limit` rows after id `after`, in id order,
    each in the table's column order (`domain` filled in). Chunked and encoded (`exports.formats`)
    as export_text writes it, so the bytes are the same whichever engine read the rows."""
    columns = TABLES[page.table]
    encode = jsonl_chunks if fmt == "jsonl" else csv_rows
    header = csv_header(columns) if fmt == "csv" else ""
    remaining, after = page.limit, page.cursor
    while True:
        want = min(remaining, CHUNK_ROWS)
        rows = read_chunk(after, want) if want else []
        text = "".join(encode(columns, [rows]))
        if header or text:
            yield header + text
            header = ""
        remaining -= len(rows)
        if len(rows) < want or remaining <= 0:
            break
        after = rows[-1][0]


def site_domains(page: ExportPage, cur: Any) -> dict[str, str]:
    """site id -> domain: the page's own, else read from `sites` on the accounts cursor `cur`."""
    if page.domains is not None:
        return dict(zip(page.site_ids, page.domains, strict=True))
    if not page.site_ids:
        return {}
    marks = ", ".join("?" for _ in page.site_ids)
    return dict(cur.execute(f"SELECT id, domain FROM sites WHERE id IN ({marks})", list(page.site_ids)).fetchall())


def accounts_rows(cur: Any, page: ExportPage, after: str | None, limit: int) -> list[tuple]:
    """The next rows of an accounts table (goals) after `after`, in id order, with their sites' domains.

    Plain SQL that DuckDB and PostgreSQL both read (`?` placeholders, IN lists): for a store whose
    accounts live apart from its events (the accounts' cursor, DuckDB or PostgreSQL). PostgreSQL orders
    by its collation, not bytes: the same order for these ids (ULIDs: digits and upper-case letters)."""
    domains = site_domains(page, cur)
    if not domains:
        return []
    names = ", ".join("site_id" if c.name == "domain" else c.name for c in TABLES[page.table])
    params: list = list(domains)
    where = f"site_id IN ({', '.join('?' for _ in domains)})"
    if after is not None:
        where += " AND id > ?"
        params.append(after)
    rows = cur.execute(f"SELECT {names} FROM {page.table} WHERE {where} ORDER BY id LIMIT {int(limit)}", params)
    return [(row[0], domains[row[1]], *row[2:]) for row in rows.fetchall()]


def accounts_text(accounts: Any, page: ExportPage, fmt: str) -> Iterator[str]:
    """The page of an accounts table (goals), read on the accounts database `accounts` (DuckDB or PostgreSQL)."""
    with accounts.reading() as cur:
        yield from encoded_text(page, fmt, lambda after, limit: accounts_rows(cur, page, after, limit))
