"""The MCP tool registry: the 12 tools (and the extensions after them), their argument checks, and who may call them.

This is a plain Python interface, independent of HTTP, so that the MCP route and the
dashboard's AI chat run the very same code path with the same tenant and plan checks:

    list_tools() -> [tool dicts in MCP wire shape: name, title, description, inputSchema, ...]
    run_tool(cursor, Caller(tenant_id, user_id), name, arguments, now=...) -> Answer (typed result)
    call_tool(cursor, Caller(tenant_id, user_id), name, arguments, now=...) -> CallToolResult dict

Every mistake an assistant can make in its arguments (an unknown period, a limit out of range, a domain
or tenant that is not the caller's) comes back as a tool result with `isError: true` and a message naming
the argument, so that the model can correct itself; only an unknown tool name raises (`UnknownToolError`),
which the MCP route turns into the protocol's -32602 error as the specification asks.

Isolation rule: a caller is bound to exactly one tenant (a token's own tenant, or the
tenant a dashboard user is looking at). The `tenant` argument must name that tenant, the
caller's user must still be a member of it, and it must be on an AI plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import duckdb

from clearanalytics import accounts
from clearanalytics.accounts import Site, Tenant
from clearanalytics.mcp import results
from clearanalytics.request_scope import kept_in_request
from clearanalytics.stats import periods
from clearanalytics.stats.query import MAX_LIMIT, Query, QueryError, parse_query
from clearanalytics.web_auth import UnknownDomain, pick_sites, tenant_sites

if TYPE_CHECKING:  # the SDK's pydantic models are imported where a wire answer is built (routes.py says why)
    import mcp_types as types

DEFAULT_LIMIT = 10


class ToolError(Exception):
    """A mistake in the arguments or the caller's rights: becomes a result with isError true."""

    def __init__(self, argument: str | None, message: str):
        super().__init__(message)
        self.argument = argument
        self.message = message


class UnknownToolError(KeyError):
    """No tool has this name (the MCP route answers -32602)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"Unknown tool: {self.name!r}."


@dataclass(frozen=True)
class Caller:
    """Who is asking: the tenant the caller is bound to and the user acting in it."""

    tenant_id: str
    user_id: str

    @classmethod
    def from_token(cls, token: accounts.Token) -> Caller:
        return cls(token.tenant_id, token.user_id)


@dataclass(frozen=True)
class Scope:
    """A checked call: the tenant, the sites it may read, and the parsed period and limit."""

    tenant: Tenant
    sites: tuple[Site, ...]
    domain: str | None
    query: Query
    choices: Mapping[str, str] | None = None  # ToolSpec.choices' values (the locations tool's level)

    @property
    def currency(self) -> str | None:
        """The sites' reporting currency when they share one, else None (money is then per site)."""
        currencies = {s.currency for s in self.sites}
        return currencies.pop() if len(currencies) == 1 else None


Report = Callable[[duckdb.DuckDBPyConnection, Scope], tuple[str, "results.ToolResult"]]

PERIOD_DESCRIPTION = (
    "Time period ending now: "
    + ", ".join(f"{p.code} ({p.words})" for p in periods.PERIODS)
    + f"; a period in days counts calendar days including today, in each site's timezone. "
    f"Default {periods.DEFAULT_PERIOD}."
)
# The schemas of the keys every result shares (results.TenantResult, results.Window).
COMMON_OUTPUT: dict[str, Any] = {
    "tenant": {"type": "string"},
    "domain": {"type": ["string", "null"], "description": "The site, or null for all sites."},
    "period": {"type": "string", "enum": [*periods.CODES, "custom"]},
    "from": {"type": "string", "description": "Start of the period: a local date, or UTC hour for 24h."},
    "to": {"type": "string", "description": "End of the period (inclusive)."},
}


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its MCP definition, the TypedDict of its result, and the report that answers it (reports.py)."""

    name: str
    title: str
    description: str
    result: type  # results.py: the keys of structuredContent; outputSchema is generated from it
    output: dict[str, Any]  # JSON Schema of each key the tool adds to the common ones
    report: Report
    lists: bool = False  # takes `limit`
    required: tuple[tuple[str, str], ...] = ()  # (name, description): string arguments needed besides tenant
    choices: tuple[tuple[str, tuple[str, ...], str], ...] = ()  # (name, values, description): optional, 1st default

    def __post_init__(self) -> None:
        own = results.own_keys(self.result)
        if sorted(own) != sorted(self.output):
            raise TypeError(f"{self.name}: the output schemas {sorted(self.output)} are not its result's keys {own}")

    @property
    def periodic(self) -> bool:
        """Whether the result echoes the period (all but list-sites: a list of sites has no period)."""
        return "period" in results.keys(self.result)

    def input_schema(self) -> dict[str, Any]:
        """Every tool takes tenant, period, domain and from/to (as the reference says); list tools take limit."""
        properties: dict[str, Any] = {
            "tenant": {
                "type": "string",
                "description": "Your tenant slug (the workspace name in ClearAnalytics, e.g. 'acme').",
            },
            "period": {
                "type": "string",
                "enum": list(periods.CODES),
                "default": periods.DEFAULT_PERIOD,
                "description": PERIOD_DESCRIPTION,
            },
            "domain": {
                "type": "string",
                "description": "One site's domain, e.g. example.com (see list-sites). Omit for all sites.",
            },
        }
        for bound, words in (("from", "First"), ("to", "Last")):
            properties[bound] = {
                "type": "string",
                "format": "date",
                "description": f"{words} day (YYYY-MM-DD, inclusive, in each site's timezone) of a custom "
                "range such as last week or a month; give both from and to. Overrides period.",
            }
        if self.lists:
            properties["limit"] = {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LIMIT,
                "default": DEFAULT_LIMIT,
                "description": f"Number of rows to return, 1-{MAX_LIMIT}. Default {DEFAULT_LIMIT}.",
            }
        for name, description in self.required:
            properties[name] = {"type": "string", "description": description}
        for name, values, about in self.choices:  # e.g. the locations tool's level
            properties[name] = {"type": "string", "enum": [*values], "default": values[0], "description": about}
        required = ["tenant", *(name for name, _ in self.required)]  # e.g. custom-properties' property
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}

    def output_schema(self) -> dict[str, Any]:
        """The result's TypedDict as JSON Schema: exactly its keys, all required."""
        schemas = COMMON_OUTPUT | self.output
        keys = results.keys(self.result)
        return {
            "type": "object",
            "properties": {key: schemas[key] for key in keys},
            "required": keys,
            "additionalProperties": False,
        }

    def definition(self) -> types.Tool:
        import mcp_types as types

        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.input_schema(),
            output_schema=self.output_schema(),
            annotations=types.ToolAnnotations(
                title=self.title,
                read_only_hint=True,
                destructive_hint=False,
                idempotent_hint=True,
                open_world_hint=False,
            ),
        )


def _registry() -> dict[str, ToolSpec]:
    from clearanalytics.mcp.extensions import EXTENSIONS
    from clearanalytics.mcp.reports import TOOLS

    return {spec.name: spec for spec in (*TOOLS, *EXTENSIONS)}  # the reference's 12, then the extensions


def get_tool(name: str) -> ToolSpec:
    """The tool called `name`; UnknownToolError if none is."""
    spec = _registry().get(name)
    if spec is None:
        raise UnknownToolError(name)
    return spec


def tool_names() -> list[str]:
    return list(_registry())


def list_tool_models() -> list[types.Tool]:
    return [spec.definition() for spec in _registry().values()]


def list_tools() -> list[dict[str, Any]]:
    """The tool definitions in MCP wire shape (camelCase keys), e.g. to hand to an LLM provider. The definitions are
    the code's and never change in a process, so they are built once (the chat asks at every tool call, and building
    them, pydantic models with schemas from the result types, took 2 ms): the dicts are shared, and a caller that
    changes one copies it first (as chat.tools.TenantTools does)."""
    return list(_tools_on_the_wire())


@cache
def _tools_on_the_wire() -> tuple[dict[str, Any], ...]:
    return tuple(tool.model_dump(by_alias=True, mode="json", exclude_none=True) for tool in list_tool_models())


def call_tool(
    cur: duckdb.DuckDBPyConnection,
    caller: Caller,
    name: str,
    arguments: Mapping[str, Any] | None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Run one tool for `caller`; the CallToolResult in wire shape. Raises only UnknownToolError."""
    return call_tool_model(cur, caller, name, arguments, now=now).model_dump(
        by_alias=True, mode="json", exclude_none=True
    )


def call_tool_model(
    cur: duckdb.DuckDBPyConnection,
    caller: Caller,
    name: str,
    arguments: Mapping[str, Any] | None,
    *,
    now: datetime | None = None,
) -> types.CallToolResult:
    """The typed answer as MCP sends it: the summary, the same result as JSON text, and as structuredContent."""
    import mcp_types as types

    try:
        answer = run_tool(cur, caller, name, arguments, now=now)
    except ToolError as exc:
        return error_result(exc.message)
    return types.CallToolResult(
        content=[
            types.TextContent(text=answer.summary),
            types.TextContent(text=json.dumps(answer.result, ensure_ascii=False)),
        ],
        structured_content=dict(answer.result),
        is_error=False,
    )


@dataclass(frozen=True)
class Answer:
    """One tool's typed answer: the one-line summary and the result (a TypedDict of results.py)."""

    tool: str
    summary: str
    result: results.ToolResult


def run_tool(
    cur: duckdb.DuckDBPyConnection,
    caller: Caller,
    name: str,
    arguments: Mapping[str, Any] | None,
    *,
    now: datetime | None = None,
) -> Answer:
    """Run one tool in-process (the chat's way in). Raises ToolError for a wrong argument or right,
    UnknownToolError for an unknown name."""
    spec = get_tool(name)
    scope = check_arguments(cur, caller, spec, arguments, now=now)
    summary, result = spec.report(cur, scope)
    return Answer(name, summary, result)


def window(scope: Scope) -> dict[str, Any]:
    """The keys every periodic result starts with (results.Window): who, which site(s), which period."""
    start, end = period_bounds(scope.query)
    return {"tenant": scope.tenant.slug, "domain": scope.domain, "period": scope.query.period, "from": start, "to": end}


def error_result(message: str) -> types.CallToolResult:
    import mcp_types as types

    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


# --- argument checks ------------------------------------------------------------------


def check_arguments(
    cur: duckdb.DuckDBPyConnection,
    caller: Caller,
    spec: ToolSpec,
    arguments: Mapping[str, Any] | None,
    *,
    now: datetime | None = None,
) -> Scope:
    """Validate `arguments` against the tool's input schema, then the caller's rights."""
    arguments = dict(arguments or {})
    check_known(spec, arguments)
    tenant = resolve_tenant(cur, caller, arguments.get("tenant"))
    return scope_for(tenant, tenant_sites(cur, tenant.id), spec, arguments, now=now)


def check_known(spec: ToolSpec, arguments: Mapping[str, Any]) -> None:
    """ToolError for an argument the tool's input schema does not have."""
    allowed = set(spec.input_schema()["properties"])
    unknown = sorted(set(arguments) - allowed)
    if unknown:
        raise ToolError(
            unknown[0], f"Unknown argument {unknown[0]!r} for {spec.name}; it accepts: {', '.join(sorted(allowed))}."
        )


def scope_for(
    tenant: Tenant,
    sites: tuple[Site, ...],
    spec: ToolSpec,
    arguments: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> Scope:
    """The checked call for a tenant already resolved, over `sites` (all its sites, or the one a shared link shows:
    chat/share_tools.py); `tenant` is not read from `arguments`."""
    domain = resolve_domain(sites, arguments.get("domain"), tenant)
    if domain is not None:
        sites = tuple(s for s in sites if s.domain == domain)
    period = arguments.get("period")
    if period is not None and (not isinstance(period, str) or period not in periods.CODES):
        raise ToolError("period", f"The period argument must be one of: {periods.described_list()} (got {period!r}).")
    params: dict[str, Any] = {"period": period or periods.DEFAULT_PERIOD}
    for bound in ("from", "to"):  # a custom range (the AI chat's "last week", "in March")
        value = arguments.get(bound)
        if value is not None and not isinstance(value, str):
            raise ToolError(bound, f"The {bound} argument must be a date in YYYY-MM-DD format.")
        if value:
            params[bound] = value
    if spec.lists:
        params["limit"] = check_limit(arguments.get("limit"))
    for name, description in spec.required:
        value = arguments.get(name)
        if not isinstance(value, str) or not value:
            raise ToolError(name, f"The {name} argument is required: {description}")
        params[name] = value
    chosen = {}
    for name, values, _description in spec.choices:
        value = arguments.get(name, values[0])
        if value not in values:
            raise ToolError(name, f"The {name} argument must be one of: {', '.join(values)} (got {value!r}).")
        chosen[name] = value
    try:
        query = parse_query(params, sites, now=now, default_limit=DEFAULT_LIMIT)
    except QueryError as exc:  # from/to are checked here; the rest above
        raise ToolError(exc.field, exc.message) from None
    return Scope(tenant, sites, domain, query, chosen)


def resolve_tenant(cur: duckdb.DuckDBPyConnection, caller: Caller, slug: Any) -> Tenant:
    """The caller's tenant, if `slug` names it and the caller's user is still its member."""
    if not isinstance(slug, str) or not slug.strip():
        raise ToolError("tenant", "The tenant argument is required: your tenant slug, e.g. 'acme'.")
    slug = slug.strip().lower()
    own = kept_in_request(("tenant", caller.tenant_id), lambda: accounts.get_tenant_by_id(cur, caller.tenant_id))
    tenant = own if own is not None and own.slug == slug else accounts.get_tenant(cur, slug)  # no read, mostly
    if tenant is None or _role(cur, tenant.id, caller.user_id) is None:
        hint = f" Your tenant is {own.slug!r}." if own and _role(cur, own.id, caller.user_id) else ""
        raise ToolError("tenant", f"You are not a member of tenant {slug!r}.{hint}")
    if own is None or tenant.id != own.id:
        raise ToolError(
            "tenant",
            f"This API token belongs to tenant {own.slug if own else '?'!r} and can only read that tenant; "
            f"use a token created in tenant {slug!r} to query it.",
        )
    if tenant.plan not in accounts.AI_PLANS:
        raise ToolError(
            "tenant",
            f"Tenant {slug!r} is on the {tenant.plan} plan; AI Search needs the Pro, Growth or Business plan.",
        )
    return tenant


def _role(cur: duckdb.DuckDBPyConnection, tenant_id: str, user_id: str) -> str | None:
    """The user's role in the tenant; in a request kept until the next commit, which a removal is."""
    return kept_in_request(("role", tenant_id, user_id), lambda: accounts.get_role(cur, tenant_id, user_id))


def resolve_domain(sites: tuple[Site, ...], raw: Any, tenant: Tenant) -> str | None:
    """None for all sites; else the tenant's site named by `raw` (web_auth's one domain rule)."""
    if raw is not None and not isinstance(raw, str):
        raise ToolError("domain", "The domain argument must be a string such as example.com.")
    try:
        chosen = pick_sites(sites, raw)
    except UnknownDomain as exc:
        listed = ", ".join(exc.known) or "none yet"
        raise ToolError(
            "domain", f"The domain {raw!r} is not one of the sites of tenant {tenant.slug!r} (its sites: {listed})."
        ) from None
    return chosen[0].domain if raw and raw.strip() else None


def check_limit(raw: Any) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    value = raw
    if isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise ToolError("limit", f"The limit argument must be an integer from 1 to {MAX_LIMIT} (got {raw!r}).")
    return value


def period_bounds(query: Query) -> tuple[str, str]:
    """The period as shown to the assistant: local dates, or UTC hours for 24h."""
    if query.hourly:
        buckets = query.buckets()
        return buckets[0], buckets[-1]
    return query.date_from.isoformat(), query.date_to.isoformat()
