"""`interval=week|month` on the two timeseries routes, against buckets computed here from the dataset's rows.

The plain-Python oracle (tests/stats_expected.py) gives the rows a period keeps and each row's local day;
the weekly and monthly buckets are formed here independently of the runner: an ISO week (Monday first)
or a calendar month, dated by its first day but never before the period's first day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests import stats_dataset
from tests.stats_expected import Expected

SCOPES = {("acme", None): ["shop.example", "blog.example"], ("rival", None): ["rival.example"]}
PERIODS = ({"period": "30d"}, {"period": "90d"}, {"period": "12m"}, {"from": "2026-01-14", "to": "2026-02-03"},
           {"period": "30d", "filter[page]": "/pricing"})  # fmt: skip


@pytest.fixture(scope="module")
def dataset(stats_data_dir):
    return stats_data_dir[1]


@pytest.fixture(scope="module")
def client(oracle_client):
    return oracle_client


def get(client, dataset, tenant: str, path: str, params: dict):
    headers = {"Authorization": f"Bearer {dataset.tokens[tenant]}"}
    return client.get("/api/v1" + path, query_string=params, headers=headers)


def bucket_of(day: str, interval: str, first: date) -> str:
    found = date.fromisoformat(day)
    start = found - timedelta(days=found.isoweekday() - 1) if interval == "week" else date(found.year, found.month, 1)
    return (start if start > first else first).isoformat()


def expected_series(expected: Expected, interval: str) -> tuple[list[dict], list[dict]]:
    first = expected.window.date_from
    keys = list(dict.fromkeys(bucket_of(day, interval, first) for day in expected.window.buckets()))
    visitors, pageviews = defaultdict(set), defaultdict(int)
    for p in expected.fpv:
        key = bucket_of(expected._bucket(p), interval, first)
        visitors[key].add(p["visitor_hash"])
        pageviews[key] += 1
    revenue, count = defaultdict(Decimal), defaultdict(int)
    for e in expected.purchases:
        key = bucket_of(expected._bucket(e), interval, first)
        revenue[key] += Decimal(str(e["value"]))
        count[key] += 1
    traffic = [{"date": k, "visitors": len(visitors[k]), "pageviews": pageviews[k]} for k in keys]
    money = [{"date": k, "revenue": float(revenue[k]), "transactions": count[k]} for k in keys]
    return traffic, money


@pytest.mark.parametrize("interval", ["week", "month"])
@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("params", PERIODS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_weekly_and_monthly_buckets_sum_the_days(client, dataset, scope, params, interval):
    tenant, _domain = scope
    expected = Expected(dataset, SCOPES[scope], params, stats_dataset.NOW)
    traffic, money = expected_series(expected, interval)
    assert sum(r["pageviews"] for r in traffic) > 0
    query = params | {"interval": interval}
    assert get(client, dataset, tenant, "/stats/timeseries", query).get_json() == {"data": traffic}
    assert get(client, dataset, tenant, "/stats/ecommerce/revenue-timeseries", query).get_json() == {"data": money}


def test_day_is_the_default_and_the_same_as_no_interval(client, dataset):
    plain = get(client, dataset, "acme", "/stats/timeseries", {"period": "30d"}).get_json()
    daily = get(client, dataset, "acme", "/stats/timeseries", {"period": "30d", "interval": "day"}).get_json()
    assert daily == plain
    assert len(plain["data"]) == 30


def test_a_90_day_period_has_fourteen_weeks_the_first_one_short(client, dataset):
    expected = Expected(dataset, SCOPES[("acme", None)], {"period": "90d"}, stats_dataset.NOW)
    rows = get(client, dataset, "acme", "/stats/timeseries", {"period": "90d", "interval": "week"}).get_json()["data"]
    first = expected.window.date_from
    assert rows[0]["date"] == first.isoformat()
    assert all(date.fromisoformat(r["date"]).isoweekday() == 1 for r in rows[1:])
    assert len(rows) == len({bucket_of(d, "week", first) for d in expected.window.buckets()}) == 14


@pytest.mark.parametrize(
    "params,message",
    [
        ({"period": "30d", "interval": "hour"}, "The interval field must be one of: day, week, month."),
        ({"period": "30d", "interval": "year"}, "The interval field must be one of: day, week, month."),
        ({"period": "24h", "interval": "day"}, "The interval field must be hour (or empty) for period=24h."),
    ],
)
def test_a_bad_interval_is_a_422_naming_the_field(client, dataset, params, message):
    response = get(client, dataset, "acme", "/stats/timeseries", params)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"interval": [message]}


def test_openapi_offers_interval_on_the_two_timeseries_only(client, dataset):
    paths = get(client, dataset, "acme", "/openapi.json", {}).get_json()["paths"]
    names = {p: {q["name"] for q in item.get("get", {}).get("parameters", [])} for p, item in paths.items()}
    with_interval = sorted(p for p, found in names.items() if "interval" in found)
    assert with_interval == ["/stats/ecommerce/revenue-timeseries", "/stats/timeseries"]
