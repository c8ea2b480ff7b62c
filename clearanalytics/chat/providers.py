"""LLM clients: OpenAI-compatible Chat Completions and Anthropic Messages, both with tool calling.

Each client keeps the conversation in its own wire format and offers three steps to the
tool loop: `start()` builds the first messages, `stream()` sends one request and yields the
answer's text deltas and then a neutral `Turn` (text and tool calls; see streaming.py), and
`add_results()` appends the assistant's turn and the tool results in the shape that
provider expects. HTTP goes through urllib (no extra
dependency); every failure (unreachable, timeout, non-2xx, unreadable body) becomes a
`ProviderError` whose message never contains the API key.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from clearanalytics.chat.streaming import WHOLE, ProviderError, ToolCall, Turn, anthropic_events, openai_events

__all__ = ["AnthropicProvider", "OpenAIProvider", "ProviderError", "ToolCall", "Turn", "make_provider"]

PROVIDERS = ("openai", "anthropic")
DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
ANTHROPIC_VERSION = "2023-06-01"
MAX_TOKENS = 1024


class HttpClient:
    """One JSON POST with a timeout; the base of both providers."""

    name = "llm"

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key or ""
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json"}

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, "[key]") if self.api_key else text

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Every way a request can fail, as a ProviderError that names the provider and never the key."""
        try:
            yield
        except ProviderError:
            raise
        except urllib.error.HTTPError as exc:
            raise ProviderError(f"the {self.name} provider answered HTTP {exc.code}{self._detail(exc)}") from None
        except TimeoutError:
            raise ProviderError(f"the {self.name} provider did not answer within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise ProviderError(f"the {self.name} provider did not answer within {self.timeout:g} s") from None
            raise ProviderError(self._redact(f"the {self.name} provider could not be reached: {reason}")) from None
        except (OSError, ValueError) as exc:
            raise ProviderError(self._redact(f"the {self.name} provider failed: {type(exc).__name__}")) from None

    def _open(self, path: str, body: dict):
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode(), headers=self._headers(), method="POST"
        )
        return urllib.request.urlopen(request, timeout=self.timeout)

    def _json(self, raw: bytes) -> dict:
        try:
            answer = json.loads(raw)
        except ValueError:
            raise ProviderError(f"the {self.name} provider sent a body that is not JSON") from None
        if not isinstance(answer, dict):
            raise ProviderError(f"the {self.name} provider sent an unexpected answer")
        return answer

    def post(self, path: str, body: dict) -> dict:
        with self._errors(), self._open(path, body) as response:
            raw = response.read()
        return self._json(raw)

    def post_events(self, path: str, body: dict) -> Iterator[dict]:
        """A streamed answer's server-sent events as dicts; a server that does not stream yields
        its whole JSON answer once, under the key WHOLE. The timeout applies to every read."""
        with self._errors(), self._open(path, body) as response:
            if "text/event-stream" not in response.headers.get("Content-Type", ""):
                yield {WHOLE: self._json(response.read())}
                return
            for line in response:
                line = line.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue  # "event:" names repeat the data's own "type"; blank lines end events
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    event = json.loads(data)
                except ValueError:
                    raise ProviderError(f"the {self.name} provider sent an event that is not JSON") from None
                if isinstance(event, dict):
                    yield event

    def _detail(self, exc: urllib.error.HTTPError) -> str:
        """The provider's own error message, short, when it sent one."""
        try:
            body = json.loads(exc.read() or b"{}")
        except (ValueError, OSError):
            return ""
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else error if isinstance(error, str) else None
        return self._redact(f": {message[:200]}") if message else ""


class OpenAIProvider(HttpClient):
    """POST {base}/chat/completions with `tools` of type function; answers carry `tool_calls`."""

    name = "openai"

    def _headers(self) -> dict[str, str]:
        headers = super()._headers()
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def start(self, system: str, history: list[dict], question: str) -> list[dict]:
        messages = [{"role": "system", "content": system}]
        messages += [{"role": m["role"], "content": m["text"]} for m in history]
        messages.append({"role": "user", "content": question})
        return messages

    def stream(self, messages: list[dict], tools: list[dict]) -> Iterator[str | Turn]:
        """Text deltas as they arrive, then the whole Turn (`stream: true`, Chat Completions chunks)."""
        body = {
            "model": self.model,
            "messages": messages,
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": t["name"],
                        "description": t.get("description", ""),
                        "parameters": t["inputSchema"],
                    },
                }
                for t in tools
            ],
            "tool_choice": "auto",
            "stream": True,
        }
        with self._errors():
            yield from openai_events(self.post_events("/chat/completions", body))

    def add_results(self, messages: list[dict], turn: Turn, results: list[str]) -> None:
        assistant = {"role": "assistant", "content": turn.text or None, "tool_calls": turn.raw.get("tool_calls")}
        messages.append(assistant)
        for call, result in zip(turn.tool_calls, results, strict=True):
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


class AnthropicProvider(HttpClient):
    """POST {base}/v1/messages with `tools` (input_schema); answers carry `tool_use` content blocks."""

    name = "anthropic"

    def _headers(self) -> dict[str, str]:
        return super()._headers() | {"x-api-key": self.api_key, "anthropic-version": ANTHROPIC_VERSION}

    def start(self, system: str, history: list[dict], question: str) -> list[dict]:
        self.system = system
        messages = [{"role": m["role"], "content": m["text"]} for m in history]
        messages.append({"role": "user", "content": question})
        return messages

    def stream(self, messages: list[dict], tools: list[dict]) -> Iterator[str | Turn]:
        """Text deltas as they arrive, then the whole Turn (`stream: true`, Messages API events)."""
        body = {
            "model": self.model,
            "max_tokens": MAX_TOKENS,
            "system": getattr(self, "system", ""),
            "messages": messages,
            "tools": [
                {"name": t["name"], "description": t.get("description", ""), "input_schema": t["inputSchema"]}
                for t in tools
            ],
            "stream": True,
        }
        path = "/messages" if self.base_url.endswith("/v1") else "/v1/messages"
        with self._errors():
            yield from anthropic_events(self.post_events(path, body))

    def add_results(self, messages: list[dict], turn: Turn, results: list[str]) -> None:
        messages.append({"role": "assistant", "content": turn.raw})
        messages.append(
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": call.id, "content": result}
                    for call, result in zip(turn.tool_calls, results, strict=True)
                ],
            }
        )


def make_provider(config: dict) -> HttpClient | None:
    """The configured provider, or None when the built-in engine is to be used alone."""
    kind = (config.get("LLM_PROVIDER") or "").strip().lower()
    if not kind:
        return None
    if kind not in PROVIDERS:
        raise ProviderError(f"unknown LLM provider {kind!r} (use openai or anthropic)")
    model = (config.get("LLM_MODEL") or "").strip()
    if not model:
        raise ProviderError("no LLM model is configured (CLEARANALYTICS_LLM_MODEL)")
    base_url = (config.get("LLM_BASE_URL") or "").strip() or DEFAULT_BASE_URLS[kind]
    cls = OpenAIProvider if kind == "openai" else AnthropicProvider
    return cls(base_url, model, config.get("LLM_API_KEY") or "", float(config.get("LLM_TIMEOUT") or 30))
