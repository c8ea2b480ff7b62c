"""E-commerce reports: overview, revenue time series, products, funnel and revenue by source.

Money comes only from purchases in the site's own currency (`in_site_currency`); a purchase
in another currency is stored but left out of every figure here, funnel included.
"""

from __future__ import annotations

from typing import Any

import duckdb

from clearanalytics.stats import engine
from clearanalytics.stats.query import Query

FUNNEL_STEPS = (
    ("view_item", "View Product"),
    ("add_to_cart", "Add to Cart"),
    ("begin_checkout", "Begin Checkout"),
    ("purchase", "Purchase"),
)


def _overview_values(cur: duckdb.DuckDBPyConnection, query: Query) -> dict[str, Any]:
    row = engine.run_one(cur, query, "ecommerce_overview")
    return {
        "revenue": engine.money(row["revenue"]),
        "transactions": row["transactions"],
        "avg_order_value": engine.money_ratio(row["revenue"], row["transactions"]),
        "conversion_rate": engine.percent(row["purchasers"], row["visitors"]),
    }


def overview(cur: duckdb.DuckDBPyConnection, query: Query) -> dict[str, Any]:
    """Revenue, transactions, average order value and conversion rate, each with its change."""
    now, before = _overview_values(cur, query), _overview_values(cur, query.previous())
    return now | {
        "revenue_change": engine.relative_change(now["revenue"], before["revenue"]),
        "transactions_change": engine.relative_change(now["transactions"], before["transactions"]),
        "avg_order_value_change": engine.relative_change(now["avg_order_value"], before["avg_order_value"]),
        "conversion_rate_change": engine.point_change(now["conversion_rate"], before["conversion_rate"]),
    }


def revenue_timeseries(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    found = {r["bucket"]: r for r in engine.run(cur, query, "revenue_timeseries", bucket=True)}
    return [
        {
            "date": bucket,
            "revenue": engine.money(found[bucket]["revenue"]) if bucket in found else 0.0,
            "transactions": found[bucket]["transactions"] if bucket in found else 0,
        }
        for bucket in query.buckets()
    ]


def products(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return [
        {
            "item_name": r["item_name"],
            "revenue": engine.money(r["revenue"]),
            "quantity": int(r["quantity"]),
            "orders": r["orders"],
        }
        for r in engine.run(cur, query, "products")
    ]


def funnel(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    """The four steps in order with unique visitors and the drop-off from the step before."""
    found = {r["event_type"]: r["visitors"] for r in engine.run(cur, query, "funnel")}
    rows, previous = [], None
    for step, label in FUNNEL_STEPS:
        visitors = found.get(step, 0)
        dropoff = 0.0 if previous is None else engine.percent(previous - visitors, previous)
        rows.append({"step": step, "label": label, "visitors": visitors, "dropoff_rate": dropoff})
        previous = visitors
    return rows


def revenue_by_source(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    return [
        {"source": r["source"], "revenue": engine.money(r["revenue"]), "transactions": r["transactions"]}
        for r in engine.run(cur, query, "revenue_by_source")
    ]
