"""Goal matching at ingest, and backfill from history when a goal is created.

URL goals match the pathname (the query string is never part of it): exact, prefix,
contains, wildcard (`*` matches any run of characters, so `/blog/*` matches every post)
and regex (Python `re.search`). Event goals match a custom or e-commerce event name.
Live matching and backfill share the same compiled matcher, so they cannot disagree.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from clearanalytics.db import Database
from clearanalytics.goals import Goal
from clearanalytics.ingest.store import insert_rows, ulid_at

RELOAD_SECONDS = 5.0


def compile_path_matcher(match_type: str, pattern: str) -> Callable[[str], bool]:
    if match_type == "exact":
        return lambda path: path == pattern
    if match_type == "prefix":
        return lambda path: path.startswith(pattern)
    if match_type == "contains":
        return lambda path: pattern in path
    if match_type == "wildcard":
        regex = re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")
        return lambda path: regex.match(path) is not None
    if match_type == "regex":
        regex = re.compile(pattern)
        return lambda path: regex.search(path) is not None
    raise ValueError(f"unknown match type {match_type!r}")


@dataclass(frozen=True)
class CompiledGoal:
    id: str
    type: str
    event_name: str | None
    matches_path: Callable[[str], bool] | None

    @classmethod
    def of(cls, goal: Goal) -> CompiledGoal:
        if goal.type == "event":
            return cls(goal.id, "event", goal.config["event_name"], None)
        return cls(goal.id, "url", None, compile_path_matcher(goal.config["match_type"], goal.config["path"]))


class GoalCache:
    """Active goals per site, compiled once, reloaded every few seconds (or on `invalidate`)."""

    def __init__(self, db: Database):
        self.db = db
        self._by_site: dict[str, list[CompiledGoal]] = {}
        self._loaded_at = -1e9
        self._lock = threading.Lock()
        self.frozen = False  # an import worker: never go back to the database

    def invalidate(self) -> None:
        self._loaded_at = -1e9

    def for_site(self, site_id: str) -> list[CompiledGoal]:
        if not self.frozen and time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            self._reload()
        return self._by_site.get(site_id, [])

    def _reload(self) -> None:
        with self._lock:
            if time.monotonic() - self._loaded_at <= RELOAD_SECONDS:
                return
            by_site: dict[str, list[CompiledGoal]] = {}
            with self.db.reading() as cur:
                rows = cur.execute(
                    "SELECT id, site_id, name, type, config, is_active, created_at, updated_at "
                    "FROM goals WHERE is_active ORDER BY id"
                ).fetchall()
            from clearanalytics.goals import _goal_from_row

            for row in rows:
                goal = _goal_from_row(row)
                try:
                    by_site.setdefault(goal.site_id, []).append(CompiledGoal.of(goal))
                except (KeyError, ValueError, re.error):
                    continue  # a broken definition never stops ingest
            self._by_site = by_site
            self._loaded_at = time.monotonic()


def pageview_goals(goals: list[CompiledGoal], pathname: str) -> list[str]:
    return [g.id for g in goals if g.matches_path is not None and g.matches_path(pathname)]


def event_goals(goals: list[CompiledGoal], name: str) -> list[str]:
    return [g.id for g in goals if g.event_name == name]


def backfill(cur: duckdb.DuckDBPyConnection, goal: Goal) -> int:
    """Record completions for the site's existing pageviews or events; returns how many."""
    compiled = CompiledGoal.of(goal)
    if compiled.type == "url":
        sql = "SELECT DISTINCT pathname FROM pageviews WHERE site_id = ?"
        paths = [p for (p,) in cur.execute(sql, [goal.site_id]).fetchall()]
        matching = [p for p in paths if compiled.matches_path(p)]
        if not matching:
            return 0
        found = cur.execute(
            "SELECT id, visitor_hash, session_hash, created_at FROM pageviews "
            "WHERE site_id = ? AND list_contains(?, pathname)",
            [goal.site_id, matching],
        ).fetchall()
        rows = [(ulid_at(ts), goal.id, goal.site_id, v, s, pid, None, ts) for pid, v, s, ts in found]
    else:
        found = cur.execute(
            "SELECT id, visitor_hash, session_hash, pageview_id, created_at, 'event' FROM events "
            "WHERE site_id = $site AND name = $name "
            "UNION ALL SELECT id, visitor_hash, session_hash, pageview_id, created_at, 'ecommerce' "
            "FROM ecommerce_events WHERE site_id = $site AND event_type = $name",
            {"site": goal.site_id, "name": compiled.event_name},
        ).fetchall()
        rows = [(ulid_at(ts), goal.id, goal.site_id, v, s, pv, eid, ts) for eid, v, s, pv, ts, _ in found]
    insert_rows(cur, "goal_completions", rows)
    return len(rows)


def add_goal(db: Database, site_id: str, name: str, goal_type: str, config: dict, service=None) -> tuple[Goal, int]:
    """Create a goal and backfill it in one transaction; for the CLI and a running server alike.

    With the live `service` (app.extensions["clearanalytics.ingest"]), queued events are
    committed first so the backfill sees them, and the goal cache reloads at once so new
    events match from now on. Raises clearanalytics.goals.GoalError for a bad definition.
    """
    from clearanalytics.goals import create_goal

    if service is not None:
        service.flush()
    with db.transaction() as cur:
        goal = create_goal(cur, site_id, name, goal_type, config)
        completions = backfill(cur, goal)
    if service is not None:
        service.pipeline.goals.invalidate()
    return goal, completions
