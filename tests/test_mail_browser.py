"""The email report settings in headless Chromium against a real `serve` (issue 18's acceptance for reports).

A viewer (any member manages their own reports) opens the page from the settings navigation, turns the
weekly report and a spike threshold on for example.com and saves; the server, restarted once the report
is due (the test-only clock CLEARANALYTICS_TEST_MAIL_NOW), mails it to that viewer through a real SMTP
server on loopback. Subscribing after a report fell due does not mail that one: the first is next Monday's.
"""

from __future__ import annotations

import signal

from clearanalytics.mail.scheduler import CLOCK_ENV
from tests.browser import DESKTOP, expect, new_context, screenshot
from tests.conftest import PASSWORD, make_account
from tests.dashboard_helpers import add_member
from tests.mail_helpers import SmtpSink, parts

pytest_plugins = ("tests.browser",)

VIEWER = "viewer@example.com"
# Monday 7 December 2026 before and after 08:00 (UTC; example.com is in UTC): the week of 30 November is due at 08:00
MONDAY_EARLY, MONDAY_MORNING = "2026-12-07T07:00:00", "2026-12-07T08:05:00"


def test_a_viewer_turns_on_the_weekly_report_and_receives_it_when_due(chromium, tmp_path, live_server):
    data_dir = tmp_path / "data"
    make_account(data_dir)
    add_member(data_dir, "acme", VIEWER, "viewer", PASSWORD)
    with SmtpSink() as sink:
        env = {"CLEARANALYTICS_SMTP_URL": sink.url, "CLEARANALYTICS_MAIL_FROM": "reports@example.org"}
        server = live_server(data_dir, env=env | {CLOCK_ENV: MONDAY_EARLY})
        context = new_context(chromium, viewport=DESKTOP, locale="en-US", base_url=server.url)
        page = context.new_page()
        problems = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto("/login")
        page.fill("#email", VIEWER)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/acme/*")
        page.goto("/dashboard/acme/settings/account")
        page.get_by_role("navigation", name="Settings").get_by_role("link", name="Email reports").click()
        page.wait_for_url("**/settings/reports")
        expect(page.get_by_role("heading", name="Email reports", level=1)).to_be_visible()
        section = page.locator("section[data-site='example.com']")
        assert section.get_by_label("Weekly report").is_checked() is False
        section.get_by_label("Weekly report").check()
        section.get_by_label("Spike threshold (current visitors)").fill("40")
        section.get_by_role("button", name="Save the reports of example.com").click()
        expect(page.locator(".flashes")).to_contain_text("Saved the email reports of example.com.")
        assert section.get_by_label("Weekly report").is_checked() is True
        assert section.get_by_label("Monthly report").is_checked() is False
        assert section.get_by_label("Spike threshold (current visitors)").input_value() == "40"
        assert page.locator("#mail-not-configured").count() == 0  # smtp_url is set
        screenshot(page, "settings-reports-desktop")
        assert problems == []
        context.close()
        assert server.signal(signal.SIGTERM) == 0
        due = live_server(data_dir, env=env | {CLOCK_ENV: MONDAY_MORNING})  # its first round sends what is due
        (message,) = sink.wait_for(1)
        assert due.signal(signal.SIGTERM) == 0
    assert message["To"] == VIEWER and message["From"] == "reports@example.org"
    assert message["Subject"] == "example.com: weekly report, 30 November - 6 December 2026"
    text, _html = parts(message)
    assert "(2026-11-30 to 2026-12-06, UTC)" in text and "Visitors: 0 (n/a)" in text
    assert len(sink.messages) == 1  # the owner subscribed to nothing; no spike (no traffic)
