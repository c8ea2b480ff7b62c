"""The chat on a shared link in headless Chromium against a real `clearanalytics serve` ([7/7] item 1).

The owner ticks "Allow the chat" when creating a link; a visitor with no account opens the link, opens the
AI panel, asks for the last 7 days' visitors and sees the number the page's own key figures show (the
hand-worked 3 of tests/dashboard_dataset.py, as tests/test_shared_links_browser.py), asks about the tenant's
other site and gets a refusal without its numbers; a link without the chat shows no panel. The built-in
engine answers (no LLM is configured for the server).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from tests import dashboard_dataset
from tests.browser import DESKTOP, expect, new_context, screenshot
from tests.conftest import PASSWORD, LiveServer, make_account
from tests.test_shared_links_browser import SETTINGS, kpis, watched

pytest_plugins = ("tests.browser",)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("share-chat") / "data"
    make_account(data_dir)
    dashboard_dataset.load(data_dir)  # example.com and blog.example in tenant acme
    server = LiveServer(data_dir, env={"CLEARANALYTICS_LLM_PROVIDER": ""}).start()
    yield server
    server.stop()


def create_link(chromium, server, name: str, chat: bool) -> str:
    context = new_context(chromium, viewport=DESKTOP, locale="en-US", base_url=server.url)
    page = watched(context)
    page.goto("/login")
    page.fill("#email", "owner@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/acme/*")
    page.goto(SETTINGS)
    page.select_option("#f-site", "example.com")
    page.fill("#f-name", name)
    if chat:
        page.check("#f-allow_chat")
    page.click("#share-form button[type=submit]")
    item = page.locator(".share-item", has_text=name)
    expect(item.locator("[data-share-url]")).to_be_visible()
    if chat:
        expect(item.locator("[data-share-chat]")).to_have_text("chat")
    return item.locator("[data-share-url]").inner_text().strip()


def test_a_visitor_asks_the_shared_chat_and_sees_the_pages_number(chromium, server):
    url = create_link(chromium, server, "With chat", chat=True)
    visitor = watched(new_context(chromium, viewport=DESKTOP, locale="en-US"))  # no account, no cookies
    visitor.goto(url + "?period=7d")
    on_page = kpis(visitor)["visitors"]
    assert on_page == "3"
    button = visitor.locator(".ai-chat-button")
    assert button.is_visible()
    button.click()
    visitor.fill("#ai-chat-input", "How many visitors in the last 7 days?")
    visitor.keyboard.press("Enter")
    answer = visitor.locator(".ai-msg-assistant.ai-done")
    answer.wait_for()
    text = answer.locator(".ai-text").inner_text()
    assert f"{on_page} visitors on example.com" in text, text
    tools = answer.locator(".ai-tools li").all_text_contents()
    assert tools[0].startswith("analytics-overview(tenant=shared-link,") and "domain=example.com" in tools[0]
    screenshot(visitor, "shared-chat")

    visitor.fill("#ai-chat-input", "How many visitors did blog.example have in the last 7 days?")
    visitor.keyboard.press("Enter")
    refusal = visitor.locator(".ai-msg-assistant.ai-done").nth(1)
    refusal.wait_for()
    said = refusal.locator(".ai-text").inner_text()
    assert "This shared link shows example.com only" in said and refusal.locator(".ai-chart").count() == 0, said

    # the conversation is this browser's: after a reload the panel shows it again, another browser sees none
    visitor.reload()
    visitor.locator(".ai-chat-button").click()
    visitor.locator(".ai-msg-assistant .ai-text").first.wait_for()
    assert f"{on_page} visitors" in visitor.locator(".ai-msg-assistant .ai-text").first.inner_text()
    path = urlsplit(url).path
    assert requests.get(f"{server.url}{path}/chat", timeout=30).json() == {"data": {"messages": []}}
    assert visitor.problems == []


def test_a_link_without_the_chat_has_no_panel(chromium, server):
    url = create_link(chromium, server, "No chat", chat=False)
    visitor = watched(new_context(chromium, viewport=DESKTOP, locale="en-US"))
    visitor.goto(url + "?period=7d")
    assert kpis(visitor)["visitors"] == "3"
    assert visitor.locator("#ai-chat-slot *").count() == 0
    path = urlsplit(url).path
    assert requests.get(f"{server.url}{path}/chat", timeout=30).status_code == 404
