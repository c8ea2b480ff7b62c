"""What a person sees at a glance (issue [6/7]): no five-digit change against a half-empty previous
period, a dashed running bucket, weekly and monthly buckets, "no data" instead of 0.0 %, one measure
per chart, round money ticks. Real server, real ingest (`clearanalytics import`), real Chromium.

The dataset, relative to today (UTC, the site's timezone), one pageview per line, each by its own visitor:
  days 1..10 ago: one pageview a day on "/"; 35 days ago: one on "/old"; 200 days ago: two on "/older";
  one more 1 day ago, from t.co with the language de.
  Purchases of EUR 1.50 and EUR 0.25 two days ago (small amounts: ticks must still differ).
So: 30d has data on 10 days and the 30 days before on 1: the change is n/a, not "+900.0%".
7d (days 0-6) has data on 6 days, the 7 days before (7-13) on 4: comparable, visitors 7 vs 4 = +75.0%.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest

from clearanalytics.db import utcnow
from tests.browser import DESKTOP, PHONE, new_context
from tests.conftest import PASSWORD, LiveServer, make_account, run_cli

pytest_plugins = ("tests.browser",)

SITE = "/dashboard/acme/example.com"
AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
DAYS_AGO = (1, *range(1, 11), 35, 200, 200)  # the first: from t.co, in German
LONG_HOST = "shop.eu-west.partner-agency-clients.example.com"
LONG_PATH = "/blog/a-very-long-article-title-about-privacy-first-analytics-for-small-shops"


def lines(today) -> list[dict]:
    rows = []
    for n, days in enumerate(DAYS_AGO):
        path = "/" if days <= 10 else "/old" if days == 35 else "/older"
        moment = today - timedelta(days=days) + timedelta(hours=12, minutes=n)
        extra = {"referrer": "https://t.co/abc", "language": "de"} if n == 0 else {"language": "en-US"}
        rows.append({"name": "pageview", "url": f"https://example.com{path}", "domain": "example.com",
                     "timestamp": moment.isoformat() + "Z", "ip": f"10.1.0.{n + 1}", "user_agent": AGENT,
                     **extra})  # fmt: skip
    # 400 days ago (outside every period above, seen only through a custom range): a long path and hostname.
    moment = today - timedelta(days=400) + timedelta(hours=12)
    rows.append({"name": "pageview", "url": f"https://{LONG_HOST}{LONG_PATH}", "domain": "example.com",
                 "timestamp": moment.isoformat() + "Z", "ip": "10.1.1.1", "user_agent": AGENT})  # fmt: skip
    for n, value in enumerate((1.50, 0.25)):
        moment = today - timedelta(days=2) + timedelta(hours=14, minutes=n)
        item = {"item_id": "X", "item_name": "Sticker", "price": value, "quantity": 1}
        ecommerce = {"transaction_id": f"T-{n}", "value": value, "currency": "EUR", "items": [item]}
        rows.append({"name": "purchase", "url": "https://example.com/", "domain": "example.com",
                     "timestamp": moment.isoformat() + "Z", "ip": f"10.1.0.{n + 1}", "user_agent": AGENT,
                     "ecommerce": ecommerce})  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("readable") / "data"
    make_account(data_dir)
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    path = data_dir.parent / "lines.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in lines(today)))
    result = run_cli("import", "--data-dir", data_dir, path)
    assert result.exit_code == 0 and "accepted 17, dropped 0, bad lines 0" in result.output, result.output
    added = run_cli("site", "add", "--data-dir", data_dir, "--tenant", "acme", "empty.example")
    assert added.exit_code == 0, added.output  # a site without data shows the tracking snippet
    live = LiveServer(data_dir).start()
    live.today = today.date()
    yield live
    live.stop()


def open_view(chromium, server, query: str = "", viewport=DESKTOP):
    states = server.__dict__.setdefault("states", {})
    context = new_context(chromium, viewport=viewport, locale="en-US", base_url=server.url,
                          storage_state=states.get("owner"))  # fmt: skip
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    if "owner" not in states:
        page.goto("/login")
        page.fill("#email", "owner@example.com")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/acme/*")
        states["owner"] = context.storage_state()
    page.goto(SITE + query)
    page.wait_for_selector(".kpis[data-report=overview][data-status=ready]")
    return page


def change_of(page, key: str) -> str:
    return page.locator(f".kpis[data-report=overview] .kpi[data-key={key}] [data-change]").inner_text()


def chart_table(page, report: str = "timeseries") -> list[list[str]]:
    card = page.locator(f".chart-card[data-report='{report}']")
    page.wait_for_selector(f".chart-card[data-report='{report}'][data-status=ready]")
    card.locator("summary").click()
    return [row.locator("th, td").all_inner_texts() for row in card.locator("[data-chart-table] tbody tr").all()]


def test_a_half_empty_previous_period_gives_no_percentage(chromium, server):
    page = open_view(chromium, server, "?period=30d")
    for key in ("visitors", "pageviews", "bounce_rate", "avg_duration"):
        assert change_of(page, key) == "n/a: the period before is incomplete"
    title = page.locator(".kpi[data-key=visitors] [data-change]").get_attribute("title")
    assert title == "The period before has data on 1 day(s), this one on 10: a change would compare unlike periods."
    assert "%" not in page.locator(".kpis[data-report=overview]").inner_text().replace("100.0%", "")


def test_a_comparable_previous_period_shows_its_change(chromium, server):
    page = open_view(chromium, server, "?period=7d")
    assert change_of(page, "visitors").startswith("▲ +75.0%")


def test_twelve_months_draw_monthly_buckets_with_their_sums(chromium, server):
    page = open_view(chromium, server, "?period=12m")
    today = server.today
    first = date(today.year - 1, today.month, today.day) + timedelta(days=1)
    months = sorted({(first + timedelta(days=d)).strftime("%Y-%m") for d in range((today - first).days + 1)})
    counts = Counter((today - timedelta(days=d)).strftime("%Y-%m") for d in DAYS_AGO)
    rows = chart_table(page)
    assert len(rows) == len(months) in (12, 13)
    labels = [date.fromisoformat(m + "-01").strftime("%b %Y") for m in months]
    assert [r[0] for r in rows] == labels
    assert [int(r[2]) for r in rows] == [counts[m] for m in months]
    assert page.locator(".chart-card[data-report=timeseries] .interval-picker a[aria-current]").inner_text() == "Months"
    # The running month is dashed.
    assert page.locator(".chart-card[data-report=timeseries] polyline.cc-partial").count() == 2


def test_the_interval_picker_switches_to_weeks(chromium, server):
    page = open_view(chromium, server, "?period=30d")
    assert page.locator(".chart-card[data-report=timeseries] .interval-picker a[aria-current]").inner_text() == "Days"
    page.locator(".chart-card[data-report=timeseries] .interval-picker a", has_text="Weeks").click()
    page.wait_for_url("**interval=week*")
    first = server.today - timedelta(days=29)
    days = [first + timedelta(days=i) for i in range(30)]
    starts = sorted({max(first, d - timedelta(days=d.weekday())) for d in days})
    rows = chart_table(page)
    assert [r[0] for r in rows] == [f"Week of {d.day} {d.strftime('%b %Y')}" for d in starts]
    per_week = Counter(max(first, d - timedelta(days=d.weekday()))
                       for d in (server.today - timedelta(days=n) for n in DAYS_AGO) if d >= first)  # fmt: skip
    assert [int(r[2]) for r in rows] == [per_week[d] for d in starts]
    assert page.problems == []


def test_an_empty_period_says_no_data(chromium, server):
    page = open_view(chromium, server, "?from=2020-01-01&to=2020-01-31")
    values = page.locator(".kpis[data-report=overview] [data-value]").all_inner_texts()
    assert values == ["0", "0", "–", "–"]
    assert change_of(page, "bounce_rate") == "no data in this period"
    page.wait_for_selector(".chart-card[data-report=timeseries][data-status=empty]")
    assert page.locator(".chart-card[data-report=timeseries] svg").count() == 0
    assert page.locator(".chart-card[data-report=timeseries] [data-state]").inner_text() == "No data for this period."


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_revenue_chart_shows_one_measure_with_round_ticks(chromium, server, viewport):
    page = open_view(chromium, server, "?period=7d", viewport=viewport)
    card = page.locator(".chart-card[data-report='ecommerce/revenue-timeseries']")
    page.wait_for_selector(".chart-card[data-report='ecommerce/revenue-timeseries'][data-status=ready]")
    assert card.locator("polyline:not(.cc-partial)").count() == 1
    ticks = [t.text_content() for t in card.locator("text.cc-y").all()]
    assert ticks == ["€4", "€3", "€2", "€1", "€0"]
    card.get_by_role("button", name="Transactions").click()
    assert card.get_by_role("button", name="Transactions").get_attribute("aria-pressed") == "true"
    assert card.get_by_role("button", name="Revenue").get_attribute("aria-pressed") == "false"
    assert [t.text_content() for t in card.locator("text.cc-y").all()] == ["4", "3", "2", "1", "0"]
    table = chart_table(page, "ecommerce/revenue-timeseries")
    two_days_ago = [r for r in table if r[0] == f"{(server.today - timedelta(days=2)).day} "
                    f"{(server.today - timedelta(days=2)).strftime('%b %Y')}"]  # fmt: skip
    assert two_days_ago == [[two_days_ago[0][0], "€1.75", "2"]]
    assert page.problems == []


def test_names_for_a_social_network_and_a_language(chromium, server):
    """The API keeps the reference's values (source "social", language "de"); the dashboard names them."""
    page = open_view(chromium, server, "?period=7d")
    page.wait_for_selector("#w-referrers[data-status=ready]")
    rows = [r.locator("th, td").all_inner_texts() for r in page.locator("#w-referrers tbody tr").all()]
    assert ["t.co", "X (Twitter)", "1"] in rows
    page.wait_for_selector("#w-languages[data-status=ready]")
    languages = [r.locator("th, td").all_inner_texts() for r in page.locator("#w-languages tbody tr").all()]
    assert languages == [["English", "6"], ["German", "1"]]
    link = page.locator("#w-languages tbody th a", has_text="German")
    assert "filter%5Blanguage%5D=de" in link.get_attribute("href")
    assert page.problems == []


def test_a_custom_range_names_its_dates_once_and_a_reversed_one_is_said_plainly(chromium, server):
    page = open_view(chromium, server, "?from=2020-01-01&to=2020-01-31")
    assert page.locator("#range-label").inner_text() == "Custom range · 2020-01-01 – 2020-01-31 · UTC"
    page = open_view(chromium, server, "?from=2026-02-10&to=2026-02-01")
    form = page.locator(".custom-range")
    assert form.get_attribute("open") is not None
    message = "The range starts (2026-02-10) after it ends (2026-02-01): pick a start on or before the end."
    assert form.locator("[role=alert]").inner_text() == message
    assert page.locator("#range-from").input_value() == "2026-02-10"
    assert "The from field" not in page.content()
    assert page.locator("#range-label").inner_text().startswith("Last 7 days · ")


def test_after_a_wrong_password_focus_is_on_the_password(chromium, server):
    context = new_context(chromium, viewport=DESKTOP, locale="en-US", base_url=server.url)
    page = context.new_page()
    page.goto("/login")
    page.fill("#email", "owner@example.com")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error")
    assert page.evaluate("document.activeElement.id") == "password"
    assert page.locator("#email").input_value() == "owner@example.com"
    context.close()


def test_the_theme_button_pins_light_or_dark_over_the_system(chromium, server):
    page = open_view(chromium, server, "?period=7d")  # the context follows the system: light
    background = "getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    button = page.locator("[data-theme-toggle]")
    assert button.inner_text() == "Theme: auto"
    button.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert page.evaluate(background) == light
    button.click()
    assert button.inner_text() == "Theme: dark"
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate(background) == "rgb(15, 18, 22)"
    page.reload()  # remembered in this browser, applied before the page paints
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate(background) == "rgb(15, 18, 22)"
    button.click()
    assert page.evaluate("document.documentElement.dataset.theme") is None
    assert page.evaluate(background) == light
    assert page.problems == []


def test_on_a_phone_long_labels_end_in_an_ellipsis_not_a_mid_word_break(chromium, server):
    day = (server.today - timedelta(days=400)).isoformat()
    page = open_view(chromium, server, f"?from={day}&to={day}", viewport=PHONE)
    for panel, text in (("pages", LONG_PATH), ("hostnames", LONG_HOST)):
        page.wait_for_selector(f"#w-{panel}[data-status=ready]")
        label = page.locator(f"#w-{panel} tbody th").first
        assert label.inner_text() == text
        style = label.evaluate("e => [getComputedStyle(e).whiteSpace, getComputedStyle(e).textOverflow]")
        assert style == ["nowrap", "ellipsis"], panel
        lines = label.evaluate("e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)")
        assert lines < 2, panel
        cut = label.evaluate("e => e.scrollWidth > e.clientWidth")
        assert cut, panel  # too long for a 390 px phone: cut with an ellipsis, the whole text in the title
        assert label.locator("a").get_attribute("title").endswith(text)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_phone_the_tracking_snippet_scrolls_instead_of_breaking_script_js(chromium, server):
    page = open_view(chromium, server, viewport=PHONE)
    page.goto("/dashboard/acme/empty.example")
    code = page.locator("#snippet-code")
    assert "/js/script.js" in code.inner_text()
    box = page.locator(".snippet pre")
    assert box.evaluate("e => getComputedStyle(e).whiteSpace") == "pre"
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # one line, scrolled sideways inside its box
    assert code.inner_text().count("\n") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
