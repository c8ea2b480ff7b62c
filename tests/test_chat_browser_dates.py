"""Issue [6/7]'s chat acceptance in headless Chromium: a named date, a German question, and what it cannot read.

The server and its data are test_chat_browser's (the real ingest pipeline, the real clock, the
site in UTC): last week's Tuesday has one visitor (10.0.1.1, two pageviews), and last week has
5 visitors on example.com. The numbers are that file's hand count, not the engine's.
"""

from __future__ import annotations

from datetime import date, timedelta

from tests.browser import DESKTOP, screenshot
from tests.test_chat_browser import MONTHS, in_words, logged_in, server  # noqa: F401 (the module fixture)

pytest_plugins = ("tests.browser",)


def ask(page, question: str, index: int):
    page.fill("#ai-chat-input", question)
    page.keyboard.press("Enter")
    answer = page.locator(".ai-msg-assistant.ai-done").nth(index)
    answer.wait_for()
    return answer


def test_a_named_day_a_german_question_and_an_unreadable_date_with_buttons(chromium, server):  # noqa: F811
    context, page = logged_in(chromium, server, DESKTOP)
    page.locator(".ai-chat-button").click()
    monday = date.fromisoformat(server.last_week[0])
    tuesday = monday + timedelta(days=1)
    named = f"the {tuesday.day}th of {MONTHS[tuesday.month - 1]}"  # "15th" reads for every day number

    answer = ask(page, f"How many visitors did I have on {named}?", 0)
    text = answer.locator(".ai-text").inner_text()
    words = f"{tuesday.day} {MONTHS[tuesday.month - 1]} {tuesday.year}"
    assert text.startswith(f"You had 1 visitor on example.com on {words}."), text
    tools = answer.locator(".ai-tools li").all_text_contents()
    assert tools[0] == f"analytics-overview(tenant=acme, from={tuesday}, to={tuesday}, domain=example.com)"

    answer = ask(page, "Wie viele Besucher hatte ich letzte Woche?", 1)
    text = answer.locator(".ai-text").inner_text()
    assert text.startswith("You had 5 visitors on example.com last week."), text
    assert text.endswith(f"Period: {in_words(*server.last_week)}.")

    # An unreadable date is said, with readings as buttons; a button asks its question.
    answer = ask(page, "visitors at Christmas", 2)
    assert (
        answer.locator(".ai-text").inner_text().startswith('I could not read the period in your question: "christmas".')
    )
    assert answer.locator(".ai-tools").count() == 0  # no tool was called
    buttons = answer.locator(".ai-suggestion")
    assert buttons.all_inner_texts() == ["visitors last week", "visitors this month", "visitors in the last 30 days"]
    screenshot(page, "chat-suggestions")
    buttons.first.click()
    answer = page.locator(".ai-msg-assistant.ai-done").nth(3)
    answer.wait_for()
    assert page.locator(".ai-msg-user").nth(3).inner_text() == "visitors last week"
    assert answer.locator(".ai-text").inner_text().startswith("You had 5 visitors on example.com last week.")

    # After a reload the buttons come back with the conversation.
    page.reload()
    page.locator(".ai-chat-button").click()
    page.locator(".ai-msg-assistant .ai-suggestion").first.wait_for()
    assert page.locator(".ai-msg-assistant .ai-suggestion").count() == 3
    assert page.problems == []
    context.close()
