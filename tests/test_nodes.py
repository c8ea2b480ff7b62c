"""Several app nodes over one PostgreSQL accounts database, with the event store apart from it.

1. Goal add / remove with the store apart: a batch committed at every step of the change (from another
   thread, as another node's or the writer's would be) leaves exactly the completions the live matcher
   gives every stored event (after an add), and none (after a remove). Run on the DuckDB event file with
   the accounts in PostgreSQL, and on ClickHouse (chdb) with two nodes: two PgDatabase and two stores.
2. Cross-node invalidation: two apps over one PostgreSQL; a token revoked or a site removed on A reaches B.
3. Look-then-write races on READ COMMITTED: a token created for a member being removed, a goal added to a
   site being removed, on two connections, the race made deterministic by seeing one side wait on a lock.

The expected completions are computed here from the rows the test wrote (pageviews on /pricing of site A),
not by the matcher under test.
"""

from __future__ import annotations

import inspect
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from clearanalytics import accounts, deletion, goals, request_scope
from clearanalytics.db import Database
from clearanalytics.ingest import goalmatch
from clearanalytics.ingest.store import COLUMNS, Records
from clearanalytics.invalidation import start_invalidation, watch_of
from clearanalytics.pgaccounts import PgDatabase
from clearanalytics.site_settings import save_site
from clearanalytics.storage import ACCOUNT_TABLES, attach
from clearanalytics.storage.duckdb_store import DuckDBEventStore
from tests import chstore_helpers
from tests.app_helpers import close_app, new_app
from tests.ingest_helpers import CHROME

WAIT_SECONDS = 60  # generous: a condition is waited on, never a time asserted


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_SECONDS} s for {what}")
        time.sleep(0.01)


def _pageview(pid: str, site_id: str, path: str, at: datetime) -> tuple:
    values = dict(
        id=pid, site_id=site_id, visitor_hash="v" + pid, session_hash="s" + pid, hostname="h", pathname=path,
        referrer_source="Direct", channel="Direct", browser="Firefox", os="Linux", device_type="Desktop",
        language="en", duration=0, created_at=at,
    )  # fmt: skip
    return tuple(values.get(column) for column in COLUMNS["pageviews"])


# --- 1. goal add / remove with the event store apart -------------------------------------------------------


@dataclass
class Rig:
    """Node A (runs the goal change) and the writer of node B (or of A itself: the DuckDB file is one process)."""

    accounts: Any  # node A's accounts database
    store: Any  # node A's event store
    other_store: Any  # where the batches are written from another thread
    site: accounts.Site
    other_site: accounts.Site
    writer_waiting: Callable[[], bool]  # a write is held off by the goal change
    completions: Callable[[str], list[str]]  # goal id -> its completions' pageview ids (with repeats)
    pricing: Callable[[], list[str]]  # site A's stored pageviews on /pricing
    written: list[str] = field(default_factory=list)  # the /pricing pageviews the test wrote to site A
    threads: list[threading.Thread] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def batch(self, step: str) -> None:
        """A batch written from another thread now: run to its end, or until the goal change holds it off."""
        self.steps.append(step)
        records = Records()  # goals_seen empty: its completions are settled when it commits
        at = datetime(2026, 3, 5, 9, len(self.steps))
        records.rows["pageviews"] += [
            _pageview(f"{step}-p", self.site.id, "/pricing", at),
            _pageview(f"{step}-o", self.site.id, "/other", at),
            _pageview(f"{step}-b", self.other_site.id, "/pricing", at),  # another site: never the goal's
        ]
        self.written.append(f"{step}-p")

        def write() -> None:
            try:
                self.other_store.write_batch(records)
            except BaseException as exc:  # reported by finish()
                self.errors.append(exc)

        thread = threading.Thread(target=write, name=f"batch-{step}")
        thread.start()
        self.threads.append(thread)
        wait_until(lambda: not thread.is_alive() or self.writer_waiting(), f"the batch at {step} to land or wait")

    def finish(self) -> None:
        for thread in self.threads:
            thread.join(WAIT_SECONDS)
            assert not thread.is_alive(), f"{thread.name} never finished"
        assert self.errors == []


def _instrument(rig: Rig, monkeypatch) -> None:
    """A batch after every step of a goal change: the goal row written, each store call, the accounts commit."""

    def after(name: str, function: Callable) -> Callable:
        def wrapped(*args, **kwargs):
            result = function(*args, **kwargs)
            rig.batch(name)
            return result

        return wrapped

    monkeypatch.setattr(goals, "create_goal", after("created", goals.create_goal))
    monkeypatch.setattr(goals, "delete_goal", after("deleted", goals.delete_goal))
    monkeypatch.setattr(goalmatch, "invalidate_caches", after("committed", goalmatch.invalidate_caches))
    monkeypatch.setattr(rig.store, "backfill_goal", after("backfilled", rig.store.backfill_goal))
    monkeypatch.setattr(rig.store, "delete_goal_events", after("completions-deleted", rig.store.delete_goal_events))


def _seed(db: Any) -> tuple[accounts.Site, accounts.Site]:
    with db.transaction() as cur:
        tenant = accounts.create_tenant(cur, "t", "T")
        return accounts.create_site(cur, tenant, "a.example"), accounts.create_site(cur, tenant, "b.example")


def _history(rig: Rig) -> None:
    """Stored before any goal: two /pricing pageviews of site A, one elsewhere, one of site B."""
    records = Records()
    records.rows["pageviews"] += [
        _pageview("h1", rig.site.id, "/pricing", datetime(2026, 3, 1, 10)),
        _pageview("h2", rig.site.id, "/", datetime(2026, 3, 1, 11)),
        _pageview("h3", rig.site.id, "/pricing", datetime(2026, 3, 2, 10)),
        _pageview("h4", rig.other_site.id, "/pricing", datetime(2026, 3, 2, 11)),
    ]
    rig.store.write_batch(records)
    rig.written += ["h1", "h3"]


_LOCK_LINE = next(
    inspect.getsourcelines(Database.transaction.__wrapped__)[1] + i
    for i, line in enumerate(inspect.getsourcelines(Database.transaction.__wrapped__)[0])
    if "with self._write_lock" in line
)


def _waiting_on_the_events_file(events: Database) -> Callable[[], bool]:
    """A thread stopped at Database.transaction's write lock of the events file (held by the goal change)."""

    def waiting() -> bool:
        for frame in sys._current_frames().values():
            while frame is not None:
                at_lock = frame.f_code is Database.transaction.__wrapped__.__code__ and frame.f_lineno == _LOCK_LINE
                if at_lock and frame.f_locals.get("self") is events:
                    return True
                frame = frame.f_back
        return False

    return waiting


def _waiting_on_the_advisory_lock(pg: PgDatabase) -> Callable[[], bool]:
    def waiting() -> bool:
        with pg.reading() as cur:
            return (
                cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()[0]
                > 0
            )

    return waiting


@pytest.fixture
def duckdb_rig(pg_url, tmp_path) -> Iterator[Rig]:
    """The DuckDB event file (accounts tables dropped) beside PostgreSQL accounts: one process writes the file."""
    pg = PgDatabase(pg_url)
    events = Database(tmp_path / "events.duckdb")
    with events.transaction() as cur:
        for table in ACCOUNT_TABLES:
            cur.execute(f"DROP TABLE {table}")
    store = attach(pg, DuckDBEventStore(events, accounts=pg))
    site, other = _seed(pg)

    def completions(goal_id: str) -> list[str]:
        with events.reading() as cur:
            sql = "SELECT pageview_id FROM goal_completions WHERE goal_id = ? ORDER BY 1"
            return [r[0] for r in cur.execute(sql, [goal_id]).fetchall()]

    def pricing() -> list[str]:
        with events.reading() as cur:
            sql = "SELECT id FROM pageviews WHERE site_id = ? AND pathname = '/pricing' ORDER BY 1"
            return [r[0] for r in cur.execute(sql, [site.id]).fetchall()]

    rig = Rig(pg, store, store, site, other, _waiting_on_the_events_file(events), completions, pricing)
    try:
        yield rig
    finally:
        events.close()
        pg.close()


@pytest.fixture
def clickhouse_rig(pg_url) -> Iterator[Rig]:
    """ClickHouse (chdb) with two nodes: node A's PgDatabase and store, node B's own PgDatabase and store."""
    from clearanalytics.storage.clickhouse_store import ClickHouseEventStore

    pg_a, pg_b = PgDatabase(pg_url), PgDatabase(pg_url)
    store_a, _ = chstore_helpers.new_store(pg_a)
    store_b = ClickHouseEventStore(store_a.address, pg_b)
    attach(pg_a, store_a)
    attach(pg_b, store_b)
    site, other = _seed(pg_a)

    def completions(goal_id: str) -> list[str]:
        sql = f"SELECT pageview_id FROM {store_a.db}.goal_completions WHERE goal_id = {{g:String}} ORDER BY 1"
        return [r[0] for r in store_a.client.query(sql, parameters={"g": goal_id}).result_rows]

    def pricing() -> list[str]:
        sql = f"SELECT id FROM {store_a.db}.pageviews WHERE site_id = {{s:String}} AND pathname = '/pricing' ORDER BY 1"
        return [r[0] for r in store_a.client.query(sql, parameters={"s": site.id}).result_rows]

    rig = Rig(pg_a, store_a, store_b, site, other, _waiting_on_the_advisory_lock(pg_a), completions, pricing)
    try:
        yield rig
    finally:
        store_b.close()
        store_a.close()
        pg_b.close()
        pg_a.close()


@pytest.fixture(params=["duckdb", "clickhouse"])
def rig(request) -> Rig:
    return request.getfixturevalue(f"{request.param}_rig")


def test_a_goal_added_with_the_store_apart_completes_every_stored_event_once_whatever_lands_meanwhile(rig, monkeypatch):
    _history(rig)
    assert not rig.store.shares_accounts()
    _instrument(rig, monkeypatch)
    goal, backfilled = goalmatch.add_goal(rig.accounts, rig.site.id, "Pricing", "url", {"path": "/pricing"})
    rig.batch("after")
    rig.finish()
    expected = sorted(rig.written)  # h1, h3 and each batch's /pricing pageview of site A
    assert rig.pricing() == expected  # every batch landed
    assert rig.completions(goal.id) == expected  # one completion each: none missed, none twice
    assert {"created", "committed", "completions-deleted", "backfilled", "after"} <= set(rig.steps)
    assert backfilled <= len(expected)


def test_a_goal_removed_with_the_store_apart_keeps_no_completion_whatever_lands_meanwhile(rig, monkeypatch):
    _history(rig)
    goal, backfilled = goalmatch.add_goal(rig.accounts, rig.site.id, "Pricing", "url", {"path": "/pricing"})
    assert backfilled == 2 and rig.completions(goal.id) == ["h1", "h3"]
    _instrument(rig, monkeypatch)
    assert goalmatch.remove_goal(rig.accounts, goal.id) is True
    rig.batch("after")
    rig.finish()
    assert rig.pricing() == sorted(rig.written)
    assert rig.completions(goal.id) == []
    assert {"deleted", "committed", "completions-deleted", "after"} <= set(rig.steps)
    with rig.accounts.reading() as cur:
        assert goals.get_goal(cur, goal.id) is None


def test_a_failed_backfill_takes_the_goal_away_again(duckdb_rig, monkeypatch):
    """A goal whose history could not be backfilled is not left half-made: the add fails as a whole."""
    rig = duckdb_rig
    _history(rig)

    def broken(goal, within=None):
        raise OSError("disk full")

    monkeypatch.setattr(rig.store, "backfill_goal", broken)
    with pytest.raises(OSError, match="disk full"):
        goalmatch.add_goal(rig.accounts, rig.site.id, "Pricing", "url", {"path": "/pricing"})
    with rig.accounts.reading() as cur:
        assert goals.list_goals(cur, [rig.site.id]) == []


# --- 2. what a node keeps of the accounts follows the other nodes' commits ---------------------------------


@dataclass
class AppNode:
    """One app node: its own PgDatabase over the shared accounts, its event store, its own data dir."""

    accounts: PgDatabase
    store: Any
    app: Any
    client: Any

    def close(self) -> None:
        close_app(self.app)
        self.store.close()


def _app_node(pg_url: str, data_dir, listen: bool = True, shared_events: Any = None) -> AppNode:
    """An app over PostgreSQL accounts. Events: the ClickHouse store `shared_events` (its address: every node
    writes the same database), else the node's own DuckDB file (what these tests share is the accounts)."""
    from clearanalytics.storage.clickhouse_store import ClickHouseEventStore

    pg = PgDatabase(pg_url)
    data_dir.mkdir()
    if shared_events is not None:
        store = attach(pg, ClickHouseEventStore(shared_events.address, pg))
    else:
        store = attach(pg, DuckDBEventStore(Database(data_dir / "events.duckdb"), accounts=pg))
    app = new_app(data_dir, database=pg, rate_limit="100000/minute")
    if listen:
        assert start_invalidation(app, pg) is not None
        wait_until(watch_of(pg).listening.is_set, "the node's listener to LISTEN")
    return AppNode(pg, store, app, app.test_client())


@dataclass
class Team:
    site: accounts.Site
    token: accounts.Token
    bearer: str


def _team(pg: PgDatabase) -> Team:
    with pg.transaction() as cur:
        tenant = accounts.create_tenant(cur, "acme", "Acme")
        site = accounts.create_site(cur, tenant, "a.example")
        user = accounts.create_user(cur, "owner@example.com", "correct horse battery")
        accounts.set_membership(cur, tenant, user, "owner")
        token, plaintext = accounts.create_token(cur, tenant, user, "tests")
    return Team(site, token, plaintext)


@pytest.fixture(params=["duckdb", "clickhouse"])
def two_nodes(request, pg_url, tmp_path) -> Iterator[tuple[AppNode, AppNode]]:
    """Two apps over one PostgreSQL: each with its own DuckDB event file, or both on one ClickHouse database."""
    made = None
    if request.param == "clickhouse":
        migrator = PgDatabase(pg_url)
        made, _ = chstore_helpers.new_store(migrator)  # creates and migrates the shared database
        made.close()
        migrator.close()
    a = _app_node(pg_url, tmp_path / "a", shared_events=made)
    b = _app_node(pg_url, tmp_path / "b", shared_events=made)
    try:
        yield a, b
    finally:
        b.close()
        a.close()


def _goals_status(node: AppNode, bearer: str) -> int:
    return node.client.get("/api/v1/goals", headers={"Authorization": f"Bearer {bearer}"}).status_code


def _kept_tokens(node: AppNode) -> int:
    """Live tokens node B keeps in its request scope (so a refusal is its cache being dropped, not a miss)."""
    return sum(
        1 for (namespace, key) in request_scope._UNTIL_WRITE if namespace == node.accounts.node and key[0] == "token"
    )


def test_a_token_revoked_on_one_node_is_refused_by_the_other(two_nodes):
    a, b = two_nodes
    team = _team(a.accounts)
    assert [_goals_status(b, team.bearer) for _ in range(3)] == [200, 200, 200]
    assert _kept_tokens(b) == 1  # B answers from what it keeps
    with a.accounts.transaction() as cur:
        accounts.revoke_token(cur, team.token.id)
    wait_until(lambda: _goals_status(b, team.bearer) == 401, "node B to refuse the token revoked on node A")
    assert _goals_status(a, team.bearer) == 401  # and node A at once, as before


def test_a_site_removed_on_one_node_is_dropped_by_the_other_nodes_ingest(two_nodes):
    a, b = two_nodes
    team = _team(a.accounts)
    assert _ingest(b, "a.example") == (202, None)  # B's ingest knows the site (and keeps it)
    assert _ingest(b, "a.example") == (202, None)
    b.app.extensions["clearanalytics.ingest"].flush()
    assert b.store.count_events([team.site.id])["pageviews"] >= 2  # stored: B's events reach B's store
    deletion.remove_site(a.accounts, team.site)
    wait_until(lambda: _ingest(b, "a.example") == (202, "unknown-domain"), "node B's ingest to drop the site")
    assert _ingest(a, "a.example") == (202, "unknown-domain")
    b.app.extensions["clearanalytics.ingest"].flush()
    if b.store.name == "clickhouse":  # one event store for both nodes: no row of the site is left in it
        left = b.store.count_events([team.site.id])
        assert left["pageviews"] == left["events"] == left["ecommerce_events"] == left["goal_completions"] == 0
        assert set(left.values()) == {0}  # the engagement rows and the retained days' rows too


def test_a_timezone_and_a_goal_changed_on_one_node_are_followed_by_the_other_nodes_ingest(two_nodes):
    """B's ingest matches with A's new goal and takes the site's new timezone (its visitor day, its salt)."""
    a, b = two_nodes
    team = _team(a.accounts)
    pipeline = b.app.extensions["clearanalytics.ingest"].pipeline
    assert _ingest(b, "a.example") == (202, None)
    assert pipeline.sites.get("a.example").timezone == "UTC" and pipeline.goals.for_site(team.site.id) == []
    save_site(a.accounts, a.store, team.site, timezone="Europe/Berlin")
    goal, _ = goalmatch.add_goal(a.accounts, team.site.id, "Home", "url", {"path": "/"})
    wait_until(lambda: pipeline.sites.get("a.example").timezone == "Europe/Berlin", "B to take the new timezone")
    wait_until(lambda: [g.id for g in pipeline.goals.for_site(team.site.id)] == [goal.id], "B to match A's goal")


def test_without_the_listener_a_node_follows_within_the_bound(pg_url, tmp_path, monkeypatch):
    """A node that hears nothing (no listener: its connection lost, or never started) still keeps a value
    for STALE_AFTER_SECONDS at most; the bound is shortened here only to keep the test short."""
    a = _app_node(pg_url, tmp_path / "a")
    deaf = _app_node(pg_url, tmp_path / "deaf", listen=False)
    try:
        monkeypatch.setattr(watch_of(deaf.accounts), "ttl", 0.5)
        team = _team(a.accounts)
        assert _goals_status(deaf, team.bearer) == 200 and _ingest(deaf, "a.example") == (202, None)
        with a.accounts.transaction() as cur:
            accounts.revoke_token(cur, team.token.id)
        deletion.remove_site(a.accounts, team.site)
        wait_until(lambda: _goals_status(deaf, team.bearer) == 401, "the deaf node to refuse the token")
        wait_until(lambda: _ingest(deaf, "a.example") == (202, "unknown-domain"), "the deaf node to drop the site")
    finally:
        deaf.close()
        a.close()


def _ingest(node: AppNode, domain: str) -> tuple[int, str | None]:
    body = json.dumps({"name": "pageview", "url": f"https://{domain}/", "domain": domain}).encode()
    answer = node.client.post(
        "/api/event", data=body, headers={"User-Agent": CHROME, "Content-Type": "text/plain"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )  # fmt: skip
    return answer.status_code, answer.headers.get("X-ClearAnalytics-Dropped")


# --- 3. a row created on one node while its parent is removed on another: no orphan ------------------------


def _someone_waits_on_a_lock(pg: PgDatabase) -> bool:
    with pg.reading() as cur:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        return cur.execute(sql).fetchone()[0] > 0


def _in_thread(work: Callable[[], Any], watcher: PgDatabase) -> tuple[threading.Thread, list]:
    """`work` on another thread (another node), run until it ends or waits on a row lock."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    wait_until(lambda: not thread.is_alive() or _someone_waits_on_a_lock(watcher), "the other node to end or wait")
    return thread, outcome


@dataclass
class Members:
    acme: accounts.Tenant
    beta: accounts.Tenant
    viewer: accounts.User  # a member of both: removing it from acme keeps the account (tokens by pair)
    site: accounts.Site


def _members(pg: PgDatabase) -> Members:
    with pg.transaction() as cur:
        acme, beta = accounts.create_tenant(cur, "acme", "Acme"), accounts.create_tenant(cur, "beta", "Beta")
        owner = accounts.create_user(cur, "owner@example.com", "correct horse battery")
        viewer = accounts.create_user(cur, "viewer@example.com", "correct horse battery")
        accounts.set_membership(cur, acme, owner, "owner")
        for tenant in (acme, beta):
            accounts.set_membership(cur, tenant, viewer, "viewer")
        site = accounts.create_site(cur, acme, "a.example")
    return Members(acme, beta, viewer, site)


def _tokens_of(pg: PgDatabase, tenant: accounts.Tenant, user: accounts.User) -> list[str]:
    with pg.reading() as cur:
        sql = "SELECT name FROM api_tokens WHERE tenant_id = ? AND user_id = ? ORDER BY name"
        return [r[0] for r in cur.execute(sql, [tenant.id, user.id]).fetchall()]


def _remove_member(pg: PgDatabase, team: Members) -> None:
    with pg.transaction() as cur:
        deletion.apply(cur, deletion.plan_member_removal(cur, team.acme, team.viewer))


@pytest.fixture
def two_accounts(pg_url) -> Iterator[tuple[PgDatabase, PgDatabase]]:
    a, b = PgDatabase(pg_url), PgDatabase(pg_url)
    try:
        yield a, b
    finally:
        b.close()
        a.close()


def test_a_token_created_while_its_member_is_removed_elsewhere_goes_with_the_membership(two_accounts):
    """Node A creates a token (not committed yet); node B removes the member meanwhile: B waits, then takes it."""
    a, b = two_accounts
    team = _members(a)
    with a.transaction() as cur:
        accounts.create_token(cur, team.acme, team.viewer, "late")
        removal, outcome = _in_thread(lambda: _remove_member(b, team), watcher=a)
    removal.join(WAIT_SECONDS)
    assert outcome == [None]
    assert _tokens_of(a, team.acme, team.viewer) == []  # no token of a membership that is gone
    with a.reading() as cur:
        assert accounts.get_role(cur, team.acme.id, team.viewer.id) is None


def test_a_token_for_a_member_being_removed_elsewhere_is_refused(two_accounts):
    """Node B's removal has deleted the membership (not committed yet); node A's token waits, then is refused."""
    a, b = two_accounts
    team = _members(a)

    def create() -> accounts.Token:
        with a.transaction() as cur:
            return accounts.create_token(cur, team.acme, team.viewer, "late")[0]

    with b.transaction() as cur:
        deletion.apply(cur, deletion.plan_member_removal(cur, team.acme, team.viewer))
        creation, outcome = _in_thread(create, watcher=b)
    creation.join(WAIT_SECONDS)
    assert isinstance(outcome[0], accounts.AccountError) and "is not a member of tenant 'acme'" in str(outcome[0])
    assert _tokens_of(a, team.acme, team.viewer) == []


def _site_removal_store(pg: PgDatabase, tmp_path) -> DuckDBEventStore:
    events = Database(tmp_path / "events.duckdb")
    return DuckDBEventStore(events, accounts=pg)


def test_a_goal_added_while_its_site_is_removed_elsewhere_goes_with_the_site(two_accounts, tmp_path):
    a, b = two_accounts
    team = _members(a)
    store = _site_removal_store(b, tmp_path)

    def remove() -> None:
        with b.transaction() as cur:
            deletion.apply(cur, deletion.plan_site_removal(cur, team.site, store), store)

    try:
        with a.transaction() as cur:
            goals.create_goal(cur, team.site.id, "Late", "url", {"path": "/late"})
            removal, outcome = _in_thread(remove, watcher=a)
        removal.join(WAIT_SECONDS)
        assert outcome == [None]
        with a.reading() as cur:
            assert cur.execute("SELECT count(*) FROM goals WHERE site_id = ?", [team.site.id]).fetchone() == (0,)
            assert accounts.get_site(cur, "a.example") is None
    finally:
        store.db.close()


def test_a_goal_for_a_site_being_removed_elsewhere_is_refused(two_accounts, tmp_path):
    a, b = two_accounts
    team = _members(a)
    store = _site_removal_store(b, tmp_path)

    def create() -> goals.Goal:
        with a.transaction() as cur:
            return goals.create_goal(cur, team.site.id, "Late", "url", {"path": "/late"})

    try:
        with b.transaction() as cur:
            deletion.apply(cur, deletion.plan_site_removal(cur, team.site, store), store)
            creation, outcome = _in_thread(create, watcher=b)
        creation.join(WAIT_SECONDS)
        assert isinstance(outcome[0], goals.GoalError) and outcome[0].field == "site_id"
        with a.reading() as cur:
            assert cur.execute("SELECT count(*) FROM goals").fetchone() == (0,)
    finally:
        store.db.close()


def test_a_site_added_to_a_tenant_being_removed_elsewhere_is_refused_or_removed(two_accounts, tmp_path):
    a, b = two_accounts
    team = _members(a)
    store = _site_removal_store(b, tmp_path)

    def remove(tenant: accounts.Tenant) -> None:
        with b.transaction() as cur:
            deletion.apply(cur, deletion.plan_tenant_removal(cur, tenant, store), store)

    def create() -> accounts.Site:
        with a.transaction() as cur:
            return accounts.create_site(cur, team.acme, "c.example")

    try:
        with a.transaction() as cur:  # a site created first: the removal waits for it and takes it
            accounts.create_site(cur, team.beta, "b.example")
            removal, outcome = _in_thread(lambda: remove(team.beta), watcher=a)
        removal.join(WAIT_SECONDS)
        assert outcome == [None]
        with b.transaction() as cur:  # the removal first: the new site waits, then is refused
            deletion.apply(cur, deletion.plan_tenant_removal(cur, team.acme, store), store)
            creation, outcome = _in_thread(create, watcher=b)
        creation.join(WAIT_SECONDS)
        assert isinstance(outcome[0], accounts.AccountError) and outcome[0].field == "tenant"
        with a.reading() as cur:
            assert cur.execute("SELECT count(*) FROM sites").fetchone() == (0,)
            assert cur.execute("SELECT count(*) FROM tenants").fetchone() == (0,)
    finally:
        store.db.close()
