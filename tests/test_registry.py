"""The report registry: every record has the faces it declares, and the runner answers from declarations.

A report that lacks a face it should have fails here: an API route missing from Flask's url_map
or from the OpenAPI document (or documented with another schema than its row schema), an MCP
report missing from its tool's output schema, a dashboard panel that renders nowhere, a report
the docs do not mention. The new `hostnames` report (added through the registry alone) is checked
against the dataset's numbers computed independently in plain Python.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from clearanalytics import accounts, stats, storage
from clearanalytics.api.openapi import openapi_document
from clearanalytics.mcp.tools import list_tools
from clearanalytics.stats import engine, periods, registry
from clearanalytics.stats.report import FILLED, POINT, TOTALS, Field, Fill, Panel, Report
from tests import stats_dataset
from tests.app_helpers import new_app
from tests.dashboard_helpers import close_app, login
from tests.split_helpers import stats_app
from tests.stats_expected import Expected

ROOT = Path(__file__).resolve().parent.parent
RECORDS = list(stats.REPORTS.values())


@pytest.fixture(scope="module")
def pinned(stats_data_dir, stats_setup, request):
    data_dir, data = stats_data_dir
    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    with stats_app(
        data_dir, data, stats_setup, pg, now=stats_dataset.NOW.isoformat(), rate_limit="100000/minute"
    ) as app:
        client = app.test_client()
        assert login(client, "owner@acme.test", "correct-horse-battery").status_code == 302
        yield app, client, data


def api_get(app, data, path: str, params: dict):
    headers = {"Authorization": f"Bearer {data.tokens['acme']}"}
    return app.test_client().get("/api/v1" + path, query_string=params, headers=headers)


def test_every_api_report_is_routed_and_in_the_openapi_document_with_its_row_schema(tmp_path):
    app = new_app(tmp_path / "data")
    try:
        rules = [r.rule for r in app.url_map.iter_rules()]
        served = {rule.removeprefix("/api/v1") for rule in rules if rule.startswith("/api/v1/stats/")}
    finally:
        close_app(app)
    assert served == {r.path for r in RECORDS if r.api}  # no route without a record, no record without its route
    paths = openapi_document()["paths"]
    for report in RECORDS:
        if not report.api:
            assert report.path not in paths, report.name
            continue
        operation = paths[report.path]["get"]
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert body["properties"]["data"] == report.data_schema(), report.name
        params = {p["name"] for p in operation["parameters"]}
        assert ("limit" in params) == report.limit, report.name
        assert {"period", "from", "to", "domain", "filter"} <= params, report.name


def _properties(schema: dict) -> dict:
    return schema["items"]["properties"] if schema.get("type") == "array" else schema["properties"]


def test_every_mcp_report_is_in_its_tools_output_schema():
    tools = {t["name"]: t["outputSchema"]["properties"] for t in list_tools()}
    carried = [r for r in RECORDS if r.mcp]
    assert carried, "no report declares an MCP tool"
    for report in carried:
        tool, key = report.mcp
        assert tool in tools, (report.name, tool)
        assert key in tools[tool], (report.name, tool, key)
        found = _properties(tools[tool][key])
        for field in report.output_fields():
            assert field.name in found, (report.name, tool, key, field.name)
            assert found[field.name]["type"] == field.schema()["type"], (report.name, field.name)


def test_every_chat_facet_reads_the_tool_and_labels_the_record_declares():
    from clearanalytics.chat.answers import FACETS

    for report in RECORDS:
        if report.chat:
            facet = FACETS[report.chat]
            assert (facet.tool, facet.key) == report.mcp, report.name
            declared = (report.label_field, report.metric, report.noun)
            assert (facet.label, facet.value, facet.noun) == declared, report.name


def test_every_dashboard_panel_renders_and_every_report_has_a_data_route(pinned):
    app, client, _data = pinned
    page = client.get("/dashboard/acme/shop.example", query_string={"period": "30d"}).text  # shop has e-commerce
    db = app.extensions["clearanalytics.db"]
    for report in RECORDS:
        if isinstance(report.panel, Panel):
            assert f'id="w-{report.panel.id}"' in page, report.name
            assert f'data-report="{report.name}"' in page, report.name
            columns = {key for key, _label, _fmt, _dim in report.panel.columns}
            assert columns <= {f.name for f in report.output_fields()}, report.name
            assert {dim for *_, dim in report.panel.columns if dim} <= set(stats.FILTER_DIMENSIONS), report.name
        elif isinstance(report.panel, str):
            template = ROOT / "templates" / report.panel
            assert f'data-report="{report.name}"' in template.read_text(), (report.name, template)
            assert f'data-report="{report.name}"' in page, report.name
        response = client.get(f"/dashboard/acme/shop.example/data/{report.name}", query_string={"period": "30d"})
        assert response.status_code == 200, (report.name, response.json)
        with db.reading() as cur:
            site = accounts.get_site(cur, "shop.example")
            query = stats.parse_query({"period": "30d"}, [site], now=stats_dataset.NOW)
            body = dict(response.json)
            labels = body.pop("labels", None)  # display names beside the rows (dashboard/views.py `_labels`)
            assert labels is None or labels == {"referrer": {"t.co": "X (Twitter)"}}, (report.name, labels)
            assert body == {"data": stats.run(report.name, cur, query)}, report.name
    ids = [p.id for group in ("main", "ecommerce") for _r, p in registry.panels(group)]
    assert len(ids) == len(set(ids))


def test_every_report_is_in_the_docs():
    api_md = (ROOT / "docs" / "API.md").read_text()
    metrics_md = (ROOT / "docs" / "METRICS.md").read_text().lower()
    for report in RECORDS:
        if report.api:
            line = next((row for row in api_md.splitlines() if f"`GET {report.path}`" in row), None)
            assert line, report.name
            assert ("extension beyond the reference" in line) == report.extension, report.name
        words = report.name.rsplit("/", 1)[-1].replace("-", " ")
        assert report.title.lower() in metrics_md or words in metrics_md, report.name


def test_the_periods_table_drives_validation_openapi_and_the_picker(pinned):
    app, client, data = pinned
    parameter = openapi_document()["paths"]["/stats/overview"]["get"]["parameters"][0]
    assert parameter["schema"]["enum"] == list(periods.CODES)
    assert parameter["schema"]["default"] == periods.DEFAULT_PERIOD
    bad = api_get(app, data, "/stats/overview", {"period": "2w"})
    assert bad.status_code == 422
    assert bad.json["errors"] == {"period": [f"The period field must be one of: {periods.described_list()}."]}
    page = client.get("/dashboard/acme/shop.example").text
    picker = re.findall(r'<li><a href="[^"]*period=([^"&]+)[^"]*" title="([^"]+)"', page)
    assert picker == [(p.code, p.label) for p in periods.PERIODS]


def test_the_runner_answers_a_record_from_its_declarations_alone(pinned):
    """A record written here, with no report function: the changes and the zero rows come from the runner."""
    app, _client, data = pinned
    visitors = Field("visitors", "int", "Unique visitors.", change=POINT)
    totals = Report("test-totals", "overview", "Visitors only, with a change in points.", (visitors,), shape=TOTALS)
    hours = Report("test-hours", "hours", "Three hours of day.", (Field("hour", "hour", "Hour."), visitors),
                   shape=FILLED, fill=Fill("hour", lambda _query, _found: [2, 1, 0]))  # fmt: skip
    with app.extensions["clearanalytics.db"].reading() as cur:
        query = stats.parse_query({"period": "30d"}, [accounts.get_site(cur, "shop.example")], now=stats_dataset.NOW)
        overview = stats.run("overview", cur, query)
        before = storage.run_report(cur, query.previous(), "overview")[0]["visitors"]
        assert totals(cur, query) == {
            "visitors": overview["visitors"],
            "visitors_change": engine.point_change(overview["visitors"], before),
        }
        every_hour = {r["hour"]: r["visitors"] for r in stats.run("hours", cur, query)}
        assert hours(cur, query) == [{"hour": h, "visitors": every_hour[h]} for h in (2, 1, 0)]
        empty = stats.parse_query({"from": "2020-01-01", "to": "2020-01-02"}, [accounts.get_site(cur, "shop.example")])
        assert hours(cur, empty) == [{"hour": h, "visitors": 0} for h in (2, 1, 0)]
        assert totals(cur, empty) == {"visitors": 0, "visitors_change": None}


def expected_hostnames(expected: Expected) -> list[dict]:
    """Plain Python over the dataset's pageviews (the reference's window and filters): per hostname."""
    visitors, pageviews = defaultdict(set), defaultdict(int)
    for p in expected.fpv:
        visitors[p["hostname"]].add(p["visitor_hash"])
        pageviews[p["hostname"]] += 1
    rows = [{"hostname": h, "visitors": len(v), "pageviews": pageviews[h]} for h, v in visitors.items()]
    rows.sort(key=lambda r: (-r["visitors"], -r["pageviews"], r["hostname"]))
    return rows[: expected.limit]


@pytest.mark.parametrize(
    "domain,params",
    [
        (None, {"period": "30d"}),
        (None, {"period": "90d", "limit": "1"}),
        (None, {"from": "2026-01-20", "to": "2026-02-03", "filter[page]": "/pricing"}),
        ("blog.example", {"period": "7d"}),
        ("shop.example", {"period": "30d", "filter[hostname]": "blog.example"}),
    ],
)
def test_hostnames_matches_the_dataset(pinned, domain, params):
    app, client, data = pinned
    domains = [domain] if domain else ["shop.example", "blog.example"]
    query = params | ({"domain": domain} if domain else {})
    answer = api_get(app, data, "/stats/hostnames", query)
    assert answer.status_code == 200, answer.json
    filters = {k: v for k, v in params.items() if k != "filter[hostname]"}
    expected = Expected(data, domains, filters, stats_dataset.NOW)
    rows = expected_hostnames(expected)
    if "filter[hostname]" in params:  # the reference's filter list has no hostname: apply it here
        rows = [r for r in rows if r["hostname"] == params["filter[hostname]"]]
    assert answer.json == {"data": rows}
    if not domain and params == {"period": "30d"}:
        assert {r["hostname"] for r in rows} == {"shop.example", "blog.example"}  # the check means something
        assert all(r["visitors"] > 0 and r["pageviews"] >= r["visitors"] for r in rows)
    if domain:
        panel = client.get(f"/dashboard/acme/{domain}/data/hostnames", query_string=params)
        assert panel.json == answer.json


def test_hostnames_survive_retention_through_rollups_and_the_migration_rebuilds_what_it_can(tmp_path):
    """A raw-only report would lose purged days; hostnames is served from rollup_dims like the others, and
    m006 forgets the traffic rollups that raw events can rebuild (so old databases gain the dimension)."""
    from clearanalytics import migrations
    from clearanalytics.db import Database
    from clearanalytics.stats import rollup_sql, rollups

    data = stats_dataset.load(tmp_path / "data", stats_dataset.build())
    db = Database.in_data_dir(tmp_path / "data")
    try:
        with db.reading() as cur:
            sites = [accounts.get_site(cur, d) for d in ("shop.example", "blog.example")]
            query = stats.parse_query({"period": "12m"}, sites, now=stats_dataset.NOW)
            assert rollups.run(cur, query, "hostnames") is not None  # answered from the rollups, built here
            with rollups.raw_only():
                raw = stats.run("hostnames", cur, query)
            assert (
                stats.run("hostnames", cur, query)
                == raw
                == expected_hostnames(
                    Expected(data, ["shop.example", "blog.example"], {"period": "12m"}, stats_dataset.NOW)
                )
            )
        assert "hostnames" in rollup_sql.COMBINE
        with db.transaction() as cur:
            shop = accounts.get_site(cur, "shop.example")
            cur.execute("UPDATE sites SET retained_from = DATE '2026-01-15' WHERE id = ?", [shop.id])
            count = "SELECT count(*) FROM rollup_days WHERE kind = ? AND site_id = ? AND day {} DATE '2026-01-15'"
            kept_before = cur.execute(count.format("<"), ["traffic", shop.id]).fetchone()[0]
            other_kinds = cur.execute("SELECT count(*) FROM rollup_days WHERE kind <> 'traffic'").fetchone()[0]
            assert kept_before > 0 and cur.execute(count.format(">="), ["traffic", shop.id]).fetchone()[0] > 0
            migrations.m006_registry(cur)
            assert cur.execute(count.format("<"), ["traffic", shop.id]).fetchone()[0] == kept_before  # final
            assert cur.execute(count.format(">="), ["traffic", shop.id]).fetchone()[0] == 0  # rebuilt on demand
            blog = accounts.get_site(cur, "blog.example")
            assert cur.execute(count.format(">="), ["traffic", blog.id]).fetchone()[0] == 0
            assert cur.execute(count.format("<"), ["traffic", blog.id]).fetchone()[0] == 0
            assert cur.execute("SELECT count(*) FROM rollup_days WHERE kind <> 'traffic'").fetchone()[0] == other_kinds
    finally:
        db.close()


def test_one_definition_each_and_no_dead_forwarding_left():
    """One iso_utc, no second list of report names in the API, no dashboard forwarding layer, no dead Query method."""
    import importlib.util

    from clearanalytics.api import stats as api_stats

    package = ROOT / "clearanalytics"
    defining = [p.relative_to(package).as_posix() for p in package.rglob("*.py") if "def iso_utc(" in p.read_text()]
    assert defining == ["timefmt.py"]
    assert importlib.util.find_spec("clearanalytics.dashboard.reports") is None
    assert not hasattr(stats.Query, "with_filters")
    assert not [name for name in vars(api_stats) if name.isupper() and name.endswith("ENDPOINTS")]
    assert not re.search(r'"operating-systems"', Path(api_stats.__file__).read_text())
    assert set(stats.__all__) <= {"CHANNELS", "FILTER_DIMENSIONS", "PERIODS", "REPORTS", "Filter", "Query",
                                  "QueryError", "Report", "current_visitors", "goal_completions", "parse_limit",
                                  "parse_query", "run"}  # fmt: skip
    assert all(callable(getattr(stats, r.sql)) for r in RECORDS)  # stats.<sql name> still answers
