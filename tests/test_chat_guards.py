"""The guards after the parser (chat/guards.py): a figure, device, source or second period the question names
and its reading leaves out makes the question not understood, never an answer about something else.

Each case is a phrasing the tables do not read whole: the test first shows the parser alone leaves the name out
(so the guard is what stands between it and a silent substitution), then that the chat says which part it could
not read and offers readings it does answer.
"""

from __future__ import annotations

from datetime import date

import pytest

from clearanalytics.chat.engine import BuiltinEngine, ChatContext
from clearanalytics.chat.parser import Intent, parse_question
from clearanalytics.chat.unclear import Unclear

TODAY = date(2026, 2, 19)
DOMAINS = ["shop.example", "blog.example"]
CTX = ChatContext("acme", None, TODAY, DOMAINS, [], {})

LEFT_OUT = [
    # (question, what the parser alone answers, part, fragment)
    ("wie viele Besucher hatten im Januar ein Tablet", ("device-and-browser", None), "filter", "tablet"),
    ("pageviews this week, and what about last week", ("analytics-overview", None), "period", "last week"),
    ("wie viel Zeit verbringen Besucher auf /pricing", ("top-pages", "/pricing"), "metric", "zeit"),
    ("how much time do folks put in on /pricing", ("top-pages", "/pricing"), "metric", "how much time"),
    ("browsers of the newsletter readers last month", ("campaigns", None), "filter", "browsers"),
    ("top pages per country last week", ("locations", None), "filter", "pages"),
    ("countries of the people who bought products", ("ecommerce-products", None), "filter", "countries"),
]


def raw(question: str):
    return parse_question(question, today=TODAY, tenant="acme", domains=DOMAINS)


@pytest.mark.parametrize(("question", "unguarded", "part", "fragment"), LEFT_OUT)
def test_a_name_the_reading_leaves_out_is_not_understood(question, unguarded, part, fragment):
    alone = raw(question)
    assert isinstance(alone, Intent) and (alone.tool, alone.pick) == unguarded  # the parser alone drops the name
    read = BuiltinEngine().parse(question, CTX)
    assert isinstance(read, Unclear), read
    assert (read.part, read.fragment) == (part, fragment)
    assert read.suggestions and f'"{fragment}"' in read.message()
    for offer in read.suggestions:  # every button is a question the chat answers
        again = BuiltinEngine().parse(offer, CTX)
        assert isinstance(again, Intent), (offer, again)


@pytest.mark.parametrize(
    ("question", "tool", "pick", "facet"),
    [
        ("visitors on mobile last week", "device-and-browser", "mobile", "devices"),
        ("mobile vs desktop last month", "device-and-browser", None, "devices"),
        ("how much traffic came from google yesterday", "traffic-sources", "google", "referrers"),
        ("revenue by source this month", "ecommerce-products", None, "revenue_by_source"),
        ("average time on /pricing this month", "top-pages", "/pricing", "pages"),
        ("bounce rate last week", "analytics-overview", None, None),
    ],
)
def test_a_reading_that_uses_every_name_is_answered(question, tool, pick, facet):
    read = BuiltinEngine().parse(question, CTX)
    assert isinstance(read, Intent), read
    assert (read.tool, read.pick, read.facet) == (tool, pick, facet)


@pytest.mark.parametrize(
    ("question", "day"),
    [
        ("pageviews on Tuesday last week", "2026-02-10"),  # was read as this week's Tuesday (the 17th)
        ("Seitenaufrufe am Dienstag dieser Woche", "2026-02-17"),  # one period said in two parts: no guard
        ("visitors this week's Tuesday", "2026-02-17"),
    ],
)
def test_a_period_said_in_two_parts_is_one_period(question, day):
    read = BuiltinEngine().parse(question, CTX)
    assert isinstance(read, Intent), read
    assert read.arguments["from"] == read.arguments["to"] == day


def test_a_future_weekday_offers_readings_without_its_leftover_words():
    read = BuiltinEngine().parse("pageviews next Tuesday", CTX)
    assert isinstance(read, Unclear) and read.fragment == "next tuesday"
    assert "pageviews last week" in read.suggestions
    assert all(isinstance(BuiltinEngine().parse(offer, CTX), Intent) for offer in read.suggestions)
