"""The chat route on the real app and database: session, CSRF, tenant, plan and rate-limit checks, NDJSON events."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from chat_support import FakeProvider, FixedTools
from conftest import REPO_ROOT, cli_env, make_account
from dashboard_helpers import session_for

from clearanalytics import accounts

CSRF = "test-csrf-token"


@pytest.fixture
def chat(account, make_app):
    """An app over a real data dir (tenant acme, site example.com) with the fixed tools installed."""
    make_account(account.data_dir, tenant="other", site="other.example", email="other@example.com")

    def build(**config):
        app = make_app(account.data_dir, **{"llm_provider": "", **config})
        tools = FixedTools()
        app.extensions["clearanalytics.chat.tools"] = lambda cursor, tenant_id, user_id: tools
        db = app.extensions["clearanalytics.db"]
        with db.reading() as cur:
            user = accounts.get_user(cur, account.email)
        client = app.test_client()
        session_for(app, client, user.id, CSRF)
        return app, client, tools

    return build


def post(client, question, tenant="acme", csrf=CSRF):
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.post(f"/dashboard/{tenant}/chat", json={"question": question}, headers=headers)


def events_of(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/x-ndjson"
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_a_question_streams_tool_calls_text_chart_and_done(chat):
    _app, client, tools = chat()
    events = events_of(post(client, "How many visitors did I have last week?"))
    assert [e["type"] for e in events] == [
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "text",
        "chart",
        "done",
    ]
    assert events[0]["name"] == "analytics-overview" and events[0]["arguments"]["tenant"] == "acme"
    assert events[-1]["message"]["text"].startswith("You had 1,523 visitors last week.")
    assert [name for name, _ in tools.calls] == ["analytics-overview", "daily-breakdown"]


def test_the_conversation_is_kept_per_session_and_can_be_reset(chat):
    _app, client, _tools = chat()
    events_of(post(client, "top pages"))
    events_of(post(client, "which browsers?"))
    messages = client.get("/dashboard/acme/chat").get_json()["data"]["messages"]
    assert [(m["role"], m["text"][:11]) for m in messages] == [
        ("user", "top pages"),
        ("assistant", "Top pages i"),
        ("user", "which brows"),
        ("assistant", "Top browser"),
    ]
    other_session = _app.test_client()
    with client.session_transaction() as mine:
        session_for(_app, other_session, mine["user_id"], CSRF)
    assert other_session.get("/dashboard/acme/chat").get_json()["data"]["messages"] == []
    reset = client.post("/dashboard/acme/chat/reset", headers={"X-CSRF-Token": CSRF})
    assert reset.status_code == 200
    assert client.get("/dashboard/acme/chat").get_json()["data"]["messages"] == []


def test_the_checks(chat):
    app, client, tools = chat(chat_rate_limit="3/minute")
    assert app.test_client().post("/dashboard/acme/chat", json={"question": "hi"}).get_json() == {
        "message": "Unauthenticated."
    }
    assert app.test_client().post("/dashboard/acme/chat", json={"question": "hi"}).status_code == 401
    response = post(client, "visitors", csrf=None)
    assert (response.status_code, response.get_json()) == (400, {"message": "CSRF token missing or invalid."})
    assert post(client, "visitors", csrf="wrong").status_code == 400
    assert post(client, "visitors", tenant="other").status_code == 404
    assert post(client, "visitors", tenant="nobody").status_code == 404
    response = client.post("/dashboard/acme/chat", json={"question": "  "}, headers={"X-CSRF-Token": CSRF})
    assert (response.status_code, response.get_json()) == (
        422,
        {"message": "The question field is required.", "errors": {"question": ["The question field is required."]}},
    )
    response = client.post("/dashboard/acme/chat", data="not json", headers={"X-CSRF-Token": CSRF})
    assert response.status_code == 422
    assert post(client, "x" * 501).status_code == 422
    for _ in range(3):
        assert events_of(post(client, "visitors"))[-1]["type"] == "done"
    limited = post(client, "visitors")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert tools.calls and all(args["tenant"] == "acme" for _name, args in tools.calls)


def test_the_pages_site_is_the_default_and_must_be_one_of_the_tenants(chat):
    _app, client, tools = chat()
    ask = {"question": "How many visitors did I have last week?", "site": "example.com"}
    events = events_of(client.post("/dashboard/acme/chat", json=ask, headers={"X-CSRF-Token": CSRF}))
    assert events[0]["arguments"]["domain"] == "example.com"
    assert events[-1]["message"]["text"].startswith("You had 1,523 visitors on example.com last week.")
    ask["question"] = "How many visitors did I have last week across all my sites?"
    events = events_of(client.post("/dashboard/acme/chat", json=ask, headers={"X-CSRF-Token": CSRF}))
    assert "domain" not in events[0]["arguments"]
    assert events[-1]["message"]["text"].startswith("You had 1,523 visitors across all your sites last week.")
    calls = len(tools.calls)
    for site, message in (
        (42, "The site field must be a domain such as example.com."),
        (["example.com"], "The site field must be a domain such as example.com."),
        ("other.example", "The site field must be one of this tenant's sites."),  # another tenant's site
        ("nowhere.example", "The site field must be one of this tenant's sites."),
    ):
        response = client.post(
            "/dashboard/acme/chat", json={"question": "visitors", "site": site}, headers={"X-CSRF-Token": CSRF}
        )
        assert (response.status_code, response.get_json()) == (422, {"message": message, "errors": {"site": [message]}})
    assert len(tools.calls) == calls
    for site in (None, ""):  # no site on screen: the whole tenant, as before
        response = client.post(
            "/dashboard/acme/chat", json={"question": "visitors", "site": site}, headers={"X-CSRF-Token": CSRF}
        )
        assert "domain" not in events_of(response)[0]["arguments"]


def test_a_free_plan_tenant_gets_403(chat):
    app, client, tools = chat()
    with app.extensions["clearanalytics.db"].transaction() as cur:
        accounts.update_tenant(cur, accounts.get_tenant(cur, "acme"), plan="free")
    response = post(client, "visitors")
    assert response.status_code == 403
    assert "Pro, Growth and Business" in response.get_json()["message"]
    assert client.get("/dashboard/acme/chat").status_code == 403
    assert tools.calls == []


def test_a_configured_llm_answers_through_the_route(chat):
    answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "About 1,523."}}]}
    with FakeProvider([(200, answer)]) as fake:
        _app, client, _tools = chat(llm_provider="openai", llm_model="m", llm_base_url=fake.url, llm_api_key="k")
        events = events_of(post(client, "How many visitors?"))
    assert events[-1]["message"] == {"text": "About 1,523.", "charts": [], "tool_calls": [], "engine": "openai"}
    assert fake.requests[0]["body"]["messages"][-1] == {"role": "user", "content": "How many visitors?"}


def test_a_misconfigured_llm_falls_back_with_a_notice(chat):
    _app, client, _tools = chat(llm_provider="openai")
    events = events_of(post(client, "How many visitors did I have last week?"))
    assert events[0] == {
        "type": "notice",
        "message": "The AI provider could not answer (no LLM model is configured (CLEARANALYTICS_LLM_MODEL)); "
        "the built-in assistant answers instead.",
    }
    assert events[-1]["message"]["engine"] == "builtin"


def test_a_broken_tool_ends_the_stream_with_a_message(chat):
    app, client, _tools = chat()

    def broken(cursor, tenant_id, user_id):
        raise RuntimeError("no registry")

    app.extensions["clearanalytics.chat.tools"] = broken
    events = events_of(post(client, "visitors"))
    assert events == [{"type": "error", "message": "Something went wrong on our side."}]


def test_the_panel_partial_renders_for_ai_plans_only(chat):
    app, _client, _tools = chat()
    from flask import g, render_template_string

    template = '{% if chat_enabled(g.tenant) %}{% include "chat/panel.html" %}{% endif %}'
    with app.test_request_context("/dashboard/acme/"):
        with app.extensions["clearanalytics.db"].reading() as cur:
            g.tenant = accounts.get_tenant(cur, "acme")
        html = render_template_string(template)
        assert 'data-url="/dashboard/acme/chat"' in html and 'data-reset-url="/dashboard/acme/chat/reset"' in html
        assert "/static/chat.js" in html and "<script>" not in html
        assert 'data-site=""' in html  # no site on screen
        assert 'data-site="example.com"' in render_template_string(template, chat_site="example.com")
        g.tenant = accounts.Tenant(g.tenant.id, "acme", "Acme", "free")
        assert render_template_string(template).strip() == ""


def test_the_app_is_made_without_the_engine_and_its_first_question_loads_it(account):
    """The engine's patterns are compiled on the first question, not at every server's start (chat/routes.py); the MCP
    SDK's models are imported on the first MCP request (mcp/routes.py)."""
    script = f"""
import sys
from pathlib import Path
from tests.app_helpers import new_app
app = new_app(Path({str(account.data_dir)!r}), llm_provider="")  # create_app, as `serve` makes it
print(*(name in sys.modules for name in ("clearanalytics.chat.engine", "clearanalytics.chat.lexicon", "mcp_types")))
from tests.dashboard_helpers import session_for
from clearanalytics import accounts
with app.extensions["clearanalytics.db"].reading() as cur:
    user = accounts.get_user(cur, {account.email!r})
client = app.test_client()
session_for(app, client, user.id, "t")
answer = client.post("/dashboard/acme/chat", json={{"question": "visitors today?"}}, headers={{"X-CSRF-Token": "t"}})
done = '"type": "done"' in answer.get_data(as_text=True)
print(answer.status_code, "clearanalytics.chat.engine" in sys.modules, done)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=cli_env(), cwd=REPO_ROOT
    )
    assert result.stdout.splitlines() == ["False False False", "200 True True"], result.stderr[-3000:]
