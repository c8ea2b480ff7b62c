"""The quickstart demo spans exactly its 90 days ([6/7] defect 1): it used to generate 91, so the 90d view
compared 90 days with one and showed "+16102.5%". Its 90d key figures now say "new", not a percentage."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from clearanalytics import accounts
from clearanalytics.cli import database
from clearanalytics.cli.admin import ensure_account
from clearanalytics.cli.serve import QUICKSTART
from clearanalytics.demo import generate, load_demo
from clearanalytics.stats import comparison
from clearanalytics.stats.query import parse_query

NOW = datetime(2026, 6, 20, 12, 0)


def test_the_demo_lines_span_ninety_days_ending_today():
    days = {datetime.fromisoformat(line["timestamp"]).date() for line in generate("demo.example", now=NOW)}
    assert min(days) == date(2026, 6, 20) - timedelta(days=89)
    assert max(days) == date(2026, 6, 20)
    assert len(days) == 90


def test_the_90d_view_of_the_demo_has_no_previous_data_to_compare(tmp_path):
    data_dir = tmp_path / "data"
    ensure_account(data_dir, password=secrets.token_urlsafe(12), **QUICKSTART)
    with database(data_dir) as db:
        load_demo(db, QUICKSTART["site"], now=NOW)
        with db.reading() as cur:
            site = accounts.get_site(cur, QUICKSTART["site"])
            query = parse_query({"period": "90d"}, [site], now=NOW)
            found = comparison.coverage(cur, query)
    assert found == {"unit": "day", "buckets": 90, "with_data": 90, "previous_with_data": 0, "comparable": False}
