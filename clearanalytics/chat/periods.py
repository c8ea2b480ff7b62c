"""Periods in words ("yesterday", "last month", "in March", "since 2026-02-01") as explicit date ranges.

Each rule is one regular expression and one resolver, tried in order; the first match wins,
so more specific phrases come first. Everything is relative to an injected `today` (the
site's local date), which keeps the parser deterministic and testable. A phrase that is
exactly one of the tools' `period` enums (the N calendar days ending today, or the last 24
hours) resolves to that enum, so that such questions work with any tool layer; every other
phrase becomes an inclusive `from`/`to` pair of ISO dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from clearanalytics.accounts import Site
from clearanalytics.chat.quick import Quick
from clearanalytics.stats import periods as named
from clearanalytics.stats.query import parse_query, today_in

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    **{f"twenty-{word}": 20 + n for n, word in enumerate(("one", "two", "three", "four", "five", "six"), 1)},
    "twenty-eight": 28,
    "thirty": 30,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
# The named periods that are N calendar days ending today, by N (from the one table of periods).
ENUM_DAYS = {p.days: p.code for p in named.PERIODS if p.days}
DEFAULT_PERIOD = named.DEFAULT_PERIOD


def todays(sites: Sequence[Site], now: datetime) -> tuple[date, dict[str, date]]:
    """The chat's "today" and each site's own, from the server's clock (request_scope.now()).

    "Today" is the date the stats engine ends a period on for these sites (the latest of their
    local todays), asked of the engine itself rather than worked out again here, so that "the
    last 7 days" in a question and the 7d of the tools it calls are the same seven days.
    """
    reference = parse_query({}, list(sites), now=now).date_to
    return reference, {site.domain: today_in(site, now) for site in sites}


@dataclass(frozen=True)
class Period:
    """A resolved period: either a tool `period` enum or an inclusive from/to date pair, and its words."""

    label: str
    period: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    # The words it was read from ("yesterday"), to read again against another site's today in a follow-up.
    words: str | None = field(default=None, compare=False)

    def arguments(self) -> dict[str, str]:
        if self.period:
            return {"period": self.period}
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}

    def bounds(self, today: date) -> tuple[date, date]:
        """The local dates covered (24h counts as yesterday..today, for comparisons only)."""
        if self.date_from:
            return self.date_from, self.date_to
        if self.period == "12m":
            return _months_back(today, 12) + timedelta(days=1), today
        days = named.BY_CODE[self.period].days or 2  # 24h: the rolling hours touch yesterday and today
        return today - timedelta(days=days - 1), today

    def previous(self, today: date) -> Period:
        """The immediately preceding period of the same length, as the tools compute *_change."""
        if self.period == "24h":
            return Period("the 24 hours before", date_from=today - timedelta(days=1), date_to=today - timedelta(days=1))
        start, end = self.bounds(today)
        days = (end - start).days + 1
        words = {1: "the day before", 7: "the week before"}.get(days, f"the previous {days} days")
        return Period(words, date_from=start - timedelta(days=days), date_to=start - timedelta(days=1))


def _month_back(today: date, months: int) -> tuple[date, date]:
    """The calendar month `months` before this one."""
    start = _months_back(today.replace(day=1), months)
    return start, _month_end(start.year, start.month)


def range_period(label: str, start: date, end: date, today: date) -> Period:
    """An explicit range, shown as the matching enum when it is one (N days ending today)."""
    end = min(end, today) if start <= today else end
    if end == today and (end - start).days + 1 in ENUM_DAYS:
        return Period(label, period=ENUM_DAYS[(end - start).days + 1])
    return Period(label, date_from=start, date_to=end)


def _months_back(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = _month_end(year, month).day
    return date(year, month, min(day.day, last))


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def _month_in_words(match: re.Match, today: date) -> Period:
    month = MONTHS[match.group("month")]
    year = int(match.group("year")) if match.group("year") else (today.year if month <= today.month else today.year - 1)
    start, end = date(year, month, 1), _month_end(year, month)
    label = f"in {MONTH_NAMES[month - 1]} {year}" if match.group("year") else f"in {MONTH_NAMES[month - 1]}"
    return Period(label, date_from=start, date_to=min(end, today) if start <= today else end)


def _last_n(match: re.Match, today: date) -> Period:
    n, unit = max(1, _number(match.group("n"))), match.group("unit")
    if unit.startswith("hour"):
        return named_period("24h")
    if unit.startswith("day"):
        return range_period(f"in the last {n} days", today - timedelta(days=n - 1), today, today)
    if unit.startswith("week"):
        return range_period(f"in the last {n} weeks", today - timedelta(days=7 * n - 1), today, today)
    if n == 12:
        return named_period("12m")
    return Period(f"in the last {n} months", date_from=_months_back(today, n) + timedelta(days=1), date_to=today)


def _iso(text: str) -> date:
    return date.fromisoformat(text)


def _between(match: re.Match, today: date) -> Period:
    start, end = sorted((_iso(match.group("a")), _iso(match.group("b"))))
    return Period(f"from {start.isoformat()} to {end.isoformat()}", date_from=start, date_to=end)


def _since(match: re.Match, today: date) -> Period:
    start = _iso(match.group("a"))
    return range_period(f"since {start.isoformat()}", start, max(start, today), today)


def _on_day(match: re.Match, today: date) -> Period:
    day = _iso(match.group("a"))
    return Period(f"on {day.isoformat()}", date_from=day, date_to=day)


def _week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _fixed(label: str, resolve: Callable[[date], tuple[date, date] | str]) -> Callable[[re.Match, date], Period]:
    def resolver(_match: re.Match, today: date) -> Period:
        value = resolve(today)
        if isinstance(value, str):
            return Period(label, period=value)
        return Period(label, date_from=value[0], date_to=value[1])

    return resolver


_ISO = r"\d{4}-\d{2}-\d{2}"
_N = r"(?P<n>\d{1,3}|" + "|".join(NUMBER_WORDS) + r")"
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"

# (pattern, resolver); tried in order, first match wins.
RULES: tuple[tuple[re.Pattern, Callable[[re.Match, date], Period]], ...] = tuple(
    (Quick(pattern), resolver)
    for pattern, resolver in (
        (rf"\b(?:between|from)\s+(?P<a>{_ISO})\s+(?:and|to|until|-)\s+(?P<b>{_ISO})", _between),
        (rf"\b(?P<a>{_ISO})\s*(?:\.\.|to|until)\s*(?P<b>{_ISO})", _between),
        (rf"\b(?:since|from|after)\s+(?P<a>{_ISO})", _since),
        (rf"\b(?:on\s+)?(?P<a>{_ISO})\b", _on_day),
        (r"\btoday\b|\bso far today\b", _fixed("today", lambda t: (t, t))),
        (
            r"\b(?:the\s+)?week before last\b",
            _fixed("the week before last", lambda t: (_week_start(t) - timedelta(14), _week_start(t) - timedelta(8))),
        ),
        (
            r"\b(?:the\s+)?month before last\b",
            _fixed("the month before last", lambda t: _month_back(t, 2)),
        ),
        (
            r"\b(?:the\s+)?day before yesterday\b",
            _fixed("the day before yesterday", lambda t: (t - timedelta(days=2), t - timedelta(days=2))),
        ),
        (r"\byesterday\b", _fixed("yesterday", lambda t: (t - timedelta(days=1), t - timedelta(days=1)))),
        (r"\b(?:last|past)\s+24\s*h(?:ours?|rs?)?\b|\blast day\b", lambda _m, _t: named_period("24h")),
        (rf"\b(?:last|past|previous)\s+{_N}\s+(?P<unit>hours?|days?|weeks?|months?)\b", _last_n),
        (r"\b(?:this|current)\s+week\b", _fixed("this week", lambda t: (_week_start(t), t))),
        (
            r"\b(?:last|previous)\s+week\b",
            _fixed("last week", lambda t: (_week_start(t) - timedelta(days=7), _week_start(t) - timedelta(days=1))),
        ),
        (r"\bpast\s+week\b", _fixed("in the past 7 days", lambda t: ENUM_DAYS[7])),
        (r"\b(?:this|current)\s+month\b", _fixed("this month", lambda t: (t.replace(day=1), t))),
        (
            r"\b(?:last|previous)\s+month\b",
            _fixed(
                "last month",
                lambda t: (
                    (t.replace(day=1) - timedelta(days=1)).replace(day=1),
                    t.replace(day=1) - timedelta(days=1),
                ),
            ),
        ),
        (r"\bpast\s+month\b", _fixed("in the past 30 days", lambda t: ENUM_DAYS[30])),
        (
            r"\b(?:this|current)\s+year\b|\byear to date\b|\bytd\b",
            _fixed("this year", lambda t: (date(t.year, 1, 1), t)),
        ),
        (
            r"\b(?:last|previous)\s+year\b",
            _fixed("last year", lambda t: (date(t.year - 1, 1, 1), date(t.year - 1, 12, 31))),
        ),
        (r"\bpast\s+year\b|\blast twelve months\b", lambda _m, _t: named_period("12m")),
        (rf"\b(?:in|during|for|of)\s+{_MONTH}(?:\s+(?P<year>\d{{4}}))?\b", _month_in_words),
        (rf"\b{_MONTH}\s+(?P<year>\d{{4}})\b", _month_in_words),
        # a month named alone ("what did January look like", "February vs January"): May and "mar" are words too
        (rf"(?<![\d.] )(?<![\w-])(?!may\b|mar\b){_MONTH}(?![\w-])(?!\s+\d)(?P<year>)", _month_in_words),
    )
)


def parse_period(text: str, today: date) -> tuple[Period | None, tuple[int, int] | None]:
    """The first period phrase in `text` (lower-cased) and its span, or (None, None)."""
    for pattern, resolver in RULES:
        match = pattern.search(text)
        if match:
            try:
                return resolver(match, today), match.span()
            except ValueError:  # 2026-02-30 and the like: not a period we can use
                continue
    return None, None


def named_period(code: str) -> Period:
    """A period of the one table, in its own words ("in the last 24 hours")."""
    return Period(f"in {named.words(code)}", period=code)


def default_period() -> Period:
    return named_period(DEFAULT_PERIOD)
