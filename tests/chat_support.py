"""Test helpers for the chat: a ToolRunner over fixed tool results, and loopback fake LLM providers.

`FixedTools` stands in for the MCP registry until that part is merged: it has the 12 tool
definitions of the reference and returns results shaped like the API's responses, and it
records every call so that tests can assert the exact arguments. The fake providers are
real HTTP servers on 127.0.0.1 (http.server in a thread) speaking the wire formats of
OpenAI Chat Completions and Anthropic Messages; each records the requests it received.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.test_mcp_protocol import TOOL_NAMES

LIST_TOOLS = {"top-pages", "traffic-sources", "device-and-browser", "languages", "campaigns", "ecommerce-products"}


def tool_definitions() -> list[dict]:
    tools = []
    for name in TOOL_NAMES:
        properties = {
            "tenant": {"type": "string"},
            "period": {"type": "string", "enum": ["24h", "7d", "30d", "90d", "12m"], "default": "7d"},
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "domain": {"type": "string"},
        }
        if name in LIST_TOOLS:
            properties["limit"] = {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
        tools.append(
            {
                "name": name,
                "description": f"The {name} tool.",
                "inputSchema": {"type": "object", "properties": properties, "required": ["tenant"]},
                "annotations": {"readOnlyHint": True},
            }
        )
    return tools


RESULTS = {
    "list-sites": {"sites": [{"domain": "example.com", "timezone": "UTC"}, {"domain": "shop.example"}]},
    "analytics-overview": {
        "overview": {
            "visitors": 1523,
            "pageviews": 4891,
            "bounce_rate": 42.3,
            "avg_duration": 187,
            "visitors_change": 12.5,
            "pageviews_change": 8.2,
            "bounce_rate_change": -3.1,
            "avg_duration_change": 15.7,
        }
    },
    "top-pages": {
        "pages": [
            {"pathname": "/", "visitors": 890, "pageviews": 1234, "avg_duration": 45},
            {"pathname": "/pricing", "visitors": 456, "pageviews": 567, "avg_duration": 120},
        ]
    },
    "traffic-sources": {
        "channels": [{"channel": "organic", "visitors": 345}, {"channel": "social", "visitors": 123}],
        "referrers": [{"referrer_source": "google", "referrer": "google.com", "visitors": 345}],
    },
    "device-and-browser": {
        "devices": [{"device_type": "desktop", "visitors": 678}, {"device_type": "mobile", "visitors": 456}],
        "browsers": [{"browser": "Chrome", "visitors": 678}, {"browser": "Safari", "visitors": 345}],
        "operating_systems": [{"os": "macOS", "visitors": 456}, {"os": "Windows", "visitors": 389}],
    },
    "languages": {"languages": [{"language": "en", "visitors": 456}, {"language": "de", "visitors": 234}]},
    "campaigns": {
        "campaigns": [
            {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "feb-2026", "visitors": 234},
        ]
    },
    "goals": {"goals": [{"id": "01J", "name": "Signup Page Visit", "type": "url", "completions": 42}]},
    "ecommerce-overview": {
        "currency": "EUR",
        "ecommerce": {
            "revenue": 12450.00,
            "transactions": 156,
            "avg_order_value": 79.81,
            "conversion_rate": 3.2,
            "revenue_change": 18.5,
            "transactions_change": 12.3,
            "avg_order_value_change": 5.6,
            "conversion_rate_change": 0.4,
        },
    },
    "ecommerce-products": {
        "currency": "EUR",
        "products": [{"item_name": "Pro Plan Annual", "revenue": 4788.00, "quantity": 12, "orders": 12}],
        "funnel": [
            {"step": "view_item", "label": "View Product", "visitors": 1200, "dropoff_rate": 0.0},
            {"step": "add_to_cart", "label": "Add to Cart", "visitors": 340, "dropoff_rate": 71.7},
            {"step": "begin_checkout", "label": "Begin Checkout", "visitors": 210, "dropoff_rate": 38.2},
            {"step": "purchase", "label": "Purchase", "visitors": 156, "dropoff_rate": 25.7},
        ],
        "revenue_by_source": [{"source": "google", "revenue": 5670.00, "transactions": 72}],
    },
    "daily-breakdown": {
        "days": [
            {"date": "2026-02-12", "visitors": 234, "pageviews": 567},
            {"date": "2026-02-13", "visitors": 289, "pageviews": 612},
        ]
    },
    "hourly-breakdown": {"hours": [{"hour": h, "visitors": 10 + (h == 14) * 50} for h in range(24)]},
}


class FixedTools:
    """A ToolRunner with fixed results; `overrides` replaces a tool's structuredContent or makes it fail."""

    def __init__(self, overrides: dict | None = None):
        self.calls: list[tuple[str, dict]] = []
        self.overrides = overrides or {}

    def list(self) -> list[dict]:
        return tool_definitions()

    def call(self, name: str, arguments: dict) -> dict:
        self.calls.append((name, dict(arguments)))
        override = self.overrides.get(name)
        if callable(override):
            override = override(arguments)
        if isinstance(override, Exception):
            return {"content": [{"type": "text", "text": str(override)}], "isError": True}
        data = override if override is not None else RESULTS[name]
        return {"content": [{"type": "text", "text": f"{name} result"}], "structuredContent": data, "isError": False}


def openai_stream(answer: dict) -> list[dict]:
    """A whole Chat Completions answer as the chunks a streaming server sends (text and arguments in pieces)."""
    message = answer["choices"][0]["message"]
    base = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "model": "fake"}
    chunks = [base | {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    text = message.get("content") or ""
    for start in range(0, len(text), 7):
        chunks.append(base | {"choices": [{"index": 0, "delta": {"content": text[start : start + 7]}}]})
    for i, call in enumerate(message.get("tool_calls") or []):
        head = {"index": i, "id": call["id"], "type": "function", "function": {"name": call["function"]["name"]}}
        chunks.append(base | {"choices": [{"index": 0, "delta": {"tool_calls": [head]}}]})
        arguments = call["function"]["arguments"]
        for start in range(0, len(arguments), 5):
            piece = {"index": i, "function": {"arguments": arguments[start : start + 5]}}
            chunks.append(base | {"choices": [{"index": 0, "delta": {"tool_calls": [piece]}}]})
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    chunks.append(base | {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    return chunks


def anthropic_stream(answer: dict) -> list[dict]:
    """A whole Messages answer as the server-sent events of the streaming API."""
    start = {k: v for k, v in answer.items() if k != "content"} | {"content": [], "stop_reason": None}
    events = [{"type": "message_start", "message": start}, {"type": "ping"}]
    for index, block in enumerate(answer["content"]):
        if block["type"] == "text":
            events.append(
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
            )
            for cut in range(0, len(block["text"]), 6):
                delta = {"type": "text_delta", "text": block["text"][cut : cut + 6]}
                events.append({"type": "content_block_delta", "index": index, "delta": delta})
        else:
            head = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            events.append({"type": "content_block_start", "index": index, "content_block": head})
            arguments = json.dumps(block["input"])
            for cut in range(0, len(arguments), 4):
                delta = {"type": "input_json_delta", "partial_json": arguments[cut : cut + 4]}
                events.append({"type": "content_block_delta", "index": index, "delta": delta})
        events.append({"type": "content_block_stop", "index": index})
    events.append({"type": "message_delta", "delta": {"stop_reason": answer.get("stop_reason")}, "usage": {}})
    events.append({"type": "message_stop"})
    return events


class FakeProvider:
    """A loopback HTTP server; `script` is a list of (status, json body) answers, one per request.

    With `stream=True` a 200 answer goes out as the provider's server-sent events (OpenAI
    chunks ending in `data: [DONE]`, or Anthropic's named events) when the request asks for a
    stream; otherwise as one JSON body, as servers that ignore `stream` do. `stall_after`
    sends that many events and then hangs (a stream that times out half-way).
    """

    def __init__(
        self, script: list[tuple[int, dict]], delay: float = 0.0, stream: bool = False, stall_after: int | None = None
    ):
        self.script = list(script)
        self.delay = delay
        self.stream = stream
        self.stall_after = stall_after
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                provider.requests.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                if provider.delay:
                    time.sleep(provider.delay)
                status, answer = provider.script.pop(0) if provider.script else (500, {"error": "script ended"})
                if status == 200 and provider.stream and body.get("stream"):
                    provider.send_events(self, answer)
                    return
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def send_events(self, handler: BaseHTTPRequestHandler, answer: dict) -> None:
        anthropic = "choices" not in answer
        events = anthropic_stream(answer) if anthropic else openai_stream(answer)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        try:
            for number, event in enumerate(events):
                if self.stall_after is not None and number == self.stall_after:
                    time.sleep(3)
                    return
                prefix = f"event: {event['type']}\n" if anthropic else ""
                handler.wfile.write(f"{prefix}data: {json.dumps(event)}\n\n".encode())
                handler.wfile.flush()
            if not anthropic:
                handler.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        handler.close_connection = True

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
