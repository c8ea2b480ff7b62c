"""GET /api/v1/openapi.json: the OpenAPI 3.1 document of every /api/v1 operation.

Like every /api/v1 route it needs a bearer token (any valid token, no particular ability):
the foundation's rule is that nothing under /api/v1 answers without one, and the document
names no data. The operations come from `openapi_paths`; a test checks that every route
in Flask's url_map is documented, so that a new route without documentation fails.
"""

from __future__ import annotations

import copy
import re
from functools import cache

from flask import jsonify

from clearanalytics import __version__, proxies
from clearanalytics.api import openapi_paths as p
from clearanalytics.api.auth import bp
from clearanalytics.api.openapi_writes import write_paths

ERROR = {"type": "object", "properties": {"message": p.TEXT}, "required": ["message"]}
VALIDATION_ERROR = {
    "type": "object",
    "properties": {
        "message": p.TEXT,
        "errors": {
            "type": "object",
            "description": "Field name to its messages.",
            "additionalProperties": {"type": "array", "items": p.TEXT},
        },
    },
    "required": ["message", "errors"],
}
RATE_HEADERS = {
    "X-RateLimit-Limit": {"$ref": "#/components/headers/X-RateLimit-Limit"},
    "X-RateLimit-Remaining": {"$ref": "#/components/headers/X-RateLimit-Remaining"},
}
ERRORS = {
    "401": ("Unauthenticated", "Missing, malformed, unknown or revoked token.", ERROR),
    "403": ("Forbidden", "The token lacks the ability, or the domain is not one of your sites.", ERROR),
    "404": ("NotFound", "Unknown goal or site, or one of another tenant.", ERROR),
    "422": ("ValidationError", "A parameter is invalid; errors names it.", VALIDATION_ERROR),
    "429": ("TooManyRequests", "Over the rate limit (60 a minute per token by default).", ERROR),
    "500": ("ServerError", "Unexpected error; the body never holds a traceback.", ERROR),
}


def _error_response(name: str, description: str, schema: dict, status: str) -> dict:
    headers = dict(RATE_HEADERS)
    if status == "429":
        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    return {"description": description, "headers": headers, "content": {"application/json": {"schema": schema}}}


def operation(
    summary: str,
    parameters: list[dict],
    content: dict[str, dict],
    *,
    tag: str,
    ability: str | None,
    errors: tuple[str, ...] = ("401", "403", "422", "429", "500"),
) -> dict:
    """One GET operation; `content` maps media types to the 200 body's schema."""
    needs = f"Needs the `{ability}` ability." if ability else "Any valid token."
    responses = {
        "200": {
            "description": "OK",
            "headers": RATE_HEADERS,
            "content": {media: {"schema": schema} for media, schema in content.items()},
        }
    }
    for status in errors:
        responses[status] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return {
        "get": {
            "tags": [tag],
            "summary": summary,
            "description": needs,
            "parameters": parameters,
            "responses": responses,
        }
    }


def _paths() -> dict[str, dict]:
    paths: dict[str, dict] = {}
    for path, summary, params, body in p.STATS:
        paths[path] = operation(summary, params, {"application/json": body}, tag="stats", ability="stats:read")
    paths["/goals"] = operation(
        "All configured goals.",
        [p.DOMAIN],
        {"application/json": p.data_of({"type": "array", "items": p.GOAL})},
        tag="goals",
        ability="goals:read",
    )
    goal = {"name": "goal", "in": "path", "required": True, "schema": p.TEXT, "description": "The goal's id."}
    paths["/goals/{goal}/completions"] = operation(
        "Completions of one goal, newest first, with the goal and the total in meta.",
        [goal, *p.STATS_PARAMS, p.limit_param(50)],
        {"application/json": p.COMPLETIONS},
        tag="goals",
        ability="goals:read",
        errors=("401", "403", "404", "422", "429", "500"),
    )
    for table, path in p.EXPORT_ROUTES.items():
        params = [p.EXPORT_FORMAT, p.DOMAIN, p.CURSOR, p.EXPORT_LIMIT]
        if table != "goals":
            params[2:2] = [p.EXPORT_FROM, p.EXPORT_TO]
        paths[path] = operation(
            p.export_summary(table),
            params,
            {"application/x-ndjson": p.row_schema(table), "text/csv": p.TEXT},
            tag="exports",
            ability="export:read",
        )
    field = {"$ref": "#/components/schemas/BigQueryField"}
    table = p.query_param(
        "table", {"type": "string", "enum": list(p.EXPORT_ROUTES)}, "Only this table's field list (a bq schema file)."
    )
    paths["/export/bigquery-schema"] = operation(
        "BigQuery schema of every export table, for bq mk --table.",
        [table],
        {"application/json": {"anyOf": [p.per_table(field), {"type": "array", "items": field}]}},
        tag="exports",
        ability="export:read",
    )
    base_url = p.query_param(
        "base_url",
        {"type": "string", "pattern": r"^https?://[^\s\"'<>\\]+$", "maxLength": 2048},
        "API base URL written into the M script; default this server's own /api/v1.",
    )
    powerbi_format = p.query_param(
        "format", {"type": "string", "enum": ["json", "pqm"], "default": "json"}, "json: EDM schema; pqm: M script."
    )
    paths["/export/powerbi-schema"] = operation(
        "Power BI EDM schema of every export table, or a Power Query M script (format=pqm).",
        [powerbi_format, base_url],
        {"application/json": p.per_table(p.POWERBI_COLUMN), "text/plain": p.TEXT},
        tag="exports",
        ability="export:read",
    )
    paths["/openapi.json"] = operation(
        "This document.", [], {"application/json": {"type": "object"}}, tag="meta", ability=None,
        errors=("401", "429", "500"),
    )  # fmt: skip
    for path, item in paths.items():
        item["get"]["operationId"] = operation_id(path)
    for path, methods in write_paths().items():  # sites and goals API: extensions, each with its operationId
        paths.setdefault(path, {}).update(methods)
    return paths


def operation_id(path: str) -> str:
    """/stats/ecommerce/revenue-timeseries -> getStatsEcommerceRevenueTimeseries."""
    words = re.findall(r"[A-Za-z0-9]+", path.replace(".json", ""))
    return "get" + "".join(w.title() for w in words)


@cache
def _document() -> dict:
    integer = {"schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ClearAnalytics API",
            "version": __version__,
            "description": "Aggregated stats, goals and raw exports of your sites, and (extensions) adding and "
            "removing sites and goals. Every request needs `Authorization: Bearer TOKEN`; tokens carry abilities "
            "(stats:read, goals:read, export:read, sites:write, goals:write).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": t} for t in ("stats", "goals", "sites", "exports", "meta")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"BigQueryField": p.BIGQUERY_FIELD, "Error": ERROR, "ValidationError": VALIDATION_ERROR},
            "headers": {
                "X-RateLimit-Limit": integer | {"description": "Requests allowed per minute for this token."},
                "X-RateLimit-Remaining": integer | {"description": "Requests left in the current window."},
                "Retry-After": integer | {"description": "Seconds to wait before retrying."},
            },
            "responses": {name: _error_response(name, d, s, status) for status, (name, d, s) in ERRORS.items()},
        },
    }


def openapi_document(base_url: str | None = None) -> dict:
    """The document; `base_url` (such as https://host/api/v1) becomes its server URL."""
    document = copy.deepcopy(_document())
    if base_url:
        document["servers"] = [{"url": base_url}]
    return document


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document(proxies.public_url_root() + "/api/v1"))
