"""POST /mcp/analytics: the Streamable HTTP transport, with the API's bearer tokens and plan check.

Tokens, their refusals (401 with `WWW-Authenticate: Bearer`, 403 for a missing ability) and
error bodies are the API's own, from clearanalytics.web_auth and web_errors; the rate limit is
clearanalytics.ratelimit's, with a budget of its own.

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

from clearanalytics import accounts
from clearanalytics.mcp import tools
from clearanalytics.ratelimit import token_limiter
from clearanalytics.request_scope import get_cursor
from clearanalytics.request_scope import now as api_now
from clearanalytics.web_auth import authenticated_token
from clearanalytics.web_errors import ErrorAnswer, json_error

bp = Blueprint("mcp", __name__, url_prefix="/mcp")

MAX_BODY_BYTES = 1_000_000  # a JSON-RPC message of this server is a few hundred bytes
PLAN_MESSAGE = "AI Search (MCP) is available on the Pro, Growth and Business plans; this tenant is on the {plan} plan."


@bp.record_once
def _rate_limit(state) -> None:
    """Each token's own budget of RATE_LIMIT requests on /mcp, separate from its /api/v1 budget."""
    token_limiter(state.app, "mcp", bp.url_prefix + "/")


@bp.before_request
def _authenticate() -> None:
    """The API's token rule and refusals (web_auth), then MCP's own: the tenant must be on an AI plan."""
    token = authenticated_token("mcp:use")
    tenant = accounts.get_tenant_by_id(get_cursor(), token.tenant_id)
    if tenant is None or tenant.plan not in accounts.AI_PLANS:
        raise ErrorAnswer(403, PLAN_MESSAGE.format(plan=tenant.plan if tenant else "no"))


@bp.post("/analytics")
def analytics():
    caller = tools.Caller.from_token(g.token)

    def run_tool(name: str, arguments: dict[str, Any] | None):
        # The API's clock (real now, or the NOW config key in tests): same periods, same numbers.
        return tools.call_tool_model(get_cursor(), caller, name, arguments, now=api_now())

    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return json_error(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    from clearanalytics.mcp import protocol  # the SDK's models: on the first MCP request, not at every start

    status, body = protocol.answer(raw, request.headers.get("MCP-Protocol-Version"), run_tool)
    if body is None:
        return Response(status=status)
    response = jsonify(body)
    response.status_code = status
    return response
