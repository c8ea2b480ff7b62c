"""How a report reads: number formats and the two templates of each message (plain text, HTML).

Autoescape is on for the HTML templates and off for the text ones: a visitor's path or a goal's name is
data, and in HTML it is escaped wherever it appears (a `<script>` path arrives as `&lt;script&gt;`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined

if TYPE_CHECKING:
    from clearanalytics.mail.content import ReportData

_HTML = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_TEXT = Environment(autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def number(value: int | float) -> str:
    return f"{value:,}"


def percent(value: float) -> str:
    return f"{value:.1f}%"


def money(value: float, currency: str) -> str:
    return f"{currency} {value:,.2f}"


def duration(seconds: int) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{rest}s"


def change(value: float | None, kind: str = "relative") -> str:
    """+12.5% (relative) or +1.2 pts (a rate's change in percentage points); n/a when the period before had 0."""
    if value is None:
        return "n/a"
    return f"{value:+.1f}%" if kind == "relative" else f"{value:+.1f} pts"


def local_time(moment: datetime, timezone: str) -> str:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def source_label(row: dict[str, Any]) -> str:
    return row["referrer"] or str(row["referrer_source"]).title()


def report_context(data: ReportData, public_url: str) -> dict[str, Any]:
    """Every value the templates show, formatted once so that both parts say the same."""
    o, e, currency = data.overview, data.ecommerce, data.site.currency
    kpis = [
        ("visitors", "Visitors", number(o["visitors"]), change(o["visitors_change"])),
        ("pageviews", "Pageviews", number(o["pageviews"]), change(o["pageviews_change"])),
        ("bounce_rate", "Bounce rate", percent(o["bounce_rate"]), change(o["bounce_rate_change"], "point")),
        ("avg_duration", "Visit duration", duration(o["avg_duration"]), change(o["avg_duration_change"])),
    ]
    revenue = [
        ("revenue", "Revenue", money(e["revenue"], currency), change(e["revenue_change"])),
        ("transactions", "Purchases", number(e["transactions"]), change(e["transactions_change"])),
        ("avg_order_value", "Average order", money(e["avg_order_value"], currency),
         change(e["avg_order_value_change"])),
        ("conversion_rate", "Purchase rate", percent(e["conversion_rate"]),
         change(e["conversion_rate_change"], "point")),
    ]  # fmt: skip
    return {
        "title": f"{'Weekly' if data.period.kind == 'week' else 'Monthly'} report for {data.site.domain}",
        "domain": data.site.domain,
        "period": data.period.words(),
        "from": data.period.date_from.isoformat(),
        "to": data.period.date_to.isoformat(),
        "timezone": data.site.timezone,
        "kpis": kpis,
        "pages": [(p["pathname"], number(p["pageviews"]), number(p["visitors"])) for p in data.pages],
        "sources": [(source_label(s), number(s["visitors"])) for s in data.sources],
        "goals": [
            (g["name"], number(g["completions"]), number(g["visitors"]), percent(g["conversion_rate"]))
            for g in data.goals
        ],  # fmt: skip
        "revenue": revenue if e["transactions"] or e["revenue"] else [],
        "url": public_url,
    }


REPORT_TEXT = _TEXT.from_string(
    """{{ title }}
{{ period }} ({{ from }} to {{ to }}, {{ timezone }})

{% for key, label, value, delta in kpis %}
{{ label }}: {{ value }} ({{ delta }})
{% endfor %}

Top pages
{% for path, pageviews, visitors in pages %}
  {{ path }}: {{ pageviews }} pageviews, {{ visitors }} visitors
{% else %}
  No pageviews in this period.
{% endfor %}

Top sources
{% for label, visitors in sources %}
  {{ label }}: {{ visitors }} visitors
{% else %}
  No visitors in this period.
{% endfor %}

Goals
{% for name, completions, visitors, rate in goals %}
  {{ name }}: {{ completions }} completions, {{ visitors }} visitors, {{ rate }} conversion
{% else %}
  No goals.
{% endfor %}

Revenue
{% for key, label, value, delta in revenue %}
  {{ label }}: {{ value }} ({{ delta }})
{% else %}
  No purchases in this period.
{% endfor %}

Changes are against the preceding period of the same length.
{% if url %}Dashboard: {{ url }}
{% endif %}
"""
)

REPORT_HTML = _HTML.from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>table { border-collapse: collapse; width: 100% } th { text-align: left } .n { text-align: right }
h2 { font-size: 1.1rem } td, th { padding: 0.2rem 0.4rem; border-bottom: 1px solid #e4e7eb }</style></head>
<body style="font-family: system-ui, sans-serif; color: #1f2933; max-width: 40rem; margin: 0 auto; padding: 1rem">
<h1 style="font-size: 1.3rem">{{ title }}</h1>
<p>{{ period }} ({{ from }} to {{ to }}, {{ timezone }})</p>
<table id="kpis">
{% for key, label, value, delta in kpis %}
<tr data-metric="{{ key }}"><th scope="row">{{ label }}</th>
<td class="value n">{{ value }}</td><td class="change n">{{ delta }}</td></tr>
{% endfor %}
</table>
<h2>Top pages</h2>
{% if pages %}
<table id="pages">
<tr><th>Page</th><th class="n">Pageviews</th><th class="n">Visitors</th></tr>
{% for path, pageviews, visitors in pages %}
<tr><td>{{ path }}</td><td class="n">{{ pageviews }}</td><td class="n">{{ visitors }}</td></tr>
{% endfor %}
</table>
{% else %}<p>No pageviews in this period.</p>{% endif %}
<h2>Top sources</h2>
{% if sources %}
<table id="sources">
<tr><th>Source</th><th class="n">Visitors</th></tr>
{% for label, visitors in sources %}
<tr><td>{{ label }}</td><td class="n">{{ visitors }}</td></tr>
{% endfor %}
</table>
{% else %}<p>No visitors in this period.</p>{% endif %}
<h2>Goals</h2>
{% if goals %}
<table id="goals">
<tr><th>Goal</th><th class="n">Completions</th><th class="n">Visitors</th>
<th class="n">Conversion</th></tr>
{% for name, completions, visitors, rate in goals %}
<tr><td>{{ name }}</td><td class="n">{{ completions }}</td><td class="n">{{ visitors }}</td>
<td class="n">{{ rate }}</td></tr>
{% endfor %}
</table>
{% else %}<p>No goals.</p>{% endif %}
<h2>Revenue</h2>
{% if revenue %}
<table id="revenue">
{% for key, label, value, delta in revenue %}
<tr data-metric="{{ key }}"><th scope="row">{{ label }}</th>
<td class="value n">{{ value }}</td><td class="change n">{{ delta }}</td></tr>
{% endfor %}
</table>
{% else %}<p>No purchases in this period.</p>{% endif %}
<p style="color: #616e7c; font-size: 0.9rem">Changes are against the preceding period of the same length.
{% if url %}<a href="{{ url }}">Open the dashboard</a>{% endif %}</p>
</body></html>
"""
)

SPIKE_TEXT = _TEXT.from_string(
    """Traffic spike on {{ domain }}

{{ visitors }} current visitors (the last five minutes) at {{ at }}, above your threshold of {{ threshold }}.
You get this notice at most once every 6 hours per site.
{% if url %}Realtime view: {{ url }}
{% endif %}
"""
)

SPIKE_HTML = _HTML.from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Traffic spike on {{ domain }}</title></head>
<body style="font-family: system-ui, sans-serif; color: #1f2933; max-width: 40rem; margin: 0 auto; padding: 1rem">
<h1 style="font-size: 1.3rem">Traffic spike on {{ domain }}</h1>
<p><strong id="current-visitors">{{ visitors }}</strong> current visitors (the last five minutes) at {{ at }},
above your threshold of {{ threshold }}.</p>
<p style="color: #616e7c; font-size: 0.9rem">You get this notice at most once every 6 hours per site.
{% if url %}<a href="{{ url }}">Open the realtime view</a>{% endif %}</p>
</body></html>
"""
)
