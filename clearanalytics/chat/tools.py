"""The one seam between the chat and the 12 MCP tools: the ToolRunner protocol and the tenant guard.

The chat calls the same tools as the MCP route, through the same code path. Both engines
(built-in and LLM) see the tools only through a `ToolRunner`: `list()` gives the tool
definitions (name, description, inputSchema) and `call(name, arguments)` gives a
`ToolResult`: the MCP CallToolResult's fields, whose `structuredContent` is the tool's typed
result (clearanalytics/mcp/results.py) as the registry returned it, not a re-parsed copy.

`TenantTools` wraps any runner for one chat session: it forces the `tenant` argument to the
session's own tenant, whatever a model asks for, and hides `tenant` from the schemas a
provider sees, so that a model can neither read nor even name another tenant's data.
`RegistryRunner` adapts the MCP route's in-process registry (its typed `run_tool`).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any, Protocol, TypedDict

from clearanalytics.mcp import results


class ToolResult(TypedDict, total=False):
    """One tool call's answer, in the MCP CallToolResult's field names."""

    content: str | list[dict[str, Any]]  # the summary (MCP text blocks), or the error message
    structuredContent: results.ToolResult  # the typed result; absent or {} on an error
    isError: bool


class ToolRunner(Protocol):
    def list(self) -> list[dict]:
        """Tool definitions: [{"name", "description", "inputSchema", ...}]."""

    def call(self, name: str, arguments: dict) -> ToolResult:
        """{"content": text or MCP content blocks, "structuredContent": {...}, "isError": bool}."""


def result_text(result: ToolResult) -> str:
    """The human-readable part of a tool result, whether `content` is a string or MCP blocks."""
    content = result.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(block.get("text", "") for block in content if isinstance(block, dict)).strip()
    return ""


def error_result(message: str) -> ToolResult:
    return {"content": message, "structuredContent": {}, "isError": True}


class TenantTools:
    """A runner bound to one tenant: `tenant` is always the session's, and never shown to a model."""

    def __init__(self, runner: ToolRunner, tenant: str):
        self.runner = runner
        self.tenant = tenant

    def list(self) -> list[dict]:
        tools = []
        for tool in self.runner.list():
            tool = copy.deepcopy(tool)
            schema = tool.get("inputSchema") or {"type": "object", "properties": {}}
            schema.get("properties", {}).pop("tenant", None)
            if "required" in schema:
                schema["required"] = [r for r in schema["required"] if r != "tenant"]
            tool["inputSchema"] = schema
            tools.append(tool)
        return tools

    def names(self) -> list[str]:
        return [tool["name"] for tool in self.runner.list()]

    def call(self, name: str, arguments: dict | None) -> ToolResult:
        if name not in self.names():
            return error_result(f"Unknown tool {name!r}.")
        if not isinstance(arguments, dict):
            return error_result("Tool arguments must be a JSON object.")
        arguments = {**arguments, "tenant": self.tenant}
        try:
            return self.runner.call(name, arguments)
        except Exception as exc:  # a tool bug must end in a message, never a broken chat stream
            return error_result(f"The {name} tool failed: {type(exc).__name__}.")


def result_for_model(result: ToolResult) -> str:
    """What a provider receives for one tool call: the tool's aggregates as compact JSON.

    The typed result goes as JSON under `data`, the summary (the first text block: MCP
    results repeat the data as a second, JSON, block) under `summary`, so that the data is
    sent once; per-visitor hashes are dropped.
    """
    payload: dict[str, Any] = {"isError": bool(result.get("isError"))}
    if result.get("structuredContent"):
        payload["data"] = _without_identifiers(result["structuredContent"])
    content = result.get("content")
    if isinstance(content, list):
        texts = [b.get("text", "") for b in content if isinstance(b, dict) and b.get("type", "text") == "text"]
        text = texts[0] if texts else ""
    else:
        text = result_text(result)
    if text:
        payload["summary"] = text
    return json.dumps(payload, separators=(",", ":"), default=str)


PRIVATE_KEYS = frozenset({"visitor_hash", "session_hash"})


def _without_identifiers(value: Any) -> Any:
    """Aggregates only: the per-visitor hashes in e.g. a goal's recent conversions stay on the server."""
    if isinstance(value, dict):
        return {k: _without_identifiers(v) for k, v in value.items() if k not in PRIVATE_KEYS}
    if isinstance(value, list):
        return [_without_identifiers(v) for v in value]
    return value


class RegistryRunner:
    """The MCP route's own registry (`clearanalytics.mcp.tools`) for one caller: same code path, same checks.

    `run_tool(cursor, Caller(tenant_id, user_id), name, arguments, now=now)` validates the
    arguments, the caller's membership and the tenant's plan exactly as for an MCP client,
    and returns the typed result, which is passed on as it is. `now` is the server's clock
    (request_scope.now()), the one the chat's "today" was taken from.
    """

    def __init__(self, cursor: Any, tenant_id: str, user_id: str, now: datetime):
        from clearanalytics.mcp import tools as registry

        self.registry = registry
        self.cursor = cursor
        self.caller = registry.Caller(tenant_id, user_id)
        self.now = now

    def list(self) -> list[dict]:
        return self.registry.list_tools()

    def call(self, name: str, arguments: dict) -> ToolResult:
        try:
            answer = self.registry.run_tool(self.cursor, self.caller, name, arguments, now=self.now)
        except self.registry.ToolError as exc:
            return error_result(exc.message)
        except self.registry.UnknownToolError as exc:
            return error_result(str(exc))
        summary = [{"type": "text", "text": answer.summary}]
        return {"content": summary, "structuredContent": answer.result, "isError": False}
