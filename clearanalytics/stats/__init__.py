"""The stats engine: the one place where read queries live (API, MCP, dashboard and chat call it)."""
