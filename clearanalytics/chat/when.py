"""The period and the compared period of a question, or what could not be read of them (an Unclear).

The question is split at its comparison word ("compared to", "vs"); each side's first period
phrase is read by dates.parse_period. A date-like word left over, a date that reads two ways or
one that does not exist is an unclear.Unclear naming it, with readings to offer: never the
default period. The default (the last 7 days) is only for a question that names no period, and
the answer then says its dates.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from clearanalytics.chat.dates import Ambiguous, Unreadable, parse_period
from clearanalytics.chat.periods import MONTHS, Period
from clearanalytics.chat.unclear import Unclear, leftover_period, with_period

COMPARISON = re.compile(
    r"\b(?:compared?\s+(?:to|with)|in comparison (?:to|with)|vs\.?|versus|than|relative to|against)\b"
    r"|\bcompare\b|\bchange[ds]?\b|\bgrow(?:n|th)?\b|\bincrease[ds]?\b|\bdecrease[ds]?\b|\bup or down\b"
    r"|\bgo(?:ne)? (?:up|down)\b|\bwent (?:up|down)\b|\bgrew\b|\brise\b|\brose\b|\bfell\b"
    r"|\bdrop(?:ped)?\b(?! by| in| out| off)"
    r"|\bdecline[ds]?\b|\b(?:is|are|was|were) (?:\w+ ){1,3}(?:up|down)\b|\bis the (?:\w+ ){3}(?:up|down)\b"
    r"|\bimprove[ds]?\b|\bworsen(?:ed)?\b"
    r"|\bmore \w+ than\b|\bfewer \w+ than\b|\bmeer \w+ dan\b|\bahead of\b"
    r"|\bbehind\b(?! (?:it|that|this|them))|\b(?:better|worse) than\b"
    r"|\b(?:above|below)\b(?!\s+(?:the\s+)?/)|\bfor comparison\b"
)


def split_comparison(text: str) -> tuple[str, str | None]:
    match = COMPARISON.search(text)
    if not match:
        return text, None
    return text[: match.start()], text[match.start() :]


def read_periods(
    text: str, domain: str | None, today: date, first: bool = True
) -> tuple[Period | None, Period | None, bool] | Unclear:
    """The question's period and compared period (or None), and whether the period was named; `first` for a question
    that follows no answer (a follow-up's "compared to last month?" compares the answer's period instead).

    Whatever looks like a date and was not read (a leftover month name, "at Christmas", a date
    that reads two ways or does not exist) is an Unclear, never the default period.
    """
    masked = text.replace(domain, " " * len(domain)) if domain else text
    same_day = SAME_DAY_LAST_WEEK.search(masked)  # "the same day last week" is the compared day, not last week
    if same_day:
        masked = masked[: same_day.start()] + " " * len(same_day.group(0)) + masked[same_day.end() :]
    main, comparison = split_comparison(masked)
    try:
        period, span = parse_period(main, today)
        compare_period, compare_span = None, None
        if period is None and comparison is not None:
            # "how did last week compare?"; "compare visitors this month with last month": the comparison word
            # comes first, so the first period is the question's and a second one after it the compared one
            period, span = parse_period(masked, today)
            if span:
                compare_period, compare_span = parse_period(masked[span[1] :], today)
                if compare_span:
                    compare_span = (compare_span[0] + span[1], compare_span[1] + span[1])
                else:  # "better than last year? visitors ytd": the other period came first
                    blanked = masked[: span[0]] + " " * (span[1] - span[0]) + masked[span[1] :]
                    compare_period, compare_span = parse_period(blanked, today)
                    gap = masked[compare_span[1] : span[0]] if compare_span else ""
                    named_first = comparison.startswith("compare") and re.search(r"\b(?:with|to|and)\b", gap)
                    if compare_span and (BETWEEN.search(gap) or named_first):  # "dec vs nov 2025", "compare A with B"
                        period, compare_period = compare_period, period  # the one before "vs" is the question's
                        span, compare_span = compare_span, span
                if first and compare_span is None and THAN.fullmatch(masked[len(main) : span[0]]):
                    period, compare_period = _current_against(period, today)  # "more visitors than last month?"
        elif comparison:
            comparison = BARE_MONTH.sub(r"\1in \2", comparison)  # "compared to December": that month
            compare_period, compare_span = parse_period(comparison, today)
            if compare_span:
                compare_span = (compare_span[0] + len(main), compare_span[1] + len(main))
    except Ambiguous as exc:
        readings = [f"on {day.isoformat()}" for day in exc.readings]
        return Unclear(
            "period", exc.fragment, with_period(text, exc.fragment, readings), "It reads as more than one date."
        )
    except Unreadable as exc:
        return Unclear("period", exc.fragment, with_period(text, exc.fragment, SOON), "It is not a date I can use.")
    before = UNIT_BEFORE.search(masked)  # "and the quarter before?": a follow-up's move back, not a date left unread
    leftover = leftover_period(masked, [span, compare_span, before and before.span()])
    if leftover:
        leftover = _with_read_words(masked, leftover, span)
        return Unclear("period", leftover, with_period(text, leftover, SOON))
    if comparison and period is not None and same_day:
        compare_period = week_earlier(period, today)  # "yesterday compared with the same day last week"
    elif comparison and period is not None and SAME_LENGTH_BEFORE.search(comparison):
        compare_period = period.previous(today)  # "the last 14 days vs the previous 14 days": the 14 before
    if comparison and compare_period is None and period is not None:
        compare_period = unit_before(comparison, period, today)
    for read in (period, compare_period):
        if read is not None and read.bounds(today)[0] > today:  # "next Tuesday", "2026-03-10": nothing to count
            fragment = read.words or read.label
            return Unclear("period", fragment, with_period(text, fragment, SOON), "It is in the future.")
    return period, compare_period, period is not None


def _with_read_words(text: str, leftover: str, span: tuple[int, int] | None) -> str:
    """ "next Tuesday": the unread word with the period words right after it, so an offer replaces them all."""
    at = text.find(leftover)
    if leftover in ("next", "upcoming") and span and at >= 0 and not text[at + len(leftover) : span[0]].strip():
        return text[at : span[1]]
    return leftover


BETWEEN = re.compile(r"\b(?:than|vs\.?|versus|against|compared (?:to|with))\b")
THAN = re.compile(  # "more visitors than", "is traffic down vs", "did orders drop compared to": then one period
    r"\W*(?:(?:is|are|was|were|did|has|have) (?:[\w.-]+ ){1,4}?)?"
    r"(?:(?:a |an )?(?:more|fewer|less|meer|better|worse|higher|lower|longer|shorter) (?:[\w.-]+ ){0,3}?"
    r"|(?:up|down|up or down) "
    r"|(?:improved?|increased?|decreased?|declined?|dropped|drop|grown|grow|grew|risen|rise|rose|fallen|fall|fell"
    r"|changed?|(?:go|gone|went) (?:up|down)) (?:[\w.-]+ ){0,4}?)?(?:than|dan|vs\.?|versus"
    r"|compared? (?:to|with)|in comparison (?:to|with)|against|relative to|ahead of|behind)(?: in)?(?: the)?\W*"
)
LAST_UNIT = re.compile(r"^(?:last|previous) (week|month|quarter|year)$")


def _current_against(period: Period, today: date) -> tuple[Period, Period | None]:
    """ "more visitors than last month?": the one period named is the compared one, and the question is about the
    current one (this month so far, which the parser then compares with as many days of last month). A period not
    a unit before the current one stays the question's: (period, None)."""
    unit = LAST_UNIT.match(period.words or "")
    words = f"this {unit.group(1)}" if unit else "today" if period.words == "yesterday" else None
    if words is None:
        return period, None
    return parse_period(words, today)[0], period


UNIT_BEFORE = re.compile(r"\bthe (?:day|week|month|quarter|year) (?:before|prior)\b")
SAME_LENGTH_BEFORE = re.compile(r"\b(?:the )?(?:previous|prior|preceding|prev) (?:\d+|\w+) ?(?:days|weeks|months|d)\b")
SAME_DAY_LAST_WEEK = re.compile(r"\b(?:the )?same day (?:of )?(?:last|the previous|the week before)(?: week)?\b")
THIS_UNIT = re.compile(r"^this (week|month|quarter|year)$")


def week_earlier(period: Period, today: date) -> Period:
    """The same days a week earlier: "the same day last week" of a day, or of the answer's days in a follow-up."""
    start, end = period.bounds(today)
    return Period("a week earlier", date_from=start - timedelta(days=7), date_to=end - timedelta(days=7))


def unit_before(comparison: str, period: Period, today: date) -> Period | None:
    """The compared period a comparison implies without a date of its own (docs/CHAT.md, "fair comparisons").

    "the previous 14 days": the 14 days before. "this month compared to the previous month" (Vormonat), "this
    week vs the week before", "is revenue up this week?": the calendar unit before, which the parser then cuts to
    as many days as this one has so far. Otherwise None: the immediately preceding days, as the tools' *_change.
    """
    if SAME_LENGTH_BEFORE.search(comparison):  # "the last 14 days vs the previous 14 days"
        return period.previous(today)
    if SAME_DAY_LAST_WEEK.search(comparison):  # "yesterday compared with the same day last week"
        return week_earlier(period, today)
    this = THIS_UNIT.match(period.words or "")
    if this and not parse_period(comparison.replace(this.group(0), " "), today)[0]:  # "is revenue up this week?"
        return parse_period(f"last {this.group(1)}", today)[0]
    return None


SOON = ["last week", "this month", "in the last 30 days"]
BARE_MONTH = re.compile(
    r"^(\W*(?:compared?\s+(?:to|with)|vs\.?|versus|against|than)\s+)("
    + "|".join(m for m in sorted(MONTHS, key=len, reverse=True) if len(m) > 3)
    + r")\b"
)
