"""/mcp/analytics: the Model Context Protocol server (Streamable HTTP) and its 12 read-only tools.

`routes` is the HTTP glue (bearer auth, plan check), `protocol` the JSON-RPC dispatch on the
official SDK's types, `tools` the registry that the AI chat also calls in-process, and
`reports` the tools themselves: thin wrappers over the stats engine, and `results` the
fixed shape of each tool's result (TypedDicts), from which the output schemas are generated.
"""

from clearanalytics.mcp.routes import bp

__all__ = ["bp"]
