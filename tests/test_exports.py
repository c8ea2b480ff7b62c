"""Exports on a live server: cursor walks, CSV, formula neutralisation, isolation and validation.

Rows are inserted straight into the DuckDB file by `seed_exports` (until the importer is on
main), and every expected JSONL object and CSV cell is computed here in plain Python from
the seeded values, independently of the export code.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from conftest import Account, LiveServer, make_account, run_cli
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


def seed_exports(data_dir: Path) -> Seeded:
    """Two tenants (acme: example.com in UTC and shop.example.org in New York; globex) and rows."""
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
    for i in range(BIG):
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

    for table, table_rows in rows.items():
        insert_rows(data_dir, table, table_rows)
    domains = {v: k for k, v in ids.items()}
    return Seeded(data_dir, acme, globex, now, rows, domains, {"acme": {ex, shop}, "globex": {glx}})


# --- the expected output, computed independently --------------------------------------------

COLUMNS = {
    "pageviews": ["id", "domain", "visitor_hash", "session_hash", "hostname", "pathname", "referrer",
                  "referrer_source", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term",
                  "utm_content", "ref", "browser", "os", "device_type", "language", "duration", "scroll_depth",
                  "created_at"],
    "goals": ["id", "domain", "name", "type", "config", "is_active", "created_at", "updated_at"],
    "goal_completions": ["id", "domain", "goal_id", "visitor_hash", "session_hash", "pageview_id", "created_at"],
    "ecommerce_events": ["id", "domain", "visitor_hash", "session_hash", "pageview_id", "event_type",
                         "transaction_id", "value", "currency", "in_site_currency", "items", "created_at"],
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
        elif name == "config":
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
            cell = json.dumps(value, separators=(",", ":"))
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


# --- fixtures and HTTP helpers --------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Seeded:
    return seed_exports(tmp_path_factory.mktemp("exports") / "data")


# The walks below make hundreds of requests: far over the default 60 a minute per token.
RATE_LIMIT_ENV = {"CLEARANALYTICS_RATE_LIMIT": "100000/minute"}


@pytest.fixture(scope="module")
def server(seeded):
    live = LiveServer(seeded.data_dir, RATE_LIMIT_ENV).start()
    yield live
    live.stop()


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
          "ecommerce_events": "ecommerce-events"}  # fmt: skip


# --- walking every page -----------------------------------------------------------------------


def test_pageviews_jsonl_walk_with_default_limit_returns_the_whole_range(seeded, server):
    rows, sizes = walk_jsonl(server, seeded.acme.token, "pageviews")
    assert sizes == [10000, BIG - 10000]
    expected = [expected_json(seeded, "pageviews", r) for r in expected_rows(seeded, "pageviews", "acme")]
    assert len(expected) == BIG
    assert rows == expected


@pytest.mark.parametrize("table", list(ROUTES))
def test_jsonl_walk_with_small_pages_returns_every_row_once(seeded, server, table):
    limit = {"pageviews": 3001, "goals": 1}.get(table, 4)
    rows, sizes = walk_jsonl(server, seeded.acme.token, ROUTES[table], limit=limit)
    expected = [expected_json(seeded, table, r) for r in expected_rows(seeded, table, "acme")]
    assert len(sizes) > 2 and set(sizes[:-1]) == {limit}
    assert rows == expected
    assert len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("table", list(ROUTES))
def test_csv_walk_returns_every_row_with_the_definition_header(seeded, server, table):
    limit = {"pageviews": 2999, "goals": 2}.get(table, 5)
    header, rows, sizes = walk_csv(server, seeded.acme.token, ROUTES[table], limit=limit)
    assert header == COLUMNS[table]
    assert len(sizes) > 1 and set(sizes[:-1]) == {limit}
    assert rows == [expected_csv(seeded, table, r) for r in expected_rows(seeded, table, "acme")]


def test_csv_neutralises_formulas_and_quotes_per_rfc_4180(seeded, server):
    response = get(server, seeded.acme.token, "/export/pageviews", format="csv", limit=10000)
    body = response.content.decode("utf-8")
    # A quoted cell keeps its embedded quotes doubled and its newline inside the quotes.
    assert '"say ""hi"", then\nnew line"' in body
    header, *rows = list(csv.reader(io.StringIO(body, newline="")))
    campaigns = {r[header.index("utm_campaign")] for r in rows} - {""}
    assert campaigns == {"'" + f for f in FORMULAS}
    assert {r[header.index("pathname")] for r in rows} >= {"/=not-a-formula"}  # "=" inside is harmless
    goals = list(csv.reader(io.StringIO(get(server, seeded.acme.token, "/export/goals", format="csv").text)))
    assert [r[2] for r in goals[1:] if "Purchase" in r[2]] == ["'=Purchase goal"]
    events = list(csv.DictReader(io.StringIO(get(server, seeded.acme.token, "/export/ecommerce-events",
                                                 format="csv").text)))  # fmt: skip
    # items is JSON text: it starts with "[", so it is never taken for a formula, even with "=" inside.
    assert all(e["items"].startswith("[") for e in events)


def test_json_config_is_an_object_in_jsonl_and_text_in_csv(seeded, server):
    goal = get(server, seeded.acme.token, "/export/goals").text.splitlines()[0]
    assert '"config":{"match_type":"exact","path":"/signup"}' in goal
    row = list(csv.DictReader(io.StringIO(get(server, seeded.acme.token, "/export/goals", format="csv").text)))[0]
    assert row["config"] == '{"match_type":"exact","path":"/signup"}'
    assert row["is_active"] == "true"


def test_money_is_exact_and_items_have_exactly_the_record_fields(seeded, server):
    lines = get(server, seeded.acme.token, "/export/ecommerce-events").text.splitlines()
    assert '"value":149.97,' in lines[0] or any('"value":149.97,' in line for line in lines)
    for line in lines:
        for item in json.loads(line)["items"]:
            assert list(item) == ["item_id", "item_name", "price", "quantity"]


def test_dates_are_taken_in_each_sites_timezone(seeded, server):
    """shop.example.org is in New York: its local day D runs from D 04:00 or 05:00 UTC."""
    target = (seeded.now - timedelta(days=5)).date()
    rows, _ = walk_jsonl(server, seeded.acme.token, "pageviews", **{"from": target.isoformat(),
                                                                    "to": target.isoformat()})  # fmt: skip
    from zoneinfo import ZoneInfo

    def local_day(row: dict) -> date:
        zone = "America/New_York" if seeded.domains[row["site_id"]] == "shop.example.org" else "UTC"
        return row["created_at"].replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()

    expected = expected_rows(seeded, "pageviews", "acme", keep=lambda r: local_day(r) == target)
    assert {r["domain"] for r in rows} == {"example.com", "shop.example.org"}
    assert rows == [expected_json(seeded, "pageviews", r) for r in expected]


def test_domain_restricts_to_one_site(seeded, server):
    rows, _ = walk_jsonl(server, seeded.acme.token, "ecommerce-events", domain="shop.example.org")
    shop = {k for k, v in seeded.domains.items() if v == "shop.example.org"}
    expected = expected_rows(seeded, "ecommerce_events", "acme", keep=lambda r: r["site_id"] in shop)
    assert rows == [expected_json(seeded, "ecommerce_events", r) for r in expected] and rows


def test_old_rows_need_an_explicit_range(seeded, server):
    start = (seeded.now - timedelta(days=70)).date().isoformat()
    end = (seeded.now - timedelta(days=35)).date().isoformat()
    rows, _ = walk_jsonl(server, seeded.acme.token, "pageviews", **{"from": start, "to": end})
    assert len(rows) == 12 and all(r["domain"] == "example.com" for r in rows)


def test_export_streams_in_chunks_without_a_content_length(seeded, server):
    response = get(server, seeded.acme.token, "/export/pageviews")
    assert "Content-Length" not in response.headers
    assert response.headers.get("Transfer-Encoding") == "chunked"


def test_a_client_that_hangs_up_mid_stream_leaves_the_server_healthy(seeded, server):
    for _ in range(5):
        with requests.get(f"{server.url}/api/v1/export/pageviews", stream=True, timeout=30,
                          headers={"Authorization": f"Bearer {seeded.acme.token}"}) as response:  # fmt: skip
            next(response.iter_content(1024))
    rows, _ = walk_jsonl(server, seeded.acme.token, "goals")
    assert len(rows) == 3


# --- tenant isolation -----------------------------------------------------------------------


@pytest.mark.parametrize("route", [*ROUTES.values(), "bigquery-schema", "powerbi-schema"])
def test_a_foreign_or_unknown_domain_is_403(seeded, server, route):
    for domain in ("globex.test", "nobody.example"):
        response = get(server, seeded.acme.token, f"/export/{route}", domain=domain)
        if route.endswith("schema"):
            assert response.status_code == 200  # the schemas hold no data and take no domain
        else:
            assert response.status_code == 403
            assert response.json() == {"message": "This domain is not one of your sites."}


@pytest.mark.parametrize("table", list(ROUTES))
def test_a_foreign_cursor_yields_none_of_the_other_tenants_rows(seeded, server, table):
    acme_rows = expected_rows(seeded, table, "acme")
    globex_rows = expected_rows(seeded, table, "globex")
    # globex walks from before acme's first id: it sees exactly its own rows after that id.
    cursor = acme_rows[0]["id"]
    response = get(server, seeded.globex.token, f"/export/{ROUTES[table]}", cursor=cursor)
    got = [json.loads(line) for line in response.text.splitlines()]
    assert got == [expected_json(seeded, table, r) for r in globex_rows if r["id"] > cursor]
    # and acme, given a globex id as cursor, sees exactly its own rows after that id.
    cursor = globex_rows[0]["id"]
    response = get(server, seeded.acme.token, f"/export/{ROUTES[table]}", cursor=cursor)
    got = [json.loads(line)["id"] for line in response.text.splitlines()]
    assert got == [r["id"] for r in acme_rows if r["id"] > cursor]


def test_authentication_is_required(seeded, server):
    for route in [*ROUTES.values(), "bigquery-schema", "powerbi-schema"]:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {seeded.acme.token}"}):
            response = requests.get(f"{server.url}/api/v1/export/{route}", headers=headers, timeout=10)
            assert response.status_code == 401 and response.json() == {"message": "Unauthenticated."}


def test_a_token_without_export_read_gets_403(tmp_path, live_server):
    account = make_account(tmp_path / "data")
    result = run_cli("token", "create", "--data-dir", account.data_dir, "--tenant", "acme", "--email",
                     account.email, "--name", "stats only", "--ability", "stats:read")  # fmt: skip
    token = result.stdout.strip()
    server = live_server(account.data_dir)
    for route in [*ROUTES.values(), "bigquery-schema", "powerbi-schema"]:
        response = get(server, token, f"/export/{route}")
        assert response.status_code == 403
        assert response.json() == {"message": "This token lacks the export:read ability."}
    assert get(server, account.token, "/export/pageviews").text == ""  # no rows, no error
    assert get(server, account.token, "/export/pageviews", format="csv").text.startswith("id,domain,")


# --- validation -------------------------------------------------------------------------------

BAD_PARAMS = [
    ({"format": "xml"}, "format"),
    ({"format": "JSONL"}, "format"),
    ({"limit": "0"}, "limit"),
    ({"limit": "10001"}, "limit"),
    ({"limit": "-5"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"from": "2026-13-01"}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-02-30"}, "to"),
    ({"from": "2026-02-10", "to": "2026-02-01"}, "from"),
    ({"cursor": "x" * 65}, "cursor"),
]


@pytest.mark.parametrize(("params", "field"), BAD_PARAMS)
@pytest.mark.parametrize("route", ["pageviews", "goal-completions", "ecommerce-events"])
def test_bad_parameters_are_422_naming_the_field(seeded, server, route, params, field):
    response = get(server, seeded.acme.token, f"/export/{route}", **params)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"message", "errors"} and list(body["errors"]) == [field]
    assert body["errors"][field] == [body["message"]]


@pytest.mark.parametrize(
    ("route", "params", "field"),
    [
        ("goals", {"format": "parquet"}, "format"),
        ("goals", {"limit": "0"}, "limit"),
        ("powerbi-schema", {"format": "csv"}, "format"),
        ("powerbi-schema", {"format": "pqm", "base_url": "ftp://example.com/api/v1"}, "base_url"),
        ("powerbi-schema", {"format": "pqm", "base_url": 'https://x.test/"quoted"'}, "base_url"),
    ],
)
def test_bad_parameters_on_goals_and_schemas_are_422(seeded, server, route, params, field):
    response = get(server, seeded.acme.token, f"/export/{route}", **params)
    assert response.status_code == 422 and list(response.json()["errors"]) == [field]
