"""The chat on a shared link (issue [7/7] item 1, "chat (unless allowed)"): allowed per link, its site and panels only.

The app is the stats dataset's (tests/stats_dataset.py: tenant acme with shop.example and blog.example, tenant
rival with rival.example) on both set-ups (the DuckDB file, and accounts in a real PostgreSQL with events in
ClickHouse), as tests/test_shared_links.py. Links are made through the settings form; the chat is asked as a
visitor's browser asks it (the page's chat token in X-CSRF-Token, ndjson back), with the built-in engine (no
LLM) unless a test configures the loopback fake provider of tests/test_chat_llm.py. Expected numbers come from
the dataset's rows (tests/stats_expected.py), never from the engine.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from html import unescape

import pytest
from chat_support import FakeProvider
from test_chat_llm import openai_text, openai_tool_call

from clearanalytics import accounts, share_links
from clearanalytics.chat.share_tools import SHARED_TENANT, TOOL_PANELS, ShareTools
from clearanalytics.mcp import tools as registry
from clearanalytics.migrations import MIGRATIONS, migrate
from tests import stats_dataset
from tests.app_helpers import tampered
from tests.dashboard_helpers import csrf_from, login
from tests.split_helpers import stats_app
from tests.stats_expected import Expected

SETTINGS = "/dashboard/acme/settings/shared-links"
OWNER, PASSWORD = "owner@acme.test", "correct-horse-battery"
LINK_URL = re.compile(r"data-share-url>([^<]+)<")
CHAT_TOKEN = re.compile(r'data-csrf="([^"]+)"')
LAST_WEEK = {"from": "2026-02-09", "to": "2026-02-15"}  # NOW is Wednesday 2026-02-18
NOT_HERE = ("blog.example", "rival.example", "acme", "Acme", "rival", "owner@")  # never in a shared answer


@pytest.fixture(scope="module")
def setup(stats_data_dir, stats_setup, request):
    data_dir, data = stats_data_dir
    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    with stats_app(data_dir, data, stats_setup, pg, now=stats_dataset.NOW.isoformat(), llm_provider="") as app:
        owner = app.test_client()
        assert login(owner, OWNER, PASSWORD).status_code == 302
        yield app, owner, data


def create(owner, chat: bool = True, **fields) -> str:
    """A link made through the settings form (`allow_chat` ticked when `chat`); returns its path /share/<key>."""
    page = owner.get(SETTINGS)
    before = set(LINK_URL.findall(page.text))
    form = {"site": "shop.example", "name": "Client", "csrf_token": csrf_from(page.text), "all_panels": "on"} | fields
    if fields.get("panels"):
        form.pop("all_panels")
    if chat:
        form["allow_chat"] = "on"
    response = owner.post(SETTINGS, data=form)
    assert response.status_code == 302, response.text
    added = set(LINK_URL.findall(owner.get(SETTINGS).text)) - before
    assert len(added) == 1, added
    return "/share/" + unescape(added.pop()).rsplit("/share/", 1)[1]


def revoke(owner, path: str) -> None:
    link_id = path.removeprefix("/share/").split(".", 1)[0]
    response = owner.post(f"{SETTINGS}/{link_id}/revoke", data={"csrf_token": csrf_from(owner.get(SETTINGS).text)})
    assert response.status_code == 302


def chat_token(visitor, path: str) -> str:
    """The chat token of the link's page: what chat.js sends; the page must show the chat panel."""
    page = visitor.get(path)
    assert page.status_code == 200 and "chat.js" in page.text and f'data-url="{path}/chat"' in page.text
    return unescape(CHAT_TOKEN.search(page.text).group(1))


def ask(visitor, path: str, question: str, token: str, **body) -> tuple[int, list[dict]]:
    """POST a question as chat.js does; the status and the ndjson events (or the JSON error body)."""
    answer = visitor.post(
        f"{path}/chat", json={"question": question, **body}, headers={"X-CSRF-Token": token, "Accept": "*/*"}
    )
    if answer.mimetype != "application/x-ndjson":
        return answer.status_code, [answer.json]
    return answer.status_code, [json.loads(line) for line in answer.text.splitlines() if line.strip()]


def answer_of(visitor, path: str, question: str, token: str) -> dict:
    status, events = ask(visitor, path, question, token)
    assert status == 200, events
    assert events[-1]["type"] == "done", events
    return events[-1]["message"]


def assert_nothing_leaks(events_or_message) -> None:
    text = json.dumps(events_or_message)
    for word in NOT_HERE:
        assert word not in text, (word, text)


@contextmanager
def config(app, **settings):
    old = {k: app.config.get(k) for k in settings}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(old)


# --- the setting ------------------------------------------------------------------------------------------------


def test_the_chat_switch_is_off_by_default_stored_listed_and_behind_csrf(setup):
    app, owner, _data = setup
    plain = create(owner, chat=False, name="Without chat")
    chatty = create(owner, name="With chat")
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        stored = dict(cur.execute("SELECT name, allow_chat FROM shared_links").fetchall())
    assert stored["Without chat"] is False and stored["With chat"] is True
    listing = owner.get(SETTINGS).text
    items = {m.group(1): m.group(2) for m in re.finditer(r'data-link-id="(\w+)">(.*?)</li>', listing, re.S)}
    plain_id, chatty_id = (p.removeprefix("/share/").split(".")[0] for p in (plain, chatty))
    assert "chat: off" in items[plain_id] and "data-share-chat" not in items[plain_id]
    assert "chat: allowed" in items[chatty_id] and "data-share-chat" in items[chatty_id]
    assert 'name="allow_chat"' in listing and 'id="f-allow_chat"' in listing
    before = len(stored)
    form = {"site": "shop.example", "name": "Forged", "all_panels": "on", "allow_chat": "on"}
    assert owner.post(SETTINGS, data=form).status_code == 400  # no CSRF token: refused, nothing made
    with db.reading() as cur:
        assert cur.execute("SELECT count(*) FROM shared_links").fetchone()[0] == before


def test_links_made_before_the_migration_do_not_allow_the_chat(tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrate(con, upto=len(MIGRATIONS) - 1)
    con.execute(
        "INSERT INTO shared_links (id, site_id, name, secret_hash, password_hash, panels, embed_origins, created_at)"
        " VALUES ('l1', 's1', 'Old', 'h', NULL, NULL, '', now())"
    )
    assert migrate(con) == ["m014_sharechat"]
    assert con.execute("SELECT allow_chat FROM shared_links").fetchall() == [(False,)]


# --- answers: the link's site and panels, nothing else ---------------------------------------------------------


def test_a_chat_link_answers_with_its_sites_numbers(setup):
    app, owner, data = setup
    path = create(owner)
    visitor = app.test_client()
    token = chat_token(visitor, path)
    expected = Expected(data, ["shop.example"], LAST_WEEK, stats_dataset.NOW).overview_values()
    message = answer_of(visitor, path, "How many visitors did I have last week?", token)
    assert f"{expected['visitors']:,} visitors" in message["text"], message["text"]
    assert message["tool_calls"][0] == {
        "name": "analytics-overview",
        "arguments": {"tenant": SHARED_TENANT, "domain": "shop.example", **LAST_WEEK},
    }
    pages = Expected(data, ["shop.example"], LAST_WEEK, stats_dataset.NOW).pages()
    top = answer_of(visitor, path, "top pages last week", token)
    assert pages[0]["pathname"] in top["text"] and f"{pages[0]['pageviews']:,}" in json.dumps(top), top
    sites = answer_of(visitor, path, "which sites do I have?", token)
    assert "shop.example" in sites["text"], sites["text"]
    assert_nothing_leaks([message, top, sites])


def test_another_site_all_sites_or_a_hidden_panel_get_a_refusal_and_no_data(setup):
    app, owner, data = setup
    path = create(owner, panels=["kpis", "chart"])
    visitor = app.test_client()
    token = chat_token(visitor, path)
    blog = Expected(data, ["blog.example"], LAST_WEEK, stats_dataset.NOW).overview_values()["visitors"]
    for question in (
        "How many visitors did blog.example have last week?",
        "visitors on rival.example last week",
        "How many visitors across all my sites last week?",
    ):
        message = answer_of(visitor, path, question, token)
        assert "shows shop.example only" in message["text"], (question, message["text"])
        assert message["charts"] == [] and f"{blog:,}" not in message["text"], question
        assert_nothing_leaks([message["text"], message.get("suggestions")])  # the tool call echoes the question
    for question, panel in (("top pages last week", "Top pages"), ("where do my visitors come from?", "Channels")):
        message = answer_of(visitor, path, question, token)
        assert f"does not show the {panel} panel" in message["text"], (question, message["text"])
        assert message["charts"] == [], question
        assert_nothing_leaks(message)
    # the panels it shows still answer
    mine = Expected(data, ["shop.example"], LAST_WEEK, stats_dataset.NOW).overview_values()["visitors"]
    assert f"{mine:,} visitors" in answer_of(visitor, path, "visitors last week", token)["text"]


def test_the_runner_itself_holds_the_link_to_its_site_panels_and_no_tenant(setup):
    app, owner, data = setup
    path = create(owner, panels=["kpis", "pages"])
    link_id = path.removeprefix("/share/").split(".")[0]
    db = app.extensions["clearanalytics.db"]
    with db.reading() as cur:
        link, site = share_links.verify_key(cur, path.removeprefix("/share/"))
        tenant = accounts.get_tenant(cur, "acme")
        tools = ShareTools(cur, link, site, tenant, stats_dataset.NOW)
        assert link.id == link_id and sorted(t["name"] for t in tools.list()) == [
            "analytics-overview",
            "list-sites",
            "top-pages",
        ]
        for tool in tools.list():
            schema = tool["inputSchema"]
            assert "tenant" not in schema["properties"] and schema["properties"]["domain"]["enum"] == ["shop.example"]
        good = tools.call("analytics-overview", {"tenant": "rival", "domain": "shop.example", **LAST_WEEK})
        expected = Expected(data, ["shop.example"], LAST_WEEK, stats_dataset.NOW).overview_values()
        assert not good["isError"] and good["structuredContent"]["overview"]["visitors"] == expected["visitors"]
        assert good["structuredContent"]["tenant"] == SHARED_TENANT
        for arguments in ({"domain": "blog.example"}, {"domain": "rival.example"}, {}, {"domain": ["x"]}):
            refused = tools.call("analytics-overview", arguments)
            assert refused["isError"] and "structuredContent" not in refused or not refused["structuredContent"]
        for name in ("traffic-sources", "hourly-breakdown", "goals", "no-such-tool"):
            assert tools.call(name, {"domain": "shop.example"})["isError"], name
        sites = tools.call("list-sites", {})
        assert sites["structuredContent"]["sites"] == [
            {"domain": "shop.example", "timezone": site.timezone, "currency": site.currency}
        ]
        assert_nothing_leaks([good, sites, tools.list()])


def test_every_tool_has_its_panels_stated():
    """A new MCP tool must say which panels it answers from before a shared link can use it."""
    assert sorted(TOOL_PANELS) == sorted(registry.tool_names())
    known = {panel for panel, _title in share_links.panel_ids()}
    assert all(set(panels or ()) <= known for panels in TOOL_PANELS.values())


# --- when there is no chat: 404 -------------------------------------------------------------------------------


def chat_routes(visitor, path: str, token: str = "") -> dict[str, int]:
    headers = {"X-CSRF-Token": token}
    return {
        "ask": visitor.post(f"{path}/chat", json={"question": "visitors last week"}, headers=headers).status_code,
        "history": visitor.get(f"{path}/chat").status_code,
        "reset": visitor.post(f"{path}/chat/reset", headers=headers).status_code,
    }


NOT_FOUND = {"ask": 404, "history": 404, "reset": 404}


def test_no_chat_on_a_link_that_does_not_allow_it(setup):
    app, owner, _data = setup
    path = create(owner, chat=False)
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "data-chat" not in page.text and "chat.js" not in page.text
    assert chat_routes(visitor, path) == NOT_FOUND
    assert visitor.get(f"{path}/chat").json == {"message": "Not found."}


def test_a_revoked_links_chat_dies_at_once(setup):
    app, owner, _data = setup
    path = create(owner)
    visitor = app.test_client()
    token = chat_token(visitor, path)
    assert answer_of(visitor, path, "visitors last week", token)["text"]
    assert visitor.get(f"{path}/chat").status_code == 200
    revoke(owner, path)
    assert chat_routes(visitor, path, token) == NOT_FOUND


def test_a_password_link_opens_its_chat_only_after_the_password(setup):
    app, owner, data = setup
    path = create(owner, password="open-sesame-42")
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 401 and "data-chat" not in page.text
    assert chat_routes(visitor, path) == NOT_FOUND
    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    assert visitor.post(path, data={"form_token": form_token, "password": "open-sesame-42"}).status_code == 302
    token = chat_token(visitor, path)
    expected = Expected(data, ["shop.example"], LAST_WEEK, stats_dataset.NOW).overview_values()["visitors"]
    assert f"{expected:,} visitors" in answer_of(visitor, path, "visitors last week", token)["text"]
    assert chat_routes(app.test_client(), path, token) == NOT_FOUND  # another browser, without the cookie


def test_a_tenant_without_the_chat_in_its_plan_has_no_shared_chat(setup):
    app, owner, _data = setup
    path = create(owner)
    visitor = app.test_client()
    token = chat_token(visitor, path)
    db = app.extensions["clearanalytics.db"]

    def set_plan(plan: str) -> None:
        with db.transaction() as cur:
            tenant = accounts.get_tenant(cur, "acme")
            accounts.update_tenant(cur, tenant, plan=plan)

    set_plan("free")
    try:
        assert "data-chat" not in visitor.get(path).text
        assert chat_routes(visitor, path, token) == NOT_FOUND
    finally:
        set_plan("business")
    assert chat_routes(visitor, path, token)["history"] == 200


# --- isolation --------------------------------------------------------------------------------------------------


def test_the_chat_routes_open_nothing_with_another_links_parts_site_or_token(setup):
    app, owner, _data = setup
    path = create(owner)
    other = create(owner, site="blog.example")
    link_id, secret = path.removeprefix("/share/").split(".", 1)
    other_id, other_secret = other.removeprefix("/share/").split(".", 1)
    visitor = app.test_client()
    token, other_token = chat_token(visitor, path), chat_token(visitor, other)
    wrongs = (f"{other_id}.{secret}", f"{link_id}.{other_secret}", f"{link_id}.{tampered(secret)}", link_id, "x" * 300)
    for wrong in wrongs:
        assert chat_routes(visitor, f"/share/{wrong}", token) == NOT_FOUND, wrong
    # another link's token, none, or a forged one: refused before anything runs
    for bad in (other_token, "", "forged"):
        status, events = ask(visitor, path, "visitors last week", bad)
        assert status == 400 and "token" in events[0]["message"], bad
        assert visitor.post(f"{path}/chat/reset", headers={"X-CSRF-Token": bad}).status_code == 400
    # the body may not name another site or tenant
    for site in ("blog.example", "rival.example"):
        status, events = ask(visitor, path, "visitors last week", token, site=site)
        assert status == 422 and events[0]["errors"] == {"site": ["The site field must be this shared link's site."]}
        assert_nothing_leaks(events)
    status, events = ask(visitor, path, "visitors last week", token, site="shop.example", tenant="rival")
    assert status == 200 and events[-1]["message"]["tool_calls"][0]["arguments"]["domain"] == "shop.example"
    # the dashboard's own chat stays closed to a visitor who has only the link
    assert visitor.post("/dashboard/acme/chat", json={"question": "visitors"}).status_code == 401
    assert visitor.post("/dashboard/rival/chat", json={"question": "visitors"}).status_code == 401


def test_the_conversation_is_per_link_and_browser(setup):
    app, owner, _data = setup
    path, other = create(owner), create(owner)
    first, second = app.test_client(), app.test_client()
    token = chat_token(first, path)
    answer = first.post(f"{path}/chat", json={"question": "visitors last week"}, headers={"X-CSRF-Token": token})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and f"Path={path}" in cookie and cookie.startswith("ca_share_chat_")
    assert '"type": "done"' in answer.text  # the conversation is kept once the answer is done
    mine = first.get(f"{path}/chat").json["data"]["messages"]
    assert [m["role"] for m in mine] == ["user", "assistant"] and mine[0]["text"] == "visitors last week"
    assert second.get(f"{path}/chat").json["data"]["messages"] == []  # another visitor of the same link
    assert first.get(f"{other}/chat").json["data"]["messages"] == []  # the same browser on another link
    assert first.post(f"{path}/chat/reset", headers={"X-CSRF-Token": token}).status_code == 200
    assert first.get(f"{path}/chat").json["data"]["messages"] == []


def test_the_shared_chat_is_rate_limited_per_link(setup):
    app, owner, _data = setup
    path, other = create(owner), create(owner)
    with config(app, CHAT_RATE_LIMIT="2/minute"):
        one, two = app.test_client(), app.test_client()
        token = chat_token(one, path)
        assert ask(one, path, "visitors last week", token)[0] == 200
        assert ask(two, path, "visitors last week", token)[0] == 200
        answer = one.post(f"{path}/chat", json={"question": "visitors"}, headers={"X-CSRF-Token": token})
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0  # the link's, whoever asks
        assert answer.json == {"message": "Too many questions; wait a moment and ask again."}
        assert ask(one, other, "visitors last week", chat_token(one, other))[0] == 200  # another link is not held up


# --- a configured LLM gets the same restricted tools -------------------------------------------------------------


def test_a_configured_llm_sees_only_the_links_tools_and_gets_refusals(setup):
    app, owner, data = setup
    path = create(owner, panels=["kpis", "pages"])
    visitor = app.test_client()
    token = chat_token(visitor, path)
    script = [
        openai_tool_call("call_1", "analytics-overview", {"domain": "blog.example", **LAST_WEEK}),
        openai_tool_call("call_2", "analytics-overview", {"domain": "shop.example", "tenant": "rival", **LAST_WEEK}),
        openai_text("Done."),
    ]
    with FakeProvider(script) as fake:
        settings = {"LLM_PROVIDER": "openai", "LLM_MODEL": "gpt-test", "LLM_BASE_URL": fake.url + "/v1"}
        with config(app, LLM_API_KEY="sk-test", **settings):
            message = answer_of(visitor, path, "How many visitors did blog.example have last week?", token)
    assert message["engine"] == "openai" and message["text"] == "Done."
    first = fake.requests[0]["body"]
    offered = sorted(tool["function"]["name"] for tool in first["tools"])
    assert offered == ["analytics-overview", "list-sites", "top-pages"]
    prompt = first["messages"][0]["content"]
    assert "shop.example" in prompt and "only" in prompt and "blog.example" not in json.dumps([prompt, first["tools"]])
    results = [m["content"] for m in fake.requests[2]["body"]["messages"] if m["role"] == "tool"]
    assert "shows shop.example only" in results[0] and '"isError":true' in results[0]
    expected = Expected(data, ["shop.example"], LAST_WEEK, stats_dataset.NOW).overview_values()["visitors"]
    assert json.loads(results[1])["data"]["overview"]["visitors"] == expected
    assert_nothing_leaks([prompt, first["tools"], results, message["text"]])  # the question alone names blog
