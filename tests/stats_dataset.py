"""A small, deterministic analytics dataset for the stats tests: two tenants, three sites, three timezones.

`build()` generates the rows (seeded, so every run is identical) as plain dicts keyed by the
table columns; `load(data_dir)` writes accounts, goals and events into a real DuckDB file and
returns the tokens. The tests compute their expected numbers from `Dataset` in plain Python,
never through the engine's SQL.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from clearanalytics import accounts
from clearanalytics.db import Database

NOW = datetime(2026, 2, 18, 15, 30)  # naive UTC: 10:30 in New York, 00:30 on the 19th in Tokyo
FIRST_DAY = NOW - timedelta(days=45)


@dataclass(frozen=True)
class SiteSpec:
    tenant: str
    domain: str
    timezone: str
    currency: str


SITES = (
    SiteSpec("acme", "shop.example", "America/New_York", "EUR"),
    SiteSpec("acme", "blog.example", "Asia/Tokyo", "EUR"),
    SiteSpec("rival", "rival.example", "UTC", "USD"),
)
PATHS = ("/", "/pricing", "/blog/hello", "/signup", "/docs")
# (referrer URL, referrer_source, channel, utm_source, utm_medium, utm_campaign)
SOURCES = (
    (None, "direct", "direct", None, None, None),
    ("https://www.google.com/search", "google", "organic", None, None, None),
    ("https://t.co/abc", "social", "social", None, None, None),
    ("https://news.ycombinator.com/item", "referral", "referral", None, None, None),
    (None, "email", "email", "newsletter", "email", "feb-2026"),
    ("https://www.google.com/", "google", "paid", "google", "cpc", "brand"),
)
BROWSERS = (("Chrome", "Windows", "desktop"), ("Safari", "iOS", "mobile"), ("Firefox", "Linux", "desktop"),
            ("Safari", "iPadOS", "tablet"), ("Chrome", "Android", "mobile"))  # fmt: skip
LANGUAGES = ("en", "de", "nl", None)
PRODUCTS = (
    ("SKU-1", "Mug", Decimal("12.50")),
    ("SKU-2", "T-Shirt", Decimal("25.00")),
    ("SKU-3", "Poster", Decimal("9.99")),
)


@dataclass
class Dataset:
    sites: dict[str, dict] = field(default_factory=dict)  # domain -> site row (with id, timezone, currency)
    pageviews: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    ecommerce: list[dict] = field(default_factory=list)
    goals: list[dict] = field(default_factory=list)
    completions: list[dict] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # tenant slug -> token with every ability


def _counter():
    n = 0
    while True:
        n += 1
        yield n


def build(seed: int = 20260218) -> Dataset:
    rng = random.Random(seed)
    ids = _counter()
    data = Dataset()
    for spec in SITES:
        site_id = f"site-{spec.domain}"
        data.sites[spec.domain] = {
            "id": site_id,
            "tenant": spec.tenant,
            "domain": spec.domain,
            "timezone": spec.timezone,
            "currency": spec.currency,
        }
        signup = {"id": f"goal-{spec.domain}-signup", "site_id": site_id, "name": "Signup Page Visit", "type": "url",
                  "config": {"match_type": "exact", "path": "/signup"}}  # fmt: skip
        click = {"id": f"goal-{spec.domain}-click", "site_id": site_id, "name": "CTA Click", "type": "event",
                 "config": {"event_name": "cta_click"}}  # fmt: skip
        data.goals += [signup, click]
        transaction = _counter()
        for day in range(46):
            day_start = FIRST_DAY.replace(hour=0, minute=0) + timedelta(days=day)
            for visitor_no in range(rng.randint(1, 5)):
                visitor = f"{spec.domain}-d{day}-v{visitor_no}"
                browser, os_name, device = rng.choice(BROWSERS)
                language = rng.choice(LANGUAGES)
                for session_no in range(rng.choice((1, 1, 2))):
                    session = f"{visitor}-s{session_no}"
                    moment = day_start + timedelta(minutes=rng.randrange(0, 24 * 60 - 90) + session_no * 5)
                    if moment > NOW:
                        continue
                    referrer, source, channel, utm_source, utm_medium, utm_campaign = rng.choice(SOURCES)
                    first_pageview = None
                    for page_no in range(rng.choice((1, 1, 2, 3, 4))):
                        pageview = {
                            "id": f"pv{next(ids):06d}", "site_id": site_id, "visitor_hash": visitor,
                            "session_hash": session, "hostname": spec.domain, "pathname": rng.choice(PATHS),
                            "referrer": referrer if page_no == 0 else None,
                            "referrer_source": source if page_no == 0 else "direct",
                            "channel": channel if page_no == 0 else "direct",
                            "utm_source": utm_source if page_no == 0 else None,
                            "utm_medium": utm_medium if page_no == 0 else None,
                            "utm_campaign": utm_campaign if page_no == 0 else None,
                            "browser": browser, "os": os_name, "device_type": device, "language": language,
                            "duration": rng.choice((0, 5, 12, 30, 61, 90, 240)), "created_at": moment,
                        }  # fmt: skip
                        data.pageviews.append(pageview)
                        first_pageview = first_pageview or pageview
                        if pageview["pathname"] == "/signup":
                            data.completions.append(_completion(ids, signup, pageview, pageview["id"], None))
                        moment += timedelta(minutes=rng.randint(1, 9))
                    if rng.random() < 0.2:
                        event = {"id": f"ev{next(ids):06d}", "site_id": site_id, "visitor_hash": visitor,
                                 "session_hash": session, "pageview_id": first_pageview["id"], "name": "cta_click",
                                 "hostname": spec.domain, "pathname": first_pageview["pathname"], "props": "{}",
                                 "created_at": moment}  # fmt: skip
                        data.events.append(event)
                        data.completions.append(_completion(ids, click, event, None, event["id"]))
                    if rng.random() < 0.35:
                        _shop(rng, ids, transaction, data, spec, first_pageview, moment)
    return data


def _completion(ids, goal: dict, row: dict, pageview_id: str | None, event_id: str | None) -> dict:
    return {"id": f"gc{next(ids):06d}", "goal_id": goal["id"], "site_id": goal["site_id"],
            "visitor_hash": row["visitor_hash"], "session_hash": row["session_hash"], "pageview_id": pageview_id,
            "event_id": event_id, "created_at": row["created_at"]}  # fmt: skip


def _shop(rng, ids, transaction, data: Dataset, spec: SiteSpec, pageview: dict, moment: datetime) -> None:
    """Walk one session down the funnel, stopping at a random step; most purchases in the site currency."""
    items = [
        {"item_id": sku, "item_name": name, "price": float(price), "quantity": rng.randint(1, 3)}
        for sku, name, price in rng.sample(PRODUCTS, rng.randint(1, 2))
    ]
    value = sum(Decimal(str(i["price"])) * i["quantity"] for i in items)
    steps = ("view_item", "add_to_cart", "begin_checkout", "purchase")
    for step in steps[: rng.randint(1, 4)]:
        moment += timedelta(seconds=30)
        purchase = step == "purchase"
        foreign = purchase and rng.random() < 0.15
        data.ecommerce.append(
            {
                "id": f"ec{next(ids):06d}",
                "site_id": pageview["site_id"],
                "visitor_hash": pageview["visitor_hash"],
                "session_hash": pageview["session_hash"],
                "pageview_id": pageview["id"],
                "event_type": step,
                "transaction_id": f"T{next(transaction)}" if purchase else None,
                "value": value if purchase else None,
                "currency": ("JPY" if foreign else spec.currency) if purchase else None,
                "items": json.dumps(items),
                "in_site_currency": not foreign,
                "created_at": moment,
            }  # fmt: skip
        )


def load(data_dir: Path, data: Dataset) -> Dataset:
    """Write the dataset into a fresh data dir; fills `data.tokens` (one owner token per tenant)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database.in_data_dir(data_dir)
    try:
        with db.transaction() as cur:
            tenants = {}
            for slug in sorted({s["tenant"] for s in data.sites.values()}):
                tenant = accounts.create_tenant(cur, slug, slug.title())
                user = accounts.create_user(cur, f"owner@{slug}.test", "correct-horse-battery")
                accounts.set_membership(cur, tenant, user, "owner")
                tenants[slug] = tenant
                data.tokens[slug] = accounts.create_token(cur, tenant, user, "tests")[1]
            for site in data.sites.values():
                cur.execute(
                    "INSERT INTO sites VALUES (?, ?, ?, ?, ?, ?)",
                    [site["id"], tenants[site["tenant"]].id, site["domain"], site["timezone"], site["currency"], NOW],
                )
            for goal in data.goals:
                cur.execute(
                    "INSERT INTO goals VALUES (?, ?, ?, ?, ?, TRUE, ?, ?)",
                    [goal["id"], goal["site_id"], goal["name"], goal["type"], json.dumps(goal["config"]), NOW, NOW],
                )
            _insert(cur, "pageviews", data.pageviews)
            _insert(cur, "events", data.events)
            _insert(cur, "ecommerce_events", data.ecommerce)
            _insert(cur, "goal_completions", data.completions)
    finally:
        db.close()
    return data


def _insert(cur, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    placeholders = ", ".join("?" for _ in columns)
    cur.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
        [[row[c] for c in columns] for row in rows],
    )
