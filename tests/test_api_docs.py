"""Docs enforced by tests: every stats and goals route, and every engine report, is documented."""

from __future__ import annotations

import re
from pathlib import Path

from clearanalytics import stats

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_stats_and_goals_route_is_in_api_md(make_app):
    app = make_app()
    api_md = (DOCS / "API.md").read_text()
    routes = [
        re.sub(r"<(?:\w+:)?goal(?:_id)?>", "{goal}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/v1/stats", "/api/v1/goals")) and "GET" in rule.methods
    ]  # the write routes (POST /goals, DELETE /goals/{goal}) are checked by tests/test_sites_api.py
    # Every registry report with an API route, plus /goals and /goals/{goal}/completions: no hand-kept count.
    assert sorted(routes) == sorted(
        [r.path for r in stats.REPORTS.values() if r.api] + ["/goals", "/goals/{goal}/completions"]
    )
    missing = [route for route in routes if f"`GET {route}`" not in api_md]
    assert not missing


def test_every_report_and_filter_is_in_metrics_md():
    metrics_md = (DOCS / "METRICS.md").read_text().lower()
    words = {"operating-systems": "operating systems", "ecommerce/revenue-timeseries": "revenue",
             "ecommerce/revenue-by-source": "revenue by source", "ecommerce/overview": "e-commerce",
             "ecommerce/products": "products", "ecommerce/funnel": "funnel", "goals": "goal conversions",
             "timeseries": "time series"}  # fmt: skip
    for name in stats.REPORTS:
        assert words.get(name, name) in metrics_md, name
    for dimension in stats.FILTER_DIMENSIONS:
        assert f"`{dimension}`" in metrics_md, dimension
