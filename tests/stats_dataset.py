"""A small, deterministic analytics dataset for the stats tests: two tenants, three sites, three timezones.

`build()` first generates raw tracker traffic (seeded, so every run is identical): who (IP and
user agent), when, which URL, which referrer, engaged seconds, custom and e-commerce events.
It then derives the stored rows by hand-written rules, the way docs/TRACKING.md says ingest
does: browser/os/device from a table of known user agents, referrer host/source/channel from a
table of known referrers, a visitor = site + IP + user agent + the site's local day (daily
salts), a session = a visitor's events with gaps under 30 minutes. The tests compute their
expected numbers from these rows in plain Python (tests/stats_expected.py).

Two ways to load it: `load()` inserts the derived rows directly; `import_lines()` gives the raw
traffic as `clearanalytics import` JSONL, so that the same expectations check the whole path.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from clearanalytics import accounts
from clearanalytics.db import Database

NOW = datetime(2026, 2, 18, 15, 30)  # naive UTC: 10:30 in New York, 00:30 on the 19th in Tokyo
FIRST_DAY = datetime(2026, 1, 4)
DAYS = 46
SESSION_GAP = timedelta(minutes=30)


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
# User agent -> (browser, os, device_type), as ua-parser names them (after ingest's short names).
AGENTS = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36", ("Chrome", "Windows", "desktop")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.2 Mobile/15E148 Safari/604.1", ("Safari", "iOS", "mobile")),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", ("Firefox", "Linux", "desktop")),
    ("Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
     "Mobile/15E148 Safari/604.1", ("Safari", "iOS", "tablet")),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile "
     "Safari/537.36", ("Chrome", "Android", "mobile")),
)  # fmt: skip
LANGUAGES = (("en-US", "en"), ("de-DE", "de"), ("nl", "nl"), (None, None))
# (referrer URL, (utm_source, utm_medium, utm_campaign)) -> (referrer host, referrer_source, channel)
REFERRERS = (
    ((None, (None, None, None)), (None, "direct", "direct")),
    (("https://www.google.com/search", (None, None, None)), ("google.com", "google", "organic")),
    (("https://t.co/abc", (None, None, None)), ("t.co", "social", "social")),
    (("https://blog.friend.example/post", (None, None, None)), ("blog.friend.example", "referral", "referral")),
    ((None, ("newsletter", "email", "feb-2026")), (None, "email", "email")),
    (("https://www.google.com/", ("google", "cpc", "brand")), ("google.com", "google", "paid")),
)
PRODUCTS = (("SKU-1", "Mug", "12.50"), ("SKU-2", "T-Shirt", "25.00"), ("SKU-3", "Poster", "9.99"))
STEPS = ("view_item", "add_to_cart", "begin_checkout", "purchase")


@dataclass
class Dataset:
    sites: dict[str, dict] = field(default_factory=dict)  # domain -> {id, tenant, domain, timezone, currency}
    raw: list[dict] = field(default_factory=list)  # the tracker's view: one dict per event sent
    pageviews: list[dict] = field(default_factory=list)  # the derived rows, keyed by table column
    events: list[dict] = field(default_factory=list)
    ecommerce: list[dict] = field(default_factory=list)
    goals: list[dict] = field(default_factory=list)
    completions: list[dict] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # tenant slug -> token with every ability


def build(seed: int = 20260218) -> Dataset:
    rng = random.Random(seed)
    data = Dataset()
    for site_no, spec in enumerate(SITES):
        data.sites[spec.domain] = {"id": f"site-{spec.domain}", "tenant": spec.tenant, "domain": spec.domain,
                                   "timezone": spec.timezone, "currency": spec.currency}  # fmt: skip
        data.goals += [
            {"id": f"goal-{spec.domain}-signup", "site_id": f"site-{spec.domain}", "name": "Signup Page Visit",
             "type": "url", "config": {"match_type": "exact", "path": "/signup"}},
            {"id": f"goal-{spec.domain}-click", "site_id": f"site-{spec.domain}", "name": "CTA Click",
             "type": "event", "config": {"event_name": "cta_click"}},
        ]  # fmt: skip
        for day in range(DAYS):
            for person in range(rng.randint(1, 5)):
                _person(rng, data, spec, f"10.{site_no}.{day}.{person}", FIRST_DAY + timedelta(days=day))
    data.raw.sort(key=lambda r: (r["timestamp"], r["seq"]))
    _locate(data)
    _derive(data)
    return data


def _person(rng: random.Random, data: Dataset, spec: SiteSpec, ip: str, day: datetime) -> None:
    """One person's visits on one UTC day: one or two bursts of pageviews, maybe an event or a purchase."""
    agent = rng.randrange(len(AGENTS))
    language = rng.choice(LANGUAGES)[0]
    moment = day + timedelta(minutes=rng.randrange(0, 22 * 60), seconds=rng.randrange(60))
    for _visit in range(rng.choice((1, 1, 2))):
        (referrer, utm), _ = rng.choice(REFERRERS)
        previous_url = None
        for page_no in range(rng.choice((1, 1, 2, 3, 4))):
            path = rng.choice(PATHS)
            query = "&".join(f"{k}={v}" for k, v in zip(("utm_source", "utm_medium", "utm_campaign"), utm, strict=True)
                             if v and page_no == 0)  # fmt: skip
            url = f"https://{spec.domain}{path}" + (f"?{query}" if query else "")
            _send(data, spec, ip, agent, moment, name="pageview", url=url, language=language,
                  referrer=referrer if page_no == 0 else previous_url,
                  duration=(duration := rng.choice((0, 5, 12, 30, 61, 90, 240))),
                  scroll_depth=None if duration == 0 else min(100, 20 + duration // 3))  # fmt: skip
            previous_url = url
            moment += timedelta(minutes=rng.randint(1, 9), seconds=rng.randrange(60))
        if rng.random() < 0.2:
            _send(
                data,
                spec,
                ip,
                agent,
                moment,
                name="cta_click",
                url=previous_url,
                language=language,
                props=_props(ip, agent, previous_url),
            )
            moment += timedelta(seconds=20)
        if rng.random() < 0.35:
            items = [
                {"item_id": sku, "item_name": name, "price": float(price), "quantity": rng.randint(1, 3)}
                for sku, name, price in rng.sample(PRODUCTS, rng.randint(1, 2))
            ]
            value = sum(Decimal(str(i["price"])) * i["quantity"] for i in items)
            for step in STEPS[: rng.randint(1, 4)]:
                moment += timedelta(seconds=30)
                commerce = {"items": items}
                if step == "purchase":
                    currency = "JPY" if rng.random() < 0.15 else spec.currency
                    commerce |= {"transaction_id": f"T-{ip}-{moment:%H%M%S}", "value": float(value),
                                 "currency": currency}  # fmt: skip
                _send(data, spec, ip, agent, moment, name=step, url=previous_url, language=language,
                      ecommerce=commerce)  # fmt: skip
        moment += timedelta(minutes=rng.choice((10, 25, 45, 90)))


PLANS = ("free", "pro", "team")


def _props(ip: str, agent: int, url: str) -> dict[str, str]:
    """A CTA click's custom properties, varied without drawing from the generator (the rest stays as it was):
    a plan for every click, a position (its name with a slash and a tilde) for even agents only."""
    props = {"plan": PLANS[(int(ip.split(".")[2]) + agent) % len(PLANS)]}
    if agent % 2 == 0:
        props["cta/position~"] = "header" if url.rstrip("/").count("/") == 2 else "footer"
    return props


def _send(data: Dataset, spec: SiteSpec, ip: str, agent: int, moment: datetime, **payload) -> None:
    if moment > NOW:
        return
    line = {"domain": spec.domain, "timestamp": moment, "ip": ip, "user_agent": AGENTS[agent][0], **payload}
    data.raw.append({k: v for k, v in line.items() if v is not None} | {"seq": len(data.raw)})


# Where visitors are ([5/7] item 1), given on the import lines explicitly (their 10.x IPs look up to nothing):
# (country_code, region, city), a country alone, a region without a city, a city without a region, and None:
# no location keys on the line at all (an unknown location).
LOCATIONS = (
    ("DE", "DE-BY", "Munich"), ("DE", "DE-BE", "Berlin"), ("US", "US-CA", "San Francisco"),
    ("US", "US-NY", "New York"), ("FR", None, None), ("JP", "JP-13", None), ("NL", None, "Amsterdam"),
    ("US", "US-CA", "Los Angeles"), None,
)  # fmt: skip


def _locate(data: Dataset) -> None:
    """Each person's pageview lines get a location picked from their IP, without drawing from the generator
    (the rest of the dataset stays as it was)."""
    for raw in data.raw:
        if raw["name"] != "pageview":
            continue
        _, site_no, day, person = (int(part) for part in raw["ip"].split("."))
        where = LOCATIONS[(day * 3 + person * 5 + site_no) % len(LOCATIONS)]
        if where is not None:
            raw.update({k: v for k, v in zip(("country_code", "region", "city"), where, strict=True) if v})


def _derive(data: Dataset) -> None:
    """The stored rows, by the documented ingest rules (hand tables, no ingest code)."""
    agents = dict(AGENTS)
    agent_no = {ua: n for n, (ua, _) in enumerate(AGENTS)}
    referrers = {(url, utm): derived for (url, utm), derived in REFERRERS}
    languages = dict(LANGUAGES)
    last_seen: dict[str, datetime] = {}
    session_of: dict[str, str] = {}
    counter = defaultdict(int)
    for raw in data.raw:
        site = data.sites[raw["domain"]]
        moment: datetime = raw["timestamp"]
        local_day = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(site["timezone"])).date()
        visitor = f"{raw['domain']}|{raw['ip']}|agent{agent_no[raw['user_agent']]}|{local_day}"
        if visitor not in last_seen or moment - last_seen[visitor] >= SESSION_GAP:
            counter[visitor] += 1
            session_of[visitor] = f"{visitor}#{counter[visitor]}"
        last_seen[visitor] = moment
        common = {"site_id": site["id"], "visitor_hash": visitor, "session_hash": session_of[visitor]}
        name = raw["name"]
        row_id = f"{name[:2]}{raw['seq']:06d}"
        path = raw["url"].split("://", 1)[1].split("/", 1)[1].split("?")[0]
        path = "/" + path
        if name == "pageview":
            utm = dict(p.split("=") for p in raw["url"].partition("?")[2].split("&") if p)
            utm_triple = (utm.get("utm_source"), utm.get("utm_medium"), utm.get("utm_campaign"))
            internal = raw.get("referrer", "").startswith(f"https://{raw['domain']}/")
            host, source, channel = (None, "direct", "direct") if internal else referrers[
                (raw.get("referrer"), utm_triple)]  # fmt: skip
            browser, os_name, device = agents[raw["user_agent"]]
            row = common | {
                "id": row_id, "hostname": raw["domain"], "pathname": path, "referrer": host,
                "referrer_source": source, "channel": channel, "utm_source": utm_triple[0],
                "utm_medium": utm_triple[1], "utm_campaign": utm_triple[2], "browser": browser, "os": os_name,
                "device_type": device, "language": languages[raw.get("language")], "duration": raw["duration"],
                "scroll_depth": raw.get("scroll_depth"),
                "country_code": raw.get("country_code"), "region": raw.get("region"), "city": raw.get("city"),
                "created_at": moment,
            }  # fmt: skip
            data.pageviews.append(row)
            if path == "/signup":
                data.completions.append(_completion(f"goal-{raw['domain']}-signup", row, row_id))
        elif name == "cta_click":
            row = common | {"id": row_id, "pageview_id": None, "name": name, "hostname": raw["domain"],
                            "pathname": path, "props": json.dumps(raw.get("props", {}), ensure_ascii=False),
                            "created_at": moment}  # fmt: skip
            data.events.append(row)
            data.completions.append(_completion(f"goal-{raw['domain']}-click", row, None))
        else:
            commerce = raw["ecommerce"]
            currency = commerce.get("currency")
            data.ecommerce.append(
                common | {"id": row_id, "pageview_id": None, "event_type": name,
                          "transaction_id": commerce.get("transaction_id"),
                          "value": Decimal(str(commerce["value"])) if "value" in commerce else None,
                          "currency": currency, "items": json.dumps(commerce["items"]),
                          "in_site_currency": currency in (None, site["currency"]), "created_at": moment}
            )  # fmt: skip


def _completion(goal_id: str, row: dict, pageview_id: str | None) -> dict:
    return {"id": "gc" + row["id"], "goal_id": goal_id, "site_id": row["site_id"], "visitor_hash": row["visitor_hash"],
            "session_hash": row["session_hash"], "pageview_id": pageview_id, "event_id": None if pageview_id else
            row["id"], "created_at": row["created_at"]}  # fmt: skip


def import_lines(data: Dataset) -> list[str]:
    """The raw traffic as `clearanalytics import` JSONL (timestamps in ISO 8601 UTC)."""
    lines = []
    for raw in data.raw:
        line = {k: v for k, v in raw.items() if k != "seq"}
        line["timestamp"] = raw["timestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(json.dumps(line))
    return lines


def load_accounts(data_dir: Path, data: Dataset) -> None:
    """Tenants, owners, tokens (into `data.tokens`), the sites with their timezones, and the goals."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database.in_data_dir(data_dir)
    try:
        fill_accounts(db, data)
    finally:
        db.close()


def fill_accounts(db, data: Dataset) -> None:
    """load_accounts into an open accounts database (the DuckDB file's, or a PgDatabase)."""
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
                "INSERT INTO sites (id, tenant_id, domain, timezone, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [site["id"], tenants[site["tenant"]].id, site["domain"], site["timezone"], site["currency"], NOW],
            )
        for goal in data.goals:
            cur.execute(
                "INSERT INTO goals VALUES (?, ?, ?, ?, ?, TRUE, ?, ?)",
                [goal["id"], goal["site_id"], goal["name"], goal["type"], json.dumps(goal["config"]), NOW, NOW],
            )


def load(data_dir: Path, data: Dataset) -> Dataset:
    """Accounts plus the derived rows inserted directly (no ingest involved)."""
    load_accounts(data_dir, data)
    db = Database.in_data_dir(data_dir)
    try:
        with db.transaction() as cur:
            _insert(cur, "pageviews", data.pageviews)
            _insert(cur, "events", data.events)
            _insert(cur, "ecommerce_events", data.ecommerce)
            _insert(cur, "goal_completions", data.completions)
    finally:
        db.close()
    return data


def _insert(cur, table: str, rows: list[dict]) -> None:
    """One INSERT per table, each column bound as a list (executemany is row by row in DuckDB)."""
    if not rows:
        return
    types = dict(
        cur.execute(
            f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{table}'"
        ).fetchall()
    )
    columns = list(rows[0])
    select = ", ".join(f"unnest(${c}::{types[c]}[]) AS {c}" for c in columns)
    cur.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select}", {c: [row[c] for row in rows] for c in columns}
    )
