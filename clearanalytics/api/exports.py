"""GET /api/v1/export/*: raw rows as JSONL or CSV, and the BigQuery and Power BI schemas.

Handlers only validate and wire: the page's text comes from the app's event store
(`EventStore.export_text`: on DuckDB `stats.exports`, on ClickHouse `storage.clickhouse_exports`,
the same bytes), the schemas from `exports.bigquery` and `exports.powerbi`. An export streams a
chunk of rows at a time, from a cursor of its own when the store reads the accounts' database
(DuckDB's one file); the stream and that cursor are closed when the response is.
"""

from __future__ import annotations

import re
from itertools import chain

from flask import Response, jsonify, request, stream_with_context

from clearanalytics import proxies
from clearanalytics.accounts import Site
from clearanalytics.api.auth import bp, tenant_sites
from clearanalytics.exports.bigquery import bigquery_schema
from clearanalytics.exports.columns import ROUTE_SEGMENTS, TABLES
from clearanalytics.exports.powerbi import power_query_script, powerbi_schema
from clearanalytics.request_scope import get_db
from clearanalytics.request_scope import now as api_now
from clearanalytics.stats.exports import parse_export
from clearanalytics.stats.query import QueryError
from clearanalytics.storage import store_of
from clearanalytics.web_auth import require_token
from clearanalytics.web_errors import validation_error

EXPORT_FORMATS = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}
POWERBI_FORMATS = ("json", "pqm")
_BASE_URL = re.compile(r"^https?://[^\s\"'<>\\]+$")
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")  # Crockford base 32, upper case: how every row id is written
MAX_BASE_URL_LENGTH = 2048


def _choice(name: str, allowed: tuple[str, ...] | dict, default: str) -> str:
    value = request.args.get(name) or default
    if value not in allowed:
        raise validation_error(name, f"The {name} field must be one of: {', '.join(allowed)}.")
    return value


def _check_cursor() -> None:
    """A cursor is the id of a row (a ULID): anything else would silently match every id or none.

    `zzz` sorts after every id, so it used to answer 200 with an empty page, as if the export were done.
    """
    cursor = request.args.get("cursor")
    if cursor and not _ULID.match(cursor):
        raise validation_error("cursor", "The cursor field must be the id of the last row of the previous page.")


def _export(table: str) -> Response:
    fmt = _choice("format", EXPORT_FORMATS, "jsonl")
    sites: list[Site] = tenant_sites(request.args.get("domain"))  # 403 for a domain not theirs
    _check_cursor()
    try:
        page = parse_export(table, request.args, sites, now=api_now())
    except QueryError as exc:
        raise validation_error(exc.field, exc.message) from None
    store = store_of(get_db())
    cur = get_db().cursor() if store.shares_accounts() else None  # the stream's own: it outlives this function
    try:
        chunks = store.export_text(page, fmt, cur=cur)
        first = next(chunks, "")  # the first chunk's query runs here, so that its error is a response
    except BaseException:
        if cur is not None:
            cur.close()
        raise
    body = stream_with_context(chain([first], chunks))
    response = Response(body, content_type=EXPORT_FORMATS[fmt])
    response.call_on_close(chunks.close)  # a stream cut short releases what it holds (a store's own cursor)
    if cur is not None:
        response.call_on_close(cur.close)
    return response


def _register_export_route(table: str) -> None:
    def view() -> Response:
        return _export(table)

    view.__name__ = f"export_{table}"
    view.__doc__ = f"Raw {table} rows as JSONL or CSV, a page at a time."
    bp.add_url_rule(f"/export/{ROUTE_SEGMENTS[table]}", view.__name__, require_token("export:read")(view))


for _table in TABLES:
    _register_export_route(_table)


@bp.get("/export/bigquery-schema")
@require_token("export:read")
def export_bigquery_schema():
    """Every table's schema; with `table`, that table's list alone, ready for `bq mk --table`."""
    schema = bigquery_schema()
    table = request.args.get("table")
    if not table:
        return jsonify(schema)
    if table not in schema:
        raise validation_error("table", f"The table field must be one of: {', '.join(schema)}.")
    return jsonify(schema[table])


def _base_url() -> str:
    """The API's base URL for the M script: the parameter, else this app's URL as the client sees it."""
    raw = request.args.get("base_url")
    if not raw:
        return proxies.public_url_root() + "/api/v1"  # behind a trusted TLS proxy: https:// and its host
    if len(raw) > MAX_BASE_URL_LENGTH or not _BASE_URL.match(raw):
        raise validation_error("base_url", "The base_url field must be an http:// or https:// URL.")
    return raw.rstrip("/")


@bp.get("/export/powerbi-schema")
@require_token("export:read")
def export_powerbi_schema():
    fmt = _choice("format", POWERBI_FORMATS, "json")
    base_url = _base_url()
    if fmt == "json":
        return jsonify(powerbi_schema())
    response = Response(power_query_script(base_url), content_type="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="clearanalytics-powerbi.pq"'
    return response
