"""Goals: their definitions and storage. Matching, backfill and goal changes on a live database live in
clearanalytics.ingest.goalmatch (add_goal, edit_goal, remove_goal), which call the functions here."""

from __future__ import annotations

import json
import re
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
        f"SELECT {_GOAL_COLUMNS} FROM goals WHERE site_id = ANY(?::VARCHAR[]) ORDER BY id", [list(site_ids)]
    ).fetchall()
    return [_goal_from_row(r) for r in rows]


def get_goal(cur: duckdb.DuckDBPyConnection, goal_id: str) -> Goal | None:
    row = cur.execute(f"SELECT {_GOAL_COLUMNS} FROM goals WHERE id = ?", [goal_id]).fetchone()
    return _goal_from_row(row) if row else None


# --- definitions: validation, create, update, delete ----------------------------------

GOAL_TYPES = ("url", "event")
MATCH_TYPES = ("exact", "prefix", "contains", "wildcard", "regex")
MAX_PATTERN_LENGTH = 500


class GoalError(ValueError):
    """A goal definition that cannot be used; `field` names the part."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def validate_config(goal_type: str, config: dict) -> dict:
    """The canonical config: url -> {match_type, path}; event -> {event_name}."""
    if goal_type == "url":
        match_type = config.get("match_type") or "exact"
        if match_type not in MATCH_TYPES:
            raise GoalError("match_type", f"unknown match type {match_type!r}: one of {', '.join(MATCH_TYPES)}")
        path = config.get("path")
        if not isinstance(path, str) or not path.strip() or len(path) > MAX_PATTERN_LENGTH:
            raise GoalError("path", f"a path pattern of 1 to {MAX_PATTERN_LENGTH} characters is required")
        path = path.strip()
        if match_type == "regex":
            try:
                re.compile(path)
            except re.error as exc:
                raise GoalError("path", f"invalid regular expression: {exc}") from None
        elif match_type == "exact":
            path = path.split("?", 1)[0] or "/"
        return {"match_type": match_type, "path": path}
    if goal_type == "event":
        name = config.get("event_name")
        if not isinstance(name, str) or not name.strip() or len(name) > 120:
            raise GoalError("event_name", "an event name of 1 to 120 characters is required")
        return {"event_name": name.strip()}
    raise GoalError("type", f"unknown goal type {goal_type!r}: one of {', '.join(GOAL_TYPES)}")


def _validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise GoalError("name", "a name of 1 to 200 characters is required")
    return name


def create_goal(cur: duckdb.DuckDBPyConnection, site_id: str, name: str, goal_type: str, config: dict) -> Goal:
    """Insert a goal, without its history: goalmatch.add_goal inserts and backfills it.

    The site's row is held (row_locks.held_row) so that a removal of the site on another node at this
    moment either waits for this goal and deletes it too, or has already removed the site (refused here).
    """
    from clearanalytics.db import new_id, utcnow
    from clearanalytics.row_locks import held_row

    config = validate_config(goal_type, config)
    name = _validate_name(name)
    if held_row(cur, "SELECT id FROM sites WHERE id = ?", [site_id]) is None:
        raise GoalError("site_id", f"unknown site {site_id!r}")
    now = utcnow()
    goal = Goal(new_id(), site_id, name, goal_type, config, True, now, now)
    cur.execute(
        f"INSERT INTO goals ({_GOAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [goal.id, site_id, goal.name, goal_type, json.dumps(config), True, now, now],
    )
    return goal


def update_goal(
    cur: duckdb.DuckDBPyConnection,
    goal: Goal,
    *,
    name: str | None = None,
    config: dict | None = None,
    is_active: bool | None = None,
) -> Goal:
    """Change a goal in place. Existing completions stay as they were recorded."""
    from clearanalytics.db import utcnow

    new_name = _validate_name(name) if name is not None else goal.name
    new_config = validate_config(goal.type, config) if config is not None else goal.config
    active = goal.is_active if is_active is None else bool(is_active)
    now = utcnow()
    cur.execute(
        "UPDATE goals SET name = ?, config = ?, is_active = ?, updated_at = ? WHERE id = ?",
        [new_name, json.dumps(new_config), active, now, goal.id],
    )
    return Goal(goal.id, goal.site_id, new_name, goal.type, new_config, active, goal.created_at, now)


def delete_goal(cur: duckdb.DuckDBPyConnection, goal_id: str) -> bool:
    """Delete a goal; False when there was no such goal. Its completions are the event store's
    (goalmatch.remove_goal deletes them through it, in this transaction)."""
    if get_goal(cur, goal_id) is None:
        return False
    cur.execute("DELETE FROM goals WHERE id = ?", [goal_id])
    return True
