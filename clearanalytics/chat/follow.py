"""Follow-up questions ("and the week before?", "and by city?", "and from France?") and the unread-word guard.

A follow-up asks the conversation's previous question again with one change: a period, a site, a
comparison, a breakdown or a country. Its period and site are the previous ones unless it names
its own. A question with no period and a word no table read is not answered for the default period.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from clearanalytics.chat import focus, places, unread
from clearanalytics.chat.dates import fair_compare, parse_period
from clearanalytics.chat.periods import Period
from clearanalytics.chat.tables import BREAKDOWNS, METRICS, Rule
from clearanalytics.chat.unclear import Unclear, with_period
from clearanalytics.chat.when import COMPARISON, SAME_DAY_LAST_WEEK, SOON, THIS_UNIT, UNIT_BEFORE, week_earlier

if TYPE_CHECKING:
    from clearanalytics.chat.parser import Intent


def calendar_before(period: Period, today: date) -> Period | None:
    """A whole calendar week's, month's, quarter's or year's unit before ("and the one before that?" after November is
    October, "¿y el trimestre anterior?" after Q3 is Q2), also of one still running ("and the quarter before?" after
    Q1 2026 so far is Q4 2025, "the week before that?" after week 8 so far is week 7); the whole week, month or year
    before this one so far ("¿y la semana anterior?" after this week is last week); else None."""
    this = THIS_UNIT.match(period.words or "")
    if this:
        return parse_period(f"last {this.group(1)}", today)[0]
    start, end = period.bounds(today)
    unit = _calendar_unit(period.words or "", start, end, today)
    last = start - timedelta(days=1)
    if unit == "week":
        return Period("the week before", date_from=start - timedelta(days=7), date_to=last)
    if unit == "month":
        return Period(f"in {last:%B %Y}", date_from=last.replace(day=1), date_to=last)
    if unit == "quarter":
        first = last.replace(day=1, month=last.month - 2)
        return Period(f"in Q{(first.month + 2) // 3} {first.year}", date_from=first, date_to=last)
    if unit == "year":
        return Period(f"in {last.year}", date_from=last.replace(month=1, day=1), date_to=last)
    return None


def _calendar_unit(words: str, start: date, end: date, today: date) -> str | None:
    """The calendar unit a period is, whole or so far (cut at today): "week", "month", "quarter", "year" or None."""
    so_far = end == today
    if (
        WEEK_WORD.search(words)
        and start.weekday() == 0
        and ((end - start).days == 6 or (so_far and end < start + timedelta(days=7)))
    ):
        return "week"
    if start.day != 1 or not (so_far or (end + timedelta(days=1)).day == 1) or start.year != end.year:
        return None
    if start.month == 1 and ((end.month == 12 and end.day == 31) or (so_far and YEAR_WORDS.fullmatch(words))):
        return "year"  # a whole calendar year ("last year", "during 2025"), or one so far named by its number
    if start.month == end.month:
        return "month"
    quarter_end = start.month + 2
    if start.month % 3 == 1 and (
        end.month == quarter_end or (so_far and end.month < quarter_end and QUARTER_WORD.search(words))
    ):
        return "quarter"
    return None


WEEK_WORD = re.compile(r"\bweek\b")
QUARTER_WORD = re.compile(r"\bq[1-4]\b|\bquarter\b")
YEAR_WORDS = re.compile(r"(?:in )?(?:19|20)\d\d")


def _dates(start: date, end: date, today: date) -> Period:
    return parse_period(f"from {start.isoformat()} to {end.isoformat()}", today)[0]  # its label says the dates


# A follow-up ("and ...", "what about ..."): it keeps the previous question's period and site unless it names them.
FOLLOW_UP = re.compile(
    r"^(?:(?:ok(?:ay)?|so|right|cool|oh|hm+|um+) )?(?:and|what about|how about|also|plus)\b|\binstead\b"
    r"|\b(?:too|as well|tho|though)$"  # "can you give me pageviews too?": the same answer, another figure
)
PREVIOUS_UNIT = re.compile(r"\bthe previous (day|week|month|quarter|year)\b")
PREVIOUS_SPAN = re.compile(r"\b(?:the )?(?:previous|prior|preceding) \d+ (?:days|weeks|months)\b")


def previous_unit_moved(text: str, previous: Intent | None) -> str:
    """ "and the previous week?", "vs the previous week?" after an answer: the week before that answer's, not the
    week before this one (asked first, "the previous week" is last week)."""
    if previous is not None and (FOLLOW_UP.search(text) or COMPARISON.search(text)):
        text = PREVIOUS_UNIT.sub(r"the \1 before", text)
        return PREVIOUS_SPAN.sub("the period before", text)  # "vs the previous 12 days?" after the last 12 days
    return text


PER_NAME = re.compile(
    r"\b(?:per|by|je|nach|par|por|grouped by|split by|broken down by)\s+(?:the\s+)?(?P<p>[a-z][\w-]{2,}(?:/[\w/-]*~?)?)"
    r"(?![\w/~-])"
    # "list authors by visitors", "plan de los usuarios": a name no table knows, said of the visitors
    r"|^(?:list|rank) (?P<q>[a-z][\w-]{2,}?)s? by (?:visitors|pageviews)\b"
    r"|^(?P<r>[a-z][\w-]{2,}) (?:de los|van de) (?:users|visitors)\b"
    # "values of plan", "values of cta/position~": the values a name took (phrase_forms_s writes the other forms so)
    r"|\bvalues of (?:the )?(?P<s>[a-z][\w-]{2,}(?:/[\w/-]*~?)?)(?![\w/~-])"
    # "plan breakdown", "author-wise split", "plan values": a name no table knows, before the word for its values
    r"|(?<!propert)(?<!property )\b(?P<t>[a-z][\w-]{2,}(?:/[\w/-]*~?)?)(?:[- ]wise)? "
    r"(?:(?:breakdown|breakdwon|split)(?! by\b)|values\b(?! of\b))"
)

# "por autor", "par auteur": the property most sites send under its English name (Plausible's own example)
AUTHOR = {word: "author" for word in ("autor", "autores", "autoren", "auteur", "auteurs")}


def _singular(name: str | None) -> str | None:
    """ "how do plans split": the property is "plan" (a name's plural, not "status" or "class")."""
    return name[:-1] if name and re.search(r"[^sui]s$", name) else name


def property_named(text: str) -> str | None:
    """ "visits per author": the word after "per" or "by" when no table knows it (a custom property's name)."""
    for match in PER_NAME.finditer(text):
        name = (
            match.group("p") or match.group("q") or match.group("r") or match.group("s") or _singular(match.group("t"))
        )
        if not unread.known_word(name):
            return AUTHOR.get(name, name)
    return None


def compared(previous: Intent, today: date, against: Period | None = None) -> Intent:
    """The previous figure against the period before it ("how does that compare with the week before it?"), or
    against the one named ("compare that with last month"), cut to as many days as the previous one has so far."""
    this = THIS_UNIT.match(previous.period.words or "")
    if against is None and this:  # this month so far: against last month's same days (docs/CHAT.md)
        against = parse_period(f"last {this.group(1)}", today)[0]
    if against is not None:
        cut, partial = fair_compare(previous.period, against, True, today)
        return replace(previous, compare=cut, compare_is_preceding=False, partial=partial)
    before = calendar_before(previous.period, today) or previous.period.previous(today)
    return replace(previous, compare=before, compare_is_preceding=before == previous.period.previous(today))


SOURCE_LISTS = ("referrers", "sources", "revenue_by_source")  # "how much from google?" after one: google's row
SAME_LAST_YEAR = re.compile(
    r"\b(?:the )?same (?:day|week|month|quarter|period|days|weeks) (?:of )?(?:last|the previous) year\b"
)


def same_day_moved(previous: Intent, text: str, today: date) -> Period | None:
    """ "and the same day the week before?" after a day: that day a week earlier (no period named: None)."""
    return week_earlier(previous.period, today) if SAME_DAY_LAST_WEEK.search(text) else None


def year_back(period: Period, today: date) -> Period:
    """ "and the same month last year?": the previous answer's days, a year earlier (28 February for a 29th)."""
    start, end = period.bounds(today)
    return _dates(_a_year_before(start), _a_year_before(end), today)


def _a_year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28)) if day.month == 2 else day.replace(year=day.year - 1)


CAMPAIGN_DOING = re.compile(r"\bhow did (?:the )?(?P<name>[\w-]+) (?=(?:do|perform|go)\b)|^and (?P<alone>[\w-]+)$")


def campaign_named(previous: Intent, text: str) -> str:
    """ "and how did feb-2026 do?" after the campaigns: the feb-2026 campaign (a name no table knows)."""
    named = CAMPAIGN_DOING.search(text) if previous.tool == "campaigns" else None
    name = named and (named.group("name") or named.group("alone"))  # "and brand?"
    if named is None or focus.is_a_word(name, focus.NOT_A_CAMPAIGN, known=True):
        return text
    return text[: named.start()] + f"how did the {name} campaign " + text[named.end() :]


def kept_metrics(breakdown: Rule | None, over_time: bool) -> tuple[str, ...]:
    """The previous figures a follow-up asks again of its list: the counts; the daily list's rates too ("per day",
    after "bounce rate this week"); any, of a page ("and for /pricing?": its figure, or that there is none per page)."""
    if over_time and breakdown is not None and breakdown.name == "days":
        return ("visitors", "pageviews", "bounce_rate", "avg_duration")
    if breakdown is not None and breakdown.name == "pages":  # its figure for one page, or said not to be one
        return tuple(rule.name for rule in METRICS)
    return ("visitors", "pageviews")


PEOPLE = re.compile(r"\b(?:they|people|visitors|users)\b")  # "where did they come from?" after a revenue: the people


def sources_again(
    previous: Intent, breakdown: Rule, source: str | None, text: str = ""
) -> tuple[Rule | None, Rule | None]:
    """(breakdown, metric) of a follow-up that names sources: "and from google?" after a source's row asks for
    another row (no list of its own); "where did it come from?" after a revenue answer, revenue by source."""
    if previous.facet in ("sources", "referrers", "revenue_by_source") and source:
        return None, None
    if breakdown.name == "referrers" or (previous.metric == "revenue" and PEOPLE.search(text)):
        return breakdown, None  # "and referrers?" after the revenue: the sites that sent people, not money
    if previous.metric in ("revenue", "transactions"):  # "where did it come from?" after the revenue
        by_source = next(rule for rule in BREAKDOWNS if rule.name == "revenue_by_source")
        return by_source, next(rule for rule in METRICS if rule.name == "revenue")
    return breakdown, None


CAMPAIGN_WORD = re.compile(r"\bcampaigns?\b|\butm\b")  # a newsletter named without it may be a source or news
NEWSLETTER = re.compile(r"\b(?:from )?(?:the |our )?newsletters?\b")


def newsletter_as_source(words: str, breakdown: Rule | None, previous: Intent, sourced: bool) -> bool:
    """Whether "and from the newsletter?", asked after one source's row, names another source (the newsletter's
    row) rather than the campaigns list its word alone would be; so does "how much of that came from the
    newsletter?" after the revenue (the newsletter's row of the revenue by source)."""
    after_row = sourced and previous.pick is not None
    after_money = previous.tool == "ecommerce-overview" and previous.metric in ("revenue", "transactions")
    if not (after_row or (after_money and re.search(r"\bcame from (?:the |our )?newsletter", words))):
        return False
    return breakdown is not None and breakdown.name == "campaigns" and not CAMPAIGN_WORD.search(words)


def country_narrows(previous: Intent) -> bool:
    """Whether "and from France?" can narrow the previous question: its visitors or pageviews, or its countries."""
    return previous.facet in (None, "countries") and previous.metric in (None, "visitors", "pageviews")


def follow_up(
    previous: Intent,
    today: date,
    tenant: str,
    period: Period | None,
    domain: str | None,
    compare: bool,
    all_sites: bool = False,
) -> Intent:
    """The previous question again, with a new period, site (or all sites) or comparison."""
    if previous.tool == "list-sites":
        return previous
    if previous.tool == "realtime":
        return realtime_again(previous, tenant, domain, all_sites)
    arguments = {k: v for k, v in previous.arguments.items() if k not in ("period", "from", "to", "domain")}
    if period is None and compare:  # "and the week before?": the previous question's period, moved back
        period = calendar_before(previous.period, today) or previous.period.previous(today)
    if period is None and previous.period.words:  # "yesterday", asked again of another site: that site's yesterday
        try:
            period = parse_period(previous.period.words, today)[0]
        except ValueError:  # read once, it always reads again; should it not, the period as it was
            period = None
    period = period or previous.period
    if not all_sites:
        domain = domain or previous.domain
        all_sites = previous.all_sites and domain is None
    arguments = {**arguments, "tenant": tenant, **period.arguments()}
    if domain:
        arguments["domain"] = domain
    return replace(
        previous,
        arguments=arguments,
        period=period,
        domain=domain,
        compare=None,
        compare_is_preceding=False,
        all_sites=all_sites,
        partial=False,
    )


def unread_period(text: str, intent: Intent) -> Unclear | None:
    """A word no table read, in a question answered for the default period: that period is not said to be it. So is
    "the month before" asked first: there is no period before it to count back from."""
    moved_back = UNIT_BEFORE.search(text)
    if moved_back:
        fragment = moved_back.group(0)
        return Unclear(
            "period", fragment, with_period(text, fragment, SOON), "There is no earlier period to go back from."
        )
    country = places.find_country(text)
    names = (intent.domain, intent.pick, intent.section, intent.arguments.get("property"), country and country[1])
    word = unread.unread_word(focus.PATH.sub(" ", text), tuple(name or "" for name in names))
    if word is None:
        return None
    return Unclear("period", word, with_period(text, word, SOON), "It is no word I know.")


def reshaped(previous: Intent, series: str | None, limit: int | None, listed: bool, none_row: bool) -> Intent | None:
    """ "only the top 3", "per week instead": the previous answer again, cut to N rows or as a series; else None."""
    if series and previous.tool in ("analytics-overview", "ecommerce-overview"):
        return replace(previous, series=series, facet=f"{series}s")
    if limit and listed and previous.facet not in ("days", "hours") and not previous.pick:
        rows = min(limit + 1, 100) if none_row else limit  # one more, in case one row is "(none)"
        return replace(previous, arguments={**previous.arguments, "limit": rows}, shown=limit)
    return None


def realtime_again(previous: Intent, tenant: str, domain: str | None, all_sites: bool) -> Intent:
    """Who is on a site right now, asked again of another site ("and on the blog site?"), of them all ("and across
    all my sites?"), or of a figure ("now pageviews"): the same site unless another is named."""
    target = None if all_sites else domain or previous.domain
    arguments = {"tenant": tenant, **({"domain": target} if target else {})}
    return replace(previous, arguments=arguments, domain=target, all_sites=all_sites)


def series_kept(previous: Intent | None, intent: Intent | Unclear, listed: bool) -> Intent | Unclear:
    """A figure asked after a series ("and unique visitors?" after "orders per week in Q4"): one figure per week or
    month again, unless the follow-up names a list of its own, or the same figure ("and how much revenue?" after the
    revenue per month: its total)."""
    if previous is None or not previous.series or listed or isinstance(intent, Unclear) or intent.series:
        return intent
    if intent.metric == previous.metric or intent.period != previous.period:  # "how many orders in the past 3 days?"
        return intent
    if intent.tool not in ("analytics-overview", "ecommerce-overview") or intent.compare is not None:
        return intent
    return replace(intent, series=previous.series, facet=previous.facet)


# The row answered, said again: "how long did people stay on it?", "and on that page?"
ON_THE_ROW = re.compile(
    r"\b(?:on|of|for|from|about) (?:it|that(?: page| one)?|this page|there)\b|\bthat page\b"
    r"|\bdid (?:it|that page|those|they) (?:make|bring|earn)\b"  # "did it make" is read "did those make"
    r"|\b(?:was|were) (?:that|those)\?*$|\b(?:waren|was) dat\b"  # "how many visitors was that?" of the row answered
)


ONE_OF_THEM = re.compile(r"\bwhich (?:one|of them|of those)\b")


def row_figure_asked(previous: Intent, text: str, breakdown, follow_up: bool) -> bool:
    """A figure asked of the one row answered: "what about pageviews?", "and the average time on page?" (the pages'
    own figure, of that page), "how long did people stay on it?"."""
    if not (follow_up or ON_THE_ROW.search(text)):
        return False
    return breakdown is None or (breakdown.name == previous.facet == "pages" and not focus.PATH.search(text))
