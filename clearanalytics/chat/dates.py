"""Named dates and ranges on top of periods.RULES: a day, a weekday, a week number, a quarter, "between X and Y".

These are tried before the older rules of periods.py, so that "between the 1st of March and
the 15th of March" is one range and not the month of March. A day named without a year is
the most recent one on or before today ("November 15" in March 2026 is 2025-11-15). A date
that can be read two ways ("03/04": 3 April or 4 March) is not guessed: `Ambiguous` carries
both readings, and the chat offers them as buttons.

Everything here also answers `dates_of(period, today)`: the dates a period covers, in words,
which every answer quotes ("last week (9–15 March 2026)").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

from clearanalytics.chat.periods import MONTH_NAMES, MONTHS, NUMBER_WORDS, Period, _month_end
from clearanalytics.chat.periods import parse_period as parse_older
from clearanalytics.chat.quick import Quick
from clearanalytics.chat.unclear import NAMED_DAYS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINAL_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}


class Ambiguous(ValueError):
    """A date with two readings (day/month or month/day): the chat asks which one was meant."""

    def __init__(self, fragment: str, readings: list[date]):
        super().__init__(fragment)
        self.fragment = fragment
        self.readings = readings


_ISO = r"\d{4}-\d{2}-\d{2}"
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
_MON = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:,?\s+\d{4})?"
# one day, in any of the ways people write it (English, or what lexicon.py made of another language)
DAY = (
    rf"(?:{_ISO}|(?:the\s+)?{_ORD}\.?\s+(?:of\s+)?{_MON}{_YEAR}|{_MON}\s+(?:the\s+)?{_ORD}\b{_YEAR}"
    rf"|\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}\b)?|\d{{1,2}}/\d{{1,2}}(?:/\d{{4}})?\b)"
)


def _recent(month: int, day: int, today: date) -> date:
    """The most recent such day on or before today (this year's, else last year's)."""
    candidate = date(today.year, month, day)
    return candidate if candidate <= today else date(today.year - 1, month, day)


def parse_day(text: str, today: date) -> date:
    """One DAY phrase as a date; ValueError when impossible, Ambiguous when it reads two ways."""
    text = text.strip()
    if re.fullmatch(_ISO, text):
        return date.fromisoformat(text)
    year_match = re.search(r"\b(\d{4})$", text)
    year = int(year_match.group(1)) if year_match else None
    body = text[: year_match.start()].rstrip(" ,/.") if year_match else text
    numeric = re.fullmatch(r"(\d{1,2})([./])(\d{1,2})\.?", body)
    if numeric:
        first, sep, second = int(numeric.group(1)), numeric.group(2), int(numeric.group(3))
        if sep == ".":  # 15.11. is day.month wherever it is written that way
            return date(year, second, first) if year else _recent(second, first, today)
        readings = []
        for month, day in ((second, first), (first, second)):
            try:
                readings.append(date(year, month, day) if year else _recent(month, day, today))
            except ValueError:
                continue
        readings = sorted(set(readings))
        if not readings:
            raise ValueError(text)
        if len(readings) > 1:
            raise Ambiguous(text, readings)
        return readings[0]
    month_name = re.search(_MON, body)
    number = re.search(r"\d{1,2}", body)
    if not month_name or not number:
        raise ValueError(text)
    month, day = MONTHS[month_name.group(0).rstrip(".")], int(number.group(0))
    return date(year, month, day) if year else _recent(month, day, today)


def day_words(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def dates_of(start: date, end: date) -> str:
    """'9–15 March 2026', '28 February – 6 March 2026', '18 March 2026': the dates an answer used."""
    if start == end:
        return day_words(start)
    if start.year != end.year:
        return f"{day_words(start)} – {day_words(end)}"
    if start.month != end.month:
        return f"{start.day} {MONTH_NAMES[start.month - 1]} – {day_words(end)}"
    return f"{start.day}–{day_words(end)}"


def _on_day(match: re.Match, today: date) -> Period:
    day = parse_day(match.group("a"), today)
    return Period(f"on {day_words(day)}", date_from=day, date_to=day)


def _between(match: re.Match, today: date) -> Period:
    """The last day is the most recent one; a first day without a year the most recent one on or before it: "from 3
    March to 5 April" said on 18 March is 2025's span, not 5 April 2025 to 3 March 2026; "between December 20 and
    January 5" crosses the new year."""
    first, end = match.group("a"), parse_day(match.group("b"), today)
    start, end = sorted((parse_day(first, today if re.search(r"\d{4}", first) else end), end))
    return Period(f"from {day_words(start)} to {day_words(end)}", date_from=start, date_to=end)


def _since(match: re.Match, today: date) -> Period:
    start = parse_day(match.group("a"), today)
    return Period(f"since {day_words(start)}", date_from=start, date_to=max(start, today))


def _since_month(match: re.Match, today: date) -> Period:
    """ "since December": from the 1st of the latest December (this year's if it has begun) to today."""
    month = MONTHS[match.group("m1")]
    year = int(match.group("year")) if match.group("year") else (today.year if month <= today.month else today.year - 1)
    start = date(year, month, 1)
    return Period(f"since 1 {MONTH_NAMES[month - 1]} {year}", date_from=start, date_to=max(start, today))


def _since_weekday(match: re.Match, today: date) -> Period:
    """ "since Monday": from the latest Monday (today, said on a Monday; "since last Monday" is a week before)."""
    day = today - timedelta(days=(today.weekday() - WEEKDAYS.index(match.group("wd"))) % 7)
    if day == today and re.match(r"since\s+last\b", match.group(0)):
        day -= timedelta(days=7)
    return Period(f"since {WEEKDAYS[day.weekday()].capitalize()}, {day_words(day)}", date_from=day, date_to=today)


def _day_span(match: re.Match, today: date) -> Period:
    """ "between 1 and 10 February", "from the 3rd to the 9th of March": two days of one month."""
    year = f" {match.group('year')}" if match.group("year") else ""
    first, last = (parse_day(f"{match.group(k)} {match.group('m1')}{year}", today) for k in ("d1", "d2"))
    if first > last:
        raise ValueError("a reversed range")
    return Period(f"from {day_words(first)} to {day_words(last)}", date_from=first, date_to=last)


def _half_month(match: re.Match, today: date) -> Period:
    """ "the second half of January" (days 16 to the end), "la primera quincena de enero" (days 1 to 15)."""
    month = MONTHS[match.group("m1")]
    year = int(match.group("year")) if match.group("year") else (today.year if month <= today.month else today.year - 1)
    first = match.group("half") in ("first", "1st")
    start = date(year, month, 1 if first else 16)
    end = date(year, month, 15) if first else _month_end(year, month)
    label = f"in the {'first' if first else 'second'} half of {MONTH_NAMES[month - 1]} {year}"
    return Period(label, date_from=start, date_to=min(end, today) if start <= today else end)


def _half_year(match: re.Match, today: date) -> Period:
    """ "the first half of 2025" (January to June), "the second half of 2025" (July to December)."""
    year, first = int(match.group("y")), match.group("half") in ("first", "1st")
    start, end = date(year, 1 if first else 7, 1), date(year, 6, 30) if first else date(year, 12, 31)
    label = f"in the {'first' if first else 'second'} half of {year}"
    return Period(label, date_from=start, date_to=min(end, today) if start <= today else end)


def _month_span(match: re.Match, today: date) -> Period:
    """ "from July to September", "between July 2025 and January 2026": a first month with its own year starts in
    that year (a span that would end before it begins is read with its months the other way round)."""
    first, last = MONTHS[match.group("m1")], MONTHS[match.group("m2")]
    year = int(match.group("year")) if match.group("year") else (today.year if last <= today.month else today.year - 1)
    named_first = match.groupdict().get("year1")
    start_year = int(named_first) if named_first else (year if first <= last else year - 1)
    start, end = sorted((date(start_year, first, 1), date(year, last, 1)))
    end = _month_end(end.year, end.month)
    first_words = MONTH_NAMES[start.month - 1] + (f" {start.year}" if named_first and start.year != end.year else "")
    label = f"from {first_words} to {MONTH_NAMES[end.month - 1]} {end.year}"
    return Period(label, date_from=start, date_to=min(end, today))


def _weekday(match: re.Match, today: date) -> Period:
    wanted = WEEKDAYS.index(match.group("wd"))
    back = (today.weekday() - wanted) % 7
    if match.group("which") == "last" and back == 0:
        back = 7  # "last Tuesday" said on a Tuesday is a week ago
    day = today - timedelta(days=back)
    return Period(f"on {WEEKDAYS[wanted].capitalize()}, {day_words(day)}", date_from=day, date_to=day)


def _weekday_last_week(match: re.Match, today: date) -> Period:
    """ "Wednesday of last week": that weekday in the Monday-to-Sunday week before this one."""
    wanted = WEEKDAYS.index(match.group("wd") or match.group("wd2"))
    day = today - timedelta(days=today.weekday() + 7 - wanted)
    return Period(f"on {WEEKDAYS[wanted].capitalize()}, {day_words(day)}", date_from=day, date_to=day)


# A week's or quarter's year, before it ("2025 week 44", "2025 Q2") or after it ("week 48, 2025", "Q2 of 2025",
# "week 51 van 2025": an "of" the translation left).
_YEAR_FIRST = r"(?:(?P<y0>(?:19|20)\d{2})[\s,]+)?"
_YEAR_AFTER = r"(?:,?\s+(?:(?:of|in|van|von|de|del|du)\s+)?(?P<year>(?:19|20)\d{2}))?"


def _named_year(match: re.Match) -> int | None:
    year = match.group("year") or match.groupdict().get("y0")
    return int(year) if year else None


def _iso_week(match: re.Match, today: date) -> Period:
    number = int(match.group("w"))
    year = _named_year(match) or today.year
    start = date.fromisocalendar(year, number, 1)  # this year's week; one still to come is in the future
    end = start + timedelta(days=6)
    return Period(f"in week {number} of {year}", date_from=start, date_to=min(end, today) if start <= today else end)


def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    return date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)


def _quarter(match: re.Match, today: date) -> Period:
    which = match.group("which")
    current = (today.month - 1) // 3 + 1
    if which in ("this", "current"):
        year, quarter = today.year, current
    elif which in ("last", "previous"):
        year, quarter = (today.year, current - 1) if current > 1 else (today.year - 1, 4)
    else:
        quarter = int(match.group("q")) if match.group("q") else ORDINAL_QUARTERS[match.group("qw")]
        named = _named_year(match)
        year = named or today.year
        if named is None and _quarter_bounds(year, quarter)[0] > today:
            year -= 1
    start, end = _quarter_bounds(year, quarter)
    label = {"this": "this quarter", "current": "this quarter"}.get(which or "", f"in Q{quarter} {year}")
    return Period(label, date_from=start, date_to=min(end, today) if start <= today else end)


def _year(match: re.Match, today: date) -> Period:
    year = int(match.group("y"))
    start, end = date(year, 1, 1), date(year, 12, 31)
    return Period(f"in {year}", date_from=start, date_to=min(end, today) if start <= today else end)


def _ago(match: re.Match, today: date) -> Period:
    n, unit = NUMBER_WORDS.get(match.group("n")) or int(match.group("n")), match.group("unit")
    if unit.startswith("day"):
        day = today - timedelta(days=n)
        return Period(f"{n} day{'s' if n != 1 else ''} ago, on {day_words(day)}", date_from=day, date_to=day)
    if unit.startswith("week"):
        start = today - timedelta(days=today.weekday() + 7 * n)
        return Period(f"{n} week{'s' if n != 1 else ''} ago", date_from=start, date_to=start + timedelta(days=6))
    year, month = divmod(today.year * 12 + today.month - 1 - n, 12)
    start = date(year, month + 1, 1)
    return Period(f"in {MONTH_NAMES[month]} {year}", date_from=start, date_to=_month_end(year, month + 1))


_WD = r"(?P<wd>" + "|".join(WEEKDAYS) + r")"
_WD2 = r"(?P<wd2>" + "|".join(WEEKDAYS) + r")"
_NUMBER_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_M1 = r"(?P<m1>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_M2 = r"(?P<m2>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))

YEAR = re.compile(r"(?:\b(?:in|during|for|of)\s+(?:the\s+year\s+)?|(?<![\w./-]))(?P<y>(?:19|20)\d{2})\b(?![-/.]\d)")
RULES: tuple[tuple[re.Pattern, Callable[[re.Match, date], Period]], ...] = tuple(
    (Quick(pattern), resolver)
    for pattern, resolver in (
        (rf"\b(?:between|from)\s+(?P<a>{DAY})\s+(?:and|to|until|till|through|thru|-)\s+(?P<b>{DAY})", _between),
        (rf"\b(?P<a>{DAY})\s*(?:\.\.|to|until|till|through|thru|–|-)\s*(?P<b>{DAY})", _between),
        (  # "Jan 5-11", "March 3 to 9, 2025": a month, then two of its days
            rf"\b{_M1}\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–|to|through|thru|until|till)\s*"
            rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:{_MONTH_WORDS}|[./:]\d))(?:,?\s+(?P<year>\d{{4}}))?",
            _day_span,
        ),
        (rf"\b(?:since|from|after)\s+(?P<a>{DAY})", _since),
        (
            rf"\b(?:between|from)\s+(?:the\s+)?(?P<d1>\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:and|to|until|till|through|-)\s+"
            rf"(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:of\s+)?{_M1}(?:\s+(?P<year>\d{{4}}))?\b",
            _day_span,
        ),
        (
            rf"\b{_M1}(?:\s+(?P<year1>\d{{4}}))?(?:\s+(?:through|thru|to|until|till)\s+|\s*[-–]\s*){_M2}"
            rf"(?:\s+(?P<year>\d{{4}}))?\b",
            _month_span,
        ),
        (
            rf"\b(?P<half>first|second|1st|2nd)\s+half\s+of\s+(?:the\s+month\s+of\s+)?{_M1}(?:\s+(?P<year>\d{{4}}))?\b",
            _half_month,
        ),
        (r"\b(?P<half>first|second|1st|2nd)\s+half\s+of\s+(?:the\s+year\s+)?(?P<y>(?:19|20)\d{2})\b", _half_year),
        (rf"\bsince\s+(?:the\s+(?:start|beginning)\s+of\s+)?{_M1}(?:\s+(?P<year>\d{{4}}))?\b", _since_month),
        (rf"\bsince\s+(?:last\s+|el\s+|le\s+|dem\s+)?{_WD}\b", _since_weekday),
        (
            rf"\b(?:between|from)\s+{_M1}(?:\s+(?P<year1>\d{{4}}))?\s+(?:and|to|until|till|through|thru|-)\s+{_M2}"
            rf"(?:\s+(?P<year>\d{{4}}))?\b",
            _month_span,
        ),
        (
            rf"\b{_YEAR_FIRST}(?:(?P<which>last|this|current|previous)\s+)?(?:(?:q|quarter\s+)(?P<q>[1-4])"
            rf"|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter){_YEAR_AFTER}\b",
            _quarter,
        ),
        (r"\b(?P<which>last|this|current|previous)\s+quarter\b(?P<q>)(?P<qw>)(?P<year>)", _quarter),
        (
            rf"\b{_YEAR_FIRST}(?:calendar\s+)?week\s+(?:number\s+|no\.?\s+|#)?(?P<w>\d{{1,2}}){_YEAR_AFTER}\b",
            _iso_week,
        ),
        (rf"\b(?:on\s+)?{_WD}\s+(?:of\s+)?last\s+week\b|\blast\s+week'?s\s+{_WD2}\b", _weekday_last_week),
        (rf"\b(?:(?P<which>last|this|on|past|previous)\s+)?{_WD}\b", _weekday),
        (rf"\b(?P<n>\d{{1,3}}|{_NUMBER_WORDS})\s+(?P<unit>days?|weeks?|months?)\s+ago\b", _ago),
        (rf"(?<![\d-])(?:\bon\s+)?(?P<a>{DAY})", _on_day),
    )
)


@lru_cache(maxsize=16384)
def parse_period(text: str, today: date) -> tuple[Period | None, tuple[int, int] | None]:
    """The first period phrase and its span, its words kept in the Period (a follow-up reads them again).

    Kept per text and day (a Period is frozen): a question's text is searched for periods several times (the
    period, the compared one, the guards' second period, the numbers left over)."""
    period, span = _first_period(text, today)
    if period is None or span is None:
        return period, span
    return replace(period, words=text[span[0] : span[1]].strip()), span


def _first_period(text: str, today: date) -> tuple[Period | None, tuple[int, int] | None]:
    """The first period phrase: the named dates here first, then periods.RULES; Ambiguous passes through."""
    text = NAMED_DAYS.sub(lambda m: " " * len(m.group(0)), text)  # "black friday" is no friday: left unread
    for pattern, resolver in RULES:
        match = pattern.search(text)
        if match:
            try:
                return resolver(match, today), match.span()
            except Ambiguous:
                raise
            except (ValueError, KeyError):  # 30 February, week 60: not a period we can use
                raise Unreadable(match.group(0)) from None
    found = parse_older(text, today)
    if found[0] is None:  # a bare year last: "in March 2025" is the month's, read by the older rules
        match = YEAR.search(text)
        if match:
            return _year(match, today), match.span()
    return found


class Unreadable(ValueError):
    """A phrase that looks like a date but is none (2026-02-30, week 60): never replaced by a default."""

    def __init__(self, fragment: str):
        super().__init__(fragment)
        self.fragment = fragment.strip()


def fair_compare(period: Period, compare: Period, named: bool, today: date) -> tuple[Period, bool]:
    """A period so far against a whole one: the same number of days from the start of each."""
    start, end = period.bounds(today)
    other_start, other_end = compare.bounds(today)
    days = (end - start).days + 1
    if not named or end != today or (other_end - other_start).days + 1 <= days:
        return compare, False
    cut = min(other_start + timedelta(days=days - 1), other_end)
    label = f"the first {days} days of {compare.label}" if days > 1 else f"the first day of {compare.label}"
    return Period(label, date_from=other_start, date_to=cut), True
