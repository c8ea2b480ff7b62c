"""E-commerce reports: the row conversions the registry's records name, and the funnel.

Money comes only from purchases in the site's own currency (`in_site_currency`); a purchase
in another currency is stored but left out of every figure here, funnel included.
"""

from __future__ import annotations

from typing import Any

import duckdb

from clearanalytics import storage
from clearanalytics.stats import engine
from clearanalytics.stats.query import Query

FUNNEL_STEPS = (
    ("view_item", "View Product"),
    ("add_to_cart", "Add to Cart"),
    ("begin_checkout", "Begin Checkout"),
    ("purchase", "Purchase"),
)


def overview_row(row: dict[str, Any]) -> dict[str, Any]:
    """Money rounded to cents; average order value and conversion rate from the counts."""
    return {
        "revenue": engine.money(row["revenue"]),
        "transactions": row["transactions"],
        "avg_order_value": engine.money_ratio(row["revenue"], row["transactions"]),
        "conversion_rate": engine.percent(row["purchasers"], row["visitors"]),
    }


def revenue_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"revenue": engine.money(row["revenue"]), "transactions": row["transactions"]}


def products_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "item_name": row["item_name"],
        "revenue": engine.money(row["revenue"]),
        "quantity": int(row["quantity"]),
        "orders": row["orders"],
    }


def source_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"source": row["source"], "revenue": engine.money(row["revenue"]), "transactions": row["transactions"]}


def funnel(cur: duckdb.DuckDBPyConnection, query: Query) -> list[dict[str, Any]]:
    """The four steps in order with unique visitors and the drop-off from the step before."""
    found = {r["event_type"]: r["visitors"] for r in storage.run_report(cur, query, "funnel")}
    rows, previous = [], None
    for step, label in FUNNEL_STEPS:
        visitors = found.get(step, 0)
        dropoff = 0.0 if previous is None else engine.percent(previous - visitors, previous)
        rows.append({"step": step, "label": label, "visitors": visitors, "dropoff_rate": dropoff})
        previous = visitors
    return rows
