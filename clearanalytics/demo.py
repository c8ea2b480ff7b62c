"""Demo traffic: ~90 days of plausible visits for the quickstart site, fed through the importer.

Deterministic (seeded) so screenshots and docs stay stable. Visits follow a weekly rhythm,
a slow growth trend and a daytime curve; they come from search, social, newsletters, paid
campaigns and referrals, on a mix of browsers and devices, read a few pages, sometimes sign
up and sometimes buy. Nothing here is real: each visitor's IP is a made-up address in a block the
Regional Internet Registries assign to the visitor's country (demo_locations.py), and the lines name
the region and city themselves, as an import line may.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from clearanalytics.demo_locations import locate

_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
_SAFARI = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
USER_AGENTS = [  # (weight, user agent)
    (30, f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/131.0.0.0 Safari/537.36"),
    (12, f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {_SAFARI} Version/17.6 Safari/605.1.15"),
    (8, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    (7, f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"),
    (20, f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) {_SAFARI} Version/17.1 Mobile/15E148 Safari/604.1"),
    (15, f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {_WEBKIT} Chrome/131.0.6778.104 Mobile Safari/537.36"),
    (4, f"Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) {_SAFARI} Version/17.1 Mobile/15E148 Safari/604.1"),
    (4, f"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) {_WEBKIT} SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile "
        "Safari/537.36"),
]  # fmt: skip

SOURCES = [  # (weight, referrer, landing query)
    (30, "", ""),
    (28, "https://www.google.com/", ""),
    (5, "https://duckduckgo.com/", ""),
    (4, "https://www.bing.com/", ""),
    (5, "https://t.co/x1", ""),
    (4, "https://news.ycombinator.com/item?id=4242", ""),
    (3, "https://www.reddit.com/r/selfhosted/", ""),
    (3, "https://www.linkedin.com/feed/", ""),
    (6, "", "?utm_source=newsletter&utm_medium=email&utm_campaign=monthly-digest"),
    (6, "https://www.google.com/", "?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale&utm_term=analytics"),
    (3, "https://blog.partner.example/best-tools", "?ref=partner"),
    (3, "https://t.co/x2", "?utm_source=twitter&utm_medium=social&utm_campaign=launch"),
]

LANGUAGES = [(50, "en-US"), (12, "en-GB"), (14, "de-DE"), (9, "fr-FR"), (8, "nl-NL"), (7, "es-ES")]
BLOG = ["/blog/privacy-first-analytics", "/blog/cookieless-tracking", "/blog/duckdb-for-analytics",
        "/blog/self-hosting-guide", "/blog/gdpr-checklist", "/blog/release-notes"]  # fmt: skip
PRODUCTS = [
    ("sku-starter", "Starter plan", 19.0),
    ("sku-team", "Team plan", 49.0),
    ("sku-business", "Business plan", 129.0),
]
LANDINGS = [(30, "/"), (14, "/pricing"), (10, "/features"), (24, "BLOG"), (8, "/docs"), (6, "/docs/getting-started"),
            (8, "PRODUCT")]  # fmt: skip
NEXT_PAGES = ["/", "/pricing", "/features", "/docs", "/docs/getting-started", "/signup", "/about", "BLOG", "PRODUCT"]

CTA_PAGES = ("/", "/pricing", "/features")
CTA_POSITIONS = [(50, "hero"), (30, "header"), (20, "footer")]
OUTBOUND = [(30, "https://github.com/clearanalytics/clearanalytics"), (20, "https://duckdb.org/docs/"),
            (15, "https://clickhouse.com/docs"), (15, "https://gdpr.eu/cookies/"),
            (10, "https://news.ycombinator.com/item?id=4242"),
            (10, "https://www.reddit.com/r/selfhosted/")]  # fmt: skip
DOWNLOAD_PAGES = ("/docs", "/docs/getting-started", "/pricing", *BLOG)
DOWNLOADS = [(40, "/downloads/clearanalytics-whitepaper.pdf"), (30, "/downloads/clearanalytics-1.4.0.zip"),
             (20, "/downloads/pricing-sheet.pdf"), (10, "/downloads/gdpr-checklist.pdf")]  # fmt: skip
MISSING = ["/old-pricing", "/blog/2019/launch", "/docs/v1/install", "/careers"]

DEMO_GOALS = [
    ("Signed up", "event", {"event_name": "signup"}),
    ("Visited pricing", "url", {"match_type": "exact", "path": "/pricing"}),
    ("Read the blog", "url", {"match_type": "wildcard", "path": "/blog/*"}),
]


def _pick(rng: random.Random, weighted: list[tuple]) -> Any:
    total = sum(w[0] for w in weighted)
    x = rng.uniform(0, total)
    for item in weighted:
        x -= item[0]
        if x <= 0:
            return item[1:] if len(item) > 2 else item[1]
    return weighted[-1][1:] if len(weighted[-1]) > 2 else weighted[-1][1]


def _page(rng: random.Random, path: str) -> str:
    if path == "BLOG":
        return rng.choice(BLOG)
    if path == "PRODUCT":
        return "/products/" + rng.choice(PRODUCTS)[0]
    return path


def generate(domain: str, days: int = 90, visits_per_day: int = 200, seed: int = 7, now: datetime | None = None
             ) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Import lines (dicts) for `days` days up to `now`, in no particular order."""
    rng = random.Random(seed)
    extra = random.Random(seed * 7919 + 1)  # the panels added later draw apart, so the older lines stay as they were
    now = (now or datetime.now(UTC).replace(tzinfo=None)).replace(microsecond=0)
    order = itertools.count(1)
    for day_offset in range(days - 1, -1, -1):
        day_start = (now - timedelta(days=day_offset)).replace(hour=0, minute=0, second=0)
        weekday = day_start.weekday()
        growth = 0.6 + 0.4 * (days - day_offset) / max(days, 1)
        volume = visits_per_day * growth * (0.7 if weekday >= 5 else 1.0)
        for _ in range(int(rng.gauss(volume, volume * 0.1))):
            hour = min(23.99, max(0.0, rng.gauss(14, 4)))
            start = day_start + timedelta(hours=hour, seconds=rng.randint(0, 59))
            if start > now:
                continue
            yield from _visit(rng, extra, domain, start, now, order, str(day_offset))
    # A few visitors on the site right now, whatever the hour, so the realtime panel is never empty.
    for n in range(extra.randint(4, 9)):
        start = now - timedelta(minutes=extra.randint(1, 29), seconds=extra.randint(0, 59))
        yield from _visit(extra, extra, domain, start, now, order, f"live{n}")


def _visit(rng: random.Random, extra: random.Random, domain: str, start: datetime, now: datetime,
           order: Iterator[int], day_key: str) -> Iterator[dict[str, Any]]:  # fmt: skip
    """One visitor's pages from `start` (none after `now`), with what they did on them."""
    base = f"https://{domain}"
    octets = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))  # the draws of the former 10.x IPs
    ua = _pick(rng, USER_AGENTS)
    referrer, query = _pick(rng, SOURCES)
    language = _pick(rng, LANGUAGES)
    ip, location = locate(language, *octets)
    common = {"domain": domain, "ip": ip, "user_agent": ua, **location}
    path = _page(rng, _pick(rng, LANDINGS))
    ts = start
    pages = 1 + min(7, int(rng.expovariate(0.8)))
    for i in range(pages):
        duration = int(min(1800, rng.expovariate(1 / 45))) if rng.random() > 0.15 else 0
        yield {"name": "pageview", "url": base + path + (query if i == 0 else ""),
               "referrer": referrer if i == 0 else base + "/", "language": language,
               "timestamp": ts.isoformat(), "duration": duration,
               "scroll_depth": rng.choice([25, 50, 75, 100]), **common}  # fmt: skip
        key = f"{day_key}-{next(order)}"
        ts += timedelta(seconds=duration + rng.randint(3, 40))
        if ts > now:
            break
        yield from _actions(rng, base, path, ts, common, key)
        yield from panel_events(extra, base, path, ts, common, language)
        path = _page(rng, rng.choice(NEXT_PAGES))


def _actions(rng: random.Random, base: str, path: str, ts: datetime, common: dict, key: str) -> Iterator[dict]:
    """What a visitor does on a page besides reading it: sign up, shop (`panel_events` does the rest)."""
    if path == "/signup" and rng.random() < 0.35:
        yield {"name": "signup", "url": base + path, "timestamp": ts.isoformat(),
               "props": {"plan": rng.choice(["starter", "team", "business"])}, **common}  # fmt: skip
    if not path.startswith("/products/"):
        return
    sku = path.rsplit("/", 1)[1]
    item_id, item_name, price = next(p for p in PRODUCTS if p[0] == sku)
    item = {"item_id": item_id, "item_name": item_name, "price": price, "quantity": 1}
    url = base + path
    yield {"name": "view_item", "url": url, "timestamp": ts.isoformat(), **common,
           "ecommerce": {"value": price, "currency": "EUR", "items": [item]}}  # fmt: skip
    if rng.random() > 0.4:
        return
    ts += timedelta(seconds=rng.randint(5, 60))
    yield {"name": "add_to_cart", "url": url, "timestamp": ts.isoformat(), **common,
           "ecommerce": {"value": price, "currency": "EUR", "items": [item]}}  # fmt: skip
    if rng.random() > 0.6:
        return
    ts += timedelta(seconds=rng.randint(10, 120))
    yield {"name": "begin_checkout", "url": base + "/checkout", "timestamp": ts.isoformat(), **common,
           "ecommerce": {"value": price, "currency": "EUR", "items": [item]}}  # fmt: skip
    if rng.random() > 0.55:
        return
    ts += timedelta(seconds=rng.randint(30, 300))
    currency = "USD" if rng.random() < 0.08 else "EUR"
    yield {"name": "purchase", "url": base + "/thank-you", "timestamp": ts.isoformat(), **common,
           "ecommerce": {"transaction_id": f"DEMO-{key}", "value": price, "currency": currency,
                         "items": [item]}}  # fmt: skip


def panel_events(rng: random.Random, base: str, path: str, ts: datetime, common: dict, language: str
                 ) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Custom events the tracker's extensions send: CTA clicks, outbound links, downloads, broken links.

    A broken link is followed: its pageview (of a page that does not exist) and the `404` event the
    site's error page sends, as Plausible's 404 tracking does."""
    at = ts.isoformat()
    if path in CTA_PAGES and rng.random() < 0.12:
        yield {"name": "CTA Click", "url": base + path, "timestamp": at,
               "props": {"position": _pick(rng, CTA_POSITIONS)}, **common}  # fmt: skip
    if (path.startswith("/blog/") or path.startswith("/docs")) and rng.random() < 0.1:
        yield {"name": "Outbound Link: Click", "url": base + path, "timestamp": at,
               "props": {"url": _pick(rng, OUTBOUND)}, **common}  # fmt: skip
    if path in DOWNLOAD_PAGES and rng.random() < 0.08:
        yield {"name": "File Download", "url": base + path, "timestamp": at,
               "props": {"url": base + _pick(rng, DOWNLOADS)}, **common}  # fmt: skip
    if rng.random() < 0.01:
        missing = rng.choice(MISSING)
        at = (ts + timedelta(seconds=1)).isoformat()
        yield {"name": "pageview", "url": base + missing, "referrer": base + path, "language": language,
               "timestamp": at, "duration": rng.randint(2, 9), "scroll_depth": 100, **common}  # fmt: skip
        yield {"name": "404", "url": base + missing, "timestamp": at, "props": {"url": missing}, **common}


def load_demo(db, domain: str, **kwargs):
    """Create the demo goals (if missing) and import generated traffic for `domain`; returns the ImportReport."""
    from clearanalytics import accounts, goals
    from clearanalytics.ingest.importer import import_documents

    with db.transaction() as cur:
        site = accounts.get_site(cur, domain)
        if site is None:
            raise ValueError(f"no site {domain!r}")
        existing = {g.name for g in goals.list_goals(cur, [site.id])}
        for name, goal_type, config in DEMO_GOALS:
            if name not in existing:
                goals.create_goal(cur, site.id, name, goal_type, config)
    return import_documents(db, enumerate(generate(domain, **kwargs), 1), domain)
