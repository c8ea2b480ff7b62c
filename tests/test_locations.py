"""Countries, regions and cities ([5/7] item 1): /stats/countries, /stats/regions, /stats/cities (extensions)
and the filters filter[country], filter[region], filter[city] on every report.

Checked against the plain-Python reference (tests/stats_expected.py LocationExpected, from the dataset's
locations: tests/stats_dataset.py LOCATIONS) on both set-ups (`stats_setup`: the DuckDB file, and the
stores apart with the events in ClickHouse), over periods the daily rollups serve (90d, 12m, from/to), live
ones (24h, filters) and every scope.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from clearanalytics import migrations
from clearanalytics.ingest.store import COLUMNS
from tests import stats_dataset
from tests.split_helpers import stats_app
from tests.stats_expected import LocationExpected
from tests.test_api_stats import SCOPES, get

CASES = (
    {},
    {"period": "24h"},
    {"period": "30d", "limit": "3"},
    {"period": "90d"},
    {"period": "12m", "limit": "100"},
    {"from": "2026-01-20", "to": "2026-02-03"},
    {"period": "30d", "filter[page]": "/pricing"},
    {"period": "90d", "filter[browser]": "Safari"},
    {"period": "90d", "filter[country]": "DE"},
    {"period": "90d", "filter[country]": ""},
    {"period": "90d", "filter[region]": "US-CA"},
    {"period": "30d", "filter[city]": "Amsterdam"},
)
FILTERED = (
    {"period": "90d", "filter[country]": "US"},
    {"period": "90d", "filter[country]": ""},
    {"period": "12m", "filter[region]": "DE-BY"},
    {"period": "30d", "filter[city]": "San Francisco"},
    {"period": "90d", "filter[country]": "US", "filter[browser]": "Chrome"},
)


@pytest.fixture(scope="module")
def dataset(stats_data_dir):
    return stats_data_dir[1]


@pytest.fixture(scope="module")
def client(oracle_client):
    return oracle_client


def _id(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items()) or "7d"


@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("params", CASES, ids=_id)
def test_countries_regions_and_cities_match_the_reference(client, dataset, scope, params):
    expected = LocationExpected(dataset, SCOPES[scope], params, stats_dataset.NOW)
    query = params | ({"domain": scope[1]} if scope[1] else {})
    for endpoint in ("countries", "regions", "cities"):
        response = get(client, dataset, scope[0], f"/stats/{endpoint}", query)
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"data": getattr(expected, endpoint)()}, endpoint


@pytest.mark.parametrize("params", FILTERED, ids=_id)
def test_each_location_filter_narrows_every_report(client, dataset, params):
    """The filters keep the sessions with a pageview at that location, as filter[browser] does: the overview,
    pages and browsers reports (the reference's) answer as the plain-Python reference filtered alike."""
    expected = LocationExpected(dataset, SCOPES[("acme", None)], params, stats_dataset.NOW)
    assert expected.fpv, "the filter must keep some pageviews"
    for endpoint, want in (
        ("overview", None),
        ("pages", expected.pages()),
        ("browsers", expected.breakdown("browser", "browser")),
        ("countries", expected.countries()),
    ):
        response = get(client, dataset, "acme", f"/stats/{endpoint}", params)
        assert response.status_code == 200, response.get_json()
        if want is None:
            body = response.get_json()["data"]
            assert (body["visitors"], body["pageviews"]) == (
                len({p["visitor_hash"] for p in expected.fpv}),
                len(expected.fpv),
            )
        else:
            assert response.get_json() == {"data": want}, endpoint


def test_the_dataset_has_every_kind_of_location(dataset):
    """Guards the fixture: unknown locations, a country alone, regions without a city, cities without a region."""
    expected = LocationExpected(dataset, SCOPES[("acme", None)], {"period": "90d", "limit": "100"}, stats_dataset.NOW)
    countries = {r["country_code"] for r in expected.countries()}
    assert None in countries and {"DE", "US", "FR", "JP", "NL"} <= countries
    assert any(r["region"] is None for r in expected.cities())
    assert {r["region"] for r in expected.regions()} >= {"JP-13", "DE-BY"}
    assert "JP-13" not in {r["region"] for r in expected.cities()}


def test_the_reports_are_extensions_sharing_the_locations_panel():
    """One panel for the three (a map beside a table with a tab each: tests/test_worldmap.py drives it)."""
    from pathlib import Path

    from clearanalytics.stats import registry

    template = (Path(__file__).resolve().parent.parent / "templates" / "widgets" / "locations.html").read_text()
    for name in ("countries", "regions", "cities"):
        report = registry.REPORTS[name]
        assert report.extension and report.api and report.mcp is None
        assert report.panel == "widgets/locations.html" and f'("{name}", ' in template  # its tab
    for dim in ("country", "region", "city"):  # each table's filter dimension
        assert f'"text", "{dim}", ' in template


def test_an_unknown_location_filter_value_is_an_empty_answer_and_a_bad_dimension_still_422(client, dataset):
    body = get(client, dataset, "acme", "/stats/countries", {"period": "90d", "filter[country]": "ZZ"}).get_json()
    assert body == {"data": []}
    response = get(client, dataset, "acme", "/stats/countries", {"filter[planet]": "Mars"})
    assert response.status_code == 422 and "filter[planet]" in response.get_json()["errors"]


def test_m010_adds_the_columns_and_rebuilds_the_traffic_rollups(tmp_path):
    """A file migrated up to m008_panels (before locations) with rolled-up days: m010_locations adds the three
    columns (NULL for old rows) and forgets the traffic rollups raw events can rebuild, so the next report has
    the location rows."""
    import duckdb

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    cur = con.cursor()
    before = migrations.MIGRATIONS.index(migrations.m010_locations)  # migrations after it may follow
    migrations.migrate(cur, upto=before)
    cur.execute("INSERT INTO tenants (id, slug, name, created_at) VALUES ('t', 't', 'T', now())")
    cur.execute("INSERT INTO sites (id, tenant_id, domain, timezone, currency, created_at) "
                "VALUES ('s', 't', 'a.example', 'UTC', 'EUR', now())")  # fmt: skip
    cur.execute(
        "INSERT INTO pageviews (id, site_id, visitor_hash, session_hash, hostname, pathname, referrer_source, "
        "channel, browser, os, device_type, duration, created_at) VALUES ('p1', 's', 'v', 'x', 'a.example', "
        "'/', 'direct', 'direct', 'Chrome', 'Linux', 'desktop', 7, TIMESTAMP '2026-01-05 10:00:00')"
    )
    cur.execute("INSERT INTO rollup_days VALUES ('s', 'traffic', DATE '2026-01-05', now())")
    cur.execute("INSERT INTO rollup_days VALUES ('s', 'goals', DATE '2026-01-05', now())")
    assert migrations.migrate(cur) == [m.__name__ for m in migrations.MIGRATIONS[before:]]
    columns = [
        r[0]
        for r in cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'pageviews' ORDER BY ordinal_position"
        ).fetchall()
    ]
    assert columns == list(COLUMNS["pageviews"])  # the row format (SELECT * is a row), created_at last
    assert columns[-4:] == ["country_code", "region", "city", "created_at"]
    assert cur.execute("SELECT id, country_code, duration, created_at FROM pageviews").fetchall() == [
        ("p1", None, 7, datetime(2026, 1, 5, 10, 0))
    ]
    assert cur.execute("SELECT kind FROM rollup_days").fetchall() == [("goals",)]
    con.close()


def test_a_filter_in_array_form_is_refused(client, dataset):
    """filter[props.NAME][]=x (how a client serializes a list) is no filter we take: 422 naming the key."""
    response = get(client, dataset, "acme", "/stats/countries", {"filter[props.plan][]": "pro"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "filter[props.plan][]": ["A filter takes one value: filter[DIMENSION]=VALUE."]
    }


def test_the_dashboard_takes_the_location_filters_as_chips(stats_data_dir, stats_setup, request):
    """filter[country]=DE&filter[city]=Munich on the dashboard page: chips labelled Country and City (a
    missing label was a 500), and the panels' data routes answer as the API does."""
    from tests.dashboard_helpers import login

    pg = request.getfixturevalue("pg_server") if stats_setup == "split" else None
    data_dir, data = stats_data_dir
    with stats_app(data_dir, data, stats_setup, pg, now=stats_dataset.NOW.isoformat()) as app:
        client = app.test_client()
        assert login(client, "owner@acme.test", "correct-horse-battery").status_code == 302
        query = {"period": "90d", "filter[country]": "DE", "filter[city]": "Munich"}
        page = client.get("/dashboard/acme/shop.example", query_string=query)
        assert page.status_code == 200
        assert "Country" in page.text and "City" in page.text and "Munich" in page.text
        rows = client.get("/dashboard/acme/shop.example/data/cities", query_string=query).get_json()["data"]
        expected = LocationExpected(data, ["shop.example"], query, stats_dataset.NOW).cities()
        assert rows == expected and [r["city"] for r in rows] == ["Munich"]
