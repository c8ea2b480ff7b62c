"""The answers of the narrowed questions: one row, one section, a weekly or monthly series, right now.

Like answers.py, every sentence is a template around the numbers a tool returned; tests render
each branch (tests/test_chat_replies.py). A row or section that is not in the tool's list is
said so, with the nearest labels of the site's own list offered as questions to ask instead.
"""

from __future__ import annotations

from datetime import date, timedelta

from clearanalytics.chat import answers, focus, places
from clearanalytics.chat.dates import dates_of
from clearanalytics.chat.periods import MONTH_NAMES, Period, _month_end

PICK_FIELDS = {
    "pages": ("pathname",),
    "referrers": ("referrer_source", "referrer"),
    "revenue_by_source": ("source",),
    "campaigns": ("utm_campaign", "utm_source"),
    "devices": ("device_type",),
    "countries": ("country_code",),
}
PICK_NOUNS = {
    "pages": "page",
    "referrers": "source",
    "revenue_by_source": "source",
    "campaigns": "campaign",
    "devices": "device type",
    "countries": "country",
}


def period_note(period: Period, today: date, compare: Period | None = None) -> str:
    """The sentence every answer ends with: the dates it used ('Period: 9–15 March 2026.').

    Left out when the answer's own words already hold those dates ("on 15 November 2025").
    """
    start, end = period.bounds(today)
    dates = dates_of(start, end)
    if compare is not None:
        other = dates_of(*compare.bounds(today))
        return f" Periods: {dates}, against {other}."
    return "" if dates in period.label else f" Period: {dates}."


def pick_answer(facet: str, metric: str | None, needle: str, result: dict, label: str, domain: str | None):
    """(text, chart, suggestions) for one row of a list: "/pricing had 567 pageviews last week (...)"."""
    spec = answers.FACETS[facet]
    rows = answers.rows_of(result, spec) or []
    found = focus.find_row(rows, PICK_FIELDS[facet], needle)
    where = answers.where(domain)
    if not found.rows and facet == "countries":
        return f"I found no visitors from {places.country_name(needle)}{where} {label}.", None, ()
    if not found.rows:
        noun = PICK_NOUNS.get(facet, "row")
        text = f'I found no {noun} matching "{needle}"{where} {label}.'
        return text, None, tuple(found.nearest)
    row = found.rows[0]
    name = answers.label_of(row, PICK_FIELDS[facet][0])
    currency = answers.structured(result).get("currency")
    if facet == "revenue_by_source":
        value = answers.fmt("revenue", row.get("revenue"), currency)
        orders = answers.counted(row.get("transactions") or 0, "orders")
        return f"{name} brought {value} in revenue from {orders}{where} {label}.", None, ()
    if facet == "pages":
        field = metric if metric in ("visitors", "pageviews", "avg_duration") else "pageviews"
        if field == "avg_duration":
            value = answers.fmt("avg_duration", row.get(field))
            return f"The average time on {name}{where} {label} was {value}.", None, ()
        value = answers.counted(row.get(field) or 0, answers.METRIC_WORDS[field])
        return f"{name} had {value}{where} {label}.", None, ()
    if facet == "campaigns":
        name = answers.campaign_label(row)
    visitors = answers.counted(row.get("visitors") or 0, "visitors")
    if facet == "devices":
        return f"You had {visitors} on {name}{where} {label}.", None, ()
    if facet == "countries":
        pageviews = answers.counted(row.get("pageviews") or 0, "pageviews")
        name = places.country_name(name)
        return f"You had {visitors} from {name}{where} {label}, with {pageviews}.", None, ()
    return f"{name} brought {visitors}{where} {label}.", None, ()


def section_answer(section: str, shown: int | None, result: dict, label: str, domain: str | None):
    """(text, chart, suggestions): the top pages under /section, or the nearest sections of the site."""
    rows = answers.rows_of(result, answers.FACETS["pages"]) or []
    found = focus.in_section(rows, section)
    where = answers.where(domain)
    if not found.rows:
        text = f"I found no pages under /{section}{where} {label}."
        return text, None, tuple(f"top pages under /{name} {label}" for name in found.nearest)
    kept = found.rows[: shown or 5]
    parts = ", ".join(f"{r['pathname']} ({answers.fmt('pageviews', r.get('pageviews') or 0)})" for r in kept)
    text = f"Top pages under /{section}{where} {label} by pageviews: {parts}."
    chart = {
        "type": "bar",
        "title": f"Pages under /{section} by pageviews",
        "labels": [r["pathname"] for r in kept],
        "series": [{"name": "Pageviews", "values": [r.get("pageviews") or 0 for r in kept]}],
    }
    return text, chart, ()


def realtime_answer(result: dict, domain: str | None) -> tuple[str, dict | None]:
    data = answers.structured(result).get("realtime")
    if not isinstance(data, dict):
        return "The realtime tool returned nothing I can read.", None
    current = data.get("current_visitors") or 0
    people = "visitor" if current == 1 else "visitors"
    verb = "is" if current == 1 else "are"
    text = (
        f"Right now (a pageview in the last 5 minutes) there {verb} {current:,} {people}{answers.where(domain)}. "
        f"In the last 30 minutes: {answers.counted(data.get('visitors') or 0, 'visitors')} and "
        f"{answers.counted(data.get('pageviews') or 0, 'pageviews')}."
    )
    pages = [p for p in data.get("pages") or [] if isinstance(p, dict)][:5]
    if pages:
        text += " Top pages: " + ", ".join(f"{p['pathname']} ({p['visitors']:,})" for p in pages) + "."
    return text, None


def buckets(period: Period, today: date, interval: str) -> list[tuple[str, date, date]]:
    """The calendar weeks (Monday to Sunday) or months that the period touches, clipped to it; the last 26 of them
    (a year in weeks is 53: the recent half is the one asked about, and the answer says which it shows)."""
    start, end = period.bounds(today)
    out = []
    cursor = start - timedelta(days=start.weekday()) if interval == "week" else start.replace(day=1)
    while cursor <= end:
        if interval == "week":
            last = cursor + timedelta(days=6)
            name = f"week of {max(cursor, start).isoformat()}"
        else:
            last = _month_end(cursor.year, cursor.month)
            name = f"{MONTH_NAMES[cursor.month - 1]} {cursor.year}"
        out.append((name, max(cursor, start), min(last, end)))
        cursor = last + timedelta(days=1)
    return out[-SERIES_BUCKETS:]


SERIES_BUCKETS = 26


def series_answer(
    metric: str, rows: list[tuple[str, date, date, dict]], label: str, domain: str | None, currency: str | None = None
):
    """(text, chart): one overview per bucket; partial first and last buckets are named by their dates."""
    noun = answers.METRIC_WORDS[metric]
    values = [figures.get(metric) or 0 for *_rest, figures in rows]
    names = [name for name, *_rest in rows]
    parts = "; ".join(
        f"{dates_of(first, last)}: {answers.fmt(metric, value, currency)}"
        for (_name, first, last, _f), value in zip(rows, values, strict=True)
    )
    interval = "week" if names and names[0].startswith("week") else "month"
    text = f"{noun.capitalize()} per {interval}{answers.where(domain)} {label}: {parts}."
    chart = {
        "type": "bar",
        "title": f"{noun.capitalize()} per {interval}",
        "labels": names,
        "series": [{"name": noun.capitalize(), "values": values}],
    }
    return text, chart
