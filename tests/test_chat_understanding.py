"""Issue [6/7]'s chat items, each through the built-in engine over fixed tool results (tests/chat_support.FixedTools).

Every template branch is rendered here with its exact sentence: what was not understood (each
part), one row, a section, a series, right now, a fair comparison, no percentage change, a
tool's refusal and an internal failure. On the code before this issue each of these failed:
the unreadable date answered for the last 7 days, "(none)" took one of the top N, "this month
vs last month" compared 18 days with 28, and the no-change sentence read "That is no
percentage change can be given...".
"""

from __future__ import annotations

from datetime import date

import pytest
from chat_support import FixedTools, read

from clearanalytics.chat.engine import BuiltinEngine, ChatContext
from clearanalytics.chat.parser import Intent, parse_question
from clearanalytics.chat.unclear import PART_WORDS, Unclear

TODAY = date(2026, 3, 18)  # a Wednesday
REFERRERS = {
    "channels": [{"channel": "direct", "visitors": 50, "pageviews": 60}],
    "referrers": [
        {"referrer_source": "direct", "referrer": None, "visitors": 50},
        {"referrer_source": "google", "referrer": "google.com", "visitors": 30},
        {"referrer_source": "social", "referrer": "t.co", "visitors": 20},
        {"referrer_source": "referral", "referrer": "blog.friend.example", "visitors": 1},
    ],
}
PAGES = {
    "pages": [
        {"pathname": "/", "visitors": 890, "pageviews": 1234, "avg_duration": 45},
        {"pathname": "/blog/b", "visitors": 5, "pageviews": 9, "avg_duration": 30},
        {"pathname": "/blog/a", "visitors": 1, "pageviews": 1, "avg_duration": 75},
        {"pathname": "/pricing", "visitors": 456, "pageviews": 567, "avg_duration": 120},
    ]
}
REALTIME = {
    "realtime": {
        "current_visitors": 1,
        "visitors": 1,
        "pageviews": 3,
        "minutes": [],
        "pages": [{"pathname": "/", "visitors": 1, "pageviews": 3}],
        "sources": [],
    }
}
NO_CHANGE = {
    "overview": {
        "visitors": 12,
        "pageviews": 20,
        "bounce_rate": 40.0,
        "avg_duration": 61,
        "visitors_change": None,
        "pageviews_change": None,
        "bounce_rate_change": None,
        "avg_duration_change": None,
    }
}


def ask(question: str, overrides: dict | None = None, history: list[str] = ()):
    tools = FixedTools({"traffic-sources": REFERRERS, "top-pages": PAGES, "realtime": REALTIME, **(overrides or {})})
    ctx = ChatContext("acme", tools, TODAY, ["example.com", "shop.example"])
    engine = BuiltinEngine()
    for earlier in history:
        message = list(engine.run(earlier, ctx))[-1]["message"]
        ctx.history += [{"role": "user", "text": earlier}, {"role": "assistant", **message}]
    tools.calls.clear()
    events = list(engine.run(question, ctx))
    return events[-1]["message"], events, tools.calls


# --- 1. never substitute silently ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "text", "buttons"),
    [
        (
            "visitors on 2026-02-30",
            'I could not read the period in your question: "on 2026-02-30". It is not a date I can use. '
            "Did you mean one of these?",
            ["visitors last week", "visitors this month", "visitors in the last 30 days"],
        ),
        (
            "visitors on 03/04",
            'I could not read the period in your question: "03/04". It reads as more than one date. '
            "Did you mean one of these?",
            ["visitors on 2025-04-03", "visitors on 2026-03-04"],
        ),
        (
            "pageviews since Christmas",
            'I could not read the period in your question: "since christmas". Did you mean one of these?',
            ["pageviews last week", "pageviews this month", "pageviews in the last 30 days"],
        ),
        (
            "browsers on mobile last month",
            'I understood "mobile visitors", but the tools cannot narrow browsers down to mobile visitors yet. '
            "Did you mean one of these?",
            ["visitors by device last month", "browsers last month"],
        ),
        (
            "bounce rate of /pricing",
            'I cannot answer "bounce rate of /pricing" yet. The tools give a bounce rate per site, not per page; '
            "for one page I can give visitors, pageviews and average time. Did you mean one of these?",
            ["visitors of /pricing", "average time on /pricing"],
        ),
        (
            "screen sizes of my visitors",
            'I cannot answer "screen sizes" yet. No tool of the chat has that yet. Did you mean one of these?',
            ["visitors by country in the last 7 days", "visitors by device in the last 7 days"],
        ),
        (
            "top pages in Germany last week",
            'I understood "visitors from Germany", but the tools cannot narrow pages down to visitors from Germany '
            "yet. Did you mean one of these?",
            ["visitors from Germany last week", "pages last week"],
        ),
        (
            "visitors during Oktoberfest",
            'I could not read the period in your question: "during oktoberfest". Did you mean one of these?',
            ["visitors last week", "visitors this month", "visitors in the last 30 days"],
        ),
        (
            "visitors on shpo.example last week",
            'I could not read the site in your question: "shpo.example". It is not one of your sites. '
            "Did you mean this?",
            ["visitors on shop.example last week"],
        ),
        (
            "revenue by campaign",
            'I cannot answer "revenue by campaign" yet. Revenue is split by source in the tools, not by campaign. '
            "Did you mean one of these?",
            ["revenue by source last month", "best campaigns last month"],
        ),
    ],
)
def test_what_is_not_understood_is_said_with_readings_as_buttons_and_no_tool_is_called(question, text, buttons):
    message, events, calls = ask(question)
    assert calls == []
    assert message["text"] == text
    assert message["suggestions"] == buttons
    assert {"type": "suggestions", "questions": buttons} in events


def test_every_part_has_a_sentence():
    for part in PART_WORDS:
        sentence = Unclear(part, "x", ("a", "b")).message()
        assert '"x"' in sentence and sentence.endswith("Did you mean one of these?")
    assert Unclear("period", "x", ("a",)).message().endswith("Did you mean this?")
    assert Unclear("topic", "property", (), "Name the property.").message() == (
        'I cannot answer "property" yet. Name the property. Try asking it another way.'
    )


def test_every_data_answer_names_its_dates():
    for question, dates in (
        ("visitors", "Period: 12–18 March 2026."),
        ("top pages last week", "Period: 9–15 March 2026."),
        ("revenue this year", "Period: 1 January – 18 March 2026."),
        ("visitors in the last 12 months", "Period: 19 March 2025 – 18 March 2026."),
        ("visitors between 28 December 2025 and 3 January 2026", "Period: 28 December 2025 – 3 January 2026."),
    ):
        assert ask(question)[0]["text"].endswith(dates), question
    # a period whose words hold the dates is not repeated
    assert ask("visitors on the 15th of November")[0]["text"].startswith(
        "You had 1,523 visitors on 15 November 2025. That is up 12.5% on the previous period."
    )


# --- 2. named dates, best and worst, top N, one row, a section, series, right now ------------------


@pytest.mark.parametrize(
    ("question", "arguments"),
    [
        ("visitors on the 15th of November", {"from": "2025-11-15", "to": "2025-11-15"}),
        ("visitors November 15", {"from": "2025-11-15", "to": "2025-11-15"}),
        ("visitors on 15.11.", {"from": "2025-11-15", "to": "2025-11-15"}),
        ("visitors last Tuesday", {"from": "2026-03-17", "to": "2026-03-17"}),
        ("visitors last Wednesday", {"from": "2026-03-11", "to": "2026-03-11"}),  # said on a Wednesday
        ("visitors in week 10", {"from": "2026-03-02", "to": "2026-03-08"}),
        ("visitors in Q4 2025", {"from": "2025-10-01", "to": "2025-12-31"}),
        ("visitors this quarter", {"from": "2026-01-01", "to": "2026-03-18"}),
        ("visitors between March 1 and March 10", {"from": "2026-03-01", "to": "2026-03-10"}),
        ("visitors from January to February", {"from": "2026-01-01", "to": "2026-02-28"}),
        ("visitors in 2025", {"from": "2025-01-01", "to": "2025-12-31"}),
        ("visitors 3 days ago", {"from": "2026-03-15", "to": "2026-03-15"}),
        ("visitors jan 5-11", {"from": "2026-01-05", "to": "2026-01-11"}),  # read as 5 January alone before
        ("visitors from March 3 to 9, 2025", {"from": "2025-03-03", "to": "2025-03-09"}),
        ("visitors jan 5 - feb 3", {"from": "2026-01-05", "to": "2026-02-03"}),
        ("visitors in the second half of January", {"from": "2026-01-16", "to": "2026-01-31"}),  # the whole month
        ("visitantes la primera quincena de febrero", {"from": "2026-02-01", "to": "2026-02-15"}),
        ("Besucher in der zweiten Hälfte des Januars", {"from": "2026-01-16", "to": "2026-01-31"}),
        ("bezoekers in de eerste helft van 2025", {"from": "2025-01-01", "to": "2025-06-30"}),
        ("visiteurs hierr", {"from": "2026-03-17", "to": "2026-03-17"}),  # a key held too long: the last 7 days
    ],
)
def test_named_days_and_ranges(question, arguments):
    intent = parse_question(question, today=TODAY, tenant="t")
    assert intent.arguments == {"tenant": "t", **arguments}


def test_best_and_worst_day_and_hour():
    assert ask("worst day last month")[0]["text"] == (
        "The quietest day last month was 2026-02-12 with 234 visitors. Period: 1–28 February 2026."
    )
    assert ask("quietest hour yesterday")[0]["text"] == (
        "The quietest hour yesterday was 00:00 with 10 visitors. Period: 17 March 2026."
    )


def test_top_n_is_honoured_and_none_is_not_one_of_them():
    message, _events, calls = ask("top 2 referrers last week")
    assert calls == [("traffic-sources", {"tenant": "acme", "from": "2026-03-09", "to": "2026-03-15", "limit": 3})]
    assert (
        message["text"]
        == "Top referring sites last week by visitors: google.com (30), t.co (20). Period: 9–15 March 2026."
    )
    _m, _e, calls = ask("Our account director asked. Top 2 referrers last week")  # "director" asks no "direct" row
    assert calls[0][1]["limit"] == 3


def test_a_campaign_named_before_its_kind_and_visitors_new_or_returning_are_no_tools():
    message, _e, _calls = ask("How did the feb-2026 newsletter campaign do last week?")  # "do" was its name before
    assert message["text"] == "newsletter / email / feb-2026 brought 234 visitors last week. Period: 9–15 March 2026."
    for question in (
        "orders from new visitors this week",
        "how many returning visitors last week",
        # each answered for all visitors before (session 39); "neuer" was mended to "heuer" (this year)
        "Wie viele Besucher sind am 16.01.2026 wiedergekommen",
        "Anteil neuer vs. wiederkehrender Besucher",
        "oye, visitantes que repiten el domingo",
        "taux de visiteurs recurrents sur les 180 derniers jours",
        "hoeveel bezoekers kwamen de afgelopen 10 dagen terug?",
        "What share of visitors were returning during October?",
        "repeat visitor rate last 30 days",
    ):
        message, _e, calls = ask(question)
        assert calls == [] and message["text"].startswith("I cannot answer"), message["text"]


def test_thanks_before_a_follow_up_is_no_part_of_it():
    block = {"today": TODAY.isoformat(), "tenant": "acme", "domains": ["example.com"]}
    reading = read(block, {"q": "Thanks, and now by author, please", "history": ["visitors by plan this month"]})
    assert (reading.tool, reading.arguments) == (  # "now" was read as realtime
        "custom-properties",
        {"tenant": "acme", "from": "2026-03-01", "to": "2026-03-18", "property": "author"},
    )


def test_one_row_of_a_list():
    assert ask("how much traffic from google last week")[0]["text"] == (
        "google brought 30 visitors last week. Period: 9–15 March 2026."
    )
    assert ask("pageviews of /pricing last week")[0]["text"] == (
        "/pricing had 567 pageviews last week. Period: 9–15 March 2026."
    )
    assert ask("average time on /blog/a last week")[0]["text"] == (
        "The average time on /blog/a last week was 1m 15s. Period: 9–15 March 2026."
    )
    assert ask("revenue from google last month")[0]["text"] == (
        "google brought 5,670.00 EUR in revenue from 72 orders last month. Period: 1–28 February 2026."
    )
    assert ask("visitors from the feb-2026 campaign")[0]["text"] == (
        "newsletter / email / feb-2026 brought 234 visitors in the last 7 days. Period: 12–18 March 2026."
    )
    assert ask("visitors on mobile last week")[0]["text"] == (
        "You had 456 visitors on mobile last week. Period: 9–15 March 2026."
    )
    message, _events, _calls = ask("visitors of /pricng last week")  # not a page: the site's nearest
    assert message["text"] == 'I found no page matching "/pricng" last week. Period: 9–15 March 2026.'
    assert message["suggestions"] == ["visitors of /pricing last week"]


def test_a_section_of_pages():
    message, _events, calls = ask("top blog posts last week")
    assert calls[0][1]["limit"] == 100
    assert message["text"] == (
        "Top pages under /blog last week by pageviews: /blog/b (9), /blog/a (1). Period: 9–15 March 2026."
    )


def test_weekly_series_is_one_overview_per_calendar_week():
    message, _events, calls = ask("visitors weekly last month")
    weeks = [(a["from"], a["to"]) for _n, a in calls[1:]]
    assert weeks == [
        ("2026-02-01", "2026-02-01"),
        ("2026-02-02", "2026-02-08"),
        ("2026-02-09", "2026-02-15"),
        ("2026-02-16", "2026-02-22"),
        ("2026-02-23", "2026-02-28"),
    ]
    assert message["text"].startswith("Visitors per week last month: 1 February 2026: 1,523; 2–8 February 2026: 1,523;")


def test_right_now_is_the_realtime_report():
    message, _events, calls = ask("how many visitors right now?")
    assert calls == [("realtime", {"tenant": "acme"})]
    assert message["text"] == (
        "Right now (a pageview in the last 5 minutes) there is 1 visitor. "
        "In the last 30 minutes: 1 visitor and 3 pageviews. Top pages: / (1)."
    )


# --- 3. partial periods compared fairly ------------------------------------------------------------


def test_this_month_so_far_against_the_same_days_of_last_month():
    previous = {"overview": {"visitors": 1000}}
    tools = {"analytics-overview": lambda a: previous if a.get("from") == "2026-02-01" else None}
    message, _events, calls = ask("visitors this month vs last month", tools)
    assert calls[1] == ("analytics-overview", {"tenant": "acme", "from": "2026-02-01", "to": "2026-02-18"})
    assert message["text"] == (
        "You had 1,523 visitors this month. The first 18 days of last month it was 1,000: up 52.3% on the first "
        "18 days of last month. This month is not over yet, so it is compared day for day: 18 days each. "
        "Periods: 1–18 March 2026, against 1–18 February 2026."
    )


@pytest.mark.parametrize(
    "question",
    [
        "do we have more visitors than last month?",
        "on a plus de visiteurs que le mois dernier ?",
        "visitors vs last month",
    ],
)
def test_more_than_last_month_asks_about_this_month_so_far(question):
    """The one period named is the compared one (it read "last month against December" before)."""
    reading = read({"today": TODAY.isoformat(), "tenant": "acme", "domains": ["example.com"]}, {"q": question})
    assert reading.arguments == {"tenant": "acme", "from": "2026-03-01", "to": "2026-03-18"}
    assert reading.compare.arguments() == {"from": "2026-02-01", "to": "2026-02-18"}


def test_a_little_word_before_a_kind_of_row_is_not_its_name():
    """ "por campaña" named a campaign "por", "I was wondering: campaign breakdown" one called "wondering"."""
    block = {"today": TODAY.isoformat(), "tenant": "acme", "domains": ["example.com"]}
    for question in ("visitantes por campaña el mes pasado", "I was wondering: campaign breakdown last month"):
        reading = read(block, {"q": question})
        assert (reading.tool, reading.pick, reading.arguments) == (
            "campaigns",
            None,
            {"tenant": "acme", "from": "2026-02-01", "to": "2026-02-28"},
        ), question


def test_a_page_asked_after_a_figure_is_that_figure_of_the_page_or_said_to_be_none():
    """ "and for /pricing?" said "I cannot answer 'pricing'"; after a revenue it would have been the page's visitors."""
    block = {"today": TODAY.isoformat(), "tenant": "acme", "domains": ["example.com"]}
    duration = read(block, {"q": "and for /pricing?", "history": ["average visit duration last week"]})
    assert (duration.tool, duration.pick, duration.metric) == ("top-pages", "/pricing", "avg_duration")
    for earlier in ("revenue last week", "bounce rate last week"):
        unclear = read(block, {"q": "and for /pricing?", "history": [earlier]})
        assert isinstance(unclear, Unclear) and unclear.fragment.endswith("of /pricing"), unclear
    first = read(block, {"q": "revenue of /pricing last week"})  # it was the revenue of every page
    assert isinstance(first, Unclear) and first.reason.endswith("not by page."), first


def test_a_figure_asked_after_one_row_is_that_rows_figure_or_said_to_be_none():
    """ "what about pageviews?" after the visitors of /pricing, from google or on mobile answered the whole site's."""
    block = {"today": TODAY.isoformat(), "tenant": "acme", "domains": ["example.com"]}
    page = read(block, {"q": "ok, and pageviews?", "history": ["visitors on /pricing last week"]})
    assert (page.tool, page.pick, page.metric) == ("top-pages", "/pricing", "pageviews")
    assert page.arguments == {"tenant": "acme", "limit": 100, "from": "2026-03-09", "to": "2026-03-15"}
    for earlier, row in (("visitors from google last week", "visitors from google"), ("visitors on mobile", "mobile")):
        unclear = read(block, {"q": "what about pageviews?", "history": [earlier]})
        assert isinstance(unclear, Unclear) and unclear.fragment.startswith(row.split()[0]), unclear
    assert isinstance(read(block, {"q": "Which page has the highest bounce rate?"}), Unclear)


# --- 4. four more languages and typos --------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "How many visitors last week?",
        "Wie viele Besucher hatte ich letzte Woche?",
        "Combien de visiteurs la semaine dernière ?",
        "¿Cuántos visitantes tuve la semana pasada?",
        "Hoeveel bezoekers had ik vorige week?",
        "how many vistors last weeek",
    ],
)
def test_the_same_question_in_five_languages_and_with_typos(question):
    intent = parse_question(question, today=TODAY, tenant="t")
    assert (intent.tool, intent.arguments, intent.metric) == (
        "analytics-overview",
        {"tenant": "t", "from": "2026-03-09", "to": "2026-03-15"},
        "visitors",
    )


# --- 5. follow-ups keep the context ------------------------------------------------------------------


def test_only_on_mobile_and_the_week_before_keep_the_subject():
    _m, _e, calls = ask("only on mobile", history=["visitors last week"])
    assert calls == [("device-and-browser", {"tenant": "acme", "from": "2026-03-09", "to": "2026-03-15"})]
    message, _e, calls = ask("and the week before?", history=["visitors last week", "only on mobile"])
    assert calls == [("device-and-browser", {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08"})]
    assert message["text"] == "You had 456 visitors on mobile the week before. Period: 2–8 March 2026."
    message, _e, calls = ask("und die Woche davor?", history=["Besucher letzte Woche"])
    assert calls[0] == ("analytics-overview", {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08"})


def test_a_follow_up_right_after_a_question_not_understood_is_not_read_from_the_subject_before_it():
    """A follow-up after "pageviews at Christmas" (a day whose year is not known) follows that question: going
    on from "visitors last week" would answer another one without a word. A whole question, or an offer clicked,
    is read; and once a question is understood again, follow-ups go on from it."""
    history = ["visitors last week", "pageviews at Christmas"]
    message, _e, calls = ask("and the week before?", history=history)
    assert calls == []
    assert message["text"] == (
        'I did not understand the question before, so I cannot tell what "and the week before?" goes on from. '
        "Please ask it in full."
    )
    message, _e, calls = ask("¿y cómo fueron los objetivos?", history=["pageviews at Christmas"])  # nothing before it
    assert calls == [] and message["text"].startswith("I did not understand the question before"), message["text"]
    _m, _e, calls = ask("visitors the week before last", history=history)
    assert calls[0] == ("analytics-overview", {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08"})
    _m, _e, calls = ask("and the week before?", history=[*history, "top pages last week"])
    assert calls[0] == ("top-pages", {"tenant": "acme", "from": "2026-03-02", "to": "2026-03-08"})
    unread = ask("visitors at Christmas", history=["top pages last week"])[0]
    offer = unread["suggestions"][0]
    _m, _e, calls = ask(offer, history=["top pages last week", "visitors at Christmas"])
    assert calls and calls[0][0] == "analytics-overview", offer


def test_the_quarter_or_month_before_moves_back_from_the_last_answer_and_asked_first_is_not_understood():
    for question in ("and the quarter before?", "¿y el trimestre anterior?"):  # Q4 2025 was read before: today's
        _m, _e, calls = ask(question, history=["visitors in Q3 2025"])
        assert calls[0] == ("analytics-overview", {"tenant": "acme", "from": "2025-04-01", "to": "2025-06-30"})
    _m, _e, calls = ask("dasselbe für den Vormonat", history=["Seitenaufrufe im Januar"])  # January itself before
    assert calls[0] == ("analytics-overview", {"tenant": "acme", "from": "2025-12-01", "to": "2025-12-31"})
    message, _e, calls = ask("visitors the month before")  # the last 7 days before: nothing to go back from
    assert calls == []
    assert message["text"] == (
        'I could not read the period in your question: "the month before". There is no earlier period to go back '
        "from. Did you mean one of these?"
    )


def test_a_period_in_a_short_or_foreign_form_is_read_or_said_unread_never_the_last_7_days():
    """Batch N found 77 questions answered for the default 7 days because a period form no rule read was left over
    ("last yr", "heuer", "vorige mnd"): N's forms are read now, and a form still unread is said to be."""
    read_as = {
        "visitors last yr": ("analytics-overview", {"from": "2025-01-01", "to": "2025-12-31"}),
        "Verweildauer heuer": ("analytics-overview", {"from": "2026-01-01", "to": "2026-03-18"}),
        "omzet vorige mnd": ("ecommerce-overview", {"from": "2026-02-01", "to": "2026-02-28"}),
        "le mois passé, combien de visiteurs": ("analytics-overview", {"from": "2026-02-01", "to": "2026-02-28"}),
        "uniques l30d": ("analytics-overview", {"period": "30d"}),
        "rev 24h": ("ecommerce-overview", {"period": "24h"}),
        "visitors in W7": ("analytics-overview", {"from": "2026-02-09", "to": "2026-02-15"}),
        "bounce rate quarter-to-date": ("analytics-overview", {"from": "2026-01-01", "to": "2026-03-18"}),
        "Bounce Rate vom 2. Feber": ("analytics-overview", {"from": "2026-02-02", "to": "2026-02-02"}),
    }
    for question, (tool, arguments) in read_as.items():
        _message, _events, calls = ask(question)
        assert calls[:1] == [(tool, {"tenant": "acme", **arguments})], question
    unread = {
        "bezoekers deze jaar": "deze jaar",  # Dutch says "dit jaar"
        "visitors last calendar decade": "decade",
        "omzet op Moederdag": "moederdag",  # the typo mender made it "donderdag", a Thursday
        "Umsatz Mitte Jänner": "mitte",  # and this "bitte"
        "ingresos del Prime Day": "prime day",
        "commandes par mois depuis l'été dernier": "from été",
    }
    for question, fragment in unread.items():
        message, _events, calls = ask(question)
        assert calls == [], question
        assert message["text"].startswith(f'I could not read the period in your question: "{fragment}".'), question


def _reading(question: str):
    intent = parse_question(question, today=TODAY, tenant="acme", domains=["example.com", "shop.example"])
    assert not isinstance(intent, Unclear) and intent is not None, (question, intent)
    compare = intent.compare.bounds(TODAY) if intent.compare else None
    return intent.tool, {k: v for k, v in intent.arguments.items() if k != "tenant"}, compare


def test_batch_s_forms_read_as_their_writers_meant():
    """Forms batch S's writers used that no rule read (docs/CHAT.md): each was an honest miss or, worse, another
    question answered ("ça donne quoi" read as revenue, "je cherche" as a property "cherche")."""
    march, february = {"from": "2026-03-01", "to": "2026-03-18"}, (date(2026, 2, 1), date(2026, 2, 18))
    read_as = {
        "visitors between July 2025 and January 2026": (
            "analytics-overview", {"from": "2025-07-01", "to": "2026-01-31"}, None),
        "did traffic drop compared to last month": ("analytics-overview", march, february),
        "is AOV up vs last month?": ("ecommerce-overview", march, february),
        "pageviews last year against the year before": (
            "analytics-overview", {"from": "2025-01-01", "to": "2025-12-31"}, (date(2024, 1, 1), date(2024, 12, 31))),
        "plan breakdown last week": (
            "custom-properties", {"from": "2026-03-09", "to": "2026-03-15", "property": "plan"}, None),
        "how do plans split this month": ("custom-properties", {**march, "property": "plan"}, None),
        "hmm values of cta/position~ yesterday": (
            "custom-properties", {"from": "2026-03-17", "to": "2026-03-17", "property": "cta/position~"}, None),
        "Ça donne quoi le nb de pages vues hier": (
            "analytics-overview", {"from": "2026-03-17", "to": "2026-03-17"}, None),
        "je cherche les ventes depuis dimanche": (
            "ecommerce-overview", {"from": "2026-03-15", "to": "2026-03-18"}, None),
        "Besucher letzte 2 Monate": ("analytics-overview", {"from": "2026-01-19", "to": "2026-03-18"}, None),
        "heure creuse du 1er au 15 février": ("hourly-breakdown", {"from": "2026-02-01", "to": "2026-02-15"}, None),
        "el día más muerto de la semana pasada": ("daily-breakdown", {"from": "2026-03-09", "to": "2026-03-15"}, None),
        "visitors Sep-Nov": ("analytics-overview", {"from": "2025-09-01", "to": "2025-11-30"}, None),
        "bounce rate last twenty days": ("analytics-overview", {"from": "2026-02-27", "to": "2026-03-18"}, None),
        "Conversion Rate vom 1.–7. Februar": ("ecommerce-overview", {"from": "2026-02-01", "to": "2026-02-07"}, None),
        "Eine höhere Conversion Rate als letztes Jahr?": (
            "ecommerce-overview", {"from": "2026-01-01", "to": "2026-03-18"}, (date(2025, 1, 1), date(2025, 3, 18))),
        "Wie oft wurde die Tasse letzte Woche verkauft?": (
            "ecommerce-products", {"from": "2026-03-09", "to": "2026-03-15"}, None),
    }  # fmt: skip
    for question, expected in read_as.items():
        assert _reading(question) == expected, question
    assert parse_question("operating system split", today=TODAY, tenant="acme").tool == "device-and-browser"


def test_the_tuned_batches_last_wrong_readings_read_as_meant():
    """Forms of batches M to S still read wrong when T was scored (docs/CHAT.md), each a rule in every language it
    was asked in: follow-ups that name the same day a week earlier, a page of the figure asked, a campaign by its
    name alone; "de shop", "là ?" and "du moment"; revenue by source, the visitor-to-buyer rate, a property named
    before "property" or after it in another language, which is a name and no slip."""
    last_week = {"from": "2026-03-09", "to": "2026-03-15"}
    read_as = {
        "gemiddelde bezoekduur vorige week in de shop": (
            "analytics-overview", {**last_week, "domain": "shop.example"}, None),
        "Umsatzverteilung nach Herkunft 2024": ("ecommerce-products", {"from": "2024-01-01", "to": "2024-12-31"}, None),
        "waar kwam de omzet vorige week vandaan": ("ecommerce-products", last_week, None),
        "de dónde vinieron los ingresos la semana pasada": ("ecommerce-products", last_week, None),
        "which sites brought in the money last week": ("ecommerce-products", last_week, None),
        "visitor to buyer rate last week": ("ecommerce-overview", last_week, None),
        "how many people on each plan last week": ("custom-properties", {**last_week, "property": "plan"}, None),
        "top three things people bought last week": ("ecommerce-products", {**last_week, "limit": 3}, None),
        "how does the theme property break down last week": (
            "custom-properties", {**last_week, "property": "theme"}, None),
        "need category property from October to December 2025": (
            "custom-properties", {"from": "2025-10-01", "to": "2025-12-31", "property": "category"}, None),
        "propiedad categoria la semana pasada": ("custom-properties", {**last_week, "property": "categoria"}, None),
        "Les visiteurs du moment": ("realtime", {}, None),
        "y a combien de monde sur le site là ?": ("realtime", {}, None),
        "what's happening on all my sites right now": ("realtime", {}, None),
        "Übersicht der Ziele 1. bis 15. Feber": ("goals", {"from": "2026-02-01", "to": "2026-02-15"}, None),
        "Cuántas compras se hicieron desde el 8 de febrero?": (
            "ecommerce-overview", {"from": "2026-02-08", "to": "2026-03-18"}, None),
        "visitantes en el mes actual": ("analytics-overview", {"from": "2026-03-01", "to": "2026-03-18"}, None),
        "Anzahl der Bestellungen in der achten Kalenderwoche": (
            "ecommerce-overview", {"from": "2026-02-16", "to": "2026-02-22"}, None),
        "Peux-tu me dire combien de transactions on a eu en décembr 2025?": (
            "ecommerce-overview", {"from": "2025-12-01", "to": "2025-12-31"}, None),
        "combien de visiteurs tunisiens la semaine dernière": (
            "locations", {**last_week, "level": "country", "limit": 100}, None),
        "Poolse bezoekers vorige week": ("locations", {**last_week, "level": "country", "limit": 100}, None),
        "qué páginas externas nos trajeron visitas la semana pasada": ("traffic-sources", last_week, None),
        "view_item → add_to_cart → purchase la semana pasada": ("ecommerce-products", last_week, None),
        "Hoeveel pageviews hebben we vorige week gehaald?": ("analytics-overview", last_week, None),
        "where did visitors come from last week thx": ("traffic-sources", last_week, None),
        "where do my visitors come from 3 March": ("traffic-sources", {"from": "2026-03-03", "to": "2026-03-03"}, None),
        "groeit de gemiddelde sessieduur deze maand?": (
            "analytics-overview", {"from": "2026-03-01", "to": "2026-03-18"}, (date(2026, 2, 1), date(2026, 2, 18))),
        "che, comparame los visitantes de esta semana con la semana anterior": (
            "analytics-overview", {"from": "2026-03-16", "to": "2026-03-18"}, (date(2026, 3, 9), date(2026, 3, 11))),
        "Tasa de rebote de este mes y del anterior, comparados": (
            "analytics-overview", {"from": "2026-03-01", "to": "2026-03-18"}, (date(2026, 2, 1), date(2026, 2, 18))),
        "qué duración promedio tuvieron las visitas la semana pasada": ("analytics-overview", last_week, None),
        "Ist die Absprungrate gegenüber dem Vormonat gesunken?": (
            "analytics-overview", {"from": "2026-03-01", "to": "2026-03-18"}, (date(2026, 2, 1), date(2026, 2, 18))),
    }  # fmt: skip
    for question, expected in read_as.items():
        assert _reading(question) == expected, question
    assert _reading("revenue by source last week")[0] == "ecommerce-products"
    sections = {"Snel even: pagina's met de meeste bezoekers vorige week": None, "blog posts last week": "blog"}
    for question, section in sections.items():
        assert parse_question(question, today=TODAY, tenant="acme").section == section, question
    for question in ("¿qué página tiene peor tasa de rebote?", "Seitenranking nach Absprungrate"):
        assert parse_question(question, today=TODAY, tenant="acme").part == "metric", question  # no rate per page
    top_pages = parse_question("top pages last week", today=TODAY, tenant="acme")
    ranked = parse_question("rank them by bounce rate instead", today=TODAY, tenant="acme", previous=top_pages)
    assert (ranked.part, ranked.fragment) == ("metric", "bounce rate per page")
    mid_january = parse_question("hoeveel bestellingen half januari", today=TODAY, tenant="acme")  # not all January
    assert (mid_january.part, mid_january.suggestions[0]) == ("period", "how many orders last week")
    conversations = {
        ("Referrers yesterday", "and the same day last week?"): (
            "traffic-sources", {"from": "2026-03-10", "to": "2026-03-10"}, None),
        ("campaigns on 17 March", "And brand?"): (
            "campaigns", {"from": "2026-03-17", "to": "2026-03-17", "limit": 100}, None),
        ("average visit duration last week", "just the /docs page"): (
            "top-pages", {**last_week, "limit": 100}, None),
        ("visitors in January", "Maintenant le total des pages vues"): (
            "analytics-overview", {"from": "2026-01-01", "to": "2026-01-31"}, None),
        ("busiest day last week on example.com", "ok, shop.example now"): (
            "daily-breakdown", {**last_week, "domain": "shop.example"}, None),
        ("revenue last week", "and referrers?"): ("traffic-sources", last_week, None),
        ("revenue last week", "and where did it come from?"): ("ecommerce-products", last_week, None),
        ("Hoeveel bezoekers waren er in week 4?", "vs de vorige week?"): (
            "analytics-overview", {"from": "2026-01-19", "to": "2026-01-25"}, None),
        ("orders per week in February", "and the average order value on 16 March?"): (
            "ecommerce-overview", {"from": "2026-03-16", "to": "2026-03-16"}, None),
    }  # fmt: skip
    for (first, question), expected in conversations.items():
        previous = parse_question(first, today=TODAY, tenant="acme", domains=["example.com", "shop.example"])
        intent = parse_question(question, today=TODAY, tenant="acme", domains=["example.com", "shop.example"],
                                previous=previous)  # fmt: skip
        assert isinstance(intent, Intent), (question, intent)
        assert (intent.tool, {k: v for k, v in intent.arguments.items() if k != "tenant"}, None) == expected, question
        assert {"And brand?": "brand", "just the /docs page": "/docs"}.get(question) == intent.pick, question
        assert question != "just the /docs page" or intent.metric == "avg_duration"
        assert question != "Maintenant le total des pages vues" or intent.metric == "pageviews"
        assert question != "and the average order value on 16 March?" or intent.series is None  # one day: its total
        week_3 = (date(2026, 1, 12), date(2026, 1, 18))
        assert question != "vs de vorige week?" or intent.compare.bounds(TODAY) == week_3  # before week 4, not today


def test_another_domain_is_a_site_not_understood_unless_named_as_where_visitors_came_from():
    """A domain that is none of your sites, named as the site asked about, is said not to be one of them; it was read
    as a referrer and its row answered ("naijamart.ng traffic sources", "Umsatz von shop-example.com"). Named as where
    visitors came from, it is still the referrer ("Besucher von t.co", "le trafic de blog.friend.example")."""
    domains = ["example.com", "shop.example"]
    sites = (
        "naijamart.ng traffic sources for the last 3 weeks",
        "Please check blog.acme.io traffic sources during 2025",
        "Umsatz von shop-example.com im August",
        "Woher kamen diese Woche die Besucher von app.example?",
        "consulta: en shop.ejemplo, de dónde vinieron los visitantes en diciembre 2025?",
        "c'était combien les visiteurs sur les 6 derniers mois de monsite.fr?",
    )
    for question in sites:
        intent = parse_question(question, today=TODAY, tenant="acme", domains=domains)
        assert isinstance(intent, Unclear) and intent.part == "site", (question, intent)
    sources = parse_question("where did visitors come from last week", today=TODAY, tenant="acme", domains=domains)
    for question in ("and for mystore.com?", "now acme-shop.com"):
        intent = parse_question(question, today=TODAY, tenant="acme", domains=domains, previous=sources)
        assert isinstance(intent, Unclear) and intent.part == "site", (question, intent)
    referrers = {
        "Besucher von t.co am Freitag": "t.co",
        "le trafic de blog.friend.example": "blog.friend.example",
        "hoeveel verkeer kwam er deze maand van t.co?": "t.co",
    }
    for question, referrer in referrers.items():
        intent = parse_question(question, today=TODAY, tenant="acme", domains=domains)
        assert isinstance(intent, Intent) and intent.pick == referrer, (question, intent)
    after = parse_question("what about blog.friend.example?", today=TODAY, tenant="acme", domains=domains,
                           previous=sources)  # fmt: skip
    assert (after.tool, after.pick) == ("traffic-sources", "blog.friend.example")


def test_the_sixteenth_sessions_forms_read_as_meant():
    """Forms of the tuned batches still read wrong after the fifteenth session (docs/CHAT.md): "cette sem." was no
    period (the last 7 days were answered), a greeting or a slip before or after "campaign" was its name, the quietest
    day in Spanish verbs was the busiest, and "en de vorige maand?" after June was the month before today's."""
    this_week = {"from": "2026-03-16", "to": "2026-03-18"}
    read_as = {
        "c'est quoi le taux de conversion cette sem.": ("ecommerce-overview", this_week, None),
        "consulta: visitas hora a hora en diciembre": (
            "hourly-breakdown", {"from": "2025-12-01", "to": "2025-12-31"}, None),
        "hola, con que navegador entran mis visitantes?": ("device-and-browser", {"period": "7d"}, None),
        "Wo kamen die Leute am 3. Februar her?": (
            "traffic-sources", {"from": "2026-02-03", "to": "2026-02-03"}, None),
        "hiya campaign numbers between 5 and 11 january": (
            "campaigns", {"from": "2026-01-05", "to": "2026-01-11"}, None),
        "campaign breakdwon for Dec 15 thru Jan 15?": ("campaigns", {"from": "2025-12-15", "to": "2026-01-15"}, None),
        "campagne utm brand les 15 derniers jours": (
            "campaigns", {"from": "2026-03-04", "to": "2026-03-18", "limit": 100}, None),
        "¿Cuántas veces se vieron páginas del sitio el sábado pasado?": (
            "analytics-overview", {"from": "2026-03-14", "to": "2026-03-14"}, None),
        "hoeveel weergaven van pagina's waren er kalenderweek 3 graag?": (
            "analytics-overview", {"from": "2026-01-12", "to": "2026-01-18"}, None),
        "from Feb 9 to today / avg visit duration": (
            "analytics-overview", {"from": "2026-02-09", "to": "2026-03-18"}, None),
        "Gibt's grad Besucher?": ("realtime", {}, None),
        "y'a combien de visiteurs là": ("realtime", {}, None),
        "who's browsing all my sites at the moment": ("realtime", {}, None),
    }  # fmt: skip
    for question, expected in read_as.items():
        assert _reading(question) == expected, question
    picks = {
        "hiya campaign numbers between 5 and 11 january": None,
        "campagne utm brand les 15 derniers jours": "brand",
    }
    for question, pick in picks.items():
        assert parse_question(question, today=TODAY, tenant="acme").pick == pick, question
    for question in ("oiga, qué día estuvo más tranquilo el mes pasado?", "que dia entro menos gente en febrero?"):
        quietest = parse_question(question, today=TODAY, tenant="acme")
        assert (quietest.tool, quietest.rank, quietest.arguments["from"]) == ("daily-breakdown", "worst", "2026-02-01")
    assert parse_question("Week 6: zwakste campagne", today=TODAY, tenant="acme").rank == "worst"
    for question in ("what does the theme property look like this year", "ok custom property theme in week 6"):
        assert parse_question(question, today=TODAY, tenant="acme").arguments["property"] == "theme", question
    for question in ("hoe lang bleven mensen op de site in de lente?", "Resultados de campañas en primavera",
                     "Besucher täglich nach der Messe"):  # fmt: skip
        assert parse_question(question, today=TODAY, tenant="acme").part == "period", question  # the last 7 days
    for first, question, fragment in (  # the site's revenue was answered
        ("pageviews of /signup this week", "how much revenue did it make", "revenue of /signup"),
        ("campaigns last week", "which one made the most revenue?", "revenue by campaign"),
    ):
        previous = parse_question(first, today=TODAY, tenant="acme")
        unclear = parse_question(question, today=TODAY, tenant="acme", previous=previous)
        assert (unclear.part, unclear.fragment) == ("metric", fragment), question
    june = parse_question("Gemiddeld bedrag per bestelling in juni", today=TODAY, tenant="acme")
    may = parse_question("en de vorige maand?", today=TODAY, tenant="acme", previous=june)
    assert (may.arguments["from"], may.arguments["to"]) == ("2025-05-01", "2025-05-31")


# --- 6. grammatical answers; no internal class names -------------------------------------------------


def test_no_percentage_change_reads_as_a_sentence():
    text = ask("visitors last week", {"analytics-overview": NO_CHANGE})[0]["text"]
    assert text == (
        "You had 12 visitors last week. There is no percentage change, as the previous period had no data. "
        "Period: 9–15 March 2026."
    )
    assert "That is no" not in text


def test_an_internal_failure_is_said_in_words_without_its_class_name():
    failure = ValueError("QueryError: Binder Error: Referenced column x not found")
    message, _events, _calls = ask("visitors last week", {"analytics-overview": failure})
    assert (
        message["text"] == "The analytics-overview tool could not answer that just now. Please try again in a moment."
    )
    refusal = ValueError("The domain other.example is not one of your sites.")
    assert ask("visitors on shop.example", {"analytics-overview": refusal})[0]["text"] == (
        "I asked the analytics-overview tool, and it said: The domain other.example is not one of your sites."
    )


def test_one_is_singular():
    one = {"overview": {**NO_CHANGE["overview"], "visitors": 1, "visitors_change": 0.0}}
    assert ask("visitors yesterday", {"analytics-overview": one})[0]["text"].startswith("You had 1 visitor yesterday.")


def test_a_kept_reading_is_the_reading_of_its_own_tenant_sites_day_and_earlier_subject():
    """The engine keeps its last readings (engine.parse): the same words asked by another tenant, of other sites, on
    another day or after another question must each be read afresh, never handed another's reading."""
    engine, tools = BuiltinEngine(), FixedTools({})
    acme = ChatContext("acme", tools, TODAY, ["example.com", "shop.example"])
    beta = ChatContext("beta", tools, TODAY, ["beta.org"])
    later = ChatContext("acme", tools, date(2026, 4, 2), ["example.com", "shop.example"])
    first, again = engine.parse("visitors yesterday", acme), engine.parse("visitors yesterday", acme)
    assert first is again and first.arguments == {"tenant": "acme", "from": "2026-03-17", "to": "2026-03-17"}
    assert engine.parse("visitors yesterday", beta).arguments["tenant"] == "beta"
    assert engine.parse("visitors yesterday", later).arguments == {
        "tenant": "acme",
        "from": "2026-04-01",
        "to": "2026-04-01",
    }
    after_week = engine.parse("and pageviews?", acme, engine.parse("visitors last week", acme))
    after_month = engine.parse("and pageviews?", acme, engine.parse("visitors last month", acme))
    assert (after_week.arguments["from"], after_month.arguments["from"]) == ("2026-03-09", "2026-02-01")
    assert engine.parse("visitors on beta.org", acme).part == "site"  # beta's site is not acme's, kept or not
    assert engine.parse("visitors on beta.org", beta).arguments == {
        "tenant": "beta",
        "period": "7d",
        "domain": "beta.org",
    }


def test_the_seventeenth_sessions_forms_read_as_meant():
    """Forms of the tuned batches still read wrong after the sixteenth session (docs/CHAT.md): a deed analytics does
    not see was answered with the visitors, the buyers or a language's speakers were dropped from a list, "checa"
    (check) was the Czech Republic, "desde USA" was "use" and "Paises Bajos" without its accent no country."""

    block = {"today": TODAY.isoformat(), "tenant": "acme", "domains": ["example.com", "shop.example"]}

    def unclear(question: str) -> tuple[str, str] | None:
        found = read(block, {"q": question})  # as the engine reads it, with its guards
        return (found.part, found.fragment) if isinstance(found, Unclear) else None

    assert unclear("How many people watched our youtube video today thank you!") == (
        "topic",
        "watched our youtube video",
    )
    assert unclear("how many people printed the page last month thanks") == ("topic", "printed the page")
    assert unclear("how many people phoned the store last week") is not None
    for seen in ("how many people visited yesterday", "how many people clicked the signup button last week"):
        assert unclear(seen) is None, seen
    assert unclear("Betriebssysteme der Käufer im Dezember") == ("filter", "käufer")
    assert unclear("hi, what did people from t.co buy this month?? thanks")[0] == "filter"
    assert unclear("wie viele windows-nutzer haben bestellt?")[0] == "filter"
    assert unclear("Welche Seiten lesen englischsprachige Besucher im Juli?") == ("filter", "englischsprachige")
    assert unclear("páginas vistas por los visitantes de habla alemana desde septiembre")[0] == "filter"
    assert unclear("need top pages for French-speaking visitors") == ("filter", "french-speaking visitors")
    assert _reading("¿qué idiomas hablan mis visitantes este mes?")[0] == "languages"
    last_week = {"from": "2026-03-09", "to": "2026-03-15"}
    assert _reading("Besucher nach Kanton letzte Woche") == ("locations", {**last_week, "level": "region"}, None)
    assert _reading("Consulta: checa de que fuentes vinieron los ingresos la semana pasada") == (
        "ecommerce-products",
        last_week,
        None,
    )
    countries = {
        "hola, chequeá cuánta gente entró desde USA los 9 últimos días, porfa": "US",
        "¿tuvimos visitas de Paises Bajos desde el sabado?": "NL",
        "allez, hoeveel indiase bezoekers tussen 26 januari en 1 februari?": "IN",
        "Am vergangenen Dienstag: Besucher aus dem Vereinigten Koenigreich?": "GB",
        "Para el reporte: checa entro alguien desde Peru el 27 de noviembre del 2025 porfa": "PE",
    }
    for question, code in countries.items():
        found = parse_question(question, today=TODAY, tenant="acme")
        assert (found.tool, found.pick) == ("locations", code), question
    # the pages visitors looked at in pageviews' order, sections written as paths, Dutch orders, products before "sales"
    for question in (
        "which pages did visitors view the most last week?",
        "welke pagina's bekeken bezoekers vorige week?",
    ):
        found = parse_question(question, today=TODAY, tenant="acme")
        assert (found.tool, found.metric, found.arguments["from"]) == ("top-pages", None, "2026-03-09"), question
    for question in ("rank posts under /blog/ last week", "Toutes les pages /docs/... la semaine dernière"):
        found = parse_question(question, today=TODAY, tenant="acme")
        assert (found.pick, found.section) == (None, question.split("/")[1]), question
    found = parse_question("hoeveel keer werd er in week 6 iets besteld?", today=TODAY, tenant="acme")
    assert (found.tool, found.metric, found.arguments["from"]) == ("ecommerce-overview", "transactions", "2026-02-02")
    for question in ("coffee mug sales last week", "ok so poster sales last week"):
        assert parse_question(question, today=TODAY, tenant="acme").facet == "products", question
    for question in ("3 days ago sales", "Dear sir, sales last week"):
        assert parse_question(question, today=TODAY, tenant="acme").tool == "ecommerce-overview", question
    found = parse_question("hoeveel keer werd /blog/hello bekeken in september?", today=TODAY, tenant="acme")
    assert (found.tool, found.metric, found.pick) == ("top-pages", "pageviews", "/blog/hello")
    for follow_up in ("how many visitors was that?", "hoeveel bezoekers waren dat?", "en hoeveel unieke bezoekers?"):
        found = read(block, {"q": follow_up, "history": ["pageviews of /blog/hello in september"]})
        assert (found.tool, found.metric, found.pick) == ("top-pages", "visitors", "/blog/hello"), follow_up
    lost = read(block, {"q": "only for mobile users", "history": ["pageviews at the Binche carnival"]})
    assert (lost.part, lost.fragment) == ("subject", "only for mobile users")  # it narrows a question not understood
    found = parse_question("compare traffic dec with dec 2024", today=TODAY, tenant="acme")  # the first is asked
    assert (found.arguments["from"], found.compare.bounds(TODAY)[0]) == ("2025-12-01", date(2024, 12, 1))
    assert parse_question("author wise visitors for July 2025", today=TODAY, tenant="acme").arguments["property"] == (
        "author"
    )
    assert parse_question("date wise visitors in July", today=TODAY, tenant="acme").facet == "days"
    assert parse_question("Traffic-Quellne Donnerstag", today=TODAY, tenant="acme").facet == "sources"
    assert unclear("leeftijdsverdeling van de bezoekers in november") == ("topic", "leeftijdsverdeling")
    assert unclear("Wie viele Newsletter wurden in den letzten 30 Tagen geöffnet") == ("topic", "newsletter")
    assert unclear("Qui a visité le site hier, nom et prénom") == ("topic", "nom et prénom")
    assert unclear("which customers bought the most last month?")[0] == "topic"
    for question in (
        "was the website down yesterday",
        "social media mentions this week",
        "cost per acquisition in May",
    ):
        assert unclear(question)[0] == "topic", question
    assert unclear("can you break bounce rate for our store down by week over the past 8 weeks?") is None
    for question in ("US visitors?", "# US visitors a month ago"):
        found = parse_question(question, today=TODAY, tenant="acme")
        assert (found.tool, found.pick) == ("locations", "US"), question
    assert parse_question("show us visitors by country", today=TODAY, tenant="acme").pick is None
    for question in ("which campaign did worst 25 february", "which pages were most popular 23 january 2026 to today"):
        assert "limit" not in parse_question(question, today=TODAY, tenant="acme").arguments, question
    assert parse_question("visitor countries: top 6 Feb 8-14", today=TODAY, tenant="acme").arguments["limit"] == 7
    found = parse_question("In KW 4 bei blog.example: Eigenschaft plan", today=TODAY, tenant="acme")
    assert found.arguments["property"] == "plan"
    found = parse_question("voor het rapport: gaat de bounce rate dit jaar omhoog", today=TODAY, tenant="acme")
    assert (found.metric, found.compare.bounds(TODAY)) == ("bounce_rate", (date(2025, 1, 1), date(2025, 3, 18)))
