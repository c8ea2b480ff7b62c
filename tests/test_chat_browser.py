"""The AI chat in headless Chromium against a real `clearanalytics serve`: the acceptance of issue [6/7].

Open the panel from the "AI" button, ask "How many visitors did I have last week?", and see
the right number and a chart. The data goes through `clearanalytics import` (the real ingest
pipeline); times are relative to the real clock, which the server uses, and the site is in UTC.

Last week (Monday to Sunday before this week's Monday), by hand: 10.0.1.1 views two pages on
Tuesday (one visitor), 10.0.1.2, 10.0.1.3 and 10.0.1.4 one page each on Wednesday, Friday and
Sunday, 10.0.1.5 one on Monday: 5 visitors, 6 pageviews. 10.0.1.9 visits two weeks ago and
10.0.1.8 earlier today (when today has begun long enough): neither counts. The tenant's second
site, shop.example, has one visitor last week (10.0.2.1 on /cart): the panel on example.com's
page answers for example.com (5) unless asked about all sites (6).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from clearanalytics.db import utcnow
from tests.browser import DESKTOP, PHONE, new_context, screenshot
from tests.conftest import PASSWORD, LiveServer, make_account, run_cli

pytest_plugins = ("tests.browser",)

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
# (ip, day offset from last week's Monday, hour, pathname)
LAST_WEEK = (
    ("10.0.1.1", 1, 9, "/"),
    ("10.0.1.1", 1, 9, "/pricing"),
    ("10.0.1.2", 2, 14, "/"),
    ("10.0.1.3", 4, 18, "/docs"),
    ("10.0.1.4", 6, 21, "/"),
    ("10.0.1.5", 0, 7, "/blog"),
)


def _line(ip: str, moment, path: str, minute: int = 0, domain: str = "example.com") -> dict:
    return {
        "name": "pageview",
        "url": f"https://{domain}{path}",
        "domain": domain,
        "timestamp": (moment + timedelta(minutes=minute)).isoformat() + "Z",
        "ip": ip,
        "user_agent": CHROME,
        "duration": 20,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("chat-browser") / "data"
    make_account(data_dir)
    assert run_cli("site", "add", "--data-dir", data_dir, "shop.example", "--tenant", "acme").exit_code == 0
    now = utcnow()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday() + 7)
    rows = [_line(ip, monday + timedelta(days=day, hours=hour), path, i) for i, (ip, day, hour, path) in
            enumerate(LAST_WEEK)]  # fmt: skip
    rows.append(_line("10.0.1.9", monday - timedelta(days=5, hours=-12), "/"))
    rows.append(_line("10.0.2.1", monday + timedelta(days=3, hours=11), "/cart", domain="shop.example"))
    if now - today > timedelta(minutes=10):
        rows.append(_line("10.0.1.8", today, "/"))
    path = data_dir.parent / "chat-dataset.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_cli("import", "--data-dir", data_dir, path)
    assert result.exit_code == 0 and f"accepted {len(rows)}, dropped 0" in result.output, result.output
    server = LiveServer(data_dir).start()
    server.last_week = (monday.date().isoformat(), (monday + timedelta(days=6)).date().isoformat())
    yield server
    server.stop()


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


def in_words(first: str, last: str) -> str:
    """'9–15 March 2026', '23 February – 1 March 2026', '29 December 2025 – 4 January 2026' (docs/CHAT.md)."""
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    end = f"{b.day} {MONTHS[b.month - 1]} {b.year}"
    if a.year != b.year:
        return f"{a.day} {MONTHS[a.month - 1]} {a.year} – {end}"
    if a.month != b.month:
        return f"{a.day} {MONTHS[a.month - 1]} – {end}"
    return f"{a.day}–{end}"


def logged_in(chromium, server, viewport, scheme="light"):
    context = new_context(chromium, viewport=viewport, color_scheme=scheme, locale="en-US", base_url=server.url)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(msg.text))
    page.goto("/login")
    page.fill("#email", "owner@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/acme/*")
    page.goto("/dashboard/acme/example.com")
    return context, page


def test_ask_visitors_last_week_and_see_the_number_and_a_chart(chromium, server):
    context, page = logged_in(chromium, server, DESKTOP)
    first, last = server.last_week
    page.goto(f"/dashboard/acme/example.com?from={first}&to={last}")  # the page's own figure for last week
    page.wait_for_selector(".kpis[data-report=overview][data-status=ready]")
    on_page = page.locator(".kpi[data-key=visitors] [data-value]").inner_text()
    assert on_page == "5"

    button = page.locator(".ai-chat-button")
    assert button.is_visible() and button.inner_text() == "AI"
    assert page.locator("#ai-chat-panel").is_hidden()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    page.fill("#ai-chat-input", "How many visitors did I have last week?")
    page.keyboard.press("Enter")

    answer = page.locator(".ai-msg-assistant.ai-done")
    answer.wait_for()
    text = answer.locator(".ai-text").inner_text()
    # The panel answers for the site on screen, with the number the page shows, and says so.
    assert text.startswith(f"You had {on_page} visitors on example.com last week."), text
    tools = answer.locator(".ai-tools li").all_text_contents()  # inside a collapsed <details>
    assert tools[0] == f"analytics-overview(tenant=acme, from={first}, to={last}, domain=example.com)"
    chart = answer.locator(".ai-chart")
    assert chart.locator("figcaption").inner_text() == "Visitors per day"
    assert chart.locator("svg").count() == 1  # drawn by the dashboard's ClearChart
    assert page.locator(".ai-msg-user").inner_text() == "How many visitors did I have last week?"
    screenshot(page, "chat-desktop")

    # Asked about all sites, it counts shop.example's visitor too.
    page.fill("#ai-chat-input", "and across all my sites?")
    page.keyboard.press("Enter")
    second = page.locator(".ai-msg-assistant.ai-done").nth(1)
    second.wait_for()
    assert second.locator(".ai-text").inner_text().startswith("You had 6 visitors across all your sites last week.")

    # The conversation lives in the session: after a reload the panel shows it again.
    page.reload()
    page.locator(".ai-chat-button").click()
    page.locator(".ai-msg-assistant .ai-text").first.wait_for()
    first_answer = page.locator(".ai-msg-assistant .ai-text").first.inner_text()
    assert first_answer.startswith("You had 5 visitors on example.com last week.")
    assert page.problems == []
    context.close()


def test_the_panel_fits_a_phone_and_draws_bars_in_the_dark(chromium, server):
    context, page = logged_in(chromium, server, PHONE, scheme="dark")
    page.locator(".ai-chat-button").click()
    page.fill("#ai-chat-input", "top pages last week")
    page.locator(".ai-chat-form button[type=submit]").click()
    answer = page.locator(".ai-msg-assistant.ai-done")
    answer.wait_for()
    assert answer.locator(".ai-text").inner_text() == (  # example.com's pages only: no /cart
        "Top pages on example.com last week by pageviews: / (3), /blog (1), /docs (1), /pricing (1). "
        f"Period: {in_words(*server.last_week)}."
    )
    assert answer.locator(".ai-bar-label").all_inner_texts() == ["/", "/blog", "/docs", "/pricing"]
    box = page.locator("#ai-chat-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] >= 0
    screenshot(page, "chat-phone-dark")
    page.keyboard.press("Escape")
    assert page.locator("#ai-chat-panel").is_hidden()
    assert page.problems == []
    context.close()
