"""The causes of held-out batch B's six silent substitutions, each through phrasings other than the golden set's.

Batch B (tests/chat_golden.json, `"was_held_out": "B"`) read six questions as other questions. The
causes were general, so each test here asks new phrasings of the same cause; on the code before the
fix every one of them was answered as something else:
- a date after "from" was taken for a traffic source ("from 2026-01-05 until ...");
- a weekday inside a named day was read as that weekday ("Black Friday" as last Friday);
- a follow-up about another site kept the chat's dates, not that site's own ("on shop.example?");
- "and on mobile" lost its "on" (a French-date rule), so the device narrowing was not seen;
- "compare" was "mended" into "compared", and a comparison word first lost the compared period;
- German "von" was not read as "from".
"""

from __future__ import annotations

from datetime import date

import pytest

from clearanalytics.chat.engine import BuiltinEngine, ChatContext
from clearanalytics.chat.parser import Intent, parse_question
from clearanalytics.chat.unclear import Unclear

TODAY = date(2026, 2, 19)  # a Thursday
DOMAINS = ["blog.example", "shop.example"]


def ask(question: str, previous: Intent | None = None):
    return parse_question(question, today=TODAY, tenant="acme", domains=DOMAINS, previous=previous)


@pytest.mark.parametrize(
    ("question", "first", "last"),
    [
        ("pageviews from 15.01. to 20.01.", "2026-01-15", "2026-01-20"),
        ("visitors from 2026-02-01 until 2026-02-07", "2026-02-01", "2026-02-07"),
        ("bounce rate from the 3rd of February to the 9th of February", "2026-02-03", "2026-02-09"),
    ],
)
def test_a_date_after_from_is_the_period_not_a_source(question, first, last):
    intent = ask(question)
    assert isinstance(intent, Intent), intent
    assert (intent.tool, intent.pick) == ("analytics-overview", None)
    assert intent.arguments == {"tenant": "acme", "from": first, "to": last}


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("pageviews on Good Friday", "good friday"),
        ("revenue on cyber monday 2025", "cyber monday"),
        ("visitors on Easter Sunday", "easter sunday"),
        ("Umsatz an Karfreitag", "karfreitag"),
    ],
)
def test_a_named_day_is_not_its_weekday_but_a_period_not_understood(question, fragment):
    intent = ask(question)
    assert isinstance(intent, Unclear), intent
    assert (intent.part, intent.fragment) == ("period", fragment)
    assert intent.suggestions  # readings it can answer, as buttons


def test_a_follow_up_on_another_site_uses_that_sites_own_dates():
    """shop.example's today is a day behind the chat's: its "today" and "this week" are its own."""
    ctx = ChatContext("acme", None, TODAY, DOMAINS, [], {"shop.example": date(2026, 2, 18)})
    engine = BuiltinEngine()
    for first, want in (
        ("pageviews today", ("2026-02-18", "2026-02-18")),
        ("visitors this week", ("2026-02-16", "2026-02-18")),
    ):
        previous = engine.parse(first, ctx)
        intent = engine.parse("what about shop.example?", ctx, previous)
        assert isinstance(intent, Intent), intent
        assert (intent.domain, intent.arguments["from"], intent.arguments["to"]) == ("shop.example", *want)
    # and back to all sites: the chat's own today again
    previous = engine.parse("visitors today on shop.example", ctx)
    intent = engine.parse("and across all my sites?", ctx, previous)
    assert (intent.domain, intent.arguments["from"]) == (None, "2026-02-19")


@pytest.mark.parametrize(
    ("history", "question"),
    [
        ("operating systems last week", "and on desktop?"),
        ("languages this month", "and on tablet?"),
        ("top pages yesterday", "and on mobile?"),
    ],
)
def test_and_on_a_device_after_a_list_that_cannot_narrow_says_so(history, question):
    intent = ask(question, ask(history))
    assert isinstance(intent, Unclear), intent
    assert intent.part == "filter"


def test_and_on_a_device_after_visitors_narrows_them():
    intent = ask("and on desktop?", ask("visitors last week"))
    assert isinstance(intent, Intent), intent
    assert (intent.tool, intent.pick, intent.arguments["from"]) == ("device-and-browser", "desktop", "2026-02-09")


@pytest.mark.parametrize(
    ("question", "tool", "metric", "compare"),
    [
        ("compare pageviews this week with last week", "analytics-overview", "pageviews", ("2026-02-09", "2026-02-12")),
        ("compare revenue this month to last month", "ecommerce-overview", "revenue", ("2026-01-01", "2026-01-19")),
        (
            "compare visitors on 2026-02-18 with 2026-02-11",
            "analytics-overview",
            "visitors",
            ("2026-02-11", "2026-02-11"),
        ),
    ],
)
def test_compare_first_reads_both_periods(question, tool, metric, compare):
    intent = ask(question)
    assert isinstance(intent, Intent), intent
    assert (intent.tool, intent.metric) == (tool, metric)
    assert intent.compare is not None, question
    assert intent.compare.arguments() == {"from": compare[0], "to": compare[1]}


@pytest.mark.parametrize(
    ("question", "pick", "first"),
    [
        ("Besucher von t.co gestern", "t.co", "2026-02-18"),
        ("Wie viele Besucher kamen von google im Januar?", "google", "2026-01-01"),
    ],
)
def test_german_von_is_from(question, pick, first):
    intent = ask(question)
    assert isinstance(intent, Intent), intent
    assert (intent.tool, intent.facet, intent.pick, intent.arguments["from"]) == (
        "traffic-sources",
        "referrers",
        pick,
        first,
    )
