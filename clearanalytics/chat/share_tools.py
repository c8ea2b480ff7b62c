"""The chat's tools on a shared link: the MCP registry's reports, limited to the link's site and panels.

A shared link's visitor is nobody's user: there is no membership to check, and the link is the whole
credential. So this runner does not go through `run_tool`'s caller checks; it builds the tool's scope
itself (mcp.tools.scope_for) over the link's one site, and answers only the tools whose every part is a
panel the link shows (TOOL_PANELS). Everything else is refused in a sentence that says why, never with
data: another site, all sites at once, a panel the link hides, a tool no panel shows (hours of the day).

What a model or the built-in engine sees carries no account data: the `tenant` of every result is
SHARED_TENANT instead of the tenant's slug (the reports' summaries name it too), a goal's recent
conversions (per-visitor rows no panel shows) are left out, and the tool list has no `tenant` and a
`domain` fixed to the link's site.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from clearanalytics import share_links
from clearanalytics.accounts import Site, Tenant
from clearanalytics.chat.tools import ToolResult, error_result
from clearanalytics.mcp import tools as registry
from clearanalytics.web_auth import UnknownDomain, pick_sites

SHARED_TENANT = "shared-link"  # what results and tool calls say instead of the tenant's slug
# The panels (share_links.panel_ids) each tool's answer comes from: a tool answers only when the link shows all
# of them. None: no panel shows it, so no link answers it. tests/test_share_chat.py checks every tool is here.
TOOL_PANELS: dict[str, tuple[str, ...] | None] = {
    "list-sites": (),
    "analytics-overview": ("kpis",),
    "top-pages": ("pages",),
    "traffic-sources": ("channels", "referrers"),
    "device-and-browser": ("devices", "browsers", "os"),
    "languages": ("languages",),
    "campaigns": ("campaigns",),
    "goals": ("goals",),
    "ecommerce-overview": ("ecommerce",),
    "ecommerce-products": ("products", "funnel", "revenue-sources"),
    "daily-breakdown": ("chart",),
    "hourly-breakdown": None,
    "realtime": ("realtime",),
    "custom-properties": ("properties",),
    "entry-exit-pages": ("entry-pages", "exit-pages"),
    "locations": ("locations",),
}
NO_PANEL = {"hourly-breakdown": "visitors by hour of day"}


class ShareTools:
    """A ToolRunner for one shared link: its site only, its panels only, no tenant named."""

    def __init__(self, cursor: Any, link: share_links.SharedLink, site: Site, tenant: Tenant, now: datetime):
        self.cursor = cursor
        self.link = link
        self.site = site
        self.tenant = Tenant(tenant.id, SHARED_TENANT, SHARED_TENANT, tenant.plan)  # what the reports may print
        self.now = now

    def site_only(self) -> str:
        return (
            f"This shared link shows {self.site.domain} only, so I cannot answer about another site or about "
            f"several sites together. Ask about {self.site.domain}."
        )

    def refusal(self, name: str) -> str | None:
        """Why the link cannot answer tool `name`, or None when it can."""
        if name not in TOOL_PANELS:
            return f"Unknown tool {name!r}."
        needed = TOOL_PANELS[name]
        if needed is None:
            what = NO_PANEL.get(name, "that")
            return f"This shared link does not show {what}, so I cannot answer that here."
        hidden = [panel for panel in needed if not self.link.shows(panel)]
        if not hidden:
            return None
        titles = dict(share_links.panel_ids())
        names = " and ".join(f"the {titles.get(panel, panel)} panel" for panel in hidden)
        return f"This shared link does not show {names}, so I cannot answer that here."

    def list(self) -> list[dict]:
        """The tools the link answers, without `tenant` and with `domain` fixed to the link's site."""
        tools = []
        for tool in registry.list_tools():
            if self.refusal(tool["name"]) is not None:
                continue
            tool = copy.deepcopy(tool)
            schema = tool["inputSchema"]
            schema["properties"].pop("tenant", None)
            schema["properties"]["domain"] = {
                "type": "string",
                "enum": [self.site.domain],
                "description": f"Always {self.site.domain}: the only site this shared link shows.",
            }
            schema["required"] = [r for r in schema.get("required", []) if r != "tenant"] + ["domain"]
            tools.append(tool)
        return tools

    def call(self, name: str, arguments: dict | None) -> ToolResult:
        refused = self.refusal(name)
        if refused:
            return error_result(refused)
        if not isinstance(arguments, dict):
            return error_result("Tool arguments must be a JSON object.")
        arguments = {k: v for k, v in arguments.items() if k != "tenant"}  # the link's tenant, whatever is asked
        if not self._own_site(arguments.get("domain"), name):
            return error_result(self.site_only())
        try:
            spec = registry.get_tool(name)
            registry.check_known(spec, arguments)
            arguments["domain"] = self.site.domain
            scope = registry.scope_for(self.tenant, (self.site,), spec, arguments, now=self.now)
            summary, result = spec.report(self.cursor, scope)
        except registry.ToolError as exc:
            return error_result(exc.message)
        except Exception as exc:  # a tool bug must end in a message, never a broken chat stream
            return error_result(f"The {name} tool failed: {type(exc).__name__}.")
        if name == "goals":  # per-conversion rows: no panel of a link shows them
            result = {**result, "goals": [{**goal, "recent_conversions": []} for goal in result["goals"]]}
        return {"content": [{"type": "text", "text": summary}], "structuredContent": result, "isError": False}

    def _own_site(self, raw: Any, name: str) -> bool:
        """Whether `domain` names the link's site; none named is "all sites", which only list-sites may mean."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return name == "list-sites"
        if not isinstance(raw, str):
            return False
        try:
            return pick_sites((self.site,), raw)[0].id == self.site.id
        except UnknownDomain:
            return False
