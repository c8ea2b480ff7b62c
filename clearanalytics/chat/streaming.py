"""Reading the providers' answers, streamed or whole, into text deltas and one neutral Turn.

Both clients ask for a stream (`"stream": true`) so that the panel shows the answer as the
model writes it. A server that ignores that and answers one JSON body (some OpenAI-compatible
servers do) is read the same way. The functions here take the decoded events of
`HttpClient.post_events` and yield each text delta, then the finished Turn (the text, the
tool calls, and the assistant message in the provider's own shape, replayed next round).

- OpenAI Chat Completions chunks: `choices[0].delta` carries `content` pieces and
  `tool_calls` pieces keyed by `index` (id and name first, then `arguments` fragments).
- Anthropic Messages events: `content_block_start` (a text or tool_use block),
  `content_block_delta` (`text_delta` or `input_json_delta` fragments), `content_block_stop`,
  `message_delta`, `message_stop`, `ping`, and `error`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

WHOLE = "__whole_answer__"


class ProviderError(Exception):
    """The provider could not give an answer; the message is safe to show and to log."""


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict


@dataclass
class Turn:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    raw: Any = None  # the provider's own message, replayed verbatim in the next request


def arguments_of(raw: Any) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {"_unparsable": str(raw)[:200]}
    return value if isinstance(value, dict) else {}


# --- OpenAI ----------------------------------------------------------------------------------


def openai_turn(answer: dict) -> Turn:
    try:
        message = answer["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise ProviderError("the openai provider sent no choices") from None
    calls = [
        ToolCall(c.get("id") or f"call_{i}", c["function"]["name"], arguments_of(c["function"].get("arguments")))
        for i, c in enumerate(message.get("tool_calls") or [])
        if isinstance(c, dict) and isinstance(c.get("function"), dict) and "name" in c["function"]
    ]
    return Turn(message.get("content") or "", calls, message)


def openai_events(events: Iterable[dict]) -> Iterator[str | Turn]:
    text: list[str] = []
    calls: dict[int, dict] = {}
    for event in events:
        if WHOLE in event:
            turn = openai_turn(event[WHOLE])
            if turn.text:
                yield turn.text
            yield turn
            return
        if isinstance(event.get("error"), dict):
            raise ProviderError(f"the openai provider stopped: {str(event['error'].get('message'))[:200]}")
        choices = event.get("choices") or []
        delta = choices[0].get("delta") if choices and isinstance(choices[0], dict) else None
        if not isinstance(delta, dict):
            continue  # e.g. a final usage-only chunk
        if delta.get("content"):
            text.append(delta["content"])
            yield delta["content"]
        for piece in delta.get("tool_calls") or []:
            slot = calls.setdefault(piece.get("index", len(calls)), {"id": "", "name": "", "arguments": ""})
            slot["id"] = piece.get("id") or slot["id"]
            function = piece.get("function") or {}
            slot["name"] += function.get("name") or ""
            slot["arguments"] += function.get("arguments") or ""
    ordered = [calls[i] for i in sorted(calls)]
    raw_calls = [
        {"id": c["id"] or f"call_{i}", "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
        for i, c in enumerate(ordered)
    ]
    message = {"role": "assistant", "content": "".join(text) or None}
    if raw_calls:
        message["tool_calls"] = raw_calls
    yield Turn(
        "".join(text),
        [ToolCall(r["id"], r["function"]["name"], arguments_of(r["function"]["arguments"])) for r in raw_calls],
        message,
    )


# --- Anthropic -------------------------------------------------------------------------------


def anthropic_turn(answer: dict) -> Turn:
    if answer.get("type") == "error":
        raise ProviderError(f"the anthropic provider answered an error: {(answer.get('error') or {}).get('type')}")
    blocks = answer.get("content")
    if not isinstance(blocks, list):
        raise ProviderError("the anthropic provider sent no content")
    text = "".join(b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text")
    calls = [
        ToolCall(b.get("id", ""), b["name"], arguments_of(b.get("input")))
        for b in blocks
        if isinstance(b, dict) and b.get("type") == "tool_use" and "name" in b
    ]
    return Turn(text, calls, blocks)


def anthropic_events(events: Iterable[dict]) -> Iterator[str | Turn]:
    blocks: dict[int, dict] = {}
    partial: dict[int, str] = {}
    stopped = False
    for event in events:
        if WHOLE in event:
            turn = anthropic_turn(event[WHOLE])
            if turn.text:
                yield turn.text
            yield turn
            return
        kind = event.get("type")
        if kind == "error":
            raise ProviderError(f"the anthropic provider stopped: {(event.get('error') or {}).get('type')}")
        index = event.get("index", 0)
        if kind == "content_block_start":
            block = dict(event.get("content_block") or {})
            if block.get("type") == "tool_use":
                block["input"] = {}
                partial[index] = ""
            blocks[index] = block
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            block = blocks.setdefault(index, {"type": "text", "text": ""})
            if delta.get("type") == "text_delta":
                block["text"] = block.get("text", "") + delta.get("text", "")
                yield delta.get("text", "")
            elif delta.get("type") == "input_json_delta":
                partial[index] = partial.get(index, "") + delta.get("partial_json", "")
        elif kind == "content_block_stop" and index in partial:
            blocks[index]["input"] = arguments_of(partial.pop(index) or "{}")
        elif kind == "message_stop":
            stopped = True
    if not stopped:
        raise ProviderError("the anthropic provider's stream ended early")
    ordered = [blocks[i] for i in sorted(blocks)]
    text = "".join(b.get("text", "") for b in ordered if b.get("type") == "text")
    calls = [ToolCall(b.get("id", ""), b["name"], b.get("input") or {}) for b in ordered if b.get("type") == "tool_use"]
    yield Turn(text, calls, ordered)
