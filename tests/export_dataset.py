"""The export tests' data set: two tenants' rows seeded straight into DuckDB, and their expected exports.

`seed_exports` inserts rows through DuckDB's read_json (executemany takes seconds for 10k
rows); `expected_json` and `expected_csv` encode a seeded row the way the exports must,
written here independently of the export code; `walk_jsonl` and `walk_csv` follow the
cursor over every page as the reference's Python example does.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import requests
from conftest import Account, make_account, run_cli
from ulid import ULID

from clearanalytics.db import Database

BIG = 10_050  # acme pageviews in the default range: more than one default page of 10000


# --- seeding --------------------------------------------------------------------------------


def insert_rows(data_dir: Path, table: str, rows: list[dict]) -> None:
    """Bulk-insert dicts through a JSONL file (DuckDB's executemany is far too slow for 10k rows)."""
    path = data_dir / f"seed-{table}.jsonl"
    with path.open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row, default=str) + "\n")
    db = Database.in_data_dir(data_dir)
    try:
        with db.transaction() as cur:
            types = cur.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
            columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in types) + "}"
            cur.execute(
                f"INSERT INTO {table} BY NAME "
                f"SELECT * FROM read_json(?, format='newline_delimited', columns={columns})",
                [str(path)],
            )
    finally:
        db.close()
    path.unlink()


def site_ids(data_dir: Path) -> dict[str, str]:
    db = Database.in_data_dir(data_dir)
    try:
        with db.reading() as cur:
            return dict(cur.execute("SELECT domain, id FROM sites").fetchall())
    finally:
        db.close()


def ulid_at(moment: datetime) -> str:
    return str(ULID.from_datetime(moment.replace(tzinfo=UTC)))


# [5/7] item 1: where the visitor was, picked by row number (the generator's draws stay as they were);
# a city that needs CSV quoting, and one a spreadsheet would run
LOCATIONS = [("DE", "DE-BY", "Munich"), (None, None, None), ("US", None, "Washington, D.C."), ("FR", None, None),
             ("JP", "JP-13", "=Tokyo")]  # fmt: skip
FORMULAS = ["=1+2", "+SUM(A1)", "-3+4", "@cmd", "\tTabbed", "\rCarriage"]
TRICKY = 'say "hi", then\nnew line'


def pageview(rng: random.Random, site_id: str, moment: datetime, i: int) -> dict:
    row = {
        "id": ulid_at(moment),
        "site_id": site_id,
        "visitor_hash": f"v{rng.randrange(500):04d}",
        "session_hash": f"s{rng.randrange(2000):05d}",
        "hostname": "www.example.com",
        "pathname": rng.choice(["/", "/pricing", "/blog/a", "/signup"]),
        "referrer": rng.choice([None, "google.com", "twitter.com"]),
        "referrer_source": rng.choice(["direct", "google", "social"]),
        "channel": rng.choice(["direct", "organic", "social"]),
        "utm_source": rng.choice([None, "newsletter"]),
        "utm_medium": rng.choice([None, "email"]),
        "utm_campaign": None,
        "utm_term": None,
        "utm_content": None,
        "ref": None,
        "browser": rng.choice(["Chrome", "Safari", "Firefox"]),
        "os": rng.choice(["macOS", "Windows", "Android"]),
        "device_type": rng.choice(["desktop", "mobile", "tablet"]),
        "language": rng.choice([None, "en", "de", "nl"]),
        "duration": rng.randrange(0, 600),
        "scroll_depth": rng.choice([None, 25, 100]),
        "created_at": moment,
    }
    row |= dict(zip(("country_code", "region", "city"), LOCATIONS[i % len(LOCATIONS)], strict=True))  # not drawn
    if i % 97 == 0:  # cells a spreadsheet would run, and text that needs CSV quoting
        row["utm_campaign"] = FORMULAS[(i // 97) % len(FORMULAS)]
        row["utm_term"] = TRICKY
        row["pathname"] = "/=not-a-formula"
    return row


@dataclass
class Seeded:
    data_dir: Path
    acme: Account
    globex: Account
    now: datetime
    rows: dict[str, list[dict]]  # table -> every seeded row, both tenants
    domains: dict[str, str]  # site_id -> domain
    tenant_sites: dict[str, set[str]]  # tenant slug -> site ids


def seed_exports(data_dir: Path, pageviews: int = BIG) -> Seeded:
    """Two tenants (acme: example.com in UTC and shop.example.org in New York; globex) and rows.

    `pageviews` recent acme pageviews (plus globex's and some old ones); the default is more
    than one default page of 10000, smaller sets serve tests that need not walk that far.
    """
    acme = make_account(data_dir)
    assert run_cli("site", "add", "shop.example.org", "--data-dir", data_dir, "--tenant", "acme",
                   "--timezone", "America/New_York").exit_code == 0  # fmt: skip
    globex = make_account(data_dir, tenant="globex", site="globex.test", email="boss@globex.test")
    ids = site_ids(data_dir)
    ex, shop, glx = ids["example.com"], ids["shop.example.org"], ids["globex.test"]
    rng = random.Random(7)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rows: dict[str, list[dict]] = {t: [] for t in ("pageviews", "goals", "goal_completions", "ecommerce_events")}

    # Pageviews in the last ~20 days, interleaved across tenants, plus some 40 to 60 days old.
    for i in range(pageviews):
        moment = now - timedelta(days=2, seconds=i * 150)
        rows["pageviews"].append(pageview(rng, ex if i % 3 else shop, moment, i))
        if i % 250 == 0:
            rows["pageviews"].append(pageview(rng, glx, moment + timedelta(milliseconds=1), i))
    for i in range(12):
        rows["pageviews"].append(pageview(rng, ex, now - timedelta(days=40 + i), i + 1))

    goal_specs = [
        (ex, "Signup Page Visit", "url", {"match_type": "exact", "path": "/signup"}, True),
        (shop, "=Purchase goal", "event", {"event_name": "purchase"}, True),
        (ex, "Old goal", "url", {"match_type": "prefix", "path": "/blog"}, False),
        (glx, "Globex goal", "url", {"match_type": "exact", "path": "/"}, True),
    ]
    for n, (site_id, name, kind, config, active) in enumerate(goal_specs):
        created = now - timedelta(days=90 - n)
        rows["goals"].append({"id": ulid_at(created), "site_id": site_id, "name": name, "type": kind,
                              "config": json.dumps(config), "is_active": active, "created_at": created,
                              "updated_at": created + timedelta(hours=n)})  # fmt: skip
    goal_ids = {g["site_id"]: g["id"] for g in reversed(rows["goals"])}
    for i in range(37):
        site_id = [ex, shop, glx][i % 3]
        moment = now - timedelta(days=1, minutes=17 * i)
        rows["goal_completions"].append({"id": ulid_at(moment), "goal_id": goal_ids[site_id], "site_id": site_id,
                                         "visitor_hash": f"v{i:04d}", "session_hash": None if i % 4 else f"s{i}",
                                         "pageview_id": None if i % 5 == 0 else ulid_at(moment),
                                         "event_id": None, "created_at": moment})  # fmt: skip

    for i in range(29):
        site_id = [ex, shop, glx, ex][i % 4]
        moment = now - timedelta(days=3, minutes=31 * i)
        kind = ["view_item", "add_to_cart", "begin_checkout", "purchase"][i % 4]
        items = [{"item_id": f"SKU-{i}", "item_name": "=Pro Plan" if i % 2 else "Pro, \"Annual\"",
                  "price": 49.99, "quantity": 1 + i % 3, "colour": "ignored"}]  # fmt: skip
        if i % 7 == 0:
            items.append({"item_name": "Gift card", "price": "10", "quantity": 2.5})
        rows["ecommerce_events"].append({
            "id": ulid_at(moment), "site_id": site_id, "visitor_hash": f"v{i:04d}", "session_hash": f"s{i}",
            "pageview_id": ulid_at(moment) if i % 2 else None, "event_type": kind,
            "transaction_id": f"TXN-{i:03d}" if kind == "purchase" else None,
            "value": None if kind == "view_item" else str(Decimal("49.99") * (1 + i % 3)),
            "currency": None if kind == "view_item" else ("USD" if i % 8 == 3 else "EUR"),
            "items": json.dumps(items), "in_site_currency": i % 8 != 3, "created_at": moment,
        })  # fmt: skip

    rows["events"] = custom_events(ex, shop, glx, now)
    for table, table_rows in rows.items():
        insert_rows(data_dir, table, table_rows)
    domains = {v: k for k, v in ids.items()}
    return Seeded(data_dir, acme, globex, now, rows, domains, {"acme": {ex, shop}, "globex": {glx}})


EVENT_PROPS = [
    {},
    {"plan": "pro", "seats": 3},
    {"note": TRICKY, "formula": "=1+2", "city": "Zürich", "nested": {"a": [1, 2]}},
    {"url": "https://example.com/file.pdf?x=1", "ok": True, "none": None},
]


def custom_events(ex: str, shop: str, glx: str, now: datetime) -> list[dict]:
    """31 custom events over the three sites, every 41 minutes back from a day ago, and 3 of 45 days ago:
    names and props that CSV must quote or neutralise, non-ASCII text, nested props, no pageview."""
    out = []
    for i in range(34):
        site_id = [ex, shop, glx][i % 3]
        moment = now - (timedelta(days=45 + i - 31) if i >= 31 else timedelta(days=1, minutes=41 * i))
        out.append({"id": ulid_at(moment), "site_id": site_id, "visitor_hash": f"v{i:04d}", "session_hash": f"s{i}",
                    "pageview_id": None if i % 4 == 0 else ulid_at(moment - timedelta(seconds=5)),
                    "name": ["Signup", "=Download", "Outbound Link: Click", "Café, \"quoted\""][i % 4],
                    "hostname": "www.example.com", "pathname": ["/", "/pricing", "/=odd"][i % 3],
                    "props": json.dumps(EVENT_PROPS[i % len(EVENT_PROPS)], ensure_ascii=i % 2 == 0),
                    "created_at": moment})  # fmt: skip
    return out


# --- the expected output, computed independently --------------------------------------------

COLUMNS = {
    "pageviews": ["id", "domain", "visitor_hash", "session_hash", "hostname", "pathname", "referrer",
                  "referrer_source", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term",
                  "utm_content", "ref", "browser", "os", "device_type", "language", "duration", "scroll_depth",
                  "country_code", "region", "city", "created_at"],
    "goals": ["id", "domain", "name", "type", "config", "is_active", "created_at", "updated_at"],
    "goal_completions": ["id", "domain", "goal_id", "visitor_hash", "session_hash", "pageview_id", "created_at"],
    "ecommerce_events": ["id", "domain", "visitor_hash", "session_hash", "pageview_id", "event_type",
                         "transaction_id", "value", "currency", "in_site_currency", "items", "created_at"],
    "events": ["id", "domain", "visitor_hash", "session_hash", "pageview_id", "name", "hostname", "pathname",
               "props", "created_at"],
}  # fmt: skip


def expected_items(text: str) -> list[dict]:
    out = []
    for item in json.loads(text):
        quantity = item.get("quantity")
        out.append({
            "item_id": item.get("item_id"),
            "item_name": item.get("item_name"),
            "price": float(item["price"]) if "price" in item else None,
            "quantity": quantity if isinstance(quantity, int) else None,
        })  # fmt: skip
    return out


def expected_json(seeded: Seeded, table: str, row: dict) -> dict:
    out = {}
    for name in COLUMNS[table]:
        value = seeded.domains[row["site_id"]] if name == "domain" else row[name]
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif name in ("config", "props"):
            value = json.loads(value)
        elif name == "items":
            value = expected_items(value)
        elif name == "value" and value is not None:
            value = float(value)
        out[name] = value
    return out


def expected_csv(seeded: Seeded, table: str, row: dict) -> list[str]:
    cells = []
    for name, value in expected_json(seeded, table, row).items():
        if value is None:
            cell = ""
        elif isinstance(value, bool):
            cell = "true" if value else "false"
        elif isinstance(value, dict | list):
            cell = json.dumps(value, separators=(",", ":"), ensure_ascii=False)  # as the exports write JSON
        elif name == "value":
            cell = f"{value:.2f}"
        else:
            cell = str(value)
            if isinstance(value, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                cell = "'" + cell
        cells.append(cell)
    return cells


def in_default_range(seeded: Seeded, row: dict) -> bool:
    """From 30 days ago to today, in the row's site's timezone (all seeded rows are well inside or out)."""
    return row["created_at"] >= seeded.now - timedelta(days=30)


def expected_rows(seeded: Seeded, table: str, tenant: str, keep=None) -> list[dict]:
    keep = keep or (lambda row: table == "goals" or in_default_range(seeded, row))
    rows = [r for r in seeded.rows[table] if r["site_id"] in seeded.tenant_sites[tenant] and keep(r)]
    return sorted(rows, key=lambda r: r["id"])


# The export walks make hundreds of requests: far over the default 60 a minute per token.
RATE_LIMIT_ENV = {"CLEARANALYTICS_RATE_LIMIT": "100000/minute"}


# --- HTTP helpers --------------------------------------------------------------


def get(server, token: str, path: str, **params) -> requests.Response:
    return requests.get(
        f"{server.url}/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def walk_jsonl(server, token: str, route: str, **params) -> tuple[list[dict], list[int]]:
    """Follow the cursor as the reference's Python example does; return all rows and the page sizes."""
    rows: list[dict] = []
    sizes: list[int] = []
    cursor = None
    limit = int(params.get("limit", 10000))
    while True:
        query = dict(params, format="jsonl") | ({"cursor": cursor} if cursor else {})
        response = get(server, token, f"/export/{route}", **query)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/x-ndjson")
        page = [json.loads(line) for line in response.text.splitlines()]
        assert response.text == "" or response.text.endswith("\n")
        sizes.append(len(page))
        rows += page
        if len(page) < limit:
            return rows, sizes
        cursor = page[-1]["id"]


def walk_csv(server, token: str, route: str, **params) -> tuple[list[str], list[list[str]], list[int]]:
    header: list[str] | None = None
    rows: list[list[str]] = []
    sizes: list[int] = []
    cursor = None
    limit = int(params.get("limit", 10000))
    while True:
        query = dict(params, format="csv") | ({"cursor": cursor} if cursor else {})
        response = get(server, token, f"/export/{route}", **query)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/csv")
        body = response.content.decode("utf-8")
        assert body.endswith("\r\n")
        parsed = list(csv.reader(io.StringIO(body, newline="")))
        assert header is None or parsed[0] == header
        header, page = parsed[0], parsed[1:]
        sizes.append(len(page))
        rows += page
        if len(page) < limit:
            return header, rows, sizes
        cursor = page[-1][0]


ROUTES = {"pageviews": "pageviews", "goals": "goals", "goal_completions": "goal-completions",
          "ecommerce_events": "ecommerce-events", "events": "events"}  # fmt: skip
