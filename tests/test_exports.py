"""Exports on a live server: cursor walks, CSV, formula neutralisation, isolation and validation.

Rows are inserted straight into the DuckDB file by `export_dataset.seed_exports`, and every
expected JSONL object and CSV cell is computed there in plain Python from the seeded values,
independently of the export code.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, timedelta

import pytest
import requests
from conftest import LiveServer, make_account, run_cli
from export_dataset import (
    BIG,
    COLUMNS,
    FORMULAS,
    RATE_LIMIT_ENV,
    ROUTES,
    Seeded,
    expected_csv,
    expected_json,
    expected_rows,
    get,
    seed_exports,
    walk_csv,
    walk_jsonl,
)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Seeded:
    return seed_exports(tmp_path_factory.mktemp("exports") / "data")


@pytest.fixture(scope="module")
def server(seeded):
    live = LiveServer(seeded.data_dir, RATE_LIMIT_ENV).start()
    yield live
    live.stop()


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
        head = requests.head(f"{server.url}/api/v1/export/pageviews", timeout=30,
                             headers={"Authorization": f"Bearer {seeded.acme.token}"})  # fmt: skip
        assert head.status_code == 200 and head.content == b""
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
