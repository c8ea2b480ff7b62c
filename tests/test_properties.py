"""Custom properties ([5/7] item 2): /stats/properties?property=NAME and filter[props.NAME] / filter[goal].

Checked against the plain-Python reference (tests/stats_expected.py SessionExpected) on both set-ups
(`stats_setup`: the DuckDB file, and the stores apart: PostgreSQL accounts, ClickHouse events), over
periods the daily rollups serve (90d, 12m, from/to), live ones (filters, 24h) and both tenants. The
dataset's CTA clicks carry `plan` on every click and `cta/position~` (a slash and a tilde: a JSON
pointer's escapes) on some, so values, missing properties and hostile names are all exercised.
"""

from __future__ import annotations

import pytest

from tests import stats_dataset
from tests.split_helpers import stats_app
from tests.stats_expected import SessionExpected
from tests.test_api_stats import ENDPOINTS, SCOPES, get

POSITION = "cta/position~"
PROPERTY_CASES = (
    {},
    {"period": "90d"},
    {"period": "12m", "limit": "2"},
    {"from": "2026-01-10", "to": "2026-02-18"},
    {"period": "24h"},
    {"period": "30d", "filter[page]": "/pricing"},
    {"period": "90d", "filter[goal]": "goal-shop.example-signup"},
    {"period": "90d", "filter[goal]": "goal-blog.example-click", "filter[browser]": "Safari"},
    {"period": "12m", "filter[props.plan]": "pro"},
)
FILTER_CASES = (
    {"period": "30d", "filter[props.plan]": "pro"},
    {"period": "90d", f"filter[props.{POSITION}]": "header"},
    {"period": "90d", f"filter[props.{POSITION}]": ""},
    {"period": "90d", "filter[props.plan]": "team", "filter[source]": "google"},
    {"period": "12m", "filter[goal]": "goal-shop.example-click"},
    {"period": "90d", "filter[goal]": "goal-blog.example-signup", "filter[props.plan]": "free"},
)


@pytest.fixture(scope="module")
def dataset(stats_data_dir):
    return stats_data_dir[1]


@pytest.fixture(scope="module")
def app(stats_data_dir, stats_setup, request):
    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    data_dir, data = stats_data_dir
    with stats_app(data_dir, data, stats_setup, pg, now=stats_dataset.NOW, rate_limit="100000/minute") as app:
        yield app


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def _query(scope, params: dict) -> dict:
    return params | ({"domain": scope[1]} if scope[1] else {})


def _id(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items()) or "7d"


def paired(scopes: dict, everything: tuple[dict, ...]) -> list:
    """Every case over acme's two sites (both timezones in one answer), on both set-ups, and the cases each single
    scope is given in `scopes` (each case once among them): the 3 x N cross product repeated acme's scope."""
    chosen = {("acme", None): everything} | scopes
    return [pytest.param(scope, p, id=f"{scope[0]}-{scope[1] or 'all'}-{_id(p)}") for scope in chosen
            for p in chosen[scope]]  # fmt: skip


# A single site narrows the report to one site (one timezone), rival to another tenant's rows; each takes three of
# the cases, together all nine, so that each case is answered for one site alone too (rival's from 12m rollups).
PROPERTY_SCOPES = {
    ("acme", "shop.example"): (PROPERTY_CASES[0], PROPERTY_CASES[3], PROPERTY_CASES[6]),
    ("acme", "blog.example"): (PROPERTY_CASES[1], PROPERTY_CASES[4], PROPERTY_CASES[7]),
    ("rival", None): (PROPERTY_CASES[2], PROPERTY_CASES[5], PROPERTY_CASES[8]),
}
# The session filters compile alike for any scope (per site, inside acme's two-site answer too): over shop.example
# alone its own goal, over rival a property that matches there and a goal of acme's that matches nothing (empty
# reports), where each single scope ran all six.
FILTER_SCOPES = {
    ("acme", "shop.example"): (FILTER_CASES[4],),
    ("rival", None): (FILTER_CASES[1], FILTER_CASES[5]),
}


@pytest.mark.parametrize("scope,params", paired(PROPERTY_SCOPES, PROPERTY_CASES))
def test_properties_report_matches_the_reference(client, dataset, scope, params):
    expected = SessionExpected(dataset, SCOPES[scope], params, stats_dataset.NOW)
    for name in ("plan", POSITION):
        response = get(client, dataset, scope[0], "/stats/properties", _query(scope, params) | {"property": name})
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"data": expected.properties(name)}, name


def test_the_dataset_gives_the_properties_report_something_to_show(dataset):
    """Guards the fixture: several values, a property some events lack, conversion rates between 0 and 100."""
    wide = ["shop.example", "blog.example"]
    plans = SessionExpected(dataset, wide, {"period": "90d"}, stats_dataset.NOW).properties("plan")
    assert {r["value"] for r in plans} == {"free", "pro", "team"}
    positions = SessionExpected(dataset, wide, {"period": "90d"}, stats_dataset.NOW).properties(POSITION)
    assert sum(r["events"] for r in positions) < sum(r["events"] for r in plans)
    goal = {"period": "90d", "filter[goal]": "goal-shop.example-signup"}
    rates = [r["conversion_rate"] for r in SessionExpected(dataset, wide, goal, stats_dataset.NOW).properties("plan")]
    assert rates and any(0 < r < 100 for r in rates)


@pytest.mark.parametrize("scope,params", paired(FILTER_SCOPES, FILTER_CASES))
def test_session_filters_apply_to_every_report(client, dataset, scope, params):
    expected = SessionExpected(dataset, SCOPES[scope], params, stats_dataset.NOW)
    assert expected.fpv or scope != ("acme", None)  # every case keeps some pageviews of acme's two sites
    for endpoint in (*ENDPOINTS, "entry-pages", "exit-pages", "scroll-depth"):
        response = get(client, dataset, scope[0], f"/stats/{endpoint}", _query(scope, params))
        assert response.status_code == 200, (endpoint, response.get_json())
        assert response.get_json() == {"data": expected.report(endpoint)}, endpoint
    response = get(client, dataset, scope[0], "/stats/properties", _query(scope, params) | {"property": "plan"})
    assert response.get_json() == {"data": expected.properties("plan")}


@pytest.mark.parametrize(
    "params,field",
    [
        ({}, "property"),
        ({"property": ""}, "property"),
        ({"property": "x" * 301}, "property"),
        ({"property": "plan", "filter[props.]": "pro"}, "filter[props.]"),
        ({"property": "plan", "filter[goal]": ""}, "filter[goal]"),
        ({"property": "plan", "filter[prop.plan]": "pro"}, "filter[prop.plan]"),
    ],
)
def test_a_missing_or_bad_property_is_422_naming_the_field(client, dataset, params, field):
    response = get(client, dataset, "acme", "/stats/properties", params)
    assert response.status_code == 422
    body = response.get_json()
    assert set(body["errors"]) == {field}, body


@pytest.mark.parametrize("hostile", ["x') OR 1=1 --", "plan' UNION SELECT 1 --", '"}]$.*', "{f0:String}", "$f0"])
def test_property_names_and_values_are_data_never_sql(client, dataset, hostile):
    """A hostile name or value is looked up as text: no match, no error, and the real values stay intact."""
    listed = get(client, dataset, "acme", "/stats/properties", {"period": "90d", "property": hostile})
    assert listed.status_code == 200 and listed.get_json() == {"data": []}
    for key, value in ((f"filter[props.{hostile}]", "pro"), ("filter[props.plan]", hostile), ("filter[goal]", hostile)):
        response = get(client, dataset, "acme", "/stats/overview", {"period": "90d", key: value})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["data"]["visitors"] == 0
    expected = SessionExpected(dataset, SCOPES[("acme", None)], {"period": "90d"}, stats_dataset.NOW)
    plans = get(client, dataset, "acme", "/stats/properties", {"period": "90d", "property": "plan"})
    assert plans.get_json() == {"data": expected.properties("plan")}


def test_a_tenant_sees_only_its_own_sites_properties(client, dataset):
    """rival's token over its site lists rival's values only; acme's goal filter on rival matches nothing."""
    mine = SessionExpected(dataset, ["rival.example"], {"period": "90d"}, stats_dataset.NOW).properties("plan")
    body = get(client, dataset, "rival", "/stats/properties", {"period": "90d", "property": "plan"}).get_json()
    assert body == {"data": mine}
    foreign = {"period": "90d", "property": "plan", "filter[goal]": "goal-shop.example-click"}
    assert get(client, dataset, "rival", "/stats/properties", foreign).get_json() == {"data": []}


def test_m008_rebuilds_the_traffic_rollups_built_before_the_new_dimensions(stats_data_dir, tmp_path, monkeypatch):
    """A DuckDB file whose closed days were rolled up before [5/7] has no prop/entry/exit/scroll rows but marks
    those days complete: reports would answer from the open days alone. m008_props forgets the traffic rollups
    raw events can rebuild, and the next report builds them with the new rows."""
    from clearanalytics import accounts, migrations, stats
    from clearanalytics.db import Database
    from clearanalytics.stats.rollup_cache import CACHE
    from tests.conftest import copy_data_dir

    data_dir, data = copy_data_dir(stats_data_dir[0], tmp_path / "data"), stats_data_dir[1]
    domains = ["shop.example", "blog.example"]
    expected = SessionExpected(data, domains, {"period": "90d"}, stats_dataset.NOW)
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:  # reports build rollups on their own connection, and commit
            sites = [accounts.get_site(cur, d) for d in domains]
            query = stats.parse_query({"period": "90d", "property": "plan"}, sites, now=stats_dataset.NOW)
            assert stats.run("properties", cur, query) == expected.properties("plan")  # builds the rollups
            assert cur.execute("SELECT count(*) FROM rollup_days WHERE kind = 'traffic'").fetchone()[0] > 0
        with db.transaction() as cur:  # as a file rolled up before the new dimensions
            for table in ("rollup_dims", "rollup_dims_months"):
                cur.execute(f"DELETE FROM {table} WHERE dimension IN ('prop', 'entry', 'exit', 'scroll')")
        CACHE.forget_answers()
        with db.reading() as cur:
            assert stats.run("properties", cur, query) != expected.properties("plan")  # such a file without m008
        with db.transaction() as cur:
            migrations.m008_props(cur)
        for memo in ("_complete", "_built_until", "_answers"):  # migrations run before a process's first report
            monkeypatch.setattr(CACHE, memo, {})
        with db.reading() as cur:
            assert stats.run("properties", cur, query) == expected.properties("plan")
            assert stats.run("entry-pages", cur, query) == expected.entry_pages()
            assert stats.run("scroll-depth", cur, query) == expected.scroll_depth()
    finally:
        db.close()


def test_the_dashboard_data_routes_take_the_property_and_the_session_filters(app, client, dataset):
    """The dashboard's data routes parse the same query: the same rows as the API for a property and a filter."""
    from tests.dashboard_helpers import login

    browser = app.test_client()
    assert login(browser, "owner@acme.test", "correct-horse-battery").status_code == 302
    params = {"period": "90d", "property": "plan", "filter[props.plan]": "pro",
              "filter[goal]": "goal-shop.example-click"}  # fmt: skip
    expected = SessionExpected(dataset, ["shop.example"], params, stats_dataset.NOW)
    answers = {"properties": expected.properties("plan"), "pages": expected.pages(),
               "entry-pages": expected.entry_pages()}  # fmt: skip
    for report, rows in answers.items():
        mine = browser.get(f"/dashboard/acme/shop.example/data/{report}", query_string=params)
        theirs = get(client, dataset, "acme", f"/stats/{report}", params | {"domain": "shop.example"})
        assert mine.status_code == theirs.status_code == 200, (report, mine.get_json())
        assert mine.get_json() == theirs.get_json() == {"data": rows}, report
