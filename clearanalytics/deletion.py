"""Removing sites, tenants and members, and erasing a site's stats: no row of them is left behind.

One table, `REFERENCES`, says which column of which table refers to a site, goal, tenant or
user. Every removal first works out the ids it takes with it (a site takes its goals, a tenant
its sites, and every member left without a tenant), then deletes, in one transaction, each
row that any of its columns ties to one of those ids. A new table therefore needs one line
here, and tests/test_deletion.py fails until it has it (it lists every column of the schema).
The event side (the event tables and their rollups) is deleted by the event store
(`EventStore.delete_events`, clearanalytics.storage), inside the same transaction when it
shares the accounts' database, otherwise before and again after the accounts transaction (`_apart`).

Accounts: a user exists only as a member of a tenant. Removing the last membership of a user
(`user remove`, or removing the tenant) deletes the account with it, tokens included, so
no login remains that can do nothing; a user in other tenants keeps the account.

A running server is told too (see `attach`): the ingest writer's queued events are committed
before the deletion (a reset erases everything received until then), and the pipeline's
caches forget the sites afterwards, so events for a removed domain are dropped as
`unknown-site`. Rows of a removed site still waiting in the spool are dropped by the writer
(clearanalytics.ingest.store), so none reappear after the deletion either.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import duckdb

from clearanalytics import accounts, sessions
from clearanalytics.db import Database
from clearanalytics.stats import rollup_sql
from clearanalytics.storage import EVENT_TABLES, EventStore, store_of


@dataclass(frozen=True)
class Ref:
    """`table.column` holds the id of a `target` (site, goal, tenant or user); `stats` rows go on a reset."""

    table: str
    column: str
    target: str
    stats: bool = False


TARGETS = ("site", "goal", "tenant", "user")

REFERENCES: tuple[Ref, ...] = (
    # A site's stats: what `site reset` erases.
    Ref("pageviews", "site_id", "site", stats=True),
    Ref("events", "site_id", "site", stats=True),
    Ref("ecommerce_events", "site_id", "site", stats=True),
    Ref("goal_completions", "site_id", "site", stats=True),
    Ref("goal_completions", "goal_id", "goal", stats=True),
    Ref("rollup_days", "site_id", "site", stats=True),
    Ref("rollup_months", "site_id", "site", stats=True),
    *(Ref(f"rollup_{table}", "site_id", "site", stats=True) for table in rollup_sql.COLUMNS),
    *(Ref(f"rollup_{table}_months", "site_id", "site", stats=True) for table in rollup_sql.COLUMNS),
    Ref("rollup_goals", "goal_id", "goal", stats=True),
    Ref("rollup_goals_months", "goal_id", "goal", stats=True),
    # Imported aggregates (import-plausible, migrations.m013_imports): stats, deleted with the site's events.
    Ref("imports", "site_id", "site", stats=True),
    Ref("imported_totals", "site_id", "site", stats=True),
    Ref("imported_dims", "site_id", "site", stats=True),
    # The site itself, its settings and its visitor-hash salts.
    Ref("goals", "site_id", "site"),
    Ref("goals", "id", "goal"),
    Ref("salts", "site_id", "site"),
    Ref("shared_links", "site_id", "site"),
    Ref("sites", "id", "site"),
    Ref("sites", "tenant_id", "tenant"),
    # Tenants and users, and what ties them together.
    Ref("tenants", "id", "tenant"),
    Ref("memberships", "tenant_id", "tenant"),
    Ref("memberships", "user_id", "user"),
    Ref("api_tokens", "tenant_id", "tenant"),
    Ref("api_tokens", "user_id", "user"),
    Ref("sessions", "user_id", "user"),
    Ref("users", "id", "user"),
    # Email reports (clearanalytics/mail): a user's subscriptions and the ledger of what was sent them.
    Ref("report_subscriptions", "site_id", "site"),
    Ref("report_subscriptions", "user_id", "user"),
    Ref("report_sends", "site_id", "site"),
    Ref("report_sends", "user_id", "user"),
)


class LiveIngest(Protocol):
    """What a running server's ingest service does around a deletion (clearanalytics.ingest.service)."""

    def flush(self) -> int: ...

    def forget_sites(self, site_ids: set[str], removed: bool) -> None: ...


_LIVE: weakref.WeakKeyDictionary[Database, LiveIngest] = weakref.WeakKeyDictionary()


def attach(db: Database, service: LiveIngest) -> None:
    """The server's ingest service for `db`: the CLI (over the control socket) and the dashboard find it here."""
    _LIVE[db] = service


def live_ingest(db: Database) -> LiveIngest | None:
    """The running server's ingest service of `db`, or None outside a server (backup flushes it too)."""
    return _LIVE.get(db)


@dataclass
class Removal:
    """What one removal takes: ids per target, plus (tenant id, user id) memberships on their own."""

    ids: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in TARGETS})
    memberships: list[tuple[str, str]] = field(default_factory=list)
    stats_only: bool = False
    deleted_users: list[str] = field(default_factory=list)  # emails, for the message
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows deleted (or that would be)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def describe(self) -> str:
        """'pageviews: 12, events: 3, ...': the tables people know, for a confirmation question."""
        shown = ("pageviews", "events", "ecommerce_events", "goals", "sites", "memberships", "api_tokens", "users")
        parts = [f"{t.replace('_', ' ')}: {self.rows[t]}" for t in shown if self.rows.get(t)]
        return ", ".join(parts) or "no rows"


def _on_event_side(table: str) -> bool:
    """Event rows and what is derived from them: deleted by the event store (clearanalytics.storage)."""
    return table in EVENT_TABLES or table.startswith(("rollup_", "imported_")) or table == "imports"


def _refs(stats_only: bool) -> list[Ref]:
    """The accounts side's references that this removal follows; the event side is the store's."""
    return [r for r in REFERENCES if (r.stats or not stats_only) and not _on_event_side(r.table)]


def _event_rows(cur: duckdb.DuckDBPyConnection, removal: Removal, store: EventStore | None, delete: bool) -> dict:
    """The event store's rows of the removal's sites and goals: counted, or deleted inside `cur`'s transaction.

    Without a store, the tables are the ones `cur` sees (the embedded file, where they all live).
    """
    sites, goals = removal.ids["site"], removal.ids["goal"]
    if not sites and not goals:
        return {}
    if store is not None:
        if delete:
            return store.delete_events(sites, goal_ids=goals, within=cur)
        return store.count_events(sites, goal_ids=goals, cur=cur)
    from clearanalytics.storage import duckdb_store

    if delete:
        return duckdb_store.delete_rows(cur, sites, goals)
    return duckdb_store.count_rows(cur, sites, goals)


def _conditions(removal: Removal) -> dict[str, tuple[str, dict]]:
    """table -> (WHERE clause, parameters) matching every row that the removal takes."""
    by_table: dict[str, tuple[list[str], dict]] = {}
    for ref in _refs(removal.stats_only):
        ids = removal.ids[ref.target]
        if not ids:
            continue
        clauses, params = by_table.setdefault(ref.table, ([], {}))
        name = f"p{len(params)}"
        clauses.append(f"{ref.column} = ANY(${name}::VARCHAR[])")
        params[name] = sorted(ids)
    if removal.memberships:
        for table in _membership_tables():
            clauses, params = by_table.setdefault(table, ([], {}))
            params["mt"], params["mu"] = [m[0] for m in removal.memberships], [m[1] for m in removal.memberships]
            clauses.append(
                "(tenant_id, user_id) IN (SELECT unnest($mt::VARCHAR[]), unnest($mu::VARCHAR[]))",
            )
    return {table: (" OR ".join(clauses), params) for table, (clauses, params) in by_table.items()}


def _membership_tables() -> list[str]:
    """Tables whose rows belong to a (tenant, user) pair: memberships and tokens."""
    tenants = {r.table for r in REFERENCES if r.target == "tenant" and r.column == "tenant_id"}
    users = {r.table for r in REFERENCES if r.target == "user" and r.column == "user_id"}
    return sorted(tenants & users)


def count(cur: duckdb.DuckDBPyConnection, removal: Removal, store: EventStore | None = None) -> Removal:
    """Fill `removal.rows` with what it would delete (for the confirmation question)."""
    removal.rows = _event_rows(cur, removal, store, delete=False) | {
        table: cur.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
        for table, (where, params) in _conditions(removal).items()
    }
    return removal


def apply(cur: duckdb.DuckDBPyConnection, removal: Removal, store: EventStore | None = None) -> None:
    """Delete what `removal` takes, inside the caller's transaction (`execute` adds the live server's part).

    The event rows go first, through the event store (in this same transaction when it shares the
    accounts' database), while the sites they belong to still exist. The accounts' statements are
    read alike by DuckDB and PostgreSQL (`= ANY(array)`, a DELETE counted by its RETURNING rows:
    DuckDB answers a bare DELETE with its count, PostgreSQL with no row), docs/STORAGE.md.
    """
    removal.rows = _event_rows(cur, removal, store, delete=True) | _delete_accounts(cur, removal)


# Parents before the rows that refer to them: a row created on another node at this moment holds its
# parent (row_locks.held_row, FOR SHARE) until it commits, so the parent's DELETE waits for it and the
# children's DELETE, a later statement, sees it (PostgreSQL READ COMMITTED). DuckDB: one writer, any order.
_PARENTS_FIRST = ("tenants", "sites", "users", "memberships")


def _parents_first(item: tuple[str, tuple]) -> int:
    return _PARENTS_FIRST.index(item[0]) if item[0] in _PARENTS_FIRST else len(_PARENTS_FIRST)


def _delete_accounts(cur: duckdb.DuckDBPyConnection, removal: Removal) -> dict[str, int]:
    """The accounts side of `apply`: table -> rows deleted; the removed members logged out."""
    rows = {
        table: len(cur.execute(f"DELETE FROM {table} WHERE {where} RETURNING 1", params).fetchall())
        for table, (where, params) in sorted(_conditions(removal).items(), key=_parents_first)
    }
    for _tenant_id, user_id in removal.memberships:
        sessions.end_all(cur, user_id)  # a removed member is logged out everywhere, even if the account stays
    return rows


def _with_sites(cur: duckdb.DuckDBPyConnection, removal: Removal, site_ids: Iterable[str]) -> Removal:
    removal.ids["site"].update(site_ids)
    if removal.ids["site"]:
        rows = cur.execute(
            "SELECT id FROM goals WHERE site_id = ANY($ids::VARCHAR[])", {"ids": sorted(removal.ids["site"])}
        ).fetchall()
        removal.ids["goal"].update(r[0] for r in rows)
    return removal


def _orphans(cur: duckdb.DuckDBPyConnection, removal: Removal, tenant_id: str, user_ids: list[str] | None) -> None:
    """Members of `tenant_id` (all, or `user_ids`) who belong to no other tenant lose their account too."""
    rows = cur.execute(
        "SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.tenant_id = $t AND ($only::VARCHAR[] IS NULL OR m.user_id = ANY($only::VARCHAR[])) "
        "AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.user_id = m.user_id AND o.tenant_id <> $t) "
        "ORDER BY u.email",
        {"t": tenant_id, "only": user_ids},
    ).fetchall()
    removal.ids["user"].update(r[0] for r in rows)
    removal.deleted_users.extend(r[1] for r in rows)


# --- the plans: what each kind of removal takes --------------------------------------------------


def plan_site_removal(cur: duckdb.DuckDBPyConnection, site: accounts.Site, store: EventStore | None = None) -> Removal:
    return count(cur, _with_sites(cur, Removal(), [site.id]), store)


def plan_site_reset(cur: duckdb.DuckDBPyConnection, site: accounts.Site, store: EventStore | None = None) -> Removal:
    return count(cur, _with_sites(cur, Removal(stats_only=True), [site.id]), store)


def plan_tenant_removal(
    cur: duckdb.DuckDBPyConnection, tenant: accounts.Tenant, store: EventStore | None = None
) -> Removal:
    removal = Removal()
    removal.ids["tenant"].add(tenant.id)
    _with_sites(cur, removal, [s.id for s in accounts.list_sites(cur, tenant.id)])
    _orphans(cur, removal, tenant.id, None)
    return count(cur, removal, store)


def plan_member_removal(
    cur: duckdb.DuckDBPyConnection, tenant: accounts.Tenant, user: accounts.User, store: EventStore | None = None
) -> Removal:
    """The membership and the tokens it gave; the account as well when it was the user's last tenant.

    The last owner cannot be removed (the dashboard's rule): the tenant would have nobody to manage it.
    """
    role = accounts.get_role(cur, tenant.id, user.id)
    if role is None:
        raise accounts.AccountError("email", f"user {user.email!r} is not a member of tenant {tenant.slug!r}")
    owners = cur.execute(
        "SELECT count(*) FROM memberships WHERE tenant_id = ? AND role = 'owner'", [tenant.id]
    ).fetchone()[0]
    if role == "owner" and owners == 1:
        raise accounts.AccountError(
            "email", f"{user.email} is the last owner of {tenant.slug}: make another member owner, or remove the tenant"
        )
    removal = Removal(memberships=[(tenant.id, user.id)])
    _orphans(cur, removal, tenant.id, [user.id])
    return count(cur, removal, store)


# --- doing it ---------------------------------------------------------------------------------------


def execute(db: Database, plan) -> Removal:
    """Plan again and delete inside one write transaction, with a running server's ingest told around it.

    `plan` is one of the plan_* functions with its arguments bound (a callable taking the cursor and
    the event store): planning inside the transaction means the ids deleted are the ids that exist
    at that moment. With the event store on another database, `_apart` says how.
    """
    live = _LIVE.get(db)
    if live is not None:
        live.flush()  # events received until now are committed, so the deletion takes them too
    store = store_of(db)
    if store.shares_accounts():
        with db.transaction() as cur:
            removal = plan(cur, None)
            apply(cur, removal, store)
    else:
        removal = _apart(db, plan, store)
    if live is not None and removal.ids["site"]:
        live.forget_sites(set(removal.ids["site"]), removed=not removal.stats_only)
    return removal


def _apart(db: Database, plan, store: EventStore) -> Removal:
    """The removal when no transaction can hold both sides (the accounts in another database).

    1. The event rows of the ids planned now, in the store's own transaction. Idempotent: if
       anything later fails, the accounts are untouched and the removal can simply be repeated.
    2. The accounts transaction, planned again (the ids that exist now, a goal added meanwhile
       included).
    3. For a removal (not a reset, which keeps what arrives after it): the event rows of those ids
       again, after step 2 committed: what the writer committed between 1 and 2 while it still saw
       the sites. A batch committed after this delete read the accounts after step 2 (write_batch
       reads them inside its own transaction, which the store serialises with this delete) and so
       dropped their rows: no row of a removed site is left.
    """
    with db.transaction() as cur:  # rolled back if the events' delete fails (a reset's plan writes)
        early = _event_rows(cur, plan(cur, store), store, delete=True)
    with db.transaction() as cur:
        removal = plan(cur, store)
        rows = _delete_accounts(cur, removal)
    late: dict[str, int] = {}
    if not removal.stats_only and (removal.ids["site"] or removal.ids["goal"]):
        late = store.delete_events(removal.ids["site"], goal_ids=removal.ids["goal"])
    removal.rows = {t: early.get(t, 0) + late.get(t, 0) for t in {**early, **late}} | rows
    return removal


def remove_site(db: Database, site: accounts.Site) -> Removal:
    return execute(db, lambda cur, store: plan_site_removal(cur, site, store))


def reset_site(db: Database, site: accounts.Site) -> Removal:
    """Erase the site's events and rollups; the site, its goals and its settings stay.

    The rollups of days that retention emptied are gone with the rest, so no day is final any more:
    `retained_from` is cleared and a later import into those days builds their rollups afresh.
    """

    def plan(cur: duckdb.DuckDBPyConnection, store: EventStore | None) -> Removal:
        cur.execute("UPDATE sites SET retained_from = NULL WHERE id = ?", [site.id])
        return plan_site_reset(cur, site, store)

    return execute(db, plan)


def remove_tenant(db: Database, tenant: accounts.Tenant) -> Removal:
    return execute(db, lambda cur, store: plan_tenant_removal(cur, tenant, store))


def remove_member(db: Database, tenant: accounts.Tenant, user: accounts.User) -> Removal:
    return execute(db, lambda cur, store: plan_member_removal(cur, tenant, user, store))
