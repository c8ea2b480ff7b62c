"""One goal's completions: newest first through widening windows, the total from the conversions report.

Checked against a plain Python reading of every completion row (sorted by created_at, then id, newest
first), for each goal, at limits that a one-day window fills, that need a week, a month or the whole
period, and past the total; for 24h, 30d, 12m and a closed custom range; through the API too.
"""

from __future__ import annotations

import pytest

from bench import generate
from clearanalytics import accounts, stats
from clearanalytics.db import Database
from clearanalytics.goals import get_goal, list_goals
from clearanalytics.stats import conversions
from clearanalytics.timefmt import iso_utc

PERIODS = ({"period": "24h"}, {"period": "30d"}, {"period": "12m"}, {"from": "2025-09-01", "to": "2025-11-30"})
LIMITS = ("1", "3", "20", "100")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("completions") / "data"
    generate.generate(data_dir, 40_000, seed=13, memory_limit="500MB")
    database = Database.in_data_dir(data_dir)
    yield database
    database.close()


def _expected(cur, query, goal) -> tuple[list[dict], int, object]:
    (site_range,) = query.ranges()
    rows = cur.execute(
        "SELECT id, goal_id, visitor_hash, pageview_id, created_at FROM goal_completions "
        "WHERE goal_id = ? AND created_at >= ? AND created_at < ?",
        [goal.id, site_range.start, site_range.end],
    ).fetchall()
    rows.sort(key=lambda r: (r[4], r[0]), reverse=True)
    page = [
        {"id": r[0], "goal_id": r[1], "visitor_hash": r[2], "pageview_id": r[3], "created_at": iso_utc(r[4])}
        for r in rows[: query.limit]
    ]
    oldest = rows[: query.limit][-1][4] if rows else None
    return page, len(rows), oldest and site_range.end - oldest


def test_newest_completions_equal_a_plain_sort_of_every_row(db):
    windows_used = set()
    with db.reading() as cur:
        sites = {s.id: s for s in accounts.list_sites(cur)}
        goals = list_goals(cur, list(sites))
        assert len(goals) >= 3
        checked = 0
        for goal in goals:
            for params in PERIODS:
                for limit in LIMITS:
                    query = stats.parse_query(params | {"limit": limit}, [sites[goal.site_id]], now=generate.NOW)
                    got = stats.goal_completions(cur, query, get_goal(cur, goal.id))
                    page, total, span = _expected(cur, query, goal)
                    assert got["meta"]["total"] == total, (goal.name, params, limit)
                    assert got["data"] == page, (goal.name, params, limit)
                    checked += total > 0
                    if page and len(page) < total:  # a full page: the window that holds it was enough
                        windows_used.add(next((w for w in conversions.NEWEST_WINDOWS if span <= w), None))
    assert checked > 20
    assert windows_used >= {*conversions.NEWEST_WINDOWS, None}  # every window, and the whole range, were needed
