"""Entry and exit pages and scroll depth ([5/7] item 3): /stats/entry-pages, /stats/exit-pages and
/stats/scroll-depth, extensions beyond the reference.

Checked against the plain-Python reference (tests/stats_expected.py SessionExpected: each session's first and
last pageview in the window, ties by id; the mean of the known scroll depths per path) on both set-ups
(`stats_setup`), over periods the daily rollups serve (90d, 12m, from/to), live ones (24h, filters) and every
scope. Session-filtered cases are in tests/test_properties.py.
"""

from __future__ import annotations

import pytest

from tests import stats_dataset
from tests.stats_expected import SessionExpected
from tests.test_api_stats import SCOPES, get

CASES = (
    {},
    {"period": "24h"},
    {"period": "30d", "limit": "3"},
    {"period": "90d"},
    {"period": "12m"},
    {"from": "2026-01-20", "to": "2026-02-03"},
    {"period": "30d", "filter[page]": "/pricing"},
    {"period": "90d", "filter[browser]": "Safari"},
)


@pytest.fixture(scope="module")
def dataset(stats_data_dir):
    return stats_data_dir[1]


@pytest.fixture(scope="module")
def client(oracle_client):
    return oracle_client


@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("params", CASES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "7d")
def test_entry_exit_pages_and_scroll_depth_match_the_reference(client, dataset, scope, params):
    expected = SessionExpected(dataset, SCOPES[scope], params, stats_dataset.NOW)
    query = params | ({"domain": scope[1]} if scope[1] else {})
    for endpoint in ("entry-pages", "exit-pages", "scroll-depth"):
        response = get(client, dataset, scope[0], f"/stats/{endpoint}", query)
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"data": expected.report(endpoint)}, endpoint


def test_the_dataset_has_sessions_whose_entry_and_exit_differ(dataset):
    """Guards the fixture: entries and exits differ per path, and add up to the sessions."""
    expected = SessionExpected(dataset, ["shop.example", "blog.example"], {"period": "90d", "limit": "100"},
                               stats_dataset.NOW)  # fmt: skip
    entries, exits = expected.entry_pages(), expected.exit_pages()
    sessions = {(p["site_id"], p["session_hash"]) for p in expected.pv}
    assert sum(r["entries"] for r in entries) == sum(r["exits"] for r in exits) == len(sessions)
    assert {r["pathname"]: r["entries"] for r in entries} != {r["pathname"]: r["exits"] for r in exits}


def test_the_pages_report_keeps_the_reference_row(client, dataset):
    """Entry and exit pages are reports of their own: the reference's pages row is unchanged."""
    row = get(client, dataset, "acme", "/stats/pages", {"period": "30d"}).get_json()["data"][0]
    assert set(row) == {"pathname", "visitors", "pageviews", "avg_duration"}


def test_the_dataset_has_unknown_and_varied_scroll_depths(dataset):
    """Guards the fixture: some pageviews have no scroll depth (left out of the mean), the means differ per path."""
    expected = SessionExpected(dataset, ["shop.example", "blog.example"], {"period": "90d"}, stats_dataset.NOW)
    rows = expected.scroll_depth()
    assert sum(r["pageviews"] for r in rows) < len(expected.fpv)
    assert len({r["scroll_depth"] for r in rows}) > 1
