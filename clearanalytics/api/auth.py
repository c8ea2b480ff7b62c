"""The /api/v1 blueprint: every route needs a live bearer token, every answer is JSON.

The rules themselves are shared with the other faces: tokens and the sites a request may read
in clearanalytics.web_auth, error bodies in clearanalytics.web_errors (`{"message": ...}`, with
`errors` for 400 and 422), the per-token limit in clearanalytics.ratelimit. What is the API's own
is how it refuses: a domain that is not one of the tenant's answers 403, whether another tenant
has it or nobody does, so that nothing leaks about other tenants.
"""

from __future__ import annotations

from flask import Blueprint, g, request
from flask.blueprints import BlueprintSetupState

from clearanalytics import accounts, safeinput
from clearanalytics.ratelimit import token_limiter
from clearanalytics.request_scope import get_cursor
from clearanalytics.web_auth import UnknownDomain, authenticated_token, resolve_sites
from clearanalytics.web_errors import ErrorAnswer

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DOMAIN_REFUSED = "This domain is not one of your sites."


@bp.record_once
def _rate_limit(state: BlueprintSetupState) -> None:
    """Each token's own budget of RATE_LIMIT requests a minute on /api/v1, separate from its /mcp one."""
    token_limiter(state.app, "api", bp.url_prefix + "/")


@bp.before_request
def _authenticate() -> None:
    """401 for every path without a live token; each route then names the ability it needs."""
    if request.method != "OPTIONS":
        authenticated_token()


@bp.before_request
def _check_query_string() -> None:
    """Werkzeug turns bytes that are not UTF-8 (a surrogate's ED A0 80) into U+FFFD: refuse them instead."""
    try:
        safeinput.check_query_string(request.environ.get("QUERY_STRING", ""))
    except safeinput.InputError as exc:
        raise ErrorAnswer(400, f"The {exc.field} parameter {exc.message}.", exc.field) from None


def tenant_sites(domain: str | None) -> list[accounts.Site]:
    """The token's tenant's sites, or the one `domain` names; 403 for any other domain."""
    try:
        return resolve_sites(get_cursor(), g.token.tenant_id, domain)
    except UnknownDomain:
        raise ErrorAnswer(403, DOMAIN_REFUSED) from None
