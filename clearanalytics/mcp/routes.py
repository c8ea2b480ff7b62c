"""POST /mcp/analytics: the Streamable HTTP transport, with the API's bearer tokens and plan check.

Order of checks on every request: a live token (else 401 with `WWW-Authenticate: Bearer`),
the `mcp:use` ability and a tenant on an AI plan (else 403), and only then the JSON-RPC
body. Answers are plain `application/json`; no SSE stream is offered, so GET (and DELETE,
there being no session to end) answer 405. No `Mcp-Session-Id` is issued: every request
carries its token and the server keeps no per-client state, so any session id a client
sends is ignored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from clearanalytics import accounts
from clearanalytics.api.auth import request_token
from clearanalytics.api.ratelimit import token_limiter
from clearanalytics.mcp import protocol, tools
from clearanalytics.request_scope import get_cursor, get_db
from clearanalytics.request_scope import now as api_now

bp = Blueprint("mcp", __name__, url_prefix="/mcp")

MAX_BODY_BYTES = 1_000_000  # a JSON-RPC message of this server is a few hundred bytes
PLAN_MESSAGE = "AI Search (MCP) is available on the Pro, Growth and Business plans; this tenant is on the {plan} plan."


def _unauthenticated(invalid: bool) -> Response:
    response = jsonify(message="Unauthenticated.")
    response.status_code = 401
    challenge = 'Bearer realm="ClearAnalytics"'
    if invalid:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def _forbidden(message: str) -> Response:
    response = jsonify(message=message)
    response.status_code = 403
    return response


@bp.record_once
def _rate_limit(state) -> None:
    """Each token's own budget of RATE_LIMIT requests on /mcp, separate from its /api/v1 budget."""
    token_limiter(state.app, "mcp", bp.url_prefix + "/")


@bp.before_request
def _authenticate():
    header = request.headers.get("Authorization", "")
    if accounts.bearer_credentials(header) is None:
        return _unauthenticated(invalid=bool(header))
    token = request_token()
    if token is None:
        return _unauthenticated(invalid=True)
    cur = get_cursor()
    if not token.can("mcp:use"):
        return _forbidden("This token lacks the mcp:use ability.")
    tenant = accounts.get_tenant_by_id(cur, token.tenant_id)
    if tenant is None or tenant.plan not in accounts.AI_PLANS:
        return _forbidden(PLAN_MESSAGE.format(plan=tenant.plan if tenant else "no"))
    if accounts.needs_last_used_update(token):
        with get_db().transaction() as wcur:
            accounts.touch_token(wcur, token.id)
    g.token = token
    return None


@bp.post("/analytics")
def analytics():
    caller = tools.Caller.from_token(g.token)

    def run_tool(name: str, arguments: dict[str, Any] | None):
        # The API's clock (real now, or the NOW config key in tests): same periods, same numbers.
        return tools.call_tool_model(get_cursor(), caller, name, arguments, now=api_now())

    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        response = jsonify(message=f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        response.status_code = 413
        return response
    status, body = protocol.answer(raw, request.headers.get("MCP-Protocol-Version"), run_tool)
    if body is None:
        return Response(status=status)
    response = jsonify(body)
    response.status_code = status
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    response = jsonify(message="Too Many Attempts." if exc.code == 429 else exc.description)
    response.status_code = exc.code or 500
    return response
