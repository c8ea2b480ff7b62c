"""The built-in engine: which tools it calls, and answers that quote exactly the numbers returned."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from chat_support import FixedTools

from clearanalytics.chat.engine import BuiltinEngine, ChatContext
from clearanalytics.chat.tools import TenantTools

TODAY = date(2026, 3, 18)
SITE_CASES = json.loads((Path(__file__).parent / "chat_golden.json").read_text())["site_cases"]


def ask(question: str, tools: FixedTools | None = None, site: str | None = None):
    tools = tools or FixedTools()
    ctx = ChatContext("acme", TenantTools(tools, "acme"), TODAY, ["example.com", "shop.example"], site=site)
    events = list(BuiltinEngine().run(question, ctx))
    assert events[-1]["type"] == "done"
    return events[-1]["message"], events, tools.calls


def test_visitors_last_week_quotes_the_number_and_draws_the_days():
    message, events, calls = ask("How many visitors did I have last week?")
    week = {"tenant": "acme", "from": "2026-03-09", "to": "2026-03-15"}
    assert calls == [("analytics-overview", week), ("daily-breakdown", week)]
    assert (
        message["text"]
        == "You had 1,523 visitors last week. That is up 12.5% on the previous period. Period: 9–15 March 2026."
    )
    assert message["charts"] == [
        {
            "type": "line",
            "title": "Visitors per day",
            "labels": ["2026-02-12", "2026-02-13"],
            "series": [{"name": "Visitors", "values": [234, 289]}],
        }
    ]
    assert [e["type"] for e in events] == [
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "text",
        "chart",
        "done",
    ]
    assert message["tool_calls"] == [
        {"name": "analytics-overview", "arguments": week},
        {"name": "daily-breakdown", "arguments": week},
    ]
    assert message["engine"] == "builtin"


def test_a_comparison_calls_the_previous_period_and_uses_the_tools_change():
    previous = {"overview": {"visitors": 1200}}
    tools = FixedTools({"analytics-overview": lambda a: previous if a["from"] == "2026-03-02" else None})
    message, _events, calls = ask("visitors last week compared to the week before", tools)
    assert calls == [
        ("analytics-overview", {"tenant": "acme", "from": "2026-03-09", "to": "2026-03-15"}),
        ("analytics-overview", {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08"}),
    ]
    assert message["text"] == (
        "You had 1,523 visitors last week. The week before it was 1,200: up 12.5% on the week before. "
        "Periods: 9–15 March 2026, against 2–8 March 2026."
    )
    assert message["charts"][0]["labels"] == ["the week before", "last week"]
    assert message["charts"][0]["series"][0]["values"] == [1200, 1523]


def test_a_named_comparison_period_gets_its_change_computed_from_the_two_numbers():
    tools = FixedTools(
        {
            "ecommerce-overview": lambda a: (
                {"currency": "EUR", "ecommerce": {"revenue": 1000.0}} if a["to"] == "2026-02-18" else None
            )
        }
    )
    message, _events, _calls = ask("revenue this month vs last month on shop.example", tools)
    assert message["text"] == (
        "Your revenue on shop.example this month was 12,450.00 EUR. The first 18 days of last month it was "
        "1,000.00 EUR: up 1145.0% on the first 18 days of last month. This month is not over yet, so it is "
        "compared day for day: 18 days each. Periods: 1–18 March 2026, against 1–18 February 2026."
    )


def test_rates_and_durations_are_formatted_as_such():
    assert ask("bounce rate last month")[0]["text"] == (
        "Your bounce rate last month was 42.3%. That is down 3.1 points on the previous period. "
        "Period: 1–28 February 2026."
    )
    assert ask("average visit duration")[0]["text"].startswith(
        "Your average visit duration in the last 7 days was 3m 07s."
    )


def test_breakdowns():
    message, _e, calls = ask("top 5 pages on shop.example")
    assert calls == [("top-pages", {"tenant": "acme", "period": "7d", "domain": "shop.example", "limit": 5})]
    assert message["text"] == (
        "Top pages on shop.example in the last 7 days by pageviews: / (1,234), /pricing (567). "
        "Period: 12–18 March 2026."
    )
    assert message["charts"][0]["labels"] == ["/", "/pricing"]
    assert ask("which browsers?")[0]["text"] == (
        "Top browsers in the last 7 days by visitors: Chrome (678), Safari (345). Period: 12–18 March 2026."
    )
    assert ask("mobile vs desktop")[0]["charts"][0]["series"][0]["values"] == [678, 456]
    text = ask("where do my visitors come from?")[0]["text"]
    assert text == (
        "Top channels in the last 7 days by visitors: organic (345), social (123). "
        "Top referring sites: google.com (345). Period: 12–18 March 2026."
    )
    assert ask("what is my peak hour?")[0]["text"] == (
        "The peak hour in the last 7 days was 14:00 with 60 visitors. Period: 12–18 March 2026."
    )
    assert ask("show me the checkout funnel")[0]["text"] == (
        "The checkout funnel in the last 7 days: View Product: 1,200; Add to Cart: 340 (71.7% drop-off); "
        "Begin Checkout: 210 (38.2% drop-off); Purchase: 156 (25.7% drop-off). Period: 12–18 March 2026."
    )
    assert ask("best-selling products")[0]["text"] == (
        "Top products in the last 7 days by revenue: Pro Plan Annual (4,788.00 EUR). Period: 12–18 March 2026."
    )
    assert ask("how many goal completions yesterday")[0]["text"] == (
        "Goal completions yesterday: Signup Page Visit: 42. Period: 17 March 2026."
    )
    assert ask("which sites do I have")[0]["text"] == "You have 2 sites: example.com, shop.example."


def test_a_question_it_cannot_map_lists_what_it_can_answer_and_calls_nothing():
    message, _events, calls = ask("what can you do?")
    assert calls == []
    assert message["text"].startswith("I could not match that question")
    assert "top pages" in message["text"] and "last month" in message["text"]
    assert message["charts"] == []


def test_a_topic_no_tool_has_is_named_and_calls_nothing():
    """A question naming no figure the tables know but a word they do not: that word is said, with readings to
    offer, instead of the general help text."""
    message, _events, calls = ask("what's the weather in Paris?")
    assert calls == []
    assert (
        message["text"] == 'I cannot answer "weather" yet. No tool of the chat has that yet. Did you mean one of these?'
    )
    assert message["suggestions"] == ["visitors in the last 7 days", "top pages in the last 7 days"]


def test_a_tool_error_is_reported_not_papered_over():
    tools = FixedTools({"analytics-overview": ValueError("This domain is not one of your sites.")})
    message, _events, _calls = ask("visitors on shop.example", tools)
    assert message["text"] == "I asked the analytics-overview tool, and it said: This domain is not one of your sites."


def test_empty_data_says_so():
    message, _e, _c = ask("top pages", FixedTools({"top-pages": {"pages": []}}))
    assert message["text"] == "There is no data in the last 7 days for that. Period: 12–18 March 2026."


def test_the_tenant_argument_is_always_the_sessions_own():
    tools = FixedTools()
    bound = TenantTools(tools, "acme")
    bound.call("languages", {"tenant": "other-tenant", "period": "7d"})
    assert tools.calls == [("languages", {"tenant": "acme", "period": "7d"})]
    assert all("tenant" not in t["inputSchema"]["properties"] for t in bound.list())
    assert all("tenant" not in t["inputSchema"].get("required", []) for t in bound.list())
    assert bound.call("drop-tables", {})["isError"] is True


def test_follow_up_questions_keep_the_subject():
    tools = FixedTools()
    ctx = ChatContext("acme", TenantTools(tools, "acme"), TODAY, ["example.com", "shop.example"])
    engine = BuiltinEngine()
    for question in ("How many pageviews last week?", "and the week before?", "what about on shop.example?", "hi"):
        events = list(engine.run(question, ctx))
        ctx.history += [{"role": "user", "text": question}, {"role": "assistant", **events[-1]["message"]}]
    overview_calls = [args for name, args in tools.calls if name == "analytics-overview"]
    assert overview_calls == [
        {"tenant": "acme", "from": "2026-03-09", "to": "2026-03-15"},
        {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08"},
        {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08", "domain": "shop.example"},
    ]
    answers = [m["text"] for m in ctx.history if m["role"] == "assistant"]
    assert answers[1].startswith("You had 4,891 pageviews the week before.")
    assert answers[2].startswith("You had 4,891 pageviews on shop.example the week before.")
    assert answers[3].startswith("I could not match that question")


@pytest.mark.parametrize("case", SITE_CASES["cases"], ids=[c["q"] for c in SITE_CASES["cases"]])
def test_on_a_sites_page_questions_default_to_that_site_unless_they_name_another_or_all(case):
    """The panel on example.com's page sends site=example.com; the answer says which site it is about."""
    message, _events, calls = ask(case["q"], site=SITE_CASES["site"])
    assert calls[0] == (case["tool"], {"tenant": "acme", **case["arguments"]})
    assert message["text"].startswith(case["text"]), message["text"]


def test_follow_ups_on_a_sites_page_keep_the_site_until_asked_for_all_sites():
    tools = FixedTools()
    ctx = ChatContext("acme", TenantTools(tools, "acme"), TODAY, ["example.com", "shop.example"], site="example.com")
    engine = BuiltinEngine()
    for question in ("visitors last week", "and the week before?", "and across all my sites?", "and last month?"):
        events = list(engine.run(question, ctx))
        ctx.history += [{"role": "user", "text": question}, {"role": "assistant", **events[-1]["message"]}]
    overview_calls = [args for name, args in tools.calls if name == "analytics-overview"]
    assert overview_calls == [
        {"tenant": "acme", "from": "2026-03-09", "to": "2026-03-15", "domain": "example.com"},
        {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08", "domain": "example.com"},
        {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08"},
        {"tenant": "acme", "from": "2026-02-01", "to": "2026-02-28"},
    ]
    answers = [m["text"] for m in ctx.history if m["role"] == "assistant"]
    assert answers[0].startswith("You had 1,523 visitors on example.com last week.")
    assert answers[2].startswith("You had 1,523 visitors across all your sites the week before.")
    assert answers[3].startswith("You had 1,523 visitors across all your sites last month.")
