"""The dashboard's data routes against the API: same engine, same clock, same numbers."""

from __future__ import annotations

import pytest

from clearanalytics import accounts, stats
from clearanalytics.stats import REPORTS as REPORT_NAMES  # the dashboard serves every registry report
from tests import stats_dataset
from tests.dashboard_helpers import login
from tests.split_helpers import stats_app

VARIANTS = ({"period": "7d"}, {"period": "30d", "filter[page]": "/pricing"}, {"from": "2026-01-10", "to": "2026-02-01"})


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


@pytest.mark.parametrize("params", VARIANTS, ids=["7d", "30d-filtered", "custom"])
def test_every_panel_shows_what_the_api_answers(pinned, params):
    base = params
    app, client, data = pinned
    api = app.test_client()
    headers = {"Authorization": f"Bearer {data.tokens['acme']}"}
    db = app.extensions["clearanalytics.db"]
    for report in REPORT_NAMES:
        # a parameter a report requires (the properties report's `property`) is given to both faces
        params = base | {name: "plan" for name, _ in REPORT_NAMES[report].required}
        mine = client.get(f"/dashboard/acme/shop.example/data/{report}", query_string=params)
        assert mine.status_code == 200, (report, mine.json)
        if report in ("channels", "goals", "hours"):  # engine reports without an API path: ask the engine
            with db.reading() as cur:
                query = stats.parse_query(params, [accounts.get_site(cur, "shop.example")], now=stats_dataset.NOW)
                expected = {"data": stats.run(report, cur, query)}
        else:
            theirs = api.get(
                f"/api/v1/stats/{report}", query_string=params | {"domain": "shop.example"}, headers=headers
            )
            assert theirs.status_code == 200, (report, theirs.json)
            expected = theirs.json
        body = dict(mine.json)
        labels = body.pop("labels", None)  # display names beside the rows (tests/test_dashboard_readability.py)
        assert labels is None or labels == {"referrer": {"t.co": "X (Twitter)"}}, (report, labels)
        assert body == expected, report


def test_goal_panel_and_the_pinned_clock(pinned):
    _app, client, _data = pinned
    goals = client.get("/dashboard/acme/shop.example/data/goals", query_string={"period": "30d"}).json["data"]
    assert {g["name"] for g in goals} == {"Signup Page Visit", "CTA Click"}
    page = client.get("/dashboard/acme/shop.example?period=7d").text
    assert "2026-02-12 – 2026-02-18" in page  # the view's range follows the pinned NOW too
