"""Goals: their definitions and storage. Matching and backfill live with ingest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class Goal:
    id: str
    site_id: str
    name: str
    type: str
    config: dict
    is_active: bool
    created_at: datetime
    updated_at: datetime


_GOAL_COLUMNS = "id, site_id, name, type, config, is_active, created_at, updated_at"


def _goal_from_row(row: tuple) -> Goal:
    return Goal(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7])


def list_goals(cur: duckdb.DuckDBPyConnection, site_ids: list[str]) -> list[Goal]:
    if not site_ids:
        return []
    rows = cur.execute(
        f"SELECT {_GOAL_COLUMNS} FROM goals WHERE list_contains(?, site_id) ORDER BY id", [site_ids]
    ).fetchall()
    return [_goal_from_row(r) for r in rows]


def get_goal(cur: duckdb.DuckDBPyConnection, goal_id: str) -> Goal | None:
    row = cur.execute(f"SELECT {_GOAL_COLUMNS} FROM goals WHERE id = ?", [goal_id]).fetchone()
    return _goal_from_row(row) if row else None
