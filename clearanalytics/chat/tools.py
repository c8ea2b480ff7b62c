"""The one seam between the chat and the 12 MCP tools: the ToolRunner protocol and the tenant guard.

The chat calls the same tools as the MCP route, through the same code path. Both engines
(built-in and LLM) see the tools only through a `ToolRunner`: `list()` gives the tool
definitions (name, description, inputSchema) and `call(name, arguments)` gives an MCP
CallToolResult as a dict (`content`, `structuredContent`, `isError`).

`TenantTools` wraps any runner for one chat session: it forces the `tenant` argument to the
session's own tenant, whatever a model asks for, and hides `tenant` from the schemas a
provider sees, so that a model can neither read nor even name another tenant's data.
`registry_runner()` adapts the MCP helper's in-process registry.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Protocol

ToolResult = dict[str, Any]


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
    """What a provider receives for one tool call: the tool's aggregates as compact JSON."""
    payload: dict[str, Any] = {"isError": bool(result.get("isError"))}
    if result.get("structuredContent"):
        payload["data"] = result["structuredContent"]
    text = result_text(result)
    if text:
        payload["summary"] = text
    return json.dumps(payload, separators=(",", ":"), default=str)


def registry_runner() -> ToolRunner | None:
    """The MCP route's own tool registry, when that part is installed (None until it is merged)."""
    try:
        from clearanalytics.mcp import tools as registry  # type: ignore[attr-defined]
    except ImportError:
        return None
    return RegistryRunner(registry)


class RegistryRunner:
    """Adapts `clearanalytics.mcp.tools` (list_tools() and call_tool(name, arguments, ...))."""

    def __init__(self, registry: Any, **call_context: Any):
        self.registry = registry
        self.call_context = call_context

    def bind(self, **call_context: Any) -> RegistryRunner:
        """The same registry with the caller's identity (user, database cursor) for the plan checks."""
        return RegistryRunner(self.registry, **{**self.call_context, **call_context})

    def list(self) -> list[dict]:
        return [_as_dict(tool) for tool in self.registry.list_tools()]

    def call(self, name: str, arguments: dict) -> ToolResult:
        return _as_dict(self.registry.call_tool(name, arguments, **self.call_context))


def _as_dict(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if hasattr(value, "model_dump"):  # mcp SDK types
        return value.model_dump(by_alias=True, exclude_none=True)
    return dict(value)
