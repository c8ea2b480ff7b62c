"""The LLM tool loop against loopback fakes speaking the real OpenAI and Anthropic wire formats."""

from __future__ import annotations

import json
from datetime import date

import pytest
from chat_support import RESULTS, FakeProvider, FixedTools

from clearanalytics.chat.engine import ChatContext
from clearanalytics.chat.loop import MAX_ROUNDS, run_llm
from clearanalytics.chat.providers import AnthropicProvider, OpenAIProvider, ProviderError, make_provider
from clearanalytics.chat.tools import TenantTools
from tests.test_mcp_protocol import TOOL_NAMES

KEY = "sk-test-secret-123"
TODAY = date(2026, 3, 18)


def context(tools: FixedTools, history=None) -> ChatContext:
    return ChatContext("acme", TenantTools(tools, "acme"), TODAY, ["example.com"], history or [])


def openai_tool_call(call_id: str, name: str, arguments: dict) -> tuple[int, dict]:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
        ],
    }
    return 200, {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-test",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
    }


def openai_text(text: str) -> tuple[int, dict]:
    return 200, {
        "id": "chatcmpl-2",
        "object": "chat.completion",
        "model": "gpt-test",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
    }


def anthropic_message(blocks: list[dict], stop_reason: str) -> tuple[int, dict]:
    return 200, {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": blocks,
        "stop_reason": stop_reason,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def kinds(events: list[dict]) -> list[str]:
    """Event types, with a run of text deltas counted once (a stream cuts the text into pieces)."""
    out: list[str] = []
    for event in events:
        if not (event["type"] == "text" and out and out[-1] == "text"):
            out.append(event["type"])
    return out


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "whole"])
def test_openai_tool_calls_are_run_and_fed_back(stream):
    script = [
        openai_tool_call("call_1", "analytics-overview", {"from": "2026-03-09", "to": "2026-03-15"}),
        openai_text("You had 1,523 visitors last week."),
    ]
    tools = FixedTools()
    with FakeProvider(script, stream=stream) as fake:
        provider = OpenAIProvider(fake.url + "/v1", "gpt-test", KEY, timeout=5)
        events = list(run_llm(provider, "How many visitors did I have last week?", context(tools)))
    first, second = fake.requests
    assert first["path"] == "/v1/chat/completions"
    assert first["headers"]["authorization"] == f"Bearer {KEY}"
    body = first["body"]
    assert body["model"] == "gpt-test" and body["stream"] is True
    assert [t["function"]["name"] for t in body["tools"]] == list(TOOL_NAMES)
    assert all(t["type"] == "function" for t in body["tools"])
    assert all("tenant" not in t["function"]["parameters"]["properties"] for t in body["tools"])
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "2026-03-18" in body["messages"][0]["content"] and "example.com" in body["messages"][0]["content"]
    assert body["messages"][1] == {"role": "user", "content": "How many visitors did I have last week?"}
    messages = second["body"]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert messages[2]["tool_calls"][0]["id"] == "call_1"
    assert messages[3]["tool_call_id"] == "call_1"
    fed_back = json.loads(messages[3]["content"])
    assert fed_back == {"isError": False, "data": RESULTS["analytics-overview"], "summary": "analytics-overview result"}
    assert tools.calls == [("analytics-overview", {"from": "2026-03-09", "to": "2026-03-15", "tenant": "acme"})]
    assert kinds(events) == ["tool_call", "tool_result", "text", "done"]
    assert events[0] == {
        "type": "tool_call",
        "name": "analytics-overview",
        "arguments": {"from": "2026-03-09", "to": "2026-03-15", "tenant": "acme"},
    }
    done = events[-1]["message"]
    assert done["text"] == "You had 1,523 visitors last week."
    assert done["engine"] == "openai"
    assert done["tool_calls"] == [{"name": "analytics-overview", "arguments": events[0]["arguments"]}]


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "whole"])
def test_anthropic_tool_use_blocks_are_run_and_fed_back_as_tool_results(stream):
    script = [
        anthropic_message(
            [
                {"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "toolu_1", "name": "top-pages", "input": {"period": "30d", "limit": 2}},
            ],
            "tool_use",
        ),
        anthropic_message([{"type": "text", "text": "Your top page is / with 1,234 pageviews."}], "end_turn"),
    ]
    tools = FixedTools()
    history = [{"role": "user", "text": "hi"}, {"role": "assistant", "text": "Hello."}]
    with FakeProvider(script, stream=stream) as fake:
        provider = AnthropicProvider(fake.url, "claude-test", KEY, timeout=5)
        events = list(run_llm(provider, "top pages this month?", context(tools, history)))
    first, second = fake.requests
    assert first["path"] == "/v1/messages"
    assert first["headers"]["x-api-key"] == KEY
    assert first["headers"]["anthropic-version"] == "2023-06-01"
    body = first["body"]
    assert body["model"] == "claude-test" and body["max_tokens"] > 0 and body["stream"] is True
    assert "2026-03-18" in body["system"]
    assert [t["name"] for t in body["tools"]] == list(TOOL_NAMES)
    assert all("tenant" not in t["input_schema"]["properties"] for t in body["tools"])
    assert body["messages"] == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "top pages this month?"},
    ]
    messages = second["body"]["messages"]
    assert messages[3]["role"] == "assistant" and messages[3]["content"][1]["type"] == "tool_use"
    result_block = messages[4]["content"][0]
    assert messages[4]["role"] == "user"
    assert result_block["type"] == "tool_result" and result_block["tool_use_id"] == "toolu_1"
    assert json.loads(result_block["content"])["data"] == RESULTS["top-pages"]
    assert tools.calls == [("top-pages", {"period": "30d", "limit": 2, "tenant": "acme"})]
    assert kinds(events) == ["text", "tool_call", "tool_result", "text", "chart", "done"]
    done = events[-1]["message"]
    assert done["engine"] == "anthropic"
    assert done["text"] == "Let me look.\n\nYour top page is / with 1,234 pageviews."
    assert done["charts"][0]["labels"] == ["/", "/pricing"]


@pytest.mark.parametrize("provider_class", [OpenAIProvider, AnthropicProvider])
def test_the_system_prompt_names_the_site_on_screen(provider_class):
    """Opened on example.com's page, the model is told to answer for that site unless asked about all."""
    answer = (
        openai_text("ok")
        if provider_class is OpenAIProvider
        else anthropic_message([{"type": "text", "text": "ok"}], "end_turn")
    )
    prompts = []
    for site in ("shop.example", None):
        ctx = ChatContext("acme", TenantTools(FixedTools(), "acme"), TODAY, ["example.com", "shop.example"], site=site)
        with FakeProvider([answer]) as fake:
            list(run_llm(provider_class(fake.url, "m", KEY, timeout=5), "visitors?", ctx))
        body = fake.requests[0]["body"]
        prompts.append(body["system"] if "system" in body else body["messages"][0]["content"])
    with_site, without = prompts
    assert "The user's sites: example.com, shop.example." in with_site
    assert "looking at the analytics of shop.example" in with_site and "pass domain=shop.example" in with_site
    assert "looking at the analytics" not in without and "The user's sites: example.com, shop.example." in without


def test_a_model_cannot_name_another_tenant():
    script = [openai_tool_call("c", "languages", {"tenant": "someone-else"}), openai_text("ok")]
    tools = FixedTools()
    with FakeProvider(script) as fake:
        list(run_llm(OpenAIProvider(fake.url, "m", timeout=5), "languages?", context(tools)))
    assert tools.calls == [("languages", {"tenant": "acme"})]


def assert_fell_back(events, reason: str):
    notice = events[0]
    assert notice["type"] == "notice" and reason in notice["message"]
    assert KEY not in json.dumps(events)
    done = events[-1]["message"]
    assert done["engine"] == "builtin" and done["notice"] == notice["message"]
    assert done["text"].startswith("You had 1,523 visitors last week.")


def test_a_provider_that_times_out_falls_back_to_the_builtin_engine():
    tools = FixedTools()
    with FakeProvider([openai_text("too late")], delay=3) as fake:
        provider = OpenAIProvider(fake.url, "m", KEY, timeout=0.5)
        events = list(run_llm(provider, "How many visitors did I have last week?", context(tools)))
    assert_fell_back(events, "did not answer within 0.5 s")


@pytest.mark.parametrize("provider_class", [OpenAIProvider, AnthropicProvider])
def test_a_provider_answering_500_falls_back_and_never_shows_the_key(provider_class):
    error = (500, {"error": {"message": f"boom for key {KEY}", "type": "server_error"}})
    with FakeProvider([error]) as fake:
        provider = provider_class(fake.url, "m", KEY, timeout=5)
        events = list(run_llm(provider, "How many visitors did I have last week?", context(FixedTools())))
    assert_fell_back(events, "answered HTTP 500: boom for key [key]")


def test_an_unreachable_provider_falls_back():
    with FakeProvider([]) as fake:
        url = fake.url
    provider = AnthropicProvider(url, "m", KEY, timeout=2)
    events = list(run_llm(provider, "How many visitors did I have last week?", context(FixedTools())))
    assert_fell_back(events, "could not be reached")


def test_a_malformed_answer_falls_back():
    with FakeProvider([(200, {"unexpected": True})]) as fake:
        events = list(run_llm(OpenAIProvider(fake.url, "m", KEY), "visitors last week", context(FixedTools())))
    assert_fell_back(events, "sent no choices")


def test_the_rounds_are_bounded():
    script = [openai_tool_call(f"c{i}", "languages", {}) for i in range(MAX_ROUNDS + 3)]
    tools = FixedTools()
    with FakeProvider(script) as fake:
        events = list(run_llm(OpenAIProvider(fake.url, "m", KEY), "visitors last week", context(tools)))
    assert len(fake.requests) == MAX_ROUNDS
    assert [name for name, _ in tools.calls[:MAX_ROUNDS]] == ["languages"] * MAX_ROUNDS
    assert_fell_back([e for e in events if e["type"] not in ("tool_call", "tool_result")], "after 5 rounds")


def test_make_provider_reads_the_settings():
    assert make_provider({}) is None
    provider = make_provider({"LLM_PROVIDER": "openai", "LLM_MODEL": "llama3.2", "LLM_BASE_URL": "http://h:1/v1/"})
    assert (type(provider), provider.base_url, provider.model) == (OpenAIProvider, "http://h:1/v1", "llama3.2")
    provider = make_provider({"LLM_PROVIDER": "anthropic", "LLM_MODEL": "claude", "LLM_API_KEY": KEY})
    assert provider.base_url == "https://api.anthropic.com" and provider.api_key == KEY
    with pytest.raises(ProviderError, match="unknown LLM provider"):
        make_provider({"LLM_PROVIDER": "bard", "LLM_MODEL": "x"})
    with pytest.raises(ProviderError, match="no LLM model"):
        make_provider({"LLM_PROVIDER": "openai"})


def test_visitor_hashes_never_reach_the_provider():
    goals = {
        "goals": [
            {
                "name": "Signup",
                "completions": 1,
                "recent_conversions": [{"id": "c1", "visitor_hash": "abc123", "created_at": "2026-03-17T10:00:00Z"}],
            }
        ]
    }
    script = [openai_tool_call("c", "goals", {}), openai_text("One signup.")]
    with FakeProvider(script) as fake:
        list(run_llm(OpenAIProvider(fake.url, "m"), "goals?", context(FixedTools({"goals": goals}))))
    fed_back = json.loads(fake.requests[1]["body"]["messages"][-1]["content"])
    assert fed_back["data"]["goals"][0]["recent_conversions"] == [{"id": "c1", "created_at": "2026-03-17T10:00:00Z"}]
    assert "abc123" not in json.dumps(fake.requests)


@pytest.mark.parametrize("provider_class", [OpenAIProvider, AnthropicProvider])
def test_a_stream_that_stalls_half_way_falls_back(provider_class):
    answer = (
        openai_text("You had 1,523 visitors.")
        if provider_class is OpenAIProvider
        else anthropic_message([{"type": "text", "text": "You had 1,523 visitors."}], "end_turn")
    )
    stall_after = 3 if provider_class is OpenAIProvider else 5  # after two pieces of text either way
    with FakeProvider([answer], stream=True, stall_after=stall_after) as fake:
        provider = provider_class(fake.url, "m", KEY, timeout=0.5)
        events = list(run_llm(provider, "How many visitors did I have last week?", context(FixedTools())))
    notice_at = next(i for i, e in enumerate(events) if e["type"] == "notice")
    shown = "".join(e["delta"] for e in events[:notice_at] if e["type"] == "text")
    assert shown and "You had 1,523 visitors.".startswith(shown)  # part of the answer, before the stall
    notice = events[notice_at]
    assert "did not answer within 0.5 s" in notice["message"]
    assert events[-1]["message"]["engine"] == "builtin"
    assert events[-1]["message"]["text"].startswith("You had 1,523 visitors last week.")


def test_an_error_event_in_an_anthropic_stream_falls_back():
    class Overloaded(FakeProvider):
        def send_events(self, handler, answer):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/event-stream")
            handler.end_headers()
            error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
            handler.wfile.write(f"event: error\ndata: {json.dumps(error)}\n\n".encode())
            handler.close_connection = True

    with Overloaded([anthropic_message([], "end_turn")], stream=True) as fake:
        events = list(run_llm(AnthropicProvider(fake.url, "m", KEY), "visitors last week", context(FixedTools())))
    assert events[0] == {
        "type": "notice",
        "message": "The AI provider could not answer (the anthropic provider stopped: overloaded_error); "
        "the built-in assistant answers instead.",
    }
