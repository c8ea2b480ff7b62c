"""A tiny hand-made dataset for the dashboard's browser tests, with its numbers worked out by hand.

Times are relative to the real clock because the server under test uses it. All sites are
in UTC. Rows go straight into the tables (the stats engine reads them like imported rows).

example.com, inside the last 7 days:
  visitor a: one session 2 days ago, "/" (30 s, from google) then "/pricing" (60 s)
  visitor b: one session 2 days ago, "/" (10 s, direct)                    -> bounce
  visitor c: one session 3 days ago, "/<script>alert(1)</script>" (0 s, from t.co) -> bounce
example.com, 20 days ago (inside 30d, outside 7d):
  visitor d: one session, "/pricing" (20 s) then "/docs" (40 s)
blog.example: visitor e, one pageview "/hello" 1 day ago.

7d:  visitors 3, pageviews 4, sessions 3, bounces 2 -> 66.7 %, avg duration (90+10+0)/3 = 33 s
30d: visitors 4, pageviews 6, sessions 4, bounces 2 -> 50.0 %, avg duration (90+10+0+60)/4 = 40 s
7d filtered to page /pricing: visitors 1, pageviews 1
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from clearanalytics import accounts
from clearanalytics.db import Database, new_id, utcnow

XSS_PATH = "/<script>alert(1)</script>"

# (domain, visitor, days ago, hour, minute, pathname, duration, referrer, source, channel, browser, os, device)
ROWS = (
    ("example.com", "a", 2, 10, 0, "/", 30, "https://google.com/", "google", "organic", "Chrome", "Windows", "desktop"),
    ("example.com", "a", 2, 10, 2, "/pricing", 60, None, "direct", "direct", "Chrome", "Windows", "desktop"),
    ("example.com", "b", 2, 11, 0, "/", 10, None, "direct", "direct", "Firefox", "Linux", "desktop"),
    ("example.com", "c", 3, 12, 0, XSS_PATH, 0, "https://t.co/x", "social", "social", "Safari", "iOS", "mobile"),
    ("example.com", "d", 20, 9, 0, "/pricing", 20, None, "direct", "direct", "Firefox", "Linux", "desktop"),
    ("example.com", "d", 20, 9, 3, "/docs", 40, None, "direct", "direct", "Firefox", "Linux", "desktop"),
    ("blog.example", "e", 1, 8, 0, "/hello", 5, None, "direct", "direct", "Chrome", "Android", "mobile"),
)  # fmt: skip


def load(data_dir: Path) -> None:
    """Add blog.example to tenant acme (made by make_account) and write the pageviews."""
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    db = Database.in_data_dir(data_dir)
    try:
        with db.transaction() as cur:
            tenant = accounts.require_tenant(cur, "acme")
            if accounts.get_site(cur, "blog.example") is None:
                accounts.create_site(cur, tenant, "blog.example")
            for domain, visitor, days, hour, minute, path, duration, ref, source, channel, br, os_, dev in ROWS:
                site = accounts.get_site(cur, domain)
                cur.execute(
                    "INSERT INTO pageviews (id, site_id, visitor_hash, session_hash, hostname, pathname, referrer,"
                    " referrer_source, channel, browser, os, device_type, language, duration, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'en', ?, ?)",
                    [new_id(), site.id, visitor, visitor + "-1", domain, path, ref, source, channel, br, os_, dev,
                     duration, today - timedelta(days=days, hours=-hour, minutes=-minute)],
                )  # fmt: skip
    finally:
        db.close()
