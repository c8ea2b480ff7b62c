"""The OpenAPI description of every /api/v1 operation: parameters, response bodies and errors.

Parameter ranges come from the code that enforces them (`stats.query`, `stats.periods`,
`stats.exports`), export rows from the column definitions, and the stats operations from the
report registry (stats/registry.py: one per record with an API route, its row schema and
summary), so that the document follows the code. The MCP tools describe the same rows with
these schemas (`stats_data`, clearanalytics/mcp/reports.py).
"""

from __future__ import annotations

import copy

from clearanalytics.exports.columns import EXTENSION_TABLES, ROUTE_SEGMENTS, TABLES, Column
from clearanalytics.stats import periods
from clearanalytics.stats.exports import MAX_CURSOR_LENGTH, MAX_EXPORT_LIMIT
from clearanalytics.stats.query import FILTER_DIMENSIONS, INTERVALS, MAX_LIMIT
from clearanalytics.stats.registry import api_reports
from clearanalytics.stats.report import Report

# --- schema shorthands -------------------------------------------------------------------------

INT = {"type": "integer", "minimum": 0}
NUMBER = {"type": "number"}
TEXT = {"type": "string"}
TYPES = {"int": INT, "number": NUMBER, "string": TEXT, "string?": {"type": ["string", "null"]},
         "number?": {"type": ["number", "null"]}}  # fmt: skip


def obj(fields: dict[str, str | dict]) -> dict:
    """A closed object: exactly these fields, all present."""
    return {
        "type": "object",
        "properties": {k: TYPES[v] if isinstance(v, str) else v for k, v in fields.items()},
        "required": list(fields),
        "additionalProperties": False,
    }


def data_of(schema: dict) -> dict:
    return obj({"data": schema})


# --- parameters ----------------------------------------------------------------------------------


def query_param(name: str, schema: dict, description: str) -> dict:
    """An optional query parameter. As everywhere in the API, an empty value means the default."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "schema": schema,
        "description": description,
    }


PERIOD = query_param(
    "period",
    {"type": "string", "enum": list(periods.CODES), "default": periods.DEFAULT_PERIOD},
    "; ".join(f"{p.code}: {p.words}" for p in periods.PERIODS)
    + " (in each site's timezone, calendar days ending today; 24h in hourly buckets).",
)
FROM = query_param(
    "from", {"type": "string", "format": "date"}, "Start date, YYYY-MM-DD, inclusive. Overrides period; needs to."
)
TO = query_param("to", {"type": "string", "format": "date"}, "End date, YYYY-MM-DD, inclusive. Required with from.")
DOMAIN = query_param(
    "domain", {"type": "string"}, "One of your sites; default all sites of the token's tenant. Another domain: 403."
)


def limit_param(default: int, maximum: int = MAX_LIMIT) -> dict:
    return query_param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        f"Number of results, 1-{maximum}.",
    )


FILTER = {
    "name": "filter",
    "in": "query",
    "required": False,
    "style": "deepObject",
    "explode": True,
    "schema": {
        "type": "object",
        "properties": {name: {"type": "string"} for name in (*FILTER_DIMENSIONS, "goal")},
        "patternProperties": {r"^props\..+$": {"type": "string"}},
    },
    "description": "Filters as filter[DIMENSION]=VALUE, such as filter[page]=/pricing; an empty value "
    "matches a missing one (filter[referrer]= is direct traffic). Another dimension is 422. Extensions beyond "
    "the reference: filter[props.NAME]=VALUE (the sessions with a custom event whose property NAME is VALUE; "
    "empty: an event without NAME), filter[goal]=GOAL_ID (the sessions that completed the goal), and "
    "filter[country]=DE, filter[region]=DE-BY, filter[city]=Munich (where the visitor was).",
}
STATS_PARAMS = [PERIOD, FROM, TO, DOMAIN, FILTER]
INTERVAL = query_param(
    "interval",
    {"type": "string", "enum": ["hour", *INTERVALS]},
    "An extension beyond the reference: the bucket. hour for period=24h (its only one); otherwise day "
    "(default), week or month: the daily figures summed per ISO week (Monday first) or calendar month, each "
    "bucket dated by its first day within the period.",
)
EXPORT_FORMAT = query_param(
    "format", {"type": "string", "enum": ["jsonl", "csv"], "default": "jsonl"}, "Export format."
)
CURSOR = query_param(
    "cursor", {"type": "string", "maxLength": MAX_CURSOR_LENGTH}, "The id of the last row of the previous page."
)
EXPORT_LIMIT = query_param(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_EXPORT_LIMIT, "default": MAX_EXPORT_LIMIT},
    f"Rows per request, 1-{MAX_EXPORT_LIMIT}.",
)
EXPORT_FROM = query_param(
    "from",
    {"type": "string", "format": "date"},
    "Start date, YYYY-MM-DD, in each site's timezone; default 30 days ago.",
)
EXPORT_TO = query_param("to", {"type": "string", "format": "date"}, "End date, YYYY-MM-DD, inclusive (default today).")

# --- stats and goals -------------------------------------------------------------------------------


def _stats_operation(report: Report) -> tuple[str, str, list[dict], dict]:
    """path, summary, extra parameters and response body of one registry report with an API route."""
    params = (STATS_PARAMS if report.periodic else [DOMAIN, FILTER]) + ([limit_param(10)] if report.limit else [])
    params += [INTERVAL] if report.fill is not None and report.fill.field == "date" else []
    params += [
        {"name": name, "in": "query", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 300},
         "description": description}
        for name, description in report.required
    ]  # fmt: skip
    summary = report.summary + (" An extension beyond the reference." if report.extension else "")
    return report.path, summary, params, data_of(report.data_schema())


# path, summary, parameters, response body schema: one per registry report with an API route.
STATS: list[tuple[str, str, list[dict], dict]] = [_stats_operation(r) for r in api_reports()]


def stats_data(path: str) -> dict:
    """The `data` schema of one stats endpoint (a copy): the MCP tools' outputSchema rows use it too."""
    for report in api_reports():
        if report.path == path:
            return copy.deepcopy(report.data_schema())
    raise KeyError(path)


TIMESTAMP = {"type": "string", "format": "date-time", "description": "UTC, such as 2026-02-17T14:22:00Z."}
GOAL = obj({"id": "string", "name": "string", "type": {"type": "string", "enum": ["url", "event"]},
            "config": {"type": "object"}, "is_active": {"type": "boolean"}, "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP})  # fmt: skip
COMPLETION_FIELDS = {"id": "string", "goal_id": "string", "visitor_hash": "string", "pageview_id": "string?",
                     "created_at": TIMESTAMP}  # fmt: skip
COMPLETION = obj(COMPLETION_FIELDS)
COMPLETIONS = obj({
    "data": {"type": "array", "items": COMPLETION},
    "meta": obj({"goal": obj({"id": "string", "name": "string", "type": {"type": "string", "enum": ["url", "event"]}}),
                 "total": "int"}),
})  # fmt: skip

# --- exports -----------------------------------------------------------------------------------------

JSON_SCHEMA_TYPES = {"string": "string", "integer": "integer", "decimal": "number", "float": "number",
                     "boolean": "boolean", "timestamp": "string", "json": "object", "record": "object"}  # fmt: skip


def column_schema(column: Column) -> dict:
    """The JSON Schema of one column's JSONL value, from the column definition."""
    kind = JSON_SCHEMA_TYPES[column.kind]
    schema: dict = {"type": [kind, "null"] if column.nullable else kind, "description": column.description}
    if column.kind == "timestamp":
        schema["format"] = "date-time"
    if column.fields:
        schema["properties"] = {f.name: column_schema(f) for f in column.fields}
        schema["required"] = [f.name for f in column.fields]
        schema["additionalProperties"] = False
    if column.repeated:
        schema = {"type": "array", "items": schema, "description": schema.pop("description")}
    return schema


def row_schema(table: str) -> dict:
    columns = TABLES[table]
    return {
        "type": "object",
        "properties": {c.name: column_schema(c) for c in columns},
        "required": [c.name for c in columns],
        "additionalProperties": False,
    }


BIGQUERY_FIELD = {
    "type": "object",
    "properties": {
        "name": TEXT,
        "type": {"type": "string", "enum": ["STRING", "INTEGER", "FLOAT", "NUMERIC", "BOOLEAN", "TIMESTAMP", "JSON",
                                            "RECORD"]},
        "mode": {"type": "string", "enum": ["REQUIRED", "NULLABLE", "REPEATED"]},
        "description": TEXT,
        "fields": {"type": "array", "items": {"$ref": "#/components/schemas/BigQueryField"}},
    },
    "required": ["name", "type", "mode"],
    "additionalProperties": False,
}  # fmt: skip
POWERBI_COLUMN = obj({
    "name": "string",
    "type": {"type": "string", "enum": ["Edm.String", "Edm.Int64", "Edm.Double", "Edm.Decimal", "Edm.Boolean",
                                        "Edm.DateTimeOffset"]},
    "nullable": {"type": "boolean"},
})  # fmt: skip


def per_table(item_schema: dict) -> dict:
    return obj({table: {"type": "array", "items": item_schema} for table in TABLES})


EXPORT_ROUTES = {table: f"/export/{segment}" for table, segment in ROUTE_SEGMENTS.items()}


def export_summary(table: str) -> str:
    """The export route's summary; a table beyond the reference's (custom events) says it is an extension."""
    summary = f"Raw {table} rows, ordered by id: JSON lines or CSV with a header row."
    return summary + (" An extension beyond the reference." if table in EXTENSION_TABLES else "")
