"""GET /api/v1/stats/...: one thin handler per report of the registry with an API route.

The routes are generated from `stats.REPORTS` (stats/registry.py): no list of names here.
Every route takes `period`, `from`, `to`, `limit`, `filter[...]` and an optional `domain` (absent: all of
the token's tenant's sites; another tenant's domain: 403). Parameter errors become the
reference's 422 body through the QueryError handler below.
"""

from __future__ import annotations

from flask import jsonify, request

from clearanalytics import stats
from clearanalytics.accounts import Site
from clearanalytics.api.auth import bp, tenant_sites
from clearanalytics.request_scope import get_cursor
from clearanalytics.request_scope import now as api_now
from clearanalytics.stats import imported
from clearanalytics.stats.registry import api_reports
from clearanalytics.web_auth import require_token
from clearanalytics.web_errors import json_error


def request_query(sites: list[Site], default_limit: int = 10) -> stats.Query:
    return stats.parse_query(request.args, sites, now=api_now(), default_limit=default_limit)


@bp.errorhandler(stats.QueryError)
def _query_error(exc: stats.QueryError):
    return json_error(422, exc.message, exc.field)


def _stats_view(report: stats.Report):
    def view():
        for name, _description in report.required:  # e.g. the properties report's `property`
            if not request.args.get(name):
                raise stats.QueryError(name, f"The {name} field is required.")
        query = request_query(tenant_sites(request.args.get("domain")))
        response = jsonify(data=report(get_cursor(), query))
        if imported.in_answer(report.sql, query):  # days of an import-plausible without native data
            response.headers[imported.HEADER] = "true"
        return response

    view.__name__ = "stats_" + report.name.replace("/", "_").replace("-", "_")
    view.__doc__ = f"GET /api/v1{report.path}: {report.summary}"
    return require_token("stats:read")(view)


for _report in api_reports():
    bp.add_url_rule(_report.path, view_func=_stats_view(_report), methods=["GET"])
