"""The AI chat's LLM engine can use the extension tools: offered with their arguments, run in-process
through the real MCP registry on the imported stats dataset, their results fed back to the model."""

from __future__ import annotations

import json
from datetime import date

import pytest
from app_helpers import app_on
from chat_support import FakeProvider
from stats_dataset import NOW
from stats_expected import SessionExpected as Expected
from test_chat_llm import openai_text, openai_tool_call

from clearanalytics import accounts
from clearanalytics.chat.engine import ChatContext
from clearanalytics.chat.loop import run_llm
from clearanalytics.chat.providers import OpenAIProvider
from clearanalytics.chat.tools import RegistryRunner, TenantTools

ACME = ["shop.example", "blog.example"]


@pytest.fixture(scope="module")
def dataset(stats_import_data_dir):
    data_dir, data = stats_import_data_dir
    with app_on(data_dir, now=NOW) as app:
        yield data, app


def test_an_llm_calls_custom_properties_and_entry_exit_pages(dataset):
    data, app = dataset
    script = [
        openai_tool_call("call_1", "custom-properties", {"property": "plan", "period": "30d"}),
        openai_tool_call("call_2", "entry-exit-pages", {"period": "30d", "limit": 3}),
        openai_text("Done."),
    ]
    with app.extensions["clearanalytics.db"].reading() as cur, FakeProvider(script) as fake:
        tenant = accounts.get_tenant(cur, "acme")
        user = accounts.get_user(cur, "owner@acme.test")
        tools = TenantTools(RegistryRunner(cur, tenant.id, user.id, now=NOW), "acme")
        ctx = ChatContext("acme", tools, date(2026, 2, 19), ACME)
        events = list(run_llm(OpenAIProvider(fake.url, "m"), "which plans do clickers pick, and entry pages?", ctx))
    offered = {t["function"]["name"]: t["function"]["parameters"] for t in fake.requests[0]["body"]["tools"]}
    assert offered["custom-properties"]["required"] == ["property"]  # tenant is the session's, never shown
    assert {"realtime", "entry-exit-pages"} <= set(offered)
    properties = json.loads(fake.requests[1]["body"]["messages"][-1]["content"])
    pages = json.loads(fake.requests[2]["body"]["messages"][-1]["content"])
    month = Expected(data, ACME, {"period": "30d"}, NOW)
    assert properties["isError"] is False and properties["data"]["property"] == "plan"
    assert properties["data"]["properties"] == month.properties("plan") and month.properties("plan")
    top3 = Expected(data, ACME, {"period": "30d", "limit": 3}, NOW)
    assert pages["data"]["entry_pages"] == top3.entry_pages() and len(top3.entry_pages()) == 3
    assert pages["data"]["exit_pages"] == top3.exit_pages()
    assert events[-1]["message"]["text"] == "Done."
    assert [c["name"] for c in events[-1]["message"]["tool_calls"]] == ["custom-properties", "entry-exit-pages"]
