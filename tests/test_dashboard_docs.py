"""Docs enforced by tests: every dashboard route is listed in docs/DASHBOARD.md."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "DASHBOARD.md"


def test_every_dashboard_route_is_documented(make_app):
    app = make_app()
    text = DOC.read_text()
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("dashboard.")]
    assert len(rules) >= 20
    missing = [r.rule for r in rules if f"`{r.rule}`" not in text]
    assert missing == []
