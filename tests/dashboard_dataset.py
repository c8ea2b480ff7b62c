"""A tiny hand-made dataset for the dashboard's browser tests, imported with `clearanalytics import`.

The lines go through the real ingest pipeline (user agents, referrers, salted visitor
hashes, sessions), and the numbers below are worked out by hand. Times are relative to the
real clock because the server under test uses it; both sites are in UTC.

example.com, inside the last 7 days:
  visitor a (Chrome, Windows): one session 2 days ago, "/" (30 s, from google) then "/pricing" (60 s)
  visitor b (Firefox, Linux):  one session 2 days ago, "/" (10 s, direct)                      -> bounce
  visitor c (Safari, iOS):     one session 3 days ago, "/<script>alert(1)</script>" (0 s, t.co) -> bounce
example.com, 20 days ago (inside 30d, outside 7d):
  visitor d (Firefox, Linux):  one session, "/pricing" (20 s) then "/docs" (40 s)
  visitor a also walks the shop funnel at 10:03 (view_item, add_to_cart, begin_checkout) and buys
  one "Pro plan" for EUR 49.90 (transaction T-1).
blog.example: visitor e, one pageview "/hello" (5 s) 1 day ago.

7d:  visitors 3, pageviews 4, sessions 3, bounces 2 -> 66.7 %, avg duration (90+10+0)/3 = 33 s
30d: visitors 4, pageviews 6, sessions 4, bounces 2 -> 50.0 %, avg duration (90+10+0+60)/4 = 40 s
7d filtered to page /pricing: visitors 1, pageviews 1
7d e-commerce: revenue 49.90, 1 transaction, order value 49.90, conversion 1 of 3 visitors = 33.3 %;
  funnel 1, 1, 1, 1 with 0.0 % drop-off; revenue by source: google 49.90 (a's session came from google).
A goal "/pricing" (exact) backfills 2 completions; in 7d it has 1 completion by 1 of 3 visitors: 33.3 %.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from clearanalytics.db import utcnow
from tests.conftest import run_cli

XSS_PATH = "/<script>alert(1)</script>"
AGENTS = {
    "chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1",
}
# (domain, ip, agent, days ago, hour, minute, pathname, engaged seconds, referrer)
LINES = (
    ("example.com", "10.0.0.1", "chrome", 2, 10, 0, "/", 30, "https://www.google.com/"),
    ("example.com", "10.0.0.1", "chrome", 2, 10, 2, "/pricing", 60, None),
    ("example.com", "10.0.0.2", "firefox", 2, 11, 0, "/", 10, None),
    ("example.com", "10.0.0.3", "safari", 3, 12, 0, XSS_PATH, 0, "https://t.co/x"),
    ("example.com", "10.0.0.4", "firefox", 20, 9, 0, "/pricing", 20, None),
    ("example.com", "10.0.0.4", "firefox", 20, 9, 3, "/docs", 40, None),
    ("blog.example", "10.0.0.5", "chrome", 1, 8, 0, "/hello", 5, None),
)


def load(data_dir: Path) -> None:
    """Add blog.example to tenant acme (made by make_account) and import the pageviews."""
    assert run_cli("site", "add", "--data-dir", data_dir, "--tenant", "acme", "blog.example").exit_code == 0
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for domain, ip, agent, days, hour, minute, path, seconds, referrer in LINES:
        moment = today - timedelta(days=days) + timedelta(hours=hour, minutes=minute)
        rows.append(
            {
                "name": "pageview",
                "url": f"https://{domain}{path}",
                "domain": domain,
                "referrer": referrer,
                "language": "en-GB",
                "timestamp": moment.isoformat() + "Z",
                "ip": ip,
                "user_agent": AGENTS[agent],
                "duration": seconds,
            }
        )
    shop_time = today - timedelta(days=2) + timedelta(hours=10, minutes=3)
    item = {"item_id": "PRO", "item_name": "Pro plan", "price": 49.90, "quantity": 1}
    for step, second in (("view_item", 0), ("add_to_cart", 10), ("begin_checkout", 20), ("purchase", 30)):
        ecommerce = {"items": [item]}
        if step == "purchase":
            ecommerce |= {"transaction_id": "T-1", "value": 49.90, "currency": "EUR"}
        rows.append(
            {
                "name": step,
                "url": "https://example.com/pricing",
                "domain": "example.com",
                "timestamp": (shop_time + timedelta(seconds=second)).isoformat() + "Z",
                "ip": "10.0.0.1",
                "user_agent": AGENTS["chrome"],
                "ecommerce": ecommerce,
            }
        )
    path = data_dir.parent / "dashboard-dataset.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_cli("import", "--data-dir", data_dir, path)
    assert result.exit_code == 0 and "accepted 11, dropped 0, bad lines 0" in result.output, result.output
