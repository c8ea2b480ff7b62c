"""Docs enforced by tests: every export route, table, column and parameter is in docs/EXPORTS.md."""

from __future__ import annotations

from pathlib import Path

from clearanalytics.exports.columns import TABLES

EXPORTS_MD = (Path(__file__).resolve().parent.parent / "docs" / "EXPORTS.md").read_text()


def test_every_export_route_and_the_openapi_route_are_documented(make_app):
    app = make_app()
    routes = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith(("/api/v1/export", "/api/v1/openapi"))]
    assert len(routes) == 8  # five tables (custom events added in [5/7]), two schemas, openapi.json
    for route in routes:
        short = route.removeprefix("/api/v1")
        assert f"`GET {short}`" in EXPORTS_MD or f"`GET {route}`" in EXPORTS_MD, route


def test_every_table_and_column_is_documented():
    for table, columns in TABLES.items():
        row = next(line for line in EXPORTS_MD.splitlines() if line.startswith(f"| `{table}` |"))
        assert row.rsplit("|", 2)[1].strip() == ", ".join(c.name for c in columns), table


def test_every_parameter_is_documented():
    for name in ("format", "from", "to", "cursor", "limit", "domain", "base_url", "table"):
        assert f"`{name}`" in EXPORTS_MD, name
