"""The open days' rows follow the commits piece by piece: a write recomputes only the (site, day, kind) it touched.

Right after a batch of live traffic for one site, a report must not read every site's today and
yesterday from raw events again (issue [3/7] item 3). Each write notes what it touched; a kept piece
(site, local day, table) stays until a write touches it. Answers must stay equal to raw events
after every kind of write: a new pageview today, an engagement update of yesterday, a goal
completion, a write to another site, and a timezone change.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench import generate
from clearanalytics import accounts, site_settings, stats
from clearanalytics.db import Database
from clearanalytics.ingest.store import Records, insert_rows, write_records
from clearanalytics.stats import rollup_plan, rollup_sql, rollups
from clearanalytics.stats.rollup_cache import CACHE, _normal


@pytest.fixture
def db(tmp_path):
    data_dir = tmp_path / "data"
    generate.generate(data_dir, 4_000, seed=5, memory_limit="500MB")
    database = Database.in_data_dir(data_dir)
    yield database
    database.close()


def _answers(cur, sites) -> dict[str, list]:
    query = stats.parse_query({"period": "30d"}, sites, now=generate.NOW)
    fast = {name: stats.run(name, cur, query) for name in stats.REPORTS}
    with rollups.raw_only():
        raw = {name: stats.run(name, cur, query) for name in stats.REPORTS}
    assert fast == raw
    return fast


def _kept(db, sites, table="totals", report="overview") -> dict[tuple[str, str], bool]:
    """Which open (site domain, 'today'/'yesterday') pieces of `table` are kept, as `report` reads it."""
    combine = rollup_sql.COMBINE[report]
    shape = (_normal(db.path), table, combine.dimension if table == "dims" else None, table in combine.light)
    kept = {}
    for site in sites:
        today = rollups.today_in(site, generate.NOW)
        for label, day in (("today", today), ("yesterday", today - timedelta(days=1))):
            kept[(site.domain, label)] = CACHE.piece(shape + (site.id, day), rollup_sql.TABLE_KIND[table]) is not None
    return kept


def _a_pageview_like(cur, site, hours_ago: float) -> list:
    row = cur.execute(
        "SELECT * FROM pageviews WHERE site_id = ? AND created_at < ? ORDER BY created_at DESC LIMIT 1",
        [site.id, generate.NOW - timedelta(hours=hours_ago)],
    ).fetchone()
    return list(row)


def _commit_copy(db, row: list, name: str, created_at=None, *, through_store: bool = False) -> None:
    """Commit a copy of pageview `row` with new ids (`name`-pv, -visitor, -session), a minute before
    the dataset's now unless `created_at` is given: in one transaction, or as the ingest writer does."""
    from clearanalytics.storage import store_of

    copy = list(row)
    copy[0], copy[2], copy[3] = f"{name}-pv", f"{name}-visitor", f"{name}-session"
    copy[-1] = created_at or generate.NOW - timedelta(minutes=1)
    records = Records()
    records.rows["pageviews"].append(tuple(copy))
    if through_store:
        store_of(db).write_batch(records)
        return
    with db.transaction() as cur:
        write_records(cur, records)


def test_a_pageview_today_recomputes_that_site_today_only(db):
    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        before = _answers(cur, sites)
        assert all(_kept(db, sites).values())
        sample = _a_pageview_like(cur, sites[0], hours_ago=0.1)
    sample[0], sample[2], sample[3] = "piece-pv", "piece-visitor", "piece-session"
    sample[-1] = generate.NOW - timedelta(minutes=1)  # created_at
    records = Records()
    records.rows["pageviews"].append(tuple(sample))
    with db.transaction() as cur:
        write_records(cur, records)
    kept = _kept(db, sites)
    assert kept.pop((sites[0].domain, "today")) is False
    assert all(kept.values()), kept  # yesterday of that site and both days of the others stay
    with db.reading() as cur:
        after = _answers(cur, sites)
    assert after["overview"]["pageviews"] == before["overview"]["pageviews"] + 1
    assert after["overview"]["visitors"] == before["overview"]["visitors"] + 1


def test_an_engagement_update_of_yesterday_recomputes_yesterday(db):
    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        before = _answers(cur, sites)
        for site in sites:  # a site with a pageview yesterday (local)
            today = rollups.today_in(site, generate.NOW)
            yesterday = rollup_plan.site_range(
                site.id, site.timezone, today - timedelta(days=1), today - timedelta(days=1)
            )
            found = cur.execute(
                "SELECT id FROM pageviews WHERE site_id = ? AND created_at >= ? AND created_at < ? LIMIT 1",
                [site.id, yesterday.start, yesterday.end],
            ).fetchone()
            if found:
                pid = found[0]
                break
    with db.transaction() as cur:
        write_records(cur, Records(updates=[(pid, 5_000_000, 90)]))
    kept = _kept(db, sites)
    assert kept.pop((site.domain, "yesterday")) is False
    assert all(kept.values()), kept
    with db.reading() as cur:
        after = _answers(cur, sites)
    assert after["overview"] != before["overview"]  # the longer visit moved the mean duration


def test_a_goal_completion_keeps_the_traffic_pieces_and_a_timezone_change_drops_the_site(db):
    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        before = _answers(cur, sites)
        completion = list(cur.execute("SELECT * FROM goal_completions ORDER BY created_at DESC LIMIT 1").fetchone())
    site = next(s for s in sites if s.id == completion[2])
    completion[0], completion[3] = "piece-completion", "piece-visitor"  # hashes are per day: a new visitor
    completion[-1] = generate.NOW - timedelta(minutes=2)
    with db.transaction() as cur:
        insert_rows(cur, "goal_completions", [tuple(completion)])
    assert all(_kept(db, sites).values())  # traffic pieces: a goal completion is not traffic
    goals_kept = _kept(db, sites, "goals", "goal_conversions")
    assert goals_kept.pop((site.domain, "today")) is False
    assert all(goals_kept.values()), goals_kept
    with db.reading() as cur:
        after = _answers(cur, sites)
    assert sum(r["completions"] for r in after["goals"]) == sum(r["completions"] for r in before["goals"]) + 1

    with db.transaction() as cur:
        site_settings.update_site(cur, site, timezone="Pacific/Auckland")
    kept = _kept(db, sites)
    assert not kept[(site.domain, "today")] and not kept[(site.domain, "yesterday")]
    with db.reading() as cur:
        _answers(cur, accounts.list_sites(cur))  # the site's local days moved: equal to raw again


def _kept_answer(db, sites, params, report="overview") -> bool:
    query = stats.parse_query(params, sites, now=generate.NOW)
    split = rollups.plan(query)
    key = (_normal(db.path), report, split.closed, split.open, query.limit, ())
    kinds = tuple(sorted({rollup_sql.TABLE_KIND[t] for t in rollup_sql.COMBINE[report].tables}))
    return CACHE.answer(key, [(s.id, query.date_from, query.date_to) for s in sites], kinds) is not None


def test_a_whole_answer_is_kept_until_a_write_touches_its_days(db):
    """A past period (the comparison of every 30d/12m report) keeps its answer through live traffic;
    the current period's is read again after the write touches today."""
    past, current = {"from": "2025-10-01", "to": "2025-12-31"}, {"period": "30d"}
    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        before = {k: stats.run("overview", cur, stats.parse_query(p, sites, now=generate.NOW)) for k, p in
                  (("past", past), ("current", current))}  # fmt: skip
        assert _kept_answer(db, sites, past) and _kept_answer(db, sites, current)
        sample = _a_pageview_like(cur, sites[0], hours_ago=0.1)
    sample[0], sample[2], sample[3] = "answer-pv", "answer-visitor", "answer-session"
    sample[-1] = generate.NOW - timedelta(minutes=1)
    records = Records()
    records.rows["pageviews"].append(tuple(sample))
    with db.transaction() as cur:
        write_records(cur, records)
    assert _kept_answer(db, sites, past) and not _kept_answer(db, sites, current)
    with db.reading() as cur:
        after = _answers(cur, sites)  # 30d, equal to raw events
        assert stats.run("overview", cur, stats.parse_query(past, sites, now=generate.NOW)) == before["past"]
    assert after["overview"]["pageviews"] == before["current"]["pageviews"] + 1


def test_a_live_batch_keeps_the_closed_days_known_complete_and_a_closed_day_write_does_not(db):
    """A live batch writes only days after the last built one: no stored row changes, so the next
    report skips the completeness check (rollup_build.missing) instead of redoing it after every
    commit. A write into a built (closed) day still makes every range be checked again."""
    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        _answers(cur, sites)
        sample = _a_pageview_like(cur, sites[0], hours_ago=0.1)
        old = _a_pageview_like(cur, sites[0], hours_ago=24 * 10)
    generation = CACHE.generation
    _commit_copy(db, sample, "live")
    assert CACHE.generation == generation
    with db.reading() as cur:
        _answers(cur, sites)  # equal to raw events, with today's new pageview
    _commit_copy(db, old, "closed", created_at=old[-1])
    assert CACHE.generation > generation
    with db.reading() as cur:
        _answers(cur, sites)


def test_a_period_inside_one_found_complete_is_not_checked_again_until_a_closed_day_inside_it_is_written(
    db, monkeypatch
):
    """Once the last 90 days were found complete, "the last 7 days" or 1-14 of a month inside them read the
    rollups without asking rollup_build.missing again; a period reaching before them is checked. A write
    into a closed day inside the 90 days makes every period be checked again, and counted with the write."""
    from clearanalytics.stats import rollup_build

    checked: list[tuple] = []
    real = rollup_build.missing

    def counted(conn, split, *args, **kwargs):
        checked.append(split)
        return real(conn, split, *args, **kwargs)

    monkeypatch.setattr(rollup_build, "missing", counted)

    def visitors(cur, sites, params: dict) -> int:
        query = stats.parse_query(params, sites, now=generate.NOW)
        found = stats.run("overview", cur, query)
        with rollups.raw_only():
            assert stats.run("overview", cur, query) == found  # equal to raw events, whatever was skipped
        return found["pageviews"]

    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        today = max(rollups.today_in(site, generate.NOW) for site in sites)
        inside = {"from": (today - timedelta(days=40)).isoformat(), "to": (today - timedelta(days=27)).isoformat()}
        visitors(cur, sites, {"period": "90d"})
        checked.clear()
        visitors(cur, sites, {"period": "7d"})
        before = visitors(cur, sites, inside)
        assert checked == []  # both inside the 90 days found complete: no completeness check
        visitors(cur, sites, {"period": "12m"})
        assert len(checked) >= 1  # reaches before them: checked
        old = _a_pageview_like(cur, sites[0], hours_ago=24 * 30)
    generation = CACHE.generation
    _commit_copy(db, old, "inside", created_at=old[-1])
    assert CACHE.generation > generation
    checked.clear()
    with db.reading() as cur:
        assert visitors(cur, sites, inside) == before + 1  # the new pageview, 30 days ago, is counted
    assert len(checked) >= 1


def test_an_erased_site_leaves_no_recent_answer_behind(db):
    """A recent answer may be handed out while another request computes the fresh one; never one of a
    site whose stats were reset or removed (invalidate_site drops them at once)."""
    from clearanalytics.stats.rollups import RECENT_SECONDS

    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        query = stats.parse_query({"period": "30d"}, sites, now=generate.NOW)
        one = stats.parse_query({"period": "30d"}, sites[1:2], now=generate.NOW)
        stats.run("pages", cur, query)
        stats.run("pages", cur, one)
    mine = _normal(db.path)
    keys = [k for k in CACHE._answers if k[:2] == (mine, "pages")]
    assert len(keys) == 2
    assert all(CACHE.recent_answer(k, RECENT_SECONDS) is not None for k in keys)
    with db.transaction() as cur:
        CACHE.invalidate_site(cur, sites[0].id)
    left = [k for k in CACHE._answers if k[:2] == (mine, "pages")]
    assert len(left) == 1 and CACHE.recent_answer(left[0], RECENT_SECONDS) is not None  # the other site's stays
    assert all(span[0] != sites[0].id for span in left[0][2])


def test_a_committed_batch_reads_again_the_open_pieces_reports_read_since_the_last_refresh(db):
    """The ingest writer's commit (EventStore.write_batch) reads a stale open piece again at once, so the
    report right after it finds today already read; a shape not read since its last refresh is left
    stale, so a dashboard loaded once costs one refresh, not one per batch."""
    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        _answers(cur, sites)
        sample = _a_pageview_like(cur, sites[0], hours_ago=0.1)

    def commit(n: int) -> None:
        _commit_copy(db, sample, f"refresh-{n}", through_store=True)

    commit(1)
    assert all(_kept(db, sites).values())  # today of the first site was read again by the commit
    with db.reading() as cur:
        after = _answers(cur, sites)  # equal to raw events
    commit(2)  # read since the refresh (the _answers above): refreshed again
    assert all(_kept(db, sites).values())
    commit(3)  # nothing read since: left for the next report to read
    assert _kept(db, sites)[(sites[0].domain, "today")] is False
    with db.reading() as cur:
        last = _answers(cur, sites)
    assert last["overview"]["pageviews"] == after["overview"]["pageviews"] + 2


def test_a_batch_with_no_report_read_lately_reads_nothing_again(db):
    from clearanalytics.stats.rollup_cache import CACHE as cache

    with db.reading() as cur:
        sites = accounts.list_sites(cur)
    assert cache.stale_pieces(_normal(db.path), rollups.READ_RECENTLY_SECONDS) == {}
    assert rollups.refresh_open_pieces(db) == 0
    del sites


def test_a_failing_refresh_is_logged_and_the_batch_is_stored_once(db, caplog):
    """The refresh runs after the batch committed: whatever fails in it is logged, and write_batch
    returns normally, so the ingest writer never counts the batch as failed and writes it again."""
    with db.reading() as cur:
        sites = accounts.list_sites(cur)
        _answers(cur, sites)
        sample = _a_pageview_like(cur, sites[0], hours_ago=0.1)
        before = cur.execute("SELECT count(*) FROM pageviews").fetchone()[0]
    broken = (_normal(db.path), "no_such_table", None, False)
    CACHE.note_read(broken, "overview", [(sites[0].id, sites[0].timezone, rollups.today_in(sites[0], generate.NOW))])
    try:
        _commit_copy(db, sample, "failing-refresh", through_store=True)
    finally:
        del CACHE._reads[broken]
    with db.reading() as cur:
        assert cur.execute("SELECT count(*) FROM pageviews").fetchone()[0] == before + 1
    assert "reading the open days again after a commit failed" in caplog.text
