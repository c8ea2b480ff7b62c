"""Questions about one row or one section of a list, and the narrowings no list can answer.

The tools take no filters: "visitors of /pricing" reads the /pricing row of top-pages (asked
for its 100 rows), "revenue from google" the google row of revenue by source, "the blog
posts" the pages under /blog. A narrowing that no list holds ("browsers on mobile", "revenue
by campaign", "bounce rate of /pricing") is an Unclear with the readings it can answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from clearanalytics.chat import focus, places, unread
from clearanalytics.chat.periods import Period, default_period
from clearanalytics.chat.tables import BREAKDOWNS
from clearanalytics.chat.unclear import WEATHER, Unclear

CROSSED_BY_CAMPAIGN = (
    "pages",
    "countries",
    "cities",
    "regions",
    "devices",
    "browsers",
    "operating_systems",
    "languages",
)
CROSSED_BY_SOURCE = (
    "pages",
    "browsers",
    "operating_systems",
    "devices",
    "languages",
    "hours",
    "days",
    "cities",
    "regions",
)


RATE_WORDS = {"avg_order_value": "average order value", "avg_duration": "average visit duration"}


def suggest(period: Period | None, questions: tuple[str, ...]) -> tuple[str, ...]:
    """Whole questions to offer, each with the period of the question that was not understood."""
    words = (period or default_period()).label
    return tuple(f"{q} {words}" for q in questions)


def unknown_topic(text: str, period: Period | None) -> Unclear | None:
    """A question that names no figure or list the tables know, but a word they do not ("server uptime", "churn"):
    that word is the topic no tool has, said as such, instead of the help text (None) for a question with none."""
    weather = WEATHER.search(text)  # "the weather in Paris": the weather is what is asked, not Paris
    word = weather.group(0) if weather else unread.unread_word(text)
    if word is None:
        return None
    return Unclear("topic", word, suggest(period, ("visitors", "top pages")), "No tool of the chat has that yet.")


def narrowing_unclear(what: str, facet: str, period: Period | None, split: str = "visitors by device") -> Unclear:
    """A narrowing the tools have no filter for ("browsers on mobile"): the two halves it can answer apart."""
    topic = facet.replace("_", " ")
    reason = f"the tools cannot narrow {topic} down to {what} yet."
    return Unclear("filter", what, suggest(period, (split, ASKED_AS.get(facet, topic))), reason)


# A facet's name that is no question by itself ("days"): the question that asks for it.
ASKED_AS = {"days": "visitors per day", "hours": "visitors by hour", "avg_duration": "average visit duration"}


def narrow(
    plain: str,
    tool: str,
    facet: str | None,
    metric_name: str | None,
    device: str | None,
    domain: str | None,
    period: Period | None = None,
):
    """(tool, facet, extra) for a question about one row or section; an Unclear when no list can answer it."""
    country = places.find_country(plain)
    if country and focus.PATH.search(plain):  # "pageviews of /pricing from visitors in Japan"
        return narrowing_unclear(f"visitors from {places.country_name(country[0])}", "pages", period)
    if country:
        return _country(country[0], tool, facet, metric_name, device, period)
    pages_asked = facet in ("pages", None) and metric_name in (None, "pageviews", "visitors")
    page = focus.PATH.search(plain)  # "bezoekers van het blogartikel /blog/hello": the page, not the blog section
    one_page = page is not None and re.fullmatch(r"/[\w.%-]+/(?!\.+/?$)[\w.%-]+/?", page.group(1)) is not None
    section = focus.section(plain) if pages_asked and not one_page else None
    if section:
        return "top-pages", "pages", {"section": section}
    path = focus.PATH.search(plain)
    rate = tool == "ecommerce-overview" and metric_name == "conversion_rate"  # "conversion rate of /docs"
    money = metric_name in ("revenue", "transactions", "avg_order_value")  # "revenue of /pricing"
    if path and (facet in (None, "pages")) and (tool in ("analytics-overview", "top-pages") or rate or money):
        if money:
            reason = "Revenue is split by source and by product in the tools, not by page."
            offers = ("revenue by source last month", f"visitors of {path.group(1)}")
            return Unclear("metric", f"{metric_name.replace('_', ' ')} of {path.group(1)}", offers, reason)
        if metric_name in ("bounce_rate", "conversion_rate"):
            reason = (
                f"The tools give a {metric_name.replace('_', ' ')} per site, not per page; "
                "for one page I can give visitors, pageviews and average time."
            )
            page = path.group(1)
            what = f"{metric_name.replace('_', ' ')} of {page}"
            return Unclear("metric", what, (f"visitors of {page}", f"average time on {page}"), reason)
        return "top-pages", "pages", {"pick": path.group(1)}
    if device and facet not in (None, "devices"):
        return narrowing_unclear(f"{device} visitors", facet, period)
    if device:
        if metric_name not in (None, "visitors"):
            return narrowing_unclear(f"{device} visitors", metric_name, period)
        return "device-and-browser", "devices", {"pick": device}
    if facet == "campaigns" and metric_name in ("conversion_rate", "bounce_rate", "avg_order_value"):
        name = metric_name.replace("_", " ")
        reason = f"The tools give no {name} per campaign."
        return Unclear("metric", f"{name} of a campaign", ("best campaigns last month",), reason)
    if path and facet not in (None, "pages"):  # "languages of visitors who landed on /pricing"
        return narrowing_unclear(f"visitors of {path.group(1)}", facet, period)
    rates = ("bounce_rate", "avg_duration", "conversion_rate", "avg_order_value")
    per_list = ("browsers", "operating_systems", "devices", "languages", "cities", "regions", "countries", "campaigns")
    per_list += ("products",)  # a product's row has its revenue, quantity and orders only
    crossed = facet in per_list or facet in ("sources", "referrers") and not focus.source(plain, ())
    if crossed and metric_name in rates:
        name, per = RATE_WORDS.get(metric_name, metric_name.replace("_", " ")), facet.replace("_", " ")
        reason = f"The tools give {'an' if name[0] in 'aeiou' else 'a'} {name} per site, not per one of the {per}."
        return Unclear("metric", f"{name} per {per}", (f"{name} last month", f"top {per} last month"), reason)
    if facet in CROSSED_BY_SOURCE[1:] + ("countries",) and metric_name in ("revenue", "transactions"):
        reason = f"Revenue is split by source and by product in the tools, not by {facet.replace('_', ' ')}."
        offers = ("revenue by source last month", f"top {facet.replace('_', ' ')} last month")
        return Unclear("metric", f"revenue by {facet.replace('_', ' ')}", offers, reason)
    if facet == "pages" and metric_name in ("revenue", "transactions", "avg_order_value"):  # "revenue per page"
        reason = "Revenue is split by source and by product in the tools, not by page."
        return Unclear(
            "metric", "revenue per page", ("revenue by source last month", "top products last month"), reason
        )
    if facet == "pages" and metric_name in ("bounce_rate", "conversion_rate"):
        name = metric_name.replace("_", " ")
        reason = f"The tools give a {name} per site, not per page."
        return Unclear("metric", f"{name} per page", (f"{name} last week", "top pages last week"), reason)
    campaign = focus.campaign(plain) if facet == "campaigns" else None
    if facet == "campaigns" and metric_name in ("revenue", "transactions") and not campaign and "newsletter" in plain:
        return "ecommerce-products", "revenue_by_source", {"pick": "newsletter"}  # the newsletter is a source too
    if facet == "campaigns" and metric_name in ("revenue", "transactions", "avg_order_value"):
        reason = "Revenue is split by source in the tools, not by campaign."
        return Unclear(
            "metric", "revenue by campaign", ("revenue by source last month", "best campaigns last month"), reason
        )
    crossing = next(
        (rule.name for rule in BREAKDOWNS if rule.name in CROSSED_BY_CAMPAIGN and rule.pattern.search(plain)), None
    )
    if (
        campaign and crossing
    ):  # "top pages for people who came via the brand campaign", "countries for the brand campaign"
        return narrowing_unclear(f"visitors of the {campaign} campaign", crossing, period, "campaigns")
    if campaign:
        return "campaigns", "campaigns", {"pick": campaign}
    source = focus.source(plain, (domain,) if domain else ())
    if source and metric_name not in (None, "visitors", "pageviews", "revenue", "transactions"):
        return narrowing_unclear(f"visitors from {source}", metric_name, period)  # "bounce rate for google traffic"
    if source and facet in (None, "sources", "referrers", "revenue_by_source"):
        if metric_name in ("revenue", "transactions") or facet == "revenue_by_source":
            return "ecommerce-products", "revenue_by_source", {"pick": source}
        if metric_name in (None, "visitors") and facet != "revenue_by_source":
            return "traffic-sources", "referrers", {"pick": source}
    if source and facet in ("sources", "referrers") and metric_name == "pageviews":  # the lists count visitors
        return narrowing_unclear(f"visitors from {source}", "pageviews", period)
    if source and facet in (*CROSSED_BY_SOURCE, "countries"):
        return narrowing_unclear(f"visitors from {source}", facet, period)
    if tool == "custom-properties":
        name = focus.prop(plain)
        if not name:
            return Unclear("topic", "property", (), "Name the property, for example: visitors by property author.")
        return tool, "properties", {"property": name}
    return None


def _country(code: str, tool: str, facet: str | None, metric_name: str | None, device: str | None, period):
    """One country's row of the locations list; any other figure or list of one country cannot be given."""
    name = places.country_name(code)
    if facet in (None, "countries") and metric_name in (None, "visitors", "pageviews") and not device:
        return "locations", "countries", {"pick": code}
    what = f"{device} visitors" if device else (facet or metric_name or "visitors")
    return narrowing_unclear(f"visitors from {name}", what, period, f"visitors from {name}")


# Lists whose one row ("visitors on /pricing", "from google", "on mobile") a figure asked next is asked of.
ROW_LISTS = ("pages", "devices", "sources", "referrers", "countries", "regions", "cities", "browsers")
ROW_LISTS += ("operating_systems", "languages")
PAGE_FIGURES = ("visitors", "pageviews", "avg_duration")


def figure_of_row(asked, metric_name: str):
    """ "what about pageviews?" after the visitors of /pricing: the page's pageviews. A figure the row's list does not
    have (a page's bounce rate, google's pageviews) is said to be none, never the whole site's figure instead."""
    pick, words = asked.pick, metric_name.replace("_", " ")
    if asked.facet == "pages":
        if metric_name in PAGE_FIGURES:
            return replace(asked, metric=metric_name)
        reason = (
            "Revenue is split by source and by product in the tools, not by page."
            if metric_name in ("revenue", "transactions", "avg_order_value")
            else f"The tools give a {words} per site, not per page; for one page I can give visitors, pageviews and "
            "average time."
        )
        return Unclear("metric", f"{words} of {pick}", (f"visitors of {pick}", f"average time on {pick}"), reason)
    if metric_name == "visitors":
        return replace(asked, metric=metric_name)
    row = f"{pick} visitors" if asked.facet == "devices" else f"visitors from {_row_name(asked)}"
    return narrowing_unclear(row, metric_name, asked.period, ASKED_AS.get(asked.facet, f"top {asked.facet}"))


def _row_name(asked) -> str:
    return places.country_name(asked.pick) if asked.facet == "countries" else asked.pick
