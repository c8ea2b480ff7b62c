"""Goal matching at ingest, and backfill from history when a goal is created.

URL goals match the pathname (the query string is never part of it): exact, prefix,
contains, wildcard (`*` matches any run of characters, so `/blog/*` matches every post)
and regex (Python `re.search`). Event goals match a custom or e-commerce event name.
Live matching and backfill share the same compiled matcher, so they cannot disagree.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from clearanalytics.db import Database
from clearanalytics.goals import Goal
from clearanalytics.ingest.store import COLUMNS, Records, insert_rows, ulid_at
from clearanalytics.invalidation import Stamp
from clearanalytics.storage.site_facts import SiteFacts

RELOAD_SECONDS = 5.0
log = logging.getLogger(__name__)


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
        return cls.define(goal.id, goal.type, goal.config)

    @classmethod
    def define(cls, goal_id: str, goal_type: str, config: dict) -> CompiledGoal:
        if goal_type == "event":
            return cls(goal_id, "event", config["event_name"], None)
        return cls(goal_id, "url", None, compile_path_matcher(config["match_type"], config["path"]))


@dataclass(frozen=True)
class GoalSet:
    """The active goals at one moment, compiled per site, and a fingerprint of their definitions.

    The fingerprint is what a batch of rows is stamped with when the pipeline matches it
    (`Records.goals_seen`), and what the commit compares against (`settle_completions`).
    """

    fingerprint: str
    by_site: dict[str, list[CompiledGoal]]

    def for_site(self, site_id: str) -> list[CompiledGoal]:
        return self.by_site.get(site_id, [])


_ACTIVE_GOALS_SQL = "SELECT id, site_id, type, config FROM goals WHERE is_active ORDER BY id"


def _fingerprint(rows: list[tuple]) -> str:
    return hashlib.blake2b(repr(rows).encode(), digest_size=16).hexdigest()


def _compile(rows: list[tuple], fingerprint: str) -> GoalSet:
    by_site: dict[str, list[CompiledGoal]] = {}
    for goal_id, site_id, goal_type, config in rows:
        try:
            compiled = CompiledGoal.define(goal_id, goal_type, json.loads(config))
        except (KeyError, ValueError, TypeError, re.error):
            continue  # a broken definition never stops ingest
        by_site.setdefault(site_id, []).append(compiled)
    return GoalSet(fingerprint, by_site)


def load_goal_set(cur: duckdb.DuckDBPyConnection) -> GoalSet:
    """The active goals as this cursor's transaction sees them."""
    rows = cur.execute(_ACTIVE_GOALS_SQL).fetchall()
    return _compile(rows, _fingerprint(rows))


_CACHES: weakref.WeakSet[GoalCache] = weakref.WeakSet()


class GoalCache:
    """Active goals per site, compiled once, reloaded every few seconds or when a goal changes.

    Freshness is an optimisation only: a batch matched with an older set is re-matched when
    it is committed (see `settle_completions`). Every cache registers itself, so a goal
    change in this process (`add_goal`, `edit_goal`, `remove_goal`) invalidates them all,
    the live service's and a running import's alike.
    """

    def __init__(self, db: Database):
        self.db = db
        self._set = GoalSet(_fingerprint([]), {})
        self._loaded_at = -1e9
        self._lock = threading.Lock()
        self._stamp = Stamp(db)  # PostgreSQL accounts: another node's goal change reloads it too
        self.frozen = False  # an import worker: never go back to the database
        _CACHES.add(self)

    def invalidate(self) -> None:
        self._loaded_at = -1e9

    def current(self) -> GoalSet:
        """The goal set to match with now; one object, so its goals and fingerprint agree."""
        if not self.frozen and (time.monotonic() - self._loaded_at > RELOAD_SECONDS or self._stamp.stale()):
            self._reload()
        return self._set

    def for_site(self, site_id: str) -> list[CompiledGoal]:
        return self.current().for_site(site_id)

    def _reload(self) -> None:
        with self._lock:
            if time.monotonic() - self._loaded_at <= RELOAD_SECONDS and not self._stamp.stale():
                return
            self._stamp.taken()
            with self.db.reading() as cur:
                self._set = load_goal_set(cur)
            self._loaded_at = time.monotonic()


def invalidate_caches(db: Database) -> None:
    """Every goal cache of this database reloads before its next match."""
    for cache in list(_CACHES):
        if cache.db is db:
            cache.invalidate()


def pageview_goals(goals: list[CompiledGoal], pathname: str) -> list[str]:
    return [g.id for g in goals if g.matches_path is not None and g.matches_path(pathname)]


def event_goals(goals: list[CompiledGoal], name: str) -> list[str]:
    return [g.id for g in goals if g.event_name == name]


# --- completions of a batch, settled at commit ---------------------------------------------

_PV = {c: i for i, c in enumerate(COLUMNS["pageviews"])}
_EV = {c: i for i, c in enumerate(COLUMNS["events"])}
_EC = {c: i for i, c in enumerate(COLUMNS["ecommerce_events"])}


def completions_of(goal_set: GoalSet, rows: dict[str, list[tuple]]) -> list[tuple]:
    """The goal_completions rows that a batch's pageviews and events earn under `goal_set`.

    The same rule as the pipeline's match_goals step: a pageview by its path, a custom
    event by its name, an e-commerce event by its type unless it also has an events row
    (a Plausible revenue event with a custom name, which matches by that name).
    """
    out: list[tuple] = []
    for pv in rows["pageviews"]:
        goals = goal_set.by_site.get(pv[_PV["site_id"]])
        if goals:
            ts = pv[-1]
            for goal_id in pageview_goals(goals, pv[_PV["pathname"]]):
                out.append((ulid_at(ts), goal_id, pv[1], pv[2], pv[3], pv[0], None, ts))
    named: set[str] = set()
    for source, columns, name_column in (("events", _EV, "name"), ("ecommerce_events", _EC, "event_type")):
        for ev in rows[source]:
            if source == "events":
                named.add(ev[0])
            elif ev[0] in named:
                continue
            goals = goal_set.by_site.get(ev[columns["site_id"]])
            if goals:
                ts = ev[-1]
                for goal_id in event_goals(goals, ev[columns[name_column]]):
                    out.append((ulid_at(ts), goal_id, ev[1], ev[2], ev[3], ev[columns["pageview_id"]], ev[0], ts))
    return out


def settle_completions(
    cur: duckdb.DuckDBPyConnection, records: Records, idempotent: bool = False, accounts: Any = None
) -> None:
    """Make a batch's goal completions those of the goals as they stand in this write transaction.

    Why: the pipeline matches an event when its request arrives, but the row is committed a
    flush later (0.25 s live, a batch of 50,000 in an import). A goal created, edited or
    removed in between would otherwise miss those events (the backfill ran before they were
    committed) or keep stray completions of a goal that is gone. Write transactions are
    serialised (`Database.transaction`), and goal changes and their backfill are write
    transactions too, so every event is committed either before a change (then the change's
    backfill or delete sees it) or after it (then this check sees the change). Whatever the
    order, completions equal the goal definitions applied to every stored event.

    The check is cheap: the batch carries the fingerprints of the goal sets it was matched
    with; only when they differ from the current one (a goal changed meanwhile, or rows of
    unknown provenance such as a replayed spool) are its completions computed again. With
    `idempotent` (a replay), completions already stored for the same goal and event are
    left out, since their ids are new. The goals are read on `accounts` (the accounts side's cursor;
    None: `cur`, the embedded file where both sides live).
    """
    rows = records.rows
    if not (rows["pageviews"] or rows["events"] or rows["ecommerce_events"]):
        return
    goal_rows = (cur if accounts is None else accounts).execute(_ACTIVE_GOALS_SQL).fetchall()
    fingerprint = _fingerprint(goal_rows)
    if records.goals_seen == {fingerprint}:
        return
    completions = completions_of(_compile(goal_rows, fingerprint), rows)
    if idempotent and completions:
        completions = _not_stored(cur, completions)
    rows["goal_completions"] = completions
    records.goals_seen = {fingerprint}


def _not_stored(cur: duckdb.DuckDBPyConnection, completions: list[tuple]) -> list[tuple]:
    """Completions whose (goal, pageview or event) pair is not in the table yet."""
    sources = sorted({c[6] or c[5] for c in completions})
    stored = set(
        cur.execute(
            "SELECT goal_id, coalesce(event_id, pageview_id) FROM goal_completions "
            "WHERE created_at >= $since AND coalesce(event_id, pageview_id) IN (SELECT unnest($sources))",
            {"since": min(c[-1] for c in completions), "sources": sources},
        ).fetchall()
    )
    return [c for c in completions if (c[1], c[6] or c[5]) not in stored]


# --- goal changes: each one write transaction, then every cache reloads -----------------------


def backfill(cur: duckdb.DuckDBPyConnection, goal: Goal, sites: SiteFacts | None = None) -> int:
    """Record completions for the site's stored pageviews or events; returns how many.

    Run in the goal's creating transaction; the rule is `completions_of`'s, in SQL for speed.
    `sites`: the accounts side's facts for the rollup invalidation (None: read on `cur`).
    """
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
            "SELECT id, visitor_hash, session_hash, pageview_id, created_at FROM events "
            "WHERE site_id = $site AND name = $name "
            "UNION ALL SELECT id, visitor_hash, session_hash, pageview_id, created_at FROM ecommerce_events e "
            "WHERE site_id = $site AND event_type = $name "
            "AND NOT EXISTS (SELECT 1 FROM events n WHERE n.id = e.id AND n.created_at = e.created_at)",
            {"site": goal.site_id, "name": compiled.event_name},
        ).fetchall()
        rows = [(ulid_at(ts), goal.id, goal.site_id, v, s, pv, eid, ts) for eid, v, s, pv, ts in found]
    insert_rows(cur, "goal_completions", rows, sites=sites)
    return len(rows)


def add_goal(db: Database, site_id: str, name: str, goal_type: str, config: dict, service=None) -> tuple[Goal, int]:
    """Create a goal and backfill it; for the CLI, the dashboard and a running server.

    Events accepted but not yet committed need nothing here: their commit re-matches them
    (`settle_completions`). The live `service`, when given, is flushed first only so that the
    returned count includes them. Raises clearanalytics.goals.GoalError for a bad definition.
    With the event store beside the accounts (one database), the goal and its backfill are one
    transaction; with the store apart, see `_backfill_apart`.
    """
    from clearanalytics.goals import create_goal
    from clearanalytics.storage import store_of

    if service is not None:
        service.flush()
    store = store_of(db)
    if store.shares_accounts():
        with db.transaction() as cur:
            goal = create_goal(cur, site_id, name, goal_type, config)
            completions = store.backfill_goal(goal, within=cur)
        invalidate_caches(db)
        return goal, completions
    with db.transaction() as cur:
        goal = create_goal(cur, site_id, name, goal_type, config)
    invalidate_caches(db)
    try:
        return goal, _backfill_apart(db, store, goal)
    except BaseException:
        _undo_add(db, store, goal.id)
        raise


def _backfill_apart(db: Database, store: Any, goal: Goal) -> int:
    """The goal's completions, after its accounts commit, when no transaction holds both sides.

    Order: (1) the goal committed in the accounts (the caller): from then on every write that reads
    the goals sees it and records its own completions; (2) with every event write of every node held
    off (`writers_held`: the DuckDB events file's write lock, inside which each write reads the goals;
    or the accounts lock, which ClickHouse writes take shared), the goal's completions are deleted and
    built again over every stored event. A write that read the goals before (1) has landed before (2)
    begins, so (2) sees its rows; a write that read them after (1) recorded its completions itself,
    which (2) replaces. So the goal ends with exactly one completion per matching stored event, as the
    live matcher would have given, whatever batch committed between the steps. A goal removed
    meanwhile (by another node) is not backfilled: its removal's delete may already have run.
    """
    from clearanalytics.accounts_lock import writers_held
    from clearanalytics.goals import get_goal

    with writers_held(store):
        with db.reading() as cur:
            if get_goal(cur, goal.id) is None:
                return 0
        store.delete_goal_events(goal.id)
        return store.backfill_goal(goal)


def _undo_add(db: Database, store: Any, goal_id: str) -> None:
    """The backfill failed: take the goal away again (accounts first), so a failed add leaves no goal."""
    from clearanalytics.goals import delete_goal

    with db.transaction() as cur:
        delete_goal(cur, goal_id)
    invalidate_caches(db)
    try:
        store.delete_goal_events(goal_id)
    except Exception:  # the store is what failed: its stray rows belong to no goal; the first error is raised
        log.exception("goal %s: its completions could not be deleted after a failed backfill", goal_id)


def edit_goal(db: Database, goal: Goal, **changes) -> Goal:
    """clearanalytics.goals.update_goal in its own transaction; matching follows at once."""
    from clearanalytics.goals import update_goal

    with db.transaction() as cur:
        goal = update_goal(cur, goal, **changes)
    invalidate_caches(db)
    return goal


def remove_goal(db: Database, goal_id: str) -> bool:
    """Delete a goal and its completions; batches committed later are re-matched without it.

    With the event store apart from the accounts: the goal first (accounts commit), then its
    completions, in the store's own order against writes (DuckDB: an events transaction, inside which
    every write reads the goals; ClickHouse: under the accounts lock, exclusive). A write that read the
    goals before the commit has landed before that delete runs (which takes its completions); one after
    it does not see the goal. If the store's delete fails, the goal is gone and its completions stay
    (no report lists a goal the accounts do not have): the error is raised.
    """
    from clearanalytics.goals import delete_goal
    from clearanalytics.storage import store_of

    store = store_of(db)
    if store.shares_accounts():
        with db.transaction() as cur:
            removed = delete_goal(cur, goal_id)
            if removed:
                store.delete_goal_events(goal_id, within=cur)
        invalidate_caches(db)
        return removed
    with db.transaction() as cur:
        removed = delete_goal(cur, goal_id)
    invalidate_caches(db)
    if removed:
        store.delete_goal_events(goal_id)
    return removed
