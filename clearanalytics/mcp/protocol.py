"""JSON-RPC 2.0 for MCP: one message in, one answer out, validated by the official SDK's types.

The official SDK's wire types (`mcp_types`, the package behind `mcp.types`, without the SDK's
transport stack) give the message models, the error codes, the protocol versions and
per-version validation of request params and serialisation of results
(`mcp_types.methods.parse_client_request` / `serialize_server_result`); this module is only
the dispatch glue between those and the tool registry. It knows nothing of Flask:
`answer()` returns an HTTP status and the JSON body (None for 202 Accepted).

The server is stateless: it speaks the `initialize` handshake era of the protocol
(2024-11-05 .. 2025-11-25), answers `initialize`, `ping`, `tools/list` and `tools/call`,
and treats every notification and client response as accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import mcp_types as types
from mcp_types import methods
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION
from pydantic import ValidationError

from clearanalytics import __version__, safeinput
from clearanalytics.mcp import tools
from clearanalytics.stats import periods

log = logging.getLogger(__name__)

# The version a client that sends no MCP-Protocol-Version header is assumed to speak (per the spec).
DEFAULT_HEADER_VERSION = "2025-03-26"
SERVER_INFO = types.Implementation(
    name="clearanalytics",
    title="ClearAnalytics",
    version=__version__,
    description="Self-hosted, privacy-first web analytics: read-only tools over your sites' statistics.",
)
INSTRUCTIONS = (
    "Read-only web analytics of one ClearAnalytics tenant. Every tool needs `tenant` (your tenant slug). "
    "Call list-sites first to learn the valid `domain` values; omit `domain` for all sites together. "
    f"`period` is one of {periods.described_list()} (default {periods.DEFAULT_PERIOD}), or give `from` and `to` "
    "dates for a custom range; dates are in each site's timezone."
)

Answer = tuple[int, dict[str, Any] | None]
# Runs a tool: (name, arguments) -> CallToolResult; raises tools.UnknownToolError.
ToolRunner = Callable[[str, dict[str, Any] | None], types.CallToolResult]


def error_body(request_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error = types.ErrorData(code=code, message=message, data=data)
    # Validated by the SDK's model; `id` stays present (null) when the request's id is unknown.
    types.JSONRPCError(jsonrpc="2.0", id=request_id, error=error)
    return {"jsonrpc": "2.0", "id": request_id, "error": error.model_dump(mode="json", exclude_none=True)}


def result_body(request_id: Any, method: str, version: str, result: types.Result) -> dict[str, Any]:
    dumped = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    shaped = methods.serialize_server_result(method, version, dumped)
    return types.JSONRPCResponse(jsonrpc="2.0", id=request_id, result=shaped).model_dump(mode="json")


def _usable_id(message: Any) -> Any:
    """The id of a broken message when it is a valid id, so that the error can still be correlated."""
    if isinstance(message, dict):
        rid = message.get("id")
        if isinstance(rid, str) or (isinstance(rid, int) and not isinstance(rid, bool)):
            return rid
    return None


def answer(raw: bytes, header_version: str | None, run_tool: ToolRunner) -> Answer:
    """Answer one POSTed body."""
    try:
        message = safeinput.loads(raw)
    except safeinput.InputError as exc:
        # Not JSON is a parse error; JSON too deep or holding a lone surrogate is an invalid request.
        code, label = (
            (types.PARSE_ERROR, "Parse error")
            if exc.message == "is not valid JSON"
            else (types.INVALID_REQUEST, "Invalid Request")
        )
        data = {"errors": {exc.field: [exc.message]}}
        return 400, error_body(None, code, f"{label}: {exc.field} {exc.message}.", data)
    if isinstance(message, list):
        return 400, error_body(
            None, types.INVALID_REQUEST, "Batches are not supported: send one JSON-RPC message per POST."
        )
    problem = _envelope_problem(message)
    if problem:
        return 400, error_body(_usable_id(message), types.INVALID_REQUEST, f"Invalid Request: {problem}")
    if "method" not in message or "id" not in message:
        return 202, None  # a notification, or a client's response: nothing to answer
    request = types.JSONRPCRequest.model_validate(message)
    if request.method != "initialize" and header_version not in (None, *HANDSHAKE_PROTOCOL_VERSIONS):
        data = types.UnsupportedProtocolVersionErrorData(
            supported=list(HANDSHAKE_PROTOCOL_VERSIONS), requested=header_version
        )
        return 400, error_body(
            request.id,
            types.UNSUPPORTED_PROTOCOL_VERSION,
            f"Unsupported MCP-Protocol-Version {header_version!r}.",
            data.model_dump(by_alias=True, mode="json"),
        )
    try:
        return 200, _dispatch(request, header_version or DEFAULT_HEADER_VERSION, run_tool)
    except Exception:
        log.exception("MCP %s failed", request.method)
        return 500, error_body(request.id, types.INTERNAL_ERROR, "Internal error.")


def _envelope_problem(message: Any) -> str | None:
    """What makes `message` not a JSON-RPC 2.0 request, notification or response, or None."""
    if not isinstance(message, dict):
        return "a JSON-RPC message must be a JSON object."
    if message.get("jsonrpc") != "2.0":
        return 'the "jsonrpc" member must be exactly "2.0".'
    if "id" in message:
        rid = message["id"]
        if isinstance(rid, bool) or not isinstance(rid, str | int):
            return 'the "id" member must be a string or an integer.'
    if "method" in message:
        if not isinstance(message["method"], str) or not message["method"]:
            return 'the "method" member must be a non-empty string.'
        if "params" in message and not isinstance(message["params"], dict | type(None)):
            return 'the "params" member must be an object.'
        return None
    if "id" in message and ("result" in message or "error" in message):
        return None
    return 'a request needs a "method" member.'


def _dispatch(request: types.JSONRPCRequest, version: str, run_tool: ToolRunner) -> dict[str, Any]:
    method, params = request.method, request.params
    handler = HANDLERS.get(method)
    if method == "initialize":
        requested = (params or {}).get("protocolVersion")
        version = requested if requested in HANDSHAKE_PROTOCOL_VERSIONS else LATEST_HANDSHAKE_VERSION
    if handler is None:
        return error_body(request.id, types.METHOD_NOT_FOUND, f"Method not found: {method}.")
    try:
        parsed = methods.parse_client_request(method, version, params)
    except KeyError:
        return error_body(request.id, types.METHOD_NOT_FOUND, f"Method not found: {method} (protocol {version}).")
    except ValidationError as exc:
        return error_body(request.id, types.INVALID_PARAMS, f"Invalid params for {method}: {_first_error(exc)}")
    try:
        result = handler(parsed.params, version, run_tool)
    except tools.UnknownToolError as exc:
        return error_body(
            request.id, types.INVALID_PARAMS, f"{exc} Call tools/list for the {len(tools.tool_names())} tools."
        )
    return result_body(request.id, method, version, result)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"] if p != "params") or "params"
    return f"{where}: {first['msg']}."


def _initialize(params: types.InitializeRequestParams, version: str, _run: ToolRunner) -> types.Result:
    return types.InitializeResult(
        protocol_version=version,
        capabilities=types.ServerCapabilities(tools=types.ToolsCapability(list_changed=False)),
        server_info=SERVER_INFO,
        instructions=INSTRUCTIONS,
    )


def _ping(_params: Any, _version: str, _run: ToolRunner) -> types.Result:
    return types.EmptyResult()


def _list_tools(_params: Any, _version: str, _run: ToolRunner) -> types.Result:
    return types.ListToolsResult(tools=tools.list_tool_models())


def _call_tool(params: types.CallToolRequestParams, _version: str, run: ToolRunner) -> types.Result:
    return run(params.name, params.arguments)


HANDLERS = {"initialize": _initialize, "ping": _ping, "tools/list": _list_tools, "tools/call": _call_tool}
