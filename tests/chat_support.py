"""Test helpers for the chat: a ToolRunner over fixed tool results, and loopback fake LLM providers.

`FixedTools` stands in for the MCP registry until that part is merged: it has the 12 tool
definitions of the reference and returns results shaped like the API's responses, and it
records every call so that tests can assert the exact arguments. The fake providers are
real HTTP servers on 127.0.0.1 (http.server in a thread) speaking the wire formats of
OpenAI Chat Completions and Anthropic Messages; each records the requests it received.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from clearanalytics.chat.engine import BuiltinEngine, ChatContext
from clearanalytics.chat.unclear import Unclear
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


# --- the golden set: judging the parser's reading of each question ---------------------------------

GOLDEN_PATH = Path(__file__).parent / "chat_golden.json"
RIGHT, HONEST, WRONG = "right", "honest miss", "wrong"
COMPARED = ("metric", "facet", "pick", "section", "rank", "series", "shown")
ALWAYS_COMPARED = ("pick", "section")  # compared even when a case does not name them: then there must be none


def in_groups(items: list, size: int) -> list[list]:
    """Items in groups, each group one test that names every item it finds wrong: one test per golden question cost
    the suite more in pytest's and xdist's bookkeeping (some 20,000 reports) than the checks."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def golden() -> dict:
    return json.loads(GOLDEN_PATH.read_text())


def golden_blocks() -> list[tuple[dict, dict]]:
    """(block settings, case) for every case: the first block (today 2026-03-18) and the dataset block."""
    data = golden()
    first = {"today": data["today"], "tenant": data["tenant"], "domains": data["domains"], "site_todays": {}}
    return [(first, case) for case in data["cases"]] + [(data["dataset"], case) for case in data["dataset"]["cases"]]


def read(block: dict, case: dict):
    """The built-in engine's reading of the case's question, after its history (as a conversation does)."""
    todays = {domain: date.fromisoformat(day) for domain, day in block.get("site_todays", {}).items()}
    ctx = ChatContext(block["tenant"], None, date.fromisoformat(block["today"]), block["domains"], [], todays)
    return BuiltinEngine().read_conversation([*case.get("history", []), case["q"]], ctx)


def judge(block: dict, case: dict) -> tuple[str, str]:
    """(verdict, why): right; an honest miss (said it did not understand); or wrong (answered something else).

    Kept per block and case: the golden test asks it of every case several times (its lists, score())."""
    verdict, why, _answered, _offers = _entry(block, case)
    return verdict, why


def reading_key(block: dict, case: dict) -> str:
    """The reading of a case as text (answered_as): equal for questions whose answers give the same figures."""
    return _entry(block, case)[2]


def answered_as(reading) -> str:
    """A reading as text, as far as its figures go: without its periods' words and labels. The figures come from the
    tool calls and the reading's other fields; a period's words are kept only to read it again in a follow-up, and its
    label only names it in the sentence, so "last week", "vorige week" and "9-15 February" give the same figures."""
    kept = {
        name: replace(period, words=None, label="")
        for name in ("period", "compare")
        if (period := getattr(reading, name, None))
    }
    return repr(replace(reading, **kept) if kept else reading)


def offers(block: dict, case: dict) -> list[str]:
    """The questions the reading of a case offers as buttons (an Unclear's suggestions), none for the others."""
    return [offer for offer, _clicked in _entry(block, case)[3]]


def offers_not_understood(block: dict, case: dict) -> list[tuple[str, str]]:
    """(offer, what it read as) for each offer of a case that, clicked, is not understood either.

    A click asks the offer in the same conversation, after the history and the question that offered it. Read with
    the case's record, so the xdist workers share these readings too (a fifth of the golden file's reading)."""
    return [(offer, clicked) for offer, clicked in _entry(block, case)[3] if clicked]


def _entry(block: dict, case: dict) -> list:
    """[verdict, why, reading as answered, offers]: the run's shared record, else read here."""
    key = _key(block, case)
    return shared_verdicts().get(key) or _record(key)


@cache
def _record(key: str) -> list:
    intent = _reading(key)
    block, case = _unkeyed(key)
    clicked = [[offer, _not_understood(block, case, offer)] for offer in getattr(intent, "suggestions", ())]
    return [*_judged(key), answered_as(intent), clicked]


def _not_understood(block: dict, case: dict, offer: str) -> str:
    """'' when the offer, clicked after the case's question, is understood; else what it read as."""
    again = read(block, {"q": offer, "history": [*case.get("history", []), case["q"]]})
    return "" if again is not None and not hasattr(again, "part") else repr(again)


def _key(block: dict, case: dict) -> str:
    return json.dumps([block.get("today"), block.get("site_todays"), case], sort_keys=True)


@cache
def shared_verdicts() -> dict[str, list]:
    """Every golden case's [verdict, why, reading, offers], read once per test run and shared by the xdist workers.

    Both golden test files need every verdict (some 27,000 readings, most of a minute), and every worker collects
    both. The cases are cut into one shard per worker; each worker reads its own shard first and then the others,
    each shard under its own file lock: the first to take a shard reads and writes it, a later one loads the file.
    So the workers read in parallel, and a worker that is late (or gone) costs only its shard, read by another.
    Outside xdist, nothing is shared and each verdict is read when asked."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        return {}
    count = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    own = int(worker[2:]) % count if worker[2:].isdigit() else 0
    cases = golden_blocks_cached()
    verdicts: dict[str, list] = {}
    for shard in [*range(own, count), *range(own)]:
        path = Path(tempfile.gettempdir()) / f"clearanalytics-golden-{run}-{shard}-of-{count}.json"
        verdicts.update(_shard(path, cases[shard::count]))
    return verdicts


def _shard(path: Path, cases: tuple[tuple[dict, dict], ...]) -> dict[str, list]:
    """One shard's records: loaded when another worker wrote it, else read here and written for the others."""
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return json.loads(path.read_text())
        records = {}
        for block, case in cases:
            key = _key(block, case)
            records[key] = _record(key)
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(records))
        partial.replace(path)
        WRITTEN.extend((path, path.with_suffix(".lock")))
        return records


WRITTEN: list[Path] = []  # this worker's shard files, removed when its session ends (conftest.pytest_sessionfinish)


def remove_written_shards() -> None:
    """Every worker has collected (and so loaded every shard) before any runs a test: by the end, none is needed."""
    for path in WRITTEN:
        path.unlink(missing_ok=True)


@cache
def _judged(key: str) -> tuple[str, str]:
    block, case = _unkeyed(key)
    return _judge(block, case)


def reading(block: dict, case: dict):
    """read(), kept per block and case."""
    return _reading(_key(block, case))


@cache
def _reading(key: str):
    block, case = _unkeyed(key)
    return read(block, case)


def _unkeyed(key: str) -> tuple[dict, dict]:
    """The block and case a _key() names."""
    (today, site_todays, case) = json.loads(key)
    block = next(
        b for b, c in golden_blocks_cached() if b.get("today") == today and b.get("site_todays") == site_todays
    )
    return block, case


@cache
def golden_blocks_cached() -> tuple[tuple[dict, dict], ...]:
    return tuple(golden_blocks())


def _judge(block: dict, case: dict) -> tuple[str, str]:
    intent = reading(block, case)
    if "unclear" in case:
        if isinstance(intent, Unclear):
            return (RIGHT, "") if intent.part == case["unclear"] else (HONEST, f"unclear {intent.part}")
        return (HONEST, "help text") if intent is None else (WRONG, f"answered {intent.tool} {intent.arguments}")
    if intent is None or isinstance(intent, Unclear):
        return HONEST, "help text" if intent is None else f"unclear {intent.part}: {intent.fragment}"
    expected_args = {"tenant": block["tenant"], **case["arguments"]} if case["tool"] != "list-sites" else None
    got = {"tool": intent.tool, "arguments": intent.arguments if expected_args else None}
    want = {"tool": case["tool"], "arguments": expected_args}
    for key in COMPARED:
        if key in case or key in ALWAYS_COMPARED:  # a row or section read that the question did not name narrows it
            got[key], want[key] = getattr(intent, key), case.get(key)
    if "compare" in case:
        got["compare"] = intent.compare.arguments() if intent.compare else None
        want["compare"] = case["compare"]
    elif intent.tool in ("analytics-overview", "ecommerce-overview"):
        got["compare"], want["compare"] = intent.compare is not None, False
    if intent.tool in ("analytics-overview", "ecommerce-overview") and "series" not in case:
        got["series"], want["series"] = intent.series, None  # a total asked, not one figure per week or month
    if intent.tool == "top-pages" and not (intent.pick or intent.section):  # the list's order: pageviews by default
        got["order"], want["order"] = intent.metric or "pageviews", case.get("metric") or "pageviews"
    if got == want:
        return RIGHT, ""
    return WRONG, "; ".join(f"{k}: got {got[k]!r}, want {want[k]!r}" for k in want if got.get(k) != want[k])


def score() -> dict[str, dict]:
    """Counts per split (tuned, held out, all) and the cases that were not right."""
    splits: dict[str, dict] = {}
    for block, case in golden_blocks():
        verdict, why = judge(block, case)
        for name in ("held out" if case.get("held_out") else "tuned", "all"):
            split = splits.setdefault(name, {RIGHT: 0, HONEST: 0, WRONG: 0, "misses": []})
            split[verdict] += 1
            if verdict != RIGHT and name != "all":
                split["misses"].append((case["q"], verdict, why))
    for split in splits.values():
        split["total"] = split[RIGHT] + split[HONEST] + split[WRONG]
        split["accuracy"] = split[RIGHT] / split["total"]
    return splits


if __name__ == "__main__":  # python3 -m tests.chat_support: the golden-set figures docs/CHAT.md quotes
    for name, split in score().items():
        print(
            f"{name:9} {split['total']:4} questions: {split[RIGHT]:4} right ({split['accuracy']:.1%}), "
            f"{split[HONEST]} honest misses, {split[WRONG]} wrong (silent substitutions)"
        )
        if name == "tuned":  # the held-out batch's misses are not shown: nothing is tuned against them
            for question, verdict, why in split.get("misses", []):
                print(f"    {verdict}: {question!r} ({why})")
