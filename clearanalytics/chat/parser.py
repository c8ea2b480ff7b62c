"""The built-in question parser: plain-language questions to one of the 12 tools and its arguments.

It is a few tables of regular expressions, tried in order, first match wins:
- BREAKDOWNS: what to break the data down by ("top pages", "which browsers", "peak hour");
  a breakdown picks the tool and the facet of its result that answers the question;
- METRICS: the number asked for ("visitors", "bounce rate", "revenue"); with no breakdown
  the metric picks the tool, with one it says which column to rank or quote;
- periods.RULES: the period in words, resolved against an injected `today`;
- the site ("on shop.example"), a limit ("top 5 pages") and a comparison ("compared to the
  week before").
To teach it a new phrasing, add a pattern to a table; tests/chat_golden.json pins the rest.
The parser never touches data: it only says which tool to call with which arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from clearanalytics.chat import focus, follow, lexicon, openers, places, unread
from clearanalytics.chat.dates import WEEKDAYS, fair_compare, parse_period
from clearanalytics.chat.narrowing import ROW_LISTS, figure_of_row, narrow, narrowing_unclear, suggest, unknown_topic
from clearanalytics.chat.periods import MONTHS, NUMBER_WORDS, Period, default_period
from clearanalytics.chat.tables import BREAKDOWNS, METRICS, Rule
from clearanalytics.chat.unclear import TOPICS, WEATHER, Unclear, unseen_deed
from clearanalytics.chat.when import (
    COMPARISON,
    SAME_DAY_LAST_WEEK,
    UNIT_BEFORE,
    read_periods,
    split_comparison,
    week_earlier,
)

_TRAFFIC_LISTS = ("top-pages", "traffic-sources", "device-and-browser", "languages", "campaigns", "locations")
LIST_TOOLS = (*_TRAFFIC_LISTS, "ecommerce-products", "custom-properties")
# Facets whose rows may be "(none)" (no referrer, no language, an unknown location): one row more is asked
# so that top N shows N.
MAY_HAVE_NONE = ("referrers", "sources", "languages", "campaigns", "countries", "regions", "cities")
LEVELS = {"countries": "country", "regions": "region", "cities": "city"}  # facet -> the locations tool's level
NONE_ASKED = re.compile(r"\b(?:none|direct(?:ly)?)\b")  # "top 5 sources including direct": "(none)" is one of them


BEFORE = re.compile(
    rf"{UNIT_BEFORE.pattern}|\bthe period before\b|\bbefore that\b|\bthe previous (?:one|period)\b|\bpreceding that\b"
)
FOLLOW_UP = follow.FOLLOW_UP


BY_VISITORS = re.compile(r"\b(?:unique )?visitors\b|\buniques?\b|\busers\b")  # a page list ranked by them
WHICH = re.compile(r"\b(?:which|what)\s+(?P<n>[a-z][\w-]{3,})\b")
NOW_FIRST = re.compile(
    r"^(?:and |ok |okay |so )?(?:right )?now,? (?:please )?"
    r"(?=only|just|by|per|for|the|split|break|same|on|do|across|\w+ only|dame|los|las|la|el|le|des|du|give|show|"
    r"unique|page|bounce|time|avg|orders|sales|revenue|conversion|visitors|aov|average|transactions|[\w-]+\.[a-z]{2,}\b)"
    r"|(?P<site>\b[\w-]+\.[a-z]{2,}) now$"  # "ok, shop.example now": that site next
)
SORTED = re.compile(r"\b(?:sort(?:ed)?|rank(?:ed)?|order(?:ed)?) (?:them |it )?by\b|\bwhich (?:of them|one) ")
RANKED = re.compile(r"\b(?:best|busiest|strongest|biggest|top|peak|highest|most)\b|" + focus.WORST.pattern)
# "do the same for pageviews", "and pageviews?" ("same for X" reads "and X"): a figure asked again of the same list
SAME_FOR = re.compile(
    r"^(?:now |ok |okay |and )?(?:do |show )?(?:the )?same (?:thing )?(?:for|with)\b|" + FOLLOW_UP.pattern
)
ONLY = re.compile(r"^(?:and |but |now )?(?:only|just)\b")
_MONTH_WORDS = "|".join(MONTHS)  # "the worst 25 october" names a day, not a top 25
_COUNT = r"\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty"
LIMIT = re.compile(
    rf"\b(?:top|best|first|worst|highest|leading|strongest|biggest|largest|busiest|most popular)\s+(?P<n>{_COUNT})\b"
    rf"(?! (?:days?|weeks?|months?|years?|quarters?|hours?)\b(?! \d))(?! (?:{_MONTH_WORDS})\b(?! \d{{1,2}}\b))"
    rf"|(?<![-/.\d])\b(?P<m>{_COUNT})(?<!quick one)\s+"
    r"(?:most|best|top|biggest|main|largest|leading|principal|highest|busiest|popular|strongest)\b"
    rf"|\bwhich (?P<w>\d{{1,3}}|two|three|four|five|ten)\b"
    rf"|\b(?:the|die|de|los|las|les) (?P<k>{_COUNT}) (?:\w+ ){{1,2}}?(?:with|mit|met|con|avec) (?:the )?"
    r"(?:most|highest|biggest|largest|fewest|lowest)\b"
    rf"|\b(?:the|die|de|los|las|les) (?P<j>{_COUNT}) (?:[\w'-]+ ){{1,3}}?(?:sending|bringing|that|qui|que|die|welche)"
    r"\b.*?\b(?:most|highest|biggest|mieux|más|meisten|meeste|vaakst|best)\b"
)
# "across all my sites", "on all sites", "every site", "all websites", "all my domains": the whole tenant
ALL_SITES = re.compile(
    r"\b(?:all|every|each)\s+(?:of\s+)?(?:my\s+|our\s+|the\s+)?(?:web)?(?:sites?|domains?)\b"
    r"|\bacross\s+(?:my\s+|our\s+|the\s+)?(?:web)?(?:sites|domains)\b|\b(?:all|every) sites? combined\b"
)
LIST_SITES = re.compile(r"\b(?:which|list|show)\b|\bwhat (?:are )?(?:all )?(?:my |our )?(?:web)?(?:sites|domains)\b")


@dataclass(frozen=True)
class Intent:
    """What the parser understood: the tool to call, its arguments, and what to say about the result."""

    tool: str
    arguments: dict
    metric: str | None
    facet: str | None
    period: Period
    domain: str | None = None
    compare: Period | None = None
    compare_is_preceding: bool = False  # the compared period is the one the tools' *_change use
    all_sites: bool = False  # the question asked for every site ("across all my sites")
    rank: str = "best"  # "worst" for the quietest day or hour
    series: str | None = None  # "week" or "month": one overview per bucket
    pick: str | None = None  # one row of the facet's list: a page path, a source, a campaign, a device
    section: str | None = None  # pages under this first path segment ("the blog posts")
    partial: bool = False  # a period so far, compared with the same number of days of the other
    shown: int | None = None  # rows to show (top N), when the question says


def _first(rules: tuple[Rule, ...], text: str) -> Rule | None:
    for rule in rules:
        if rule.pattern.search(text):
            return rule
    return None


@lru_cache(maxsize=16384)
def clean_question(question: str) -> str:
    """Lower case, the four other languages in English (lexicon.py), typos mended, punctuation out.

    Kept per text: some 600 phrase rows run over each question, and a conversation reads it again (the guards,
    the offers, a follow-up's history)."""
    text = openers.drop_opener(places.US_BEFORE_PEOPLE.sub("the US", question).lower().replace("’", "'"))
    text = focus.slash_separators(re.sub(r"[?!;:¿¡]|,(?!\s*\d{4})", " ", text))
    text = re.sub(r"\s+", " ", text).strip()
    text = lexicon.fix_typos(lexicon.to_english(lexicon.fix_foreign_typos(text)))
    text = re.sub(r"\bpage[ -]views?\b", "pageviews", text)
    return re.sub(r"\s+", " ", text).strip()


def _limit(text: str) -> int | None:
    match = LIMIT.search(text)
    if not match:
        return None
    word = next(match.group(g) for g in "nmwkj" if match.group(g))
    value = NUMBER_WORDS.get(word) or int(word)
    return value if 1 <= value <= 100 else None


def parse_question(
    question: str,
    *,
    today: date,
    tenant: str,
    domains: list[str] | tuple[str, ...] = (),
    previous: Intent | None = None,
    default_domain: str | None = None,
) -> Intent | Unclear | None:
    """Map a question to an Intent, an Unclear (a part it could not read), or None (nothing it knows).

    `previous` is the intent of the conversation's last question: a follow-up that names
    only a period, a site, a comparison or a device ("and the month before?", "what about on
    shop.example?", "only on mobile") asks the same thing again with that change.
    `default_domain` is the site whose page the chat was opened on: a question that names
    no site is about that one (the numbers then match the page), unless it says "all sites".
    """
    text = clean_question(question)
    if not text:
        return None
    text = follow.previous_unit_moved(text, previous)  # "and the previous week?": the one before the last answer's
    if previous is not None:  # "now the referrers", "ok now only mobile": "now" starts the sentence, not realtime
        text = NOW_FIRST.sub(r"\g<site>", text)
        text = follow.campaign_named(previous, text)
    domain = focus.find_domain(text, domains)
    near = focus.slip_of_site(domain, domains)
    if (
        domain
        and domain not in domains
        and re.search(rf"\b(?:from|via|through)\s+{re.escape(domain)}\b", text)
        and (not focus.of_a_site(text, domain))
    ):
        mine = focus.find_domain(text.replace(domain, " "), domains)  # "... from t.co on the shop site": that site
        domain = domain if near else mine if mine in domains else None  # "traffic from t.co": a referrer, not yours
    if near:  # "shpo.example": a slip of one of your sites, not another site (another is the tool's to refuse)
        return Unclear(
            "site", domain, tuple(text.replace(domain, site) for site in near), "It is not one of your sites."
        )
    sourced = previous is not None and previous.facet in ("sources", "referrers", "revenue_by_source")
    as_site = focus.switched_to(text, domain) if domain else None
    if domain and domain not in domains and (focus.referred(text, domain) or (sourced and not as_site)):
        # "did t.co send", "referred by blog.friend.example": another domain named as a source is a referrer
        named = rf"(?:\b(?:from|via|through|by|to|par|de|did)\s+)?{re.escape(domain)}"
        text, referrer = re.sub(named, f"from {domain}", text), domain
        mine = focus.find_domain(
            text.replace(referrer, " "), domains
        )  # "did blog.friend.example send anyone to blog.example"
        domain = mine if mine in domains else None
    if domain and domain not in domains and domains and default_domain is None:  # "visitors on rival.example"
        # (opened on a site's page, the chat leaves the refusal to the tools, which name the page's site)
        offers = tuple(text.replace(domain, site) for site in domains)
        return Unclear("site", domain, offers, "It is not one of your sites.")
    read = read_periods(text, domain, today, first=previous is None)
    if isinstance(read, Unclear):
        return read
    period, compare_period, explicit_period = read
    if previous is not None and follow.SAME_LAST_YEAR.search(text):  # "and the same month last year?"
        period, compare_period = follow.year_back(previous.period, today), None
    _main, comparison = split_comparison(text)
    # Dates look like domains to nothing, but a domain can contain words the tables know
    # ("shop.example"), so the tables read the text without it; likewise "all my sites".
    plain = text.replace(domain, " ") if domain else text
    topic = TOPICS.search(plain) or unseen_deed(plain) or (WEATHER.search(plain) if _first(METRICS, plain) else None)
    if topic:
        offers = suggest(period, ("visitors by country", "visitors by device"))
        return Unclear("topic", topic.group(0), offers, "No tool of the chat has that yet.")
    all_sites = domain is None and ALL_SITES.search(plain) is not None
    words = focus.PATH.sub(" ", plain)  # a path's words are not keywords: "/signup" is a page, not the signups
    without = ALL_SITES.sub(" ", words)
    breakdown, metric = _first(BREAKDOWNS, without), _first(METRICS, without)
    if all_sites and breakdown is None and metric is None and (previous is None or LIST_SITES.search(plain)):
        all_sites = False  # "show all my sites" lists them; "and across all my sites?" is a follow-up
    if not all_sites:
        breakdown, metric = _first(BREAKDOWNS, words), _first(METRICS, words)
    if previous is not None and follow.newsletter_as_source(words, breakdown, previous, sourced):
        words = plain = follow.NEWSLETTER.sub("from newsletter", words)  # "and from the newsletter?" after google's
        breakdown = None
    if previous is not None and metric is None and breakdown is not None and breakdown.name in ("sources", "referrers"):
        breakdown, metric = follow.sources_again(previous, breakdown, focus.source(words, tuple(domains)), words)
    named = {focus.DEVICE: focus.device(words), focus.SOURCE: focus.source(words, ())}
    for narrowing in (focus.DEVICE, focus.SOURCE):  # "browsers on mobile", "top pages from google": the rest
        if named[narrowing]:  # is the breakdown, the device or source narrows it ("from which" names none)
            breakdown = _first(BREAKDOWNS, narrowing.sub(" ", words)) or breakdown
    money = metric is not None and metric.name in ("revenue", "transactions")
    if breakdown is None and money and focus.product_sold(words):
        breakdown = _rule("products")  # "ventas de camisetas en diciembre": the products, with the shirts' row
    if breakdown is None and metric is None and comparison is not None and explicit_period and previous is None:
        metric = _first(METRICS, "visitors")  # "this week vs last week": the traffic, as the dashboard compares
    realtime = not explicit_period and focus.REALTIME.search(plain) is not None
    if realtime and breakdown is not None and breakdown.name == "campaigns" and not follow.CAMPAIGN_WORD.search(plain):
        breakdown = None  # "we just sent the newsletter - how many people are on the site right now?"
    if realtime and (breakdown is None or breakdown.name in ("pages", "sources", "referrers")):
        target = domain if domain or all_sites else default_domain
        return Intent(
            "realtime",
            {"tenant": tenant, **({"domain": target} if target else {})},
            metric.name if metric else None,
            "realtime",
            Period("right now"),
            target,
            all_sites=all_sites,
        )
    device = focus.device(plain)
    rest = focus.DEVICE.sub(" ", plain)
    rest_metric = _first(METRICS, rest)
    only = previous is not None and ONLY.match(text) is not None  # "only tablet users": the users are the narrowing's
    device_only = (
        device is not None
        and _first(BREAKDOWNS, rest) is None
        and (rest_metric is None or (only and rest_metric.name == "visitors"))
    )
    country = places.find_country(plain)
    narrowing_follow_up = previous is not None and (FOLLOW_UP.search(text) or ONLY.match(text))
    source = focus.source(words, tuple(domains)) if previous is not None and ONLY.match(text) else None
    if source and not explicit_period and previous.facet not in (None, "sources", "referrers", "revenue_by_source"):
        return narrowing_unclear(f"visitors from {source}", previous.facet, previous.period, f"visitors from {source}")
    page = focus.PATH.search(plain) if previous is not None and ONLY.match(text) else None
    if page and previous.facet not in (None, "pages"):  # "only for the pricing page" after the browsers
        return narrowing_unclear(f"visitors of {page.group(1)}", previous.facet, previous.period)
    if country and narrowing_follow_up and not explicit_period and not follow.country_narrows(previous):
        name = places.country_name(country[0])
        what = previous.facet or previous.metric or "that"
        return narrowing_unclear(f"visitors from {name}", what, previous.period, f"visitors from {name}")
    if breakdown is None and metric is None and not device and country:  # "and from France?": its visitors
        if previous is not None and not follow.country_narrows(previous):
            what = previous.facet or previous.metric or "that"
            name = places.country_name(country[0])
            return narrowing_unclear(f"visitors from {name}", what, previous.period, f"visitors from {name}")
        metric = _first(METRICS, "visitors")
    asked = WHICH.search(words) if breakdown is None else None
    if asked and not unread.known_word(asked.group("n")):  # "which plans did people click on": no table has plans
        reason = "No tool of the chat has that yet."
        offers = suggest(period, ("visitors by country", "visitors by device"))
        return Unclear("topic", asked.group("n"), offers, reason)
    prop = follow.property_named(plain) if breakdown is None or breakdown.name == "goals" else None
    if prop and lexicon.swapped_known(prop):  # "visiteurs par pyas": a slip of "pays", not a property "pyas"
        return Unclear("topic", prop, (), f'Did you mean "{lexicon.swapped_known(prop)}"? Please ask again.')
    if prop:  # "visits per author": a name no table knows, after "per" or "by", is a custom property
        breakdown, plain = _rule("properties"), f"property {prop} {plain}"
    if breakdown is None and metric is None and focus.section(plain):  # "what's popular in the docs section"
        breakdown = _rule("pages")
    page_again = previous is not None and breakdown is None and focus.PATH.search(plain) and not device
    if page_again:
        breakdown = _rule("pages")  # "and for /pricing?": that page's row of the figure asked before
    if breakdown is None and metric is None and not device:
        moved_back = any(rule.search(text) for rule in (BEFORE, SAME_DAY_LAST_WEEK)) or comparison is not None
        source = focus.source(words, tuple(domains)) if sourced else None  # "and bing?" after google
        ranked = previous is not None and previous.facet in ("days", "hours") and RANKED.search(text) is not None
        if previous is not None and not (explicit_period or domain or all_sites):  # "only the top 3", "per week"
            listed, none_row = previous.tool in LIST_TOOLS, previous.facet in MAY_HAVE_NONE
            again = follow.reshaped(previous, focus.series(plain), _limit(plain), listed, none_row)
            if again is not None:
                return again
        if previous is None or not (explicit_period or domain or all_sites or moved_back or source or ranked):
            return unknown_topic(plain, period)
        if ranked and not (explicit_period or domain or all_sites):  # "and the quietest one?" after the busiest day
            return replace(previous, rank="worst" if focus.WORST.search(text) else "best")
        named = period if explicit_period else follow.same_day_moved(previous, text, today)
        overview = previous.tool in ("analytics-overview", "ecommerce-overview")
        if comparison is not None and not explicit_period and overview:
            same_day = SAME_DAY_LAST_WEEK.search(comparison)  # "compare it with the same day last week"
            against = week_earlier(previous.period, today) if same_day else None  # else "with the week before?"
            return follow.compared(previous, today, against)
        against_named = comparison is not None and "for comparison" in comparison  # "last week for comparison"
        if (
            comparison is not None
            and overview
            and compare_period is None
            and (against_named or not parse_period(_main, today)[0])
        ):
            against = None if BEFORE.search(text) else period  # "compare that with last month": the named one
            return follow.compared(previous, today, against)
        asked = follow.follow_up(previous, today, tenant, named, domain, moved_back, all_sites)
        if source and (previous.pick or previous.facet in follow.SOURCE_LISTS):  # "did t.co send any?"
            arguments = {**asked.arguments, "limit": focus.FULL_LIST}
            facet = "referrers" if asked.facet == "sources" else asked.facet  # one source's row: of the referrers
            return replace(asked, pick=source, facet=facet, arguments=arguments)
        series = focus.series(plain) if asked.tool in ("analytics-overview", "ecommerce-overview") else None
        if series:  # "and monthly for the whole of last year?": the same figure as a series
            return replace(asked, series=series, facet=f"{series}s")
        return asked
    if device_only and previous is not None:  # "only on mobile": the previous question, narrowed
        counted = previous.metric in (None, "visitors")
        if (previous.tool != "analytics-overview" and previous.facet != "devices") or not counted:
            what = previous.facet or previous.metric or "that"
            return narrowing_unclear(f"{device} visitors", what, previous.period)
        breakdown, metric = _rule("devices"), _first(METRICS, "visitors")
        period = period if explicit_period else previous.period
        domain = domain or previous.domain
        all_sites = all_sites or (previous.all_sites and domain is None)
    if previous is not None and previous.tool == "realtime" and not explicit_period:  # "and on shop.example?": who
        return follow.realtime_again(previous, tenant, domain, all_sites)
    row_only = previous is not None and previous.pick and previous.facet in ROW_LISTS and not (device or country)
    if row_only and metric and follow.row_figure_asked(previous, text, breakdown, FOLLOW_UP.search(text) is not None):
        asked = follow.follow_up(previous, today, tenant, period if explicit_period else None, domain, False)
        return figure_of_row(asked, metric.name)
    if previous is not None and not explicit_period:  # in a conversation, "top pages" keeps the period asked about
        period, explicit_period = previous.period, True
        if breakdown is not None and BEFORE.search(text):  # "same daily view for the week before that?"
            period = follow.calendar_before(previous.period, today) or previous.period.previous(today)
        over_time = breakdown is not None and breakdown.name in ("days", "hours")  # "break that down per day"
        a_page = focus.PATH.search(plain) and (breakdown is None or breakdown.name == "pages")  # "just the /x page"
        again = a_page or (FOLLOW_UP.search(text) and (breakdown is None or focus.PATH.search(text)))  # not a new list
        if metric is None and (again or over_time) and previous.metric in follow.kept_metrics(breakdown, over_time):
            metric = next(rule for rule in METRICS if rule.name == previous.metric)  # "what about the /docs page?"
        if breakdown is None and metric and follow.ONE_OF_THEM.search(text) and previous.tool in LIST_TOOLS:
            breakdown = _rule(previous.facet)  # "which one made the most revenue?" after the campaigns: of that list
        if breakdown is None and SAME_FOR.search(text) and previous.facet in ("days", "hours"):
            breakdown = _rule(previous.facet)  # "do the same for pageviews": the daily list again, of pageviews
        domain = domain or (None if all_sites else previous.domain)
        if breakdown is None and metric and previous.facet == "pages" and (SORTED.search(text) or RANKED.search(text)):
            breakdown = _rule("pages")  # "rank them by bounce rate": the pages by that figure, if the tools have it
    period = period or default_period()
    if domain is None and not all_sites:
        domain = default_domain
    if breakdown is None and metric is None:  # a device or a name and nothing asked of it: not understood
        return unknown_topic(plain, period)
    intent = _intent(
        text, plain, tenant, today, period, compare_period, comparison, breakdown, metric, domain, all_sites, device
    )
    intent = follow.series_kept(previous, intent, breakdown is not None)
    if isinstance(intent, Intent) and not explicit_period and intent.tool != "list-sites":
        return follow.unread_period(text, intent) or intent
    return intent


def _rule(name: str) -> Rule:
    return next(rule for rule in BREAKDOWNS if rule.name == name)


def _intent(
    text, plain, tenant, today, period, compare_period, comparison, breakdown, metric, domain, all_sites, device
) -> Intent | Unclear:
    """The Intent of a question whose tool is known: arguments, narrowing, comparison."""
    rule = breakdown or metric
    tool = rule.tool
    facet = breakdown.name if breakdown else None
    if breakdown and breakdown.name == "goals" and metric and metric.tool == "ecommerce-overview":
        tool, facet = metric.tool, None  # "conversion rate of the checkout goal": the shop's rate
    # A rate or revenue question with a "daily" word stays on its own tool: the daily
    # breakdown only has visitors and pageviews.
    if facet == "days" and metric and metric.tool == "ecommerce-overview":
        tool, facet = metric.tool, None
    extra: dict = {}
    narrowed = narrow(plain, tool, facet, metric.name if metric else None, device, domain, period)
    if isinstance(narrowed, Unclear):
        return narrowed
    if narrowed:
        tool, facet, extra = narrowed
    arguments: dict = {"tenant": tenant, **period.arguments()}
    if domain:
        arguments["domain"] = domain
    limit = _limit(plain)
    shown = limit
    if limit and tool in LIST_TOOLS and facet in MAY_HAVE_NONE and not NONE_ASKED.search(plain):  # not "director"
        limit = min(limit + 1, 100)  # one more, in case one row is "(none)": top 5 then shows 5
    if tool == "top-pages" and metric and metric.name == "visitors" and not (extra.get("pick") or extra.get("section")):
        metric = metric if BY_VISITORS.search(plain) else None  # "which pages got the most visits": by pageviews
    wide = extra.get("pick") or extra.get("section") or (tool == "top-pages" and metric and metric.name != "pageviews")
    if tool in LIST_TOOLS and tool != "device-and-browser" and wide:  # a row, a section, pages ranked by visitors:
        limit = focus.FULL_LIST  # looked for among them all, as the tool orders pages by pageviews only
    if limit and tool in LIST_TOOLS:
        arguments["limit"] = limit
    if tool == "custom-properties":
        arguments["property"] = extra.pop("property")
    if tool == "locations":
        arguments["level"] = LEVELS[facet]
    if tool == "list-sites":
        arguments, domain = {"tenant": tenant}, None
    compare, partial = None, False
    if comparison is not None and tool in ("analytics-overview", "ecommerce-overview"):
        unit_before = UNIT_BEFORE.search(comparison) and follow.calendar_before(period, today)  # "vs the year before"
        compare = compare_period or unit_before or period.previous(today)
        compare, partial = fair_compare(period, compare, compare_period is not None, today)
    rank = "worst" if focus.WORST.search(plain) else "best"
    series = focus.series(plain) if tool in ("analytics-overview", "daily-breakdown", "ecommerce-overview") else None
    if series:  # "how did it change month by month": the series shows the change, no compared period was named
        compare, partial = (None, False) if compare_period is None else (compare, partial)
        tool, facet = tool if tool == "ecommerce-overview" else "analytics-overview", f"{series}s"
        arguments = {k: v for k, v in arguments.items() if k != "limit"}
    return Intent(
        tool,
        arguments,
        metric.name if metric else None,
        facet,
        period,
        domain,
        compare,
        compare_period is None,
        all_sites,
        rank=rank,
        series=series,
        partial=partial,
        shown=shown,
        **extra,
    )


lexicon.KEEP.update(places.single_words())  # a country's name is never "mended", nor anything mended into one
# The words of every table the parser reads, not only the tools': a typo is mended towards them, and a
# word of theirs is never "mended" into another ("compare" is the comparison's, not a slip of "compared").
lexicon.learn(
    [
        *(rule.pattern for rule in (*BREAKDOWNS, *METRICS)),
        COMPARISON,
        BEFORE,
        focus.REALTIME,
        focus.WORST,
        *(pattern for _interval, pattern in focus.SERIES),
    ],
    [*MONTHS, *WEEKDAYS, *NUMBER_WORDS],
)
