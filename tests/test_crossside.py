"""The event side takes what it needs of the accounts as values: no event-side statement reads an accounts table.

Each test builds the same small dataset twice: embedded (one DuckDB file, accounts and events, as
today) and split (the accounts in one DuckDB file, the events in another whose accounts tables are
DROPPED, so any event-side statement that still read `sites` or `goals` raises a catalog error).
The event side's operation runs on both and the rows must be exactly equal. The split store is the
DuckDB store given a separate accounts Database (`DuckDBEventStore(events, accounts=...)`), the
shape a PostgreSQL accounts database will take.

Dataset (UTC times): site A (a.example, UTC) with a url goal on /pricing, site B (b.example,
Europe/Berlin), a site that no longer exists ("gone").
    A p1 v1 /          2026-03-01 10:00
    A p2 v1 /pricing   2026-03-01 10:05   -> one completion of the goal
    A p3 v2 /          2026-03-02 09:00
    A p4 v3 /blog      2026-03-03 12:00
    B q1 v9 /          2026-03-01 11:00
    B q2 v8 /x         2026-03-01 23:30   (2 March in Berlin)
    gone g1 /          2026-03-01 10:00   -> dropped
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pytest

from clearanalytics import accounts, deletion, goals
from clearanalytics.accounts import Site
from clearanalytics.db import Database
from clearanalytics.ingest.store import COLUMNS, Records
from clearanalytics.pgaccounts import PgDatabase
from clearanalytics.site_settings import save_site
from clearanalytics.stats import rollups
from clearanalytics.stats.conversions import goal_params
from clearanalytics.stats.exports import export_text, parse_export
from clearanalytics.stats.query import Query
from clearanalytics.storage import ACCOUNT_TABLES, attach, store_of
from clearanalytics.storage.duckdb_store import DuckDBEventStore

NOW = datetime(2026, 3, 10, 12, 0)
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 3)
RAW = ("pageviews", "events", "ecommerce_events")
ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")


@dataclass
class Side:
    """One set-up: where the accounts are read, where the events are, and the store over them."""

    accounts: Database
    events: Database
    store: DuckDBEventStore
    a: Site
    b: Site
    goal: goals.Goal


def _row(table: str, **values) -> tuple:
    return tuple(values.get(column) for column in COLUMNS[table])


def _pageview(pid: str, site_id: str, visitor: str, path: str, at: datetime) -> tuple:
    return _row(
        "pageviews", id=pid, site_id=site_id, visitor_hash=visitor, session_hash="s" + visitor, hostname="h",
        pathname=path, referrer_source="Direct", channel="Direct", browser="Firefox", os="Linux",
        device_type="Desktop", language="en", duration=0, created_at=at,
    )  # fmt: skip


def _records(a: Site, b: Site) -> Records:
    """The dataset's batch, as the spool replays it: goals_seen empty, so completions are settled at commit."""
    records = Records()
    records.rows["pageviews"] += [
        _pageview("p1", a.id, "v1", "/", datetime(2026, 3, 1, 10, 0)),
        _pageview("p2", a.id, "v1", "/pricing", datetime(2026, 3, 1, 10, 5)),
        _pageview("p3", a.id, "v2", "/", datetime(2026, 3, 2, 9, 0)),
        _pageview("p4", a.id, "v3", "/blog", datetime(2026, 3, 3, 12, 0)),
        _pageview("q1", b.id, "v9", "/", datetime(2026, 3, 1, 11, 0)),
        _pageview("q2", b.id, "v8", "/x", datetime(2026, 3, 1, 23, 30)),
        _pageview("g1", "gone", "v7", "/", datetime(2026, 3, 1, 10, 0)),
    ]
    records.updates.append(("p3", 40, 75))  # engagement for a pageview of the same batch
    return records


@pytest.fixture
def sides(tmp_path) -> Iterator[tuple[Side, Side]]:
    """(embedded, split) over the same accounts rows (the same ids: one file copied)."""
    seed = Database(tmp_path / "seed.duckdb")
    with seed.transaction() as cur:
        tenant = accounts.create_tenant(cur, "t", "T")
        a = accounts.create_site(cur, tenant, "a.example")
        accounts.create_site(cur, tenant, "b.example", timezone="Europe/Berlin")
        goals.create_goal(cur, a.id, "Pricing", "url", {"path": "/pricing"})
    seed.close()
    for name in ("embedded", "accounts", "events"):
        shutil.copy(tmp_path / "seed.duckdb", tmp_path / f"{name}.duckdb")
    embedded = Database(tmp_path / "embedded.duckdb")
    split_accounts, split_events = Database(tmp_path / "accounts.duckdb"), Database(tmp_path / "events.duckdb")
    with split_events.transaction() as cur:
        for table in ACCOUNT_TABLES:  # nothing on the event side can read the accounts any more
            cur.execute(f"DROP TABLE {table}")
    made = []
    for acc, events in ((embedded, embedded), (split_accounts, split_events)):
        store = DuckDBEventStore(events) if acc is events else DuckDBEventStore(events, accounts=acc)
        with acc.reading() as cur:
            a, b = accounts.get_site(cur, "a.example"), accounts.get_site(cur, "b.example")
            (goal,) = goals.list_goals(cur, [a.id])
        made.append(Side(acc, events, store, a, b, goal))
    try:
        yield made[0], made[1]
    finally:
        for db in (embedded, split_accounts, split_events):
            db.close()


def _rows(side: Side, sql: str) -> list[tuple]:
    with side.events.reading() as cur:
        return cur.execute(sql).fetchall()


def _events(side: Side) -> dict[str, list[tuple]]:
    rows = {t: _rows(side, f"SELECT * FROM {t} ORDER BY id") for t in RAW}
    rows["goal_completions"] = _rows(side, "SELECT * EXCLUDE (id) FROM goal_completions ORDER BY pageview_id")
    return rows


def _rollup_days(side: Side) -> list[tuple]:
    return _rows(side, "SELECT site_id, kind, day FROM rollup_days ORDER BY ALL")


def _build(side: Side) -> None:
    """Build every rollup of 1-3 March for both sites (a report of the closed days builds them)."""
    with side.events.reading() as cur:
        rollups.build(cur, Query((side.a, side.b), "custom", FIRST, LAST, NOW))


def test_the_embedded_accounts_tables_are_out_of_reach_of_the_split_event_side(sides):
    _, split = sides
    with split.events.reading() as cur, pytest.raises(duckdb.CatalogException):
        cur.execute("SELECT id FROM sites").fetchall()


def test_a_write_drops_removed_sites_settles_goals_and_invalidates_local_days_from_the_accounts_side(sides):
    """`_of_existing_sites`, the goals of `settle_completions` and rollup_cache's timezones, all handed over."""
    for side in sides:
        side.store.write_batch(_records(side.a, side.b))
    embedded, split = (_events(side) for side in sides)
    assert split == embedded
    assert [r[0] for r in split["pageviews"]] == ["p1", "p2", "p3", "p4", "q1", "q2"]  # g1 dropped
    assert [r[:2] for r in split["goal_completions"]] == [(sides[1].goal.id, sides[1].a.id)]
    assert _rows(sides[1], "SELECT duration, scroll_depth FROM pageviews WHERE id = 'p3'") == [(40, 75)]

    # A late row into a closed day drops that site's local day (B: 2 March in Berlin) on both sides.
    for side in sides:
        _build(side)
        late = Records()
        late.rows["pageviews"].append(_pageview("q3", side.b.id, "v6", "/late", datetime(2026, 3, 1, 23, 45)))
        side.store.write_batch(late)
        side.store.apply_engagements([("p4", 12, None)])  # A's 3 March (UTC)
    embedded_days, split_days = (_rollup_days(side) for side in sides)
    assert split_days == embedded_days
    b_days = {day for site, _, day in split_days if site == sides[1].b.id}
    a_days = {day for site, _, day in split_days if site == sides[1].a.id}
    assert b_days == {date(2026, 3, 1), date(2026, 3, 3)} and a_days == {date(2026, 3, 1), date(2026, 3, 2)}


def test_retain_moves_retained_from_in_the_accounts_database_and_deletes_only_events(sides):
    deleted = []
    for side in sides:
        side.store.write_batch(_records(side.a, side.b))
        deleted.append(side.store.retain(side.a, date(2026, 3, 2), datetime(2026, 3, 2), NOW))
        with side.accounts.reading() as cur:
            assert cur.execute("SELECT retained_from FROM sites WHERE id = ?", [side.a.id]).fetchone() == (
                date(2026, 3, 2),
            )
    assert deleted[1] == deleted[0] == {"pageviews": 2, "events": 0, "ecommerce_events": 0, "goal_completions": 1}
    assert _events(sides[1]) == _events(sides[0])
    assert _rollup_days(sides[1]) == _rollup_days(sides[0]) != []

    # The retained days are final on the split side too: a late write into 1 March leaves its rollups be.
    for side in sides:
        late = Records()
        late.rows["pageviews"].append(_pageview("p0", side.a.id, "v5", "/old", datetime(2026, 3, 1, 8, 0)))
        side.store.write_batch(late)
    assert _rollup_days(sides[1]) == _rollup_days(sides[0])
    assert (sides[1].a.id, "traffic", date(2026, 3, 1)) in _rollup_days(sides[1])


def test_a_timezone_change_drops_the_sites_rollups_through_the_store_after_the_accounts_commit(sides):
    for side in sides:
        side.store.write_batch(_records(side.a, side.b))
        _build(side)
        moved = save_site(side.accounts, side.store, side.b, timezone="America/New_York")
        assert moved.timezone == "America/New_York"
    embedded_days, split_days = (_rollup_days(side) for side in sides)
    assert split_days == embedded_days
    assert {site for site, _, _ in split_days} == {sides[1].a.id}  # B's days all forgotten, A's kept


def test_delete_events_reads_the_sites_from_the_accounts_side(sides):
    for side in sides:
        side.store.write_batch(_records(side.a, side.b))
        _build(side)
        side.store.delete_events([side.b.id])
    assert _events(sides[1]) == _events(sides[0])
    assert _rollup_days(sides[1]) == _rollup_days(sides[0])
    assert {site for site, _, _ in _rollup_days(sides[1])} == {sides[1].a.id}


@pytest.mark.parametrize("table", ["pageviews", "goal_completions"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_takes_the_domains_as_values(sides, table, fmt):
    """stats/exports.py's rows carry the domain handed over by parse_export, not a JOIN of `sites`."""
    texts = []
    for side in sides:
        side.store.write_batch(_records(side.a, side.b))
        page = parse_export(table, {"from": "2026-03-01", "to": "2026-03-03"}, [side.a, side.b], now=NOW)
        with side.events.reading() as cur:
            texts.append(ULID.sub("<id>", "".join(export_text(cur, page, fmt))))  # new ids for completions
    assert texts[1] == texts[0]
    assert texts[1].count("a.example") == (4 if table == "pageviews" else 1)
    assert texts[1].count("b.example") == (2 if table == "pageviews" else 0)


@pytest.mark.parametrize("raw", [False, True], ids=["rollups", "raw"])
def test_goal_conversions_take_the_goals_as_values(sides, raw):
    """rollup_sql's goal_conversions combine lists the goals passed in, zeros included, without `goals`."""
    answers = []
    for side in sides:
        side.store.write_batch(_records(side.a, side.b))
        with side.accounts.reading() as cur:
            extra = goals.create_goal(cur, side.b.id, "Never", "event", {"event_name": "never"})
            listed = goals.list_goals(cur, [side.a.id, side.b.id])
        assert extra.id in {g.id for g in listed}
        query = Query((side.a, side.b), "custom", FIRST, LAST, NOW)
        with side.events.reading() as cur:
            if raw:
                with rollups.raw_only():
                    rows = side.store.run_report(query, "goal_conversions", cur=cur, **goal_params(listed))
            else:
                rows = side.store.run_report(query, "goal_conversions", cur=cur, **goal_params(listed))
        answers.append(sorted((r["goal_id"] == side.goal.id, r["completions"], r["visitors"]) for r in rows))
    assert answers[1] == answers[0] == [(False, 0, 0), (True, 1, 1)]
    with sides[1].events.reading() as cur:  # without the goals handed over: those with completions only
        query = Query((sides[1].a, sides[1].b), "custom", FIRST, LAST, NOW)
        rows = sides[1].store.run_report(query, "goal_conversions", cur=cur)
    assert rows == [{"goal_id": sides[1].goal.id, "completions": 1, "visitors": 1}]


def _accounts_rows(side: Side) -> dict[str, list[tuple]]:
    with side.accounts.reading() as cur:
        return {
            "sites": cur.execute("SELECT domain, retained_from FROM sites ORDER BY domain").fetchall(),
            "goals": cur.execute("SELECT id FROM goals ORDER BY id").fetchall(),
        }


@pytest.mark.parametrize("kind", ["remove", "reset"])
def test_a_site_removal_apart_deletes_what_the_embedded_one_does(sides, kind):
    """deletion.py with the event store on another database: the store's delete, then the accounts."""
    attach(sides[1].accounts, sides[1].store)
    assert not sides[1].store.shares_accounts() and store_of(sides[0].accounts).shares_accounts()
    removed = []
    for side in sides:
        side.store.write_batch(_records(side.a, side.b))
        _build(side)
        side.store.retain(side.b, date(2026, 3, 2), datetime(2026, 3, 1, 23), NOW)
        act = deletion.remove_site if kind == "remove" else deletion.reset_site
        removed.append(act(side.accounts, side.a))
    assert removed[1].rows == removed[0].rows
    assert removed[1].rows["pageviews"] == 4 and removed[1].rows["goal_completions"] == 1
    assert _events(sides[1]) == _events(sides[0])
    assert _rollup_days(sides[1]) == _rollup_days(sides[0])
    assert {site for site, _, _ in _rollup_days(sides[1])} == {sides[1].b.id}
    assert _accounts_rows(sides[1]) == _accounts_rows(sides[0])
    assert [d for d, _ in _accounts_rows(sides[1])["sites"]] == (
        ["b.example"] if kind == "remove" else ["a.example", "b.example"]
    )


def test_rows_the_writer_commits_during_a_removal_apart_are_deleted_after_it(sides):
    """The writer still sees the site until the accounts transaction commits: its rows of that moment go
    in the delete after the commit, and a batch after it is dropped. No row of the removed site is left."""
    split = sides[1]
    attach(split.accounts, split.store)
    split.store.write_batch(_records(split.a, split.b))
    calls = []

    def plan(cur, store):
        calls.append(1)
        if len(calls) == 2:  # the accounts transaction is open and the site not yet deleted
            during = Records()
            during.rows["pageviews"].append(_pageview("p9", split.a.id, "v4", "/during", datetime(2026, 3, 4, 9)))
            split.store.write_batch(during)
            assert _rows(split, "SELECT id FROM pageviews WHERE id = 'p9'") == [("p9",)]
        return deletion.plan_site_removal(cur, split.a, store)

    removal = deletion.execute(split.accounts, plan)
    assert len(calls) == 2
    assert removal.rows["pageviews"] == 5 and removal.rows["sites"] == 1
    after = Records()
    after.rows["pageviews"].append(_pageview("p10", split.a.id, "v4", "/after", datetime(2026, 3, 4, 10)))
    split.store.write_batch(after)
    for table in ("pageviews", "goal_completions"):
        assert _rows(split, f"SELECT count(*) FROM {table} WHERE site_id = '{split.a.id}'") == [(0,)]
    assert _rows(split, "SELECT count(*) FROM pageviews") == [(2,)]  # B's two


def test_the_event_store_runs_with_its_accounts_in_postgresql(pg_url, tmp_path):
    """The same split with the accounts in a real PostgreSQL (PgDatabase): the values the event side takes
    are read there, retained_from is written there, and a removal deletes there and in the event file."""
    pg = PgDatabase(pg_url)
    events = Database(tmp_path / "events.duckdb")
    try:
        with pg.transaction() as cur:
            tenant = accounts.create_tenant(cur, "t", "T")
            a = accounts.create_site(cur, tenant, "a.example")
            b = accounts.create_site(cur, tenant, "b.example", timezone="Europe/Berlin")
            goal = goals.create_goal(cur, a.id, "Pricing", "url", {"path": "/pricing"})
        with events.transaction() as cur:
            for table in ACCOUNT_TABLES:
                cur.execute(f"DROP TABLE {table}")
        store = attach(pg, DuckDBEventStore(events, accounts=pg))
        side = Side(pg, events, store, a, b, goal)
        store.write_batch(_records(a, b))
        assert [r[0] for r in _events(side)["pageviews"]] == ["p1", "p2", "p3", "p4", "q1", "q2"]
        assert [r[:2] for r in _events(side)["goal_completions"]] == [(goal.id, a.id)]

        _build(side)
        late = Records()
        late.rows["pageviews"].append(_pageview("q3", b.id, "v6", "/late", datetime(2026, 3, 1, 23, 45)))
        store.write_batch(late)  # 2 March in Berlin
        assert {day for site, _, day in _rollup_days(side) if site == b.id} == {date(2026, 3, 1), date(2026, 3, 3)}

        assert store.retain(a, date(2026, 3, 2), datetime(2026, 3, 2), NOW)["pageviews"] == 2
        with pg.reading() as cur:
            assert cur.execute("SELECT retained_from FROM sites WHERE id = ?", [a.id]).fetchone() == (date(2026, 3, 2),)

        save_site(pg, store, b, timezone="America/New_York")
        assert {site for site, _, _ in _rollup_days(side)} == {a.id}

        page = parse_export("pageviews", {"from": "2026-03-01", "to": "2026-03-03"}, [a, b], now=NOW)
        with events.reading() as cur:
            text = "".join(export_text(cur, page, "csv"))
        assert text.count("a.example") == 2 and text.count("b.example") == 3

        removal = deletion.remove_site(pg, a)
        assert removal.rows["pageviews"] == 2 and removal.rows["sites"] == 1 and removal.rows["goals"] == 1
        assert _rows(side, f"SELECT count(*) FROM pageviews WHERE site_id = '{a.id}'") == [(0,)]
        with pg.reading() as cur:
            assert [s.domain for s in accounts.list_sites(cur)] == ["b.example"]
    finally:
        events.close()
        pg.close()
