"""Reports on the ClickHouse store beyond the oracles: the closed days each node keeps, and item prices.

Two nodes are two ClickHouseEventStore objects on one ClickHouse database (chdb), each with its own
kept closed days (storage/clickhouse_kept.py), as two app processes on one server would be. The
dataset is tests/test_storage_contract.py's (site A over 1-3 March: 3 visitors, 4 pageviews, 15 s).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from clearanalytics import goals
from clearanalytics.ingest.store import Records
from clearanalytics.storage.clickhouse_store import ClickHouseEventStore
from tests.test_storage_contract import BACKENDS, _dataset, _pageview, _query, _row


@pytest.fixture
def nodes(tmp_path):
    """Node A and node B on one ClickHouse database (one accounts database), each keeping its own days."""
    backend = BACKENDS["chdb"](tmp_path)
    other = ClickHouseEventStore(backend.store.address, backend.accounts)
    yield backend, backend.store, other
    other.close()
    backend.store.close()
    backend.accounts.close()


def _overview(store, site) -> dict:
    (row,) = store.run_report(_query(site), "overview")
    return row


def _written(records_rows: dict) -> Records:
    records = Records()
    for table, rows in records_rows.items():
        records.rows[table] += rows
    return records


def test_a_write_into_the_past_on_one_node_reaches_the_days_another_node_keeps(nodes):
    backend, a_node, b_node = nodes
    data = _dataset(backend)
    a_node.write_batch(data.records)
    assert _overview(a_node, data.a) == {"visitors": 3, "pageviews": 4, "sessions": 3, "bounces": 1,
                                         "total_duration": 15}  # fmt: skip
    kept = a_node.reports.kept._covers[("totals", None, data.a.id)]
    # B imports a new visitor into 2 March (a closed day for the query's now, 10 March)
    b_node.write_batch(
        _written({"pageviews": [_pageview("p5", data.a, "v5", "/late", datetime(2026, 3, 2, 18, 0), 7)]})
    )
    assert _overview(a_node, data.a) == {"visitors": 4, "pageviews": 5, "sessions": 4, "bounces": 2,
                                         "total_duration": 22}  # fmt: skip
    assert a_node.reports.kept._covers[("totals", None, data.a.id)].version == kept.version + 1
    # B records late engagement of p1 (1 March): A's kept duration follows
    b_node.apply_engagements([("p1", 40, 90)])
    assert _overview(a_node, data.a)["total_duration"] == 52  # 40 + 0 + 5 + 0 + 7
    assert [r["pathname"] for r in a_node.run_report(_query(data.a), "pages")] == ["/", "/blog", "/late", "/pricing"]


def test_a_goal_added_and_removed_on_another_node_is_seen_by_this_one(nodes):
    backend, a_node, b_node = nodes
    data = _dataset(backend)
    a_node.write_batch(data.records)
    assert a_node.run_report(_query(data.a), "goal_conversions") == [
        {"goal_id": data.goal_id, "completions": 1, "visitors": 1}
    ]
    with backend.accounts.transaction() as cur:
        blog = goals.create_goal(cur, data.a.id, "Blog", "url", {"path": "/blog"})
    assert b_node.backfill_goal(blog) == 1
    rows = sorted(a_node.run_report(_query(data.a), "goal_conversions"), key=lambda r: r["goal_id"])
    assert rows == sorted(
        [{"goal_id": data.goal_id, "completions": 1, "visitors": 1}, {"goal_id": blog.id, "completions": 1,
                                                                      "visitors": 1}],
        key=lambda r: r["goal_id"],
    )  # fmt: skip
    assert b_node.delete_goal_events(data.goal_id) == 1
    assert a_node.run_report(_query(data.a), "goal_conversions") == [
        {"goal_id": blog.id, "completions": 1, "visitors": 1}
    ]


def test_live_traffic_leaves_the_kept_days_alone(nodes):
    """Rows of the last day (today and yesterday are read live anyway) change no site's data version, so
    a node taking live traffic keeps its closed days instead of building them again after every batch."""
    backend, a_node, _ = nodes
    data = _dataset(backend)
    a_node.write_batch(data.records)
    before = a_node.reports.versions([data.a.id])
    _overview(a_node, data.a)
    now = datetime.now(UTC).replace(tzinfo=None)
    a_node.write_batch(_written({"pageviews": [_pageview("live", data.a, "v7", "/", now - timedelta(minutes=1))]}))
    a_node.apply_engagements([("live", 12, 50)])
    assert a_node.reports.versions([data.a.id]) == before
    assert a_node.reports.kept._covers[("totals", None, data.a.id)].version == before[data.a.id][0]


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_item_prices_are_read_from_their_text_rounded_half_up_to_cents(tmp_path, name):
    """DuckDB reads a price's JSON text as DECIMAL(18,2) (2.675 -> 2.68, 0.125 -> 0.13); ClickHouse must too,
    not through a float (2.675 is 2.67499... as a double). An empty name falls back to the item's id."""
    backend = BACKENDS[name](tmp_path)
    try:
        data = _dataset(backend)
        items = [
            {"item_id": None, "item_name": "a", "price": 0.125, "quantity": 1},
            {"item_id": None, "item_name": "b", "price": 2.675, "quantity": 3},
            {"item_id": "x", "item_name": None, "price": 0.005, "quantity": 1},
            {"item_id": "y", "item_name": "", "price": 1e-07, "quantity": 2},
        ]
        purchase = _row(
            "ecommerce_events", id="x9", site_id=data.a.id, visitor_hash="v3", session_hash="s3", pageview_id="p4",
            event_type="purchase", transaction_id="T9", value=8.18, currency="EUR", items=json.dumps(items),
            in_site_currency=True, created_at=datetime(2026, 3, 3, 12, 1),
        )  # fmt: skip
        data.records.rows["ecommerce_events"].append(purchase)
        backend.store.write_batch(data.records)
        rows = backend.store.run_report(_query(data.a), "products")
        assert [(r["item_name"], r["revenue"], r["quantity"], r["orders"]) for r in rows] == [
            ("b", Decimal("8.04"), 3, 1),
            ("a", Decimal("0.13"), 1, 1),
            ("x", Decimal("0.01"), 1, 1),
            ("y", Decimal("0.00"), 2, 1),
        ]
    finally:
        backend.store.close()
        backend.accounts.close()
