"""Every /api/v1/stats and /goals endpoint against the plain-Python reference computation.

The dataset (tests/stats_dataset.py) spans two tenants, three sites in New York, Tokyo and UTC
time, 46 days, multi-page sessions, bounces, durations, custom events, goals and purchases
(some in a foreign currency). `now` is pinned through the app's NOW config key. Each case
compares the whole JSON body of every endpoint with tests/stats_expected.py.
"""

from __future__ import annotations

import pytest

from tests import stats_dataset
from tests.stats_expected import Expected

ENDPOINTS = (
    "overview",
    "timeseries",
    "pages",
    "referrers",
    "browsers",
    "operating-systems",
    "devices",
    "languages",
    "campaigns",
    "ecommerce/overview",
    "ecommerce/revenue-timeseries",
    "ecommerce/products",
    "ecommerce/funnel",
    "ecommerce/revenue-by-source",
)
SCOPES = {  # (tenant, domain param) -> the domains that scope covers
    ("acme", None): ["shop.example", "blog.example"],
    ("acme", "shop.example"): ["shop.example"],
    ("acme", "blog.example"): ["blog.example"],
    ("rival", None): ["rival.example"],
}
PARAMS = (
    {},
    {"period": "24h"},
    {"period": "30d"},
    {"period": "90d"},
    {"period": "12m"},
    {"from": "2026-01-20", "to": "2026-02-03"},
    {"from": "2026-02-10", "to": "2026-02-10", "limit": "2"},
    {"period": "30d", "limit": "3"},
    {"period": "30d", "filter[page]": "/pricing"},
    {"period": "30d", "filter[source]": "google", "filter[language]": ""},
    {"period": "90d", "filter[browser]": "Safari"},
)


@pytest.fixture(scope="module")
def dataset(stats_data_dir):
    return stats_data_dir[1]


@pytest.fixture(scope="module")
def client(oracle_client):
    return oracle_client


def get(client, dataset, tenant: str, path: str, params: dict):
    return client.get(
        "/api/v1" + path, query_string=params, headers={"Authorization": f"Bearer {dataset.tokens[tenant]}"}
    )


def cases(scopes: dict, params: tuple[dict, ...], few: int) -> list:
    """Every params case for the tenant-wide and the New York scopes; the first `few` for the others."""
    wide = (("acme", None), ("acme", "shop.example"))
    return [
        pytest.param(
            scope, p, id=f"{scope[0]}-{scope[1] or 'all'}-" + ("&".join(f"{k}={v}" for k, v in p.items()) or "default")
        )
        for scope in scopes
        for p in (params if scope in wide else params[:few])
    ]


# Every params case runs over acme's two sites together (New York and Tokyo in one answer, merged and cut by
# limit), on both set-ups. A single-site scope adds that `domain` narrows to one site, in one timezone, and rival
# another tenant's token: each takes two or three cases, so that every period is answered for one site alone too
# (rival's UTC site from its rollups: 30d, 90d). The 16 other single-site pairs, run before on each set-up,
# repeated what these check. Rollups against raw events for every site: tests/test_rollups.py.
ALONE = {
    ("acme", "shop.example"): (PARAMS[0], PARAMS[5], PARAMS[6]),  # 7d, a range, one day with limit 2
    ("acme", "blog.example"): (PARAMS[1], PARAMS[4]),  # 24h, 12m
    ("rival", None): (PARAMS[2], PARAMS[3]),  # 30d, 90d
}


def chosen_cases() -> list:
    return cases({("acme", None): SCOPES[("acme", None)]}, PARAMS, len(PARAMS)) + [
        case for scope, params in ALONE.items() for case in cases({scope: SCOPES[scope]}, params, len(params))
    ]


@pytest.mark.parametrize("scope,params", chosen_cases())
def test_every_stats_endpoint_matches_the_reference_computation(client, dataset, scope, params):
    tenant, domain = scope
    query = params | ({"domain": domain} if domain else {})
    expected = Expected(dataset, SCOPES[scope], params, stats_dataset.NOW)
    for endpoint in ENDPOINTS:
        response = get(client, dataset, tenant, f"/stats/{endpoint}", query)
        assert response.status_code == 200, (endpoint, response.get_json())
        assert response.get_json() == {"data": expected.report(endpoint)}, endpoint


def test_the_dataset_exercises_what_the_definitions_talk_about(dataset):
    """Guards the fixture itself: each case below must really occur in the 7d/30d windows."""
    expected = Expected(dataset, ["shop.example", "blog.example"], {"period": "30d"}, stats_dataset.NOW)
    overview = expected.overview()
    assert 0 < overview["bounce_rate"] < 100
    assert None not in (overview["visitors_change"], overview["bounce_rate_change"])
    assert any(not e["in_site_currency"] for e in expected.ec if e["event_type"] == "purchase")
    assert {r["source"] for r in expected.revenue_by_source()} >= {"direct", "google"}
    assert len(expected.products()) == 3
    # Some events fall on another local date than their UTC date (New York and Tokyo).
    assert any(expected._bucket(p) != p["created_at"].date().isoformat() for p in expected.pv)


@pytest.mark.parametrize(
    "scope,params",
    [
        (("acme", None), {}),
        (("acme", "shop.example"), {"period": "30d"}),
        (("acme", "blog.example"), {"period": "30d", "limit": "5"}),
        (("rival", None), {"from": "2026-01-10", "to": "2026-02-18"}),
        (("acme", None), {"period": "24h"}),
    ],
)
def test_goal_completions_match_the_reference(client, dataset, scope, params):
    tenant, domain = scope
    query = params | ({"domain": domain} if domain else {})
    for site_domain in SCOPES[scope]:
        for goal in [g for g in dataset.goals if g["site_id"] == dataset.sites[site_domain]["id"]]:
            expected = Expected(dataset, [site_domain], params, stats_dataset.NOW).completions(goal)
            response = get(client, dataset, tenant, f"/goals/{goal['id']}/completions", query)
            assert response.status_code == 200, response.get_json()
            assert response.get_json() == expected
            assert expected["meta"]["total"] > 0 or "24h" in params.values()


def test_goals_lists_the_tenants_goals_only(client, dataset):
    body = get(client, dataset, "acme", "/goals", {}).get_json()
    acme_sites = {dataset.sites[d]["id"] for d in ("shop.example", "blog.example")}
    expected = sorted((g for g in dataset.goals if g["site_id"] in acme_sites), key=lambda g: g["id"])
    assert body == {
        "data": [
            {
                "id": g["id"],
                "name": g["name"],
                "type": g["type"],
                "config": g["config"],
                "is_active": True,
                "created_at": "2026-02-18T15:30:00Z",
                "updated_at": "2026-02-18T15:30:00Z",
            }
            for g in expected
        ]  # fmt: skip
    }
    one = get(client, dataset, "acme", "/goals", {"domain": "blog.example"}).get_json()["data"]
    assert [g["id"] for g in one] == sorted(g["id"] for g in expected if g["site_id"] == "site-blog.example")


def test_a_goal_of_another_domain_of_the_same_tenant_is_not_found_under_that_domain(client, dataset):
    goal = next(g for g in dataset.goals if g["site_id"] == "site-shop.example")
    response = get(client, dataset, "acme", f"/goals/{goal['id']}/completions", {"domain": "blog.example"})
    assert response.status_code == 404
