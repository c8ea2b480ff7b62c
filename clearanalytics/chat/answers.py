"""Sentences and chart specs around the numbers a tool returned; never a number it did not return.

Each facet (overview metric, pages, sources, devices, ...) has one small function that reads
the tool's `structuredContent`, picks the rows and columns that answer the question, and
returns (text, chart). Field names follow the API reference (`pathname`, `visitors`,
`referrer_source`, `item_name`, `dropoff_rate`, ...); list keys are looked up by a few
candidate names so that small shape differences in the tool layer do not break answers.

A chart spec is what the dashboard's chart code draws:
  {"type": "bar" | "line", "title": str, "labels": [str], "series": [{"name": str, "values": [number]}]}
  {"type": "table", "title": str, "columns": [str], "rows": [[cell]]}
"""

from __future__ import annotations

from typing import Any

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

# facet -> (candidate list keys, candidate label fields, default value field, noun)
FACETS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]] = {
    "pages": (("pages", "top_pages", "data"), ("pathname", "page", "path"), "pageviews", "page"),
    "sources": (("channels", "sources"), ("channel", "referrer_source", "source"), "visitors", "channel"),
    "referrers": (
        ("referrers", "top_referrers", "sites"),
        ("referrer", "referrer_source", "source"),
        "visitors",
        "site",
    ),
    "devices": (("devices", "device_types", "device_type"), ("device_type", "device"), "visitors", "device type"),
    "browsers": (("browsers",), ("browser",), "visitors", "browser"),
    "operating_systems": (("operating_systems", "os", "oses"), ("os", "operating_system"), "visitors", "system"),
    "languages": (("languages", "data"), ("language",), "visitors", "language"),
    "campaigns": (("campaigns", "data"), ("utm_campaign", "campaign"), "visitors", "campaign"),
    "products": (("products", "top_products"), ("item_name", "name"), "revenue", "product"),
    "revenue_by_source": (("revenue_by_source", "sources"), ("source",), "revenue", "source"),
    "funnel": (("funnel", "steps"), ("label", "step"), "visitors", "step"),
    "goals": (("goals", "data"), ("name",), "completions", "goal"),
    "days": (("days", "daily", "timeseries", "data"), ("date",), "visitors", "day"),
    "hours": (("hours", "hourly", "data"), ("hour",), "visitors", "hour"),
    "sites": (("sites", "data"), ("domain",), "domain", "site"),
}


def payload(result: dict) -> Any:
    content = result.get("structuredContent") or {}
    if isinstance(content, dict) and set(content) == {"data"}:
        return content["data"]
    return content


def totals(result: dict) -> tuple[dict, str | None]:
    """An overview tool's figures (under `overview` or `ecommerce`, or at the top) and its currency."""
    content = payload(result)
    if not isinstance(content, dict):
        return {}, None
    for key in ("overview", "ecommerce"):
        if isinstance(content.get(key), dict):
            return content[key], content.get("currency")
    return content, content.get("currency")


def rows_of(content: Any, keys: tuple[str, ...]) -> list[dict] | None:
    if isinstance(content, list):
        return [r for r in content if isinstance(r, dict)]
    if not isinstance(content, dict):
        return None
    for key in keys:
        value = content.get(key)
        if isinstance(value, list):
            return [r for r in value if isinstance(r, dict)]
    return None


def label_of(row: dict, fields: tuple[str, ...]) -> str:
    for name in fields:
        if name in row:
            value = row[name]
            return "(none)" if value in (None, "") else str(value)
    return "(unknown)"


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


def change_words(metric: str, change: Any, against: str = "the previous period") -> str:
    """`*_change` as the tools give it: relative percent for counts and money, points for rates."""
    if change is None:
        return f"no percentage change can be given, as {against} had none"
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
    metric: str,
    result: dict,
    label: str,
    domain: str | None,
    previous: dict | None = None,
    previous_label: str | None = None,
    previous_is_preceding: bool = False,
) -> tuple[str, dict | None]:
    data, currency = totals(result)
    if metric not in data:
        return f"The tool did not return the {METRIC_WORDS[metric]}.", None
    value = fmt(metric, data[metric], currency)
    noun = METRIC_WORDS[metric]
    if metric in ("visitors", "pageviews", "transactions"):
        text = f"You had {value} {noun}{where(domain)} {label}."
    else:
        text = f"Your {noun}{where(domain)} {label} was {value}."
    chart = None
    old = totals(previous)[0] if previous else None
    if old and metric in old:
        text += f" {previous_label[0].upper() + previous_label[1:]} it was {fmt(metric, old[metric], currency)}"
        if previous_is_preceding and f"{metric}_change" in data:
            change = data[f"{metric}_change"]
        else:
            change = computed_change(metric, data[metric], old[metric])
        text += f": {change_words(metric, change, previous_label)}."
        chart = {
            "type": "bar",
            "title": noun.capitalize(),
            "labels": [previous_label, label],
            "series": [{"name": noun.capitalize(), "values": [old[metric], data[metric]]}],
        }
    elif f"{metric}_change" in data:
        text += f" That is {change_words(metric, data[f'{metric}_change'])}."
    return text, chart


def list_answer(
    facet: str, metric: str | None, result: dict, label: str, domain: str | None
) -> tuple[str, dict | None]:
    keys, label_fields, default_value, noun = FACETS[facet]
    content = payload(result)
    rows = rows_of(content, keys)
    if rows is None:
        return "The tool returned no rows I can read.", None
    value_field = metric if metric and rows and metric in rows[0] else default_value
    if facet == "sites":
        if not rows:
            return "You have no sites yet.", None
        names = ", ".join(label_of(r, label_fields) for r in rows)
        return f"You have {len(rows)} site{'s' if len(rows) != 1 else ''}: {names}.", None
    if not rows or not any(r.get(value_field) for r in rows):
        return f"There is no data{where(domain)} {label} for that.", None
    labels = [campaign_label(r) if facet == "campaigns" else label_of(r, label_fields) for r in rows]
    values = [r.get(value_field) or 0 for r in rows]
    word = METRIC_WORDS.get(value_field, value_field.replace("_", " "))
    if facet in ("days", "hours"):
        return _series_answer(facet, rows, labels, values, word, label, domain)
    if facet == "funnel":
        return _funnel_answer(rows, labels, values, label, domain)
    currency = content.get("currency") if isinstance(content, dict) else None
    shown = ", ".join(
        f"{name} ({fmt(value_field, v, currency)})" for name, v in zip(labels[:5], values[:5], strict=False)
    )
    lead = f"Top {noun}s{where(domain)} {label} by {word}: {shown}."
    if facet == "sources" and isinstance(content, dict):
        referrers = rows_of(content, FACETS["referrers"][0])
        if referrers and referrers is not rows:
            top = ", ".join(
                f"{label_of(r, FACETS['referrers'][1])} ({fmt('visitors', r.get('visitors'))})" for r in referrers[:3]
            )
            lead += f" Top referring sites: {top}."
    chart = {
        "type": "bar",
        "title": f"{noun.capitalize()}s by {word}",
        "labels": labels,
        "series": [{"name": word.capitalize(), "values": values}],
    }
    return lead, chart


def _series_answer(facet, rows, labels, values, word, label, domain) -> tuple[str, dict]:
    best = max(range(len(values)), key=lambda i: (values[i], -i))
    if facet == "hours":
        labels = [f"{int(v):02d}:00" if str(v).isdigit() else v for v in labels]
        text = f"The peak hour{where(domain)} {label} was {labels[best]} with {fmt('visitors', values[best])} {word}."
        kind = "bar"
    else:
        text = f"The busiest day{where(domain)} {label} was {labels[best]} with {fmt('visitors', values[best])} {word}."
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
    keys, fields, _value, _noun = FACETS["goals"]
    rows = rows_of(payload(result), keys)
    if rows is None:
        return "The tool returned no goals I can read.", None
    if not rows:
        return f"You have no goals{where(domain)} yet; add one in the settings to count conversions.", None
    count_field = next((f for f in ("completions", "completion_count", "count", "total") if f in rows[0]), None)
    if count_field is None:
        return "The goals tool did not return completion counts.", None
    parts = [f"{label_of(r, fields)}: {fmt('visitors', r.get(count_field) or 0)}" for r in rows]
    text = f"Goal completions{where(domain)} {label}: " + "; ".join(parts) + "."
    chart = {
        "type": "bar",
        "title": "Goal completions",
        "labels": [label_of(r, fields) for r in rows],
        "series": [{"name": "Completions", "values": [r.get(count_field) or 0 for r in rows]}],
    }
    return text, chart


def daily_chart(result: dict, metric: str) -> dict | None:
    """A line chart from a daily-breakdown result, drawn under an overview answer."""
    rows = rows_of(payload(result), FACETS["days"][0])
    if not rows or metric not in rows[0]:
        return None
    return {
        "type": "line",
        "title": f"{METRIC_WORDS[metric].capitalize()} per day",
        "labels": [label_of(r, ("date", "hour")) for r in rows],
        "series": [{"name": METRIC_WORDS[metric].capitalize(), "values": [r.get(metric) or 0 for r in rows]}],
    }


TOOL_FACETS = {
    "top-pages": "pages",
    "traffic-sources": "sources",
    "device-and-browser": "devices",
    "languages": "languages",
    "campaigns": "campaigns",
    "ecommerce-products": "products",
    "daily-breakdown": "days",
    "hourly-breakdown": "hours",
}


def chart_for(tool: str, result: dict) -> dict | None:
    """The chart an LLM answer gets: the main breakdown of the tool result it read."""
    if tool == "goals":
        return goals_answer(result, "", None)[1]
    facet = TOOL_FACETS.get(tool)
    return list_answer(facet, None, result, "", None)[1] if facet else None
