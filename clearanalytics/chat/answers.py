"""Sentences and chart specs around the numbers a tool returned; never a number it did not return.

Each facet (overview metric, pages, sources, devices, ...) reads one known list of one known
tool's typed result (clearanalytics/mcp/results.py: e.g. top-pages' `pages`, whose rows are
`PageRow`s), picks the rows and columns that answer the question, and returns (text, chart).
The keys are the results' own: tests/test_faces.py checks every facet against results.py.

A chart spec is what the dashboard's chart code draws:
  {"type": "bar" | "line", "title": str, "labels": [str], "series": [{"name": str, "values": [number]}]}
  {"type": "table", "title": str, "columns": [str], "rows": [[cell]]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clearanalytics.chat import places
from clearanalytics.mcp import results

METRIC_WORDS = {
    "visitors": "visitors",
    "pageviews": "pageviews",
    "bounce_rate": "bounce rate",
    "avg_duration": "average visit duration",
    "revenue": "revenue",
    "transactions": "orders",
    "avg_order_value": "average order value",
    "conversion_rate": "conversion rate",
}
RATES = ("bounce_rate", "conversion_rate")
MONEY = ("revenue", "avg_order_value")


@dataclass(frozen=True)
class Facet:
    """One list of one tool's result: `key` holds the rows, `label` names a row, `value` ranks it."""

    tool: str
    key: str
    label: str
    value: str
    noun: str
    fields: tuple[str, ...] = ()  # the rows' fields when results.py does not type them (the locations tool's)


FACETS: dict[str, Facet] = {
    "pages": Facet("top-pages", "pages", "pathname", "pageviews", "page"),
    "sources": Facet("traffic-sources", "channels", "channel", "visitors", "channel"),
    "referrers": Facet("traffic-sources", "referrers", "referrer", "visitors", "site"),
    "devices": Facet("device-and-browser", "devices", "device_type", "visitors", "device type"),
    "browsers": Facet("device-and-browser", "browsers", "browser", "visitors", "browser"),
    "operating_systems": Facet("device-and-browser", "operating_systems", "os", "visitors", "system"),
    "languages": Facet("languages", "languages", "language", "visitors", "language"),
    "campaigns": Facet("campaigns", "campaigns", "utm_campaign", "visitors", "campaign"),
    "products": Facet("ecommerce-products", "products", "item_name", "revenue", "product"),
    "revenue_by_source": Facet("ecommerce-products", "revenue_by_source", "source", "revenue", "source"),
    "funnel": Facet("ecommerce-products", "funnel", "label", "visitors", "step"),
    "goals": Facet("goals", "goals", "name", "completions", "goal"),
    "days": Facet("daily-breakdown", "days", "date", "visitors", "day"),
    "hours": Facet("hourly-breakdown", "hours", "hour", "visitors", "hour"),
    "sites": Facet("list-sites", "sites", "domain", "domain", "site"),
    "properties": Facet("custom-properties", "properties", "value", "visitors", "value"),
    "countries": Facet("locations", "locations", "country_code", "visitors", "country", ("visitors", "pageviews")),
    "regions": Facet("locations", "locations", "region", "visitors", "region", ("visitors", "pageviews")),
    "cities": Facet("locations", "locations", "city", "visitors", "city", ("visitors", "pageviews")),
}
PLURALS = {"country": "countries", "city": "cities"}
PLACES = ("countries", "regions", "cities")
# The figures of the two overview tools: which key of their result holds them.
TOTALS = {"analytics-overview": "overview", "ecommerce-overview": "ecommerce"}


def structured(result: dict) -> dict:
    """The tool's typed result (results.BY_TOOL[tool]); {} for an error or a runner that sent none."""
    content = result.get("structuredContent")
    return content if isinstance(content, dict) else {}


def totals(tool: str, result: dict) -> tuple[dict, str | None]:
    """An overview tool's figures and its currency (ecommerce-overview's; the other has none)."""
    content = structured(result)
    figures = content.get(TOTALS[tool])
    return (figures if isinstance(figures, dict) else {}), content.get("currency")


def rows_of(result: dict, facet: Facet) -> list[dict] | None:
    """The facet's rows, or None when the result does not hold that list."""
    rows = structured(result).get(facet.key)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else None


def columns(facet: Facet) -> set[str]:
    """The fields of the facet's rows, as results.py types them (or the facet lists them)."""
    row = results.row_type(results.BY_TOOL[facet.tool], facet.key)
    return set(row.__annotations__) if row is not None else {facet.label, *facet.fields}


def label_of(row: dict, field: str) -> str:
    if field == "referrer" and not row.get("referrer") and row.get("referrer_source") not in (None, "", "direct"):
        field = "referrer_source"  # a source with no host (a search engine's app): its name
    if field not in row:
        return "(unknown)"
    value = row[field]
    return "(none)" if value in (None, "") else str(value)


def row_label(facet: str, row: dict) -> str:
    """How a row of the facet is named: campaigns by source / medium / campaign, countries by name."""
    if facet == "campaigns":
        return campaign_label(row)
    if facet == "countries":
        return places.country_name(row.get("country_code"))
    if facet in ("regions", "cities") and not row.get(FACETS[facet].label):
        return "(unknown)"
    return label_of(row, FACETS[facet].label)


def campaign_label(row: dict) -> str:
    """source / medium / campaign, as the campaigns report groups them."""
    return " / ".join(str(row.get(k) or "-") for k in ("utm_source", "utm_medium", "utm_campaign"))


def fmt(metric: str, value: Any, currency: str | None = None) -> str:
    if value is None:
        return "n/a"
    if metric in RATES or metric == "dropoff_rate":
        return f"{float(value):.1f}%"
    if metric in MONEY:
        amount = f"{float(value):,.2f}"
        return f"{amount} {currency}" if currency else amount
    if metric in ("avg_duration", "duration"):
        seconds = int(round(float(value)))
        return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


SINGULAR = {"visitors": "visitor", "pageviews": "pageview", "orders": "order", "transactions": "order"}


def counted(value: Any, noun: str) -> str:
    """'1 visitor', '2 visitors': the noun agrees with the number."""
    return f"{fmt('visitors', value)} {SINGULAR.get(noun, noun) if value == 1 else noun}"


def change_words(metric: str, change: Any, against: str = "the previous period") -> str:
    """`*_change` as the tools give it: relative percent for counts and money, points for rates."""
    if change is None:
        return f"there is no percentage change, as {against} had none"
    change = float(change)
    unit = " points" if metric in RATES else "%"
    if change == 0:
        return f"unchanged from {against}"
    direction = "up" if change > 0 else "down"
    return f"{direction} {abs(change):.1f}{unit} on {against}"


ALL_SITES = "*"  # the `domain` of an answer about every site, asked for in so many words


def where(domain: str | None) -> str:
    if domain == ALL_SITES:
        return " across all your sites"
    return f" on {domain}" if domain else ""


def computed_change(metric: str, new: Any, old: Any) -> float | None:
    """The *_change definition of the API, for a comparison period the tool did not compute itself."""
    if new is None or old is None:
        return None
    if metric in RATES:
        return round(float(new) - float(old), 1)
    if float(old) == 0:
        return None
    return round((float(new) - float(old)) / float(old) * 100, 1)


def overview_answer(
    tool: str,
    metric: str,
    result: dict,
    label: str,
    domain: str | None,
    previous: dict | None = None,
    previous_label: str | None = None,
    previous_is_preceding: bool = False,
) -> tuple[str, dict | None]:
    data, currency = totals(tool, result)
    if metric not in data:
        return f"The tool did not return the {METRIC_WORDS[metric]}.", None
    value = fmt(metric, data[metric], currency)
    noun = METRIC_WORDS[metric]
    if metric in ("visitors", "pageviews", "transactions"):
        text = f"You had {counted(data[metric], noun)}{where(domain)} {label}."
    else:
        text = f"Your {noun}{where(domain)} {label} was {value}."
    chart = None
    old = totals(tool, previous)[0] if previous else None
    if old and metric in old:
        text += f" {previous_label[0].upper() + previous_label[1:]} it was {fmt(metric, old[metric], currency)}"
        if previous_is_preceding and f"{metric}_change" in data:
            change = data[f"{metric}_change"]
        else:
            change = computed_change(metric, data[metric], old[metric])
        words = change_words(metric, change, previous_label)
        text += f"; {words}." if change is None else f": {words}."
        chart = {
            "type": "bar",
            "title": noun.capitalize(),
            "labels": [previous_label, label],
            "series": [{"name": noun.capitalize(), "values": [old[metric], data[metric]]}],
        }
    elif f"{metric}_change" in data:
        change = data[f"{metric}_change"]
        if change is None:
            text += " There is no percentage change, as the previous period had no data."
        else:
            text += f" That is {change_words(metric, change)}."
    return text, chart


def list_answer(
    facet: str,
    metric: str | None,
    result: dict,
    label: str,
    domain: str | None,
    shown: int | None = None,
    rank: str = "best",
) -> tuple[str, dict | None]:
    """Top rows of a list; `shown` rows exactly when the question said "top N", "(none)" rows left out."""
    spec = FACETS[facet]
    noun = spec.noun
    rows = rows_of(result, spec)
    if rows is None:
        return "The tool returned no rows I can read.", None
    value_field = metric if metric in columns(spec) else spec.value
    if value_field != spec.value and facet not in ("days", "hours", "funnel"):  # "top pages by visitors": ranked so
        rows = sorted(rows, key=lambda row: -(row.get(value_field) or 0))
    if facet == "sites":
        if not rows:
            return "You have no sites yet.", None
        names = ", ".join(label_of(r, spec.label) for r in rows)
        return f"You have {len(rows)} site{'s' if len(rows) != 1 else ''}: {names}.", None
    if not rows or not any(r.get(value_field) for r in rows):
        return f"There is no data{where(domain)} {label} for that.", None
    labels = [row_label(facet, r) for r in rows]
    if (shown or facet in PLACES) and facet not in ("days", "hours", "funnel"):  # named places only
        kept = [i for i, name in enumerate(labels) if name not in ("(none)", "(unknown)", "- / - / -")][:shown]
        rows, labels = [rows[i] for i in kept], [labels[i] for i in kept]
        if not rows:  # only direct traffic, only unknown places: nothing named to list
            return f"There is no data{where(domain)} {label} for that.", None
    values = [r.get(value_field) or 0 for r in rows]
    word = METRIC_WORDS.get(value_field, value_field.replace("_", " "))
    if facet in ("days", "hours"):
        return _series_answer(facet, rows, labels, values, word, label, domain, rank)
    if facet == "funnel":
        return _funnel_answer(rows, labels, values, label, domain)
    currency = structured(result).get("currency")
    listed = ", ".join(
        f"{name} ({fmt(value_field, v, currency)})"
        for name, v in zip(labels[: shown or 5], values[: shown or 5], strict=False)
    )
    heading = "referring sites" if facet == "referrers" else PLURALS.get(noun, f"{noun}s")  # referrers: "site"
    lead = f"Top {heading}{where(domain)} {label} by {word}: {listed}."
    if facet == "sources":
        referrers, by = rows_of(result, FACETS["referrers"]), FACETS["referrers"].label
        referrers = [r for r in referrers or [] if label_of(r, by) != "(none)"]
        if referrers:
            top = ", ".join(f"{label_of(r, by)} ({fmt('visitors', r.get('visitors'))})" for r in referrers[:3])
            lead += f" Top referring sites: {top}."
    chart = {
        "type": "bar",
        "title": f"{PLURALS.get(noun, noun + 's').capitalize()} by {word}",
        "labels": labels,
        "series": [{"name": word.capitalize(), "values": values}],
    }
    return lead, chart


def _series_answer(facet, rows, labels, values, word, label, domain, rank="best") -> tuple[str, dict]:
    if rank == "worst":
        best = min(range(len(values)), key=lambda i: (values[i], i))
    else:
        best = max(range(len(values)), key=lambda i: (values[i], -i))
    count = counted(values[best], word)
    if facet == "hours":
        labels = [f"{int(v):02d}:00" if str(v).isdigit() else v for v in labels]
        which = "quietest hour" if rank == "worst" else "peak hour"
        text = f"The {which}{where(domain)} {label} was {labels[best]} with {count}."
        kind = "bar"
    else:
        which = "quietest day" if rank == "worst" else "busiest day"
        text = f"The {which}{where(domain)} {label} was {labels[best]} with {count}."
        kind = "line"
    chart = {
        "type": kind,
        "title": f"{word.capitalize()} by {facet[:-1]}",
        "labels": labels,
        "series": [{"name": word.capitalize(), "values": values}],
    }
    return text, chart


def _funnel_answer(rows, labels, values, label, domain) -> tuple[str, dict]:
    steps = []
    for row, name, visitors in zip(rows, labels, values, strict=False):
        part = f"{name}: {fmt('visitors', visitors)}"
        if row.get("dropoff_rate"):
            part += f" ({fmt('dropoff_rate', row['dropoff_rate'])} drop-off)"
        steps.append(part)
    text = f"The checkout funnel{where(domain)} {label}: " + "; ".join(steps) + "."
    chart = {
        "type": "bar",
        "title": "Checkout funnel",
        "labels": labels,
        "series": [{"name": "Visitors", "values": values}],
    }
    return text, chart


def goals_answer(result: dict, label: str, domain: str | None) -> tuple[str, dict | None]:
    spec = FACETS["goals"]
    rows = rows_of(result, spec)
    if rows is None:
        return "The tool returned no goals I can read.", None
    if not rows:
        return f"You have no goals{where(domain)} yet; add one in the settings to count conversions.", None
    parts = [f"{label_of(r, spec.label)}: {fmt('visitors', r.get(spec.value) or 0)}" for r in rows]
    text = f"Goal completions{where(domain)} {label}: " + "; ".join(parts) + "."
    chart = {
        "type": "bar",
        "title": "Goal completions",
        "labels": [label_of(r, spec.label) for r in rows],
        "series": [{"name": "Completions", "values": [r.get(spec.value) or 0 for r in rows]}],
    }
    return text, chart


def daily_chart(result: dict, metric: str) -> dict | None:
    """A line chart from a daily-breakdown result, drawn under an overview answer."""
    rows = rows_of(result, FACETS["days"])
    if not rows or metric not in columns(FACETS["days"]):
        return None
    return {
        "type": "line",
        "title": f"{METRIC_WORDS[metric].capitalize()} per day",
        "labels": [label_of(r, FACETS["days"].label) for r in rows],
        "series": [{"name": METRIC_WORDS[metric].capitalize(), "values": [r.get(metric) or 0 for r in rows]}],
    }


# A tool's main breakdown: the first facet of each tool in FACETS.
TOOL_FACETS: dict[str, str] = {}
for _name, _facet in FACETS.items():
    TOOL_FACETS.setdefault(_facet.tool, _name)


def chart_for(tool: str, result: dict) -> dict | None:
    """The chart an LLM answer gets: the main breakdown of the tool result it read."""
    if tool == "goals":
        return goals_answer(result, "", None)[1]
    facet = TOOL_FACETS.get(tool)
    return list_answer(facet, None, result, "", None)[1] if facet else None
