"""The built-in parser against the golden set: each question maps to the expected tool and arguments."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from clearanalytics.chat.parser import parse_question
from clearanalytics.chat.unclear import Unclear
from tests.test_mcp_protocol import TOOL_NAMES

GOLDEN = json.loads((Path(__file__).parent / "chat_golden.json").read_text())
TODAY = date.fromisoformat(GOLDEN["today"])


def parse(question: str):
    return parse_question(question, today=TODAY, tenant=GOLDEN["tenant"], domains=GOLDEN["domains"])


def test_the_golden_set_is_big_enough():
    assert len(GOLDEN["cases"]) >= 60
    assert {case["tool"] for case in GOLDEN["cases"]} == set(TOOL_NAMES)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["q"] or "empty" for c in GOLDEN["cases"]])
def test_golden_question(case):
    intent = parse(case["q"])
    assert intent is not None, case["q"]
    expected_args = (
        {"tenant": GOLDEN["tenant"], **case["arguments"]} if case["tool"] != "list-sites" else {"tenant": "acme"}
    )
    assert (intent.tool, intent.arguments) == (case["tool"], expected_args)
    if "metric" in case:
        assert intent.metric == case["metric"]
    if "facet" in case:
        assert intent.facet == case["facet"]
    if "compare" in case:
        assert intent.compare is not None
        assert intent.compare.arguments() == case["compare"]
    else:
        assert intent.compare is None or intent.tool not in ("analytics-overview", "ecommerce-overview")


@pytest.mark.parametrize("question", GOLDEN["unknown"])
def test_questions_it_cannot_map(question):
    """Nothing it knows (the help text), or a topic no tool has, named ("the weather"): never a reading."""
    read = parse(question)
    assert read is None or (isinstance(read, Unclear) and read.part == "topic"), read


def test_periods_are_relative_to_the_injected_today():
    intent = parse_question("visitors last month", today=date(2026, 1, 10), tenant="t")
    assert intent.arguments == {"tenant": "t", "from": "2025-12-01", "to": "2025-12-31"}
    intent = parse_question("visitors in March", today=date(2026, 1, 10), tenant="t")
    assert intent.arguments == {"tenant": "t", "from": "2025-03-01", "to": "2025-03-31"}
    intent = parse_question("visitors last week", today=date(2026, 3, 16), tenant="t")  # a Monday
    assert intent.arguments == {"tenant": "t", "from": "2026-03-09", "to": "2026-03-15"}


def test_an_impossible_date_is_not_a_period():
    # It used to become the last 7 days without a word; now the answer says which part was not read.
    intent = parse_question("visitors on 2026-02-30", today=TODAY, tenant="t")
    assert isinstance(intent, Unclear) and intent.part == "period" and intent.fragment == "on 2026-02-30"
    assert intent.suggestions == ("visitors last week", "visitors this month", "visitors in the last 30 days")


def test_odd_numbers_still_give_a_valid_range():
    intent = parse_question("visitors in the last 0 days", today=TODAY, tenant="t")
    assert intent.arguments == {"tenant": "t", "from": "2026-03-18", "to": "2026-03-18"}
    assert parse_question("top 0 pages", today=TODAY, tenant="t").arguments == {"tenant": "t", "period": "7d"}


def test_a_follow_up_naming_a_site_after_the_realtime_count_asks_it_for_that_site():
    """The realtime answer has no dates: a follow-up that keeps "its period" once crashed on them (batch N)."""
    known = {"today": TODAY, "tenant": GOLDEN["tenant"], "domains": GOLDEN["domains"]}
    realtime = parse_question("anyone on the site right now?", **known)
    assert realtime.tool == "realtime"
    again = parse_question("what about shop.example, anyone there?", previous=realtime, **known)
    assert (again.tool, again.arguments) == ("realtime", {"tenant": GOLDEN["tenant"], "domain": "shop.example"})
