"""Test helpers: the official MCP SDK client over real HTTP, and raw JSON-RPC posts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import requests
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

T = TypeVar("T")


@asynccontextmanager
async def mcp_session(base_url: str, token: str | None) -> AsyncIterator[ClientSession]:
    """An initialized SDK ClientSession on <base_url>/mcp/analytics with the bearer token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        create_mcp_http_client(headers=headers) as http,
        streamable_http_client(base_url + "/mcp/analytics", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def with_session(base_url: str, token: str, work: Callable[[ClientSession], Awaitable[T]]) -> T:
    """Run `work(session)` in a fresh event loop and return its result (tests stay synchronous)."""

    async def main() -> T:
        async with mcp_session(base_url, token) as session:
            return await work(session)

    return run_async(main)


def run_async(main: Callable[[], Awaitable[T]]) -> T:
    """`anyio.run` on a thread of its own: Playwright's sync API, used by browser tests in the same
    xdist worker, leaves an asyncio loop running on the main thread, where anyio.run refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, main).result()


def rpc(base_url: str, token: str | None, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    """POST one raw body (a dict is sent as JSON, bytes as they are) to the MCP endpoint."""
    all_headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers |= headers or {}
    kwargs = {"data": body} if isinstance(body, bytes | str) else {"json": body}
    return requests.post(base_url + "/mcp/analytics", headers=all_headers, timeout=10, **kwargs)
