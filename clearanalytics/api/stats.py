"""GET /api/v1/stats/...: thin handlers that parse a Query and hand it to the stats engine.

Every route takes `period`, `from`, `to`, `limit`, `filter[...]` and an optional `domain`
(absent: all of the token's tenant's sites; another tenant's domain: 403). Parameter errors
become the reference's 422 body through the QueryError handler below.
"""

from __future__ import annotations

from flask import jsonify, request

from clearanalytics import stats
from clearanalytics.accounts import Site
from clearanalytics.api.auth import bp, tenant_sites
from clearanalytics.request_scope import get_cursor
from clearanalytics.request_scope import now as api_now
from clearanalytics.web_auth import require_token
from clearanalytics.web_errors import json_error

# The reference's stats paths (after /api/v1/stats/) with the report that answers each.
STATS_ENDPOINTS = (
    "overview",
    "timeseries",
    "pages",
    "referrers",
    "browsers",
    "operating-systems",
    "devices",
    "languages",
    "campaigns",
    "ecommerce/overview",
    "ecommerce/revenue-timeseries",
    "ecommerce/products",
    "ecommerce/funnel",
    "ecommerce/revenue-by-source",
)


def request_query(sites: list[Site], default_limit: int = 10) -> stats.Query:
    return stats.parse_query(request.args, sites, now=api_now(), default_limit=default_limit)


@bp.errorhandler(stats.QueryError)
def _query_error(exc: stats.QueryError):
    return json_error(422, exc.message, exc.field)


def _stats_view(name: str):
    def view():
        query = request_query(tenant_sites(request.args.get("domain")))
        return jsonify(data=stats.run(name, get_cursor(), query))

    view.__name__ = "stats_" + name.replace("/", "_").replace("-", "_")
    view.__doc__ = f"GET /api/v1/stats/{name}"
    return require_token("stats:read")(view)


for _name in STATS_ENDPOINTS:
    bp.add_url_rule(f"/stats/{_name}", view_func=_stats_view(_name), methods=["GET"])
