"""Names a question holds that its reading leaves out: said as not understood, never answered without them.

The tables read "visitors on mobile last week" with its device. A phrasing they do not know ("wie viele
nutzten ein Tablet", "the desktop crowd") can leave the device behind, and the answer would then be about
every visitor: a silent substitution. So once a question is read, each device, each well-known source and
each second period it names must be in the reading (as its row, its list or its compared period). One
that is not makes the question an Unclear naming it, with readings the chat does answer.
"""

from __future__ import annotations

import re
from datetime import date

from clearanalytics.chat.dates import parse_period
from clearanalytics.chat.focus import DOMAIN, PATH, devices_named
from clearanalytics.chat.narrowing import suggest
from clearanalytics.chat.parser import Intent
from clearanalytics.chat.periods import NUMBER_WORDS, Period
from clearanalytics.chat.tables import BREAKDOWNS
from clearanalytics.chat.unclear import Unclear

SOURCE_NAME = re.compile(
    r"\b(google|bing|duckduckgo|yahoo|ecosia|baidu|yandex|facebook|twitter|linkedin|reddit|instagram|youtube"
    r"|pinterest|t\.co)\b(?!\s+(?:ads|analytics|search console))"
)
SOURCE_FACETS = ("sources", "referrers", "revenue_by_source")
BROWSER_WORD = re.compile(r"\b(chrome|firefox|safari|edge|opera|android|ios|linux|macos)\b")  # and systems
NARROWS = re.compile(r"\b(?:only|just|filter|users|visitors|people)\b")
NOT_NARROWED = ("list-sites", "realtime")
# A number standing alone ("the 8 countries", "drei"): "one" is mostly a pronoun ("quick one", "that one").
NUMBER = re.compile(rf"(?<![\w.\-/])(\d{{1,3}}|{'|'.join(w for w in NUMBER_WORDS if w != 'one')})(?![\w.\-/])")
# Lists that are one list, or one tool's sides, for the second-list guard: naming both is asking for one.
ONE_LIST = (
    {"sources", "referrers", "revenue_by_source"},
    {"funnel", "products"},
    {"countries", "regions", "cities"},
    {"devices", "browsers", "operating_systems"},
)
LIST_QUESTION = {"days": "visitors per day", "hours": "visitors by hour", "funnel": "checkout funnel"}
# A figure asked for in words the tables may not have read: (its words, the metrics and lists that answer it, the
# question to offer). "cuánto tiempo pasa la gente en /signup" must not be answered with /signup's visitors.
FIGURES = (
    (
        re.compile(
            r"\b(?:how long|how much time|tiempo|temps|zeit|tijd|dauer|durée|duración|duur|stay|stayed|stays"
            r"|spend(?! per order)|spent(?! per order)|lang|lange|long)\b"
        ),
        ("avg_duration", "hours"),
        "average visit duration",
    ),
    (
        re.compile(r"\bsign(?:ed|ing)? ?ups?\b|\bregist(?:ered|ration)|\binscri|\banmeld|\baangemeld|\baanmelding"),
        ("goals", "goal_completions"),
        "goals",
    ),
    (re.compile(r"\b(?:bounce\w*|rebond\w*|rebote\w*|absprung\w*|weggeklikt)"), ("bounce_rate",), "bounce rate"),
    (
        re.compile(r"\b(?:revenue|umsatz|chiffre d'affaires|ingresos|omzet|money|sales|earned|euros?|dollars?)\b"),
        ("revenue", "transactions", "avg_order_value", "conversion_rate", "revenue_by_source", "products", "funnel"),
        "revenue",
    ),
)


def left_out(text: str, intent: Intent, today: date) -> Unclear | None:
    """An Unclear for the first figure, device, source or second period of `text` (cleaned) the intent leaves out."""
    if intent.tool in NOT_NARROWED:
        return None
    text = PATH.sub(" ", text)  # a page's words are its name: "/signup" asks for no signups
    found = _figure(text, intent) or _device(text, intent) or _browser(text, intent) or _source(text, intent)
    found = found or _second_list(text, intent) or _domain(text, intent) or _compared_with_itself(intent, today)
    found = found or _buyers(text, intent) or _speakers(text, intent)
    return found or _second_period(text, intent, today) or _number(text, intent, today)


def _figure(text: str, intent: Intent) -> Unclear | None:
    for words, answered_by, offer in FIGURES:
        named = words.search(text)
        if named and intent.metric not in answered_by and intent.facet not in answered_by:
            reason = f"It seems to ask for the {offer}, but I could not read the question around it."
            return Unclear("metric", named.group(0), suggest(intent.period, (offer,)), reason)
    return None


def _device(text: str, intent: Intent) -> Unclear | None:
    named = devices_named(text)
    if len(named) != 1:  # none, or "mobile vs desktop": the device list itself
        return None
    device = named.pop()
    if intent.pick == device or (intent.facet == "devices" and intent.pick is None and "share" in text):
        return None
    reason = f"I could not tell what {device} has to do with the rest of the question."
    return Unclear("filter", device, suggest(intent.period, (f"{device} visitors", "visitors by device")), reason)


def _browser(text: str, intent: Intent) -> Unclear | None:
    """One browser named ("just Safari users"): the tools list browsers, they do not narrow anything to one."""
    named = set(BROWSER_WORD.findall(text))
    if len(named) != 1:
        return None
    browser = named.pop()
    system = browser in ("android", "ios", "linux", "macos")  # a system's row is in the systems' list, as asked
    if system and intent.facet == "operating_systems":
        return None
    if (intent.pick or "").lower() == browser or (intent.facet == "browsers" and not NARROWS.search(text)):
        return None
    what = (intent.facet or intent.metric or "that").replace("_", " ")
    reason = f"the tools cannot narrow {what} down to {browser} users yet."
    return Unclear("filter", f"{browser} users", suggest(intent.period, ("visitors by browser",)), reason)


def _source(text: str, intent: Intent) -> Unclear | None:
    named = set(SOURCE_NAME.findall(text))
    if len(named) != 1:
        return None
    source = named.pop()
    if intent.pick == source or intent.facet in SOURCE_FACETS or intent.tool == "campaigns":
        return None
    reason = f"I could not tell what {source} has to do with the rest of the question."
    offers = suggest(intent.period, (f"visitors from {source}", "top sources"))
    return Unclear("filter", source, offers, reason)


def _domain(text: str, intent: Intent) -> Unclear | None:
    """A domain named that the reading holds neither as its site nor as its row ("Pageviews von meinshop24.de",
    "acme.com visitors"): the answer would be about your own sites, as if the name had not been said."""
    held = [intent.domain or "", (intent.pick or "").lower()]
    for match in DOMAIN.finditer(text):
        name = match.group(0).removeprefix("www.")
        if re.fullmatch(r"[\d.]+", name) or any(name == h or (h and h in name) for h in held):
            continue
        reason = "It is not one of your sites, and I could not read it as a source of visitors."
        return Unclear("site", name, suggest(intent.period, ("visitors", "top sources")), reason)
    return None


BUYERS = re.compile(
    r"\b(?:people|those|visitors|users|customers|ones) who (?:bought|purchased|ordered|buy|purchase|order)\b"
    r"|\b(?:los|las) que compraron\b|\bceux qui ont (?:achet[ée]|command[ée])\b|\bdie (?:etwas )?gekauft haben\b"
    r"|\bdie (?:iets )?(?:kochten|gekocht)\b"
    # the buyers named as people ("die Käufer", "les acheteurs") or by what they did after a narrowing
    r"|\b(?:k[äa]ufer(?:n|innen)?|buyers|acheteurs|compradores|kopers)\b"
    r"|\bwhat did (?:the )?(?:people|visitors|users|customers)\b.{0,40}\bbuy\b"
    r"|\b(?:users|nutzer|people|visitors) (?:haben|hebben) (?:\w+ ){0,3}(?:bestellt|gekauft|besteld|gekocht)\b"
)


def _buyers(text: str, intent: Intent) -> Unclear | None:
    """Visitors narrowed to those who bought ("operating systems of the people who bought"): no tool keeps them."""
    named = BUYERS.search(text)
    if not named or intent.tool in ("ecommerce-overview", "ecommerce-products"):
        return None
    what = (intent.facet or intent.metric or "visitors").replace("_", " ")
    reason = f"the tools cannot narrow {what} down to the visitors who bought something."
    return Unclear("filter", named.group(0), suggest(intent.period, (f"top {what}", "top products")), reason)


SPEAKERS = re.compile(
    r"\b[a-z]+[- ]speaking (?:visitors|users|people|customers)\b|\b(?:visitors|users|people) speaking [a-z]+\b"
    r"|\bde habla [a-z]+\b|\b[a-zäöü]+sprachigen?\b|\b[a-z]+talige\b"
    r"|\b(?:franco|anglo|germano|hispano|néerlando|neerlando)phones\b"
)


def _speakers(text: str, intent: Intent) -> Unclear | None:
    """Visitors narrowed to a language ("pages German-speaking visitors read"): the languages are a list of their
    own, no filter of the others ("Besucher aus Deutschland" are a country's row, not its language's speakers)."""
    named = SPEAKERS.search(text)
    if not named or intent.facet == "languages":
        return None
    what = (intent.facet or intent.metric or "visitors").replace("_", " ")
    reason = f"the tools cannot narrow {what} down to the visitors who speak one language."
    offers = suggest(intent.period, (f"top {what}" if intent.facet else what, "top languages"))
    return Unclear("filter", named.group(0), offers, reason)


def _compared_with_itself(intent: Intent, today: date) -> Unclear | None:
    """A comparison whose two periods are one ("last week than the week before" read twice as last week)."""
    if intent.compare is None or intent.compare.bounds(today) != intent.period.bounds(today):
        return None
    reason = "I read the same period on both sides of the comparison, so I could not tell what to compare it with."
    return Unclear("period", intent.period.label, suggest(intent.period, ("visitors",)), reason)


def _second_list(text: str, intent: Intent) -> Unclear | None:
    """A second list named beside the one answered ("top countries for the brand campaign"): the tools cannot cross
    two lists, so answering one of them would drop the other."""
    named = {rule.name for rule in BREAKDOWNS if rule.pattern.search(text)} - {"sites"}
    if intent.facet not in named:
        return None
    others = named - {intent.facet} - next((group for group in ONE_LIST if intent.facet in group), set())
    if not others:
        return None
    other = sorted(others)[0]
    reason = f"the tools cannot split {_words(intent.facet)} by {_words(other)} yet."
    offers = suggest(
        intent.period,
        (
            LIST_QUESTION.get(intent.facet, f"top {_words(intent.facet)}"),
            LIST_QUESTION.get(other, f"top {_words(other)}"),
        ),
    )
    return Unclear("filter", _words(other), offers, reason)


def _words(facet: str) -> str:
    return facet.replace("_", " ")


def _second_period(text: str, intent: Intent, today: date) -> Unclear | None:
    """A second period named beside the one read ("is this week's revenue ahead of last week's"), not compared."""
    if intent.compare is not None:
        return None
    first, span = parse_period(text, today)
    if not span:
        return None
    blanked = text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]
    second, other = parse_period(blanked, today)
    if not other or _nested(first, second, today):
        return None  # "Tuesday of this week", "week 2 this year": one period said in two parts
    fragment = text[other[0] : other[1]]
    words = intent.metric.replace("_", " ") if intent.metric else "visitors"
    offers = (f"{words} {first.label}", f"{words} {second.label}")
    return Unclear("period", fragment, offers, "It names a second period, and I could not tell what it is for.")


def _number(text: str, intent: Intent, today: date) -> Unclear | None:
    """A number outside the periods read that is neither the rows asked for nor a period's length in days:
    "the four countries with the most visitors", "in den letzten 24 Stunden" left unread."""
    if intent.domain:
        text = text.replace(intent.domain, " ")
    for _ in range(3):  # the question's periods, and a compared one
        _period, span = parse_period(text, today)
        if not span:
            break
        text = text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]
    used = {intent.shown, intent.arguments.get("limit")}
    for period in (intent.period, intent.compare):  # "the last 14 days vs the 14 days before"
        if period is not None:
            start, end = period.bounds(today)
            used.add((end - start).days + 1)
    for match in NUMBER.finditer(text):
        number = match.group(1)
        if (int(number) if number.isdigit() else NUMBER_WORDS[number]) not in used:
            reason = "I could not tell what the number is for."
            return Unclear("filter", number, (), reason)
    return None


def _nested(first: Period, second: Period, today: date) -> bool:
    (a, b), (c, d) = first.bounds(today), second.bounds(today)
    return (a, b) == (c, d) or (c <= a and b <= d) or (a <= c and d <= b)
