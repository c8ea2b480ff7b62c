"""The chat's locations ([6/7] item 2, a country after [5/7]), its unread-word guard and foreign typos.

The numbers of location answers on the stats dataset are checked by tests/test_chat_golden.py; here the
reading of country names in five languages, the templates of each branch, and the two guards.
"""

from __future__ import annotations

from datetime import date

import pytest

from clearanalytics.chat import lexicon, places
from clearanalytics.chat.parser import Intent, parse_question
from clearanalytics.chat.replies import pick_answer
from clearanalytics.chat.unclear import Unclear

TODAY = date(2026, 2, 19)


def parse(question: str, previous: Intent | None = None):
    return parse_question(question, today=TODAY, tenant="acme", domains=["shop.example", "blog.example"],
                          previous=previous)  # fmt: skip


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("visitors from France", "FR"),
        ("Besucher aus Frankreich", "FR"),
        ("visiteurs d'Allemagne", "DE"),
        ("visitantes de Alemania", "DE"),
        ("bezoekers uit Duitsland", "DE"),
        ("traffic from the US", "US"),
        ("visitors from the United States", "US"),
        ("visitantes de Estados Unidos", "US"),
        ("visitors from the UK", "GB"),
        ("visitors from Holland", "NL"),
        ("visitors from South Korea", "KR"),
    ],
)
def test_a_country_is_read_in_five_languages(question, code):
    intent = parse(question)
    assert isinstance(intent, Intent), intent
    assert (intent.tool, intent.facet, intent.pick) == ("locations", "countries", code)
    assert intent.arguments == {"tenant": "acme", "period": "7d", "level": "country", "limit": 100}


def test_us_the_pronoun_is_no_country():
    assert places.find_country("how do people find us") is None
    assert places.find_country("show us the top pages") is None
    assert places.find_country("visitors from us") == ("US", "us")
    intent = parse("how do people find us")
    assert (intent.tool, intent.facet) == ("traffic-sources", "sources")


@pytest.mark.parametrize(
    ("question", "level", "facet"),
    [
        ("visitors by country last week", "country", "countries"),
        ("which cities do my visitors come from last week", "city", "cities"),
        ("regions last week", "region", "regions"),
        ("Besucher nach Bundesland letzte Woche", "region", "regions"),
        ("visiteurs par ville la semaine dernière", "city", "cities"),
        ("where are my visitors located last week", "country", "countries"),
    ],
)
def test_a_breakdown_by_place(question, level, facet):
    intent = parse(question)
    assert (intent.tool, intent.facet) == ("locations", facet)
    assert intent.arguments == {"tenant": "acme", "from": "2026-02-09", "to": "2026-02-15", "level": level}


def test_top_n_places_asks_one_more_for_the_unknown_row():
    intent = parse("top 3 countries last week")
    assert intent.arguments["limit"] == 4 and intent.shown == 3


@pytest.mark.parametrize(
    ("question", "what"),
    [
        ("top pages in Germany", "pages"),
        ("revenue from Japan last month", "revenue"),
        ("mobile visitors from France", "mobile visitors"),
        ("bounce rate in the US", "bounce_rate"),
    ],
)
def test_a_country_with_what_the_tools_cannot_split_is_not_understood(question, what):
    intent = parse(question)
    assert isinstance(intent, Unclear) and intent.part == "filter", intent
    assert intent.fragment.startswith("visitors from ")
    assert what.replace("_", " ") in intent.reason


def test_the_templates_of_a_country_row():
    result = {"structuredContent": {"level": "country", "locations": [
        {"country_code": None, "visitors": 9, "pageviews": 12},
        {"country_code": "FR", "visitors": 1, "pageviews": 3},
    ]}}  # fmt: skip
    text, _chart, _asks = pick_answer("countries", "visitors", "FR", result, "last week", None)
    assert text == "You had 1 visitor from France last week, with 3 pageviews."
    text, _chart, _asks = pick_answer("countries", "visitors", "JP", result, "last week", "shop.example")
    assert text == "I found no visitors from Japan on shop.example last week."


def test_a_list_of_places_names_countries_and_leaves_the_unknown_out():
    from clearanalytics.chat.answers import list_answer

    result = {"structuredContent": {"level": "country", "locations": [
        {"country_code": None, "visitors": 9, "pageviews": 12},
        {"country_code": "DE", "visitors": 4, "pageviews": 5},
        {"country_code": "US", "visitors": 1200, "pageviews": 1500},
    ]}}  # fmt: skip
    text, chart = list_answer("countries", None, result, "last week", None)
    assert text == "Top countries last week by visitors: Germany (4), United States (1,200)."
    assert chart["labels"] == ["Germany", "United States"] and chart["title"] == "Countries by visitors"


@pytest.mark.parametrize(
    "question",
    ["visitors during Oktoberfest", "Besucher am Brückentag", "pageviews at the kermis", "visitors over Carnival"],
)
def test_a_word_no_table_knows_is_no_default_period(question):
    intent = parse(question)
    assert isinstance(intent, Unclear) and intent.part == "period", intent
    assert len(intent.suggestions) == 3
    for suggestion in intent.suggestions:
        assert isinstance(parse(suggestion), Intent), suggestion


@pytest.mark.parametrize(
    "question",
    ["how many people visited my site", "Which browsers do my visitors use?", "what devices are used on shop.example"],
)
def test_everyday_words_keep_the_default_period(question):
    intent = parse(question)
    assert isinstance(intent, Intent), intent
    assert intent.arguments["period"] == "7d"


def test_foreign_typos_are_mended_only_in_foreign_questions():
    assert lexicon.fix_foreign_typos("besuchre letzte woche").split()[0] in lexicon.FOREIGN  # a table word
    assert lexicon.fix_foreign_typos("bezoekkers gisteren") == "bezoekers gisteren"
    assert lexicon.fix_foreign_typos("visitnates ayer") == "visitantes ayer"
    assert lexicon.fix_foreign_typos("visitors yesterday") == "visitors yesterday"  # English stays English
    assert lexicon.fix_foreign_typos("besucher in den letzten 14 tagen") == "besucher in den letzten 14 tagen"
    intent = parse("Besuchre letzte Woche")
    assert (intent.tool, intent.arguments) == ("analytics-overview", {"tenant": "acme", "from": "2026-02-09",
                                                                      "to": "2026-02-15"})  # fmt: skip
